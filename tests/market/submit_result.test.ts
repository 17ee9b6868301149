/**
 * submit_result: the assigned worker commits to its output before the deadline; the challenge
 * window opens (zero-length for the open tier). Confidential attestation comes in a later issue,
 * so every tier submits the same way for now.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, hash32, Market, MODEL_QWEN, statusOf, TIERS, type Actor } from '../fixtures/embedded/market';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: submit_result', () => {
  let m: Market;
  let client: Actor;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: client } = await m.client(100_000n));
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  async function assigned(tier: (typeof TIERS)[number] = 'open'): Promise<{ actor: Actor; worker: PublicKey; job: PublicKey }> {
    const { actor, worker } = await m.readyWorker();
    const { job } = await m.postJob(client, { tier });
    await m.assignJob(matcher, job, worker);
    return { actor, worker, job };
  }

  for (const tier of TIERS) {
    it(`stores the output hash and opens the ${tier} tier's challenge window`, async () => {
      const { actor, worker, job } = await assigned(tier);
      const assignedSlot = big((await m.job(job)).assignedSlot);
      await m.warp(10);
      const commitment = await m.resultFor(job, 'the answer');
      const { result } = await m.submitResult(actor, job, commitment);
      const now = await m.now();
      const slot = await m.slot();
      const j = await m.job(job);
      assert.equal(statusOf(j.status), 'submitted');
      assert.deepEqual(j.outputHash, commitment.outputHash);
      assert.equal(big(j.submittedAt), now);
      assert.equal(big(j.submittedSlot), slot);
      const window = tier === 'open' ? 0n : BigInt(m.params.challengeWindowSecs);
      assert.equal(big(j.challengeDeadline), now + window);
      // the worker is free for another job but the job still backs its bond
      const w = await m.worker(worker);
      assert.equal(w.activeJobs, 0);
      assert.equal(w.openJobs[TIERS.indexOf(tier)], 1);
      assert.equal(big(w.reputation.latencySlotsSum), slot - assignedSlot);
      assert.equal(big(w.reputation.latencySamples), 1n);
      assert.ok(slot - assignedSlot >= 25n, 'ten seconds of slots went by');
      const ev = m.event(result, 'resultSubmitted');
      assert.ok((ev.job as PublicKey).equals(job));
      assert.ok((ev.worker as PublicKey).equals(worker));
      assert.deepEqual(ev.outputHash, commitment.outputHash);
      assert.equal((ev.latencySlots as BN).toString(), (slot - assignedSlot).toString());
      assert.equal((ev.challengeDeadline as BN).toString(), (now + window).toString());
    });
  }

  it('lets a paused worker finish the jobs it already has', async () => {
    const { actor, job } = await assigned();
    await m.pauseWorker(actor);
    await m.submitResult(actor, job);
    assert.equal(statusOf((await m.job(job)).status), 'submitted');
    await m.resumeWorker(actor);
  });

  it('accumulates latency over jobs', async () => {
    const { actor, worker } = await m.readyWorker();
    let total = 0n;
    for (const seconds of [2, 40]) {
      const { job } = await m.postJob(client);
      await m.assignJob(matcher, job, worker);
      const start = big((await m.job(job)).assignedSlot);
      await m.warp(seconds);
      await m.submitResult(actor, job);
      total += (await m.slot()) - start;
    }
    const w = await m.worker(worker);
    assert.equal(big(w.reputation.latencySlotsSum), total);
    assert.equal(big(w.reputation.latencySamples), 2n);
  });

  it('accepts a result exactly at the deadline and refuses one a second later (DeadlinePassed)', async () => {
    const onTime = await assigned();
    const late = await assigned();
    await m.warp(m.params.jobTimeoutSecs);
    assert.equal(await m.now(), big((await m.job(onTime.job)).deadline));
    await m.submitResult(onTime.actor, onTime.job);
    await m.warp(1);
    await reject(m, await m.submitResultCall(late.actor, late.job), 'DeadlinePassed');
  });

  it('refuses a signer that is not the worker\'s authority (NotWorkerAuthority)', async () => {
    const { worker, job } = await assigned();
    const intruder = await m.actor();
    await reject(m, await m.submitResultCall(intruder, job, await m.resultFor(job), { accounts: { worker } }), 'NotWorkerAuthority');
  });

  it('refuses a job that is not assigned (JobNotAssigned): open, or already submitted', async () => {
    const { actor } = await m.readyWorker();
    const { job: open } = await m.postJob(client);
    await reject(m, await m.submitResultCall(actor, open, await m.resultFor(open)), 'JobNotAssigned');
    const done = await assigned();
    const commitment = await m.resultFor(done.job);
    await m.submitResult(done.actor, done.job, commitment);
    await reject(m, await m.submitResultCall(done.actor, done.job, { ...commitment, outputHash: hash32('changed my mind') }), 'JobNotAssigned');
    await m.cancelJob(client, open);
  });

  it('refuses another worker\'s submission (WrongWorker)', async () => {
    const { job } = await assigned();
    const { actor: other } = await m.readyWorker();
    await reject(m, await m.submitResultCall(other, job), 'WrongWorker');
  });

  it('sends confidential jobs to submit_confidential_result (ConfidentialSubmitRequired)', async () => {
    const { actor, job } = await assigned('confidential');
    await reject(m, await m.submitResultCall(actor, job), 'ConfidentialSubmitRequired');
    await m.submitResult(actor, job);
    assert.equal(statusOf((await m.job(job)).status), 'submitted');
  });

  it('refuses a result for another model or seed (ResultMismatch)', async () => {
    const { actor, job } = await assigned();
    const honest = await m.resultFor(job);
    await reject(m, await m.submitResultCall(actor, job, { ...honest, model: MODEL_QWEN }), 'ResultMismatch');
    await reject(m, await m.submitResultCall(actor, job, { ...honest, seed: honest.seed.addn(1) }), 'ResultMismatch');
    await m.submitResult(actor, job, honest);
  });

  it('checks in order: JobNotAssigned before WrongWorker, WrongWorker before DeadlinePassed before ResultMismatch', async () => {
    const { actor: other } = await m.readyWorker();
    const { job: open } = await m.postJob(client);
    await reject(m, await m.submitResultCall(other, open), 'JobNotAssigned');
    const { actor, job } = await assigned();
    const wrong = { ...(await m.resultFor(job)), model: MODEL_QWEN };
    await m.warp(m.params.jobTimeoutSecs + 1);
    await reject(m, await m.submitResultCall(other, job, wrong), 'WrongWorker');
    await reject(m, await m.submitResultCall(actor, job, wrong), 'DeadlinePassed');
    await m.cancelJob(client, open);
  });

  it('rejects an unsigned authority, read-only accounts, wrong types and the same account twice', async () => {
    const { actor, job } = await assigned();
    const unsigned = await m.submitResultCall(actor, job);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    for (const index of [2, 3]) {
      const call = await m.submitResultCall(actor, job);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    const result = await m.resultFor(job);
    await reject(m, await m.submitResultCall(actor, m.creditAddress(client.publicKey), result), 'AccountDiscriminatorMismatch');
    await reject(m, await m.submitResultCall(actor, job, result, { accounts: { worker: m.creditAddress(client.publicKey) } }), 'AccountDiscriminatorMismatch');
    await reject(m, await m.submitResultCall(actor, job, result, { accounts: { worker: job } }), 'DuplicateMutableAccount');
    const short = await m.submitResultCall(actor, job, result);
    short.ix.data = short.ix.data.subarray(0, short.ix.data.length - 8);
    await reject(m, short, 'InstructionDidNotDeserialize');
    await m.submitResult(actor, job, result);
  });
});
