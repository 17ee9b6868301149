/**
 * `peer up` measured: time from start to the first answered request, peak memory of the whole
 * stack (sum of the children's RSS, sampled every 500 ms), and end-to-end latency per tier
 * through the gateway (openai client, the demo model). Runs the same driver as `npm start`, on a
 * free block of ports, with a short traffic set (no audit, no clock warps).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUp } from '../cli/up/driver';
import { PARTS, portSpan } from '../cli/up/layout';
import { freePortBlock } from '../cli/up/supervisor';
import { Traffic } from '../cli/up/traffic';
import { REPO_ROOT } from '../tools/workspace';

export interface UpBench {
  firstAnswerS: number;
  peakMemoryMiB: number;
  children: number;
  latency: { tier: string; streamed: boolean; requests: number; medianS: number; ttftMedianS: number | null }[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function measureUp(opts: { perTier?: number } = {}): Promise<UpBench> {
  const perTier = opts.perTier ?? 3;
  const state = mkdtempSync(join(tmpdir(), 'peer-up-bench-'));
  const net = await startUp({ root: REPO_ROOT, stateDir: state, basePort: await freePortBlock(portSpan(3)), cluster: 'localnet', parts: [...PARTS], validators: 3, cheatRate: 0, exit: true }, () => undefined);
  try {
    const traffic = new Traffic(net.layout.url(net.layout.ports.gateway), net.demoKey, net.model);
    const first = await traffic.chat('The President said', 'open', 16);
    if (!first) throw new Error(`the first request failed: ${traffic.refusals.at(-1)?.error}`);
    const firstAnswerS = (Date.now() - net.startedAt) / 1000;
    const latency: UpBench['latency'] = [];
    for (const tier of ['open', 'verified'] as const) {
      for (const streamed of [false, true]) {
        const ms: number[] = [];
        const ttft: number[] = [];
        for (let i = 0; i < perTier; i++) {
          const a = streamed ? await traffic.stream(`Bench ${tier} ${i}`, tier, 16) : await traffic.chat(`Bench ${tier} ${i}`, tier, 16);
          if (!a) throw new Error(`${tier} request failed: ${traffic.refusals.at(-1)?.error}`);
          ms.push(a.ms);
          if (a.ttftMs !== null) ttft.push(a.ttftMs);
        }
        latency.push({ tier, streamed, requests: perTier, medianS: median(ms) / 1000, ttftMedianS: ttft.length ? median(ttft) / 1000 : null });
      }
    }
    net.memory.sample();
    return { firstAnswerS, peakMemoryMiB: Math.round(net.memory.peakBytes / 2 ** 20), children: net.supervisor.names().length, latency };
  } finally {
    await net.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

if (require.main === module) {
  measureUp().then(
    (r) => {
      console.log(`peer up: first answer ${r.firstAnswerS.toFixed(1)} s after start; peak memory ${r.peakMemoryMiB} MiB over ${r.children} processes`);
      console.table(r.latency);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
