/**
 * Staker flows against the real programs: stake (opening the staker account in the same
 * transaction), the status's claimable rewards equal to what a claim pays (pending accrual
 * included), unstake, withdraw after the cooldown.
 */
import { createTransferInstruction } from '@solana/spl-token';
import type { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import * as sdk from '../../sdk/src';
import { isPeerStakingError } from '../../sdk/src';
import { updateRewards } from '../../sdk/src/instructions/staking';
import { PEER, sdkFixture, USDC, type Actor, type SdkFixture } from './helpers';

describe('sdk: staker flows', () => {
  let fx: SdkFixture;
  let alice: Actor;
  let bob: Actor;
  let funder: Actor;
  let rewardVault: PublicKey;

  before(async () => {
    fx = await sdkFixture();
    alice = await fx.actor({ peer: 1_000n * PEER });
    bob = await fx.actor({ peer: 1_000n * PEER });
    funder = await fx.actor({ usdc: 1_000n * USDC });
    rewardVault = sdk.findRewardVaultPda()[0];
  });

  const depositRewards = (amount: bigint) => sdk.sendInstructions(funder.ctx, [createTransferInstruction(funder.usdc, rewardVault, funder.publicKey, amount)]);

  it('stakes, opening the staker account in the same transaction the first time', async () => {
    const first = await sdk.stake(alice.ctx, { amount: 300n * PEER });
    assert.equal(first.opened, true);
    assert.ok(first.staker.equals(sdk.findStakerPda(alice.publicKey)[0]));
    const second = await sdk.stake(alice.ctx, { amount: 100n * PEER });
    assert.equal(second.opened, false);
    await sdk.stake(bob.ctx, { amount: 100n * PEER });
    const s = await sdk.stakerStatus(alice.ctx);
    assert.deepEqual([s.exists, s.active, s.cooling, s.withdrawableIn, s.shareBps], [true, 400n * PEER, 0n, null, 8_000]);
    assert.equal(s.pool.totalStaked, 500n * PEER);
    assert.equal(await fx.balance(alice.peer), 600n * PEER);
  });

  it('reports claimable rewards exactly as a claim pays them, before any accrual', async () => {
    await depositRewards(10n * USDC + 7n);
    // an accrual starts the reward stream, which releases the deposit over reward_stream_secs
    await sdk.sendInstructions(funder.ctx, [updateRewards({}, {})]);
    assert.equal((await sdk.stakerStatus(alice.ctx)).claimable, 0n, 'nothing released yet');
    await fx.warp(sdk.defaultPoolParams().rewardStreamSecs);
    const a = await sdk.stakerStatus(alice.ctx);
    const b = await sdk.stakerStatus(bob.ctx);
    assert.equal(a.claimable, 8_000_005n, '4/5 of 10.000007, rounded down');
    assert.equal(b.claimable, 2_000_001n);
    const claimed = await sdk.claimRewards(alice.ctx);
    assert.equal(await fx.balance(claimed.destination), a.claimable);
    assert.equal((await sdk.stakerStatus(alice.ctx)).claimable, 0n);
    await assert.rejects(sdk.claimRewards(alice.ctx), (e: unknown) => isPeerStakingError(e, 'NothingToClaim'));
  });

  it('unstakes into the cooldown and withdraws after it', async () => {
    await sdk.unstake(alice.ctx, { amount: 150n * PEER });
    let s = await sdk.stakerStatus(alice.ctx);
    assert.deepEqual([s.active, s.cooling], [250n * PEER, 150n * PEER]);
    assert.equal(s.withdrawableIn, BigInt(sdk.defaultPoolParams().unstakeCooldownSecs));
    await assert.rejects(sdk.withdrawStake(alice.ctx), (e: unknown) => isPeerStakingError(e, 'CooldownNotElapsed'));
    await fx.warp(sdk.defaultPoolParams().unstakeCooldownSecs);
    assert.equal((await sdk.stakerStatus(alice.ctx)).withdrawableIn, 0n);
    await sdk.withdrawStake(alice.ctx);
    s = await sdk.stakerStatus(alice.ctx);
    assert.deepEqual([s.active, s.cooling, s.withdrawableIn], [250n * PEER, 0n, null]);
    assert.equal(await fx.balance(alice.peer), 750n * PEER);
    await assert.rejects(sdk.unstake(alice.ctx, { amount: 10_000n * PEER }), (e: unknown) => isPeerStakingError(e, 'InsufficientStake'));
  });

  it('stakers earn the market\'s fees once they are swept', async () => {
    const client = await fx.actor({ usdc: 100n * USDC });
    const w = await fx.actor({ peer: 1_000n * PEER });
    await sdk.registerWorker(w.ctx, { tiers: ['open'], models: ['m'], prices: { open: 100n }, capacity: 1, endpoint: 'https://w' });
    await sdk.bondWorker(w.ctx, { amount: 100n * PEER });
    await sdk.buyCredits(client.ctx, { credits: 100n });
    const posted = await sdk.postJob(client.ctx, { prompt: 'p', model: 'm', maxPrice: 100n });
    await fx.warp(31);
    await sdk.claimJob(w.ctx, { job: posted.job });
    await sdk.submitResult(w.ctx, { job: posted.job, output: 'o' });
    await sdk.finalizeJob(client.ctx, { job: posted.job });
    const before = await sdk.stakerStatus(bob.ctx);
    await sdk.sendInstructions(client.ctx, sdk.sweepFeesInstructions(await sdk.marketInfo(client.ctx), client.ctx.programs));
    await fx.warp(sdk.defaultPoolParams().rewardStreamSecs);
    // Fee 1 USDC: margin 30%, stakers 80% of it = 0.24 USDC, bob holds 100/350 of the stake.
    const after = await sdk.stakerStatus(bob.ctx);
    assert.equal(after.claimable - before.claimable, (240_000n * 100n) / 350n);
  });

  it('a wallet that never staked has an empty status', async () => {
    const s = await sdk.stakerStatus(funder.ctx);
    assert.deepEqual([s.exists, s.active, s.claimable], [false, 0n, 0n]);
  });
});
