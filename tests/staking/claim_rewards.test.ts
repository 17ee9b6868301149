/** peer_staking claim_rewards: whole USDC base units owed, from the reward vault. */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { warpSeconds } from '../fixtures/embedded/clock';
import {
  claimIx,
  defaultStakingParams,
  depositRewards,
  newStaker,
  PEER,
  requestUnstakeIx,
  stakeIx,
  USDC,
  withdrawIx,
  type StakerWallet,
} from '../fixtures/embedded/staking';
import { createTokenAccount } from '../fixtures/embedded/tokens';
import { assertEvent, balance, big, expectRejected, fetchStaker, ok, stakingEvents, watchedFor, world, type World } from './helpers';

describe('peer_staking: claim_rewards', () => {
  let w: World;
  let a: StakerWallet;

  beforeEach(async () => {
    w = await world();
    a = await newStaker(w.env, 100n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 100n * PEER)], [a.wallet]);
  });

  it('pays a lone staker everything that arrived, reports the accrual, and emits RewardsClaimed', async () => {
    await depositRewards(w.env, w.depositor, 12n * USDC);
    const res = await ok(w.env, [await claimIx(w.env, a)], [a.wallet]);
    // 12e6 / 1e11 per $PEER base unit is not a binary fraction: up to one base unit stays behind.
    const got = await balance(w.env, a.usdc);
    assert.ok(got === 12n * USDC || got === 12n * USDC - 1n, `got ${got}`);
    const staker = await fetchStaker(w.env, a);
    assert.equal(big(staker.rewardsOwed.int), 0n);
    assert.equal(big(staker.totalClaimed), got);
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(big(pool.totalRewardsClaimed), got);
    assert.equal(big(pool.totalRewardsDistributed), 12n * USDC);
    assert.equal(big(pool.accountedRewards), 12n * USDC - got);
    assert.equal(await balance(w.env, w.s.rewardVault), 12n * USDC - got);

    const ev = assertEvent(stakingEvents(w.env, res), 'rewardsClaimed');
    assert.ok((ev.owner as PublicKey).equals(a.wallet.publicKey));
    assert.ok((ev.destination as PublicKey).equals(a.usdc));
    assert.equal(big(ev.amount), got);
    assert.equal(big(ev.accrual.amount), 12n * USDC);
    assert.equal(big(ev.accrual.totalStaked), 100n * PEER);
  });

  it('pays exactly when the per-share amount is exact in binary', async () => {
    // 2^30 base units of stake and a deposit that is a multiple of it: no rounding anywhere.
    const b = await newStaker(w.env, 1n << 30n);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 100n * PEER)], [a.wallet]);
    await ok(w.env, [await stakeIx(w.env, b, 1n << 30n)], [b.wallet]);
    await depositRewards(w.env, w.depositor, 3n << 30n);
    await ok(w.env, [await claimIx(w.env, b)], [b.wallet]);
    assert.equal(await balance(w.env, b.usdc), 3n << 30n);
  });

  it('keeps paying what was earned before a full unstake, and after the withdraw', async () => {
    await depositRewards(w.env, w.depositor, 7n * USDC);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 100n * PEER)], [a.wallet]);
    await warpSeconds(w.env.context, defaultStakingParams().unstakeCooldownSecs);
    await ok(w.env, [await withdrawIx(w.env, a)], [a.wallet]);
    await ok(w.env, [await claimIx(w.env, a)], [a.wallet]);
    const got = await balance(w.env, a.usdc);
    assert.ok(got >= 7n * USDC - 1n && got <= 7n * USDC);
  });

  it('pays to any USDC account the owner names', async () => {
    await depositRewards(w.env, w.depositor, 1n * USDC);
    const elsewhere = await createTokenAccount(w.env.context, w.env.usdcMint, Keypair.generate().publicKey);
    await ok(w.env, [await claimIx(w.env, a, { destination: elsewhere })], [a.wallet]);
    assert.ok((await balance(w.env, elsewhere)) >= USDC - 1n);
  });

  it('rejects a double claim', async () => {
    await depositRewards(w.env, w.depositor, 5n * USDC);
    await ok(w.env, [await claimIx(w.env, a)], [a.wallet]);
    await expectRejected(w.env, 'NothingToClaim', [await claimIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('rejects a claim with nothing owed', async () => {
    await expectRejected(w.env, 'NothingToClaim', [await claimIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('rejects a signer that does not own the staker account (wrong signer)', async () => {
    await depositRewards(w.env, w.depositor, 5n * USDC);
    const mallory = await newStaker(w.env, 0n);
    await expectRejected(
      w.env,
      'NotStakerOwner',
      [await claimIx(w.env, a, { owner: mallory.wallet.publicKey, destination: mallory.usdc })],
      [mallory.wallet],
      watchedFor(w, a, mallory),
    );
  });

  it('rejects an owner that did not sign', async () => {
    await depositRewards(w.env, w.depositor, 5n * USDC);
    const ix = await claimIx(w.env, a);
    ix.keys[0].isSigner = false;
    await expectRejected(w.env, 'AccountNotSigner', [ix], [], watchedFor(w, a));
  });

  it('rejects a destination of the wrong mint ($PEER)', async () => {
    await depositRewards(w.env, w.depositor, 5n * USDC);
    await expectRejected(w.env, 'InvalidUsdcAccount', [await claimIx(w.env, a, { destination: a.peer })], [a.wallet], watchedFor(w, a));
  });

  it('rejects the reward vault as destination (duplicate accounts)', async () => {
    await depositRewards(w.env, w.depositor, 5n * USDC);
    await expectRejected(w.env, 'DuplicateMutableAccount', [await claimIx(w.env, a, { destination: w.s.rewardVault })], [a.wallet], watchedFor(w, a));
  });

  it('rejects a reward vault that is not the PDA (wrong vault)', async () => {
    await depositRewards(w.env, w.depositor, 5n * USDC);
    await expectRejected(w.env, 'ConstraintSeeds', [await claimIx(w.env, a, { rewardVault: w.depositor.usdc })], [a.wallet], [...watchedFor(w, a), w.depositor.usdc]);
  });

  it('rejects a read-only reward vault', async () => {
    await depositRewards(w.env, w.depositor, 5n * USDC);
    const ix = await claimIx(w.env, a);
    ix.keys[3].isWritable = false;
    await expectRejected(w.env, 'ConstraintMut', [ix], [a.wallet], watchedFor(w, a));
  });

  it('rejects a wrong token program', async () => {
    await depositRewards(w.env, w.depositor, 5n * USDC);
    await expectRejected(w.env, 'ConstraintAddress', [await claimIx(w.env, a, { tokenProgram: Keypair.generate().publicKey })], [a.wallet], watchedFor(w, a));
  });
});
