/**
 * Disputes end to end (issue 5), on both runtimes: a cheating worker is caught and slashed (the
 * $PEER supply falls by exactly the burned amount, the challenger and the client are paid
 * exactly), a lying challenger loses its bond, a lapse returns everything — with the vault and
 * supply conservation identities holding after every step.
 */
import { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { BPS, big, hash32, statusOf, tierIndex } from '../fixtures/embedded/market';
import { mintSupply, tokenBalance } from '../fixtures/embedded/tokens';
import { outcomeOf, type ValidatorEntry } from '../fixtures/embedded/verification';
import { Rng } from '../harness/rng';
import { assertVerificationConservation } from '../harness/verification';
import { fixture, n, openDispute, RUNTIMES, verifiedWorker, type Fixture } from './helpers';

for (const runtime of RUNTIMES) {
  describe(`peer_market disputes (${runtime})`, () => {
    let f: Fixture;
    let voters: ValidatorEntry[];

    before(async () => {
      // Rounding matters: an odd slash and reward split.
      f = await fixture(runtime, (p) => {
        p.slashBps = 1_234;
        p.challengerRewardBps = 3_333;
      });
      voters = await f.v.voters(5);
    });
    afterEach(() => assertVerificationConservation(f.v));

    it('catches a cheating worker: slashed, the burn shrinks the $PEER supply, challenger and client paid exactly', async () => {
      const { v } = f;
      const m = v.m;
      const workerBond = 1_234_567_890_123n; // above the verified minimum, odd on purpose
      const d = await openDispute(f, { workerBond, maxPrice: 77n });
      const jobBefore = await v.job(d.job);
      assert.equal(statusOf(jobBefore.status), 'disputed');
      const creditsBefore = await m.credits(m.creditAddress(f.client.publicKey));
      const supplyBefore = await mintSupply(m.context, m.env.peerMint);
      const usdcVaultBefore = await tokenBalance(m.context, m.accounts.usdcVault);
      const rewardBefore = await tokenBalance(m.context, v.validatorVaultAddress(d.challenger.validator));
      const clientLamports = await m.lamports(f.client.publicKey);
      const challengerLamports = await m.lamports(d.challenger.actor.publicKey);
      const jobRent = await m.lamports(d.job);
      const challengeRent = await m.lamports(d.challenge);
      const challengerBefore = await v.validator(d.challenger.validator);

      // three voters re-executed and agree with the challenger, one sides with the worker
      await v.voteAll(d.challenge, voters.slice(0, 4), [d.challengerHash, d.challengerHash, d.challengerHash, d.workerHash]);
      const c = await v.challenge(d.challenge);
      assert.equal(c.commits, 4);
      assert.equal(c.reveals, 4);
      assert.equal(c.votesForChallenger, 3);
      assert.equal(c.votesForWorker, 1);
      // every vote is revealed: the outcome is certain before the reveal deadline
      assert.ok((await m.now()) < n(c.revealDeadline));

      const { result, event } = await v.resolveChallenge(d.challenge);
      const slash = (workerBond * 1_234n) / BPS;
      const reward = (slash * 3_333n) / BPS;
      const pot = (slash * BigInt(m.params.voterRewardBps)) / BPS;
      const burned = slash - reward - pot;
      assert.equal(n(event.voterPot), pot);
      assert.ok(reward > 0n && burned > 0n && slash * BPS !== workerBond * 1_234n, 'the numbers exercise rounding');
      assert.equal(outcomeOf(event.outcome), 'challengerWon');
      assert.equal(n(event.slashed), slash);
      assert.equal(n(event.challengerReward), reward);
      assert.equal(n(event.burned), burned);
      assert.equal(n(event.refunded), 77n);
      assert.ok((event.job as PublicKey).equals(d.job));

      // $PEER: the supply fell by exactly the burn; the challenger's vault got exactly its reward
      assert.equal(await mintSupply(m.context, m.env.peerMint), supplyBefore - burned);
      assert.equal(await tokenBalance(m.context, v.validatorVaultAddress(d.challenger.validator)), rewardBefore + reward);
      const w = await v.worker(d.worker);
      assert.equal(big(w.bond), workerBond - slash);
      assert.equal(await tokenBalance(m.context, m.bondVaultAddress(d.worker)), workerBond - slash);
      assert.equal(big(w.reputation.challengesLost), 1n);
      assert.equal(w.openChallenges, 0);
      assert.equal(w.openJobs[tierIndex('verified')], 0);
      assert.equal(big(w.earnings), 0n, 'a slashed worker earns nothing for the job');

      // the client: its max price back as free credits, the job account's rent back
      const creditsAfter = await m.credits(m.creditAddress(f.client.publicKey));
      assert.equal(big(creditsAfter.balance), big(creditsBefore.balance) + 77n);
      assert.equal(big(creditsAfter.locked), big(creditsBefore.locked) - 77n);
      assert.equal(await v.jobOrNull(d.job), null);
      assert.equal(await m.lamports(f.client.publicKey), clientLamports + jobRent);
      assert.equal(await tokenBalance(m.context, m.accounts.usdcVault), usdcVaultBefore, 'no USDC moved: the refund is in credits');

      // the challenger: bond released and grown by the reward, a win recorded, the challenge rent back
      const val = await v.validator(d.challenger.validator);
      assert.equal(big(val.bond), big(challengerBefore.bond) + reward);
      assert.equal(big(val.locked), 0n);
      assert.equal(val.openChallenges, 0);
      assert.equal(big(val.challengesWon), 1n);
      assert.ok(result.ok);

      // the challenge stays until its votes close: the three winners share the pot by weight,
      // the one who voted for the cheater loses voter_slash_bps of its weight; then it closes
      assert.ok(await v.challengeOrNull(d.challenge), 'resolved, kept for the votes');
      const weights = await Promise.all(voters.slice(0, 4).map(async (x) => big((await v.vote(v.voteAddress(d.challenge, x.validator))).weight)));
      const winning = weights[0] + weights[1] + weights[2];
      for (let i = 0; i < 4; i++) {
        const before = big((await v.validator(voters[i].validator)).bond);
        await v.closeVote(voters[i].actor, d.challenge);
        const after = big((await v.validator(voters[i].validator)).bond);
        const expected = i < 3 ? before + (pot * weights[i]) / winning : before - (weights[i] * BigInt(m.params.voterSlashBps)) / BPS;
        assert.equal(after, expected, `voter ${i}`);
      }
      assert.equal(await v.challengeOrNull(d.challenge), null);
      assert.equal(await m.lamports(d.challenger.actor.publicKey), challengerLamports + challengeRent);
    });

    it('burns a lying challenger\'s bond; the honest worker is paid as usual', async () => {
      const { v } = f;
      const m = v.m;
      const d = await openDispute(f);
      const supplyBefore = await mintSupply(m.context, m.env.peerMint);
      const workerBefore = await v.worker(d.worker);
      const challengerBefore = await v.validator(d.challenger.validator);
      const bond = big((await v.challenge(d.challenge)).bond);
      assert.equal(bond, v.challengeBondFor(), 'the base bond plus the job\'s value');
      const pot = (bond * BigInt(m.params.voterRewardBps)) / BPS;

      await v.voteAll(d.challenge, voters.slice(0, 3), [d.workerHash, d.workerHash, d.workerHash]);
      const { event } = await v.resolveChallenge(d.challenge);
      assert.equal(outcomeOf(event.outcome), 'workerWon');
      assert.equal(n(event.burned), bond - pot);
      assert.equal(n(event.voterPot), pot);
      assert.equal(n(event.slashed), 0n);
      assert.equal(n(event.challengerReward), 0n);
      assert.equal(n(event.refunded), 0n);

      assert.equal(await mintSupply(m.context, m.env.peerMint), supplyBefore - (bond - pot));
      const val = await v.validator(d.challenger.validator);
      assert.equal(big(val.bond), big(challengerBefore.bond) - bond);
      assert.equal(await tokenBalance(m.context, d.challenger.vault), big(challengerBefore.bond) - bond);
      assert.equal(big(val.locked), 0n);
      assert.equal(val.openChallenges, 0);
      assert.equal(big(val.challengesLost), 1n);
      const w = await v.worker(d.worker);
      assert.equal(big(w.bond), big(workerBefore.bond), 'the worker loses nothing');
      assert.equal(w.openChallenges, 0);

      // the job is back to Submitted and finalizes at once
      const j = await v.job(d.job);
      assert.equal(statusOf(j.status), 'submitted');
      assert.equal(n(j.challengeDeadline), await m.now());
      const price = n(j.price);
      await m.finalizeJob(d.job);
      const after = await v.worker(d.worker);
      assert.equal(big(after.earnings), big(workerBefore.earnings) + (price * 10_000n * BigInt(m.params.workerFeeBps)) / BPS);
      assert.equal(big(after.reputation.jobsCompleted), big(workerBefore.reputation.jobsCompleted) + 1n);
    });

    it('lapses without a quorum by the reveal deadline: nothing burned, every bond back, the job finalizes', async () => {
      const { v } = f;
      const m = v.m;
      const d = await openDispute(f);
      const supplyBefore = await mintSupply(m.context, m.env.peerMint);
      const workerBefore = await v.worker(d.worker);
      const challengerBefore = await v.validator(d.challenger.validator);
      const challengerLamports = await m.lamports(d.challenger.actor.publicKey);
      const challengeRent = await m.lamports(d.challenge);

      // two for the challenger, one for the worker, one unrevealed: no side reaches quorum 3
      await v.voteAll(d.challenge, voters.slice(0, 4), [d.challengerHash, d.challengerHash, d.workerHash, d.challengerHash], { reveal: [true, true, true, false] });
      await v.warpPastReveal(d.challenge);
      const { event } = await v.resolveChallenge(d.challenge);
      assert.equal(outcomeOf(event.outcome), 'lapsed');
      assert.equal(n(event.burned), 0n);
      assert.equal(n(event.slashed), 0n);
      const lapseFee = (big((await v.challenge(d.challenge)).bond) * BigInt(m.params.lapseFeeBps)) / BPS;
      assert.equal(n(event.lapseFee), lapseFee);
      assert.equal(await mintSupply(m.context, m.env.peerMint), supplyBefore);
      const val = await v.validator(d.challenger.validator);
      assert.equal(big(val.bond), big(challengerBefore.bond) - lapseFee, 'the lapse fee left the challenger\'s bond');
      assert.equal(big(val.locked), 0n);
      assert.equal(big(val.challengesWon), big(challengerBefore.challengesWon));
      assert.equal(big(val.challengesLost), big(challengerBefore.challengesLost));
      assert.equal(await tokenBalance(m.context, d.challenger.vault), big(challengerBefore.bond) - lapseFee);
      const w = await v.worker(d.worker);
      assert.equal(big(w.bond), big(workerBefore.bond) + lapseFee, '…and went to the worker it delayed');
      assert.equal(big(w.reputation.challengesLost), big(workerBefore.reputation.challengesLost));
      // revealed voters of a lapse lose nothing; the silent one loses voter_slash_bps of its weight
      for (let i = 0; i < 4; i++) {
        const before = big((await v.validator(voters[i].validator)).bond);
        const weight = big((await v.vote(v.voteAddress(d.challenge, voters[i].validator))).weight);
        await v.closeVote(voters[i].actor, d.challenge);
        const penalty = i === 3 ? (weight * BigInt(m.params.voterSlashBps)) / BPS : 0n;
        assert.equal(big((await v.validator(voters[i].validator)).bond), before - penalty, `voter ${i}`);
      }
      assert.equal(await m.lamports(d.challenger.actor.publicKey), challengerLamports + challengeRent);
      assert.equal(statusOf((await v.job(d.job)).status), 'submitted');
      await m.finalizeJob(d.job);
      assert.equal(await v.jobOrNull(d.job), null);
    });

    it('lapses on a tie at quorum after the reveal deadline (a win needs strictly more votes)', async () => {
      const { v } = f;
      await v.m.updateParams((p) => (p.voteQuorum = 2));
      try {
        const d = await openDispute(f);
        await v.voteAll(d.challenge, voters.slice(0, 4), [d.challengerHash, d.workerHash, d.challengerHash, d.workerHash]);
        await v.warpPastReveal(d.challenge);
        const { event } = await v.resolveChallenge(d.challenge);
        assert.equal(outcomeOf(event.outcome), 'lapsed');
      } finally {
        await v.m.updateParams((p) => (p.voteQuorum = 3));
      }
    });

    it('keeps every identity through many disputes with random votes (seeded)', async () => {
      const rng = new Rng(runtime === 'bankrun' ? 0x5eed05 : 0x5eed06);
      const { v } = f;
      const m = v.m;
      const quorum = m.params.voteQuorum;
      const worker = await verifiedWorker(v, big(m.params.minBond[1]) * 3n);
      const seen = new Set<string>();
      for (let round = 0; round < 6; round++) {
        const d = await openDispute(f, { workerActor: worker.actor });
        // each round leans one way (or none); voters mostly follow the lean
        const lean = rng.pick(['challenger', 'worker', 'none'] as const);
        const count = rng.int(2, voters.length);
        const sides = voters
          .slice(0, count)
          .map(() => (lean !== 'none' && rng.chance(0.8) ? lean : rng.weighted({ challenger: 2, worker: 2, neither: 1 })));
        const outputs = sides.map((s) => (s === 'challenger' ? d.challengerHash : s === 'worker' ? d.workerHash : hash32(`noise ${round}`)));
        const reveal = sides.map(() => rng.chance(0.85));
        await v.voteAll(d.challenge, voters.slice(0, count), outputs, { reveal });
        await assertVerificationConservation(v);
        await v.warpPastReveal(d.challenge);
        const forC = sides.filter((s, i) => s === 'challenger' && reveal[i]).length;
        const forW = sides.filter((s, i) => s === 'worker' && reveal[i]).length;
        // votes weigh stake: a side needs quorum heads, more than quorum_stake_bps of the base, and more weight
        const c = await v.challenge(d.challenge);
        const base = await v.quorumBase(d.challenge);
        const [wC, wW] = [big(c.weightForChallenger), big(c.weightForWorker)];
        const share = BigInt(m.params.quorumStakeBps);
        const wins = (w: bigint, heads: number, other: bigint) => heads >= quorum && w * BPS > base * share && w > other;
        const expected = wins(wC, forC, wW) ? 'challengerWon' : wins(wW, forW, wC) ? 'workerWon' : 'lapsed';
        const bond = big(c.bond);
        const bondBefore = big((await v.worker(d.worker)).bond);
        const supplyBefore = await mintSupply(m.context, m.env.peerMint);
        const { event } = await v.resolveChallenge(d.challenge);
        assert.equal(outcomeOf(event.outcome), expected, `round ${round}: ${forC} for the challenger, ${forW} for the worker`);
        seen.add(expected);
        const slash = expected === 'challengerWon' ? (bondBefore * BigInt(m.params.slashBps)) / BPS : 0n;
        const voterShare = BigInt(m.params.voterRewardBps);
        const burned =
          expected === 'challengerWon'
            ? slash - (slash * BigInt(m.params.challengerRewardBps)) / BPS - (slash * voterShare) / BPS
            : expected === 'workerWon'
              ? bond - (bond * voterShare) / BPS
              : 0n;
        assert.equal(await mintSupply(m.context, m.env.peerMint), supplyBefore - burned, `round ${round}: supply`);
        for (const vote of voters.slice(0, count)) await v.closeVote(vote.actor, d.challenge);
        if (expected !== 'challengerWon') await m.finalizeJob(d.job);
        await assertVerificationConservation(v);
        // the challenger is fresh each round; top the worker up so it stays above the tier minimum
        const w = await v.worker(d.worker);
        if (big(w.bond) < big(m.params.minBond[1]) * 2n) await m.bond(worker.actor, big(m.params.minBond[1]));
      }
      assert.deepEqual([...seen].sort(), ['challengerWon', 'lapsed', 'workerWon'], 'the seed exercises every outcome');
    });
  });
}
