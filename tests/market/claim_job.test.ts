/**
 * claim_job: once a job has waited claim_delay_secs unassigned, an eligible worker may take it
 * itself (jobs never depend on one keeper). Same eligibility rules as assign_job.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, Market, MODEL_QWEN, statusOf, type Actor } from '../fixtures/embedded/market';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: claim_job', () => {
  let m: Market;
  let client: Actor;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: client } = await m.client(100_000n));
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  it('lets an eligible worker claim a job exactly claim_delay_secs after it was posted, not a second earlier', async () => {
    const { actor, worker } = await m.readyWorker({ prices: { open: 4 } });
    const { job } = await m.postJob(client);
    const postedAt = big((await m.job(job)).openSince);
    await m.warp(m.params.claimDelaySecs - 1);
    await reject(m, await m.claimJobCall(actor, job), 'ClaimDelayNotElapsed');
    await m.warp(1);
    assert.equal(await m.now(), postedAt + BigInt(m.params.claimDelaySecs));
    const { result } = await m.claimJob(actor, job);
    const j = await m.job(job);
    assert.equal(statusOf(j.status), 'assigned');
    assert.ok(j.worker.equals(worker));
    assert.equal(big(j.price), 4n);
    assert.equal(j.attempts, 1);
    assert.equal(big(j.deadline), (await m.now()) + BigInt(m.params.jobTimeoutSecs));
    const w = await m.worker(worker);
    assert.equal(w.activeJobs, 1);
    assert.deepEqual(w.openJobs, [1, 0, 0]);
    const ev = m.event(result, 'jobAssigned');
    assert.equal(ev.selfClaimed, true);
    assert.ok((ev.worker as PublicKey).equals(worker));
  });

  it('restarts the claim delay when an expired job returns to the queue', async () => {
    const { worker: slowWorker } = await m.readyWorker();
    const { actor: fast } = await m.readyWorker();
    const { job } = await m.postJob(client);
    await m.assignJob(matcher, job, slowWorker);
    await m.warp(m.params.jobTimeoutSecs + 1);
    await m.expireJob(job);
    const j = await m.job(job);
    assert.equal(big(j.openSince), await m.now());
    await reject(m, await m.claimJobCall(fast, job), 'ClaimDelayNotElapsed');
    await m.warp(m.params.claimDelaySecs);
    await m.claimJob(fast, job);
    assert.equal((await m.job(job)).attempts, 2);
  });

  it('refuses a signer that is not the worker\'s authority (NotWorkerAuthority)', async () => {
    const { worker } = await m.readyWorker();
    const intruder = await m.actor();
    const { job } = await m.postJob(client);
    await m.warp(m.params.claimDelaySecs);
    await reject(m, await m.claimJobCall(intruder, job, { accounts: { worker } }), 'NotWorkerAuthority');
    await m.cancelJob(client, job);
  });

  it('checks the claim delay before eligibility (ClaimDelayNotElapsed before MarketPaused)', async () => {
    const { actor } = await m.readyWorker();
    const { job } = await m.postJob(client);
    await m.updateParams((p) => (p.paused = true));
    try {
      await reject(m, await m.claimJobCall(actor, job), 'ClaimDelayNotElapsed');
      await m.warp(m.params.claimDelaySecs);
      await reject(m, await m.claimJobCall(actor, job), 'MarketPaused');
    } finally {
      await m.updateParams((p) => (p.paused = false));
    }
    await m.cancelJob(client, job);
  });

  it('applies the eligibility rules of assign_job, each with its error', async () => {
    const { actor: paused } = await m.readyWorker();
    await m.pauseWorker(paused);
    const { actor: openOnly } = await m.readyWorker({ tiers: ['open'] });
    const { actor: pricey } = await m.readyWorker({ prices: { open: 60 } });
    const { actor: full, worker: fullWorker } = await m.readyWorker({ capacity: 1 });
    const { actor: thin } = await m.readyWorker({ tiers: ['open'] }, 1n);
    const { worker: pinned } = await m.readyWorker();
    const filler = await m.postJob(client);
    await m.assignJob(matcher, filler.job, fullWorker);

    const plain = (await m.postJob(client, { maxPrice: 50n })).job;
    const verified = (await m.postJob(client, { tier: 'verified' })).job;
    const qwen = (await m.postJob(client, { model: MODEL_QWEN })).job;
    const pinnedJob = (await m.postJob(client, { pinnedWorker: pinned })).job;
    await m.warp(m.params.claimDelaySecs);

    await reject(m, await m.claimJobCall(paused, plain), 'WorkerPaused');
    await reject(m, await m.claimJobCall(openOnly, verified), 'TierNotServed');
    await reject(m, await m.claimJobCall(openOnly, qwen), 'ModelNotServed');
    await reject(m, await m.claimJobCall(pricey, plain), 'PriceAboveMax');
    await reject(m, await m.claimJobCall(full, plain), 'WorkerAtCapacity');
    await reject(m, await m.claimJobCall(thin, plain), 'BondBelowMinimum');
    await reject(m, await m.claimJobCall(openOnly, pinnedJob), 'PinnedToOtherWorker');
    await reject(m, await m.claimJobCall(full, filler.job), 'JobNotOpen');
    for (const job of [plain, verified, qwen, pinnedJob]) await m.cancelJob(client, job);
  });

  it('rejects an unsigned authority, read-only accounts, accounts of the wrong type and the same account twice', async () => {
    const { actor, worker } = await m.readyWorker();
    const { job } = await m.postJob(client);
    await m.warp(m.params.claimDelaySecs);
    const unsigned = await m.claimJobCall(actor, job);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    for (const index of [2, 3]) {
      const call = await m.claimJobCall(actor, job);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    await reject(m, await m.claimJobCall(actor, job, { accounts: { worker: m.creditAddress(client.publicKey) } }), 'AccountDiscriminatorMismatch');
    await reject(m, await m.claimJobCall(actor, m.creditAddress(client.publicKey)), 'AccountDiscriminatorMismatch');
    await reject(m, await m.claimJobCall(actor, job, { accounts: { worker: job } }), 'DuplicateMutableAccount');
    await reject(m, await m.claimJobCall(actor, job, { accounts: { config: m.accounts.feeLedger } }), 'ConstraintSeeds');
    await m.claimJob(actor, job);
    assert.ok((await m.job(job)).worker.equals(worker));
  });
});
