/**
 * assign_job: a registered matcher routes an open job to an eligible worker. Eligibility is
 * checked in a fixed order, each rule with its named error.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, Market, MODEL_QWEN, PEER, statusOf, type Actor } from '../fixtures/embedded/market';
import { cloneAccount, otherProgram } from '../harness/accounts';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: assign_job', () => {
  let m: Market;
  let client: Actor;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: client } = await m.client(100_000n));
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  /** Cancels the client's open jobs so each test leaves the market tidy. */
  async function cancel(...jobs: PublicKey[]): Promise<void> {
    for (const job of jobs) await m.cancelJob(client, job);
  }

  it('assigns the job at the worker\'s price and starts the deadline', async () => {
    // Given a verified worker asking 12 credits and a verified job paying up to 50
    const { worker } = await m.readyWorker({ tiers: ['open', 'verified'], prices: { open: 3, verified: 12 } });
    const { job } = await m.postJob(client, { tier: 'verified', maxPrice: 50n });
    await m.warp(7);
    // When the matcher assigns it
    const { result } = await m.assignJob(matcher, job, worker);
    // Then the job names the worker, its price and deadline
    const now = await m.now();
    const j = await m.job(job);
    assert.equal(statusOf(j.status), 'assigned');
    assert.ok(j.worker.equals(worker));
    assert.equal(big(j.price), 12n);
    assert.equal(j.attempts, 1);
    assert.equal(big(j.assignedAt), now);
    assert.equal(big(j.assignedSlot), await m.slot());
    assert.equal(big(j.deadline), now + BigInt(m.params.jobTimeoutSecs));
    // and the worker counts it
    const w = await m.worker(worker);
    assert.equal(w.activeJobs, 1);
    assert.deepEqual(w.openJobs, [0, 1, 0]);
    // and JobAssigned says a matcher did it
    const ev = m.event(result, 'jobAssigned');
    assert.ok((ev.job as PublicKey).equals(job));
    assert.ok((ev.worker as PublicKey).equals(worker));
    assert.equal((ev.price as BN).toString(), '12');
    assert.equal((ev.deadline as BN).toString(), (now + BigInt(m.params.jobTimeoutSecs)).toString());
    assert.equal(ev.attempt, 1);
    assert.equal(ev.selfClaimed, false);
    // credits stay locked at the max price until the job ends
    assert.equal(big((await m.credits(m.creditAddress(client.publicKey))).locked), 50n);
  });

  it('accepts a price equal to the max price, a bond equal to the minimum and a job pinned to this worker', async () => {
    const min = big(m.params.minBond[2]);
    const { worker } = await m.readyWorker({ tiers: ['confidential'], prices: { confidential: 30 } }, min);
    const { job } = await m.postJob(client, { tier: 'confidential', maxPrice: 30n, pinnedWorker: worker });
    await m.assignJob(matcher, job, worker);
    assert.equal(big((await m.job(job)).price), 30n);
  });

  it('refuses while the market is paused (MarketPaused)', async () => {
    const { worker } = await m.readyWorker();
    const { job } = await m.postJob(client);
    await m.updateParams((p) => (p.paused = true));
    try {
      await reject(m, await m.assignJobCall(matcher, job, worker), 'MarketPaused');
    } finally {
      await m.updateParams((p) => (p.paused = false));
    }
    await cancel(job);
  });

  it('refuses a job that is not open (JobNotOpen)', async () => {
    const { worker } = await m.readyWorker();
    const { worker: second } = await m.readyWorker();
    const { job } = await m.postJob(client);
    await m.assignJob(matcher, job, worker);
    await reject(m, await m.assignJobCall(matcher, job, second), 'JobNotOpen');
    await reject(m, await m.assignJobCall(matcher, job, worker), 'JobNotOpen');
  });

  it('refuses a paused worker (WorkerPaused)', async () => {
    const { actor, worker } = await m.readyWorker();
    await m.pauseWorker(actor);
    const { job } = await m.postJob(client);
    await reject(m, await m.assignJobCall(matcher, job, worker), 'WorkerPaused');
    await m.resumeWorker(actor);
    await m.assignJob(matcher, job, worker);
  });

  it('refuses a worker that does not serve the tier (TierNotServed)', async () => {
    const { worker } = await m.readyWorker({ tiers: ['open'] });
    const { job } = await m.postJob(client, { tier: 'verified' });
    await reject(m, await m.assignJobCall(matcher, job, worker), 'TierNotServed');
    await cancel(job);
  });

  it('refuses a worker that does not serve the model (ModelNotServed)', async () => {
    const { worker } = await m.readyWorker();
    const { job } = await m.postJob(client, { model: MODEL_QWEN });
    await reject(m, await m.assignJobCall(matcher, job, worker), 'ModelNotServed');
    await cancel(job);
  });

  it('refuses a worker whose price is above the max price (PriceAboveMax)', async () => {
    const { worker } = await m.readyWorker({ prices: { open: 8 } });
    const { job } = await m.postJob(client, { maxPrice: 7n });
    await reject(m, await m.assignJobCall(matcher, job, worker), 'PriceAboveMax');
    await cancel(job);
  });

  it('refuses a worker at capacity (WorkerAtCapacity)', async () => {
    const { worker } = await m.readyWorker({ capacity: 1 });
    const first = await m.postJob(client);
    const second = await m.postJob(client);
    await m.assignJob(matcher, first.job, worker);
    await reject(m, await m.assignJobCall(matcher, second.job, worker), 'WorkerAtCapacity');
    await cancel(second.job);
  });

  it('counts only jobs without a result against capacity: a submitted job frees the slot', async () => {
    const { actor, worker } = await m.readyWorker({ capacity: 1 });
    const first = await m.postJob(client);
    const second = await m.postJob(client);
    await m.assignJob(matcher, first.job, worker);
    await reject(m, await m.assignJobCall(matcher, second.job, worker), 'WorkerAtCapacity');
    await m.submitResult(actor, first.job);
    await m.assignJob(matcher, second.job, worker);
    const w = await m.worker(worker);
    assert.equal(w.activeJobs, 1);
    assert.deepEqual(w.openJobs, [2, 0, 0]);
  });

  it('refuses a worker bonded below the tier minimum (BondBelowMinimum)', async () => {
    const min = big(m.params.minBond[1]);
    const { worker } = await m.readyWorker({ tiers: ['verified'] }, min - 1n);
    const { job } = await m.postJob(client, { tier: 'verified' });
    await reject(m, await m.assignJobCall(matcher, job, worker), 'BondBelowMinimum');
    await cancel(job);
  });

  it('does not count the unbonding part of a bond (BondBelowMinimum)', async () => {
    const min = big(m.params.minBond[1]);
    const { actor, worker } = await m.readyWorker({ tiers: ['verified'] }, min + 5n);
    await m.requestUnbond(actor, 6n);
    const { job } = await m.postJob(client, { tier: 'verified' });
    await reject(m, await m.assignJobCall(matcher, job, worker), 'BondBelowMinimum');
    await cancel(job);
  });

  it('refuses a job pinned to another worker (PinnedToOtherWorker)', async () => {
    const { worker } = await m.readyWorker();
    const { worker: pinned } = await m.readyWorker();
    const { job } = await m.postJob(client, { pinnedWorker: pinned });
    await reject(m, await m.assignJobCall(matcher, job, worker), 'PinnedToOtherWorker');
    await m.assignJob(matcher, job, pinned);
  });

  describe('eligibility order', () => {
    it('MarketPaused before JobNotOpen', async () => {
      const { worker } = await m.readyWorker();
      const { job } = await m.postJob(client);
      await m.assignJob(matcher, job, worker);
      await m.updateParams((p) => (p.paused = true));
      try {
        await reject(m, await m.assignJobCall(matcher, job, worker), 'MarketPaused');
      } finally {
        await m.updateParams((p) => (p.paused = false));
      }
    });

    it('JobNotOpen before WorkerPaused', async () => {
      const { worker } = await m.readyWorker();
      const { actor: pausedActor, worker: paused } = await m.readyWorker();
      await m.pauseWorker(pausedActor);
      const { job } = await m.postJob(client);
      await m.assignJob(matcher, job, worker);
      await reject(m, await m.assignJobCall(matcher, job, paused), 'JobNotOpen');
    });

    it('WorkerPaused before TierNotServed', async () => {
      const { actor, worker } = await m.readyWorker({ tiers: ['open'] });
      await m.pauseWorker(actor);
      const { job } = await m.postJob(client, { tier: 'confidential' });
      await reject(m, await m.assignJobCall(matcher, job, worker), 'WorkerPaused');
      await cancel(job);
    });

    it('TierNotServed before ModelNotServed', async () => {
      const { worker } = await m.readyWorker({ tiers: ['open'] });
      const { job } = await m.postJob(client, { tier: 'verified', model: MODEL_QWEN });
      await reject(m, await m.assignJobCall(matcher, job, worker), 'TierNotServed');
      await cancel(job);
    });

    it('ModelNotServed before PriceAboveMax', async () => {
      const { worker } = await m.readyWorker({ prices: { open: 9 } });
      const { job } = await m.postJob(client, { model: MODEL_QWEN, maxPrice: 1n });
      await reject(m, await m.assignJobCall(matcher, job, worker), 'ModelNotServed');
      await cancel(job);
    });

    it('PriceAboveMax before WorkerAtCapacity', async () => {
      const { worker } = await m.readyWorker({ capacity: 1, prices: { open: 9 } });
      const first = await m.postJob(client, { maxPrice: 9n });
      await m.assignJob(matcher, first.job, worker);
      const { job } = await m.postJob(client, { maxPrice: 8n });
      await reject(m, await m.assignJobCall(matcher, job, worker), 'PriceAboveMax');
      await cancel(job);
    });

    it('WorkerAtCapacity before BondBelowMinimum', async () => {
      const min = big(m.params.minBond[0]);
      const { actor, worker } = await m.readyWorker({ capacity: 1, tiers: ['open'] }, min);
      const first = await m.postJob(client);
      await m.assignJob(matcher, first.job, worker);
      await m.requestUnbond(actor, 1n);
      const { job } = await m.postJob(client);
      await reject(m, await m.assignJobCall(matcher, job, worker), 'WorkerAtCapacity');
      await cancel(job);
    });

    it('BondBelowMinimum before PinnedToOtherWorker', async () => {
      const { worker } = await m.readyWorker({ tiers: ['open'] }, 1n);
      const { job } = await m.postJob(client, { pinnedWorker: Keypair.generate().publicKey });
      await reject(m, await m.assignJobCall(matcher, job, worker), 'BondBelowMinimum');
      await cancel(job);
    });
  });

  describe('matchers and accounts', () => {
    it('refuses a signer that is not the registration\'s matcher (NotMatcher)', async () => {
      const { worker } = await m.readyWorker();
      const { job } = await m.postJob(client);
      const impostor = Keypair.generate();
      await reject(m, await m.assignJobCall(impostor, job, worker, { accounts: { matcherRegistration: m.matcherAddress(matcher.publicKey) } }), 'NotMatcher');
      await cancel(job);
    });

    it('refuses a key that was never registered or was removed (AccountNotInitialized)', async () => {
      const { worker } = await m.readyWorker();
      const { job } = await m.postJob(client);
      await reject(m, await m.assignJobCall(Keypair.generate(), job, worker), 'AccountNotInitialized');
      const { matcher: removed } = await m.addMatcher();
      await m.removeMatcher(removed.publicKey);
      await reject(m, await m.assignJobCall(removed, job, worker), 'AccountNotInitialized');
      await cancel(job);
    });

    it('refuses forged registrations: another program\'s copy, or another account type', async () => {
      const { worker } = await m.readyWorker();
      const { job } = await m.postJob(client);
      const forged = await cloneAccount(m, m.matcherAddress(matcher.publicKey), { owner: otherProgram() });
      await reject(m, await m.assignJobCall(matcher, job, worker, { accounts: { matcherRegistration: forged } }), 'AccountOwnedByWrongProgram');
      await reject(m, await m.assignJobCall(matcher, job, worker, { accounts: { matcherRegistration: worker } }), 'AccountDiscriminatorMismatch');
      await cancel(job);
    });

    it('rejects accounts of the wrong type for the job and the worker (AccountDiscriminatorMismatch)', async () => {
      const { worker } = await m.readyWorker();
      const { job } = await m.postJob(client);
      const creditAccount = m.creditAddress(client.publicKey);
      await reject(m, await m.assignJobCall(matcher, job, creditAccount), 'AccountDiscriminatorMismatch');
      await reject(m, await m.assignJobCall(matcher, creditAccount, worker), 'AccountDiscriminatorMismatch');
      await reject(m, await m.assignJobCall(matcher, worker, job), 'AccountDiscriminatorMismatch');
      await cancel(job);
    });

    it('rejects a copy of the worker or the job owned by another program (AccountOwnedByWrongProgram)', async () => {
      const { worker } = await m.readyWorker();
      const { job } = await m.postJob(client);
      const fakeWorker = await cloneAccount(m, worker, { owner: otherProgram() });
      const fakeJob = await cloneAccount(m, job, { owner: otherProgram() });
      await reject(m, await m.assignJobCall(matcher, job, fakeWorker), 'AccountOwnedByWrongProgram');
      await reject(m, await m.assignJobCall(matcher, fakeJob, worker), 'AccountOwnedByWrongProgram');
      await cancel(job);
    });

    it('rejects an unsigned matcher, read-only job or worker, a wrong config, and the same account twice', async () => {
      const { worker } = await m.readyWorker();
      const { job } = await m.postJob(client);
      const unsigned = await m.assignJobCall(matcher, job, worker);
      unsigned.ix.keys[0].isSigner = false;
      unsigned.signers = [];
      await reject(m, unsigned, 'AccountNotSigner');
      for (const index of [3, 4]) {
        const call = await m.assignJobCall(matcher, job, worker);
        call.ix.keys[index].isWritable = false;
        await reject(m, call, 'ConstraintMut');
      }
      await reject(m, await m.assignJobCall(matcher, job, worker, { accounts: { config: m.accounts.usdcVault } }), 'ConstraintSeeds');
      await reject(m, await m.assignJobCall(matcher, job, job), 'DuplicateMutableAccount');
      const few = await m.assignJobCall(matcher, job, worker);
      few.ix.keys.splice(4);
      await reject(m, few, 'AccountNotEnoughKeys');
      await cancel(job);
    });
  });

  it('bonds larger than a tier minimum serve every lower tier', async () => {
    const { worker } = await m.readyWorker({}, big(m.params.minBond[2]) + 1n * PEER);
    for (const tier of ['open', 'verified', 'confidential'] as const) {
      const { job } = await m.postJob(client, { tier });
      await m.assignJob(matcher, job, worker);
    }
    assert.deepEqual((await m.worker(worker)).openJobs, [1, 1, 1]);
  });
});
