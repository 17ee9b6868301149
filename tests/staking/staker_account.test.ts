/** peer_staking open_staker and close_staker: the per-owner PDA, its rent, and its checks. */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { findStakerPda } from '../../sdk/src/pda';
import { warpSeconds } from '../fixtures/embedded/clock';
import { startEmbedded } from '../fixtures/embedded/env';
import {
  claimIx,
  closeStakerIx,
  defaultStakingParams,
  depositRewards,
  fund,
  newStaker,
  openStakerIx,
  PEER,
  requestUnstakeIx,
  stakeIx,
  USDC,
  withdrawIx,
} from '../fixtures/embedded/staking';
import { send } from '../fixtures/embedded/tx';
import { assertEvent, balance, big, expectRejected, fetchStaker, ok, stakingEvents, watchedFor, world, type World } from './helpers';

describe('peer_staking: open_staker', () => {
  let w: World;

  beforeEach(async () => {
    w = await world();
  });

  it('creates the owner\'s PDA with its canonical bump, paid by the owner, and emits StakerOpened', async () => {
    const a = await newStaker(w.env, 0n, { open: false });
    const lamportsBefore = (await w.env.context.banksClient.getAccount(a.wallet.publicKey))!.lamports;
    const res = await ok(w.env, [await openStakerIx(w.env, a)], [a.wallet]);

    const staker = await fetchStaker(w.env, a);
    const [address, bump] = findStakerPda(a.wallet.publicKey, w.env.stakingId);
    assert.ok(address.equals(a.staker));
    assert.ok(staker.owner.equals(a.wallet.publicKey));
    assert.equal(staker.bump, bump);
    assert.equal(big(staker.active) + big(staker.cooling) + big(staker.totalClaimed), 0n);

    const info = await w.env.context.banksClient.getAccount(a.staker);
    const rent = (await w.env.context.banksClient.getRent()).minimumBalance(BigInt(info!.data.length));
    assert.equal(BigInt(info!.lamports), rent);
    const lamportsAfter = (await w.env.context.banksClient.getAccount(a.wallet.publicKey))!.lamports;
    assert.equal(BigInt(lamportsBefore - lamportsAfter), rent, 'the owner paid the rent (the fee payer paid the fee)');

    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(big(pool.stakers), 1n);
    const ev = assertEvent(stakingEvents(w.env, res), 'stakerOpened');
    assert.ok((ev.owner as PublicKey).equals(a.wallet.publicKey));
    assert.ok((ev.staker as PublicKey).equals(a.staker));
  });

  it('works when someone pre-funded the PDA', async () => {
    const a = await newStaker(w.env, 0n, { open: false });
    await fund(w.env, a.staker, 1);
    await ok(w.env, [await openStakerIx(w.env, a)], [a.wallet]);
    assert.ok((await fetchStaker(w.env, a)).owner.equals(a.wallet.publicKey));
  });

  it('rejects opening twice', async () => {
    const a = await newStaker(w.env, 0n);
    await expectRejected(w.env, 'StakerAlreadyOpen', [await openStakerIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('rejects someone else\'s PDA', async () => {
    const a = await newStaker(w.env, 0n, { open: false });
    const b = await newStaker(w.env, 0n, { open: false });
    await expectRejected(w.env, 'ConstraintSeeds', [await openStakerIx(w.env, a, { staker: b.staker })], [a.wallet], watchedFor(w, a, b));
  });

  it('rejects an owner that did not sign', async () => {
    const a = await newStaker(w.env, 0n, { open: false });
    const ix = await openStakerIx(w.env, a);
    ix.keys[0].isSigner = false;
    await expectRejected(w.env, 'AccountNotSigner', [ix], [], watchedFor(w, a));
  });

  it('rejects the owner passed as its own staker account', async () => {
    const a = await newStaker(w.env, 0n, { open: false });
    await expectRejected(w.env, 'DuplicateMutableAccount', [await openStakerIx(w.env, a, { staker: a.wallet.publicKey })], [a.wallet], watchedFor(w, a));
  });

  it('rejects a pool account that is not the pool PDA', async () => {
    const a = await newStaker(w.env, 0n, { open: false });
    await expectRejected(w.env, 'ConstraintSeeds', [await openStakerIx(w.env, a, { pool: w.s.rewardVault })], [a.wallet], watchedFor(w, a));
  });

  it('rejects opening before the pool exists', async () => {
    const env = await startEmbedded();
    const a = await newStaker(env, 0n, { open: false });
    const res = await send(env.context, [await openStakerIx(env, a)], [a.wallet]);
    assert.equal(res.errorName, 'AccountNotInitialized');
    assert.equal(await env.context.banksClient.getAccount(a.staker), null);
  });
});

describe('peer_staking: close_staker', () => {
  let w: World;

  beforeEach(async () => {
    w = await world();
  });

  it('closes a fully withdrawn and claimed staker, returns its rent, and it can open again', async () => {
    const a = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await depositRewards(w.env, w.depositor, 5n * USDC);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await warpSeconds(w.env.context, defaultStakingParams().unstakeCooldownSecs);
    await ok(w.env, [await withdrawIx(w.env, a), await claimIx(w.env, a)], [a.wallet]);

    const rent = BigInt((await w.env.context.banksClient.getAccount(a.staker))!.lamports);
    const before = BigInt((await w.env.context.banksClient.getAccount(a.wallet.publicKey))!.lamports);
    const res = await ok(w.env, [await closeStakerIx(w.env, a)], [a.wallet]);
    assert.equal(await w.env.context.banksClient.getAccount(a.staker), null);
    const after = BigInt((await w.env.context.banksClient.getAccount(a.wallet.publicKey))!.lamports);
    assert.equal(after - before, rent, 'the rent went back to the owner');
    assert.equal(big((await w.env.staking.account.pool.fetch(w.s.pool)).stakers), 0n);
    const ev = assertEvent(stakingEvents(w.env, res), 'stakerClosed');
    assert.equal(big(ev.totalClaimed), await balance(w.env, a.usdc));

    await ok(w.env, [await openStakerIx(w.env, a)], [a.wallet]);
    const reopened = await fetchStaker(w.env, a);
    assert.equal(big(reopened.totalClaimed), 0n);
  });

  it('closes a staker that never staked', async () => {
    const a = await newStaker(w.env, 0n);
    await ok(w.env, [await closeStakerIx(w.env, a)], [a.wallet]);
    assert.equal(await w.env.context.banksClient.getAccount(a.staker), null);
  });

  it('refuses while stake is active', async () => {
    const a = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await expectRejected(w.env, 'StakerNotEmpty', [await closeStakerIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('refuses while stake is cooling', async () => {
    const a = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await expectRejected(w.env, 'StakerNotEmpty', [await closeStakerIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('refuses while rewards are owed', async () => {
    const a = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await depositRewards(w.env, w.depositor, 5n * USDC);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await warpSeconds(w.env.context, defaultStakingParams().unstakeCooldownSecs);
    await ok(w.env, [await withdrawIx(w.env, a)], [a.wallet]);
    await expectRejected(w.env, 'StakerNotEmpty', [await closeStakerIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('refuses a signer that does not own the staker account', async () => {
    const a = await newStaker(w.env, 0n);
    const mallory = await newStaker(w.env, 0n);
    await expectRejected(
      w.env,
      'NotStakerOwner',
      [await closeStakerIx(w.env, a, { owner: mallory.wallet.publicKey })],
      [mallory.wallet],
      watchedFor(w, a, mallory),
    );
  });

  it('refuses an owner that did not sign', async () => {
    const a = await newStaker(w.env, 0n);
    const ix = await closeStakerIx(w.env, a);
    ix.keys[0].isSigner = false;
    await expectRejected(w.env, 'AccountNotSigner', [ix], [], watchedFor(w, a));
  });

  it('refuses a staker account that does not exist', async () => {
    const a = await newStaker(w.env, 0n, { open: false });
    await expectRejected(w.env, 'AccountNotInitialized', [await closeStakerIx(w.env, a)], [a.wallet], watchedFor(w, a));
  });

  it('refuses the pool passed as the staker account', async () => {
    const a = await newStaker(w.env, 0n);
    await expectRejected(w.env, 'DuplicateMutableAccount', [await closeStakerIx(w.env, a, { staker: w.s.pool })], [a.wallet], watchedFor(w, a));
  });

  it('refuses a copy of the staker account at another address', async () => {
    const a = await newStaker(w.env, 0n);
    const info = await w.env.context.banksClient.getAccount(a.staker);
    const copy = Keypair.generate().publicKey;
    w.env.context.setAccount(copy, { ...info!, data: Buffer.from(info!.data) });
    await expectRejected(w.env, 'ConstraintSeeds', [await closeStakerIx(w.env, a, { staker: copy })], [a.wallet], [...watchedFor(w, a), copy]);
  });
});
