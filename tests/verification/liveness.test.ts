/**
 * Every decided challenge can be resolved (product.md: "a quorum decides; the loser is slashed;
 * no quorum by the deadline: the challenge lapses, both bonds return"). A challenge that can
 * never resolve would keep the job Disputed forever (the worker never paid, the client's escrow
 * never returned) and lock the worker's whole bond — and a lying challenger would keep its bond.
 *
 * The challenger's reward goes into its own validator vault (adding to its bond), an account
 * that cannot disappear while the challenge is open; so no account the challenger controls can
 * block resolution.
 */
import { createCloseAccountInstruction } from '@solana/spl-token';
import type { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { BPS, big, hash32 } from '../fixtures/embedded/market';
import { mintSupply, tokenBalance } from '../fixtures/embedded/tokens';
import { expectOk, send } from '../fixtures/embedded/tx';
import { outcomeOf, type ValidatorEntry } from '../fixtures/embedded/verification';
import { assertVerificationConservation } from '../harness/verification';
import { fixture, verifiedWorker, type Fixture } from './helpers';

describe('peer_market verification: every decided challenge resolves', () => {
  let f: Fixture;
  let voters: ValidatorEntry[];

  before(async () => {
    f = await fixture('bankrun');
    voters = await f.v.voters(3);
  });
  afterEach(() => assertVerificationConservation(f.v));

  /** A lying challenger (voters side with the worker) must lose its bond. */
  async function expectBurned(challenge: PublicKey, challenger: ValidatorEntry, workerHash: number[], job: PublicKey): Promise<void> {
    const { v } = f;
    await v.voteAll(challenge, voters, [workerHash, workerHash, workerHash]);
    const supply = await mintSupply(v.context, v.env.peerMint);
    const bond = big((await v.validator(challenger.validator)).bond);
    const challengeBond = big((await v.challenge(challenge)).bond);
    const pot = (challengeBond * BigInt(v.params.voterRewardBps)) / 10_000n;
    const { result } = await v.send(await v.resolveChallengeCall(challenge));
    assert.ok(result.ok, `the decided challenge cannot be resolved: ${result.errorName ?? result.rawError}`);
    assert.equal(outcomeOf(v.m.event(result, 'challengeResolved').outcome), 'workerWon');
    assert.equal(big((await v.validator(challenger.validator)).bond), bond - challengeBond);
    assert.equal(await mintSupply(v.context, v.env.peerMint), supply - (challengeBond - pot), 'burned: the bond less the winning voters\' pot');
    for (const voter of voters) await v.closeVote(voter.actor, challenge);
    await v.m.finalizeJob(job);
  }

  it('the job\'s own client challenging it with its validator', async () => {
    const { v } = f;
    const w = await verifiedWorker(v);
    const { job, outputHash } = await v.submittedJob(f.client, w.actor, f.matcher);
    const existing = v.validators.get(v.validatorAddress(f.client.publicKey).toBase58());
    const challenger = existing ?? { actor: f.client, ...(await v.registerValidator(f.client, v.challengerBond())) };
    const { challenge } = await v.challengeJob(challenger.actor, job, hash32(`challenger ${job.toBase58()}`));
    await expectBurned(challenge, challenger, outputHash, job);
  });

  it('a winning challenger that closed its $PEER wallet account: the reward still lands in its vault', async () => {
    const { v } = f;
    const w = await verifiedWorker(v);
    const { job } = await v.submittedJob(f.client, w.actor, f.matcher);
    const challenger = await v.readyValidator();
    const truth = hash32('the truth');
    const { challenge } = await v.challengeJob(challenger.actor, job, truth);
    // the challenger empties and closes its $PEER account (it holds nothing: its bond is in the vault)
    expectOk(await send(v.context, [createCloseAccountInstruction(challenger.actor.peer, challenger.actor.publicKey, challenger.actor.publicKey)], [challenger.actor.keypair]));
    v.m.peerAccounts.delete(challenger.actor.peer.toBase58());
    await v.voteAll(challenge, voters, [truth, truth, truth]);
    await v.warpPastReveal(challenge);
    const bond = big((await v.worker(w.worker)).bond);
    const vaultBefore = await tokenBalance(v.context, challenger.vault);
    const credits = big((await v.m.credits(v.m.creditAddress(f.client.publicKey))).balance);
    const { result } = await v.send(await v.resolveChallengeCall(challenge));
    assert.ok(result.ok, `the decided challenge cannot be resolved: ${result.errorName ?? result.rawError}`);
    assert.equal(outcomeOf(v.m.event(result, 'challengeResolved').outcome), 'challengerWon');
    assert.equal(big((await v.worker(w.worker)).bond), bond - (bond * BigInt(v.params.slashBps)) / BPS);
    assert.ok(big((await v.m.credits(v.m.creditAddress(f.client.publicKey))).balance) > credits, 'the client is refunded');
    const reward = (((bond * BigInt(v.params.slashBps)) / BPS) * BigInt(v.params.challengerRewardBps)) / BPS;
    assert.equal(await tokenBalance(v.context, challenger.vault), vaultBefore + reward);
    for (const voter of voters) await v.closeVote(voter.actor, challenge);
  });
});
