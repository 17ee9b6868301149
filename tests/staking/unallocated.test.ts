/**
 * The rule for USDC that arrives while nothing is staked (it goes to the treasury, never to
 * whoever stakes next), update_rewards and sweep_unallocated.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { warpSeconds } from '../fixtures/embedded/clock';
import {
  claimIx,
  defaultStakingParams,
  depositRewards,
  fund,
  newStaker,
  PEER,
  requestUnstakeIx,
  stakeIx,
  sweepUnallocatedIx,
  updateRewardsIx,
  updateStakingConfigIx,
  USDC,
} from '../fixtures/embedded/staking';
import { createTokenAccount } from '../fixtures/embedded/tokens';
import { expectOk, send } from '../fixtures/embedded/tx';
import { assertEvent, balance, big, expectRejected, ok, stakingEvents, watchedFor, world, type World } from './helpers';

describe('peer_staking: USDC that arrives while nothing is staked', () => {
  let w: World;

  beforeEach(async () => {
    w = await world();
  });

  it('is set aside as unallocated, not given to the first staker, and swept to the treasury', async () => {
    await depositRewards(w.env, w.depositor, 9n * USDC);
    const a = await newStaker(w.env, 10n * PEER);
    const res = await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    const ev = assertEvent(stakingEvents(w.env, res), 'staked');
    assert.equal(big(ev.accrual.amount), 9n * USDC);
    assert.equal(big(ev.accrual.totalStaked), 0n, 'nothing was staked when it was accounted');
    assert.equal(big(ev.accrual.unallocatedRewards), 9n * USDC);

    await depositRewards(w.env, w.depositor, 4n * USDC);
    await ok(w.env, [await claimIx(w.env, a)], [a.wallet]);
    const got = await balance(w.env, a.usdc);
    assert.ok(got <= 4n * USDC && got >= 4n * USDC - 1n, `the staker gets only what arrived while it staked: ${got}`);

    const stranger = Keypair.generate();
    await fund(w.env, stranger.publicKey);
    const swept = expectOk(await send(w.env.context, [await sweepUnallocatedIx(w.env, w.s.treasury)], [], stranger));
    assert.equal(await balance(w.env, w.s.treasury), 9n * USDC);
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(big(pool.unallocatedRewards), 0n);
    assert.equal(big(pool.totalUnallocatedSwept), 9n * USDC);
    assert.equal(big(pool.accountedRewards), await balance(w.env, w.s.rewardVault));
    const sev = assertEvent(stakingEvents(w.env, swept), 'unallocatedSwept');
    assert.equal(big(sev.amount), 9n * USDC);
    assert.ok((sev.treasury as PublicKey).equals(w.s.treasury));
  });

  it('applies again after the last staker leaves', async () => {
    const a = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await depositRewards(w.env, w.depositor, 3n * USDC);
    const res = await ok(w.env, [await sweepUnallocatedIx(w.env, w.s.treasury)]);
    assert.equal(big(assertEvent(stakingEvents(w.env, res), 'unallocatedSwept').accrual.amount), 3n * USDC);
    assert.equal(await balance(w.env, w.s.treasury), 3n * USDC);
    const claim = await send(w.env.context, [await claimIx(w.env, a)], [a.wallet]);
    assert.equal(claim.errorName, 'NothingToClaim');
  });

  it('follows the treasury the admin set last', async () => {
    await depositRewards(w.env, w.depositor, 2n * USDC);
    const other = await createTokenAccount(w.env.context, w.env.usdcMint, Keypair.generate().publicKey);
    await ok(w.env, [await updateStakingConfigIx(w.env, defaultStakingParams(), other)], [w.env.admin]);
    await ok(w.env, [await sweepUnallocatedIx(w.env, other)]);
    assert.equal(await balance(w.env, other), 2n * USDC);
  });

  it('rejects a sweep with nothing unallocated', async () => {
    await expectRejected(w.env, 'NothingToSweep', [await sweepUnallocatedIx(w.env, w.s.treasury)], [], watchedFor(w));
  });

  it('rejects a sweep while everything that arrived belongs to stakers', async () => {
    const a = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await depositRewards(w.env, w.depositor, 2n * USDC);
    await expectRejected(w.env, 'NothingToSweep', [await sweepUnallocatedIx(w.env, w.s.treasury)], [], watchedFor(w, a));
  });

  it('rejects a sweep to an account that is not the pool\'s treasury', async () => {
    await depositRewards(w.env, w.depositor, 2n * USDC);
    const thief = await createTokenAccount(w.env.context, w.env.usdcMint, Keypair.generate().publicKey);
    await expectRejected(w.env, 'InvalidPoolTreasury', [await sweepUnallocatedIx(w.env, thief)], [], [...watchedFor(w), thief]);
  });

  it('rejects the reward vault as treasury (duplicate accounts)', async () => {
    await depositRewards(w.env, w.depositor, 2n * USDC);
    await expectRejected(w.env, 'DuplicateMutableAccount', [await sweepUnallocatedIx(w.env, w.s.rewardVault)], [], watchedFor(w));
  });

  it('rejects a reward vault that is not the PDA', async () => {
    await depositRewards(w.env, w.depositor, 2n * USDC);
    await expectRejected(
      w.env,
      'ConstraintSeeds',
      [await sweepUnallocatedIx(w.env, w.s.treasury, { rewardVault: w.depositor.usdc })],
      [],
      [...watchedFor(w), w.depositor.usdc],
    );
  });

  it('rejects a wrong token program', async () => {
    await depositRewards(w.env, w.depositor, 2n * USDC);
    await expectRejected(w.env, 'ConstraintAddress', [await sweepUnallocatedIx(w.env, w.s.treasury, { tokenProgram: Keypair.generate().publicKey })], [], watchedFor(w));
  });
});

describe('peer_staking: update_rewards', () => {
  let w: World;

  beforeEach(async () => {
    w = await world();
  });

  it('attributes a deposit to the stake of that moment and emits RewardsAccrued', async () => {
    const a = await newStaker(w.env, 10n * PEER);
    const b = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await depositRewards(w.env, w.depositor, 6n * USDC);
    const res = await ok(w.env, [await updateRewardsIx(w.env)]);
    const ev = assertEvent(stakingEvents(w.env, res), 'rewardsAccrued');
    assert.equal(big(ev.accrual.amount), 6n * USDC);
    assert.equal(big(ev.accrual.totalStaked), 10n * PEER);
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(big(pool.accountedRewards), 6n * USDC);
    assert.equal(big(ev.accrual.rewardPerShare.int), big(pool.rewardPerShare.int));
    assert.equal(big(ev.accrual.rewardPerShare.frac), big(pool.rewardPerShare.frac));

    await warpSeconds(w.env.context, 60);
    await ok(w.env, [await stakeIx(w.env, b, 10n * PEER)], [b.wallet]);
    await ok(w.env, [await claimIx(w.env, a)], [a.wallet]);
    assert.ok((await balance(w.env, a.usdc)) >= 6n * USDC - 1n);
    const late = await send(w.env.context, [await claimIx(w.env, b)], [b.wallet]);
    assert.equal(late.errorName, 'NothingToClaim');
  });

  it('is a no-op without an event when nothing arrived', async () => {
    const before = await w.env.context.banksClient.getAccount(w.s.pool);
    const res = await ok(w.env, [await updateRewardsIx(w.env)]);
    assert.equal(stakingEvents(w.env, res).length, 0);
    const after = await w.env.context.banksClient.getAccount(w.s.pool);
    assert.deepEqual(Buffer.from(after!.data), Buffer.from(before!.data));
  });

  it('rejects a reward vault that is not the PDA', async () => {
    await depositRewards(w.env, w.depositor, 2n * USDC);
    await expectRejected(w.env, 'ConstraintSeeds', [await updateRewardsIx(w.env, { rewardVault: w.depositor.usdc })], [], watchedFor(w));
  });

  it('rejects a pool that is not the PDA', async () => {
    await expectRejected(w.env, 'ConstraintSeeds', [await updateRewardsIx(w.env, { pool: w.s.stakeVault })], [], watchedFor(w));
  });
});
