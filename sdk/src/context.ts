/**
 * A PeerContext is what every flow takes: the transport, the acting wallet (signer and fee
 * payer), the program ids, default send options, and a cache of the market's and pool's
 * immutable addresses (mints, vaults), so a long-lived client reads them once.
 */
import { Connection, Keypair, PublicKey, type Commitment } from '@solana/web3.js';
import { configAccount } from './accounts/market';
import { poolAccount } from './accounts/staking';
import { AccountNotFoundError, ValidationError } from './errors';
import { findConfigPda, findFeeLedgerPda, findStakingPoolPda } from './pda';
import { defaultProgramIds, type ProgramIds } from './programs';
import { ConnectionTransport } from './rpc/connection';
import type { SendContext, SendOptions } from './rpc/send';
import type { AccountRecord, Transport } from './rpc/transport';
import { KeypairWallet, type Wallet } from './wallet';

/** The market's addresses that never change after initialization. */
export interface MarketInfo {
  config: PublicKey;
  feeLedger: PublicKey;
  usdcMint: PublicKey;
  peerMint: PublicKey;
  peerDecimals: number;
  usdcVault: PublicKey;
  treasury: PublicKey;
  stakingRewardVault: PublicKey;
}

/** The staking pool's addresses that never change after initialization. */
export interface PoolInfo {
  pool: PublicKey;
  peerMint: PublicKey;
  usdcMint: PublicKey;
  stakeVault: PublicKey;
  rewardVault: PublicKey;
}

export interface PeerContext extends SendContext {
  transport: Transport;
  wallet: Wallet;
  programs: ProgramIds;
  send: SendOptions;
  cache: { market?: MarketInfo; pool?: PoolInfo };
}

export interface CreateContextOptions {
  /** A transport, or: */
  transport?: Transport;
  /** a web3.js Connection, or: */
  connection?: Connection;
  /** an RPC URL. */
  url?: string;
  commitment?: Commitment;
  /** The signer: a Keypair or any Wallet. Omitted: a read-only context. */
  wallet?: Wallet | Keypair;
  /** Read-only contexts: whose accounts "my" reads default to. */
  address?: PublicKey;
  programs?: Partial<ProgramIds>;
  send?: SendOptions;
}

/** A wallet that can only say who it is (read-only contexts). */
export class ReadonlyWallet implements Wallet {
  readonly publicKey: PublicKey;

  constructor(publicKey: PublicKey) {
    this.publicKey = publicKey;
  }

  async signTransaction<T>(): Promise<T> {
    throw new ValidationError('this context is read-only: give it a keypair to send transactions');
  }
}

export function createContext(opts: CreateContextOptions): PeerContext {
  const commitment = opts.commitment ?? opts.send?.commitment ?? 'confirmed';
  let transport = opts.transport;
  if (!transport) {
    const connection = opts.connection ?? (opts.url ? new Connection(opts.url, { commitment }) : null);
    if (!connection) throw new ValidationError('createContext needs a transport, a connection or a url');
    transport = new ConnectionTransport(connection);
  }
  const wallet =
    opts.wallet instanceof Keypair ? new KeypairWallet(opts.wallet) : (opts.wallet ?? new ReadonlyWallet(opts.address ?? PublicKey.default));
  return {
    transport,
    wallet,
    programs: { ...defaultProgramIds(), ...opts.programs },
    send: { commitment, ...opts.send },
    cache: {},
  };
}

/** The market's mints and vaults (one read, then cached). */
export async function marketInfo(ctx: PeerContext): Promise<MarketInfo> {
  if (ctx.cache.market) return ctx.cache.market;
  const config = findConfigPda(ctx.programs.market)[0];
  const c = (await configAccount.fetch(ctx.transport, config, { programId: ctx.programs.market })).data;
  ctx.cache.market = {
    config,
    feeLedger: findFeeLedgerPda(ctx.programs.market)[0],
    usdcMint: c.usdcMint,
    peerMint: c.peerMint,
    peerDecimals: c.peerDecimals,
    usdcVault: c.usdcVault,
    treasury: c.treasury,
    stakingRewardVault: c.stakingRewardVault,
  };
  return ctx.cache.market;
}

/**
 * Reads `addresses` and the market's addresses in one request (the config joins the request
 * only while it is not cached).
 */
export async function readWithMarketInfo(ctx: PeerContext, addresses: PublicKey[]): Promise<{ info: MarketInfo; records: (AccountRecord | null)[] }> {
  if (ctx.cache.market) return { info: ctx.cache.market, records: await ctx.transport.getAccounts(addresses) };
  const config = findConfigPda(ctx.programs.market)[0];
  const [c, ...records] = await ctx.transport.getAccounts([config, ...addresses]);
  if (!c) throw new AccountNotFoundError('market config', config, 'is the market initialized on this cluster?');
  const data = configAccount.fromRecord(c, { programId: ctx.programs.market }).data;
  ctx.cache.market = {
    config,
    feeLedger: findFeeLedgerPda(ctx.programs.market)[0],
    usdcMint: data.usdcMint,
    peerMint: data.peerMint,
    peerDecimals: data.peerDecimals,
    usdcVault: data.usdcVault,
    treasury: data.treasury,
    stakingRewardVault: data.stakingRewardVault,
  };
  return { info: ctx.cache.market, records };
}

/** The staking pool's mints and vaults (one read, then cached). */
export async function poolInfo(ctx: PeerContext): Promise<PoolInfo> {
  if (ctx.cache.pool) return ctx.cache.pool;
  const pool = findStakingPoolPda(ctx.programs.staking)[0];
  const p = (await poolAccount.fetch(ctx.transport, pool, { programId: ctx.programs.staking })).data;
  ctx.cache.pool = { pool, peerMint: p.peerMint, usdcMint: p.usdcMint, stakeVault: p.stakeVault, rewardVault: p.rewardVault };
  return ctx.cache.pool;
}

/** The secret key of a Keypair-backed wallet (for key derivation), or null. */
export function walletSecretKey(ctx: PeerContext): Uint8Array | null {
  const payer = (ctx.wallet as Partial<KeypairWallet>).payer;
  return payer instanceof Keypair ? payer.secretKey : null;
}
