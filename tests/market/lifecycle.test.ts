/**
 * Full job lifecycles, per tier: buy credits → post → assign → submit → (challenge window) →
 * finalize → claim earnings → sweep fees → redeem the rest. Every USDC base unit is followed
 * from the client's wallet to the worker, the stakers and the treasury, and every lamport of
 * rent back to whoever paid it.
 */
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, CREDIT_BASE_UNITS, Market, MODEL_QWEN, statusOf, TIERS, type TierName } from '../fixtures/embedded/market';
import { mintSupply, tokenBalance } from '../fixtures/embedded/tokens';
import { assertConservation } from '../harness/conservation';
import { split } from '../harness/fees';

describe('peer_market: job lifecycle', () => {
  let m: Market;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  const PRICES: Record<TierName, bigint> = { open: 3n, verified: 17n, confidential: 41n };

  for (const tier of TIERS) {
    it(`${tier}: post → assign → submit → finalize → claim → sweep → redeem, every base unit accounted for`, async () => {
      // Given a client with $5 of USDC and a worker serving the tier
      const client = await m.actor({ usdc: 5_000_000n });
      const clientLamports = await m.lamports(client.publicKey);
      const { actor: workerActor, worker } = await m.readyWorker({ tiers: [tier], models: [MODEL_QWEN], prices: { [tier]: PRICES[tier] } });
      const stakers = await tokenBalance(m.context, m.accounts.stakingRewardVault);
      const treasury = await tokenBalance(m.context, m.accounts.treasury);
      const peerSupply = await mintSupply(m.context, m.env.peerMint);

      // When the client buys 400 credits and posts a job paying up to 60
      const { creditAccount } = await m.buyCredits(client, 400n, false);
      const creditRent = await m.rentFor(creditAccount);
      const { job } = await m.postJob(client, { tier, model: MODEL_QWEN, maxPrice: 60n });
      assert.equal(statusOf((await m.job(job)).status), 'open');
      // and the matcher assigns it, the worker submits
      await m.assignJob(matcher, job, worker);
      assert.equal(statusOf((await m.job(job)).status), 'assigned');
      await m.warp(20);
      await m.submitResult(workerActor, job);
      const j = await m.job(job);
      assert.equal(statusOf(j.status), 'submitted');
      // and, after the challenge window (none for the open tier), anyone finalizes
      if (tier !== 'open') {
        const early = await m.send(await m.finalizeJobCall(job));
        assert.equal(early.result.errorName, 'ChallengeWindowOpen');
        await m.warp(m.params.challengeWindowSecs);
      }
      await m.finalizeJob(job);

      // Then the fee split is exact
      const want = split(PRICES[tier], 7_000n, 8_000n);
      assert.equal(big((await m.worker(worker)).earnings), want.worker);
      const c = await m.credits(creditAccount);
      assert.equal(big(c.balance), 400n - PRICES[tier]);
      assert.equal(big(c.locked), 0n);
      // the worker claims, the fees are swept, the client redeems what is left
      await m.claimEarnings(workerActor);
      await m.sweepFees();
      await m.redeemCredits(client, 400n - PRICES[tier]);
      assert.equal(await tokenBalance(m.context, workerActor.usdc), want.worker);
      assert.equal((await tokenBalance(m.context, m.accounts.stakingRewardVault)) - stakers, want.staker);
      assert.equal((await tokenBalance(m.context, m.accounts.treasury)) - treasury, want.treasury);
      assert.equal(await tokenBalance(m.context, client.usdc), 5_000_000n - PRICES[tier] * CREDIT_BASE_UNITS);
      assert.equal(want.worker + want.staker + want.treasury, PRICES[tier] * CREDIT_BASE_UNITS);
      // and the client got the job's rent back: it is down by its credit account's rent only
      assert.equal(clientLamports - (await m.lamports(client.publicKey)), creditRent);
      assert.equal(await m.exists(job), false);
      // reputation and bonds: one job completed, nothing slashed
      const w = await m.worker(worker);
      assert.equal(big(w.reputation.jobsCompleted), 1n);
      assert.equal(big(w.reputation.latencySamples), 1n);
      assert.deepEqual(w.openJobs, [0, 0, 0]);
      assert.equal(w.activeJobs, 0);
      assert.equal(await mintSupply(m.context, m.env.peerMint), peerSupply);
    });
  }

  it('without a keeper: the worker claims the job itself after the claim delay', async () => {
    const { actor: client } = await m.client(100n);
    const { actor, worker } = await m.readyWorker({ prices: { open: 2 } });
    const { job } = await m.postJob(client, { maxPrice: 2n });
    await m.warp(m.params.claimDelaySecs);
    await m.claimJob(actor, job);
    await m.submitResult(actor, job);
    await m.finalizeJob(job);
    assert.equal(big((await m.worker(worker)).earnings), 14_000n);
    assert.equal(big((await m.credits(m.creditAddress(client.publicKey))).balance), 98n);
  });

  it('a missed deadline: expired, requeued, taken by another worker, finished; the first worker earns nothing', async () => {
    const { actor: client, creditAccount } = await m.client(100n);
    const { worker: slow } = await m.readyWorker({ prices: { open: 5 } });
    const { actor: fastActor, worker: fast } = await m.readyWorker({ prices: { open: 6 } });
    const { job } = await m.postJob(client, { maxPrice: 10n });
    await m.assignJob(matcher, job, slow);
    await m.warp(m.params.jobTimeoutSecs + 1);
    await m.expireJob(job);
    await m.assignJob(matcher, job, fast);
    assert.equal((await m.job(job)).attempts, 2);
    await m.submitResult(fastActor, job);
    await m.finalizeJob(job);
    assert.equal(big((await m.worker(slow)).earnings), 0n);
    assert.equal(big((await m.worker(slow)).reputation.jobsExpired), 1n);
    assert.equal(big((await m.worker(fast)).earnings), 42_000n);
    const c = await m.credits(creditAccount);
    assert.equal(big(c.balance), 94n);
    assert.equal(big(c.locked), 0n);
  });

  it('a cancelled job costs the client nothing', async () => {
    const { actor: client, creditAccount } = await m.client(100n);
    const lamports = await m.lamports(client.publicKey);
    const { job } = await m.postJob(client, { maxPrice: 100n });
    await m.cancelJob(client, job);
    assert.equal(await m.lamports(client.publicKey), lamports);
    assert.equal(big((await m.credits(creditAccount)).balance), 100n);
  });

  it('many jobs at once across tiers and workers keep every counter consistent', async () => {
    const { actor: client } = await m.client(10_000n);
    const workers = [await m.readyWorker({ capacity: 3 }), await m.readyWorker({ capacity: 2 })];
    const jobs = [];
    for (let i = 0; i < 5; i++) {
      const tier = TIERS[i % 3];
      const { job } = await m.postJob(client, { tier });
      const w = workers[i % 2];
      await m.assignJob(matcher, job, w.worker);
      jobs.push({ job, w, tier });
    }
    await assertConservation(m);
    for (const { job, w } of jobs) await m.submitResult(w.actor, job);
    await m.warp(m.params.challengeWindowSecs);
    for (const { job } of jobs) await m.finalizeJob(job);
    const earned = jobs.reduce((s, { tier }) => s + split(BigInt({ open: 5, verified: 12, confidential: 30 }[tier]), 7_000n, 8_000n).worker, 0n);
    const total = big((await m.worker(workers[0].worker)).earnings) + big((await m.worker(workers[1].worker)).earnings);
    assert.equal(total, earned);
  });
});
