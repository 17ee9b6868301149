/**
 * The dashboard's latency and weight: over the scripted session on a local network, the time from
 * a job's state change landing on chain (the transaction entering the bank, watched in-process)
 * to the new state appearing on the live page in Chromium (no reload), as median and p99; and
 * the page weight (HTML, script, styles, uPlot), raw and gzipped.
 */
import { Keypair } from '@solana/web3.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startDashboard } from '../dashboard';
import { startLocalnet } from '../localnet';
import { deployAll } from '../migrations/deploy';
import { runSession } from '../migrations/session';
import { launchChromium } from '../tools/browser';

export interface DashboardBench {
  transitions: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  pageBytes: number;
  pageGzipBytes: number;
  sessionNote: string | null;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

export async function measureDashboard(): Promise<DashboardBench> {
  const net = await startLocalnet({ rpcPort: 0, slotMs: 50 });
  const landed = new Map<string, number>();
  const watch = setInterval(() => {
    for (const r of net.bank.history.newestFirst()) {
      if (landed.has(r.signature)) break;
      landed.set(r.signature, Date.now());
    }
  }, 2);
  const dash = await startDashboard({ url: net.rpcUrl, wsUrl: net.wsUrl, port: 0, store: join(mkdtempSync(join(tmpdir(), 'peer-dash-bench-')), 'index.sqlite'), env: {}, write: () => undefined });
  const browser = await launchChromium();
  let sessionNote: string | null = null;
  try {
    const admin = Keypair.generate();
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: mkdtempSync(join(tmpdir(), 'peer-dash-bench-w-')) });
    const page = await browser.newPage();
    await page.goto(`${dash.url}/live`);
    await page.waitForFunction(() => ((globalThis as unknown as { __peerRenders?: number }).__peerRenders ?? 0) > 0);
    await runSession({ url: net.rpcUrl, admin, usdcMint: deployed.bootstrap!.usdcMint, peerMint: deployed.bootstrap!.peerMint, warp: async (s) => net.bank.warp(s) }).catch((err: Error) => {
      sessionNote = `session ended early: ${err.message.split('\n')[0]}`;
    });
    await dash.sync();
    await page.locator('[data-state="slashed"]').first().waitFor({ timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    const seen = (await page.evaluate(() => (globalThis as unknown as { __peerSeen: Record<string, number> }).__peerSeen)) as Record<string, number>;
    // The transaction that moved each job into each state (the first one: later ones keep the state).
    const rows = dash.db.prepare('SELECT job, state, sig FROM job_events ORDER BY id').all() as { job: string; state: string; sig: string }[];
    const firstSig = new Map<string, string>();
    for (const r of rows) if (!firstSig.has(`${r.job}:${r.state}`)) firstSig.set(`${r.job}:${r.state}`, r.sig);
    const lat: number[] = [];
    for (const [key, sig] of firstSig) {
      const at = landed.get(sig);
      const shown = seen[key];
      if (at !== undefined && shown !== undefined) lat.push(Math.max(0, shown - at));
    }
    lat.sort((a, b) => a - b);
    let pageBytes = 0;
    let pageGzipBytes = 0;
    for (const path of ['/live', '/assets/app.js', '/assets/style.css', '/assets/uplot.js', '/assets/uplot.css']) {
      const body = Buffer.from(await (await fetch(dash.url + path)).arrayBuffer());
      pageBytes += body.length;
      pageGzipBytes += gzipSync(body).length;
    }
    return { transitions: lat.length, medianMs: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99), maxMs: lat[lat.length - 1], pageBytes, pageGzipBytes, sessionNote };
  } finally {
    clearInterval(watch);
    await browser.close();
    await dash.stop();
    await net.close();
  }
}

if (require.main === module) {
  measureDashboard()
    .then((r) => console.table([r]))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
