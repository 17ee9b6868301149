/**
 * The dashboard service: the indexer (logsSubscribe + polling → SQLite), the chain reader, and the
 * HTTP face: the single-page app under plain URLs, its JSON API, a Server-Sent Events stream of
 * indexed transactions, uPlot served from node_modules, /health and /metrics. It holds no key and
 * signs nothing of its own: the demo button only forwards a fixed prompt to a configured gateway;
 * the browser-tab bridge (bridge.ts, `tab.enabled`) relays what tabs sign themselves; its faucet
 * (`tab.faucet_keypair`) exists on local networks only.
 */
import { Connection, PublicKey } from '@solana/web3.js';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, defaultProgramIds, ReadonlyWallet, stakerStatus } from '../sdk/src';
import { createLogger, expandHome, Metrics, readKeypairFile, startHttp, type HttpHandle, type Logger } from '../service-kit';
import { DEMO_MODEL_PATH } from '../worker';
import { tabModelFile, tabRoutes } from './bridge';
import { ChainReader, type ChainSnapshot } from './chain';
import type { DashboardConfig, ResolvedDashboard } from './config';
import { Indexer, type IndexedTx } from './indexer';
import { openDashboardStore, type DashboardStore } from './store';
import { liveView, networkView, parseAddress, txView, validatorsView, workersView, workerView } from './views';
import { stakingView } from './staking';

export interface StartDashboardServiceOptions {
  config: DashboardConfig;
  resolved: ResolvedDashboard;
  write?: (line: string) => void;
}

export interface DashboardService {
  url: string;
  port: number;
  log: Logger;
  db: DashboardStore;
  indexer: Indexer;
  /** Runs one indexer pass now (tests, benches). */
  sync(): Promise<void>;
  stop(): Promise<void>;
}

const WEB = join(__dirname, 'web');
const UPLOT = join(__dirname, '..', 'node_modules', 'uplot', 'dist');
const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/app.js': { file: join(WEB, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/style.css': { file: join(WEB, 'style.css'), type: 'text/css; charset=utf-8' },
  '/assets/uplot.js': { file: join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/uplot.css': { file: join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};
/** The app's pages: every one serves the same shell; the script renders by path. */
const PAGES = ['/', '/live', '/workers', '/workers/:address', '/staking', '/disputes', '/tx/:sig'];
/**
 * The tab worker page runs llama.cpp in WebAssembly: its CSP allows wasm compilation and the
 * engine's blob: workers, and cross-origin isolation (COOP/COEP) enables its threads.
 */
const TAB_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; style-src 'self'; img-src 'self' data:; connect-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export async function startDashboardService(opts: StartDashboardServiceOptions): Promise<DashboardService> {
  const { config, resolved } = opts;
  const secrets = resolved.gatewayApiKey ? [resolved.gatewayApiKey] : [];
  const log = createLogger({ service: 'dashboard', format: config.log_format as 'text' | 'json', secrets, write: opts.write });
  const registry = new Metrics();
  const txCounter = registry.counter('dashboard_indexed_transactions_total', 'transactions of our programs indexed');
  const syncErrors = registry.counter('dashboard_sync_errors_total', 'indexer passes that failed');
  const streams = registry.gauge('dashboard_sse_clients', 'pages connected to the live stream');
  const requests = registry.counter('dashboard_http_requests_total', 'HTTP requests by route');

  const defaults = defaultProgramIds();
  const programs = { market: resolved.marketProgram ?? defaults.market, staking: resolved.stakingProgram ?? defaults.staking };
  const commitment = config.commitment as 'confirmed' | 'finalized';
  const connection = new Connection(resolved.rpcUrl, { commitment, wsEndpoint: resolved.wsUrl });
  const db = openDashboardStore(config.store);
  const chain = new ChainReader(connection, programs, Math.max(1_000, config.poll_ms));
  const ctx = createContext({ transport: chain.transport, wallet: new ReadonlyWallet(PublicKey.default), programs: { ...defaults, ...programs }, commitment });

  // Live clients: each gets every indexed transaction as an SSE 'tx' event.
  const listeners = new Set<(tx: IndexedTx) => void>();
  const indexer = new Indexer(connection, db, programs, {
    commitment,
    pollMs: config.poll_ms,
    backfillLimit: config.backfill_limit,
    log,
    onTx: (tx) => {
      txCounter.inc();
      chain.invalidate();
      log.info('indexed', { sig: tx.sig.slice(0, 16), slot: tx.slot, events: tx.events.join(',') || '-' });
      for (const l of listeners) l(tx);
    },
    onSynced: () => {
      if (indexer.lastError) syncErrors.inc();
    },
  });

  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    const tabPage = c.req.path === '/tab' || c.req.path.startsWith('/tab/');
    for (const [k, v] of Object.entries(tabPage ? TAB_HEADERS : SECURITY_HEADERS)) c.header(k, v);
  });
  const shell = () => readFileSync(join(WEB, 'index.html'), 'utf8');
  for (const page of PAGES) app.get(page, (c) => c.html(shell()));
  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, (c) => c.body(readFileSync(asset.file), 200, { 'content-type': asset.type, 'cache-control': 'no-cache' }));
  }

  const api = (route: string, build: (c: Context, snap: () => Promise<ChainSnapshot>) => Promise<unknown> | unknown) =>
    app.get(route, async (c) => {
      requests.inc({ route });
      try {
        const body = await build(c, () => chain.snapshot());
        if (body === null) return c.json({ error: 'not found' }, 404);
        return c.json(body);
      } catch (err) {
        const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
        if (msg === 'not a base58 address') return c.json({ error: msg }, 400);
        log.warn('api.failed', { route, error: msg });
        return c.json({ error: 'the chain could not be read right now' }, 503);
      }
    });
  const names = config.models;
  api('/api/network', async (_c, snap) => networkView(await snap(), db));
  api('/api/live', () => ({ ...liveView(db), demo: resolved.gatewayUrl !== null }));
  api('/api/workers', async (_c, snap) => workersView(await snap(), db, names));
  api('/api/workers/:address', async (c, snap) => {
    const address = parseAddress(c.req.param('address') ?? '');
    const view = workerView(await snap(), db, names, address!.toBase58());
    return view.worker ? view : null;
  });
  api('/api/staking', async (c, snap) => {
    const owner = parseAddress(c.req.query('owner'));
    return stakingView(await snap(), db, owner ? await stakerStatus(ctx, owner) : null);
  });
  api('/api/disputes', async (_c, snap) => validatorsView(await snap(), db));
  api('/api/tx/:sig', (c) => {
    const sig = c.req.param('sig') ?? '';
    if (!/^[1-9A-HJ-NP-Za-km-z]{32,90}$/.test(sig)) throw new Error('not a base58 address');
    return txView(db, sig);
  });

  app.get('/api/stream', (c) =>
    streamSSE(c, async (stream) => {
      const queue: IndexedTx[] = [];
      let wake: (() => void) | null = null;
      const push = (tx: IndexedTx) => {
        queue.push(tx);
        wake?.();
      };
      listeners.add(push);
      streams.set(listeners.size);
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ at: Date.now() }) });
      while (open) {
        if (queue.length === 0) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 15_000); // a comment keeps proxies from closing an idle stream
          });
          wake = null;
          if (queue.length === 0 && open) await stream.write(': keep-alive\n\n');
          continue;
        }
        const tx = queue.shift()!;
        await stream.writeSSE({ event: 'tx', data: JSON.stringify(tx), id: tx.sig });
      }
      listeners.delete(push);
      streams.set(listeners.size);
    }),
  );

  app.post('/api/demo-job', async (c) => {
    if (!resolved.gatewayUrl || !resolved.gatewayApiKey) return c.json({ error: 'no gateway configured (gateway_url and gateway_api_key)' }, 404);
    const snap = await chain.snapshot().catch(() => null);
    const model = names[0] ?? null;
    if (!model || !snap) return c.json({ error: 'set models: to the name of a model the workers serve' }, 503);
    const started = Date.now();
    try {
      const res = await fetch(new URL('/v1/chat/completions', resolved.gatewayUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${resolved.gatewayApiKey}` },
        body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'Say hello to the Peer Cycles network in five words.' }] }),
        signal: AbortSignal.timeout(120_000),
      });
      log.info('demo_job', { status: res.status, ms: Date.now() - started });
      const body = (await res.json().catch(() => ({}))) as { choices?: { message?: { content?: string } }[]; error?: { message?: string } };
      if (!res.ok) return c.json({ error: `the gateway answered ${res.status}: ${String(body.error?.message ?? '').slice(0, 200)}` }, 502);
      return c.json({ answer: String(body.choices?.[0]?.message?.content ?? '').slice(0, 500), ms: Date.now() - started });
    } catch (err) {
      log.warn('demo_job.failed', { error: err instanceof Error ? err.message : String(err) });
      return c.json({ error: 'the gateway could not be reached' }, 502);
    }
  });

  // Browser-tab workers: the page, its bridge and (local networks) its faucet.
  let httpUrl = '';
  const tabs = config['tab.enabled']
    ? tabRoutes(app, {
        log,
        metrics: registry,
        rpcUrl: resolved.rpcUrl,
        cluster: config.cluster,
        programs,
        model: { name: config['tab.model_name'], ...(await tabModelFile(config['tab.model'] ? expandHome(config['tab.model']) : DEMO_MODEL_PATH)) },
        publicUrl: () => resolved.tabPublicUrl ?? httpUrl,
        price: BigInt(config['tab.price']),
        threads: config['tab.threads'],
        capacity: config['tab.capacity'],
        faucet: config['tab.faucet_keypair'] ? readKeypairFile(config['tab.faucet_keypair'], 'tab.faucet_keypair') : null,
      })
    : null;

  let http: HttpHandle;
  try {
    http = await startHttp({
      service: 'dashboard',
      host: config.host,
      port: config.port,
      app,
      metrics: registry,
      log,
      health: () => {
        const age = indexer.lastSyncMs === 0 ? null : Date.now() - indexer.lastSyncMs;
        const ok = indexer.lastError === null && age !== null && age < Math.max(30_000, config.poll_ms * 5);
        return { ok, checks: { last_sync_ms_ago: age, error: indexer.lastError, live_clients: listeners.size, tab_workers: tabs?.links() ?? null } };
      },
    });
  } catch (err) {
    db.close();
    throw err;
  }
  httpUrl = http.url;
  indexer.start(config.subscriptions);
  log.info('dashboard.started', { url: http.url, tab: tabs ? `${http.url}/tab` : 'off', rpc: resolved.rpcUrl, store: config.store, demo: resolved.gatewayUrl ? 'on' : 'off' });

  let stopping: Promise<void> | null = null;
  return {
    url: http.url,
    port: http.port,
    log,
    db,
    indexer,
    sync: () => indexer.wake(),
    stop() {
      stopping ??= (async () => {
        await indexer.stop();
        listeners.clear();
        tabs?.close();
        await http.close();
        db.close();
        log.info('dashboard.stopped', {});
      })();
      return stopping;
    },
  };
}

