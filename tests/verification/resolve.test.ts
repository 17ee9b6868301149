/**
 * resolve_challenge: when a challenge is decided (early once a side has quorum and cannot be
 * overtaken by the votes still unrevealed; otherwise at the reveal deadline, lapsing without a
 * quorum) and which accounts it accepts. Every check gets its named error with nothing changed.
 */
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { big, hash32 } from '../fixtures/embedded/market';
import { outcomeOf, type ValidatorEntry } from '../fixtures/embedded/verification';
import { assertVerificationConservation, rejectV } from '../harness/verification';
import { fixture, n, openDispute, readonly, type Dispute, type Fixture } from './helpers';

describe('peer_market verification: resolve_challenge', () => {
  let f: Fixture;
  let voters: ValidatorEntry[];

  before(async () => {
    f = await fixture('bankrun');
    voters = await f.v.voters(6);
  });
  afterEach(() => assertVerificationConservation(f.v));

  /** Commits one vote per output (voters in order), returning the salts. */
  async function commit(d: Dispute, outputs: number[][]) {
    const out = [];
    for (let i = 0; i < outputs.length; i++) out.push(await f.v.commitVote(voters[i].actor, d.challenge, outputs[i]));
    return out;
  }

  async function cleanup(d: Dispute, count: number): Promise<void> {
    const { v } = f;
    for (const voter of voters.slice(0, count)) if (await v.voteOrNull(v.voteAddress(d.challenge, voter.validator))) await v.closeVote(voter.actor, d.challenge);
    if (await v.jobOrNull(d.job)) await v.m.finalizeJob(d.job);
  }

  it('is undecided during the commit phase, even with votes committed (ChallengeUndecided)', async () => {
    const { v } = f;
    const d = await openDispute(f);
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'ChallengeUndecided');
    await commit(d, [d.challengerHash, d.challengerHash, d.challengerHash]);
    const deadline = n((await v.challenge(d.challenge)).commitDeadline);
    await v.m.warp(Number(deadline - (await v.m.now())) - 1);
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'ChallengeUndecided');
    await v.warpPastReveal(d.challenge);
    assert.equal(outcomeOf((await v.resolveChallenge(d.challenge)).event.outcome), 'lapsed', 'committed but never revealed: no votes');
    await cleanup(d, 3);
  });

  it('decides early for the challenger once its revealed stake passes the quorum share (nothing pending can overturn it)', async () => {
    const { v } = f;
    const d = await openDispute(f);
    const votes = await commit(d, [d.challengerHash, d.challengerHash, d.challengerHash, d.challengerHash, d.workerHash]);
    await v.warpPastCommit(d.challenge);
    for (let i = 0; i < 3; i++) await v.revealVote(voters[i].actor, d.challenge, d.challengerHash, votes[i].salt);
    // 3 of 6 equal voters: quorum heads, but not more than half the validator stake
    const c = await v.challenge(d.challenge);
    assert.ok(big(c.weightForChallenger) * 2n <= (await v.quorumBase(d.challenge)));
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'ChallengeUndecided');
    await v.revealVote(voters[3].actor, d.challenge, d.challengerHash, votes[3].salt);
    // 4 of 6: more than half of all the stake, so no pending vote can overturn it
    assert.ok((await v.m.now()) < n((await v.challenge(d.challenge)).revealDeadline));
    assert.equal(outcomeOf((await v.resolveChallenge(d.challenge)).event.outcome), 'challengerWon');
    // the unrevealed vote can no longer be revealed, but still closes (no penalty: it had no chance)
    await cleanup(d, 5);
  });

  it('a side with quorum heads but not more than the quorum share of the stake never decides: it lapses', async () => {
    const { v } = f;
    const d = await openDispute(f);
    const votes = await commit(d, [d.challengerHash, d.challengerHash, d.challengerHash, d.workerHash, d.workerHash, d.workerHash]);
    await v.warpPastCommit(d.challenge);
    for (let i = 0; i < 3; i++) await v.revealVote(voters[i].actor, d.challenge, d.challengerHash, votes[i].salt);
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'ChallengeUndecided');
    await v.revealVote(voters[3].actor, d.challenge, d.workerHash, votes[3].salt);
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'ChallengeUndecided');
    const deadline = n((await v.challenge(d.challenge)).revealDeadline);
    await v.m.warp(Number(deadline - (await v.m.now())) - 1);
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'ChallengeUndecided');
    await v.m.warp(1);
    // 3 against 1 heads, but half the stake is not more than half: no decision
    assert.equal(outcomeOf((await v.resolveChallenge(d.challenge)).event.outcome), 'lapsed');
    await cleanup(d, 6);
  });

  it('decides early for the worker symmetrically', async () => {
    const { v } = f;
    const d = await openDispute(f);
    const votes = await commit(d, [d.workerHash, d.workerHash, d.workerHash, d.workerHash, d.challengerHash]);
    await v.warpPastCommit(d.challenge);
    for (let i = 0; i < 4; i++) await v.revealVote(voters[i].actor, d.challenge, d.workerHash, votes[i].salt);
    assert.equal(outcomeOf((await v.resolveChallenge(d.challenge)).event.outcome), 'workerWon');
    await cleanup(d, 5);
  });

  it('without a quorum, is undecided until the reveal deadline and lapses at it', async () => {
    const { v } = f;
    const d = await openDispute(f);
    const votes = await commit(d, [d.challengerHash, d.challengerHash, hash32('something else')]);
    await v.warpPastCommit(d.challenge);
    await v.revealVote(voters[0].actor, d.challenge, d.challengerHash, votes[0].salt);
    await v.revealVote(voters[1].actor, d.challenge, d.challengerHash, votes[1].salt);
    await v.revealVote(voters[2].actor, d.challenge, hash32('something else'), votes[2].salt);
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'ChallengeUndecided');
    const deadline = n((await v.challenge(d.challenge)).revealDeadline);
    await v.m.warp(Number(deadline - (await v.m.now())) - 1);
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'ChallengeUndecided');
    await v.m.warp(1);
    assert.equal(outcomeOf((await v.resolveChallenge(d.challenge)).event.outcome), 'lapsed');
    await cleanup(d, 3);
  });

  it('is permissionless: anyone (here only the fee payer signs) resolves a decided challenge', async () => {
    const { v } = f;
    const d = await openDispute(f);
    await v.warpPastReveal(d.challenge);
    const call = await v.resolveChallengeCall(d.challenge);
    assert.equal(call.signers.length, 0);
    assert.ok(call.ix.keys.every((k) => !k.isSigner));
    await v.run(call);
    await cleanup(d, 0);
  });

  describe('accounts', () => {
    let d: Dispute;
    let other: Dispute;

    before(async () => {
      d = await openDispute(f);
      other = await openDispute(f);
      // decided (lapses) from here on: each rejection below is due to its account alone
      await f.v.warpPastReveal(other.challenge);
    });
    after(async () => {
      for (const x of [d, other]) {
        await f.v.resolveChallenge(x.challenge);
        await f.v.m.finalizeJob(x.job);
      }
    });

    const cases: { what: string; error: string; edit: () => Promise<Record<string, unknown>> }[] = [
      { what: 'another job', error: 'WrongChallenge', edit: async () => ({ job: other.job }) },
      { what: 'another worker', error: 'WrongChallenge', edit: async () => ({ worker: other.worker, workerBondVault: f.v.m.bondVaultAddress(other.worker) }) },
      { what: 'another challenger', error: 'WrongChallenge', edit: async () => ({ challenger: other.challenger.validator, challengerVault: other.challenger.vault }) },
      { what: 'another challenger authority', error: 'WrongChallenge', edit: async () => ({ challengerAuthority: other.challenger.actor.publicKey }) },
      { what: 'a client other than the job\'s', error: 'NotJobClient', edit: async () => ({ client: Keypair.generate().publicKey }) },
      {
        what: 'another client\'s credit account',
        error: 'NotJobClient',
        edit: async () => {
          const { creditAccount } = await f.v.m.client(10n);
          return { creditAccount };
        },
      },
      { what: 'another worker\'s bond vault', error: 'ConstraintSeeds', edit: async () => ({ workerBondVault: f.v.m.bondVaultAddress(other.worker) }) },
      { what: 'another validator\'s vault', error: 'ConstraintSeeds', edit: async () => ({ challengerVault: other.challenger.vault }) },
      { what: 'a mint other than $PEER', error: 'WrongMint', edit: async () => ({ peerMint: f.v.env.usdcMint }) },
    ];
    for (const c of cases) {
      it(`refuses ${c.what} (${c.error})`, async () => {
        await rejectV(f.v, await f.v.resolveChallengeCall(d.challenge, { accounts: await c.edit() }), c.error);
      });
    }

    it('refuses a read-only challenge (ConstraintMut)', async () => {
      const call = await f.v.resolveChallengeCall(d.challenge);
      await rejectV(f.v, readonly(call, d.challenge), 'ConstraintMut');
    });
  });

  it('closes the window once resolved: the job cannot be disputed again (ChallengeWindowClosed), late reveals fail', async () => {
    const { v } = f;
    const d = await openDispute(f);
    const votes = await commit(d, [d.workerHash, d.workerHash, d.workerHash, d.workerHash, d.workerHash]);
    await v.warpPastCommit(d.challenge);
    for (let i = 0; i < 4; i++) await v.revealVote(voters[i].actor, d.challenge, d.workerHash, votes[i].salt);
    const { event } = await v.resolveChallenge(d.challenge);
    assert.equal(outcomeOf(event.outcome), 'workerWon');
    assert.equal(n((await v.job(d.job)).challengeDeadline), await v.m.now());
    // a second challenger in the same second, and later: refused, so a job cannot be held disputed forever
    const again = await v.readyValidator();
    await rejectV(v, await v.challengeJobCall(again.actor, d.job, hash32('once more')), 'ChallengeWindowClosed');
    // the fifth vote can no longer be revealed: its challenge is resolved
    await rejectV(v, await v.revealVoteCall(voters[4].actor, d.challenge, d.workerHash, votes[4].salt), 'RevealPhaseOver');
    await cleanup(d, 5);
  });

  it('cannot resolve the same challenge twice (the account is closed: AccountNotInitialized)', async () => {
    const { v } = f;
    const d = await openDispute(f);
    await v.warpPastReveal(d.challenge);
    await v.resolveChallenge(d.challenge);
    await rejectV(v, await v.resolveChallengeCall(d.challenge), 'AccountNotInitialized');
    await cleanup(d, 0);
  });
});
