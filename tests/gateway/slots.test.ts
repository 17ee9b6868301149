/**
 * The gateway's per-worker slots (market/directory.ts) are taken for each request it routes to
 * a worker and must come back exactly once however the request ends: answered (streamed or
 * not), the worker resetting or hanging up the connection, dying mid-stream (what a kill -9
 * looks like from the gateway), refusing the connection, sending an error event, or the client
 * going away while the worker is silent. A slot that stays taken makes the gateway answer "at
 * capacity" for that worker. The misbehaving worker is a loopback HTTP server registered on
 * chain; every request is pinned to the worker under test.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PublicKey } from '@solana/web3.js';
import { registerWorker, startMarket, startTestGateway, USDC, type Market } from './helpers';
import { startTestWorker } from './worker-node';
import { eventually } from '../harness/eventually';

type Gw = Awaited<ReturnType<typeof startTestGateway>>;

/** What the fake worker endpoint does with POST /v1/jobs. */
type Mode = 'reset' | 'hangup' | 'die-mid-stream' | 'error-event' | 'hang';

const until = (what: string, check: () => Promise<boolean> | boolean, ms = 20_000) => eventually(what, check, ms);

/** A worker endpoint that misbehaves as told; `arrived()` resolves at the next job it receives. */
async function fakeWorker() {
  let mode: Mode = 'reset';
  let waiting: (() => void)[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/v1/jobs')) {
      res.writeHead(404).end();
      return;
    }
    req.resume();
    req.on('end', () => {
      for (const w of waiting.splice(0)) w();
      const sse = () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: accepted\ndata: ${JSON.stringify({ job: 'x', tier: 'open', model: 'x', claim_signature: null })}\n\n`);
      };
      switch (mode) {
        case 'reset':
          req.socket.resetAndDestroy();
          break;
        case 'hangup':
          req.socket.destroy();
          break;
        case 'die-mid-stream':
          sse();
          // The process dies: the kernel closes its sockets with the response half written.
          setImmediate(() => req.socket.destroy());
          break;
        case 'error-event':
          sse();
          res.end(`event: error\ndata: ${JSON.stringify({ error: { message: 'out of memory', type: 'server_error', code: 'generation_failed' } })}\n\n`);
          break;
        case 'hang':
          sse();
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          break;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(m: Mode) {
      mode = m;
    },
    arrived: () => new Promise<void>((r) => waiting.push(r)),
    hanging: () => hanging.size,
    async close() {
      waiting = [];
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('gateway: worker slots are released on every outcome', function () {
  this.timeout(300_000);
  const key = 'slots-demo-key-0123456789';
  let m: Market;
  let gw: Gw;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let fake: Awaited<ReturnType<typeof fakeWorker>>;
  let fakeWorkerKey: PublicKey;
  let refusedWorkerKey: PublicKey;
  let model: string;

  const chat = (body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Ishmael' }], max_tokens: 8, peer_max_price: 5, ...body }),
      signal,
    });
  /** A worker failure: 502 in OpenAI's shape, or (streamed) one error event and no [DONE]. */
  const workerFailed = async (res: Response, stream: boolean, code?: RegExp) => {
    const text = await res.text();
    if (stream) {
      assert.equal(res.status, 200, text);
      assert.match(text, /^data: \{"error":\{/m, text);
      assert.doesNotMatch(text, /\[DONE\]/);
    } else {
      assert.equal(res.status, 502, text);
    }
    if (code) assert.match(text, code);
  };
  const slotsFreed = (w: PublicKey) => until(`the slots on ${w.toBase58()} to be released`, () => gw.directory.inflightOf(w) === 0);

  before(async () => {
    m = await startMarket();
    worker = await startTestWorker(m);
    // No answer timeout can hide a slot that is never released.
    gw = await startTestGateway(m, { usdc: 100n * USDC, flags: { demo_key: key, demo_credits: 500, answer_timeout_ms: 3_600_000 } });
    model = (await gw.directory.models())[0].id;
    const modelId = (await gw.directory.models())[0].peer.model_id;
    fake = await fakeWorker();
    fakeWorkerKey = (await registerWorker(m, { models: [modelId], endpoint: fake.url, capacity: 32 })).worker;
    // Nothing listens on port 9 on the test machines (ECONNREFUSED), as chat.test.ts relies on too.
    refusedWorkerKey = (await registerWorker(m, { models: [modelId], endpoint: 'http://127.0.0.1:9/dead', capacity: 32 })).worker;
    await gw.directory.snapshot(true);
  });
  after(async () => {
    await fake?.close();
    await gw?.stop();
    await worker?.stop();
    await m?.close();
  });

  for (const stream of [false, true]) {
    const how = stream ? 'streamed' : 'not streamed';

    it(`an answered request (${how}) gives its slot back`, async () => {
      const res = await chat({ stream, peer_worker: worker.worker.toBase58() });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.ok(stream ? text.includes('[DONE]') : JSON.parse(text).peer.verified, text);
      await slotsFreed(worker.worker);
    });

    for (const mode of ['reset', 'hangup'] as const) {
      it(`a worker that ${mode === 'reset' ? 'resets' : 'hangs up'} the connection on the job (${how}): an error, slot released`, async () => {
        fake.set(mode);
        await workerFailed(await chat({ stream, peer_worker: fakeWorkerKey.toBase58() }), stream, /workers_failed/);
        await slotsFreed(fakeWorkerKey);
      });
    }

    it(`a worker whose endpoint refuses connections (${how}): an error, slot released`, async () => {
      await workerFailed(await chat({ stream, peer_worker: refusedWorkerKey.toBase58() }), stream, /workers_failed/);
      await slotsFreed(refusedWorkerKey);
    });

    it(`a worker that dies after accepting the job (${how}): an error, slot released`, async () => {
      fake.set('die-mid-stream');
      // A worker failure (502 stream_broken), not an internal error.
      await workerFailed(await chat({ stream, peer_worker: fakeWorkerKey.toBase58() }), stream, /stream_broken/);
      await slotsFreed(fakeWorkerKey);
    });

    it(`a worker that sends an error event (${how}): an error, slot released`, async () => {
      fake.set('error-event');
      await workerFailed(await chat({ stream, peer_worker: fakeWorkerKey.toBase58() }), stream, /generation_failed/);
      await slotsFreed(fakeWorkerKey);
    });

    it(`a client that goes away while the worker is silent (${how}): slot released, the worker connection closed`, async () => {
      fake.set('hang');
      const controller = new AbortController();
      const arrived = fake.arrived();
      const pending = chat({ stream, peer_worker: fakeWorkerKey.toBase58() }, controller.signal).then(async (res) => {
        // A streamed response starts before the worker says anything; read until the abort.
        await res.text();
      });
      await arrived;
      await until('the gateway to hold a slot on the silent worker', () => gw.directory.inflightOf(fakeWorkerKey) > 0);
      controller.abort();
      await pending.catch(() => undefined);
      await slotsFreed(fakeWorkerKey);
      await until('the gateway to close its connection to the worker', () => fake.hanging() === 0);
    });
  }

  it('after all that, the gateway holds no slot anywhere', () => {
    assert.equal(gw.directory.inflightTotal(), 0);
  });
});
