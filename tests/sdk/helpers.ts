/**
 * The SDK's test fixture: the real programs in bankrun (tests/fixtures/embedded), a BankrunTransport,
 * and funded actors with their own PeerContext, so every test drives the chain only through
 * the SDK's public flows.
 */
import { createMintToInstruction } from '@solana/spl-token';
import { Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram } from '@solana/web3.js';
import { startEmbedded, type EmbeddedEnv } from '../fixtures/embedded/env';
import { warpSeconds } from '../fixtures/embedded/clock';
import {
  associatedTokenAddress,
  createAssociatedTokenAccountIdempotent,
  createContext,
  fetchMaybeTokenAccount,
  initializeMarket,
  sendInstructions,
  type InitializeResult,
  type PeerContext,
  type SendOptions,
} from '../../sdk/src';
import { BankrunTransport } from '../../sdk/src/testing/bankrun';

export const USDC = 1_000_000n;
export const PEER = 1_000_000_000n;

export interface Actor {
  keypair: Keypair;
  publicKey: PublicKey;
  ctx: PeerContext;
  usdc: PublicKey;
  peer: PublicKey;
}

export interface SdkFixture {
  env: EmbeddedEnv;
  transport: BankrunTransport;
  admin: Actor;
  usdcMint: PublicKey;
  peerMint: PublicKey;
  init: InitializeResult | null;
  actor(opts?: { usdc?: bigint; peer?: bigint; sol?: number; send?: SendOptions }): Promise<Actor>;
  mint(mint: PublicKey, destination: PublicKey, amount: bigint): Promise<void>;
  balance(tokenAccount: PublicKey): Promise<bigint>;
  lamports(address: PublicKey): Promise<bigint>;
  warp(seconds: number): Promise<void>;
  /** Adds SOL to an address (creating a system account). */
  fund(address: PublicKey, sol: number): Promise<void>;
  ctxFor(keypair: Keypair, send?: SendOptions): PeerContext;
}

/** The programs deployed in bankrun; with `initialize` (default), the market and pool initialized through the SDK. */
export async function sdkFixture(opts: { initialize?: boolean } = {}): Promise<SdkFixture> {
  const env = await startEmbedded();
  const transport = new BankrunTransport(env.context);
  const ctxFor = (keypair: Keypair, send?: SendOptions): PeerContext => createContext({ transport, wallet: keypair, send });

  const fx: SdkFixture = {
    env,
    transport,
    admin: undefined as unknown as Actor,
    usdcMint: env.usdcMint,
    peerMint: env.peerMint,
    init: null,
    ctxFor,
    async mint(mint, destination, amount) {
      const authority = ctxFor(env.mintAuthority);
      await fx.fund(env.mintAuthority.publicKey, 1);
      await sendInstructions(authority, [createMintToInstruction(mint, destination, env.mintAuthority.publicKey, amount)]);
    },
    async balance(tokenAccount) {
      return (await fetchMaybeTokenAccount(transport, tokenAccount))?.amount ?? 0n;
    },
    async lamports(address) {
      return BigInt((await transport.getAccount(address))?.lamports ?? 0);
    },
    warp: (seconds) => warpSeconds(env.context, seconds),
    async actor(o = {}) {
      const keypair = Keypair.generate();
      await fx.fund(keypair.publicKey, o.sol ?? 10);
      const ctx = ctxFor(keypair, o.send);
      const usdc = associatedTokenAddress(env.usdcMint, keypair.publicKey);
      const peer = associatedTokenAddress(env.peerMint, keypair.publicKey);
      await sendInstructions(ctx, [
        createAssociatedTokenAccountIdempotent(keypair.publicKey, env.usdcMint, keypair.publicKey),
        createAssociatedTokenAccountIdempotent(keypair.publicKey, env.peerMint, keypair.publicKey),
      ]);
      if (o.usdc) await fx.mint(env.usdcMint, usdc, o.usdc);
      if (o.peer) await fx.mint(env.peerMint, peer, o.peer);
      return { keypair, publicKey: keypair.publicKey, ctx, usdc, peer };
    },
    async fund(address, sol) {
      const existing = await env.context.banksClient.getAccount(address);
      await env.context.setAccount(address, {
        lamports: Number(existing?.lamports ?? 0) + sol * LAMPORTS_PER_SOL,
        data: Buffer.from(existing?.data ?? Buffer.alloc(0)),
        owner: existing?.owner ?? SystemProgram.programId,
        executable: false,
      });
    },
  };
  // The admin is the programs' upgrade authority (startEmbedded deploys and funds it).
  fx.admin = {
    keypair: env.admin,
    publicKey: env.admin.publicKey,
    ctx: ctxFor(env.admin),
    usdc: associatedTokenAddress(env.usdcMint, env.admin.publicKey),
    peer: associatedTokenAddress(env.peerMint, env.admin.publicKey),
  };
  if (opts.initialize ?? true) {
    fx.init = await initializeMarket(fx.admin.ctx, { usdcMint: env.usdcMint, peerMint: env.peerMint });
  }
  return fx;
}
