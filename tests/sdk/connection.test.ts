/**
 * The SDK over a real JSON-RPC endpoint: the repository's localnet (litesvm behind an HTTP
 * JSON-RPC server) with the programs deployed through the upgradeable loader and bootstrapped
 * by migrations/deploy.ts. Every flow goes through ConnectionTransport and web3.js's
 * Connection; the `peer` binary runs as a subprocess against the same URL.
 */
import { Connection, Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalnet, type Localnet } from '../../localnet';
import { deployAll } from '../../migrations/deploy';
import { readKeypair } from '../../migrations/deploy/cluster';
import * as sdk from '../../sdk/src';
import { ConnectionTransport, countingTransport, createContext, isPeerMarketError, type PeerContext } from '../../sdk/src';

const BIN = join(__dirname, '..', '..', 'cli', 'bin', 'peer.js');

function peer(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, HOME: home }, cwd: home, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('sdk over JSON-RPC (localnet, ConnectionTransport)', function () {
  this.timeout(120_000);
  let net: Localnet;
  let dir: string;
  let admin: Keypair;
  let connection: Connection;
  const ctx: Record<string, PeerContext> = {};
  const keys: Record<string, Keypair> = {};

  before(async () => {
    net = await startLocalnet({ rpcPort: 0, slotMs: 50 });
    dir = mkdtempSync(join(tmpdir(), 'peer-rpc-'));
    admin = Keypair.generate();
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: dir });
    assert.ok(deployed.bootstrap?.market?.initialized, 'the market was bootstrapped');
    connection = new Connection(net.rpcUrl, 'confirmed');
    const transport = new ConnectionTransport(connection, { pollMs: 50 });
    for (const name of ['client', 'worker', 'staker', 'validator']) {
      keys[name] = readKeypair(join(dir, `${name}.json`));
      ctx[name] = createContext({ transport, wallet: keys[name] });
    }
    ctx.admin = createContext({ transport, wallet: admin });
  });

  after(async () => {
    await net?.close();
  });

  it('reads the market the deployment bootstrapped', async () => {
    const o = await sdk.showConfig(ctx.admin);
    assert.ok(o.config && o.pool && o.feeLedger);
    assert.ok(o.config.data.admin.equals(admin.publicKey));
    assert.ok(o.config.data.stakingRewardVault.equals(o.pool.data.rewardVault));
  });

  it('runs a whole job: credits, worker, matcher assignment, encrypted prompt and result, settlement', async () => {
    const w = ctx.worker;
    const reg = await sdk.registerWorker(w, { tiers: ['open'], models: ['llama'], prices: { open: 5n }, capacity: 2, endpoint: 'https://w.example' });
    await sdk.bondWorker(w, { amount: 500n * 1_000_000_000n });
    await sdk.buyCredits(ctx.client, { credits: 200n });
    // getProgramAccounts with memcmp filters, answered by the RPC server.
    const workers = await sdk.queryWorkers(ctx.client.transport, { authority: keys.worker.publicKey });
    assert.deepEqual(workers.map((x) => x.address.toBase58()), [reg.worker.toBase58()]);
    const posted = await sdk.postJob(ctx.client, { prompt: 'Say hi', model: 'llama', maxPrice: 10n });
    assert.ok(posted.worker.equals(reg.worker));
    const open = await sdk.queryJobs(ctx.client.transport, { status: 'open', client: keys.client.publicKey });
    assert.deepEqual(open.map((j) => j.address.toBase58()), [posted.job.toBase58()]);

    const matcher = ctx.validator;
    await sdk.addMatcher(ctx.admin, { matcher: keys.validator.publicKey });
    await sdk.assignJob(matcher, { job: posted.job, worker: reg.worker });
    const sub = await sdk.submitResult(w, { job: posted.job, output: 'hi', promptEnvelope: posted.envelope });
    const state = await sdk.followJob(ctx.client, posted.job, { pollMs: 50 });
    assert.equal(state.status, 'submitted');
    const result = await sdk.readResult(ctx.client, { job: posted.job, envelope: sub.envelope! });
    assert.equal(result.text, 'hi');
    await sdk.finalizeJob(ctx.client, { job: posted.job });
    const claimed = await sdk.claimEarnings(w);
    assert.equal((await sdk.fetchMaybeTokenAccount(w.transport, claimed.destination))!.amount >= 35_000n, true);
  });

  it('stakes and reads the status', async () => {
    const r = await sdk.stake(ctx.staker, { amount: 10n * 1_000_000_000n });
    assert.equal(r.opened, true);
    const s = await sdk.stakerStatus(ctx.staker);
    assert.equal(s.active, 10n * 1_000_000_000n);
  });

  it('names program errors and insufficient funds from the RPC\'s simulation', async () => {
    await assert.rejects(sdk.redeemCredits(ctx.client, { credits: 1_000_000n }), (e: unknown) => isPeerMarketError(e, 'InsufficientCredits'));
    await assert.rejects(sdk.buyCredits(ctx.client, { credits: 10n ** 12n }), sdk.InsufficientFundsError);
    const nobody = createContext({ transport: ctx.client.transport, wallet: Keypair.generate() });
    await assert.rejects(sdk.buyCredits(nobody, { credits: 1n }), (e: unknown) => e instanceof sdk.InsufficientFundsError && e.asset === 'SOL');
  });

  it('counts JSON-RPC requests per flow', async () => {
    const counted = countingTransport(ctx.client.transport);
    const c = createContext({ transport: counted, wallet: keys.client });
    await sdk.buyCredits(c, { credits: 1n });
    // getAccount (config), simulate (returns the blockhash), send + confirm.
    assert.deepEqual(counted.counts, { getAccount: 1, simulate: 1, sendAndConfirm: 1 });
    const fees = await ctx.client.transport.getRecentPrioritizationFees!([keys.client.publicKey]);
    assert.ok(Array.isArray(fees));
    const withFee = await sdk.buyCredits(c, { credits: 1n }, { priorityFee: { percentile: 50, maxLamports: 10_000 } });
    assert.ok(withFee.tx.signature);
  });

  it('the peer binary works against the RPC URL', async () => {
    const home = mkdtempSync(join(tmpdir(), 'peer-home-'));
    const clientKey = join(dir, 'client.json');
    const buy = await peer(['-u', net.rpcUrl, '-k', clientKey, 'credits', 'buy', '2.5', '--output', 'json'], home);
    assert.equal(buy.code, 0, buy.stderr);
    const out = JSON.parse(buy.stdout) as { credits: string; tx: { signature: string } };
    assert.equal(out.credits, '250');
    const status = await connection.getSignatureStatus(out.tx.signature);
    assert.ok(status.value && !status.value.err);

    // The Solana CLI config supplies the URL and keypair.
    writeFileSync(join(home, 'config.yml'), `json_rpc_url: ${net.rpcUrl}\nkeypair_path: ${join(dir, 'worker.json')}\n`);
    const ws = await peer(['-C', join(home, 'config.yml'), 'worker', 'status', '--output', 'json'], home);
    assert.equal(ws.code, 0, ws.stderr);
    assert.equal(JSON.parse(ws.stdout).exists, true);
    const st = await peer(['-C', join(home, 'config.yml'), 'status', keys.staker.publicKey.toBase58()], home);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /^Active:\s+10$/m);
    const poor = await peer(['-u', net.rpcUrl, '-k', clientKey, 'credits', 'redeem', '100000'], home);
    assert.equal(poor.code, 1);
    assert.match(poor.stderr, /^error: peer_market error InsufficientCredits \(\d+\): Not enough free credits\n$/);
  });
});
