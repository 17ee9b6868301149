/** peer_staking in the embedded runtime: its accounts, instruction builders and stakers. */
import { BN } from '@coral-xyz/anchor';
import { createTransferInstruction, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, TransactionInstruction } from '@solana/web3.js';
import {
  findProgramDataAddress,
  findRewardVaultPda,
  findStakeVaultPda,
  findStakerPda,
  findStakingPoolPda,
} from '../../sdk/src/pda';
import { Clock } from 'solana-bankrun';
import type { EmbeddedEnv } from './env';
import { createTokenAccount, mintTo } from './tokens';
import { expectOk, send, type TxResult } from './tx';

/** PoolParams as the Anchor client encodes them. */
export interface PoolParams {
  unstakeCooldownSecs: number;
  minStake: BN;
}

export const PEER = 1_000_000_000n; // 1 $PEER in base units (9 decimals)
export const USDC = 1_000_000n; // 1 USDC in base units

/** A week of cooldown, and at least 1 $PEER staked (or nothing). */
export function defaultStakingParams(): PoolParams {
  return { unstakeCooldownSecs: 7 * 86_400, minStake: new BN(PEER.toString()) };
}

export interface StakingAccounts {
  pool: PublicKey;
  stakeVault: PublicKey;
  rewardVault: PublicKey;
  programData: PublicKey;
  /** A USDC token account owned by a fresh wallet. */
  treasury: PublicKey;
}

export async function stakingAccounts(env: EmbeddedEnv): Promise<StakingAccounts> {
  return {
    pool: findStakingPoolPda(env.stakingId)[0],
    stakeVault: findStakeVaultPda(env.stakingId)[0],
    rewardVault: findRewardVaultPda(env.stakingId)[0],
    programData: findProgramDataAddress(env.stakingId)[0],
    treasury: await createTokenAccount(env.context, env.usdcMint, Keypair.generate().publicKey),
  };
}

export type InitializeAccounts = Parameters<ReturnType<EmbeddedEnv['staking']['methods']['initialize']>['accountsStrict']>[0];

export function initializeAccounts(env: EmbeddedEnv, s: StakingAccounts, admin: PublicKey = env.admin.publicKey): InitializeAccounts {
  return {
    admin,
    pool: s.pool,
    programData: s.programData,
    peerMint: env.peerMint,
    usdcMint: env.usdcMint,
    stakeVault: s.stakeVault,
    rewardVault: s.rewardVault,
    treasury: s.treasury,
    tokenProgram: TOKEN_PROGRAM_ID,
    systemProgram: SystemProgram.programId,
  };
}

export function initializeIx(env: EmbeddedEnv, accounts: InitializeAccounts, params: PoolParams = defaultStakingParams()): Promise<TransactionInstruction> {
  return env.staking.methods.initialize(params).accountsStrict(accounts).instruction();
}

/** Initializes the pool as the upgrade authority. */
export async function initializeStaking(
  env: EmbeddedEnv,
  params: PoolParams = defaultStakingParams(),
  given?: StakingAccounts,
): Promise<{ accounts: StakingAccounts; result: TxResult }> {
  const accounts = given ?? (await stakingAccounts(env));
  const result = expectOk(await send(env.context, [await initializeIx(env, initializeAccounts(env, accounts), params)], [env.admin]));
  return { accounts, result };
}

/** A staker's wallet with SOL, a $PEER account holding `peer`, a USDC account, and its PDA. */
export interface StakerWallet {
  wallet: Keypair;
  staker: PublicKey;
  peer: PublicKey;
  usdc: PublicKey;
}

export async function fund(env: EmbeddedEnv, address: PublicKey, sol = 10): Promise<void> {
  env.context.setAccount(address, { lamports: sol * LAMPORTS_PER_SOL, data: Buffer.alloc(0), owner: SystemProgram.programId, executable: false });
}

/** A funded wallet with token accounts; `open` also creates its staker account. */
export async function newStaker(env: EmbeddedEnv, peer: bigint, opts: { open?: boolean } = {}): Promise<StakerWallet> {
  const wallet = Keypair.generate();
  await fund(env, wallet.publicKey);
  const peerAccount = await createTokenAccount(env.context, env.peerMint, wallet.publicKey);
  if (peer > 0n) await mintTo(env.context, env.peerMint, peerAccount, env.mintAuthority, peer);
  const usdc = await createTokenAccount(env.context, env.usdcMint, wallet.publicKey);
  const s: StakerWallet = { wallet, staker: findStakerPda(wallet.publicKey, env.stakingId)[0], peer: peerAccount, usdc };
  if (opts.open ?? true) expectOk(await send(env.context, [await openStakerIx(env, s)], [wallet]));
  return s;
}

export function openStakerIx(env: EmbeddedEnv, s: StakerWallet, over: Partial<{ owner: PublicKey; staker: PublicKey; pool: PublicKey }> = {}): Promise<TransactionInstruction> {
  return env.staking.methods
    .openStaker()
    .accountsStrict({
      owner: s.wallet.publicKey,
      staker: s.staker,
      pool: findStakingPoolPda(env.stakingId)[0],
      systemProgram: SystemProgram.programId,
      ...over,
    })
    .instruction();
}

type StakeAccounts = Parameters<ReturnType<EmbeddedEnv['staking']['methods']['stake']>['accountsStrict']>[0];

export function stakeIx(env: EmbeddedEnv, s: StakerWallet, amount: bigint, over: Partial<StakeAccounts> = {}): Promise<TransactionInstruction> {
  return env.staking.methods
    .stake(new BN(amount.toString()))
    .accountsStrict({
      owner: s.wallet.publicKey,
      staker: s.staker,
      pool: findStakingPoolPda(env.stakingId)[0],
      source: s.peer,
      stakeVault: findStakeVaultPda(env.stakingId)[0],
      rewardVault: findRewardVaultPda(env.stakingId)[0],
      tokenProgram: TOKEN_PROGRAM_ID,
      ...over,
    })
    .instruction();
}

type RequestUnstakeAccounts = Parameters<ReturnType<EmbeddedEnv['staking']['methods']['requestUnstake']>['accountsStrict']>[0];

export function requestUnstakeIx(
  env: EmbeddedEnv,
  s: StakerWallet,
  amount: bigint,
  over: Partial<RequestUnstakeAccounts> = {},
): Promise<TransactionInstruction> {
  return env.staking.methods
    .requestUnstake(new BN(amount.toString()))
    .accountsStrict({
      owner: s.wallet.publicKey,
      staker: s.staker,
      pool: findStakingPoolPda(env.stakingId)[0],
      rewardVault: findRewardVaultPda(env.stakingId)[0],
      ...over,
    })
    .instruction();
}

type WithdrawAccounts = Parameters<ReturnType<EmbeddedEnv['staking']['methods']['withdraw']>['accountsStrict']>[0];

export function withdrawIx(env: EmbeddedEnv, s: StakerWallet, over: Partial<WithdrawAccounts> = {}): Promise<TransactionInstruction> {
  return env.staking.methods
    .withdraw()
    .accountsStrict({
      owner: s.wallet.publicKey,
      staker: s.staker,
      pool: findStakingPoolPda(env.stakingId)[0],
      stakeVault: findStakeVaultPda(env.stakingId)[0],
      destination: s.peer,
      tokenProgram: TOKEN_PROGRAM_ID,
      ...over,
    })
    .instruction();
}

type ClaimAccounts = Parameters<ReturnType<EmbeddedEnv['staking']['methods']['claimRewards']>['accountsStrict']>[0];

export function claimIx(env: EmbeddedEnv, s: StakerWallet, over: Partial<ClaimAccounts> = {}): Promise<TransactionInstruction> {
  return env.staking.methods
    .claimRewards()
    .accountsStrict({
      owner: s.wallet.publicKey,
      staker: s.staker,
      pool: findStakingPoolPda(env.stakingId)[0],
      rewardVault: findRewardVaultPda(env.stakingId)[0],
      destination: s.usdc,
      tokenProgram: TOKEN_PROGRAM_ID,
      ...over,
    })
    .instruction();
}

export function closeStakerIx(env: EmbeddedEnv, s: StakerWallet, over: Partial<{ owner: PublicKey; staker: PublicKey; pool: PublicKey }> = {}): Promise<TransactionInstruction> {
  return env.staking.methods
    .closeStaker()
    .accountsStrict({ owner: s.wallet.publicKey, staker: s.staker, pool: findStakingPoolPda(env.stakingId)[0], ...over })
    .instruction();
}

export function updateRewardsIx(env: EmbeddedEnv, over: Partial<{ pool: PublicKey; rewardVault: PublicKey }> = {}): Promise<TransactionInstruction> {
  return env.staking.methods
    .updateRewards()
    .accountsStrict({ pool: findStakingPoolPda(env.stakingId)[0], rewardVault: findRewardVaultPda(env.stakingId)[0], ...over })
    .instruction();
}

export function sweepUnallocatedIx(
  env: EmbeddedEnv,
  treasury: PublicKey,
  over: Partial<{ pool: PublicKey; rewardVault: PublicKey; treasury: PublicKey; tokenProgram: PublicKey }> = {},
): Promise<TransactionInstruction> {
  return env.staking.methods
    .sweepUnallocated()
    .accountsStrict({
      pool: findStakingPoolPda(env.stakingId)[0],
      rewardVault: findRewardVaultPda(env.stakingId)[0],
      treasury,
      tokenProgram: TOKEN_PROGRAM_ID,
      ...over,
    })
    .instruction();
}

export function updateStakingConfigIx(
  env: EmbeddedEnv,
  params: PoolParams,
  treasury: PublicKey,
  admin: PublicKey = env.admin.publicKey,
  pool: PublicKey = findStakingPoolPda(env.stakingId)[0],
): Promise<TransactionInstruction> {
  return env.staking.methods.updateConfig(params).accountsStrict({ admin, pool, treasury }).instruction();
}

/**
 * A USDC depositor standing in for the market's `sweep_fees` (or anyone): a plain SPL transfer
 * into the reward vault, exactly what the market does.
 */
export interface Depositor {
  wallet: Keypair;
  usdc: PublicKey;
}

export async function newDepositor(env: EmbeddedEnv, usdc: bigint): Promise<Depositor> {
  const wallet = Keypair.generate();
  await fund(env, wallet.publicKey);
  const account = await createTokenAccount(env.context, env.usdcMint, wallet.publicKey);
  await mintTo(env.context, env.usdcMint, account, env.mintAuthority, usdc);
  return { wallet, usdc: account };
}

export async function depositRewards(env: EmbeddedEnv, from: Depositor, amount: bigint): Promise<void> {
  const vault = findRewardVaultPda(env.stakingId)[0];
  expectOk(await send(env.context, [createTransferInstruction(from.usdc, vault, from.wallet.publicKey, amount)], [from.wallet]));
}

/** One compute-unit measurement (the bench's row shape). */
export interface UnitsRow {
  program: string;
  instruction: string;
  case: string;
  computeUnits: number;
}

/**
 * Every peer_staking instruction in its costly realistic case (new USDC to accrue, rewards to
 * settle, a token transfer), measured in a fresh embedded runtime. Used by `npm run bench` and
 * by the compute-budget test.
 */
export async function measureStakingUnits(env: EmbeddedEnv): Promise<UnitsRow[]> {
  const rows: UnitsRow[] = [];
  const add = (instruction: string, c: string, res: TxResult) =>
    rows.push({ program: 'peer_staking', instruction, case: c, computeUnits: unitsOfProgram(res, env.stakingId) });

  const { accounts, result } = await initializeStaking(env);
  add('initialize', 'ok (creates pool + 2 vaults)', result);
  add('update_config', 'ok', expectOk(await send(env.context, [await updateStakingConfigIx(env, defaultStakingParams(), accounts.treasury)], [env.admin])));

  const depositor = await newDepositor(env, 1_000_000n * USDC);
  await depositRewards(env, depositor, 5n * USDC); // arrives while nothing is staked
  const a = await newStaker(env, 1_000n * PEER, { open: false });
  const b = await newStaker(env, 1_000n * PEER);
  add('open_staker', 'ok (creates the PDA)', expectOk(await send(env.context, [await openStakerIx(env, a)], [a.wallet])));
  add('stake', 'first stake, accrues to unallocated', expectOk(await send(env.context, [await stakeIx(env, a, 300n * PEER)], [a.wallet])));
  add('stake', 'no new USDC', expectOk(await send(env.context, [await stakeIx(env, b, 700n * PEER)], [b.wallet])));
  await depositRewards(env, depositor, 123_456_789n);
  add('stake', 'accrues + settles', expectOk(await send(env.context, [await stakeIx(env, a, 3n * PEER)], [a.wallet])));
  await depositRewards(env, depositor, 987_654_321n);
  add('update_rewards', 'accrues', expectOk(await send(env.context, [await updateRewardsIx(env)])));
  await depositRewards(env, depositor, 55_555_555n);
  add('claim_rewards', 'accrues + settles + pays', expectOk(await send(env.context, [await claimIx(env, b)], [b.wallet])));
  await depositRewards(env, depositor, 44_444_444n);
  add('request_unstake', 'accrues + settles', expectOk(await send(env.context, [await requestUnstakeIx(env, a, 303n * PEER)], [a.wallet])));
  await depositRewards(env, depositor, 1_000_001n);
  add('sweep_unallocated', 'accrues + pays the treasury', expectOk(await send(env.context, [await sweepUnallocatedIx(env, accounts.treasury)])));
  const clock = await env.context.banksClient.getClock();
  env.context.setClock(
    new Clock(clock.slot + 1n, clock.epochStartTimestamp, clock.epoch, clock.leaderScheduleEpoch, clock.unixTimestamp + BigInt(defaultStakingParams().unstakeCooldownSecs)),
  );
  add('withdraw', 'after the cooldown', expectOk(await send(env.context, [await withdrawIx(env, a)], [a.wallet])));
  add('claim_rewards', 'no new USDC, pays', expectOk(await send(env.context, [await claimIx(env, a)], [a.wallet])));
  add('close_staker', 'ok (rent back)', expectOk(await send(env.context, [await closeStakerIx(env, a)], [a.wallet])));
  const stranger = Keypair.generate();
  add('claim_rewards', 'rejected: not the owner', await send(env.context, [await claimIx(env, b, { owner: stranger.publicKey })], [stranger]));
  return rows;
}

function unitsOfProgram(res: TxResult, programId: PublicKey): number {
  const list = res.unitsByProgram.get(programId.toBase58());
  if (!list || list.length === 0) throw new Error(`no compute-unit line for ${programId.toBase58()}`);
  return list[list.length - 1];
}
