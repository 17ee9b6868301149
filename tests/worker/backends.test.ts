/**
 * The OpenAI-compatible server around the engine (standing in for ollama / vLLM / a llama.cpp
 * server), the upstream backend against it, and a ghost node against a loopback "hosted
 * provider" that wants a bearer key: the key works, never shows up in logs or errors, and a
 * ghost node serves the open tier only — end to end on a local network.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import * as sdk from '../../sdk/src';
import { ConfigError } from '../../service-kit/config';
import { BackendError, OpenAICompatibleBackend } from '../../worker/backends';
import { loadWorkerConfig } from '../../worker/config';
import { closeEngines, loadEngine, type LlamaEngine } from '../../worker/engine';
import { openAIRoutes, startOpenAIServer } from '../../worker/openai-server';
import { hostedModelId, profileIdHex } from '../../worker/profile';
import { demoModel, demoProfile, PEER, startTestMarket, startTestWorker, type TestMarket } from './helpers';

const KEY = 'sk-test-ghost-0123456789abcdef';

/** A loopback "hosted provider": the OpenAI routes behind a bearer key check. */
async function startProvider(engine: LlamaEngine): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono();
  app.use('/v1/*', async (c, next) => {
    if (c.req.header('authorization') !== `Bearer ${KEY}`) return c.json({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, 401);
    await next();
  });
  openAIRoutes(app, [engine]);
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      resolve({ url: `http://127.0.0.1:${info.port}/v1`, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

describe('worker: upstream and ghost backends on loopback servers', function () {
  this.timeout(600_000);
  let engine: LlamaEngine;
  let server: { url: string; close(): Promise<void> };
  let provider: { url: string; close(): Promise<void> };
  let m: TestMarket | undefined;

  before(async () => {
    engine = await loadEngine(demoProfile(), demoModel().path);
    server = await startOpenAIServer([engine]);
    provider = await startProvider(engine);
  });
  after(async () => {
    await server?.close();
    await provider?.close();
    await m?.close();
    await closeEngines();
  });

  it('the OpenAI-compatible server streams to the openai client; errors have OpenAI\'s shape', async () => {
    const client = new OpenAI({ baseURL: server.url, apiKey: 'none', maxRetries: 0 });
    const models = await client.models.list();
    assert.equal(models.data[0].id, 'peer-demo');
    const stream = await client.chat.completions.create({ model: 'peer-demo', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 20, seed: 4, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    const direct = await engine.generate({ v: 1, maxTokens: 20, messages: [{ role: 'user', content: 'Hello' }] }, 4n, 20);
    assert.equal(text, direct.text, 'the same bytes as the engine');
    assert.equal(usage?.completion_tokens, direct.tokens.length);
    assert.ok(finish === 'length' || finish === 'stop');
    const plain = await client.completions.create({ model: profileIdHex(demoProfile()), prompt: 'The ', max_tokens: 10, seed: 1 });
    assert.equal(plain.choices[0].text, (await engine.generate('The ', 1n, 10)).text);
    await assert.rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(client.chat.completions.create({ model: 'peer-demo', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }), (e: unknown) => e instanceof OpenAI.BadRequestError);
  });

  it('an upstream that runs a named profile is deterministic; one without is open-tier only', async () => {
    const pinned = new OpenAICompatibleBackend({ kind: 'upstream', baseUrl: server.url, model: 'peer-demo', profile: demoProfile() });
    assert.equal(pinned.models()[0].id, profileIdHex(demoProfile()));
    assert.equal(pinned.models()[0].deterministic, true);
    const pieces: string[] = [];
    const request: sdk.InferenceRequest = { v: 1, maxTokens: 24, prompt: 'Congress shall' };
    const r = await pinned.generate(pinned.models()[0].id, request, 77n, { onText: (t) => pieces.push(t) });
    assert.ok(pieces.length > 1);
    assert.equal(r.text, (await engine.generate(request, 77n, 24)).text);
    assert.deepEqual(r.outputHash, sdk.outputHash(r.text));
    const loose = new OpenAICompatibleBackend({ kind: 'upstream', baseUrl: server.url, model: 'peer-demo' });
    assert.equal(loose.models()[0].id, Buffer.from(hostedModelId('upstream', 'peer-demo')).toString('hex'));
    assert.equal(loose.models()[0].deterministic, false);
    await assert.rejects(loose.generate('00'.repeat(32), request, 1n), /does not serve model/);
    // An upstream that is down: one clear error.
    const down = new OpenAICompatibleBackend({ kind: 'upstream', baseUrl: 'http://127.0.0.1:9/v1', model: 'x' });
    await assert.rejects(down.generate(down.models()[0].id, request, 1n), (e: unknown) => e instanceof BackendError && /upstream at http:\/\/127.0.0.1:9/.test((e as Error).message));
  });

  it('ghost: the provider key works, is never echoed in an error, and the config allows the open tier only', async () => {
    const ghost = new OpenAICompatibleBackend({ kind: 'ghost', baseUrl: provider.url, model: 'peer-demo', apiKey: KEY });
    assert.equal(ghost.models()[0].deterministic, false);
    const r = await ghost.generate(ghost.models()[0].id, { v: 1, maxTokens: 12, prompt: 'Call me' }, 2n);
    assert.ok(r.text.length > 0);
    const wrongKey = `${KEY}-wrong`;
    const bad = new OpenAICompatibleBackend({ kind: 'ghost', baseUrl: provider.url, model: 'peer-demo', apiKey: wrongKey });
    await assert.rejects(bad.generate(bad.models()[0].id, { v: 1, maxTokens: 4, prompt: 'x' }, 1n), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match((e as Error).message, /HTTP 401/);
      assert.ok(!(e as Error).message.includes(wrongKey), 'the key is not in the message');
      return true;
    });
    assert.throws(() => new OpenAICompatibleBackend({ kind: 'ghost', baseUrl: provider.url, model: 'x', apiKey: KEY, profile: demoProfile() }), /not deterministic/);
    const flags = { backend: 'ghost', 'ghost.url': provider.url, 'ghost.model': 'peer-demo' };
    assert.throws(() => loadWorkerConfig({ env: {}, flags }), (e: unknown) => e instanceof ConfigError && /ghost.api_key is required/.test((e as Error).message));
    assert.throws(() => loadWorkerConfig({ env: { PEER_WORKER_GHOST_API_KEY: KEY }, flags: { ...flags, 'market.tiers': 'open,verified' } }), /open tier only/);
    const ok = loadWorkerConfig({ env: { PEER_WORKER_GHOST_API_KEY: KEY }, flags: { ...flags, 'market.tiers': 'open' } });
    assert.deepEqual(ok.secrets, [KEY]);
  });

  it('a ghost node on the local network serves an open job end to end; its key appears in no log line', async () => {
    m = await startTestMarket();
    const ghostWallet = await m.wallet(1_000n * PEER);
    const w = await startTestWorker(m, {
      keypair: ghostWallet,
      flags: { backend: 'ghost', 'ghost.url': provider.url, 'ghost.model': 'peer-demo', 'ghost.api_key': KEY, 'market.tiers': 'open', 'market.bond': '100' },
    });
    try {
      const models = (await (await fetch(`${w.endpoint}/v1/models`)).json()) as sdk.ModelsResponse;
      assert.equal(models.data[0].backend, 'ghost');
      assert.equal(models.data[0].deterministic, false);
      assert.deepEqual(models.data[0].tiers, ['open']);
      const modelId = new Uint8Array(Buffer.from(models.data[0].id, 'hex'));
      const posted = await sdk.postJob(m.clientCtx, { prompt: 'It was a dark', maxTokens: 16, model: modelId, maxPrice: 10n, worker: w.worker });
      await sdk.assignJob(m.matcherCtx, { job: posted.job, worker: w.worker });
      const r = await sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply });
      assert.ok(r.verified && r.text.length > 0);
      assert.ok(w.lines.some((l) => l.includes('backend.ghost') && l.includes('open tier only')));
      assert.ok(w.lines.length > 3);
      for (const l of w.lines) assert.ok(!l.includes(KEY), `the key leaked into: ${l}`);
      // The key is not on chain either: the worker account holds only the endpoint and x25519 key.
      const acc = await m.transport.getAccount(w.worker);
      assert.ok(!Buffer.from(acc!.data).includes(Buffer.from(KEY)));
    } finally {
      await w.stop();
    }
  });
});
