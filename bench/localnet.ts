/**
 * The local network's throughput and latency over loopback JSON-RPC: transactions per second
 * for SOL transfers and for `post_job` (sent concurrently, counted once confirmed), and the
 * median and p99 latency of `getAccountInfo`. Reported, never asserted.
 */
import { getOrCreateAssociatedTokenAccount, mintTo } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from '@solana/web3.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalnet } from '../localnet';
import { deployAll } from '../migrations/deploy';
import * as sdk from '../sdk/src';

export interface LocalnetRow {
  measure: string;
  count: number;
  value: number;
  unit: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function measureLocalnet(): Promise<LocalnetRow[]> {
  const net = await startLocalnet({ rpcPort: 0 });
  try {
    const connection = new Connection(net.rpcUrl, 'confirmed');
    const admin = Keypair.generate();
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: mkdtempSync(join(tmpdir(), 'peer-bench-')) });
    const rows: LocalnetRow[] = [];

    // SOL transfers: distinct recipients, sent at once, confirmed together.
    const transfers = 400;
    const sender = Keypair.generate();
    await connection.confirmTransaction(await connection.requestAirdrop(sender.publicKey, 100 * LAMPORTS_PER_SOL), 'confirmed');
    const { blockhash } = await connection.getLatestBlockhash();
    const txs = Array.from({ length: transfers }, () => {
      const tx = new Transaction({ feePayer: sender.publicKey, recentBlockhash: blockhash }).add(
        SystemProgram.transfer({ fromPubkey: sender.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 }),
      );
      tx.sign(sender);
      return tx.serialize();
    });
    const transferMs = await timed(async () => {
      const sigs = await Promise.all(txs.map((raw) => connection.sendRawTransaction(raw, { skipPreflight: true })));
      await Promise.all(sigs.map((s) => connection.confirmTransaction({ signature: s, blockhash, lastValidBlockHeight: Number.MAX_SAFE_INTEGER }, 'confirmed')));
    });
    rows.push({ measure: 'SOL transfer throughput', count: transfers, value: Math.round((transfers / transferMs) * 1000), unit: 'tx/s' });

    // post_job: one job per client at once (each client's nonce is its own).
    const clients = 100;
    const contexts: sdk.PeerContext[] = [];
    for (let i = 0; i < clients; i++) {
      const wallet = Keypair.generate();
      await connection.confirmTransaction(await connection.requestAirdrop(wallet.publicKey, 10 * LAMPORTS_PER_SOL), 'confirmed');
      contexts.push(sdk.createContext({ connection, wallet }));
    }
    // Credits come from USDC the admin mints (the local mint authority) to each client.
    const usdc = deployed.bootstrap!.usdcMint;
    for (const ctx of contexts) {
      const ata = await getOrCreateAssociatedTokenAccount(connection, admin, usdc, ctx.wallet.publicKey);
      await mintTo(connection, admin, usdc, ata.address, admin, 1_000_000n);
      await sdk.buyCredits(ctx, { credits: 100n });
    }
    const workerCtx = sdk.createContext({ connection, wallet: Keypair.generate() });
    await connection.confirmTransaction(await connection.requestAirdrop(workerCtx.wallet.publicKey, 10 * LAMPORTS_PER_SOL), 'confirmed');
    const { worker } = await sdk.registerWorker(workerCtx, { tiers: ['open'], models: ['bench-model'], prices: { open: 1n }, capacity: 32, endpoint: 'http://127.0.0.1:1/v1' });
    const postMs = await timed(() =>
      Promise.all(contexts.map((ctx) => sdk.postJob(ctx, { model: 'bench-model', tier: 'open', maxPrice: 5n, prompt: 'bench', worker }))),
    );
    rows.push({ measure: 'post_job throughput (SDK: simulate, send, confirm)', count: clients, value: Math.round((clients / postMs) * 1000), unit: 'tx/s' });

    // getAccountInfo latency, sequential.
    const latencies: number[] = [];
    for (let i = 0; i < 500; i++) latencies.push(await timed(() => connection.getAccountInfo(worker)));
    latencies.sort((a, b) => a - b);
    rows.push({ measure: 'getAccountInfo latency, median', count: latencies.length, value: Number(percentile(latencies, 50).toFixed(3)), unit: 'ms' });
    rows.push({ measure: 'getAccountInfo latency, p99', count: latencies.length, value: Number(percentile(latencies, 99).toFixed(3)), unit: 'ms' });
    return rows;
  } finally {
    await net.close();
  }
}

if (require.main === module) {
  measureLocalnet()
    .then((rows) => console.table(rows))
    .catch((err: unknown) => {
      console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
