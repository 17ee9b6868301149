/**
 * "Serve from this tab": a browser tab as an open-tier worker.
 *
 * The tab holds its own worker key (keys.ts), loads the configured model into llama.cpp in
 * WebAssembly (engine.ts), registers and bonds on chain with that key, and serves the jobs the
 * market routes to it with the worker's own code: worker/jobs.ts checks every request against
 * the chain, streams the tokens sealed to the client, seals the result and submits its hash;
 * worker/endpoint.ts is the wire format. The bridge (dashboard/bridge.ts) carries requests to
 * the tab and the tab's chain traffic to the RPC node; it never holds the key or a plaintext.
 */
import { Connection, PublicKey, type Keypair } from '@solana/web3.js';
import { Hono } from 'hono';
import { configAccount, workerAccount } from '../../sdk/src/accounts/market';
import { createContext, type PeerContext } from '../../sdk/src/context';
import { workerEncryptionKeypair } from '../../sdk/src/crypto/envelope';
import { bondWorker, claimEarnings, registerWorker, updateWorker } from '../../sdk/src/flows/worker';
import { findConfigPda, findWorkerPda } from '../../sdk/src/pda';
import { ConnectionTransport } from '../../sdk/src/rpc/connection';
import { createLogger } from '../../service-kit/log';
import { Metrics } from '../../service-kit/metrics';
import { JobRunner, observeJob, workerMetrics, workerRoutes } from '../../worker/browser';
import { WasmBackend, type LoadProgress, type TabModel } from './engine';
import { MemoryJournal } from './journal';
import { exportKey, importKey, loadOrCreateKey, saveKey } from './keys';
import { BridgeLink } from './link';

/** What the bridge tells the tab (GET /tab/config). */
export interface TabConfig {
  cluster: string;
  programs: { market: string; staking: string };
  model: TabModel;
  wasmUrl: string;
  endpointBase: string;
  faucet: boolean;
  /** Price per open-tier job, in credits. */
  price: string;
  threads: number;
  capacity: number;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};

function setText(id: string, text: string): void {
  $(id).textContent = text;
}

const logLines: string[] = [];
function show(line: string): void {
  logLines.unshift(`${new Date().toISOString().slice(11, 19)} ${line}`);
  logLines.length = Math.min(logLines.length, 60);
  setText('tab-log', logLines.join('\n'));
}

/** Every number the page shows, for people and for the tests. */
const stats = { state: 'starting', jobs: 0, failed: 0, tokens: 0, lastTokensPerSecond: 0, loadMs: 0, earnings: '0', jobsCompleted: '0', registered: false };
function usdc(baseUnits: string): string {
  const v = BigInt(baseUnits);
  return `${v / 1_000_000n}.${(v % 1_000_000n).toString().padStart(6, '0')} USDC`;
}

function publish(): void {
  (window as unknown as { peerTab: typeof stats }).peerTab = stats;
  setText('tab-state', stats.state);
  setText('tab-jobs', `${stats.jobs} served`);
  setText('tab-speed', `${stats.failed} failed · ${stats.tokens} tokens${stats.lastTokensPerSecond ? ` · ${stats.lastTokensPerSecond.toFixed(0)} tokens/s last job, submit included` : ''}`);
  setText('tab-earnings', usdc(stats.earnings));
  setText('tab-earnings-sub', `unclaimed · ${stats.jobsCompleted} job${stats.jobsCompleted === '1' ? '' : 's'} completed on chain`);
}

async function main(): Promise<void> {
  publish();
  const config = (await (await fetch('/tab/config')).json()) as TabConfig;
  let { keypair } = loadOrCreateKey(localStorage);
  const authority = () => keypair.publicKey.toBase58();
  setText('tab-key', authority());
  setText('tab-cluster', config.cluster);

  $('tab-export').addEventListener('click', () => {
    const blob = new Blob([exportKey(keypair)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `peer-tab-worker-${authority().slice(0, 8)}.json`;
    a.click();
  });
  $('tab-import').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const imported = importKey(await file.text());
      saveKey(localStorage, imported);
      show(`imported key ${imported.publicKey.toBase58()}: reloading`);
      location.reload();
    } catch (err) {
      show(`import refused: ${(err as Error).message}`);
    }
  });

  stats.state = 'loading the model';
  publish();
  const onProgress = (p: LoadProgress) => setText('tab-model', p.phase === 'download' ? `downloading ${(p.loaded / 2 ** 20).toFixed(1)} of ${(p.total / 2 ** 20).toFixed(1)} MiB` : `${p.phase}…`);
  let backend: WasmBackend;
  try {
    backend = await WasmBackend.load(config.model, { wasmUrl: config.wasmUrl, threads: config.threads, onProgress });
  } catch (err) {
    stats.state = 'the model did not load';
    publish();
    show(`model: ${(err as Error).message}`);
    return;
  }
  stats.loadMs = Math.round(backend.loadMs);
  // The engine alone, off the market (bench/tab.ts compares it with the native engine).
  (window as unknown as { peerTabEngine: unknown }).peerTabEngine = {
    async generate(prompt: string, maxTokens: number, seed: number) {
      const t0 = performance.now();
      let ttftMs: number | null = null;
      const r = await backend.generate(backend.id, { v: 1, prompt, maxTokens }, BigInt(seed), { onText: () => void (ttftMs ??= performance.now() - t0) });
      return { ms: performance.now() - t0, ttftMs, tokens: r.completionTokens, text: r.text };
    },
    threads: backend.threads,
  };
  setText('tab-model', `${backend.profile.name}: profile ${backend.id.slice(0, 16)}… (wllama 3.13.0, wasm, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}), loaded in ${stats.loadMs} ms`);
  setText('tab-profile', JSON.stringify(backend.profile, null, 1));

  const connection = new Connection(new URL('/tab/rpc', location.href).toString(), { commitment: 'confirmed', disableRetryOnRateLimit: true });
  const programs = { market: new PublicKey(config.programs.market), staking: new PublicKey(config.programs.staking) };
  const makeCtx = (kp: Keypair): PeerContext => createContext({ transport: new ConnectionTransport(connection, { pollMs: 250 }), wallet: kp, programs, send: { commitment: 'confirmed' } });
  const ctx = makeCtx(keypair);
  const worker = findWorkerPda(keypair.publicKey, programs.market)[0];
  const endpoint = `${config.endpointBase}${authority()}`;
  const price = BigInt(config.price);

  // The open tier's minimum bond: a tab serves only once its bond reaches it.
  const minBond = (await configAccount.fetch(ctx.transport, findConfigPda(programs.market)[0], { programId: programs.market })).data.params.minBond[0];
  const registration = async () => workerAccount.fetchMaybe(ctx.transport, worker, { programId: programs.market });
  const register = async () => {
    const current = await registration();
    if (!current) {
      show('registering on chain…');
      await registerWorker(ctx, { tiers: ['open'], models: [Buffer.from(backend.id, 'hex')], prices: { open: price }, capacity: config.capacity, endpoint });
    } else {
      show('updating the registration to this tab…');
      await updateWorker(ctx, { tiers: ['open'], models: [Buffer.from(backend.id, 'hex')], prices: { open: price }, capacity: config.capacity, endpoint });
    }
    const after = await registration();
    if (after && after.data.bond - after.data.unbonding < minBond) {
      show('bonding $PEER…');
      await bondWorker(ctx, { amount: minBond - after.data.bond });
    }
    show(`registered: worker ${worker.toBase58()}, endpoint ${endpoint}`);
  };
  const button = (id: string, action: () => Promise<void>) => {
    const b = $<HTMLButtonElement>(id);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await action();
      } catch (err) {
        show(`${b.textContent}: ${(err as Error).message.split('\n')[0]}`);
      } finally {
        b.disabled = false;
        await refresh();
      }
    });
  };
  $('tab-faucet').hidden = !config.faucet;
  button('tab-faucet', async () => {
    const res = await fetch('/tab/faucet', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ worker: authority() }) });
    const body = (await res.json()) as { error?: string; sol?: string; peer?: string };
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    show(`funded: ${body.sol} SOL and ${body.peer} $PEER base units (local network faucet)`);
  });
  button('tab-register', register);
  button('tab-claim', async () => {
    const r = await claimEarnings(ctx);
    show(`claimed earnings to ${r.destination.toBase58()}`);
  });

  // The worker's own runner and routes, with a journal in memory.
  const metrics = new Metrics();
  const wm = workerMetrics(metrics);
  const log = createLogger({ service: 'tab', write: (line) => show(line), secrets: [] });
  const journal = new MemoryJournal();
  const runner = new JobRunner({
    ctx,
    worker,
    keys: workerEncryptionKeypair(keypair.secretKey),
    enclave: null,
    backend,
    store: journal,
    log,
    onFinished: (info) => {
      observeJob(wm, info);
      if (info.ok) {
        stats.jobs++;
        stats.tokens += info.tokens;
        stats.lastTokensPerSecond = info.ms > 0 ? (info.tokens * 1000) / info.ms : 0;
      } else stats.failed++;
      publish();
    },
  });
  let onChain = { tiers: ['open' as const], prices: { open: price }, capacity: config.capacity, activeJobs: 0 };
  const app = new Hono();
  app.get('/health', (c) => c.json({ ok: true, checks: { worker: worker.toBase58(), backend: 'wasm', model: backend.profile.name, jobs: journal.counts() } }));
  app.get('/metrics', (c) => c.text(metrics.render()));
  workerRoutes(app, { runner, metrics: wm, log, market: () => ({ worker: stats.registered ? worker.toBase58() : null, ...onChain }) });

  async function refresh(): Promise<void> {
    try {
      const acc = await registration();
      stats.registered = acc !== null;
      if (acc) {
        stats.earnings = acc.data.earnings.toString();
        stats.jobsCompleted = acc.data.reputation.jobsCompleted.toString();
        onChain = { ...onChain, activeJobs: acc.data.activeJobs, capacity: acc.data.settings.capacity };
      }
      const here = acc !== null && new TextDecoder().decode(acc.data.settings.endpoint.subarray(0, acc.data.settings.endpointLen)) === endpoint;
      const bonded = acc !== null && acc.data.bond - acc.data.unbonding >= minBond;
      const serving = here && bonded && !acc.data.paused;
      $('tab-register').textContent = acc === null ? 'Register and bond' : serving ? 'Registered' : here ? 'Bond' : 'Point the registration at this tab';
      $('tab-faucet').hidden = !config.faucet || acc !== null;
      $<HTMLButtonElement>('tab-register').disabled = serving;
      if (stats.state !== 'offline') stats.state = serving ? 'serving' : acc === null ? 'not registered' : !here ? 'registered elsewhere' : acc.data.paused ? 'paused' : 'bond below the open-tier minimum';
    } catch (err) {
      show(`chain: ${(err as Error).message.split('\n')[0]}`);
    }
    publish();
  }

  const link = new BridgeLink(keypair, (req) => Promise.resolve(app.fetch(req)), {
    onState: (state) => {
      setText('tab-link', state);
      if (state === 'offline') stats.state = 'offline';
      else if (stats.state === 'offline') stats.state = 'reconnecting';
      publish();
    },
    onRequest: (req) => {
      if (req.method === 'POST') show(`request ${req.path}`);
    },
  });
  link.open();
  window.addEventListener('pagehide', () => link.close());
  await refresh();
  setInterval(() => void refresh(), 2_000);
}

main().catch((err) => {
  stats.state = 'failed';
  publish();
  show(`the tab worker stopped: ${(err as Error).message}`);
});
