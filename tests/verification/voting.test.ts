/**
 * commit_vote, reveal_vote and close_vote: one vote per validator, neither the worker nor the
 * challenger votes, commits only in the commit phase, reveals only in the reveal phase and only
 * what was committed. Every check gets its named error with nothing changed.
 */
import { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { big, hash32 } from '../fixtures/embedded/market';
import { findVotePda, newSalt, voteCommitment, type ValidatorEntry } from '../fixtures/embedded/verification';
import { assertVerificationConservation, rejectV } from '../harness/verification';
import { fixture, n, openDispute, readonly, unsigned, type Dispute, type Fixture } from './helpers';

describe('peer_market verification: voting', () => {
  let f: Fixture;
  let voters: ValidatorEntry[];

  before(async () => {
    f = await fixture('bankrun');
    voters = await f.v.voters(4);
  });
  afterEach(() => assertVerificationConservation(f.v));

  /** Resolves `d` (lapsing it when undecided) and closes every vote of the given voters. */
  async function settle(d: Dispute, who: ValidatorEntry[] = []): Promise<void> {
    const { v } = f;
    if (await v.challengeOrNull(d.challenge)) {
      await v.warpPastReveal(d.challenge);
      await v.resolveChallenge(d.challenge);
    }
    for (const w of who) if (await v.voteOrNull(v.voteAddress(d.challenge, w.validator))) await v.closeVote(w.actor, d.challenge);
    if (await v.jobOrNull(d.job)) await v.m.finalizeJob(d.job);
  }

  describe('commit_vote', () => {
    it('creates the vote PDA with the commitment, counts it and emits VoteCommitted; the voter pays the rent', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const [voter] = voters;
      const salt = newSalt();
      const lamports = await v.m.lamports(voter.actor.publicKey);
      const { vote, result, commitment } = await v.commitVote(voter.actor, d.challenge, d.challengerHash, salt);
      const [pda, bump] = findVotePda(v.programId, d.challenge, voter.validator);
      assert.ok(vote.equals(pda));
      const x = await v.vote(vote);
      assert.ok(x.challenge.equals(d.challenge));
      assert.ok(x.validator.equals(voter.validator));
      assert.deepEqual(x.commitment, voteCommitment(d.challengerHash, salt));
      assert.deepEqual(x.commitment, commitment);
      assert.equal(x.revealed, false);
      assert.deepEqual(x.outputHash, new Array(32).fill(0), 'nothing about the vote is public before the reveal');
      assert.equal(x.bump, bump);
      assert.equal((await v.challenge(d.challenge)).commits, 1);
      assert.equal(await v.m.lamports(voter.actor.publicKey), lamports - (await v.m.rentFor(vote)));
      const ev = v.m.event(result, 'voteCommitted');
      assert.ok((ev.challenge as PublicKey).equals(d.challenge));
      assert.ok((ev.validator as PublicKey).equals(voter.validator));
      await settle(d, [voter]);
    });

    it('refuses a second vote by the same validator (AccountDiscriminatorAlreadySet)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const [voter] = voters;
      await v.commitVote(voter.actor, d.challenge, d.challengerHash);
      await rejectV(v, await v.commitVoteCall(voter.actor, d.challenge, d.workerHash, newSalt()), 'AccountDiscriminatorAlreadySet');
      await settle(d, [voter]);
    });

    it('refuses the challenger (ChallengerCannotVote) and the worker (WorkerCannotVote)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      await rejectV(v, await v.commitVoteCall(d.challenger.actor, d.challenge, d.challengerHash, newSalt()), 'ChallengerCannotVote');
      // the worker's authority registers a validator to vote on its own dispute
      await v.registerValidator(d.workerActor, big(v.params.validatorMinBond));
      await rejectV(v, await v.commitVoteCall(d.workerActor, d.challenge, d.workerHash, newSalt()), 'WorkerCannotVote');
      await settle(d);
    });

    it('accepts a commit one second before the commit deadline, refuses one at it (CommitPhaseOver)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const deadline = n((await v.challenge(d.challenge)).commitDeadline);
      await v.m.warp(Number(deadline - (await v.m.now())) - 1);
      await v.commitVote(voters[0].actor, d.challenge, d.challengerHash);
      await v.m.warp(1);
      await rejectV(v, await v.commitVoteCall(voters[1].actor, d.challenge, d.challengerHash, newSalt()), 'CommitPhaseOver');
      await v.m.warp(v.params.revealWindowSecs + 100);
      await rejectV(v, await v.commitVoteCall(voters[1].actor, d.challenge, d.challengerHash, newSalt()), 'CommitPhaseOver');
      await settle(d, [voters[0]]);
    });

    it('refuses a signer that is not the validator\'s authority (NotValidatorAuthority)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const intruder = await v.m.actor();
      const victim = voters[0].validator;
      await rejectV(
        v,
        await v.commitVoteCall(intruder, d.challenge, d.challengerHash, newSalt(), { accounts: { validator: victim, vote: v.voteAddress(d.challenge, victim) } }),
        'NotValidatorAuthority',
      );
      await settle(d);
    });

    it('refuses a vote account that is not the (challenge, validator) PDA (ConstraintSeeds)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const other = await openDispute(f);
      const [a, b] = voters;
      await rejectV(v, await v.commitVoteCall(a.actor, d.challenge, d.challengerHash, newSalt(), { accounts: { vote: v.voteAddress(d.challenge, b.validator) } }), 'ConstraintSeeds');
      await rejectV(v, await v.commitVoteCall(a.actor, d.challenge, d.challengerHash, newSalt(), { accounts: { vote: v.voteAddress(other.challenge, a.validator) } }), 'ConstraintSeeds');
      await settle(d);
      await settle(other);
    });

    it('refuses an authority that did not sign (AccountNotSigner) and a read-only challenge (ConstraintMut)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const call = await v.commitVoteCall(voters[0].actor, d.challenge, d.challengerHash, newSalt());
      await rejectV(v, unsigned(call, voters[0].actor.publicKey), 'AccountNotSigner');
      await rejectV(v, readonly(call, d.challenge), 'ConstraintMut');
      await settle(d);
    });
  });

  describe('reveal_vote', () => {
    it('counts a revealed vote for the side whose output it matches, or for neither; VoteRevealed', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const outputs = [d.challengerHash, d.workerHash, hash32('a third answer')];
      const committed = [];
      for (let i = 0; i < 3; i++) committed.push(await v.commitVote(voters[i].actor, d.challenge, outputs[i]));
      await v.warpPastCommit(d.challenge);
      const expected = [
        [1, 0],
        [1, 1],
        [1, 1],
      ];
      for (let i = 0; i < 3; i++) {
        const before = big((await v.validator(voters[i].validator)).votesRevealed);
        const { result } = await v.revealVote(voters[i].actor, d.challenge, outputs[i], committed[i].salt);
        const c = await v.challenge(d.challenge);
        assert.deepEqual([c.votesForChallenger, c.votesForWorker], expected[i]);
        assert.equal(c.reveals, i + 1);
        const vote = await v.vote(committed[i].vote);
        assert.equal(vote.revealed, true);
        assert.deepEqual(vote.outputHash, outputs[i]);
        assert.equal(big((await v.validator(voters[i].validator)).votesRevealed), before + 1n);
        const ev = v.m.event(result, 'voteRevealed');
        assert.ok((ev.validator as PublicKey).equals(voters[i].validator));
        assert.deepEqual(ev.outputHash, outputs[i]);
        assert.equal(ev.votesForChallenger, expected[i][0]);
        assert.equal(ev.votesForWorker, expected[i][1]);
      }
      await settle(d, voters.slice(0, 3));
    });

    it('refuses a reveal before the commit phase ends (RevealPhaseNotStarted), takes one at the commit deadline', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const { salt } = await v.commitVote(voters[0].actor, d.challenge, d.challengerHash);
      await rejectV(v, await v.revealVoteCall(voters[0].actor, d.challenge, d.challengerHash, salt), 'RevealPhaseNotStarted');
      const deadline = n((await v.challenge(d.challenge)).commitDeadline);
      await v.m.warp(Number(deadline - (await v.m.now())) - 1);
      await rejectV(v, await v.revealVoteCall(voters[0].actor, d.challenge, d.challengerHash, salt), 'RevealPhaseNotStarted');
      await v.m.warp(1);
      await v.revealVote(voters[0].actor, d.challenge, d.challengerHash, salt);
      await settle(d, [voters[0]]);
    });

    it('takes a reveal one second before the reveal deadline, refuses one at it (RevealPhaseOver)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const a = await v.commitVote(voters[0].actor, d.challenge, d.challengerHash);
      const b = await v.commitVote(voters[1].actor, d.challenge, d.workerHash);
      const deadline = n((await v.challenge(d.challenge)).revealDeadline);
      await v.m.warp(Number(deadline - (await v.m.now())) - 1);
      await v.revealVote(voters[0].actor, d.challenge, d.challengerHash, a.salt);
      await v.m.warp(1);
      await rejectV(v, await v.revealVoteCall(voters[1].actor, d.challenge, d.workerHash, b.salt), 'RevealPhaseOver');
      await settle(d, voters.slice(0, 2));
    });

    it('refuses a reveal that does not match the commitment (RevealMismatch): another output, another salt', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const { salt } = await v.commitVote(voters[0].actor, d.challenge, d.challengerHash);
      await v.warpPastCommit(d.challenge);
      // the voter changes its mind after seeing others: refused
      await rejectV(v, await v.revealVoteCall(voters[0].actor, d.challenge, d.workerHash, salt), 'RevealMismatch');
      const otherSalt = [...salt];
      otherSalt[31] ^= 1;
      await rejectV(v, await v.revealVoteCall(voters[0].actor, d.challenge, d.challengerHash, otherSalt), 'RevealMismatch');
      await v.revealVote(voters[0].actor, d.challenge, d.challengerHash, salt);
      await settle(d, [voters[0]]);
    });

    it('refuses a second reveal (AlreadyRevealed)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const { salt } = await v.commitVote(voters[0].actor, d.challenge, d.challengerHash);
      await v.warpPastCommit(d.challenge);
      await v.revealVote(voters[0].actor, d.challenge, d.challengerHash, salt);
      await rejectV(v, await v.revealVoteCall(voters[0].actor, d.challenge, d.challengerHash, salt), 'AlreadyRevealed');
      assert.equal((await v.challenge(d.challenge)).votesForChallenger, 1);
      await settle(d, [voters[0]]);
    });

    it('refuses another key (NotValidatorAuthority), another validator\'s or another challenge\'s vote (WrongChallenge)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const other = await openDispute(f);
      const a = await v.commitVote(voters[0].actor, d.challenge, d.challengerHash);
      await v.commitVote(voters[1].actor, d.challenge, d.challengerHash);
      const o = await v.commitVote(voters[0].actor, other.challenge, other.challengerHash);
      await v.warpPastCommit(other.challenge);
      const intruder = await v.m.actor();
      await rejectV(v, await v.revealVoteCall(intruder, d.challenge, d.challengerHash, a.salt, { accounts: { validator: voters[0].validator } }), 'NotValidatorAuthority');
      // voter 1 tries to reveal voter 0's vote as its own
      await rejectV(v, await v.revealVoteCall(voters[1].actor, d.challenge, d.challengerHash, a.salt, { accounts: { vote: a.vote } }), 'WrongChallenge');
      // voter 0's vote on the other challenge, revealed against this one
      await rejectV(v, await v.revealVoteCall(voters[0].actor, d.challenge, other.challengerHash, o.salt, { accounts: { vote: o.vote } }), 'WrongChallenge');
      await settle(d, voters.slice(0, 2));
      await settle(other, [voters[0]]);
    });
  });

  describe('close_vote', () => {
    it('refuses while the challenge is open (ChallengeStillOpen); after resolution returns the rent', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const { vote } = await v.commitVote(voters[0].actor, d.challenge, d.challengerHash);
      await rejectV(v, await v.closeVoteCall(voters[0].actor, d.challenge), 'ChallengeStillOpen');
      await v.warpPastReveal(d.challenge);
      await rejectV(v, await v.closeVoteCall(voters[0].actor, d.challenge), 'ChallengeStillOpen');
      await v.resolveChallenge(d.challenge);
      const lamports = await v.m.lamports(voters[0].actor.publicKey);
      const rent = await v.m.lamports(vote);
      await v.closeVote(voters[0].actor, d.challenge);
      assert.equal(await v.voteOrNull(vote), null);
      assert.equal(await v.m.lamports(voters[0].actor.publicKey), lamports + rent);
      await v.m.finalizeJob(d.job);
    });

    it('refuses another key (NotValidatorAuthority) and a vote of another validator or challenge (WrongChallenge)', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const other = await openDispute(f);
      const a = await v.commitVote(voters[0].actor, d.challenge, d.challengerHash);
      const o = await v.commitVote(voters[0].actor, other.challenge, other.challengerHash);
      await v.warpPastReveal(d.challenge);
      await v.resolveChallenge(d.challenge);
      const intruder = await v.m.actor();
      await rejectV(v, await v.closeVoteCall(intruder, d.challenge, { accounts: { validator: voters[0].validator, vote: a.vote } }), 'NotValidatorAuthority');
      await rejectV(v, await v.closeVoteCall(voters[1].actor, d.challenge, { accounts: { vote: a.vote } }), 'WrongChallenge');
      // the other challenge is still open: its vote cannot be passed off as a vote of the closed one
      await rejectV(v, await v.closeVoteCall(voters[0].actor, d.challenge, { accounts: { vote: o.vote } }), 'WrongChallenge');
      await v.closeVote(voters[0].actor, d.challenge);
      await settle(d);
      await settle(other, [voters[0]]);
    });
  });
});
