/** peer_staking update_config: the admin replaces parameters and treasury within bounds. */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey, TransactionInstruction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { warpSeconds } from '../fixtures/embedded/clock';
import { startEmbedded } from '../fixtures/embedded/env';
import {
  defaultStakingParams,
  fund,
  newStaker,
  PEER,
  requestUnstakeIx,
  stakeIx,
  updateStakingConfigIx,
  withdrawIx,
  type PoolParams,
} from '../fixtures/embedded/staking';
import { createTokenAccount } from '../fixtures/embedded/tokens';
import { send } from '../fixtures/embedded/tx';
import { unixNow } from '../fixtures/embedded/clock';
import { assertEvent, big, expectRejected, fetchStaker, ok, stakingEvents, world, type World } from './helpers';

describe('peer_staking: update_config', () => {
  let w: World;

  beforeEach(async () => {
    w = await world();
  });

  async function rejected(name: string, ix: TransactionInstruction, signers: Keypair[] = [w.env.admin]): Promise<void> {
    await expectRejected(w.env, name, [ix], signers, [w.s.pool]);
  }

  it('replaces the parameters and the treasury, and emits PoolConfigUpdated with old and new', async () => {
    const treasury = await createTokenAccount(w.env.context, w.env.usdcMint, Keypair.generate().publicKey);
    const params = { unstakeCooldownSecs: 86_400, minStake: new BN(42), rewardStreamSecs: 0 };
    const res = await ok(w.env, [await updateStakingConfigIx(w.env, params, treasury)], [w.env.admin]);
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.equal(pool.params.unstakeCooldownSecs, 86_400);
    assert.equal(big(pool.params.minStake), 42n);
    assert.ok(pool.treasury.equals(treasury));
    assert.ok(pool.admin.equals(w.env.admin.publicKey), 'the rest is untouched');
    assert.ok(pool.rewardVault.equals(w.s.rewardVault));

    const ev = assertEvent(stakingEvents(w.env, res), 'poolConfigUpdated');
    assert.equal(ev.previous.unstakeCooldownSecs, defaultStakingParams().unstakeCooldownSecs);
    assert.equal(ev.params.unstakeCooldownSecs, 86_400);
    assert.ok((ev.previousTreasury as PublicKey).equals(w.s.treasury));
    assert.ok((ev.treasury as PublicKey).equals(treasury));
  });

  it('keeps the treasury when passed the current one', async () => {
    await ok(w.env, [await updateStakingConfigIx(w.env, defaultStakingParams(), w.s.treasury)], [w.env.admin]);
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    assert.ok(pool.treasury.equals(w.s.treasury));
  });

  it('applies a new cooldown to later requests only', async () => {
    const a = await newStaker(w.env, 10n * PEER);
    const b = await newStaker(w.env, 10n * PEER);
    await ok(w.env, [await stakeIx(w.env, a, 5n * PEER)], [a.wallet]);
    await ok(w.env, [await stakeIx(w.env, b, 5n * PEER)], [b.wallet]);
    await ok(w.env, [await requestUnstakeIx(w.env, a, 5n * PEER)], [a.wallet]);
    const week = defaultStakingParams().unstakeCooldownSecs;
    await ok(w.env, [await updateStakingConfigIx(w.env, { unstakeCooldownSecs: 3_600, minStake: new BN(1), rewardStreamSecs: 0 }, w.s.treasury)], [w.env.admin]);
    const start = await unixNow(w.env.context);
    await ok(w.env, [await requestUnstakeIx(w.env, b, 5n * PEER)], [b.wallet]);
    assert.equal(big((await fetchStaker(w.env, b)).cooldownEndsAt), start + 3_600n);

    await warpSeconds(w.env.context, 3_600);
    await ok(w.env, [await withdrawIx(w.env, b)], [b.wallet]);
    const early = await send(w.env.context, [await withdrawIx(w.env, a)], [a.wallet]);
    assert.equal(early.errorName, 'CooldownNotElapsed', 'a keeps the week it was promised');
    await warpSeconds(w.env.context, week - 3_600);
    await ok(w.env, [await withdrawIx(w.env, a)], [a.wallet]);
  });

  it('refuses a signer that is not the admin', async () => {
    const stranger = Keypair.generate();
    await fund(w.env, stranger.publicKey);
    await rejected('Unauthorized', await updateStakingConfigIx(w.env, defaultStakingParams(), w.s.treasury, stranger.publicKey), [stranger]);
  });

  it('refuses an admin that did not sign', async () => {
    const ix = await updateStakingConfigIx(w.env, defaultStakingParams(), w.s.treasury);
    ix.keys[0].isSigner = false;
    await rejected('AccountNotSigner', ix, []);
  });

  it('refuses a read-only pool', async () => {
    const ix = await updateStakingConfigIx(w.env, defaultStakingParams(), w.s.treasury);
    ix.keys[1].isWritable = false;
    await rejected('ConstraintMut', ix);
  });

  it('refuses an account that is not the pool PDA', async () => {
    await rejected('ConstraintSeeds', await updateStakingConfigIx(w.env, defaultStakingParams(), w.s.treasury, w.env.admin.publicKey, w.s.rewardVault));
  });

  it('refuses a treasury of the wrong mint', async () => {
    const peerAccount = await createTokenAccount(w.env.context, w.env.peerMint, Keypair.generate().publicKey);
    await rejected('InvalidTreasury', await updateStakingConfigIx(w.env, defaultStakingParams(), peerAccount));
  });

  it('refuses the reward vault as treasury', async () => {
    await rejected('InvalidTreasury', await updateStakingConfigIx(w.env, defaultStakingParams(), w.s.rewardVault));
  });

  it('refuses a treasury that is not a token account', async () => {
    await rejected('InvalidTreasury', await updateStakingConfigIx(w.env, defaultStakingParams(), w.env.admin.publicKey));
  });

  const bounds: { what: string; error: string; params: PoolParams }[] = [
    { what: 'a cooldown under an hour', error: 'InvalidUnstakeCooldown', params: { unstakeCooldownSecs: 0, minStake: new BN(1), rewardStreamSecs: 0 } },
    { what: 'a cooldown over 30 days', error: 'InvalidUnstakeCooldown', params: { unstakeCooldownSecs: 0xffff_ffff, minStake: new BN(1), rewardStreamSecs: 0 } },
    { what: 'a zero min_stake', error: 'InvalidMinStake', params: { unstakeCooldownSecs: 3_600, minStake: new BN(0), rewardStreamSecs: 0 } },
    { what: 'a min_stake above MAX_MIN_STAKE', error: 'InvalidMinStake', params: { unstakeCooldownSecs: 3_600, minStake: new BN('18446744073709551615'), rewardStreamSecs: 0 } },
  ];
  for (const b of bounds) {
    it(`refuses ${b.what} with ${b.error}`, async () => {
      await rejected(b.error, await updateStakingConfigIx(w.env, b.params, w.s.treasury));
    });
  }
});

describe('peer_staking: update_config before initialize', () => {
  it('refuses a pool that does not exist yet', async () => {
    const env = await startEmbedded();
    const treasury = await createTokenAccount(env.context, env.usdcMint, Keypair.generate().publicKey);
    const res = await send(env.context, [await updateStakingConfigIx(env, defaultStakingParams(), treasury)], [env.admin]);
    assert.equal(res.errorName, 'AccountNotInitialized');
  });
});
