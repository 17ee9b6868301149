/**
 * Admin flows: initialize the market and the staking pool (the programs' upgrade authority,
 * once), show and update their parameters, and manage matchers.
 */
import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import { configAccount, feeLedgerAccount, type Config, type ConfigParams, type FeeLedger } from '../accounts/market';
import { poolAccount, type Pool, type PoolParams } from '../accounts/staking';
import { associatedTokenAddress, createAssociatedTokenAccountIdempotent, fetchMintDecimals } from '../accounts/token';
import type { PeerContext } from '../context';
import * as market from '../instructions/market';
import * as staking from '../instructions/staking';
import { findConfigPda, findFeeLedgerPda, findMatcherPda, findRewardVaultPda, findStakingPoolPda } from '../pda';
import { sendInstructions, type SendOptions, type SendResult } from '../rpc/send';
import { defaultMarketParams, defaultPoolParams } from './settings';

export interface InitializeInput {
  usdcMint: PublicKey;
  peerMint: PublicKey;
  /** USDC token account of the treasury (default: the admin's USDC ATA, created if missing). */
  treasury?: PublicKey;
  /** Market parameters (default: product.md's economics). */
  params?: ConfigParams;
  /** Staking parameters (default: 7-day cooldown, 1 $PEER minimum). */
  poolParams?: PoolParams;
  /** Also initialize the staking pool, whose reward vault receives the stakers' fees (default true). */
  staking?: boolean;
  /** Without staking: the USDC account that receives the stakers' share. */
  stakingRewardVault?: PublicKey;
}

export interface InitializeResult {
  config: PublicKey;
  pool: PublicKey | null;
  treasury: PublicKey;
  stakingRewardVault: PublicKey;
  params: ConfigParams;
  poolParams: PoolParams | null;
  tx: SendResult;
}

/**
 * Initializes the staking pool and the market in one transaction (the market's staking reward
 * vault is the pool's reward vault), or the market alone with `staking: false`.
 */
export async function initializeMarket(ctx: PeerContext, input: InitializeInput, opts?: SendOptions): Promise<InitializeResult> {
  const admin = ctx.wallet.publicKey;
  const withStaking = input.staking ?? true;
  const ixs: TransactionInstruction[] = [];
  let treasury = input.treasury;
  if (!treasury) {
    treasury = associatedTokenAddress(input.usdcMint, admin);
    ixs.push(createAssociatedTokenAccountIdempotent(admin, input.usdcMint, admin));
  }
  const decimals = input.params && (input.poolParams || !withStaking) ? 9 : await fetchMintDecimals(ctx.transport, input.peerMint);
  const params = input.params ?? defaultMarketParams(decimals);
  let poolParams: PoolParams | null = null;
  let stakingRewardVault: PublicKey;
  if (withStaking) {
    poolParams = input.poolParams ?? defaultPoolParams(decimals);
    stakingRewardVault = findRewardVaultPda(ctx.programs.staking)[0];
    ixs.push(staking.initialize({ admin, peerMint: input.peerMint, usdcMint: input.usdcMint, treasury }, { params: poolParams }, ctx.programs.staking));
  } else {
    if (!input.stakingRewardVault) throw new Error('stakingRewardVault is required without staking');
    stakingRewardVault = input.stakingRewardVault;
  }
  ixs.push(
    market.initializeConfig(
      { admin, usdcMint: input.usdcMint, peerMint: input.peerMint, treasury, stakingRewardVault },
      { params },
      ctx.programs.market,
    ),
  );
  const tx = await sendInstructions(ctx, ixs, opts);
  return {
    config: findConfigPda(ctx.programs.market)[0],
    pool: withStaking ? findStakingPoolPda(ctx.programs.staking)[0] : null,
    treasury,
    stakingRewardVault,
    params,
    poolParams,
    tx,
  };
}

export interface MarketOverview {
  config: { address: PublicKey; data: Config } | null;
  feeLedger: { address: PublicKey; data: FeeLedger } | null;
  pool: { address: PublicKey; data: Pool } | null;
}

/** The market config, fee ledger and staking pool. One read. */
export async function showConfig(ctx: PeerContext): Promise<MarketOverview> {
  const addresses = [findConfigPda(ctx.programs.market)[0], findFeeLedgerPda(ctx.programs.market)[0], findStakingPoolPda(ctx.programs.staking)[0]];
  const [c, f, p] = await ctx.transport.getAccounts(addresses);
  return {
    config: c ? configAccount.fromRecord(c, { programId: ctx.programs.market }) : null,
    feeLedger: f ? feeLedgerAccount.fromRecord(f, { programId: ctx.programs.market }) : null,
    pool: p ? poolAccount.fromRecord(p, { programId: ctx.programs.staking }) : null,
  };
}

/** Changes some market parameters (the others are kept). One read, one transaction. */
export async function updateConfig(ctx: PeerContext, changes: Partial<ConfigParams>, opts?: SendOptions): Promise<{ previous: ConfigParams; params: ConfigParams; tx: SendResult }> {
  const config = findConfigPda(ctx.programs.market)[0];
  const previous = (await configAccount.fetch(ctx.transport, config, { programId: ctx.programs.market })).data.params;
  const params: ConfigParams = { ...previous, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) };
  const tx = await sendInstructions(ctx, [market.updateConfig({ admin: ctx.wallet.publicKey }, { params }, ctx.programs.market)], opts);
  return { previous, params, tx };
}

/** Changes staking parameters and/or the pool treasury. One read, one transaction. */
export async function updateStakingConfig(
  ctx: PeerContext,
  changes: { params?: Partial<PoolParams>; treasury?: PublicKey },
  opts?: SendOptions,
): Promise<{ previous: PoolParams; params: PoolParams; treasury: PublicKey; tx: SendResult }> {
  const pool = (await poolAccount.fetch(ctx.transport, findStakingPoolPda(ctx.programs.staking)[0], { programId: ctx.programs.staking })).data;
  const params: PoolParams = { ...pool.params, ...Object.fromEntries(Object.entries(changes.params ?? {}).filter(([, v]) => v !== undefined)) };
  const treasury = changes.treasury ?? pool.treasury;
  const tx = await sendInstructions(ctx, [staking.updateConfig({ admin: ctx.wallet.publicKey, treasury }, { params }, ctx.programs.staking)], opts);
  return { previous: pool.params, params, treasury, tx };
}

/** Allows `matcher` to assign jobs. One transaction. */
export async function addMatcher(ctx: PeerContext, input: { matcher: PublicKey }, opts?: SendOptions): Promise<{ registration: PublicKey; tx: SendResult }> {
  const tx = await sendInstructions(ctx, [market.addMatcher({ admin: ctx.wallet.publicKey }, { matcher: input.matcher }, ctx.programs.market)], opts);
  return { registration: findMatcherPda(input.matcher, ctx.programs.market)[0], tx };
}

/** Revokes `matcher`. One transaction. */
export async function removeMatcher(ctx: PeerContext, input: { matcher: PublicKey }, opts?: SendOptions): Promise<{ registration: PublicKey; tx: SendResult }> {
  const registration = findMatcherPda(input.matcher, ctx.programs.market)[0];
  const tx = await sendInstructions(ctx, [market.removeMatcher({ admin: ctx.wallet.publicKey, matcherRegistration: registration }, {}, ctx.programs.market)], opts);
  return { registration, tx };
}
