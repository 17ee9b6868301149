/**
 * Privacy layer costs: mint, swap and redeem operations per second on the ledger (SQLite with
 * fsync on every commit, as in production), the same swap over HTTP, the latency one relay hop
 * adds (plain HTTP vs Oblivious HTTP straight to the gateway vs through the relay), and the
 * bytes encapsulation adds. Reported, never asserted. No chain here: the USDC check is one
 * RPC lookup per quote and is measured by the mint tests' timings, not this table.
 */
import { Hono } from 'hono';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../mint/ledger';
import { redeem } from '../mint/redeem';
import { openMintStore } from '../mint/store';
import { mountObliviousGateway } from '../relay/gateway-side';
import { relayApp } from '../relay/relay';
import { encodeRequest, encodeResponse } from '../sdk/src/privacy/bhttp';
import { encapsulateRequest, obliviousFetch, OhttpKeyPair, toBinaryRequest } from '../sdk/src/privacy/ohttp';
import { encodeTokenV4, type Proof } from '../sdk/src/privacy/token';
import { createOutputs, unblindOutputs } from '../sdk/src/privacy/wallet';
import { startHttp } from '../service-kit/http';
import { createLogger } from '../service-kit/log';
import { Metrics } from '../service-kit/metrics';

export interface PrivacyRow {
  measure: string;
  count: number;
  value: number;
  unit: string;
}

const quiet = createLogger({ service: 'bench', write: () => {} });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function mintProofs(ledger: Ledger, amount: number): Proof[] {
  const ks = ledger.activeKeyset();
  const pending = createOutputs(amount, ks.id);
  const sigs = ledger.signPaid(pending.outputs, amount, `bench_${randomBytes(6).toString('hex')}`, () => {});
  return unblindOutputs(pending, sigs, ks.published);
}

/** Runs `op` repeatedly for about `ms` (at least `min` times); operations per second. */
async function rate(op: (i: number) => unknown | Promise<unknown>, max: number, ms = 1500, min = 5): Promise<{ count: number; perSecond: number }> {
  const start = performance.now();
  let count = 0;
  while (count < max && (count < min || performance.now() - start < ms)) {
    await op(count);
    count++;
  }
  return { count, perSecond: Math.round((count / ((performance.now() - start) / 1000)) * 10) / 10 };
}

export async function measurePrivacy(): Promise<PrivacyRow[]> {
  const rows: PrivacyRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'peer-bench-privacy-'));
  const store = openMintStore(join(dir, 'mint.sqlite'));
  const ledger = new Ledger({ store, seed: new Uint8Array(randomBytes(32)) });
  const ks = ledger.activeKeyset();
  try {
    // Mint: sign the outputs of a paid 13-credit quote (3 outputs, DLEQ each), one commit.
    const m = await rate(() => mintProofs(ledger, 13), 1000);
    rows.push({ measure: 'mint (13 credits = 3 outputs, in process)', count: m.count, value: m.perSecond, unit: 'ops/s' });

    // Swap: 3 proofs in, 3 outputs out; prepared beforehand so only the mint's work is timed.
    const swapInputs = Array.from({ length: 40 }, () => mintProofs(ledger, 13));
    const swapOutputs = swapInputs.map(() => createOutputs(13, ks.id).outputs);
    const s = await rate((i) => ledger.swap(swapInputs[i], swapOutputs[i]), swapInputs.length);
    rows.push({ measure: 'swap (3 proofs → 3 outputs, in process)', count: s.count, value: s.perSecond, unit: 'ops/s' });

    // Redeem: a 4-credit token paying a 3-credit request, change as one blinded output.
    const tokens = Array.from({ length: 40 }, () => encodeTokenV4({ mint: 'http://mint', unit: 'credit', proofs: mintProofs(ledger, 4) }));
    const changes = tokens.map(() => createOutputs(1, ks.id).outputs);
    const r = await rate((i) => redeem(ledger, { token: tokens[i], price: 3, changeOutputs: changes[i] }, 'http://mint'), tokens.length);
    rows.push({ measure: 'redeem (4-credit token for a 3-credit request, blinded change)', count: r.count, value: r.perSecond, unit: 'ops/s' });

    // The relay hop: an echo target behind the gateway side, called three ways.
    const { pair } = await OhttpKeyPair.generate(1);
    const inner = new Hono();
    inner.post('/v1/echo', async (c) => c.body(await c.req.arrayBuffer(), 200, { 'content-type': 'application/json' }));
    const app = new Hono();
    app.post('/plain/v1/echo', async (c) => c.body(await c.req.arrayBuffer(), 200, { 'content-type': 'application/json' }));
    mountObliviousGateway(app, { keyPair: pair, handle: (req) => inner.fetch(req), log: quiet, metrics: new Metrics() });
    const gw = await startHttp({ service: 'gateway', port: 0, app, metrics: new Metrics(), log: quiet, health: () => ({ ok: true, checks: {} }) });
    const relay = await startHttp({ service: 'relay', port: 0, app: relayApp({ targetUrl: `${gw.url}/ohttp`, keysUrl: `${gw.url}/ohttp-keys`, log: quiet, metrics: new Metrics() }), metrics: new Metrics(), log: quiet, health: () => ({ ok: true, checks: {} }) });
    try {
      const prompt = JSON.stringify({ model: 'demo', stream: false, messages: [{ role: 'user', content: 'x'.repeat(300) }] });
      const req = { url: 'http://gateway/v1/echo', method: 'POST', headers: { 'content-type': 'application/json' }, body: prompt };
      const N = 60;
      const ways: Record<'plain' | 'direct' | 'relay', () => Promise<unknown>> = {
        plain: () => fetch(`${gw.url}/plain/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: prompt }).then((x) => x.arrayBuffer()),
        direct: () => obliviousFetch(`${gw.url}/ohttp`, pair.config(), req),
        relay: () => obliviousFetch(`${relay.url}/`, pair.config(), req),
      };
      const samples: Record<keyof typeof ways, number[]> = { plain: [], direct: [], relay: [] };
      for (let k = 0; k < N + 5; k++) {
        // Round-robin, so load on the shared machine hits the three ways alike.
        for (const way of Object.keys(ways) as (keyof typeof ways)[]) {
          const t = performance.now();
          await ways[way]();
          if (k >= 5) samples[way].push(performance.now() - t);
        }
      }
      const ms = (xs: number[]) => Math.round(median(xs) * 100) / 100;
      const [plain, direct, viaRelay] = [ms(samples.plain), ms(samples.direct), ms(samples.relay)];
      rows.push({ measure: 'request latency: plain HTTP to the gateway (median)', count: N, value: plain, unit: 'ms' });
      rows.push({ measure: 'request latency: Oblivious HTTP straight to the gateway (median)', count: N, value: direct, unit: 'ms' });
      rows.push({ measure: 'request latency: Oblivious HTTP through the relay (median)', count: N, value: viaRelay, unit: 'ms' });
      rows.push({ measure: 'latency the relay hop adds (median, loopback)', count: N, value: Math.round((viaRelay - direct) * 100) / 100, unit: 'ms' });
      rows.push({ measure: 'latency OHTTP + relay add over plain HTTP (median, loopback)', count: N, value: Math.round((viaRelay - plain) * 100) / 100, unit: 'ms' });

      // Bytes: the encapsulated request and response against the plain body.
      const bhttp = encodeRequest(toBinaryRequest(req));
      const sealed = await encapsulateRequest(pair.config(), bhttp);
      const body = Buffer.byteLength(prompt);
      rows.push({ measure: `request bytes: plain body ${body} B → encapsulated`, count: 1, value: sealed.encapsulated.length, unit: 'bytes' });
      rows.push({ measure: 'request bytes added (binary HTTP framing + 7 header + 32 enc + 16 tag)', count: 1, value: sealed.encapsulated.length - body, unit: 'bytes' });
      const answerBytes = 2048;
      const answer = encodeResponse({ status: 200, headers: [['content-type', 'text/event-stream']], body: new Uint8Array(answerBytes) });
      rows.push({ measure: `response bytes added to a ${answerBytes} B answer (binary HTTP framing + 16 nonce + 16 tag)`, count: 1, value: answer.length - answerBytes + 16 + 16, unit: 'bytes' });
    } finally {
      await relay.close();
      await gw.close();
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (require.main === module) {
  measurePrivacy().then((rows) => console.table(rows));
}
