/**
 * Validator flows against the real programs: register, challenge a verified result,
 * commit–reveal votes (salts derived, nothing stored), resolve, close votes; both outcomes.
 */
import assert from 'node:assert/strict';
import * as sdk from '../../sdk/src';
import { isPeerMarketError } from '../../sdk/src';
import { PEER, sdkFixture, USDC, type Actor, type SdkFixture } from './helpers';

describe('sdk: validator flows', () => {
  let fx: SdkFixture;
  let client: Actor;
  let worker: Actor;
  let validators: Actor[];

  before(async () => {
    fx = await sdkFixture();
    client = await fx.actor({ usdc: 100n * USDC });
    worker = await fx.actor({ peer: 10_000n * PEER });
    await sdk.registerWorker(worker.ctx, { tiers: ['verified'], models: ['m'], prices: { verified: 10n }, capacity: 4, endpoint: 'https://w' });
    await sdk.bondWorker(worker.ctx, { amount: 5_000n * PEER });
    await sdk.buyCredits(client.ctx, { credits: 1_000n });
    validators = [];
    for (let i = 0; i < 4; i++) validators.push(await fx.actor({ peer: 2_000n * PEER }));
  });

  async function submittedJob(output: string): Promise<sdk.PostJobResult> {
    const posted = await sdk.postJob(client.ctx, { prompt: 'p', model: 'm', maxPrice: 10n, tier: 'verified' });
    await fx.warp(31);
    await sdk.claimJob(worker.ctx, { job: posted.job });
    await sdk.submitResult(worker.ctx, { job: posted.job, output, promptEnvelope: posted.envelope });
    return posted;
  }

  it('registers validators with a $PEER bond', async () => {
    await assert.rejects(sdk.registerValidator(validators[0].ctx, { amount: 1n * PEER }), (e: unknown) => isPeerMarketError(e));
    for (const v of validators) {
      const r = await sdk.registerValidator(v.ctx, { amount: 1_200n * PEER });
      assert.ok(r.validator.equals(sdk.findValidatorPda(v.publicKey)[0]));
      assert.equal(await fx.balance(r.vault), 1_200n * PEER);
    }
    const s = await sdk.validatorStatus(validators[0].ctx);
    assert.deepEqual([s.exists, s.data!.bond, s.closableIn], [true, 1_200n * PEER, null]);
    assert.equal((await sdk.queryValidators(fx.transport)).length, 4);
  });

  it('a wrong challenge loses to the worker\'s majority and its bond is burned', async () => {
    const posted = await submittedJob('right');
    const ch = await sdk.challengeJob(validators[0].ctx, { job: posted.job, outputHash: sdk.outputHash('wrong') });
    assert.ok(ch.challenge.equals(sdk.findChallengePda(posted.job)[0]));
    assert.equal((await sdk.jobState(client.ctx, posted.job)).status, 'disputed');
    assert.equal((await sdk.queryChallenges(fx.transport, { job: posted.job })).length, 1);
    for (const v of validators.slice(1)) {
      const c = await sdk.commitVote(v.ctx, { challenge: ch.challenge, outputHash: sdk.outputHash('right') });
      assert.deepEqual((await sdk.fetchVote(fx.transport, c.vote)).data.commitment, sdk.voteCommitment(sdk.outputHash('right'), c.salt));
    }
    await assert.rejects(sdk.revealVote(validators[1].ctx, { challenge: ch.challenge, outputHash: sdk.outputHash('right') }), (e: unknown) => isPeerMarketError(e));
    await fx.warp(sdk.defaultMarketParams().commitWindowSecs + 1);
    // A reveal that does not match the commitment is refused.
    await assert.rejects(sdk.revealVote(validators[1].ctx, { challenge: ch.challenge, outputHash: sdk.outputHash('wrong') }), (e: unknown) => isPeerMarketError(e));
    for (const v of validators.slice(1)) await sdk.revealVote(v.ctx, { challenge: ch.challenge, outputHash: sdk.outputHash('right') });
    const res = await sdk.resolveChallenge(client.ctx, { challenge: ch.challenge });
    const resolved = sdk.parseMarketEvents(res.tx.logs).find((e) => e.name === 'challengeResolved');
    assert.ok(resolved && resolved.name === 'challengeResolved');
    assert.equal(resolved.data.outcome, 'workerWon');
    // the challenge bond is the base bond plus the job's value (10 credits at peer_per_credit);
    // voter_reward_bps of it goes to the winning voters, the rest is burned
    const params = sdk.defaultMarketParams();
    const bond = params.challengeBond + 10n * params.peerPerCredit;
    const pot = (bond * BigInt(params.voterRewardBps)) / 10_000n;
    assert.equal(resolved.data.voterPot, pot);
    assert.equal(resolved.data.burned, bond - pot);
    const s = await sdk.validatorStatus(validators[0].ctx);
    assert.deepEqual([s.data!.bond, s.data!.challengesLost], [1_200n * PEER - bond, 1n]);
    for (const v of validators.slice(1)) await sdk.closeVote(v.ctx, { challenge: ch.challenge });
    assert.equal((await sdk.queryVotes(fx.transport, ch.challenge)).length, 0);
  });

  it("a right challenge wins: the worker is slashed, the challenger's bond grows, the client is refunded", async () => {
    const posted = await submittedJob('bad output');
    const credits = (await sdk.creditBalance(client.ctx)).balance;
    const ch = await sdk.challengeJob(validators[1].ctx, { job: posted.job, outputHash: sdk.outputHash('good output') });
    for (const v of [validators[0], validators[2], validators[3]]) await sdk.commitVote(v.ctx, { challenge: ch.challenge, outputHash: sdk.outputHash('good output') });
    await fx.warp(sdk.defaultMarketParams().commitWindowSecs + 1);
    for (const v of [validators[0], validators[2], validators[3]]) await sdk.revealVote(v.ctx, { challenge: ch.challenge, outputHash: sdk.outputHash('good output') });
    const bondBefore = (await sdk.validatorStatus(validators[1].ctx)).data!.bond;
    const res = await sdk.resolveChallenge(client.ctx, { challenge: ch.challenge });
    const resolved = sdk.parseMarketEvents(res.tx.logs).find((e) => e.name === 'challengeResolved');
    assert.ok(resolved && resolved.name === 'challengeResolved');
    assert.equal(resolved.data.outcome, 'challengerWon');
    assert.ok(resolved.data.slashed > 0n);
    // The reward joins the challenger's bond (its validator vault).
    assert.ok(resolved.data.challengerReward > 0n);
    assert.equal((await sdk.validatorStatus(validators[1].ctx)).data!.bond, bondBefore + resolved.data.challengerReward);
    assert.equal((await sdk.jobState(client.ctx, posted.job)).status, 'closed');
    assert.equal((await sdk.creditBalance(client.ctx)).balance, credits + 10n, 'refunded');
    // the voters close their votes (their bond stays locked until they do) and are paid
    for (const v of [validators[0], validators[2], validators[3]]) await sdk.closeVote(v.ctx, { challenge: ch.challenge });
  });

  it('deregisters, waits the cooldown, and closes', async () => {
    const v = validators[3];
    await sdk.deregisterValidator(v.ctx);
    const s = await sdk.validatorStatus(v.ctx);
    assert.ok(s.closableIn !== null && s.closableIn > 0n);
    await assert.rejects(sdk.closeValidator(v.ctx), (e: unknown) => isPeerMarketError(e));
    await fx.warp(Number(s.closableIn));
    const before = await fx.balance(v.peer);
    await sdk.closeValidator(v.ctx);
    assert.equal((await sdk.validatorStatus(v.ctx)).exists, false);
    assert.equal(await fx.balance(v.peer), before + s.data!.bond);
  });
});
