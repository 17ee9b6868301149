/** peer_staking request_unstake and withdraw: cooldown in, principal out, with clock warps. */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { unixNow, warpSeconds } from '../fixtures/embedded/clock';
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

const COOLDOWN = defaultStakingParams().unstakeCooldownSecs;

describe('peer_staking: request_unstake', () => {
  let w: World;
  let a: StakerWallet;

  beforeEach(async () => {
    w = await world();
    a = await newStaker(w.env, 100n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 100n * PEER)], [a.wallet]);
  });

  it('moves stake into cooldown until now + cooldown and emits UnstakeRequested', async () => {
    const now = await unixNow(w.env.context);
    const res = await ok(w.env, [await requestUnstakeIx(w.env, a, 30n * PEER)], [a.wallet]);
    const staker = await fetchStaker(w.env, a);
    assert.equal(big(staker.active), 70n * PEER);
    assert.equal(big(staker.cooling), 30n * PEER);
    assert.equal(big(staker.cooldownEndsAt), now + BigInt(COOLDOWN));
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(big(pool.totalStaked), 70n * PEER);
    assert.equal(big(pool.totalCooling), 30n * PEER);
    assert.equal(await balance(w.env, w.s.stakeVault), 100n * PEER, 'nothing leaves before withdraw');

    const ev = assertEvent(stakingEvents(w.env, res), 'unstakeRequested');
    assert.equal(big(ev.amount), 30n * PEER);
    assert.equal(big(ev.active), 70n * PEER);
    assert.equal(big(ev.cooling), 30n * PEER);
    assert.equal(big(ev.cooldownEndsAt), now + BigInt(COOLDOWN));
    assert.equal(big(ev.totalStaked), 70n * PEER);
  });

  it('stops earning at once: USDC that arrives after the request goes to the others', async () => {
    const b = await newStaker(w.env, 100n * PEER);
    await ok(w.env, [await stakeIx(w.env, b, 100n * PEER)], [b.wallet]);
    await depositRewards(w.env, w.depositor, 10n * USDC); // shared 50/50
    await ok(w.env, [await requestUnstakeIx(w.env, a, 100n * PEER)], [a.wallet]);
    await depositRewards(w.env, w.depositor, 8n * USDC); // all b's
    await ok(w.env, [await claimIx(w.env, a)], [a.wallet]);
    await ok(w.env, [await claimIx(w.env, b)], [b.wallet]);
    const [ra, rb] = [await balance(w.env, a.usdc), await balance(w.env, b.usdc)];
    assert.ok(ra <= 5n * USDC && ra >= 5n * USDC - 1n, `a got ${ra}`);
    assert.ok(rb <= 13n * USDC && rb >= 13n * USDC - 1n, `b got ${rb}`);
  });

  it('adds a second request to the amount cooling and restarts the cooldown', async () => {
    await ok(w.env, [await requestUnstakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await warpSeconds(w.env.context, 1_000);
    const now = await unixNow(w.env.context);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 5n * PEER)], [a.wallet]);
    const staker = await fetchStaker(w.env, a);
    assert.equal(big(staker.cooling), 15n * PEER);
    assert.equal(big(staker.cooldownEndsAt), now + BigInt(COOLDOWN));
  });

  it('accepts unstaking everything', async () => {
    await ok(w.env, [await requestUnstakeIx(w.env, a, 100n * PEER)], [a.wallet]);
    assert.equal(big((await fetchStaker(w.env, a)).active), 0n);
  });

  it('rejects a zero amount', async () => {
    await expectRejected(w.env, 'ZeroAmount', [await requestUnstakeIx(w.env, a, 0n)], [a.wallet], watchedFor(w, a));
  });

  it('rejects more than the active stake', async () => {
    await expectRejected(w.env, 'InsufficientStake', [await requestUnstakeIx(w.env, a, 100n * PEER + 1n)], [a.wallet], watchedFor(w, a));
  });

  it('rejects leaving a non-zero stake below min_stake', async () => {
    await expectRejected(w.env, 'BelowMinStake', [await requestUnstakeIx(w.env, a, 100n * PEER - 1n)], [a.wallet], watchedFor(w, a));
  });

  it('rejects a signer that does not own the staker account (wrong signer)', async () => {
    const mallory = await newStaker(w.env, 0n);
    await expectRejected(
      w.env,
      'NotStakerOwner',
      [await requestUnstakeIx(w.env, a, PEER, { owner: mallory.wallet.publicKey })],
      [mallory.wallet],
      watchedFor(w, a, mallory),
    );
  });

  it('rejects an owner that did not sign', async () => {
    const ix = await requestUnstakeIx(w.env, a, PEER);
    ix.keys[0].isSigner = false;
    await expectRejected(w.env, 'AccountNotSigner', [ix], [], watchedFor(w, a));
  });

  it('rejects a reward vault that is not the PDA (wrong vault)', async () => {
    await expectRejected(w.env, 'ConstraintSeeds', [await requestUnstakeIx(w.env, a, PEER, { rewardVault: w.s.treasury })], [a.wallet], watchedFor(w, a));
  });

  it('rejects a read-only pool', async () => {
    const ix = await requestUnstakeIx(w.env, a, PEER);
    ix.keys[2].isWritable = false;
    await expectRejected(w.env, 'ConstraintMut', [ix], [a.wallet], watchedFor(w, a));
  });
});

describe('peer_staking: withdraw', () => {
  let w: World;
  let a: StakerWallet;

  beforeEach(async () => {
    w = await world();
    a = await newStaker(w.env, 100n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 100n * PEER)], [a.wallet]);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 60n * PEER)], [a.wallet]);
  });

  it('pays the whole amount cooling once the cooldown has passed, and emits Withdrawn', async () => {
    await warpSeconds(w.env.context, COOLDOWN);
    const res = await ok(w.env, [await withdrawIx(w.env, a)], [a.wallet]);
    assert.equal(await balance(w.env, a.peer), 60n * PEER);
    assert.equal(await balance(w.env, w.s.stakeVault), 40n * PEER);
    const staker = await fetchStaker(w.env, a);
    assert.equal(big(staker.cooling), 0n);
    assert.equal(big(staker.active), 40n * PEER);
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(big(pool.totalCooling), 0n);
    assert.equal(big(pool.totalStaked), 40n * PEER);
    const ev = assertEvent(stakingEvents(w.env, res), 'withdrawn');
    assert.ok((ev.owner as PublicKey).equals(a.wallet.publicKey));
    assert.equal(big(ev.amount), 60n * PEER);
    assert.equal(big(ev.totalCooling), 0n);
  });

  it('pays to any $PEER account the owner names', async () => {
    await warpSeconds(w.env.context, COOLDOWN);
    const elsewhere = await createTokenAccount(w.env.context, w.env.peerMint, Keypair.generate().publicKey);
    await ok(w.env, [await withdrawIx(w.env, a, { destination: elsewhere })], [a.wallet]);
    assert.equal(await balance(w.env, elsewhere), 60n * PEER);
  });

  it('rejects an early withdraw, even one second early', async () => {
    await expectRejected(w.env, 'CooldownNotElapsed', [await withdrawIx(w.env, a)], [a.wallet], watchedFor(w, a));
    await warpSeconds(w.env.context, COOLDOWN - 1);
    await expectRejected(w.env, 'CooldownNotElapsed', [await withdrawIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('rejects a second withdraw (nothing cooling)', async () => {
    await warpSeconds(w.env.context, COOLDOWN);
    await ok(w.env, [await withdrawIx(w.env, a)], [a.wallet]);
    await expectRejected(w.env, 'NothingToWithdraw', [await withdrawIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('rejects a staker that never requested an unstake', async () => {
    const b = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, b, 10n * PEER)], [b.wallet]);
    await expectRejected(w.env, 'NothingToWithdraw', [await withdrawIx(w.env, b)], [b.wallet], watchedFor(w, b));
  });

  it('rejects a signer that does not own the staker account (wrong signer)', async () => {
    await warpSeconds(w.env.context, COOLDOWN);
    const mallory = await newStaker(w.env, 0n);
    await expectRejected(
      w.env,
      'NotStakerOwner',
      [await withdrawIx(w.env, a, { owner: mallory.wallet.publicKey, destination: mallory.peer })],
      [mallory.wallet],
      watchedFor(w, a, mallory),
    );
  });

  it('rejects a destination of the wrong mint (USDC)', async () => {
    await warpSeconds(w.env.context, COOLDOWN);
    await expectRejected(w.env, 'InvalidPeerAccount', [await withdrawIx(w.env, a, { destination: a.usdc })], [a.wallet], watchedFor(w, a));
  });

  it('rejects the stake vault as destination (duplicate accounts)', async () => {
    await warpSeconds(w.env.context, COOLDOWN);
    await expectRejected(w.env, 'DuplicateMutableAccount', [await withdrawIx(w.env, a, { destination: w.s.stakeVault })], [a.wallet], watchedFor(w, a));
  });

  it('rejects a stake vault that is not the PDA (wrong vault)', async () => {
    await warpSeconds(w.env.context, COOLDOWN);
    await expectRejected(w.env, 'ConstraintSeeds', [await withdrawIx(w.env, a, { stakeVault: w.s.rewardVault })], [a.wallet], watchedFor(w, a));
  });

  it('rejects an owner that did not sign', async () => {
    await warpSeconds(w.env.context, COOLDOWN);
    const ix = await withdrawIx(w.env, a);
    ix.keys[0].isSigner = false;
    await expectRejected(w.env, 'AccountNotSigner', [ix], [], watchedFor(w, a));
  });
});
