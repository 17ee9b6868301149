/**
 * `--ledger DIR`: every account, the transaction history, the slot and the blockhash chain
 * survive a clean restart, a compaction, and a kill -9 between transactions (with a torn write
 * at the end of the journal); `--reset` starts over; a ledger is used by one process at a time.
 */
import { AnchorProvider, Program, Wallet, type Idl } from '@coral-xyz/anchor';
import { createMint, getOrCreateAssociatedTokenAccount, mintTo } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalnet, type AccountState, type Localnet } from '../../localnet';
import { builtPrograms, deployAll } from '../../migrations/deploy';
import { confirmSignature } from '../../migrations/deploy/send';
import { defaultParams } from '../fixtures/embedded/params';
import { programIdl } from '../../tools/workspace';
import { connect, fundedWallet, killChildren, rpc, type RpcReply, spawnLocalnet, startTestLocalnet, stop, tempDir, transferTx, waitForSlotAfter } from './helpers';

/** Every account any landed transaction touched, plus the faucet: address → state. */
function everyAccount(net: Localnet): Map<string, AccountState | null> {
  const out = new Map<string, AccountState | null>();
  const addresses = new Set<string>([net.faucet.toBase58()]);
  for (const r of net.bank.history.all()) for (const k of r.accountKeys) addresses.add(k);
  for (const a of addresses) out.set(a, net.bank.getAccount(a));
  return out;
}

function assertSameAccounts(before: Map<string, AccountState | null>, after: Localnet): void {
  let compared = 0;
  for (const [address, state] of before) {
    if (state?.owner === 'Sysvar1111111111111111111111111111111111111') continue; // the clock moves on
    const now = after.bank.getAccount(address);
    if (state === null) {
      assert.equal(now, null, `${address} should not exist`);
      continue;
    }
    assert.ok(now, `${address} is missing after the restart`);
    assert.equal(now.lamports, state.lamports, `${address} lamports`);
    assert.equal(now.owner, state.owner, `${address} owner`);
    assert.equal(now.executable, state.executable, `${address} executable`);
    assert.ok(Buffer.from(now.data).equals(Buffer.from(state.data)), `${address} data`);
    compared++;
  }
  assert.ok(compared > 10, `compared ${compared} accounts`);
}

describe('localnet: ledger persistence', () => {
  const dir = tempDir('peer-ledger');
  const wallets = tempDir('peer-wallets');
  let net: Localnet | undefined;

  after(async () => {
    await stop(net);
    dir.remove();
    wallets.remove();
  });

  it('keeps every account, the history, the slot and the blockhash chain across a clean restart', async () => {
    net = await startTestLocalnet({ ledgerDir: dir.path });
    const c = connect(net);
    const admin = await fundedWallet(net, 100);
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: wallets.path });
    const mint = await createMint(c, admin, admin.publicKey, null, 6);
    const holder = Keypair.generate();
    const ata = await getOrCreateAssociatedTokenAccount(c, admin, mint, holder.publicKey);
    await mintTo(c, admin, mint, ata.address, admin, 42n);
    // Closing an account: it must stay closed after the restart.
    const temp = await fundedWallet(net, 1);
    const closeTx = new Transaction().add(SystemProgram.transfer({ fromPubkey: temp.publicKey, toPubkey: admin.publicKey, lamports: LAMPORTS_PER_SOL - 5_000 }));
    closeTx.feePayer = temp.publicKey;
    closeTx.recentBlockhash = (await c.getLatestBlockhash()).blockhash;
    closeTx.sign(temp);
    const closeSig = await c.sendRawTransaction(closeTx.serialize());
    await c.confirmTransaction({ signature: closeSig, ...(await c.getLatestBlockhash()) });
    assert.equal(net.bank.getAccount(temp.publicKey.toBase58()), null);

    // Signed now, sent after the restart.
    const later = Keypair.generate();
    const presigned = transferTx(net, admin, later.publicKey, 3 * LAMPORTS_PER_SOL);

    const before = everyAccount(net);
    const slot = net.bank.slot;
    const genesis = net.genesisHash;
    const txCount = net.bank.history.transactionCount;
    await stop(net);
    net = undefined;
    assert.ok(readdirSync(dir.path).some((f) => f.startsWith('snapshot-')), 'a clean stop compacts');

    net = await startTestLocalnet({ ledgerDir: dir.path });
    assert.equal(net.genesisHash, genesis);
    assert.ok(net.bank.slot > slot, `resumed at ${net.bank.slot}, stopped at ${slot}`);
    assert.equal(net.bank.history.transactionCount, txCount);
    assertSameAccounts(before, net);
    const c2 = connect(net);
    const old = await c2.getTransaction(closeSig, { maxSupportedTransactionVersion: 0 });
    assert.equal(old?.meta?.err, null);
    const landed = await rpc<string>(net, 'sendTransaction', [presigned.toString('base64'), { encoding: 'base64' }]);
    assert.equal(typeof landed.result, 'string', JSON.stringify(landed.error));
    assert.equal(await c2.getBalance(later.publicKey), 3 * LAMPORTS_PER_SOL);

    // The deployed program still runs (its cache entry was rebuilt from the restored ProgramData).
    const market = new Program(programIdl<Idl>('peer_market'), new AnchorProvider(c2, new Wallet(admin), { commitment: 'confirmed' }));
    await market.methods.updateConfig({ ...defaultParams(), voteQuorum: 5 }).accountsPartial({ admin: admin.publicKey, config: deployed.bootstrap!.market!.config }).rpc();
    const redeploy = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: wallets.path });
    assert.deepEqual(redeploy.programs.map((p) => p.action), redeploy.programs.map(() => 'unchanged'));
  });

  it('compacts while running and recovers from snapshot plus journal', async () => {
    await stop(net);
    net = await startTestLocalnet({ ledgerDir: dir.path, compactBytes: 16 * 1024 });
    const payer = await fundedWallet(net, 50);
    const c = connect(net);
    const before = readdirSync(dir.path).filter((f) => f.startsWith('snapshot-'));
    for (let i = 0; i < 40; i++) {
      const to = Keypair.generate().publicKey;
      const r: RpcReply<string> = await rpc<string>(net, 'sendTransaction', [transferTx(net, payer, to, LAMPORTS_PER_SOL / 10 + i).toString('base64'), { encoding: 'base64' }]);
      assert.equal(r.error, undefined);
    }
    assert.ok((await c.getBalance(payer.publicKey)) < 50 * LAMPORTS_PER_SOL);
    const snapshots = readdirSync(dir.path).filter((f) => f.startsWith('snapshot-'));
    assert.notDeepEqual(snapshots, before, 'the journal passed compactBytes, so a new snapshot was written');
    const state = everyAccount(net);
    await stop(net);
    net = await startTestLocalnet({ ledgerDir: dir.path });
    assertSameAccounts(state, net);
  });

  it('keeps the clock where it was (a warp included): on-chain time never goes back after a restart', async () => {
    const own = tempDir('peer-ledger-clock');
    let clock: Localnet | undefined = await startTestLocalnet({ ledgerDir: own.path });
    try {
      const day = 86_400;
      const before = clock.bank.unixTimestamp;
      clock.bank.warp(day);
      const payer = await fundedWallet(clock, 1);
      const warped = clock.bank.history.get(clock.bank.history.all().at(-1)!.signature)!.blockTime;
      assert.ok(warped >= before + day, `${warped} vs ${before}`);
      assert.ok(payer);
      await stop(clock);
      clock = await startTestLocalnet({ ledgerDir: own.path });
      assert.ok(clock.bank.unixTimestamp >= warped, `${clock.bank.unixTimestamp} went back from ${warped}`);
    } finally {
      await stop(clock);
      own.remove();
    }
  });

  it('refuses a second process on the same ledger, and a directory that is not a ledger', async () => {
    await assert.rejects(() => startLocalnet({ rpcPort: 0, ledgerDir: dir.path }), /is in use by process/);
    const foreign = tempDir('not-a-ledger');
    writeFileSync(join(foreign.path, 'notes.txt'), 'mine');
    await assert.rejects(() => startLocalnet({ rpcPort: 0, ledgerDir: foreign.path, reset: true }), /is not a localnet ledger/);
    assert.ok(existsSync(join(foreign.path, 'notes.txt')), '--reset never deletes files it does not own');
    foreign.remove();
  });

  it('starts from genesis with --reset', async () => {
    const genesis = net!.genesisHash;
    await stop(net);
    net = await startTestLocalnet({ ledgerDir: dir.path, reset: true });
    assert.notEqual(net.genesisHash, genesis);
    assert.equal(net.bank.history.transactionCount, 0);
    assert.equal(net.bank.getProgramAccounts('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA').length, 0);
    assert.ok(net.bank.slot < 50);
  });
});

describe('localnet: kill -9 between transactions (child process)', () => {
  const dir = tempDir('peer-ledger-kill');

  after(() => {
    killChildren();
    dir.remove();
  });

  it('keeps every acknowledged transaction, cuts a torn write, and shuts down cleanly on SIGTERM', async () => {
    const child = await spawnLocalnet(['--ledger', dir.path, '--quiet']);
    const c = new Connection(child.rpcUrl, 'confirmed');
    const net = { rpcUrl: child.rpcUrl };
    const funder = Keypair.generate();
    // Confirmed by polling: a web3.js WebSocket to a process we kill would reconnect forever.
    await confirmSignature(c, await c.requestAirdrop(funder.publicKey, 100 * LAMPORTS_PER_SOL));
    const recipients = Array.from({ length: 25 }, () => Keypair.generate().publicKey);
    const signatures: string[] = [];
    for (const [i, to] of recipients.entries()) {
      const { blockhash, lastValidBlockHeight } = await c.getLatestBlockhash();
      const tx = new Transaction({ feePayer: funder.publicKey, blockhash, lastValidBlockHeight }).add(SystemProgram.transfer({ fromPubkey: funder.publicKey, toPubkey: to, lamports: LAMPORTS_PER_SOL + i }));
      tx.sign(funder);
      const reply = await rpc<string>(net, 'sendTransaction', [tx.serialize().toString('base64'), { encoding: 'base64' }]);
      assert.equal(typeof reply.result, 'string', JSON.stringify(reply.error));
      signatures.push(reply.result!);
    }
    const expected = new Map<string, number | null>();
    for (const key of [funder.publicKey, ...recipients]) expected.set(key.toBase58(), await c.getBalance(key));
    const genesis = await c.getGenesisHash();
    const slot = await c.getSlot();

    child.proc.kill('SIGKILL');
    assert.equal((await child.exited).signal, 'SIGKILL');
    // A write the kill interrupted: half a frame at the end of the journal.
    const journal = readdirSync(dir.path).filter((f) => f.startsWith('journal-')).sort().pop()!;
    const size = statSync(join(dir.path, journal)).size;
    appendFileSync(join(dir.path, journal), Buffer.from([200, 1, 0, 0, 1, 2, 3, 4, 9, 9, 9]));

    const again = await spawnLocalnet(['--ledger', dir.path]);
    try {
      const c2 = new Connection(again.rpcUrl, 'confirmed');
      assert.equal(await c2.getGenesisHash(), genesis);
      assert.ok((await c2.getSlot()) > slot);
      for (const [key, lamports] of expected) assert.equal(await c2.getBalance(new PublicKey(key)), lamports, key);
      const statuses = await c2.getSignatureStatuses(signatures);
      assert.ok(statuses.value.every((s) => s !== null && s.err === null));
      assert.match(again.stderr(), /cut 11 bytes of an unfinished write/);
      assert.ok(statSync(join(dir.path, journal)).size >= size);
      // Still writable after the recovery.
      const extra = Keypair.generate().publicKey;
      await confirmSignature(c2, await c2.requestAirdrop(extra, LAMPORTS_PER_SOL));
      expected.set(extra.toBase58(), LAMPORTS_PER_SOL);
      expected.set(funder.publicKey.toBase58(), await c2.getBalance(funder.publicKey));
    } finally {
      again.proc.kill('SIGTERM');
    }
    const exit = await again.exited;
    assert.equal(exit.code, 0, `clean shutdown on SIGTERM: ${again.stderr()}`);
    assert.match(again.stderr(), /localnet: SIGTERM, stopping\n[^]*\[localnet\] stopped/);

    const third = await spawnLocalnet(['--ledger', dir.path, '--quiet']);
    try {
      const c3 = new Connection(third.rpcUrl, 'confirmed');
      for (const [key, lamports] of expected) assert.equal(await c3.getBalance(new PublicKey(key)), lamports, key);
    } finally {
      third.proc.kill('SIGINT');
    }
    assert.equal((await third.exited).code, 0);
  });
});

describe('localnet: slot clock', () => {
  it('produces slots with time and ends the slot after a deploy, so new programs run at once', async () => {
    const net = await startTestLocalnet({ slotMs: 60_000 });
    try {
      const start = net.bank.slot;
      const payer = await fundedWallet(net, 50);
      const result = await deployAll({ url: net.rpcUrl, payer, programs: [{ name: 'probe', programKeypair: Keypair.generate(), elf: builtPrograms().find((p) => p.name === 'peer_staking')!.elf }], bootstrap: false });
      assert.equal(result.programs[0].action, 'deployed');
      assert.ok(net.bank.slot > start, 'the deploy ended its slot even though the clock has not ticked');
    } finally {
      await stop(net);
    }
    const fast = await startTestLocalnet({ slotMs: 20 });
    try {
      const s = fast.bank.slot;
      await waitForSlotAfter(fast, s + 5);
    } finally {
      await stop(fast);
    }
  });
});
