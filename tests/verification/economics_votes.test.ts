/**
 * Economic attacks on disputes (issue 12), each shown to fail or not pay:
 * - a client's sybil swarm (a challenger and vote_quorum validators with the minimum bond)
 *   challenging an honest result cannot slash the worker: votes weigh stake and a side needs more
 *   than half of all validator stake; when the honest stake votes, the attackers lose;
 * - a cheating worker's sybil voters cannot protect it against an honest challenger;
 * - a voter cannot commit, deregister and leave: its weight stays locked (VotesOpen) and a vote
 *   never revealed costs voter_slash_bps of its weight;
 * - a frivolous challenge nobody decides is not free: it lapses, and lapse_fee_bps of its bond
 *   (sized to the job) goes to the worker it delayed.
 */
import assert from 'node:assert/strict';
import { big, BPS } from '../fixtures/embedded/market';
import { outcomeOf, type ValidatorEntry } from '../fixtures/embedded/verification';
import { assertVerificationConservation, rejectV } from '../harness/verification';
import { fixture, openDispute, verifiedWorker, type Fixture } from './helpers';

describe('economics: disputes weigh stake, not heads (bankrun)', () => {
  let f: Fixture;
  let honest: ValidatorEntry[];

  before(async () => {
    f = await fixture('bankrun');
    // the honest validators: most of the stake, as in any network worth attacking
    honest = await f.v.voters(3);
  });
  afterEach(() => assertVerificationConservation(f.v));

  async function sybils(n: number): Promise<ValidatorEntry[]> {
    return f.v.voters(n, big(f.v.params.validatorMinBond));
  }

  it('a sybil swarm of minimum bonds cannot slash an honest worker, even unopposed: the challenge lapses and costs the attacker', async () => {
    const { v } = f;
    const swarm = await sybils(v.params.voteQuorum);
    const d = await openDispute(f); // the attacker's challenger disputes an honest result
    const workerBefore = big((await v.worker(d.worker)).bond);
    const challengerBefore = big((await v.validator(d.challenger.validator)).bond);
    await v.voteAll(d.challenge, swarm, swarm.map(() => d.challengerHash));
    await v.warpPastReveal(d.challenge);
    const { event } = await v.resolveChallenge(d.challenge);
    assert.equal(outcomeOf(event.outcome), 'lapsed', 'quorum heads, but far from half the validator stake');
    const bond = big((await v.challenge(d.challenge)).bond);
    const fee = (bond * BigInt(v.params.lapseFeeBps)) / BPS;
    assert.ok(fee > 0n);
    assert.equal(big((await v.worker(d.worker)).bond), workerBefore + fee, 'the worker is paid for the delay, never slashed');
    assert.equal(big((await v.validator(d.challenger.validator)).bond), challengerBefore - fee, 'the attacker pays it');
    for (const s of swarm) await v.closeVote(s.actor, d.challenge);
    await v.m.finalizeJob(d.job);
  });

  it('…and when the honest stake votes, the attacker loses its challenge bond and every sybil voter is penalized', async () => {
    const { v } = f;
    const swarm = await sybils(v.params.voteQuorum);
    const d = await openDispute(f);
    const challengerBefore = big((await v.validator(d.challenger.validator)).bond);
    await v.voteAll(d.challenge, [...swarm, ...honest], [...swarm.map(() => d.challengerHash), ...honest.map(() => d.workerHash)]);
    const { event } = await v.resolveChallenge(d.challenge);
    assert.equal(outcomeOf(event.outcome), 'workerWon');
    assert.equal(n(event.slashed), 0n, 'an honest worker is never slashed');
    const bond = big((await v.challenge(d.challenge)).bond);
    assert.equal(big((await v.validator(d.challenger.validator)).bond), challengerBefore - bond);
    for (const s of swarm) {
      const before = big((await v.validator(s.validator)).bond);
      const weight = big((await v.vote(v.voteAddress(d.challenge, s.validator))).weight);
      await v.closeVote(s.actor, d.challenge);
      assert.equal(big((await v.validator(s.validator)).bond), before - (weight * BigInt(v.params.voterSlashBps)) / BPS, 'a losing voter pays');
    }
    for (const h of honest) {
      const before = big((await v.validator(h.validator)).bond);
      await v.closeVote(h.actor, d.challenge);
      assert.ok(big((await v.validator(h.validator)).bond) > before, 'a winning voter is paid from the forfeited bond');
    }
    await v.m.finalizeJob(d.job);
  });

  it('a cheating worker\'s sybil voters cannot protect it: the honest stake decides, the cheater is slashed, its voters penalized', async () => {
    const { v } = f;
    const cheater = await verifiedWorker(v);
    const friends = await sybils(v.params.voteQuorum);
    const d = await openDispute(f, { workerActor: cheater.actor }); // the challenger is honest
    const bondBefore = big((await v.worker(d.worker)).bond);
    await v.voteAll(d.challenge, [...friends, ...honest], [...friends.map(() => d.workerHash), ...honest.map(() => d.challengerHash)]);
    const { event } = await v.resolveChallenge(d.challenge);
    assert.equal(outcomeOf(event.outcome), 'challengerWon');
    assert.equal(big((await v.worker(d.worker)).bond), bondBefore - (bondBefore * BigInt(v.params.slashBps)) / BPS);
    for (const s of friends) {
      const before = big((await v.validator(s.validator)).bond);
      await v.closeVote(s.actor, d.challenge);
      assert.ok(big((await v.validator(s.validator)).bond) < before, 'voting for the cheater costs');
    }
    for (const h of honest) await v.closeVote(h.actor, d.challenge);
  });

  it('the sybils alone cannot decide for the cheater either: no quorum share, the honest challenger\'s bond survives', async () => {
    const { v } = f;
    const cheater = await verifiedWorker(v);
    const friends = await sybils(v.params.voteQuorum);
    const d = await openDispute(f, { workerActor: cheater.actor });
    const challengerBefore = big((await v.validator(d.challenger.validator)).bond);
    await v.voteAll(d.challenge, friends, friends.map(() => d.workerHash));
    await v.warpPastReveal(d.challenge);
    const { event } = await v.resolveChallenge(d.challenge);
    assert.equal(outcomeOf(event.outcome), 'lapsed');
    const fee = (big((await v.challenge(d.challenge)).bond) * BigInt(v.params.lapseFeeBps)) / BPS;
    assert.equal(big((await v.validator(d.challenger.validator)).bond), challengerBefore - fee, 'not burned: only the lapse fee');
    for (const s of friends) await v.closeVote(s.actor, d.challenge);
    await v.m.finalizeJob(d.job);
  });

  it('a voter cannot commit and leave: its bond stays locked (VotesOpen) and silence costs voter_slash_bps of its weight', async () => {
    const { v } = f;
    const [leaver] = await sybils(1);
    const d = await openDispute(f);
    await v.commitVote(leaver.actor, d.challenge, d.challengerHash);
    await v.deregisterValidator(leaver.actor);
    await v.m.warp(v.params.unbondCooldownSecs);
    await rejectV(v, await v.closeValidatorCall(leaver.actor), 'VotesOpen');
    // never revealed: the challenge lapses after the reveal deadline
    await v.warpPastReveal(d.challenge);
    await v.resolveChallenge(d.challenge);
    const weight = big((await v.vote(v.voteAddress(d.challenge, leaver.validator))).weight);
    const before = big((await v.validator(leaver.validator)).bond);
    await v.closeVote(leaver.actor, d.challenge);
    assert.equal(big((await v.validator(leaver.validator)).bond), before - (weight * BigInt(v.params.voterSlashBps)) / BPS);
    await v.closeValidator(leaver.actor);
    await v.m.finalizeJob(d.job);
  });

  it('a challenge bond is sized to the job: the base bond plus the job\'s value in $PEER', async () => {
    const { v } = f;
    const d = await openDispute(f, { maxPrice: 50n });
    const price = big((await v.job(d.job)).price);
    assert.equal(big((await v.challenge(d.challenge)).bond), big(v.params.challengeBond) + price * big(v.params.peerPerCredit));
    await v.warpPastReveal(d.challenge);
    await v.resolveChallenge(d.challenge);
    await v.m.finalizeJob(d.job);
  });
});

const n = (x: unknown): bigint => big(x as { toString(): string });
