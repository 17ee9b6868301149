/**
 * A deployed, bootstrapped market on a local network (in this process, so tests warp its clock),
 * wallets funded from the faucet and the local mints, worker endpoints on real loopback HTTP
 * servers, and keepers started in-process or as real processes.
 */
import { serve, type ServerType } from '@hono/node-server';
import { createAssociatedTokenAccountIdempotentInstruction, createMintToInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { Hono } from 'hono';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startLocalnet, type Localnet } from '../../localnet';
import { deployAll } from '../../migrations/deploy';
import * as sdk from '../../sdk/src';
import { loadKeepersConfig } from '../../keepers/config';
import { startKeepers, type KeepersService } from '../../keepers/service';
import { REPO_ROOT } from '../../tools/workspace';
import { until, waitFor } from '../localnet/helpers';

export { until, waitFor };

export const PEER = 1_000_000_000n;
export const USDC = 1_000_000n;
export const MODEL = 'keeper-test-model';

export interface Market {
  net: Localnet;
  connection: Connection;
  admin: Keypair;
  usdcMint: PublicKey;
  peerMint: PublicKey;
  dir: string;
  ctx(wallet: Keypair): sdk.PeerContext;
  /** Moves the chain clock forward. */
  warp(seconds: number): void;
  close(): Promise<void>;
}

/** A fresh local network with both programs deployed and the market bootstrapped, with short windows. */
export async function startMarket(params: Partial<sdk.ConfigParams> = {}): Promise<Market> {
  const net = await startLocalnet({ rpcPort: 0, slotMs: 50 });
  const dir = mkdtempSync(join(tmpdir(), 'peer-keepers-'));
  const admin = Keypair.generate();
  const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: join(dir, 'wallets') });
  const connection = new Connection(net.rpcUrl, 'confirmed');
  const transport = new sdk.ConnectionTransport(connection, { pollMs: 20 });
  const market: Market = {
    net,
    connection,
    admin,
    usdcMint: deployed.bootstrap!.usdcMint,
    peerMint: deployed.bootstrap!.peerMint,
    dir,
    ctx: (wallet) => sdk.createContext({ transport, wallet, send: { commitment: 'confirmed' } }),
    warp: (seconds) => net.bank.warp(seconds),
    close: () => net.close(),
  };
  await sdk.updateConfig(market.ctx(admin), { challengeWindowSecs: 60, commitWindowSecs: 60, revealWindowSecs: 60, jobTimeoutSecs: 30, claimDelaySecs: 30, ...params });
  return market;
}

/** A wallet with SOL, and USDC / $PEER minted by the admin (the local mint authority). */
export async function fundedWallet(market: Market, funds: { usdc?: bigint; peer?: bigint } = {}): Promise<Keypair> {
  const kp = Keypair.generate();
  await market.net.bank.requestAirdrop(kp.publicKey.toBase58(), BigInt(100 * LAMPORTS_PER_SOL)).committed;
  const ixs: TransactionInstruction[] = [];
  for (const [mint, amount] of [
    [market.usdcMint, funds.usdc ?? 0n],
    [market.peerMint, funds.peer ?? 0n],
  ] as const) {
    if (amount <= 0n) continue;
    const ata = getAssociatedTokenAddressSync(mint, kp.publicKey);
    ixs.push(createAssociatedTokenAccountIdempotentInstruction(market.admin.publicKey, ata, kp.publicKey, mint));
    ixs.push(createMintToInstruction(mint, ata, market.admin.publicKey, amount));
  }
  // The SDK's send path (the node supplies a fresh blockhash: slots are 50 ms here).
  if (ixs.length) await sdk.sendInstructions(market.ctx(market.admin), ixs);
  return kp;
}

/** A worker endpoint: a real HTTP server whose /health answers 200 (or 503 once `down` is set). */
export interface Endpoint {
  url: string;
  hits: number;
  down: boolean;
  close(): Promise<void>;
}

export async function startEndpoint(): Promise<Endpoint> {
  const app = new Hono();
  const state = { hits: 0, down: false };
  app.get('/health', (c) => {
    state.hits++;
    return state.down ? c.json({ ok: false }, 503) : c.json({ ok: true });
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get hits() {
      return state.hits;
    },
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  } as Endpoint;
}

export interface TestWorker {
  wallet: Keypair;
  ctx: sdk.PeerContext;
  worker: PublicKey;
}

export async function newWorker(
  market: Market,
  opts: { endpoint: string; price?: bigint; capacity?: number; tiers?: sdk.Tier[]; bond?: bigint; models?: string[] },
): Promise<TestWorker> {
  const wallet = await fundedWallet(market, { peer: 10_000n * PEER });
  const ctx = market.ctx(wallet);
  const tiers = opts.tiers ?? ['open', 'verified'];
  const price = opts.price ?? 2n;
  const prices = Object.fromEntries(tiers.map((t) => [t, price])) as Partial<Record<sdk.Tier, bigint>>;
  const { worker } = await sdk.registerWorker(ctx, { tiers, models: opts.models ?? [MODEL], prices, capacity: opts.capacity ?? 4, endpoint: opts.endpoint });
  await sdk.bondWorker(ctx, { amount: opts.bond ?? 2_000n * PEER });
  return { wallet, ctx, worker };
}

export async function newClient(market: Market, credits = 10_000n): Promise<sdk.PeerContext> {
  const wallet = await fundedWallet(market, { usdc: (credits * sdk.MARKET.CREDIT_BASE_UNITS) as bigint });
  const ctx = market.ctx(wallet);
  await sdk.buyCredits(ctx, { credits });
  return ctx;
}

/** Posts `n` jobs (unpinned unless `pin`), sealed to `sealTo` (any registered worker). */
export async function postJobs(
  client: sdk.PeerContext,
  n: number,
  opts: { sealTo: PublicKey; tier?: sdk.Tier; maxPrice?: bigint; pin?: boolean; prompt?: string },
): Promise<sdk.PostJobResult[]> {
  const out: sdk.PostJobResult[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await sdk.postJob(client, { prompt: opts.prompt ?? `job ${i}`, model: MODEL, tier: opts.tier ?? 'open', maxPrice: opts.maxPrice ?? 10n, worker: opts.sealTo, pin: opts.pin ?? false }));
  }
  return out;
}

/** A registered matcher keypair. */
export async function newMatcher(market: Market): Promise<Keypair> {
  const kp = await fundedWallet(market);
  await sdk.addMatcher(market.ctx(market.admin), { matcher: kp.publicKey });
  return kp;
}

/** Flags (dotted keys) for a keeper on this market: fast polling, port 0. */
export function keeperFlags(market: Market, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'global.cluster': market.net.rpcUrl,
    'global.ws_url': market.net.wsUrl,
    'global.port': 0,
    'global.confirm_poll_ms': 20,
    'global.stall_ms': 60_000,
    'global.stop_timeout_ms': 10_000,
    'matcher.interval_ms': 100,
    'matcher.probe_interval_ms': 200,
    'cranks.interval_ms': 100,
    'validator.interval_ms': 100,
    ...overrides,
  };
}

export async function startTestKeepers(market: Market, wallet: Keypair, overrides: Record<string, unknown> = {}, lines?: string[]): Promise<KeepersService> {
  const { config, global } = loadKeepersConfig({ flags: keeperFlags(market, overrides), env: {} });
  return startKeepers({ config, global, wallet, write: (l) => lines?.push(l) });
}

/** The job's account, or null once it ended (finalized, refunded). */
export async function jobOf(market: Market, job: PublicKey): Promise<sdk.Job | null> {
  const acc = await sdk.fetchMaybeJob(market.ctx(market.admin).transport, job);
  return acc?.data ?? null;
}

export async function workerOf(market: Market, worker: PublicKey): Promise<sdk.Worker> {
  return (await sdk.fetchWorker(market.ctx(market.admin).transport, worker)).data;
}

/** `keepers/main.ts` as a real process (for kill -9 and signals). */
export interface KeeperProcess {
  proc: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The /health URL once it printed it. */
  url: Promise<string>;
}

export function writeKeypair(dir: string, kp: Keypair, name: string): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(Array.from(kp.secretKey)), { mode: 0o600 });
  return path;
}

const children = new Set<ChildProcess>();

export function killKeeperProcesses(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

export function spawnKeepers(args: string[], env: NodeJS.ProcessEnv = {}): KeeperProcess {
  const proc = spawn(process.execPath, ['-r', 'tsx/cjs', 'keepers/main.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const url = waitFor<string>(
    'the keeper to listen',
    (done) => {
      const check = () => {
        const m = /http\.listen url=(http:\/\/\S+)/.exec(out);
        if (m) done(m[1]);
      };
      proc.stdout!.on('data', check);
      proc.stderr!.on('data', check);
      check();
      return () => {
        proc.stdout!.off('data', check);
        proc.stderr!.off('data', check);
      };
    },
    60_000,
  );
  url.catch(() => undefined);
  return { proc, output: () => out, exited, url };
}
