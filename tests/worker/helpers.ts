/** Shared by the worker suites: the demo model and its profile, temp dirs. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeProfile, type ExecutionProfile } from '../../worker/profile';

export const REPO = join(__dirname, '..', '..');

export function demoModel(): { path: string; sha256: string } {
  const path = join(REPO, 'worker', 'models', 'peer-demo.gguf');
  const sha256 = readFileSync(`${path}.sha256`, 'utf8').trim().split(/\s+/)[0];
  return { path, sha256 };
}

/** The demo model under the worker's default profile (what `peer worker start` serves). */
export function demoProfile(): ExecutionProfile {
  return makeProfile({ name: 'peer-demo', weightsSha256: demoModel().sha256, addBos: true });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

// ---- a deployed, bootstrapped market on a test localnet ---------------------------------------

import { createMintToInstruction, getOrCreateAssociatedTokenAccount } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, sendAndConfirmTransaction, Transaction } from '@solana/web3.js';
import { startLocalnet, type Localnet } from '../../localnet';
import { deployAll } from '../../migrations/deploy';
import { readKeypair } from '../../migrations/deploy/cluster';
import * as sdk from '../../sdk/src';
import { createLogger, type Logger } from '../../service-kit/log';
import { loadWorkerConfig } from '../../worker/config';
import { startWorker, type RunningWorker, type StartWorkerOptions } from '../../worker/service';

export const PEER = 1_000_000_000n;

export interface TestMarket {
  net: Localnet;
  dir: string;
  connection: Connection;
  transport: sdk.ConnectionTransport;
  admin: Keypair;
  adminCtx: sdk.PeerContext;
  client: Keypair;
  clientCtx: sdk.PeerContext;
  workerKey: Keypair;
  matcher: Keypair;
  matcherCtx: sdk.PeerContext;
  usdcMint: PublicKey;
  peerMint: PublicKey;
  ctxOf(wallet: Keypair): sdk.PeerContext;
  /** A new wallet with SOL and `peer` $PEER. */
  wallet(peer?: bigint): Promise<Keypair>;
  warp(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** Localnet + deployAll (the same deploy and bootstrap as `npm start`), a matcher, credits for the client. */
export async function startTestMarket(): Promise<TestMarket> {
  const net = await startLocalnet({ rpcPort: 0, slotMs: 50 });
  const dir = tempDir('peer-worker-market');
  const admin = Keypair.generate();
  const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: dir.path });
  if (!deployed.bootstrap?.market?.initialized) throw new Error('the market was not bootstrapped');
  const connection = new Connection(net.rpcUrl, 'confirmed');
  const transport = new sdk.ConnectionTransport(connection, { pollMs: 50 });
  const ctxOf = (wallet: Keypair) => sdk.createContext({ transport, wallet });
  const client = readKeypair(join(dir.path, 'client.json'));
  const workerKey = readKeypair(join(dir.path, 'worker.json'));
  const matcher = Keypair.generate();
  const adminCtx = ctxOf(admin);
  await net.bank.requestAirdrop(matcher.publicKey.toBase58(), BigInt(10 * LAMPORTS_PER_SOL)).committed;
  await sdk.addMatcher(adminCtx, { matcher: matcher.publicKey });
  const clientCtx = ctxOf(client);
  await sdk.buyCredits(clientCtx, { credits: 5_000n });
  const wallet = async (peer = 0n) => {
    const kp = Keypair.generate();
    await net.bank.requestAirdrop(kp.publicKey.toBase58(), BigInt(100 * LAMPORTS_PER_SOL)).committed;
    if (peer > 0n) {
      const ata = await getOrCreateAssociatedTokenAccount(connection, admin, deployed.bootstrap!.peerMint, kp.publicKey);
      await sendAndConfirmTransaction(connection, new Transaction().add(createMintToInstruction(deployed.bootstrap!.peerMint, ata.address, admin.publicKey, peer)), [admin]);
    }
    return kp;
  };
  return {
    net,
    dir: dir.path,
    connection,
    transport,
    admin,
    adminCtx,
    client,
    clientCtx,
    workerKey,
    matcher,
    matcherCtx: ctxOf(matcher),
    usdcMint: deployed.bootstrap.usdcMint,
    peerMint: deployed.bootstrap.peerMint,
    ctxOf,
    wallet,
    warp: async (seconds) => net.bank.warp(seconds),
    close: async () => {
      await net.close();
      dir.remove();
    },
  };
}

/** Log lines kept in memory (and checked for secrets by the tests). */
export function memoryLogger(secrets: string[] = []): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ service: 'worker', secrets, write: (l) => lines.push(l) }), lines };
}

/** A worker service on the test market: the demo model, the endpoint on a free port. */
export async function startTestWorker(
  m: TestMarket,
  opts: { keypair?: Keypair; flags?: Record<string, unknown>; storePath?: string } & Partial<StartWorkerOptions> = {},
): Promise<RunningWorker & { lines: string[] }> {
  const { config, secrets } = loadWorkerConfig({
    env: {},
    flags: {
      'rpc.url': m.net.rpcUrl,
      'http.port': 0,
      'store.path': opts.storePath ?? join(m.dir, `worker-${Math.random().toString(36).slice(2)}.sqlite`),
      'market.bond': '5000',
      'market.self_claim': false,
      'market.poll_ms': 60_000,
      ...opts.flags,
    },
  });
  const { log, lines } = memoryLogger(secrets);
  const w = await startWorker({ config, rpcUrl: m.net.rpcUrl, secrets, keypair: opts.keypair ?? m.workerKey, transport: m.transport, log, ...opts });
  return Object.assign(w, { lines });
}
