/**
 * The block, supply, cluster and inflation methods, read through @solana/kit and web3.js, each
 * answer checked against the shape agave documents for it (https://solana.com/docs/rpc/http).
 */
import { address, createSolanaRpc, type Rpc, type SolanaRpcApi } from '@solana/kit';
import { Keypair, LAMPORTS_PER_SOL, sendAndConfirmTransaction, Transaction, SystemProgram, type Connection, type PublicKey } from '@solana/web3.js';
import { createMint, getOrCreateAssociatedTokenAccount, mintTo } from '@solana/spl-token';
import assert from 'node:assert/strict';
import type { Localnet } from '../../localnet';
import { connect, fundedWallet, rpc, startTestLocalnet, stop, waitForSlotAfter } from './helpers';

function keysOf(value: unknown): string[] {
  assert.ok(value !== null && typeof value === 'object', 'expected an object');
  return Object.keys(value as object).sort();
}

function isInt(v: unknown): boolean {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

describe('localnet: block, supply, cluster and inflation methods (kit + web3.js)', () => {
  let net: Localnet;
  let c: Connection;
  let kit: Rpc<SolanaRpcApi>;
  let payer: Keypair;
  let transferSig: string;
  let transferSlot: number;
  let mint: PublicKey;

  before(async () => {
    net = await startTestLocalnet();
    c = connect(net);
    kit = createSolanaRpc(net.rpcUrl);
    payer = await fundedWallet(net, 100);
    await waitForSlotAfter(net, 6); // so the block before the transfer's has slots before it too
    const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL }));
    transferSig = await sendAndConfirmTransaction(c, tx, [payer], { commitment: 'confirmed' });
    transferSlot = (await c.getTransaction(transferSig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }))!.slot;
    mint = await createMint(c, payer, payer.publicKey, null, 6);
    for (const [who, amount] of [[Keypair.generate().publicKey, 5_000_000], [Keypair.generate().publicKey, 9_000_000]] as const) {
      const ata = await getOrCreateAssociatedTokenAccount(c, payer, mint, who);
      await mintTo(c, payer, mint, ata.address, payer, amount);
    }
  });

  after(async () => {
    await stop(net);
  });

  it('getBlock: the block holding a transaction, in full, by signatures, and with none', async () => {
    const block = await kit.getBlock(BigInt(transferSlot), { maxSupportedTransactionVersion: 0, transactionDetails: 'full', encoding: 'json', rewards: true }).send();
    assert.ok(block);
    assert.deepEqual(keysOf(block), ['blockHeight', 'blockTime', 'blockhash', 'parentSlot', 'previousBlockhash', 'rewards', 'transactions']);
    assert.equal(block.parentSlot, BigInt(transferSlot - 1));
    assert.equal(block.blockHeight, BigInt(transferSlot));
    assert.ok(isInt(block.blockTime));
    const found = block.transactions.find((t) => t.transaction.signatures[0] === transferSig);
    assert.ok(found, 'the transfer is in its block');
    assert.deepEqual(keysOf(found), ['meta', 'transaction', 'version']);
    assert.equal(found.meta!.err, null);
    const prev = await kit.getBlock(BigInt(transferSlot - 1), { maxSupportedTransactionVersion: 0, transactionDetails: 'none', rewards: false }).send();
    assert.equal(block.previousBlockhash, prev!.blockhash);
    assert.deepEqual(keysOf(prev), ['blockHeight', 'blockTime', 'blockhash', 'parentSlot', 'previousBlockhash']);
    const sigs = await kit.getBlock(BigInt(transferSlot), { transactionDetails: 'signatures', maxSupportedTransactionVersion: 0 }).send();
    assert.ok(sigs!.signatures.includes(transferSig as never));
    // web3.js reads the same block.
    const w3 = await c.getBlock(transferSlot, { maxSupportedTransactionVersion: 0 });
    assert.ok(w3!.transactions.some((t) => t.transaction.signatures[0] === transferSig));
    const parsed = await c.getParsedBlock(transferSlot, { maxSupportedTransactionVersion: 0 });
    assert.ok(parsed.transactions.length >= 1);
    // A slot not produced yet is not available (-32004).
    const future = await rpc(net, 'getBlock', [net.bank.slot + 1000]);
    assert.equal(future.error?.code, -32004);
  });

  it('getBlockTime, getBlocks, getBlocksWithLimit, getBlockCommitment', async () => {
    const time = await kit.getBlockTime(BigInt(transferSlot)).send();
    assert.ok(isInt(time) && Number(time) > 1_600_000_000);
    assert.equal(await c.getBlockTime(transferSlot), Number(time));
    const blocks = await kit.getBlocks(BigInt(transferSlot - 2), BigInt(transferSlot)).send();
    assert.deepEqual(blocks.map(Number), [transferSlot - 2, transferSlot - 1, transferSlot]);
    const limited = await c.getBlocks(transferSlot, transferSlot + 1);
    assert.deepEqual(limited, [transferSlot, transferSlot + 1].filter((s) => s <= net.bank.slot));
    const withLimit = await kit.getBlocksWithLimit(BigInt(transferSlot - 3), 3).send();
    assert.deepEqual(withLimit.map(Number), [transferSlot - 3, transferSlot - 2, transferSlot - 1]);
    const commitment = await kit.getBlockCommitment(BigInt(transferSlot)).send();
    assert.deepEqual(keysOf(commitment), ['commitment', 'totalStake']);
    const tooWide = await rpc(net, 'getBlocks', [0, 600_000]);
    assert.equal(tooWide.error?.code, -32602);
  });

  it('getBlockProduction: this node led every slot of the range', async () => {
    const identity = await kit.getIdentity().send();
    const res = await kit.getBlockProduction({ range: { firstSlot: BigInt(transferSlot - 5), lastSlot: BigInt(transferSlot) } }).send();
    assert.deepEqual(keysOf(res.value), ['byIdentity', 'range']);
    assert.deepEqual(res.value.byIdentity[identity.identity as never], [6n, 6n]);
    const w3 = await c.getBlockProduction();
    assert.equal(w3.value.range.firstSlot, 0);
  });

  it('getSupply and getLargestAccounts: the faucet leads, totals add up', async () => {
    const supply = (await kit.getSupply().send()).value;
    assert.deepEqual(keysOf(supply), ['circulating', 'nonCirculating', 'nonCirculatingAccounts', 'total']);
    assert.equal(supply.total, supply.circulating + supply.nonCirculating);
    const faucet = (await kit.getBalance(address(net.faucet.toBase58())).send()).value;
    assert.ok(supply.total > faucet);
    const largest = (await kit.getLargestAccounts().send()).value;
    assert.ok(largest.length >= 1 && largest.length <= 20);
    assert.equal(largest[0].address, net.faucet.toBase58());
    assert.equal(largest[0].lamports, faucet);
    const w3 = await c.getSupply();
    // web3.js reads lamports as JS numbers (exact only to 2^53).
    assert.equal(w3.value.total, Number(supply.total));
    assert.deepEqual((await c.getLargestAccounts({ filter: 'nonCirculating' })).value, []);
  });

  it('getTokenLargestAccounts: holders of a mint, largest first, with UI amounts', async () => {
    const res = (await kit.getTokenLargestAccounts(address(mint.toBase58())).send()).value;
    assert.equal(res.length, 2);
    assert.deepEqual(keysOf(res[0]), ['address', 'amount', 'decimals', 'uiAmount', 'uiAmountString']);
    assert.equal(res[0].amount, '9000000');
    assert.equal(res[0].uiAmountString, '9');
    const w3 = await c.getTokenLargestAccounts(mint);
    assert.equal(w3.value[1].uiAmount, 5);
    const notMint = await rpc(net, 'getTokenLargestAccounts', [payer.publicKey.toBase58()]);
    assert.equal(notMint.error?.code, -32602);
  });

  it('getClusterNodes, getVoteAccounts, getLeaderSchedule, getSlotLeaders', async () => {
    const nodes = await c.getClusterNodes();
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0].rpc, net.rpcUrl.replace('http://', ''));
    assert.ok(typeof nodes[0].version === 'string');
    const votes = await kit.getVoteAccounts().send();
    assert.deepEqual(keysOf(votes), ['current', 'delinquent']);
    const identity = (await kit.getIdentity().send()).identity;
    const schedule = await kit.getLeaderSchedule().send();
    assert.ok(schedule);
    assert.deepEqual(Object.keys(schedule), [identity]);
    assert.equal(schedule[identity].length, 432_000);
    const leaders = await c.getSlotLeaders(transferSlot, 4);
    assert.deepEqual(leaders.map(String), [identity, identity, identity, identity]);
  });

  it('inflation: governor, rate and rewards in agave\'s shapes', async () => {
    const governor = await kit.getInflationGovernor().send();
    assert.deepEqual(keysOf(governor), ['foundation', 'foundationTerm', 'initial', 'taper', 'terminal']);
    assert.equal(governor.initial, 0.08);
    const rate = await c.getInflationRate();
    assert.deepEqual(keysOf(rate), ['epoch', 'foundation', 'total', 'validator']);
    assert.ok(Math.abs(rate.total - (rate.validator + rate.foundation)) < 1e-12);
    assert.equal(rate.total, 0.08); // epoch 0: the initial rate
    const rewards = await c.getInflationReward([payer.publicKey]);
    assert.deepEqual(rewards, [null]);
  });

  it('getRecentPerformanceSamples, getHighestSnapshotSlot, getStakeMinimumDelegation', async () => {
    const samples = await kit.getRecentPerformanceSamples(10).send();
    assert.ok(Array.isArray(samples)); // one per minute: a fresh node may have none yet
    for (const s of samples) assert.deepEqual(keysOf(s), ['numNonVoteTransactions', 'numSlots', 'numTransactions', 'samplePeriodSecs', 'slot']);
    const snapshot = await rpc(net, 'getHighestSnapshotSlot');
    assert.equal(snapshot.error?.code, -32008);
    const minimum = await kit.getStakeMinimumDelegation().send();
    assert.ok(minimum.value > 0n);
    assert.equal(BigInt(await c.getStakeMinimumDelegation().then((r) => r.value)), minimum.value);
  });
});
