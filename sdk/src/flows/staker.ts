/**
 * Staker flows: stake $PEER, request an unstake, withdraw after the cooldown, claim USDC
 * rewards, and the staker's status with the rewards claimable right now (the pool's pending
 * accrual included, computed exactly as the program does).
 */
import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import { poolAccount, stakerAccount, type Pool, type Staker, type U64F64 } from '../accounts/staking';
import { associatedTokenAddress, createAssociatedTokenAccountIdempotent, decodeClock, decodeTokenAccount, SYSVAR_CLOCK_PUBKEY } from '../accounts/token';
import { poolInfo, type PeerContext } from '../context';
import { AccountNotFoundError } from '../errors';
import * as ix from '../instructions/staking';
import { findRewardVaultPda, findStakerPda, findStakingPoolPda } from '../pda';
import { sendInstructions, type SendOptions, type SendResult } from '../rpc/send';

export interface StakerTx {
  staker: PublicKey;
  tx: SendResult;
}

/**
 * Stakes `amount` $PEER base units from `source` (default: the wallet's $PEER ATA), opening the
 * staker account in the same transaction the first time. One read (pool and staker), one transaction.
 */
export async function stake(ctx: PeerContext, input: { amount: bigint; source?: PublicKey }, opts?: SendOptions): Promise<StakerTx & { opened: boolean }> {
  const programId = ctx.programs.staking;
  const owner = ctx.wallet.publicKey;
  const pool = findStakingPoolPda(programId)[0];
  const staker = findStakerPda(owner, programId)[0];
  const [p, s] = await ctx.transport.getAccounts([pool, staker]);
  if (!p) throw new AccountNotFoundError('staking pool', pool, 'is staking initialized on this cluster?');
  const poolData = poolAccount.fromRecord(p, { programId }).data;
  ctx.cache.pool ??= { pool, peerMint: poolData.peerMint, usdcMint: poolData.usdcMint, stakeVault: poolData.stakeVault, rewardVault: poolData.rewardVault };
  const ixs: TransactionInstruction[] = [];
  if (!s) ixs.push(ix.openStaker({ owner }, {}, programId));
  const source = input.source ?? associatedTokenAddress(poolData.peerMint, owner);
  ixs.push(ix.stake({ owner, source }, { amount: input.amount }, programId));
  return { staker, opened: !s, tx: await sendInstructions(ctx, ixs, opts) };
}

/** Moves `amount` of active stake into the cooldown (it stops earning at once). One transaction. */
export async function unstake(ctx: PeerContext, input: { amount: bigint }, opts?: SendOptions): Promise<StakerTx> {
  const owner = ctx.wallet.publicKey;
  const tx = await sendInstructions(ctx, [ix.requestUnstake({ owner }, { amount: input.amount }, ctx.programs.staking)], opts);
  return { staker: findStakerPda(owner, ctx.programs.staking)[0], tx };
}

/** Withdraws all stake whose cooldown passed to `destination` (default: the wallet's $PEER ATA, created if missing). */
export async function withdrawStake(ctx: PeerContext, input: { destination?: PublicKey } = {}, opts?: SendOptions): Promise<StakerTx & { destination: PublicKey }> {
  const info = await poolInfo(ctx);
  const owner = ctx.wallet.publicKey;
  const ixs: TransactionInstruction[] = [];
  let destination = input.destination;
  if (!destination) {
    destination = associatedTokenAddress(info.peerMint, owner);
    ixs.push(createAssociatedTokenAccountIdempotent(owner, info.peerMint, owner));
  }
  ixs.push(ix.withdraw({ owner, destination }, {}, ctx.programs.staking));
  return { staker: findStakerPda(owner, ctx.programs.staking)[0], destination, tx: await sendInstructions(ctx, ixs, opts) };
}

/** Claims the whole USDC rewards to `destination` (default: the wallet's USDC ATA, created if missing). */
export async function claimRewards(ctx: PeerContext, input: { destination?: PublicKey } = {}, opts?: SendOptions): Promise<StakerTx & { destination: PublicKey }> {
  const info = await poolInfo(ctx);
  const owner = ctx.wallet.publicKey;
  const ixs: TransactionInstruction[] = [];
  let destination = input.destination;
  if (!destination) {
    destination = associatedTokenAddress(info.usdcMint, owner);
    ixs.push(createAssociatedTokenAccountIdempotent(owner, info.usdcMint, owner));
  }
  ixs.push(ix.claimRewards({ owner, destination }, {}, ctx.programs.staking));
  return { staker: findStakerPda(owner, ctx.programs.staking)[0], destination, tx: await sendInstructions(ctx, ixs, opts) };
}

const ONE = 1n << 64n;
const fx = (v: U64F64): bigint => (v.int << 64n) + v.frac;

/** What the reward stream releases at `now` from `remaining` (linear until `end`, floored; as the program). */
function streamDue(remaining: bigint, end: bigint, last: bigint, now: bigint): bigint {
  if (remaining === 0n) return 0n;
  if (now >= end) return remaining;
  if (now <= last) return 0n;
  return (remaining * (now - last)) / (end - last);
}

/**
 * USDC an accrual at `now` would release to stakers (exactly as the program's `accrue`): what
 * the stream owes up to now, then the new vault balance joins the stream (released at once when
 * `reward_stream_secs` is 0). Without `now`, no time passes since the pool's last update.
 */
export function releasedRewards(pool: Pool, rewardVaultBalance: bigint, now: bigint = pool.streamUpdatedAt): bigint {
  const received = rewardVaultBalance - pool.accountedRewards;
  let remaining = pool.streamRemaining;
  if (received <= 0n && remaining === 0n) return 0n;
  let last = pool.streamUpdatedAt;
  let released = streamDue(remaining, pool.streamEnd, last, now);
  remaining -= released;
  if (received > 0n) {
    remaining += received;
    last = now;
    released += streamDue(remaining, now + BigInt(pool.params.rewardStreamSecs), last, now);
  }
  return released;
}

/** The pool's reward-per-share after an accrual at `now` (exactly as `accrue`). */
export function accruedRewardPerShare(pool: Pool, rewardVaultBalance: bigint, now?: bigint): bigint {
  const acc = fx(pool.rewardPerShare);
  const amount = releasedRewards(pool, rewardVaultBalance, now);
  if (amount <= 0n || pool.totalStaked === 0n) return acc;
  return acc + ((amount << 64n) + pool.rewardCarry) / pool.totalStaked;
}

/** USDC base units a staker can claim at `now` (whole units of its exact 64.64 rewards). */
export function claimableRewards(pool: Pool, staker: Staker, rewardVaultBalance: bigint, now?: bigint): bigint {
  const rps = accruedRewardPerShare(pool, rewardVaultBalance, now);
  const earned = staker.active * (rps - fx(staker.rewardPerSharePaid));
  return (fx(staker.rewardsOwed) + earned) / ONE;
}

export interface StakerStatus {
  owner: PublicKey;
  staker: PublicKey;
  exists: boolean;
  data: Staker | null;
  pool: Pool;
  active: bigint;
  cooling: bigint;
  /** Seconds until the cooling stake can be withdrawn (0: now; null: nothing cooling). */
  withdrawableIn: bigint | null;
  /** USDC base units claimable now. */
  claimable: bigint;
  /** This staker's share of the active stake, in basis points. */
  shareBps: number;
  now: bigint;
}

/** A staker's stake, cooldown and claimable rewards. One read (pool, staker, reward vault, clock). */
export async function stakerStatus(ctx: PeerContext, owner: PublicKey = ctx.wallet.publicKey): Promise<StakerStatus> {
  const programId = ctx.programs.staking;
  const pool = findStakingPoolPda(programId)[0];
  const staker = findStakerPda(owner, programId)[0];
  const [p, s, v, c] = await ctx.transport.getAccounts([pool, staker, findRewardVaultPda(programId)[0], SYSVAR_CLOCK_PUBKEY]);
  if (!p) throw new AccountNotFoundError('staking pool', pool, 'is staking initialized on this cluster?');
  const poolData = poolAccount.fromRecord(p, { programId }).data;
  const now = c ? decodeClock(c).unixTimestamp : 0n;
  const data = s ? stakerAccount.fromRecord(s, { programId }).data : null;
  const vault = v ? decodeTokenAccount(v).amount : poolData.accountedRewards;
  const active = data?.active ?? 0n;
  const cooling = data?.cooling ?? 0n;
  return {
    owner,
    staker,
    exists: data !== null,
    data,
    pool: poolData,
    active,
    cooling,
    withdrawableIn: cooling === 0n || !data ? null : data.cooldownEndsAt > now ? data.cooldownEndsAt - now : 0n,
    claimable: data ? claimableRewards(poolData, data, vault, now) : 0n,
    shareBps: poolData.totalStaked === 0n ? 0 : Number((active * 10_000n) / poolData.totalStaked),
    now,
  };
}
