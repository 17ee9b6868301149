/**
 * challenge_job: who may challenge what and when; its effects (the job is Disputed and cannot
 * finalize, the worker's bond is locked, the challenge bond is locked from the challenger's
 * stake). Every check gets its named error with nothing changed.
 */
import { LAMPORTS_PER_SOL, PublicKey, SystemProgram } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { big, hash32, statusOf } from '../fixtures/embedded/market';
import { findChallengePda } from '../fixtures/embedded/verification';
import { expectOk, send } from '../fixtures/embedded/tx';
import { reject } from '../harness/reject';
import { assertVerificationConservation, rejectV } from '../harness/verification';
import { fixture, n, openDispute, readonly, unsigned, verifiedWorker, type Fixture } from './helpers';

describe('peer_market verification: challenge_job', () => {
  let f: Fixture;

  before(async () => {
    f = await fixture('bankrun');
  });
  afterEach(() => assertVerificationConservation(f.v));

  async function submitted(tier: 'verified' | 'open' = 'verified') {
    const { v } = f;
    const w = tier === 'open' ? await v.m.readyWorker({ tiers: ['open'] }) : await verifiedWorker(v);
    if (tier === 'open') {
      const { job } = await v.m.submittedJob(f.client, w.actor, f.matcher, { tier: 'open' });
      return { ...w, job, outputHash: (await v.job(job)).outputHash };
    }
    const { job, outputHash } = await v.submittedJob(f.client, w.actor, f.matcher);
    return { ...w, job, outputHash };
  }

  it('opens the challenge: deadlines, hashes and bond recorded; job Disputed; bonds locked; ChallengeOpened', async () => {
    const { v } = f;
    const s = await submitted();
    const challenger = await v.readyValidator();
    const output = hash32('what the job really outputs');
    const lamports = await v.m.lamports(challenger.actor.publicKey);
    await v.m.warp(5);
    const { challenge, result } = await v.challengeJob(challenger.actor, s.job, output);
    const now = await v.m.now();
    const [pda, bump] = findChallengePda(v.programId, s.job);
    assert.ok(challenge.equals(pda));
    const c = await v.challenge(challenge);
    assert.ok(c.job.equals(s.job));
    assert.ok(c.challenger.equals(challenger.validator));
    assert.ok(c.challengerAuthority.equals(challenger.actor.publicKey));
    assert.ok(c.worker.equals(s.worker));
    assert.ok(c.workerAuthority.equals(s.actor.publicKey));
    assert.deepEqual(c.challengerOutputHash, output);
    assert.deepEqual(c.workerOutputHash, s.outputHash);
    assert.equal(big(c.bond), v.challengeBondFor(), 'the base bond plus the job\'s value in $PEER');
    assert.equal(n(c.openedAt), now);
    assert.equal(n(c.commitDeadline), now + BigInt(v.params.commitWindowSecs));
    assert.equal(n(c.revealDeadline), now + BigInt(v.params.commitWindowSecs + v.params.revealWindowSecs));
    assert.equal(c.commits + c.reveals + c.votesForChallenger + c.votesForWorker, 0);
    assert.equal(c.bump, bump);
    assert.equal(statusOf((await v.job(s.job)).status), 'disputed');
    assert.equal((await v.worker(s.worker)).openChallenges, 1);
    const val = await v.validator(challenger.validator);
    assert.equal(big(val.locked), v.challengeBondFor());
    assert.equal(val.openChallenges, 1);
    assert.equal(big(val.bond), v.challengerBond(), 'the bond stays in the vault, only locked');
    assert.equal(await v.m.lamports(challenger.actor.publicKey), lamports - (await v.m.rentFor(challenge)));
    const ev = v.m.event(result, 'challengeOpened');
    assert.ok((ev.challenge as PublicKey).equals(challenge));
    assert.ok((ev.job as PublicKey).equals(s.job));
    assert.ok((ev.challenger as PublicKey).equals(challenger.validator));
    assert.deepEqual(ev.outputHash, output);
    assert.equal(n(ev.commitDeadline), n(c.commitDeadline));
    assert.equal(n(ev.revealDeadline), n(c.revealDeadline));

    // while disputed the job cannot finalize, even after its challenge window
    await rejectV(v, await v.m.finalizeJobCall(s.job), 'JobDisputed');
    await v.m.warp(v.params.challengeWindowSecs);
    await rejectV(v, await v.m.finalizeJobCall(s.job), 'JobDisputed');
    await v.resolveChallenge(challenge);
    await v.m.finalizeJob(s.job);
  });

  it('accepts a challenge one second before the window closes, refuses one at the deadline (ChallengeWindowClosed)', async () => {
    const { v } = f;
    const early = await submitted();
    const late = await submitted();
    const deadline = n((await v.job(late.job)).challengeDeadline);
    assert.equal(n((await v.job(early.job)).challengeDeadline), deadline, 'both submitted in the same second');
    await v.m.warp(Number(deadline - (await v.m.now())) - 1);
    const a = await v.readyValidator();
    const b = await v.readyValidator();
    const { challenge } = await v.challengeJob(a.actor, early.job);
    await v.m.warp(1);
    assert.equal(await v.m.now(), deadline);
    await rejectV(v, await v.challengeJobCall(b.actor, late.job, hash32('late')), 'ChallengeWindowClosed');
    await v.m.finalizeJob(late.job);
    await v.warpPastReveal(challenge);
    await v.resolveChallenge(challenge);
    await v.m.finalizeJob(early.job);
  });

  it('refuses a signer that is not the validator\'s authority (NotValidatorAuthority)', async () => {
    const { v } = f;
    const s = await submitted();
    const challenger = await v.readyValidator();
    const intruder = await v.m.actor();
    await rejectV(v, await v.challengeJobCall(intruder, s.job, hash32('x'), { accounts: { validator: challenger.validator } }), 'NotValidatorAuthority');
    await v.m.warp(v.params.challengeWindowSecs);
    await v.m.finalizeJob(s.job);
  });

  it('needs validator_min_bond + challenge_bond free: a second challenge with the first one\'s bond locked fails (ValidatorBondTooLow)', async () => {
    const { v } = f;
    const d = await openDispute(f);
    const s = await submitted();
    await rejectV(v, await v.challengeJobCall(d.challenger.actor, s.job, hash32('again')), 'ValidatorBondTooLow');
    // a validator bonded for two challenges holds two, not three
    const rich = await v.readyValidator(v.challengerBond() + v.challengeBondFor());
    const s3 = await submitted();
    const c2 = await v.challengeJob(rich.actor, s.job);
    const c3 = await v.challengeJob(rich.actor, s3.job);
    assert.equal(big((await v.validator(rich.validator)).locked), 2n * v.challengeBondFor());
    const s4 = await submitted();
    await rejectV(v, await v.challengeJobCall(rich.actor, s4.job, hash32('third')), 'ValidatorBondTooLow');
    await v.warpPastReveal(c3.challenge);
    for (const c of [d.challenge, c2.challenge, c3.challenge]) await v.resolveChallenge(c);
    for (const job of [d.job, s.job, s3.job, s4.job]) await v.m.finalizeJob(job);
  });

  it('refuses a job that is not Submitted (JobNotSubmitted): open, assigned, already disputed', async () => {
    const { v } = f;
    const challenger = await v.readyValidator();
    const w = await verifiedWorker(v);
    const { job: open } = await v.m.postJob(f.client, { tier: 'verified' });
    await rejectV(v, await v.challengeJobCall(challenger.actor, open, hash32('x'), { accounts: { worker: w.worker } }), 'JobNotSubmitted');
    await v.m.assignJob(f.matcher, open, w.worker);
    await rejectV(v, await v.challengeJobCall(challenger.actor, open, hash32('x')), 'JobNotSubmitted');
    await v.m.submitResult(w.actor, open);
    const { challenge } = await v.challengeJob(challenger.actor, open);
    const second = await v.readyValidator();
    await rejectV(v, await v.challengeJobCall(second.actor, open, hash32('me too')), 'JobNotSubmitted');
    await v.warpPastReveal(challenge);
    await v.resolveChallenge(challenge);
    await v.m.finalizeJob(open);
  });

  it('refuses an open-tier job (NotChallengeable)', async () => {
    const { v } = f;
    const s = await submitted('open');
    const challenger = await v.readyValidator();
    await rejectV(v, await v.challengeJobCall(challenger.actor, s.job, hash32('open')), 'NotChallengeable');
    await v.m.finalizeJob(s.job);
  });

  it('refuses a worker account other than the job\'s (WrongWorker)', async () => {
    const { v } = f;
    const s = await submitted();
    const other = await verifiedWorker(v);
    const challenger = await v.readyValidator();
    await rejectV(v, await v.challengeJobCall(challenger.actor, s.job, hash32('x'), { accounts: { worker: other.worker } }), 'WrongWorker');
    await v.m.warp(v.params.challengeWindowSecs);
    await v.m.finalizeJob(s.job);
  });

  it('refuses a worker challenging its own job through its validator (SelfChallenge)', async () => {
    const { v } = f;
    const s = await submitted();
    await v.registerValidator(s.actor, v.challengerBond());
    await rejectV(v, await v.challengeJobCall(s.actor, s.job, hash32('x')), 'SelfChallenge');
    await v.m.warp(v.params.challengeWindowSecs);
    await v.m.finalizeJob(s.job);
  });

  it('refuses the worker\'s own output hash (SameOutput)', async () => {
    const { v } = f;
    const s = await submitted();
    const challenger = await v.readyValidator();
    await rejectV(v, await v.challengeJobCall(challenger.actor, s.job, s.outputHash), 'SameOutput');
    await v.m.warp(v.params.challengeWindowSecs);
    await v.m.finalizeJob(s.job);
  });

  it('refuses a challenge account that is not the job\'s PDA (ConstraintSeeds)', async () => {
    const { v } = f;
    const s = await submitted();
    const other = await submitted();
    const challenger = await v.readyValidator();
    await rejectV(v, await v.challengeJobCall(challenger.actor, s.job, hash32('x'), { accounts: { challenge: v.challengeAddress(other.job) } }), 'ConstraintSeeds');
    await v.m.warp(v.params.challengeWindowSecs);
    for (const job of [s.job, other.job]) await v.m.finalizeJob(job);
  });

  it('refuses an authority that did not sign (AccountNotSigner) and a read-only job (ConstraintMut)', async () => {
    const { v } = f;
    const s = await submitted();
    const challenger = await v.readyValidator();
    const call = await v.challengeJobCall(challenger.actor, s.job, hash32('x'));
    await rejectV(v, unsigned(call, challenger.actor.publicKey), 'AccountNotSigner');
    await rejectV(v, readonly(call, s.job), 'ConstraintMut');
    await v.m.warp(v.params.challengeWindowSecs);
    await v.m.finalizeJob(s.job);
  });

  it('cannot be blocked by lamports sent to the challenge address beforehand', async () => {
    const { v } = f;
    const s = await submitted();
    const challenge = v.challengeAddress(s.job);
    // a cheating worker pre-funds the PDA hoping create_account fails
    expectOk(await send(v.context, [SystemProgram.transfer({ fromPubkey: s.actor.publicKey, toPubkey: challenge, lamports: LAMPORTS_PER_SOL / 1000 })], [s.actor.keypair]));
    const challenger = await v.readyValidator();
    await v.challengeJob(challenger.actor, s.job);
    assert.equal(statusOf((await v.job(s.job)).status), 'disputed');
    await v.warpPastReveal(challenge);
    await v.resolveChallenge(challenge);
    await v.m.finalizeJob(s.job);
  });

  describe('the worker\'s bond during a challenge', () => {
    it('is locked while the challenge is open (BondLocked) even though the tier minimum is covered, free after resolution', async () => {
      const { v } = f;
      const min = big(v.params.minBond[1]);
      const w = await verifiedWorker(v, min * 2n);
      await v.m.requestUnbond(w.actor, min);
      const d = await openDispute(f, { workerActor: w.actor });
      await v.m.warp(v.params.unbondCooldownSecs);
      // the submitted job alone would allow it (bond - unbonding == the verified minimum)…
      assert.equal((await v.worker(w.worker)).openJobs[1], 1);
      await reject(v.m, await v.m.withdrawUnbondedCall(w.actor), 'BondLocked');
      // …the open challenge does not; once resolved (lapsed) it does, with the job still unfinalized
      await v.resolveChallenge(d.challenge);
      assert.equal(statusOf((await v.job(d.job)).status), 'submitted');
      await v.m.withdrawUnbonded(w.actor);
      const lapseFee = (v.challengeBondFor() * BigInt(v.params.lapseFeeBps)) / 10_000n;
      assert.equal(big((await v.worker(w.worker)).bond), min + lapseFee, 'the lapse fee was paid into the worker\'s bond');
      await v.m.finalizeJob(d.job);
    });

    it('caps the worker\'s unbonding at what is left after a slash', async () => {
      const { v } = f;
      const min = big(v.params.minBond[1]);
      const w = await verifiedWorker(v, min * 2n);
      const d = await openDispute(f, { workerActor: w.actor });
      // unbonding may be requested during a challenge (only the withdrawal is locked)
      await v.m.requestUnbond(w.actor, min * 2n - 1n);
      const voters = await v.voters(3);
      await v.voteAll(d.challenge, voters, [d.challengerHash, d.challengerHash, d.challengerHash]);
      await v.resolveChallenge(d.challenge);
      const after = await v.worker(w.worker);
      const slash = (min * 2n * BigInt(v.params.slashBps)) / 10_000n;
      assert.equal(big(after.bond), min * 2n - slash);
      assert.equal(big(after.unbonding), min * 2n - slash, 'unbonding = min(unbonding, bond)');
      for (const voter of voters) await v.closeVote(voter.actor, d.challenge);
    });
  });

  it('is refused for a disputed job\'s other exits: cancel (JobNotOpen) and expire (JobNotAssigned)', async () => {
    const { v } = f;
    const d = await openDispute(f);
    await rejectV(v, await v.m.cancelJobCall(f.client, d.job), 'JobNotOpen');
    await rejectV(v, await v.m.expireJobCall(d.job), 'JobNotAssigned');
    await v.warpPastReveal(d.challenge);
    await v.resolveChallenge(d.challenge);
    await v.m.finalizeJob(d.job);
  });
});
