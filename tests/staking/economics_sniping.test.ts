/**
 * Reward sniping (issue 12): fees that piled up arrive in the reward vault in one step (the
 * market's permissionless `sweep_fees`). Without a stream, stake added in the same transaction
 * takes its pro-rata share of all of it and leaves. With the deployed default
 * (`reward_stream_secs` = 3 days) the deposit is released linearly, so such stake earns nothing,
 * and stake that stays earns only its time-weighted share of the stream.
 */
import { createTransferInstruction } from '@solana/spl-token';
import assert from 'node:assert/strict';
import { warpSeconds } from '../fixtures/embedded/clock';
import { findRewardVaultPda } from '../../sdk/src/pda';
import {
  claimIx,
  defaultStakingParams,
  newStaker,
  PEER,
  requestUnstakeIx,
  stakeIx,
  streamedStakingParams,
  updateRewardsIx,
  USDC,
  type StakerWallet,
} from '../fixtures/embedded/staking';
import { send } from '../fixtures/embedded/tx';
import { balance, ok, world, type World } from './helpers';

const FEES = 1_000n * USDC; // ~20 hours of stakers' fees swept at once
const HONEST = 100n * PEER;
const SNIPER = 900n * PEER; // 90% of the stake once it joins

async function setup(streamed: boolean): Promise<{ w: World; honest: StakerWallet; sniper: StakerWallet }> {
  const w = await world(streamed ? streamedStakingParams() : defaultStakingParams());
  const honest = await newStaker(w.env, HONEST);
  const sniper = await newStaker(w.env, SNIPER);
  await ok(w.env, [await stakeIx(w.env, honest, HONEST)], [honest.wallet]);
  await warpSeconds(w.env.context, 20 * 3_600);
  return { w, honest, sniper };
}

/** One transaction: stake, the fee deposit (what sweep_fees does), accrue, claim if anything, unstake. */
async function snipe(w: World, sniper: StakerWallet): Promise<void> {
  const vault = findRewardVaultPda(w.env.stakingId)[0];
  await ok(
    w.env,
    [
      await stakeIx(w.env, sniper, SNIPER),
      createTransferInstruction(w.depositor.usdc, vault, w.depositor.wallet.publicKey, FEES),
      await updateRewardsIx(w.env),
      await requestUnstakeIx(w.env, sniper, SNIPER),
    ],
    [sniper.wallet, w.depositor.wallet],
  );
}

async function claimed(w: World, st: StakerWallet): Promise<bigint> {
  const before = await balance(w.env, st.usdc);
  const res = await send(w.env.context, [await claimIx(w.env, st)], [st.wallet]);
  if (!res.ok) assert.equal(res.errorName, 'NothingToClaim');
  return (await balance(w.env, st.usdc)) - before;
}

describe('economics: reward sniping', () => {
  it('without a stream (reward_stream_secs = 0) the one-transaction snipe takes 90% of the fees: the attack the stream closes', async () => {
    const { w, honest, sniper } = await setup(false);
    await snipe(w, sniper);
    const got = await claimed(w, sniper);
    assert.ok(got >= (FEES * 9n) / 10n - 1n, `the sniper took ${got}`);
    assert.ok((await claimed(w, honest)) <= FEES / 10n);
  });

  it('with the default 3-day stream the same snipe earns nothing; the honest staker gets all of it as it streams', async () => {
    const { w, honest, sniper } = await setup(true);
    await snipe(w, sniper);
    assert.equal(await claimed(w, sniper), 0n, 'staked for zero seconds: zero reward');
    await warpSeconds(w.env.context, 3 * 86_400);
    assert.equal(await claimed(w, sniper), 0n);
    const got = await claimed(w, honest);
    assert.ok(got >= FEES - 1n && got <= FEES, `the honest staker got ${got} of ${FEES}`);
  });

  it('stake that stays earns at most its time-weighted share of the stream', async () => {
    const { w, honest, sniper } = await setup(true);
    const vault = findRewardVaultPda(w.env.stakingId)[0];
    await ok(
      w.env,
      [await stakeIx(w.env, sniper, SNIPER), createTransferInstruction(w.depositor.usdc, vault, w.depositor.wallet.publicKey, FEES), await updateRewardsIx(w.env)],
      [sniper.wallet, w.depositor.wallet],
    );
    // half the stream later it leaves: 90% of the stake for half of the stream's time
    await warpSeconds(w.env.context, 36 * 3_600);
    await ok(w.env, [await requestUnstakeIx(w.env, sniper, SNIPER)], [sniper.wallet]);
    await warpSeconds(w.env.context, 3 * 86_400);
    const sniped = await claimed(w, sniper);
    const share = (FEES * 9n) / 10n / 2n;
    assert.ok(sniped <= share, `${sniped} above its time-weighted share ${share}`);
    assert.ok(sniped >= share - USDC, `${sniped}: about its time-weighted share ${share}`);
    const rest = await claimed(w, honest);
    assert.ok(sniped + rest <= FEES && sniped + rest >= FEES - 2n, 'everything streamed is paid, nothing more');
  });
});
