/**
 * The local network's server side, isolated (bench/localnet.ts measures through the SDK and
 * web3.js, client costs included): the server in its own process (`localnet/main.ts`), raw
 * JSON-RPC over loopback HTTP, transactions signed before the clock starts, `concurrency` requests in flight, each transaction counted when its reply
 * arrives — and the server replies only once the transaction landed and is durable. Transfers
 * with `--ledger` (fsync'd, group commit) and in memory; post_job with `--ledger`; getAccountInfo
 * latency one request at a time. Reported, never asserted.
 *
 *   tsx bench/localnet-server.ts
 */
import { AnchorProvider, BN, Program, Wallet, type Idl } from '@coral-xyz/anchor';
import { createAssociatedTokenAccountIdempotentInstruction, createMintToInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, TransactionMessage, VersionedTransaction, type TransactionInstruction } from '@solana/web3.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { deployAll } from '../migrations/deploy';
import { bytesConstant } from '../sdk/src/constants';
import { programIdl, REPO_ROOT } from '../tools/workspace';
import type { LocalnetRow } from './localnet';

export interface LocalnetBenchOptions {
  /** SOL transfers per run (default 3000). */
  transfers?: number;
  /** post_job transactions (default 1000). */
  postJobs?: number;
  /** Requests in flight at once (default 64). */
  concurrency?: number;
  /** getAccountInfo calls, one at a time (default 2000). */
  latencySamples?: number;
}

interface RpcReply {
  result?: unknown;
  error?: { code: number; message: string };
}

async function call(url: string, method: string, params: unknown[]): Promise<RpcReply> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as RpcReply;
}

function sign(payer: Keypair, instructions: TransactionInstruction[], blockhash: string, signers: Keypair[] = []): string {
  const tx = new VersionedTransaction(new TransactionMessage({ payerKey: payer.publicKey, recentBlockhash: blockhash, instructions }).compileToV0Message());
  tx.sign([payer, ...signers]);
  return Buffer.from(tx.serialize()).toString('base64');
}

/** Sends `queues` (each in order; the queues side by side) and returns transactions per second. */
async function throughput(url: string, queues: string[][], what: string): Promise<number> {
  const total = queues.reduce((n, q) => n + q.length, 0);
  const started = performance.now();
  const failures: string[] = [];
  await Promise.all(
    queues.map(async (queue) => {
      for (const tx of queue) {
        const r = await call(url, 'sendTransaction', [tx, { encoding: 'base64' }]);
        if (r.error) failures.push(r.error.message);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (failures.length > 0) throw new Error(`${what}: ${failures.length} of ${total} transactions failed (first: ${failures[0]})`);
  return Math.round(total / seconds);
}

/** `localnet/main.ts` in its own process, as a developer runs it. */
interface Served {
  rpcUrl: string;
  stop(): Promise<void>;
}

async function serve(args: string[]): Promise<Served> {
  const proc = spawn(process.execPath, ['-r', 'tsx/cjs', 'localnet/main.ts', '--rpc-port', '0', '--quiet', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const rpcUrl = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /JSON-RPC\s+(http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`localnet exited (${code}): ${err}`)));
  });
  return {
    rpcUrl,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

async function latestBlockhash(url: string): Promise<string> {
  const r = await call(url, 'getLatestBlockhash', []);
  return (r.result as { value: { blockhash: string } }).value.blockhash;
}

/** Wallets with `sol` SOL each (the server answers requestAirdrop once the airdrop landed). */
async function funded(url: string, count: number, sol: number): Promise<Keypair[]> {
  const out = Array.from({ length: count }, () => Keypair.generate());
  await Promise.all(
    out.map(async (k) => {
      const r = await call(url, 'requestAirdrop', [k.publicKey.toBase58(), sol * LAMPORTS_PER_SOL]);
      if (r.error) throw new Error(`requestAirdrop: ${r.error.message}`);
    }),
  );
  return out;
}

async function transferTps(url: string, transfers: number, concurrency: number): Promise<number> {
  const senders = await funded(url, concurrency, 100);
  const blockhash = await latestBlockhash(url);
  const queues = senders.map((from, s) =>
    Array.from({ length: Math.ceil(transfers / concurrency) }, (_, i) =>
      sign(from, [SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL / 100 + s * 1000 + i })], blockhash),
    ),
  );
  return throughput(url, queues, 'transfers');
}

/** The first job nonce at or after `from` whose PDA has bump 255 (what post_job requires). */
function nextJobNonce(programId: PublicKey, seed: Buffer, client: PublicKey, from: bigint): bigint {
  for (let nonce = from; ; nonce++) {
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(nonce);
    if (PublicKey.findProgramAddressSync([seed, client.toBuffer(), n], programId)[1] === 255) return nonce;
  }
}

/**
 * The post_job workload: clients holding credits (bought with minted USDC), each posting its
 * jobs in nonce order, the clients side by side. Throws (with the reason) when the market build
 * cannot run it.
 */
async function postJobTps(url: string, jobs: number, concurrency: number): Promise<number> {
  const idl = programIdl<Idl>('peer_market');
  for (const ix of ['buy_credits', 'post_job']) {
    if (!idl.instructions.some((i) => i.name === ix)) throw new Error(`peer_market has no ${ix} instruction yet`);
  }
  const [admin] = await funded(url, 1, 1_000);
  const wallets = mkdtempSync(join(tmpdir(), 'peer-bench-wallets-'));
  try {
    const deployed = await deployAll({ url, payer: admin, walletsDir: wallets });
    const usdcMint = deployed.bootstrap!.usdcMint;
    const market = new Program(idl, new AnchorProvider(new Connection(url, 'confirmed'), new Wallet(admin), { commitment: 'confirmed' }));
    const seed = bytesConstant(idl as never, 'SEED_JOB');
    const perClient = Math.ceil(jobs / concurrency);
    const maxPrice = 50n;
    const clients = await funded(url, concurrency, 10);
    const blockhash = await latestBlockhash(url);
    // Credits first (not timed).
    const setup = await Promise.all(
      clients.map(async (client) => {
        const usdc = getAssociatedTokenAddressSync(usdcMint, client.publicKey);
        const credits = BigInt(perClient) * maxPrice;
        const buy = await market.methods
          .buyCredits(new BN(credits.toString()))
          .accountsPartial({ owner: client.publicKey, source: usdc })
          .instruction();
        return sign(
          client,
          [
            createAssociatedTokenAccountIdempotentInstruction(client.publicKey, usdc, client.publicKey, usdcMint),
            createMintToInstruction(usdcMint, usdc, admin.publicKey, credits * 10_000n),
            buy,
          ],
          blockhash,
          [admin],
        );
      }),
    );
    await throughput(url, setup.map((tx) => [tx]), 'buy_credits');
    const model = [...createHash('sha256').update('llama-3.1-8b-instruct').digest()];
    const queues = await Promise.all(
      clients.map(async (client, c) => {
        const txs: string[] = [];
        let nonce = -1n;
        for (let j = 0; j < perClient; j++) {
          nonce = nextJobNonce(market.programId, seed, client.publicKey, nonce + 1n);
          const n = Buffer.alloc(8);
          n.writeBigUInt64LE(nonce);
          const [job] = PublicKey.findProgramAddressSync([seed, client.publicKey.toBuffer(), n], market.programId);
          const request = {
            tier: { open: {} },
            model,
            maxPrice: new BN(maxPrice.toString()),
            seed: new BN(c * 100_000 + j),
            promptCommitment: [...createHash('sha256').update(`prompt ${c}/${j}`).digest()],
            pinnedWorker: PublicKey.default,
          };
          const ix = await market.methods.postJob(request, new BN(nonce.toString())).accountsPartial({ client: client.publicKey, job }).instruction();
          txs.push(sign(client, [ix], blockhash));
        }
        return txs;
      }),
    );
    return throughput(url, queues, 'post_job');
  } finally {
    rmSync(wallets, { recursive: true, force: true });
  }
}

async function latency(url: string, address: string, samples: number): Promise<{ median: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples + 50; i++) {
    const t = performance.now();
    const r = await call(url, 'getAccountInfo', [address, { encoding: 'base64' }]);
    if (r.error) throw new Error(`getAccountInfo: ${r.error.message}`);
    if (i >= 50) times.push(performance.now() - t); // the first 50 warm up
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { median: Number(at(0.5).toFixed(3)), p99: Number(at(0.99).toFixed(3)) };
}

/** Rows in bench/localnet.ts' shape; post_job is left out (with a note row) when the market cannot run it. */
export async function measureLocalnetServer(opts: LocalnetBenchOptions = {}): Promise<(LocalnetRow & { note?: string })[]> {
  const transfers = opts.transfers ?? 3_000;
  const jobs = opts.postJobs ?? 1_000;
  const concurrency = opts.concurrency ?? 64;
  const samples = opts.latencySamples ?? 2_000;
  const ledger = mkdtempSync(join(tmpdir(), 'peer-bench-ledger-'));
  const rows: (LocalnetRow & { note?: string })[] = [];
  let server: Served | null = null;
  try {
    server = await serve(['--ledger', ledger]);
    const url = server.rpcUrl;
    rows.push({ measure: `server: SOL transfer, --ledger (${concurrency} in flight)`, count: transfers, value: await transferTps(url, transfers, concurrency), unit: 'tx/s' });
    try {
      rows.push({ measure: `server: post_job, --ledger (${concurrency} clients)`, count: jobs, value: await postJobTps(url, jobs, concurrency), unit: 'tx/s' });
    } catch (err) {
      rows.push({ measure: 'server: post_job', count: 0, value: 0, unit: 'tx/s', note: `not measured: ${err instanceof Error ? err.message : String(err)}` });
    }
    const [probe] = await funded(url, 1, 1);
    const lat = await latency(url, probe.publicKey.toBase58(), samples);
    rows.push({ measure: 'server: getAccountInfo latency, median', count: samples, value: lat.median, unit: 'ms' });
    rows.push({ measure: 'server: getAccountInfo latency, p99', count: samples, value: lat.p99, unit: 'ms' });
    await server.stop();
    server = null;
    server = await serve([]);
    rows.push({ measure: `server: SOL transfer, in memory (${concurrency} in flight)`, count: transfers, value: await transferTps(server.rpcUrl, transfers, concurrency), unit: 'tx/s' });
    return rows;
  } finally {
    if (server) await server.stop();
    rmSync(ledger, { recursive: true, force: true });
  }
}

if (require.main === module) {
  measureLocalnetServer().then(
    (rows) => console.table(rows),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
