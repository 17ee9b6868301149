/**
 * The browser-tab worker against the native one on the same model (the demo GGUF): load time
 * (fetch + sha256 + wasm load, as the page reports it), tokens per second and mean time to first
 * token of the engine alone on the worker bench's prompts (no market), with 1 and 2 wasm threads,
 * and the tab's memory (RSS of Chromium's renderer processes beyond what a blank page takes).
 * Reported, never asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDashboard } from '../dashboard';
import { startLocalnet } from '../localnet';
import { launchChromium } from '../tools/browser';
import { REPO_ROOT } from '../tools/workspace';
import { LlamaEngine } from '../worker/engine';
import { makeProfile } from '../worker/profile';
import { MAX_TOKENS, measureDirect, PROMPTS } from './worker';

export interface TabBenchRow {
  engine: string;
  threads: number;
  loadMs: number;
  tokensPerSecond: number;
  ttftMs: number;
  jobs: number;
  tokensPerJob: number;
  memoryMiB: number | null;
}


/** Resident memory of Chromium's renderer processes, MiB (Linux /proc via ps). */
function rendererRssMiB(): number | null {
  try {
    const out = execFileSync('ps', ['-eo', 'rss,args'], { encoding: 'utf8' });
    let kib = 0;
    for (const line of out.split('\n')) if (line.includes('chromium') && line.includes('--type=renderer')) kib += Number(line.trim().split(/\s+/)[0]) || 0;
    return kib / 1024;
  } catch {
    return null;
  }
}

export async function measureTab(): Promise<TabBenchRow[]> {
  const rows: TabBenchRow[] = [];
  const modelPath = join(REPO_ROOT, 'worker', 'models', 'peer-demo.gguf');
  const sha256 = readFileSync(`${modelPath}.sha256`, 'utf8').trim().split(/\s+/)[0];

  // Native, 1 thread (the worker's default): the worker bench's own direct run.
  const engine = await LlamaEngine.load(makeProfile({ name: 'peer-demo', weightsSha256: sha256, addBos: true }), modelPath);
  const native = await measureDirect(engine);
  await engine.close();
  rows.push({ engine: 'node-llama-cpp 3.21.1 (native)', threads: 1, loadMs: Math.round(engine.loadMs), tokensPerSecond: native.tokensPerSecond, ttftMs: native.ttftMs, jobs: native.jobs, tokensPerJob: Math.round(native.tokensPerJob), memoryMiB: null });

  const net = await startLocalnet({ rpcPort: 0, slotMs: 400 });
  const browser = await launchChromium();
  try {
    for (const threads of [1, 2]) {
      const dash = await startDashboard({ url: net.rpcUrl, wsUrl: net.wsUrl, port: 0, store: join(mkdtempSync(join(tmpdir(), 'peer-tab-bench-')), 'index.sqlite'), env: { PEER_DASHBOARD_TAB_THREADS: String(threads) }, write: () => undefined });
      try {
        const blank = await browser.newPage();
        await blank.goto(`${dash.url}/`);
        const baseline = rendererRssMiB();
        await blank.close();
        const page = await browser.newPage();
        await page.goto(`${dash.url}/tab`);
        await page.waitForFunction(() => (globalThis as unknown as { peerTabEngine?: unknown }).peerTabEngine !== undefined, undefined, { timeout: 120_000 });
        const loadMs = await page.evaluate(() => (globalThis as unknown as { peerTab: { loadMs: number } }).peerTab.loadMs);
        const runs: { ms: number; ttftMs: number | null; tokens: number }[] = [];
        for (const [i, prompt] of PROMPTS.entries()) {
          runs.push(
            await page.evaluate(
              ([p, n, s]) => (globalThis as unknown as { peerTabEngine: { generate(p: string, n: number, s: number): Promise<{ ms: number; ttftMs: number | null; tokens: number }> } }).peerTabEngine.generate(p, n, s),
              [prompt, MAX_TOKENS, i] as [string, number, number],
            ),
          );
        }
        const used = await page.evaluate(() => (globalThis as unknown as { peerTabEngine: { threads: number } }).peerTabEngine.threads);
        const after = rendererRssMiB();
        const tokens = runs.reduce((s, r) => s + r.tokens, 0);
        rows.push({
          engine: 'wllama 3.13.0 (wasm, Chromium)',
          threads: used,
          loadMs,
          tokensPerSecond: Math.round((tokens / runs.reduce((s, r) => s + r.ms, 0)) * 1000),
          ttftMs: Math.round(runs.reduce((sum, r) => sum + (r.ttftMs ?? r.ms), 0) / runs.length),
          jobs: runs.length,
          tokensPerJob: Math.round(tokens / runs.length),
          memoryMiB: after !== null && baseline !== null ? Math.round(after - baseline) : null,
        });
        await page.close();
      } finally {
        await dash.stop();
      }
    }
  } finally {
    await browser.close();
    await net.close();
  }
  return rows;
}

if (require.main === module) {
  measureTab()
    .then((rows) => {
      console.table(rows);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
