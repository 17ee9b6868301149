/**
 * Account access over the transport: fetch (named error when missing), fetchMaybe, fetchAll in
 * one request, and queries filtered on the node by field (status, client, tier, worker),
 * checked against what the chain holds.
 */
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import * as sdk from '../../sdk/src';
import { AccountNotFoundError, countingTransport, ValidationError } from '../../sdk/src';
import { PEER, sdkFixture, USDC, type Actor, type SdkFixture } from './helpers';

describe('sdk: accounts', () => {
  let fx: SdkFixture;
  let clients: Actor[];
  let worker: Actor;
  const jobs: sdk.PostJobResult[] = [];

  before(async () => {
    fx = await sdkFixture();
    worker = await fx.actor({ peer: 10_000n * PEER });
    await sdk.registerWorker(worker.ctx, { tiers: ['open', 'verified'], models: ['m'], prices: { open: 1n, verified: 2n }, capacity: 8, endpoint: 'https://w' });
    await sdk.bondWorker(worker.ctx, { amount: 2_000n * PEER });
    clients = [await fx.actor({ usdc: 10n * USDC }), await fx.actor({ usdc: 10n * USDC })];
    for (const c of clients) {
      await sdk.buyCredits(c.ctx, { credits: 100n });
      jobs.push(await sdk.postJob(c.ctx, { prompt: 'a', model: 'm', maxPrice: 5n }));
      jobs.push(await sdk.postJob(c.ctx, { prompt: 'b', model: 'm', maxPrice: 5n, tier: 'verified' }));
    }
    await fx.warp(31);
    await sdk.claimJob(worker.ctx, { job: jobs[0].job });
  });

  it('fetches one account, or says which is missing', async () => {
    const acc = await sdk.fetchJob(fx.transport, jobs[1].job);
    assert.ok(acc.address.equals(jobs[1].job));
    assert.ok(acc.lamports > 0);
    assert.equal(acc.data.request.tier, 'verified');
    const missing = Keypair.generate().publicKey;
    assert.equal(await sdk.fetchMaybeJob(fx.transport, missing), null);
    await assert.rejects(sdk.fetchJob(fx.transport, missing), (e: unknown) => e instanceof AccountNotFoundError && e.address === missing.toBase58());
    // An account of another program or type is refused.
    await assert.rejects(sdk.fetchJob(fx.transport, clients[0].usdc), ValidationError);
    await assert.rejects(sdk.fetchWorker(fx.transport, jobs[0].job), /not a peer_market worker account/);
  });

  it('fetches many in one request', async () => {
    const counted = countingTransport(fx.transport);
    const addrs = [jobs[0].job, Keypair.generate().publicKey, jobs[3].job];
    const maybe = await sdk.fetchAllMaybeJob(counted, addrs);
    assert.deepEqual(maybe.map((j) => (j ? j.data.status : null)), ['assigned', null, 'open']);
    assert.equal(counted.counts.getAccounts, 1);
    await assert.rejects(sdk.fetchAllJob(counted, addrs), AccountNotFoundError);
  });

  it('queries all accounts of a type, filtered by field on the node', async () => {
    const key = (xs: { address: { toBase58(): string } }[]) => xs.map((x) => x.address.toBase58()).sort();
    const ids = (xs: sdk.PostJobResult[]) => xs.map((j) => j.job.toBase58()).sort();
    assert.deepEqual(key(await sdk.queryJobs(fx.transport)), ids(jobs));
    assert.deepEqual(key(await sdk.queryJobs(fx.transport, { status: 'open' })), ids(jobs.slice(1)));
    assert.deepEqual(key(await sdk.queryJobs(fx.transport, { status: 'assigned' })), ids(jobs.slice(0, 1)));
    assert.deepEqual(key(await sdk.queryJobs(fx.transport, { client: clients[1].publicKey })), ids(jobs.slice(2)));
    assert.deepEqual(key(await sdk.queryJobs(fx.transport, { tier: 'verified' })), ids([jobs[1], jobs[3]]));
    assert.deepEqual(key(await sdk.queryJobs(fx.transport, { status: 'open', tier: 'open', client: clients[1].publicKey })), ids([jobs[2]]));
    assert.deepEqual(key(await sdk.queryJobs(fx.transport, { worker: jobs[0].worker })), ids([jobs[0]]));
    assert.deepEqual(key(await sdk.queryJobs(fx.transport, { model: sdk.modelId('m'), pinnedWorker: jobs[0].worker })), ids(jobs));
    assert.deepEqual(key(await sdk.queryWorkers(fx.transport, { authority: worker.publicKey })), [sdk.findWorkerPda(worker.publicKey)[0].toBase58()]);
    assert.deepEqual(await sdk.queryWorkers(fx.transport, { paused: true }), []);
    const filters = sdk.jobAccount.filters([{ field: 'status', equals: 'open' }]);
    assert.deepEqual(filters[1], { dataSize: sdk.jobAccount.size });
    assert.equal((filters[2] as { memcmp: { offset: number } }).memcmp.offset, sdk.peerMarket.fieldOffset('job', 'status').offset);
  });

  it('reads the singletons, token balances and the clock', async () => {
    const info = await sdk.marketInfo(worker.ctx);
    assert.ok(info.usdcMint.equals(fx.usdcMint));
    assert.equal((await sdk.fetchConfig(fx.transport, info.config)).data.peerDecimals, 9);
    assert.equal((await sdk.fetchFeeLedger(fx.transport, info.feeLedger)).data.jobsFinalized, 0n);
    assert.ok((await sdk.fetchPool(fx.transport, sdk.findStakingPoolPda()[0])).data.peerMint.equals(fx.peerMint));
    assert.equal(await sdk.fetchMintDecimals(fx.transport, fx.usdcMint), 6);
    assert.equal((await sdk.fetchMaybeTokenAccount(fx.transport, clients[0].usdc))!.amount, 9n * USDC);
    const clock = await sdk.fetchClock(fx.transport);
    assert.equal(clock.unixTimestamp, (await fx.env.context.banksClient.getClock()).unixTimestamp);
  });
});
