/**
 * peer_staking initialize: the happy path, then one test per check — each asserts the named
 * error and that no account changed.
 */
import { BN } from '@coral-xyz/anchor';
import { MintLayout, MINT_SIZE, TOKEN_PROGRAM_ID, unpackAccount } from '@solana/spl-token';
import { Keypair, PublicKey, TransactionInstruction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { findProgramDataAddress } from '../../sdk/src/pda';
import { startEmbedded, type EmbeddedEnv } from '../fixtures/embedded/env';
import {
  defaultStakingParams,
  fund,
  initializeAccounts,
  initializeIx,
  initializeStaking,
  PEER,
  stakingAccounts,
  type PoolParams,
  type StakingAccounts,
} from '../fixtures/embedded/staking';
import { createMint, createTokenAccount } from '../fixtures/embedded/tokens';
import { expectOk, send } from '../fixtures/embedded/tx';
import { assertEvent, big, expectRejected, stakingEvents } from './helpers';

describe('peer_staking: initialize', () => {
  let env: EmbeddedEnv;
  let s: StakingAccounts;

  beforeEach(async () => {
    env = await startEmbedded();
    s = await stakingAccounts(env);
  });

  async function rejected(
    name: string,
    opts: {
      accounts?: Partial<ReturnType<typeof initializeAccounts>>;
      params?: PoolParams;
      edit?: (ix: TransactionInstruction) => void;
      signers?: Keypair[];
    } = {},
  ): Promise<void> {
    const ix = await initializeIx(env, { ...initializeAccounts(env, s), ...opts.accounts }, opts.params ?? defaultStakingParams());
    opts.edit?.(ix);
    await expectRejected(env, name, [ix], opts.signers ?? [env.admin], [s.pool, s.stakeVault, s.rewardVault, env.admin.publicKey, s.treasury]);
  }

  it('creates the pool and both vaults, owned by the pool PDA, and emits PoolInitialized', async () => {
    const { result } = await initializeStaking(env, { unstakeCooldownSecs: 3 * 86_400, minStake: new BN(5_000), rewardStreamSecs: 0 }, s);
    const pool = await env.staking.account.pool.fetch(s.pool);
    assert.ok(pool.admin.equals(env.admin.publicKey));
    assert.ok(pool.peerMint.equals(env.peerMint));
    assert.ok(pool.usdcMint.equals(env.usdcMint));
    assert.ok(pool.stakeVault.equals(s.stakeVault));
    assert.ok(pool.rewardVault.equals(s.rewardVault));
    assert.ok(pool.treasury.equals(s.treasury));
    assert.equal(pool.params.unstakeCooldownSecs, 3 * 86_400);
    assert.equal(big(pool.params.minStake), 5_000n);
    for (const v of [pool.totalStaked, pool.totalCooling, pool.accountedRewards, pool.unallocatedRewards, pool.stakers, pool.rewardCarry]) {
      assert.equal(big(v), 0n);
    }
    assert.equal(big(pool.rewardPerShare.int) + big(pool.rewardPerShare.frac), 0n);

    const [, poolBump] = PublicKey.findProgramAddressSync([Buffer.from('pool')], env.stakingId);
    assert.equal(pool.bump, poolBump);

    for (const [vault, mint] of [
      [s.stakeVault, env.peerMint],
      [s.rewardVault, env.usdcMint],
    ] as const) {
      const info = await env.context.banksClient.getAccount(vault);
      assert.ok(info && info.owner.equals(TOKEN_PROGRAM_ID));
      const token = unpackAccount(vault, { ...info, data: Buffer.from(info.data) });
      assert.ok(token.mint.equals(mint));
      assert.ok(token.owner.equals(s.pool), 'the vault is held by the pool PDA');
      assert.equal(token.amount, 0n);
      assert.equal(token.delegate, null);
      assert.equal(token.closeAuthority, null);
    }

    const rent = await env.context.banksClient.getRent();
    const poolInfo = await env.context.banksClient.getAccount(s.pool);
    assert.equal(BigInt(poolInfo!.lamports), rent.minimumBalance(BigInt(poolInfo!.data.length)), 'rent exempt, no more');

    const ev = assertEvent(stakingEvents(env, result), 'poolInitialized');
    assert.ok((ev.admin as PublicKey).equals(env.admin.publicKey));
    assert.ok((ev.rewardVault as PublicKey).equals(s.rewardVault));
    assert.ok((ev.treasury as PublicKey).equals(s.treasury));
    assert.equal(ev.params.unstakeCooldownSecs, 3 * 86_400);
  });

  it('rejects re-initialization', async () => {
    await initializeStaking(env);
    await rejected('PoolAlreadyInitialized');
  });

  it('rejects an admin that is not the upgrade authority', async () => {
    const intruder = Keypair.generate();
    await fund(env, intruder.publicKey);
    await rejected('NotUpgradeAuthority', { accounts: { admin: intruder.publicKey }, signers: [intruder] });
  });

  it('rejects initialization of an immutable program (no upgrade authority)', async () => {
    const info = await env.context.banksClient.getAccount(s.programData);
    const data = Buffer.from(info!.data);
    data[12] = 0; // Option<Pubkey>::None
    env.context.setAccount(s.programData, { ...info!, data });
    await rejected('NotUpgradeAuthority');
  });

  it('rejects an admin that did not sign', async () => {
    await rejected('AccountNotSigner', { edit: (ix) => (ix.keys[0].isSigner = false), signers: [] });
  });

  it('rejects a read-only admin', async () => {
    await rejected('ConstraintMut', { edit: (ix) => (ix.keys[0].isWritable = false) });
  });

  it('rejects a pool that is not the PDA', async () => {
    await rejected('ConstraintSeeds', { accounts: { pool: Keypair.generate().publicKey } });
  });

  it('rejects a stake vault that is not the PDA', async () => {
    await rejected('ConstraintSeeds', { accounts: { stakeVault: Keypair.generate().publicKey } });
  });

  it('rejects a reward vault that is not the PDA', async () => {
    await rejected('ConstraintSeeds', { accounts: { rewardVault: Keypair.generate().publicKey } });
  });

  it('rejects the vaults swapped', async () => {
    await rejected('ConstraintSeeds', { accounts: { stakeVault: s.rewardVault, rewardVault: s.stakeVault } });
  });

  it('rejects another program\'s program_data', async () => {
    await rejected('ConstraintSeeds', { accounts: { programData: findProgramDataAddress(env.marketId)[0] } });
  });

  it('rejects a USDC mint without 6 decimals', async () => {
    const nine = await createMint(env.context, 9, env.mintAuthority.publicKey);
    await rejected('InvalidUsdcMint', { accounts: { usdcMint: nine } });
  });

  it('rejects an uninitialized USDC mint', async () => {
    const data = Buffer.alloc(MINT_SIZE);
    MintLayout.encode(
      { mintAuthorityOption: 0, mintAuthority: PublicKey.default, supply: 0n, decimals: 6, isInitialized: false, freezeAuthorityOption: 0, freezeAuthority: PublicKey.default },
      data,
    );
    const fake = Keypair.generate().publicKey;
    env.context.setAccount(fake, { lamports: 1_000_000_000, data, owner: TOKEN_PROGRAM_ID, executable: false });
    await rejected('InvalidUsdcMint', { accounts: { usdcMint: fake } });
  });

  it('rejects a fake $PEER mint owned by another program', async () => {
    const real = await env.context.banksClient.getAccount(env.peerMint);
    const fake = Keypair.generate().publicKey;
    env.context.setAccount(fake, { ...real!, owner: Keypair.generate().publicKey });
    await rejected('InvalidPeerMint', { accounts: { peerMint: fake } });
  });

  it('rejects a $PEER mint equal to the USDC mint', async () => {
    await rejected('InvalidPeerMint', { accounts: { peerMint: env.usdcMint } });
  });

  it('rejects a $PEER mint that is a token account', async () => {
    await rejected('InvalidPeerMint', { accounts: { peerMint: s.treasury } });
  });

  it('rejects a treasury of the wrong mint', async () => {
    const peerAccount = await createTokenAccount(env.context, env.peerMint, Keypair.generate().publicKey);
    await rejected('InvalidTreasury', { accounts: { treasury: peerAccount } });
  });

  it('rejects a treasury that is not a token account', async () => {
    await rejected('InvalidTreasury', { accounts: { treasury: env.usdcMint } });
  });

  it('rejects a wrong token program', async () => {
    await rejected('ConstraintAddress', { accounts: { tokenProgram: Keypair.generate().publicKey } });
  });

  it('rejects a wrong system program', async () => {
    await rejected('ConstraintAddress', { accounts: { systemProgram: TOKEN_PROGRAM_ID } });
  });

  it('rejects too few accounts', async () => {
    await rejected('AccountNotEnoughKeys', { edit: (ix) => ix.keys.splice(6) });
  });

  it('rejects instruction data of the wrong length', async () => {
    await rejected('InstructionDidNotDeserialize', { edit: (ix) => (ix.data = ix.data.subarray(0, ix.data.length - 1)) });
  });

  const bounds: { what: string; error: string; params: PoolParams }[] = [
    { what: 'a cooldown under an hour', error: 'InvalidUnstakeCooldown', params: { unstakeCooldownSecs: 3_599, minStake: new BN(1), rewardStreamSecs: 0 } },
    { what: 'a cooldown over 30 days', error: 'InvalidUnstakeCooldown', params: { unstakeCooldownSecs: 30 * 86_400 + 1, minStake: new BN(1), rewardStreamSecs: 0 } },
    { what: 'a zero min_stake', error: 'InvalidMinStake', params: { unstakeCooldownSecs: 3_600, minStake: new BN(0), rewardStreamSecs: 0 } },
    { what: 'a min_stake above MAX_MIN_STAKE', error: 'InvalidMinStake', params: { unstakeCooldownSecs: 3_600, minStake: new BN('1000000000000001'), rewardStreamSecs: 0 } },
  ];
  for (const b of bounds) {
    it(`rejects ${b.what} with ${b.error}`, async () => {
      await rejected(b.error, { params: b.params });
    });
  }

  it('accepts parameters exactly at their bounds', async () => {
    const low = { unstakeCooldownSecs: 3_600, minStake: new BN(1), rewardStreamSecs: 0 };
    await initializeStaking(env, low);
    const pool = await env.staking.account.pool.fetch(s.pool);
    assert.equal(pool.params.unstakeCooldownSecs, 3_600);
    assert.equal(big(pool.params.minStake), 1n);

    const other = await startEmbedded();
    const high = { unstakeCooldownSecs: 30 * 86_400, minStake: new BN((1_000_000n * PEER).toString()), rewardStreamSecs: 30 * 86_400 };
    await initializeStaking(other, high);
    const p2 = await other.staking.account.pool.fetch(s.pool);
    assert.equal(p2.params.unstakeCooldownSecs, 30 * 86_400);
    assert.equal(big(p2.params.minStake), 1_000_000n * PEER);
  });

  it('works when someone pre-funded the pool and vault addresses', async () => {
    for (const address of [s.pool, s.stakeVault, s.rewardVault]) await fund(env, address, 1);
    const ix = await initializeIx(env, initializeAccounts(env, s));
    expectOk(await send(env.context, [ix], [env.admin]));
    const pool = await env.staking.account.pool.fetch(s.pool);
    assert.ok(pool.rewardVault.equals(s.rewardVault));
  });
});
