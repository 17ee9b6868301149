/**
 * The worker service: the backend (in-process model, upstream or ghost), the job endpoint on a
 * real port with /health and /metrics, the SQLite job store, and the node loop.
 *
 * Start order: config checked → keypair read → backend loaded (weights hash checked) → store
 * opened → endpoint listening → on-chain registration synced → interrupted jobs resumed → node
 * loop started. `stop()` reverses it and lets a generation in progress finish its submission.
 */
import { Keypair, type PublicKey } from '@solana/web3.js';
import { Hono } from 'hono';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Tier } from '../sdk/src/accounts/market';
import { createContext, type PeerContext } from '../sdk/src/context';
import { toHex, workerEncryptionKeypair } from '../sdk/src/crypto/envelope';
import { describeSettings } from '../sdk/src/flows/settings';
import { workerStatus } from '../sdk/src/flows/worker';
import { findWorkerPda } from '../sdk/src/pda';
import type { Transport } from '../sdk/src/rpc/transport';
import { ConfigError } from '../service-kit/config';
import { startHttp, type HttpHandle } from '../service-kit/http';
import { createLogger, type Logger } from '../service-kit/log';
import { Metrics } from '../service-kit/metrics';
import { LlamaBackend, OpenAICompatibleBackend, type Backend } from './backends';
import { expandHome } from '../service-kit/cluster';
import { readKeypairFile } from '../service-kit/keypair';
import { parseTokens, type WorkerConfig } from './config';
import { downloadModel } from './download';
import { observeJob, workerMetrics, workerRoutes, type MarketView } from './endpoint';
import { attestAndRegister, openWorkerEnclave, type WorkerEnclave } from './enclave';
import { fileSha256, LlamaEngine } from './engine';
import { JobRunner } from './jobs';
import { NodeLoop, syncRegistration } from './node';
import { checkProfile, makeProfile, type ExecutionProfile, type TemplateName } from './profile';
import { JobStore } from './store';

export interface StartWorkerOptions {
  config: WorkerConfig;
  rpcUrl: string;
  secrets?: string[];
  /** Tests: the keypair itself instead of config.keypair's file. */
  keypair?: Keypair;
  /** Tests: a transport (e.g. counting) instead of a connection to rpcUrl. */
  transport?: Transport;
  log?: Logger;
  /** Tests: the enclave instead of opening one from the config. */
  enclave?: WorkerEnclave | null;
  /** Called with the enclave once opened: e.g. get it attested and run register_enclave. */
  onEnclave?: (enclave: WorkerEnclave, ctx: PeerContext) => Promise<void>;
  /** Tests: the cheat randomness. */
  random?: () => number;
}

export interface RunningWorker {
  url: string;
  endpoint: string;
  port: number;
  worker: PublicKey;
  ctx: PeerContext;
  backend: Backend;
  runner: JobRunner;
  node: NodeLoop;
  store: JobStore;
  metrics: Metrics;
  enclave: WorkerEnclave | null;
  stop(): Promise<void>;
}


/** Builds the configured backend (downloads and checks the model for the llama backend). */
export async function createBackend(config: WorkerConfig, log: Logger): Promise<Backend> {
  if (config.backend === 'llama') {
    let path = config['llama.model'];
    if (/^https?:\/\//.test(path)) {
      log.info('model.download', { url: path.replace(/\?.*$/, ''), sha256: config['llama.sha256'] });
      path = await downloadModel({ url: path, sha256: config['llama.sha256'], dir: expandHome(config['llama.models_dir']) });
    } else {
      path = expandHome(path);
      if (!existsSync(path)) throw new ConfigError(`llama.model ${path} does not exist`);
    }
    const sha = await fileSha256(path);
    if (config['llama.sha256'] && config['llama.sha256'] !== sha) throw new ConfigError(`llama.model ${path} has sha256 ${sha}, not the configured llama.sha256 ${config['llama.sha256']}`);
    const profile = makeProfile({
      name: config['llama.name'] || basename(path).replace(/\.gguf$/, '').replace(/[^\w.-]/g, '-').slice(0, 64),
      weightsSha256: sha,
      sampler: { temperature: config['llama.temperature'], topK: config['llama.top_k'], topP: config['llama.top_p'], minP: config['llama.min_p'] },
      context: { size: config['llama.context_size'], batchSize: Math.min(config['llama.batch_size'], config['llama.context_size']) },
      template: config['llama.template'] as TemplateName,
      addBos: config['llama.add_bos'],
    });
    const engine = await LlamaEngine.load(profile, path, { threads: config['llama.threads'] });
    log.info('model.loaded', { name: profile.name, profile_id: engine.id, weights_sha256: sha.slice(0, 16), ms: Math.round(engine.loadMs), deterministic: true });
    return new LlamaBackend([engine]);
  }
  if (config.backend === 'upstream') {
    let profile: ExecutionProfile | undefined;
    if (config['upstream.profile_file']) {
      try {
        profile = checkProfile(JSON.parse(readFileSync(expandHome(config['upstream.profile_file']), 'utf8')) as ExecutionProfile);
      } catch (err) {
        throw new ConfigError(`upstream.profile_file: ${(err as Error).message}`);
      }
    }
    const b = new OpenAICompatibleBackend({ kind: 'upstream', baseUrl: config['upstream.url'], model: config['upstream.model'], apiKey: config['upstream.api_key'] || undefined, profile });
    log.info('backend.upstream', { url: config['upstream.url'], model: config['upstream.model'], deterministic: profile !== undefined, model_id: b.models()[0].id });
    return b;
  }
  const b = new OpenAICompatibleBackend({ kind: 'ghost', baseUrl: config['ghost.url'], model: config['ghost.model'], apiKey: config['ghost.api_key'] });
  log.info('backend.ghost', { url: config['ghost.url'], model: config['ghost.model'], tiers: 'open', note: 'hosted APIs are not deterministic: open tier only', model_id: b.models()[0].id });
  return b;
}

export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  const config = opts.config;
  const log = opts.log ?? createLogger({ service: 'worker', format: config['log.format'] as 'text' | 'json', secrets: opts.secrets ?? [] });
  const keypair = opts.keypair ?? readKeypairFile(config.keypair, 'keypair');
  const ctx = opts.transport ? createContext({ transport: opts.transport, wallet: keypair }) : createContext({ url: opts.rpcUrl, wallet: keypair });
  const worker = findWorkerPda(keypair.publicKey, ctx.programs.market)[0];
  const keys = workerEncryptionKeypair(keypair.secretKey);
  const tiers = config['market.tiers'] as Tier[];

  const backend = await createBackend(config, log);
  let enclave: WorkerEnclave | null = opts.enclave ?? null;
  if (enclave === null && opts.enclave === undefined && config['confidential.enclave'] !== 'none') {
    enclave = await openWorkerEnclave(config['confidential.enclave'] as 'tsm' | 'dev', config['confidential.insecure_dev_enclave']);
  }
  if (enclave) log[enclave.hardwareAttested ? 'info' : 'warn']('enclave.opened', { label: enclave.label, enclave_key: toHex(enclave.publicKey).slice(0, 16), hardware_attested: enclave.hardwareAttested });

  const store = new JobStore(config['store.path'] === ':memory:' ? ':memory:' : expandHome(config['store.path']));
  const metrics = new Metrics();
  const wm = workerMetrics(metrics);
  const runner = new JobRunner({
    ctx,
    worker,
    keys,
    enclave,
    backend,
    store,
    log,
    cheat: config['cheat.rate'] > 0 ? { rate: config['cheat.rate'], random: opts.random } : undefined,
    onFinished: (info) => observeJob(wm, info),
  });
  if (config['cheat.rate'] > 0) log.warn('worker.cheating', { rate: config['cheat.rate'], note: 'DEMO: this worker alters answers on purpose' });

  let onChain: MarketView | null = null;
  const prices: Partial<Record<Tier, bigint>> = {
    open: BigInt(config['market.price_open']),
    verified: BigInt(config['market.price_verified']),
    confidential: BigInt(config['market.price_confidential']),
  };
  const market = (): MarketView => onChain ?? { worker: null, tiers, prices, capacity: config['market.capacity'], activeJobs: 0 };

  const node = new NodeLoop({
    ctx,
    worker,
    backend,
    store,
    log,
    selfClaim: config['market.self_claim'],
    claimEarningsAbove: parseTokens(config['market.claim_earnings_above'], 6, 'market.claim_earnings_above'),
    intervalMs: config['market.poll_ms'],
  });

  const app = new Hono();
  workerRoutes(app, { runner, metrics: wm, log, market });
  let http: HttpHandle;
  try {
    http = await startHttp({
      service: 'worker',
      host: config['http.host'],
      port: config['http.port'],
      app,
      metrics,
      log,
      health: () => {
        const stale = node.lastTickAt > 0 && Date.now() - node.lastTickAt > Math.max(30_000, config['market.poll_ms'] * 5);
        const store_counts = store.counts();
        return {
          ok: !stale && node.lastError === null,
          checks: { worker: worker.toBase58(), backend: backend.kind, models: backend.models().map((m) => m.name), last_tick_ms_ago: node.lastTickAt ? Date.now() - node.lastTickAt : null, last_error: node.lastError, jobs: store_counts, enclave: enclave?.label ?? null },
        };
      },
    });
  } catch (err) {
    store.close();
    await backend.close();
    throw err;
  }
  const endpoint = config['http.public_url'] || http.url;

  const stopAll = async () => {
    await node.stop();
    await http.close();
    await backend.close();
    store.close();
  };
  try {
    if (config['market.register']) {
      await syncRegistration(ctx, backend, { tiers, prices, capacity: config['market.capacity'], endpoint, encryptionKey: keys.publicKey, bond: parseTokens(config['market.bond'], 9, 'market.bond') }, log);
    }
    // After registration: the enclave key is registered against the worker account.
    if (enclave && opts.onEnclave) await opts.onEnclave(enclave, ctx);
    else if (enclave && config['confidential.authority_url']) {
      const done = await attestAndRegister(enclave, ctx, config['confidential.authority_url']);
      log.info('enclave.registered', { how: done, label: enclave.label, authority_url: config['confidential.authority_url'] });
    } else if (enclave) {
      log.warn('enclave.unregistered', { hint: 'set confidential.authority_url so the enclave key is attested and registered; until then confidential results do not verify' });
    }
    const resumed = await runner.resume();
    if (resumed.submitted + resumed.rerun + resumed.expired > 0) log.info('worker.resumed', resumed);
  } catch (err) {
    await stopAll();
    throw err;
  }
  const refresh = async () => {
    const s = await workerStatus(ctx);
    if (!s.data) return;
    const settings = describeSettings(s.data.settings);
    onChain = { worker: worker.toBase58(), tiers: settings.tiers, prices: settings.prices, capacity: settings.capacity, activeJobs: s.data.activeJobs };
  };
  const refreshQuietly = () => refresh().catch((err: unknown) => log.warn('worker.status_failed', { error: (err as Error).message.split('\n')[0] }));
  await refreshQuietly();
  const refresher = setInterval(() => void refreshQuietly(), Math.max(1000, config['market.poll_ms']));
  node.start();
  log.info('worker.started', { worker: worker.toBase58(), endpoint, backend: backend.kind, tiers: tiers.join(','), capacity: config['market.capacity'] });

  return {
    url: http.url,
    endpoint,
    port: http.port,
    worker,
    ctx,
    backend,
    runner,
    node,
    store,
    metrics,
    enclave,
    stop: async () => {
      clearInterval(refresher);
      await stopAll();
      log.info('worker.stopped', {});
    },
  };
}
