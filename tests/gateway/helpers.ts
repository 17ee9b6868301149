/**
 * A market on a fresh local network for the gateway suites: programs deployed through the
 * loader, short windows, the gateway wallet registered as a matcher and funded with SOL and
 * USDC, clients funded with USDC, and workers registered and bonded on chain.
 */
import { createAssociatedTokenAccountIdempotentInstruction, createMintToInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, sendAndConfirmTransaction, Transaction } from '@solana/web3.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalnet, type Localnet } from '../../localnet';
import { deployAll } from '../../migrations/deploy';
import * as sdk from '../../sdk/src';
import { loadGatewayConfig } from '../../gateway/config';
import { startGateway, type Gateway } from '../../gateway/service';
import { createLogger } from '../../service-kit/log';

export const USDC = 1_000_000n;
export const PEER = 1_000_000_000n;

export interface Market {
  net: Localnet;
  connection: Connection;
  admin: Keypair;
  usdcMint: PublicKey;
  peerMint: PublicKey;
  dir: string;
  fundSol(to: PublicKey): Promise<void>;
  fundUsdc(to: PublicKey, amount: bigint): Promise<void>;
  fundPeer(to: PublicKey, amount: bigint): Promise<void>;
  usdcBalance(owner: PublicKey): Promise<bigint>;
  close(): Promise<void>;
}

export async function startMarket(): Promise<Market> {
  // 400 ms slots: web3.js caches a blockhash for 30 s, which must stay valid (150 slots).
  const net = await startLocalnet({ rpcPort: 0, slotMs: 400 });
  const dir = mkdtempSync(join(tmpdir(), 'peer-gateway-'));
  const admin = Keypair.generate();
  const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: join(dir, 'wallets') });
  if (!deployed.bootstrap) throw new Error('no bootstrap');
  const connection = new Connection(net.rpcUrl, 'confirmed');
  const { usdcMint, peerMint } = deployed.bootstrap;
  const adminCtx = sdk.createContext({ connection, wallet: admin });
  await sdk.updateConfig(adminCtx, { challengeWindowSecs: 60, claimDelaySecs: 5, jobTimeoutSecs: 60 });
  const mintTo = async (mint: PublicKey, owner: PublicKey, amount: bigint) => {
    const ata = getAssociatedTokenAddressSync(mint, owner);
    const tx = new Transaction().add(createAssociatedTokenAccountIdempotentInstruction(admin.publicKey, ata, owner, mint), createMintToInstruction(mint, ata, admin.publicKey, amount));
    await sendAndConfirmTransaction(connection, tx, [admin]);
  };
  return {
    net,
    connection,
    admin,
    usdcMint,
    peerMint,
    dir,
    async fundSol(to) {
      const sig = await connection.requestAirdrop(to, 10 * LAMPORTS_PER_SOL);
      await connection.confirmTransaction(sig, 'confirmed');
    },
    fundUsdc: (to, amount) => mintTo(usdcMint, to, amount),
    fundPeer: (to, amount) => mintTo(peerMint, to, amount),
    async usdcBalance(owner) {
      const ata = getAssociatedTokenAddressSync(usdcMint, owner);
      const info = await connection.getTokenAccountBalance(ata).catch(() => null);
      return info ? BigInt(info.value.amount) : 0n;
    },
    async close() {
      await net.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers and bonds a worker on chain serving `models` at `prices`, answering at `endpoint`. */
export async function registerWorker(
  m: Market,
  opts: { authority?: Keypair; models: string[]; endpoint: string; prices?: { open?: bigint; verified?: bigint; confidential?: bigint }; capacity?: number; tiers?: ('open' | 'verified' | 'confidential')[] },
): Promise<{ authority: Keypair; worker: PublicKey }> {
  const authority = opts.authority ?? Keypair.generate();
  await m.fundSol(authority.publicKey);
  await m.fundPeer(authority.publicKey, 5_000n * PEER);
  const ctx = sdk.createContext({ connection: m.connection, wallet: authority });
  const r = await sdk.registerWorker(ctx, {
    tiers: opts.tiers ?? ['open', 'verified'],
    models: opts.models,
    prices: { open: opts.prices?.open ?? 2n, verified: opts.prices?.verified ?? 5n, confidential: opts.prices?.confidential ?? 9n },
    capacity: opts.capacity ?? 4,
    endpoint: opts.endpoint,
  });
  await sdk.bondWorker(ctx, { amount: 2_000n * PEER });
  return { authority, worker: r.worker };
}

export interface GatewayOptions {
  flags?: Record<string, unknown>;
  wallet?: Keypair;
  /** Register the wallet as a matcher (for assign=self). Default true. */
  matcher?: boolean;
  usdc?: bigint;
  quiet?: boolean;
}

/** A funded gateway wallet (SOL, USDC, matcher) and a running gateway on an ephemeral port. */
export async function startTestGateway(m: Market, opts: GatewayOptions = {}): Promise<Gateway & { walletKeypair: Keypair; logs: string[] }> {
  const wallet = opts.wallet ?? Keypair.generate();
  await m.fundSol(wallet.publicKey);
  if (opts.usdc) await m.fundUsdc(wallet.publicKey, opts.usdc);
  if (opts.matcher !== false) {
    const admin = sdk.createContext({ connection: m.connection, wallet: m.admin });
    const reg = sdk.findMatcherPda(wallet.publicKey)[0];
    if (!(await m.connection.getAccountInfo(reg))) await sdk.addMatcher(admin, { matcher: wallet.publicKey });
  }
  const logs: string[] = [];
  const config = loadGatewayConfig({
    env: {},
    flags: { port: 0, rpc_url: m.net.rpcUrl, keypair: '/nonexistent', db: join(m.dir, `gateway-${wallet.publicKey.toBase58().slice(0, 8)}.db`), reconcile_interval_ms: 200, ...opts.flags },
  });
  const log = createLogger({ service: 'gateway', write: (line) => (logs.push(line), opts.quiet === false ? process.stderr.write(`${line}\n`) : undefined) });
  const gw = await startGateway(config, { wallet, log });
  return Object.assign(gw, { walletKeypair: wallet, logs });
}

