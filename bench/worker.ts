/**
 * The worker node: tokens per second and time to first token of the demo model called directly
 * (engine.generate) against the same jobs through the worker's endpoint (seal → POST → SSE
 * decrypt → submit on chain → verify), the memory one loaded model takes, and the overhead per
 * job: the worker's RPC calls and transactions, bytes on the wire, and milliseconds beyond
 * generation. On a local network deployed like `npm start`. Reported, never asserted.
 */
import { Connection, Keypair } from '@solana/web3.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalnet } from '../localnet';
import { deployAll } from '../migrations/deploy';
import * as sdk from '../sdk/src';
import { createLogger } from '../service-kit/log';
import { loadWorkerConfig } from '../worker/config';
import { closeEngines, LlamaEngine } from '../worker/engine';
import { makeProfile } from '../worker/profile';
import { startWorker } from '../worker/service';
import { REPO_ROOT } from '../tools/workspace';

export interface WorkerBenchRow {
  path: string;
  jobs: number;
  tokensPerJob: number;
  tokensPerSecond: number;
  ttftMs: number;
  msPerJob: number;
}

export interface WorkerBench {
  rows: WorkerBenchRow[];
  overhead: Record<string, string | number>[];
  model: { loadMs: number; rssMiB: number };
}

export const PROMPTS = ['The President said', 'Call me', 'Our nation', 'The sea', 'We the people'];
export const MAX_TOKENS = 128;

/** The bench prompts through a loaded engine, one after another: tokens/s, mean TTFT, ms per job. */
export async function measureDirect(engine: LlamaEngine): Promise<{ jobs: number; tokensPerJob: number; tokensPerSecond: number; ttftMs: number; msPerJob: number }> {
  let ttft = 0;
  let tokens = 0;
  const started = performance.now();
  for (const [i, prompt] of PROMPTS.entries()) {
    const t0 = performance.now();
    let first = 0;
    const r = await engine.generate({ v: 1, maxTokens: MAX_TOKENS, prompt }, BigInt(i), MAX_TOKENS, { onText: () => (first ||= performance.now() - t0) });
    ttft += first;
    tokens += r.tokens.length;
  }
  const ms = performance.now() - started;
  return { jobs: PROMPTS.length, tokensPerJob: tokens / PROMPTS.length, tokensPerSecond: Math.round((tokens / ms) * 1000), ttftMs: Math.round(ttft / PROMPTS.length), msPerJob: Math.round(ms / PROMPTS.length) };
}

export async function measureWorker(): Promise<WorkerBench> {
  const modelPath = join(REPO_ROOT, 'worker', 'models', 'peer-demo.gguf');
  const sha256 = readFileSync(`${modelPath}.sha256`, 'utf8').trim().split(/\s+/)[0];
  const profile = makeProfile({ name: 'peer-demo', weightsSha256: sha256, addBos: true });

  // Memory per loaded model: RSS before and after a second, separate load of the same file.
  const warm = await LlamaEngine.load(profile, modelPath);
  const rssBefore = process.memoryUsage().rss;
  const second = await LlamaEngine.load(profile, modelPath);
  const rssMiB = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  const loadMs = second.loadMs;
  await second.close();

  // Direct.
  const direct = await measureDirect(warm);
  await warm.close();
  const rows: WorkerBenchRow[] = [{ path: 'engine.generate (direct)', ...direct }];

  // Through the endpoint, on a local network.
  const net = await startLocalnet({ rpcPort: 0, slotMs: 50 });
  const dir = mkdtempSync(join(tmpdir(), 'peer-bench-worker-'));
  try {
    const admin = Keypair.generate();
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: dir });
    const connection = new Connection(net.rpcUrl, 'confirmed');
    const transport = new sdk.ConnectionTransport(connection, { pollMs: 20 });
    const counting = sdk.countingTransport(transport);
    const read = (name: string) => Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as number[]));
    const clientCtx = sdk.createContext({ transport, wallet: read('client') });
    const matcher = Keypair.generate();
    await net.bank.requestAirdrop(matcher.publicKey.toBase58(), 10_000_000_000n).committed;
    await sdk.addMatcher(sdk.createContext({ transport, wallet: admin }), { matcher: matcher.publicKey });
    const matcherCtx = sdk.createContext({ transport, wallet: matcher });
    await sdk.buyCredits(clientCtx, { credits: 1_000n });
    const { config, secrets } = loadWorkerConfig({
      env: {},
      flags: { 'rpc.url': net.rpcUrl, 'http.port': 0, 'store.path': join(dir, 'w.sqlite'), 'market.bond': '5000', 'market.self_claim': false, 'market.poll_ms': 600_000 },
    });
    void deployed;
    const worker = await startWorker({ config, rpcUrl: net.rpcUrl, secrets, keypair: read('worker'), transport: counting, log: createLogger({ service: 'worker', write: () => undefined }) });
    const modelId = new Uint8Array(Buffer.from(worker.backend.models()[0].id, 'hex'));
    let ttft = 0;
    let tokens = 0;
    let endpointMs = 0;
    let envelopeBytes = 0;
    let resultBytes = 0;
    let frames = 0;
    let streamedBytes = 0;
    counting.reset();
    for (const [i, prompt] of PROMPTS.entries()) {
      const posted = await sdk.postJob(clientCtx, { prompt, maxTokens: MAX_TOKENS, model: modelId, maxPrice: 10n, worker: worker.worker, seed: BigInt(i) });
      await sdk.assignJob(matcherCtx, { job: posted.job, worker: worker.worker });
      envelopeBytes += posted.envelope.length;
      const t0 = performance.now();
      let first = 0;
      const r = await sdk.runJobOnWorker(clientCtx, {
        job: posted.job,
        opening: posted.opening,
        reply: posted.reply,
        onText: (t) => {
          first ||= performance.now() - t0;
          frames++;
          streamedBytes += Buffer.byteLength(t);
        },
      });
      endpointMs += performance.now() - t0;
      ttft += first;
      tokens += r.completionTokens;
      resultBytes += (await sdk.fetchWorkerResult(worker.endpoint, posted.job))!.envelope.length;
    }
    const perJob = (n: number) => Math.round((n / PROMPTS.length) * 10) / 10;
    rows.push({ path: 'worker endpoint (seal, SSE, submit, verify)', jobs: PROMPTS.length, tokensPerJob: tokens / PROMPTS.length, tokensPerSecond: Math.round((tokens / endpointMs) * 1000), ttftMs: Math.round(ttft / PROMPTS.length), msPerJob: Math.round(endpointMs / PROMPTS.length) });
    const overhead = [
      { what: 'worker transactions per job (submit_result; pinned jobs claimed by the worker add one)', value: perJob(counting.transactions) },
      { what: 'worker RPC calls per job (reads, simulate, send)', value: perJob(counting.total()) },
      { what: 'prompt envelope bytes per job (request + 138: version, reply key, nonce, job, salt, MAC)', value: perJob(envelopeBytes) },
      { what: 'stream frames per job / bytes each beyond the text (46)', value: `${perJob(frames)} / 46` },
      { what: 'streamed text bytes per job', value: perJob(streamedBytes) },
      { what: 'result envelope bytes per job (base64)', value: perJob(resultBytes) },
      { what: 'ms per job beyond direct generation (endpoint − direct)', value: Math.round(endpointMs / PROMPTS.length - direct.msPerJob) },
    ];
    await worker.stop();
    return { rows, overhead: overhead.map((o) => ({ ...o })), model: { loadMs: Math.round(loadMs), rssMiB: Math.round(rssMiB * 10) / 10 } };
  } finally {
    await closeEngines();
    await net.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
