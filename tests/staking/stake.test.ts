/** peer_staking stake: $PEER into the stake vault as active stake, after accruing. */
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { depositRewards, newStaker, PEER, stakeIx, USDC, type StakerWallet } from '../fixtures/embedded/staking';
import { createTokenAccount, mintTo } from '../fixtures/embedded/tokens';
import { assertEvent, balance, big, expectRejected, fetchStaker, ok, stakingEvents, watchedFor, world, type World } from './helpers';

describe('peer_staking: stake', () => {
  let w: World;
  let a: StakerWallet;

  beforeEach(async () => {
    w = await world();
    a = await newStaker(w.env, 100n * PEER);
  });

  it('moves $PEER into the stake vault as active stake and emits Staked', async () => {
    const res = await ok(w.env, [await stakeIx(w.env, a, 40n * PEER)], [a.wallet]);
    assert.equal(await balance(w.env, a.peer), 60n * PEER);
    assert.equal(await balance(w.env, w.s.stakeVault), 40n * PEER);
    const staker = await fetchStaker(w.env, a);
    assert.equal(big(staker.active), 40n * PEER);
    assert.equal(big(staker.cooling), 0n);
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(big(pool.totalStaked), 40n * PEER);

    const ev = assertEvent(stakingEvents(w.env, res), 'staked');
    assert.ok((ev.owner as PublicKey).equals(a.wallet.publicKey));
    assert.equal(big(ev.amount), 40n * PEER);
    assert.equal(big(ev.active), 40n * PEER);
    assert.equal(big(ev.totalStaked), 40n * PEER);
    assert.equal(big(ev.accrual.amount), 0n);
  });

  it('adds to an existing stake', async () => {
    await ok(w.env, [await stakeIx(w.env, a, 40n * PEER)], [a.wallet]);
    await ok(w.env, [await stakeIx(w.env, a, 2n * PEER)], [a.wallet]);
    assert.equal(big((await fetchStaker(w.env, a)).active), 42n * PEER);
  });

  it('accrues first: USDC that arrived before the stake is reported and goes to the earlier stake', async () => {
    const b = await newStaker(w.env, 100n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 10n * PEER)], [a.wallet]);
    await depositRewards(w.env, w.depositor, 3n * USDC);
    const res = await ok(w.env, [await stakeIx(w.env, b, 90n * PEER)], [b.wallet]);
    const ev = assertEvent(stakingEvents(w.env, res), 'staked');
    assert.equal(big(ev.accrual.amount), 3n * USDC);
    assert.equal(big(ev.accrual.totalStaked), 10n * PEER, 'spread over the stake before b joined');
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(big(pool.accountedRewards), 3n * USDC);
  });

  it('accepts exactly min_stake', async () => {
    await ok(w.env, [await stakeIx(w.env, a, PEER)], [a.wallet]);
    assert.equal(big((await fetchStaker(w.env, a)).active), PEER);
  });

  it('rejects a zero amount', async () => {
    await expectRejected(w.env, 'ZeroAmount', [await stakeIx(w.env, a, 0n)], [a.wallet], watchedFor(w, a));
  });

  it('rejects a stake below min_stake', async () => {
    await expectRejected(w.env, 'BelowMinStake', [await stakeIx(w.env, a, PEER - 1n)], [a.wallet], watchedFor(w, a));
  });

  it('rejects more than the source holds', async () => {
    await expectRejected(w.env, 'InsufficientFunds', [await stakeIx(w.env, a, 100n * PEER + 1n)], [a.wallet], watchedFor(w, a));
  });

  it('rejects a signer that does not own the staker account (wrong signer)', async () => {
    const mallory = await newStaker(w.env, 100n * PEER);
    await expectRejected(
      w.env,
      'NotStakerOwner',
      [await stakeIx(w.env, a, 10n * PEER, { owner: mallory.wallet.publicKey, source: mallory.peer })],
      [mallory.wallet],
      watchedFor(w, a, mallory),
    );
  });

  it('rejects an owner that did not sign', async () => {
    const ix = await stakeIx(w.env, a, 10n * PEER);
    ix.keys[0].isSigner = false;
    await expectRejected(w.env, 'AccountNotSigner', [ix], [], watchedFor(w, a));
  });

  it('rejects a source of the wrong mint (USDC)', async () => {
    await mintTo(w.env.context, w.env.usdcMint, a.usdc, w.env.mintAuthority, 50n * PEER);
    await expectRejected(w.env, 'InvalidPeerAccount', [await stakeIx(w.env, a, 10n * PEER, { source: a.usdc })], [a.wallet], watchedFor(w, a));
  });

  it('rejects a $PEER source held by someone else', async () => {
    const other = await createTokenAccount(w.env.context, w.env.peerMint, Keypair.generate().publicKey);
    await mintTo(w.env.context, w.env.peerMint, other, w.env.mintAuthority, 50n * PEER);
    await expectRejected(w.env, 'InvalidPeerAccount', [await stakeIx(w.env, a, 10n * PEER, { source: other })], [a.wallet], [...watchedFor(w, a), other]);
  });

  it('rejects a stake vault that is not the PDA (wrong vault)', async () => {
    const fake = await createTokenAccount(w.env.context, w.env.peerMint, a.wallet.publicKey);
    await expectRejected(w.env, 'ConstraintSeeds', [await stakeIx(w.env, a, 10n * PEER, { stakeVault: fake })], [a.wallet], [...watchedFor(w, a), fake]);
  });

  it('rejects a reward vault that is not the PDA', async () => {
    await expectRejected(w.env, 'ConstraintSeeds', [await stakeIx(w.env, a, 10n * PEER, { rewardVault: a.usdc })], [a.wallet], watchedFor(w, a));
  });

  it('rejects the stake vault as source (duplicate accounts)', async () => {
    await expectRejected(w.env, 'DuplicateMutableAccount', [await stakeIx(w.env, a, 10n * PEER, { source: w.s.stakeVault })], [a.wallet], watchedFor(w, a));
  });

  it('rejects the pool passed as the staker account (duplicate accounts)', async () => {
    await expectRejected(w.env, 'DuplicateMutableAccount', [await stakeIx(w.env, a, 10n * PEER, { staker: w.s.pool })], [a.wallet], watchedFor(w, a));
  });

  it('rejects a read-only staker account', async () => {
    const ix = await stakeIx(w.env, a, 10n * PEER);
    ix.keys[1].isWritable = false;
    await expectRejected(w.env, 'ConstraintMut', [ix], [a.wallet], watchedFor(w, a));
  });

  it('rejects a staker account that was never opened', async () => {
    const b = await newStaker(w.env, 100n * PEER, { open: false });
    await expectRejected(w.env, 'AccountNotInitialized', [await stakeIx(w.env, b, 10n * PEER)], [b.wallet], watchedFor(w, b));
  });

  it('rejects a staker account owned by another program', async () => {
    const info = await w.env.context.banksClient.getAccount(a.staker);
    w.env.context.setAccount(a.staker, { ...info!, data: Buffer.from(info!.data), owner: TOKEN_PROGRAM_ID });
    await expectRejected(w.env, 'AccountOwnedByWrongProgram', [await stakeIx(w.env, a, 10n * PEER)], [a.wallet], watchedFor(w, a));
  });

  it('rejects a copy of the staker account at a non-PDA address', async () => {
    const info = await w.env.context.banksClient.getAccount(a.staker);
    const copy = Keypair.generate().publicKey;
    w.env.context.setAccount(copy, { ...info!, data: Buffer.from(info!.data) });
    await expectRejected(w.env, 'ConstraintSeeds', [await stakeIx(w.env, a, 10n * PEER, { staker: copy })], [a.wallet], [...watchedFor(w, a), copy]);
  });

  it('rejects a wrong token program', async () => {
    await expectRejected(w.env, 'ConstraintAddress', [await stakeIx(w.env, a, 10n * PEER, { tokenProgram: Keypair.generate().publicKey })], [a.wallet], watchedFor(w, a));
  });

  it('rejects instruction data of the wrong length', async () => {
    const ix = await stakeIx(w.env, a, 10n * PEER);
    ix.data = ix.data.subarray(0, ix.data.length - 1);
    await expectRejected(w.env, 'InstructionDidNotDeserialize', [ix], [a.wallet], watchedFor(w, a));
  });
});
