/**
 * @solana/web3.js against the localnet: the calls our SDK, CLI and keepers make, answered by the
 * real runtime through the JSON-RPC server.
 */
import {
  ComputeBudgetProgram,
  Ed25519Program,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SendTransactionError,
  SystemProgram,
  Transaction,
  TransactionMessage,
  VersionedTransaction,
  sendAndConfirmTransaction,
  type Connection,
} from '@solana/web3.js';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import type { Localnet } from '../../localnet';
import { encodeBase58 } from '../../localnet/encoding/base58';
import { connect, fundedWallet, rpc, startTestLocalnet, stop, transferTx, waitForSlotAfter, type RpcReply } from './helpers';

describe('localnet: web3.js round trips', () => {
  let net: Localnet;
  let c: Connection;
  let alice: Keypair;

  before(async () => {
    net = await startTestLocalnet();
    c = connect(net);
    alice = await fundedWallet(net, 1_000);
  });

  after(async () => {
    await stop(net);
  });

  it('reports the cluster: version, genesis hash, health, identity, epoch', async () => {
    const version = await c.getVersion();
    assert.match(version['solana-core'], /^\d+\.\d+\.\d+$/);
    assert.equal(await c.getGenesisHash(), net.genesisHash);
    assert.equal((await rpc(net, 'getHealth')).result, 'ok');
    const epoch = await c.getEpochInfo();
    assert.equal(epoch.absoluteSlot, epoch.slotIndex);
    assert.equal(epoch.epoch, 0);
    assert.equal(epoch.slotsInEpoch, 432_000);
    assert.ok(epoch.blockHeight !== undefined && epoch.blockHeight >= 0);
    const identity = (await rpc<{ identity: string }>(net, 'getIdentity')).result!.identity;
    assert.ok(new PublicKey(identity));
  });

  it('advances slots with time, and the block height with them', async () => {
    const slot = await c.getSlot();
    await waitForSlotAfter(net, slot);
    assert.ok((await c.getSlot()) > slot);
    assert.ok((await c.getBlockHeight()) > slot - 1);
  });

  it('airdrops through requestAirdrop and confirms with the blockhash strategy', async () => {
    const who = Keypair.generate();
    const sig = await c.requestAirdrop(who.publicKey, 2 * LAMPORTS_PER_SOL);
    const latest = await c.getLatestBlockhash();
    const res = await c.confirmTransaction({ signature: sig, ...latest });
    assert.equal(res.value.err, null);
    assert.equal(await c.getBalance(who.publicKey), 2 * LAMPORTS_PER_SOL);
    // Two identical airdrops in a row both land (they must not collide as duplicates).
    await c.confirmTransaction({ signature: await c.requestAirdrop(who.publicKey, LAMPORTS_PER_SOL), ...latest });
    await c.confirmTransaction({ signature: await c.requestAirdrop(who.publicKey, LAMPORTS_PER_SOL), ...latest });
    assert.equal(await c.getBalance(who.publicKey), 4 * LAMPORTS_PER_SOL);
  });

  it('sends and confirms a transfer, then returns it from getTransaction with meta, logs and compute units', async () => {
    const bob = Keypair.generate();
    const sig = await sendAndConfirmTransaction(c, new Transaction().add(SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob.publicKey, lamports: 1_234_567 })), [alice]);
    assert.equal(await c.getBalance(bob.publicKey), 1_234_567);
    const tx = await c.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    assert.ok(tx && tx.meta);
    assert.equal(tx.meta.err, null);
    assert.equal(tx.meta.fee, 5_000);
    assert.deepEqual(tx.meta.logMessages, ['Program 11111111111111111111111111111111 invoke [1]', 'Program 11111111111111111111111111111111 success']);
    assert.ok((tx.meta.computeUnitsConsumed ?? 0) > 0);
    assert.equal(tx.meta.postBalances[1] - tx.meta.preBalances[1], 1_234_567);
    assert.equal(tx.meta.preBalances[0] - tx.meta.postBalances[0], 1_234_567 + 5_000);
    assert.equal(tx.transaction.signatures[0], sig);
    assert.ok(tx.blockTime && Math.abs(tx.blockTime - Date.now() / 1000) < 3600);
    const status = (await c.getSignatureStatuses([sig])).value[0];
    assert.equal(status?.err, null);
    assert.equal(status?.confirmationStatus, 'finalized');
    assert.equal(status?.slot, tx.slot);
    const parsed = await c.getParsedTransaction(sig, { maxSupportedTransactionVersion: 0 });
    assert.ok(parsed?.transaction.message.accountKeys[0].signer);
    assert.ok(parsed?.transaction.message.accountKeys[0].pubkey.equals(alice.publicKey));
  });

  it('accepts v0 transactions and base58 as well as base64 wire encodings', async () => {
    const bob = Keypair.generate();
    const { blockhash } = await c.getLatestBlockhash();
    const msg = new TransactionMessage({ payerKey: alice.publicKey, recentBlockhash: blockhash, instructions: [SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob.publicKey, lamports: 1_000_000 })] }).compileToV0Message();
    const v0 = new VersionedTransaction(msg);
    v0.sign([alice]);
    const sig = await c.sendTransaction(v0);
    await c.confirmTransaction({ signature: sig, blockhash, lastValidBlockHeight: (await c.getLatestBlockhash()).lastValidBlockHeight });
    const tx = await c.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    assert.equal(tx?.version, 0);
    // Without maxSupportedTransactionVersion a v0 transaction is refused, as agave does.
    const legacyClient = await rpc(net, 'getTransaction', [sig, { encoding: 'json' }]);
    assert.equal(legacyClient.error?.code, -32015);

    const raw = transferTx(net, alice, bob.publicKey, 2_000_000);
    const b58 = await rpc<string>(net, 'sendTransaction', [encodeBase58(raw)]);
    assert.equal(typeof b58.result, 'string');
    assert.equal(await c.getBalance(bob.publicKey), 3_000_000);
  });

  it('reads accounts: getAccountInfo (base64, base58, jsonParsed fallback, dataSlice), getMultipleAccounts, getBalance', async () => {
    const data = Keypair.generate();
    const space = 64;
    await sendAndConfirmTransaction(
      c,
      new Transaction().add(SystemProgram.createAccount({ fromPubkey: alice.publicKey, newAccountPubkey: data.publicKey, lamports: await c.getMinimumBalanceForRentExemption(space), space, programId: SystemProgram.programId })),
      [alice, data],
    );
    const info = await c.getAccountInfo(data.publicKey);
    assert.ok(info);
    assert.equal(info.data.length, space);
    assert.equal(info.lamports, await c.getMinimumBalanceForRentExemption(space));
    assert.ok(info.owner.equals(SystemProgram.programId));
    const b58 = await rpc<{ value: { data: [string, string] } }>(net, 'getAccountInfo', [data.publicKey.toBase58(), { encoding: 'base58' }]);
    assert.deepEqual(b58.result!.value.data, [encodeBase58(new Uint8Array(space)), 'base58']);
    const sliced = await rpc<{ value: { data: [string, string] } }>(net, 'getAccountInfo', [data.publicKey.toBase58(), { encoding: 'base64', dataSlice: { offset: 8, length: 4 } }]);
    assert.equal(Buffer.from(sliced.result!.value.data[0], 'base64').length, 4);
    const parsed = await c.getParsedAccountInfo(data.publicKey);
    assert.ok(Buffer.isBuffer(parsed.value?.data));
    const missing = Keypair.generate().publicKey;
    assert.equal(await c.getAccountInfo(missing), null);
    const many = await c.getMultipleAccountsInfo([data.publicKey, missing, alice.publicKey]);
    assert.equal(many.length, 3);
    assert.equal(many[1], null);
    assert.equal(many[2]?.lamports, await c.getBalance(alice.publicKey));
  });

  it('filters getProgramAccounts by dataSize and memcmp (base58 and base64 bytes)', async () => {
    const owner = Keypair.generate();
    // Accounts owned by a fresh "program" id: created with the system program, assigned to it.
    const make = async (bytes: Buffer) => {
      const acct = Keypair.generate();
      const tx = new Transaction().add(
        SystemProgram.createAccount({ fromPubkey: alice.publicKey, newAccountPubkey: acct.publicKey, lamports: await c.getMinimumBalanceForRentExemption(bytes.length), space: bytes.length, programId: owner.publicKey }),
      );
      await sendAndConfirmTransaction(c, tx, [alice, acct]);
      return acct.publicKey;
    };
    // The owner program does not exist, so the data stays zero; sizes and prefixes still differ.
    const a = await make(Buffer.alloc(10));
    const b = await make(Buffer.alloc(20));
    const all = await c.getProgramAccounts(owner.publicKey);
    assert.equal(all.length, 2);
    const bySize = await c.getProgramAccounts(owner.publicKey, { filters: [{ dataSize: 20 }] });
    assert.deepEqual(bySize.map((x) => x.pubkey.toBase58()), [b.toBase58()]);
    const zeros = await c.getProgramAccounts(owner.publicKey, { filters: [{ memcmp: { offset: 12, bytes: encodeBase58(new Uint8Array(4)) } }] });
    assert.deepEqual(zeros.map((x) => x.pubkey.toBase58()), [b.toBase58()]);
    const b64 = await rpc<unknown[]>(net, 'getProgramAccounts', [owner.publicKey.toBase58(), { encoding: 'base64', filters: [{ memcmp: { offset: 0, bytes: Buffer.alloc(10).toString('base64'), encoding: 'base64' } }] }]);
    assert.equal(b64.result!.length, 2);
    const none = await c.getProgramAccounts(owner.publicKey, { filters: [{ memcmp: { offset: 0, bytes: encodeBase58(Buffer.from([1])) } }] });
    assert.equal(none.length, 0);
    const ctx = await rpc<{ context: { slot: number }; value: unknown[] }>(net, 'getProgramAccounts', [owner.publicKey.toBase58(), { withContext: true, encoding: 'base64' }]);
    assert.equal(ctx.result!.value.length, 2);
    assert.ok(a);
  });

  it('shows preflight failures with their logs (SendTransactionError), and changes nothing', async () => {
    const poor = await fundedWallet(net, 1);
    const before = await c.getBalance(poor.publicKey);
    const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: poor.publicKey, toPubkey: alice.publicKey, lamports: 5 * LAMPORTS_PER_SOL }));
    await assert.rejects(
      () => sendAndConfirmTransaction(c, tx, [poor]),
      (err: unknown) => {
        assert.ok(err instanceof SendTransactionError);
        assert.match(err.message, /custom program error: 0x1/);
        assert.ok(err.logs?.some((l) => /insufficient lamports/.test(l)), JSON.stringify(err.logs));
        return true;
      },
    );
    assert.equal(await c.getBalance(poor.publicKey), before, 'a refused preflight charges no fee');
  });

  it('with skipPreflight, lands a failing transaction: its error is recorded and its fee charged', async () => {
    const poor = await fundedWallet(net, 1);
    const before = await c.getBalance(poor.publicKey);
    const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: poor.publicKey, toPubkey: alice.publicKey, lamports: 5 * LAMPORTS_PER_SOL }));
    const latest = await c.getLatestBlockhash();
    tx.recentBlockhash = latest.blockhash;
    tx.feePayer = poor.publicKey;
    tx.sign(poor);
    const sig = await c.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    // web3.js resolves with the error, or rejects with it when the transaction had already
    // landed before it subscribed (here it always has: execution is synchronous).
    let err: unknown;
    try {
      err = (await c.confirmTransaction({ signature: sig, ...latest })).value.err;
    } catch (thrown) {
      err = thrown;
    }
    assert.deepEqual(err, { InstructionError: [0, { Custom: 1 }] });
    assert.equal(await c.getBalance(poor.publicKey), before - 5_000);
    const got = await c.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    assert.deepEqual(got?.meta?.err, { InstructionError: [0, { Custom: 1 }] });
    assert.ok(got?.meta?.logMessages?.some((l) => /insufficient lamports/.test(l)));
  });

  it('refuses duplicates, unknown blockhashes and bad signatures', async () => {
    const bob = Keypair.generate();
    const raw = transferTx(net, alice, bob.publicKey, 10_000_000);
    const first = await rpc<string>(net, 'sendTransaction', [raw.toString('base64'), { encoding: 'base64' }]);
    assert.equal(typeof first.result, 'string');
    const again = await rpc(net, 'sendTransaction', [raw.toString('base64'), { encoding: 'base64' }]);
    assert.equal(again.error?.code, -32002);
    assert.deepEqual((again.error?.data as { err: unknown }).err, 'AlreadyProcessed');
    assert.equal(await c.getBalance(bob.publicKey), 10_000_000);

    const stale = new Transaction({ feePayer: alice.publicKey, blockhash: encodeBase58(Buffer.alloc(32, 7)), lastValidBlockHeight: 0 }).add(
      SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob.publicKey, lamports: 1 }),
    );
    stale.sign(alice);
    const unknown = await rpc(net, 'sendTransaction', [stale.serialize().toString('base64'), { encoding: 'base64' }]);
    assert.equal(unknown.error?.code, -32002);
    assert.deepEqual((unknown.error?.data as { err: unknown }).err, 'BlockhashNotFound');
    // With skipPreflight it is accepted for delivery and then never lands, as on a real cluster.
    const dropped = await rpc<string>(net, 'sendTransaction', [stale.serialize().toString('base64'), { encoding: 'base64', skipPreflight: true }]);
    assert.equal(typeof dropped.result, 'string');
    assert.deepEqual((await c.getSignatureStatuses([dropped.result!])).value, [null]);

    const forged = Buffer.from(transferTx(net, alice, bob.publicKey, 3));
    forged[10] ^= 0xff; // inside the signature
    const bad = await rpc(net, 'sendTransaction', [forged.toString('base64'), { encoding: 'base64', skipPreflight: true }]);
    assert.equal(bad.error?.code, -32003);
  });

  it('verifies Ed25519 precompile signatures like a real validator', async () => {
    const signer = nacl.sign.keyPair();
    const message = Buffer.from('job 42: output hash');
    const good = Ed25519Program.createInstructionWithPublicKey({ publicKey: signer.publicKey, message, signature: nacl.sign.detached(message, signer.secretKey) });
    const sig = await sendAndConfirmTransaction(c, new Transaction().add(good), [alice]);
    assert.equal((await c.getTransaction(sig, { maxSupportedTransactionVersion: 0 }))?.meta?.fee, 10_000, 'one transaction and one precompile signature');
    const forgedSignature = nacl.sign.detached(Buffer.from('another message'), signer.secretKey);
    const forged = Ed25519Program.createInstructionWithPublicKey({ publicKey: signer.publicKey, message, signature: forgedSignature });
    await assert.rejects(
      () => sendAndConfirmTransaction(c, new Transaction().add(forged), [alice]),
      (err: unknown) => err instanceof SendTransactionError && /Error processing Instruction 0/.test(err.message),
    );
  });

  it('simulates, with and without signatures, returning logs, units and requested accounts', async () => {
    const bob = Keypair.generate();
    const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob.publicKey, lamports: 1_000_000 }));
    tx.feePayer = alice.publicKey;
    tx.recentBlockhash = (await c.getLatestBlockhash()).blockhash;
    const unsigned = await rpc<{ value: { err: unknown; logs: string[]; unitsConsumed: number; accounts: ({ lamports: number } | null)[] } }>(net, 'simulateTransaction', [
      tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64'),
      { encoding: 'base64', accounts: { addresses: [bob.publicKey.toBase58()], encoding: 'base64' } },
    ]);
    assert.equal(unsigned.result!.value.err, null);
    assert.ok(unsigned.result!.value.unitsConsumed > 0);
    assert.equal(unsigned.result!.value.accounts[0]?.lamports, 1_000_000);
    assert.equal(await c.getBalance(bob.publicKey), 0, 'simulation changes nothing');
    const sim = await c.simulateTransaction(tx, [alice]);
    assert.equal(sim.value.err, null);
    assert.ok(sim.value.logs?.length);
    const replaced = await rpc<{ value: { replacementBlockhash: { blockhash: string } } }>(net, 'simulateTransaction', [
      tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64'),
      { encoding: 'base64', replaceRecentBlockhash: true },
    ]);
    assert.equal(replaced.result!.value.replacementBlockhash.blockhash, net.bank.latestBlockhash().blockhash);
    const both = await rpc(net, 'simulateTransaction', [tx.serialize({ requireAllSignatures: false }).toString('base64'), { encoding: 'base64', replaceRecentBlockhash: true, sigVerify: true }]);
    assert.equal(both.error?.code, -32602);
  });

  it('answers blockhash, fee and prioritization fee queries', async () => {
    const latest = await c.getLatestBlockhash();
    assert.ok(latest.lastValidBlockHeight > (await c.getBlockHeight()));
    assert.equal((await c.isBlockhashValid(latest.blockhash)).value, true);
    assert.equal((await c.isBlockhashValid(encodeBase58(Buffer.alloc(32, 9)))).value, false);
    const msg = new TransactionMessage({ payerKey: alice.publicKey, recentBlockhash: latest.blockhash, instructions: [SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: PublicKey.unique(), lamports: 1 })] }).compileToLegacyMessage();
    assert.equal((await c.getFeeForMessage(msg)).value, 5_000);
    const target = Keypair.generate().publicKey;
    const priced = new Transaction().add(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 4_242 }), SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: target, lamports: 1_000_000 }));
    await sendAndConfirmTransaction(c, priced, [alice]);
    const fees = await c.getRecentPrioritizationFees({ lockedWritableAccounts: [target] });
    assert.ok(fees.length > 0 && fees.length <= 150);
    assert.ok(fees.some((f) => f.prioritizationFee === 4_242), JSON.stringify(fees.filter((f) => f.prioritizationFee > 0)));
    const rent = await c.getMinimumBalanceForRentExemption(165);
    assert.equal(rent, Number(net.bank.minimumBalanceForRentExemption(165)));
  });

  it('lists signatures for an address, newest first', async () => {
    const carol = await fundedWallet(net, 5);
    const s1 = await sendAndConfirmTransaction(c, new Transaction().add(SystemProgram.transfer({ fromPubkey: carol.publicKey, toPubkey: alice.publicKey, lamports: 1 })), [carol]);
    const s2 = await sendAndConfirmTransaction(c, new Transaction().add(SystemProgram.transfer({ fromPubkey: carol.publicKey, toPubkey: alice.publicKey, lamports: 2 })), [carol]);
    const list = await c.getSignaturesForAddress(carol.publicKey);
    assert.deepEqual(list.slice(0, 2).map((s) => s.signature), [s2, s1]);
    assert.equal(list.length, 3, 'two transfers and the airdrop');
    const limited = (await rpc<{ signature: string }[]>(net, 'getSignaturesForAddress', [carol.publicKey.toBase58(), { limit: 1, before: s2 }])).result!;
    assert.deepEqual(limited.map((s) => s.signature), [s1]);
  });

  it('respects minContextSlot', async () => {
    const reply = (await rpc(net, 'getBalance', [alice.publicKey.toBase58(), { minContextSlot: net.bank.slot + 1_000_000 }])) as RpcReply;
    assert.equal(reply.error?.code, -32016);
  });
});
