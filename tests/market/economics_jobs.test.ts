/**
 * Economic attacks on jobs (issue 12), each shown to fail or not pay:
 * - reputation farming: a worker cannot serve its own authority's jobs (SelfDealing), and
 *   reputation counts paid value (`paid_volume`), so a second key buying 1-credit jobs buys
 *   1 credit of reputation per job while paying the whole network margin on it;
 * - claim-and-abandon: a worker that let a job expire can never take it again
 *   (WorkerExcluded), and every expiry burns at least the job's value in $PEER from its bond.
 */
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, BPS, Market, PEER, type Actor } from '../fixtures/embedded/market';
import { mintSupply } from '../fixtures/embedded/tokens';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';
import type { Keypair } from '@solana/web3.js';

describe('economics: reputation and liveness cannot be bought cheaply (bankrun)', () => {
  let m: Market;
  let client: Actor;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: client } = await m.client(100_000n));
    ({ matcher } = await m.addMatcher());
  });
  afterEach(() => assertConservation(m));

  it('a worker cannot be its own customer: assign and claim refuse the authority\'s own job (SelfDealing)', async () => {
    const { actor, worker } = await m.readyWorker({ tiers: ['open'], prices: { open: 1n } });
    await m.buyCredits(actor, 10n);
    const { job } = await m.postJob(actor, { maxPrice: 1n });
    await reject(m, await m.assignJobCall(matcher, job, worker), 'SelfDealing');
    await m.warp(m.params.claimDelaySecs);
    await reject(m, await m.claimJobCall(actor, job), 'SelfDealing');
    await m.cancelJob(actor, job);
  });

  it('reputation is paid value: 1-credit jobs from a second key add 1 credit each and cost the full margin', async () => {
    const { actor, worker } = await m.readyWorker({ tiers: ['open'], prices: { open: 1n } });
    const { actor: sybilClient } = await m.client(1_000n);
    const before = await m.worker(worker);
    const jobs = 5;
    for (let i = 0; i < jobs; i++) {
      const { job } = await m.postJob(sybilClient, { maxPrice: 1n });
      await m.assignJob(matcher, job, worker);
      await m.submitResult(actor, job);
      await m.finalizeJob(job);
    }
    const after = await m.worker(worker);
    assert.equal(big(after.reputation.jobsCompleted) - big(before.reputation.jobsCompleted), BigInt(jobs));
    assert.equal(big(after.reputation.paidVolume) - big(before.reputation.paidVolume), BigInt(jobs), 'five 1-credit jobs weigh 5 credits, not five jobs');
    // the farmer pays jobs × 1 credit and gets back only the worker share: the margin is its cost
    const earned = big(after.earnings) - big(before.earnings);
    const paid = BigInt(jobs) * 10_000n;
    assert.equal(paid - earned, (paid * BigInt(10_000 - m.params.workerFeeBps)) / BPS);
    assert.ok(paid - earned > 0n);
  });

  it('claim-and-abandon: the worker is excluded from the job it let expire, and each expiry burns the job\'s value', async () => {
    const { actor, worker } = await m.readyWorker({ tiers: ['verified'] }, big(m.params.minBond[1]) + 100n * PEER);
    const { job } = await m.postJob(client, { tier: 'verified', maxPrice: 50n });
    await m.warp(m.params.claimDelaySecs);
    await m.claimJob(actor, job);
    const price = big((await m.job(job)).price);
    await m.warp(m.params.jobTimeoutSecs + 1);
    const supply = await mintSupply(m.context, m.env.peerMint);
    await m.expireJob(job);
    const burned = supply - (await mintSupply(m.context, m.env.peerMint));
    assert.equal(burned, price * big(m.params.peerPerCredit), 'an expiry costs the job\'s value even with timeout_slash_bps = 0');
    await m.warp(m.params.claimDelaySecs);
    await reject(m, await m.claimJobCall(actor, job), 'WorkerExcluded');
    await reject(m, await m.assignJobCall(matcher, job, worker), 'WorkerExcluded');
    // another worker serves it
    const other = await m.readyWorker({ tiers: ['verified'] });
    await m.claimJob(other.actor, job);
    await m.submitResult(other.actor, job);
    await m.warp(m.params.challengeWindowSecs);
    await m.finalizeJob(job);
  });
});
