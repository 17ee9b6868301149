/**
 * The gateway's cost over calling the worker's engine directly, on the local network with the
 * in-process demo model: time to first token and total latency (median, p99) for the same
 * requests through the engine and through the gateway + market (post, assign, seal, stream,
 * verify); requests per second with concurrent streams; and the transactions and compute units
 * each request costs on chain (from the local network's own history).
 */
import OpenAI from 'openai';
import { toHex } from '../sdk/src/crypto/envelope';
import { startMarket, startTestGateway } from '../tests/gateway/helpers';
import { startTestWorker } from '../tests/gateway/worker-node';

export interface GatewayLatencyRow {
  path: string;
  requests: number;
  ttftMedianMs: number;
  ttftP99Ms: number;
  totalMedianMs: number;
  totalP99Ms: number;
}

export interface GatewayBench {
  latency: GatewayLatencyRow[];
  throughput: { path: string; concurrent: number; requests: number; seconds: number; requestsPerSecond: number }[];
  chain: { transactionsPerRequest: number; computeUnitsPerRequest: number; gatewayTransactionsPerRequest: number; note: string }[];
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] * 10) / 10;
};

function row(path: string, ttft: number[], total: number[]): GatewayLatencyRow {
  return { path, requests: total.length, ttftMedianMs: quantile(ttft, 0.5), ttftP99Ms: quantile(ttft, 0.99), totalMedianMs: quantile(total, 0.5), totalP99Ms: quantile(total, 0.99) };
}

export async function measureGateway(opts: { sequential?: number; concurrent?: number; maxTokens?: number } = {}): Promise<GatewayBench> {
  const sequential = opts.sequential ?? 12;
  const concurrent = opts.concurrent ?? 16;
  const maxTokens = opts.maxTokens ?? 16;
  const m = await startMarket();
  const worker = await startTestWorker(m, { flags: { 'market.capacity': concurrent } });
  const gw = await startTestGateway(m, { usdc: 100_000_000n, flags: { demo_key: 'bench-key-0123456789abcdef', demo_credits: 2_000, reconcile_interval_ms: 500 } });
  try {
    const client = new OpenAI({ apiKey: 'bench-key-0123456789abcdef', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const model = (await client.models.list()).data[0].id;
    const modelHex = (await gw.directory.models())[0].peer.model_id;
    const prompt = (i: number) => [{ role: 'user' as const, content: `Call me Ishmael ${i}` }];

    const direct = async (i: number) => {
      const t0 = performance.now();
      let first = 0;
      await worker.backend.generate(modelHex, { v: 1, maxTokens, messages: prompt(i) }, BigInt(i), {
        onText: () => {
          if (!first) first = performance.now() - t0;
        },
      });
      return { ttft: first || performance.now() - t0, total: performance.now() - t0 };
    };
    const viaGateway = async (i: number) => {
      const t0 = performance.now();
      let first = 0;
      const stream = await client.chat.completions.create({ model, messages: prompt(i), max_tokens: maxTokens, seed: i, stream: true });
      for await (const chunk of stream) if (!first && chunk.choices[0]?.delta?.content) first = performance.now() - t0;
      return { ttft: first || performance.now() - t0, total: performance.now() - t0 };
    };

    await direct(0);
    await viaGateway(0);
    const d: { ttft: number; total: number }[] = [];
    const g: { ttft: number; total: number }[] = [];
    for (let i = 1; i <= sequential; i++) {
      d.push(await direct(i));
      g.push(await viaGateway(i));
    }

    const historyBefore = m.net.bank.history.all().length;
    const writerBefore = gw.writer.stats.transactions;
    const t1 = performance.now();
    await Promise.all(Array.from({ length: concurrent }, (_, i) => viaGateway(1000 + i)));
    const gatewaySeconds = (performance.now() - t1) / 1000;
    // Let the reconciler finalize every job, so each request's whole on-chain life is counted.
    for (let i = 0; i < 200 && gw.ledger.liveHolds().length > 0; i++) await gw.reconciler.tick();
    const records = m.net.bank.history.all().slice(historyBefore).filter((r) => r.err === null);
    const units = records.reduce((s, r) => s + r.computeUnits, 0);
    const gatewayTxs = gw.writer.stats.transactions - writerBefore;

    const t2 = performance.now();
    await Promise.all(Array.from({ length: concurrent }, (_, i) => direct(2000 + i)));
    const directSeconds = (performance.now() - t2) / 1000;

    void toHex;
    return {
      latency: [
        row('engine directly (worker backend, in process)', d.map((x) => x.ttft), d.map((x) => x.total)),
        row('gateway + market (openai client, SSE)', g.map((x) => x.ttft), g.map((x) => x.total)),
        {
          path: 'overhead (gateway − engine)',
          requests: sequential,
          ttftMedianMs: Math.round((quantile(g.map((x) => x.ttft), 0.5) - quantile(d.map((x) => x.ttft), 0.5)) * 10) / 10,
          ttftP99Ms: Math.round((quantile(g.map((x) => x.ttft), 0.99) - quantile(d.map((x) => x.ttft), 0.99)) * 10) / 10,
          totalMedianMs: Math.round((quantile(g.map((x) => x.total), 0.5) - quantile(d.map((x) => x.total), 0.5)) * 10) / 10,
          totalP99Ms: Math.round((quantile(g.map((x) => x.total), 0.99) - quantile(d.map((x) => x.total), 0.99)) * 10) / 10,
        },
      ],
      throughput: [
        { path: 'engine directly', concurrent, requests: concurrent, seconds: Math.round(directSeconds * 100) / 100, requestsPerSecond: Math.round((concurrent / directSeconds) * 10) / 10 },
        { path: 'gateway + market', concurrent, requests: concurrent, seconds: Math.round(gatewaySeconds * 100) / 100, requestsPerSecond: Math.round((concurrent / gatewaySeconds) * 10) / 10 },
      ],
      chain: [
        {
          transactionsPerRequest: Math.round((records.length / concurrent) * 100) / 100,
          computeUnitsPerRequest: Math.round(units / concurrent),
          gatewayTransactionsPerRequest: Math.round((gatewayTxs / concurrent) * 100) / 100,
          note: `post+assign packed ≤4 jobs per tx by the gateway, submit_result by the worker, finalize packed by the reconciler; max_tokens ${maxTokens}`,
        },
      ],
    };
  } finally {
    await gw.stop();
    await worker.stop();
    await m.close();
  }
}

if (require.main === module) {
  measureGateway().then(
    (r) => {
      console.table(r.latency);
      console.table(r.throughput);
      console.table(r.chain);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
