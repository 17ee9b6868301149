/**
 * The gateway's OpenAI surface with the official openai client, unchanged: models from the
 * chain, and every kind of bad request answered in OpenAI's error shape with no credit moving.
 */
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Database from 'better-sqlite3';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import * as sdk from '../../sdk/src';
import { registerWorker, startMarket, startTestGateway, USDC, type Market } from './helpers';

type Gw = Awaited<ReturnType<typeof startTestGateway>>;

describe('gateway: OpenAI surface and errors', function () {
  this.timeout(240_000);
  let m: Market;
  let gw: Gw;
  let key: string;
  let account: string;
  let client: OpenAI;

  const snapshot = async () => {
    const onChain = await sdk.creditBalance(gw.ctx);
    return { ledger: gw.ledger.liabilities(), chain: onChain.balance + onChain.locked, charged: gw.ledger.chargedTotal(), usdc: await m.usdcBalance(gw.wallet) };
  };

  before(async () => {
    m = await startMarket();
    await registerWorker(m, { models: ['peer-tiny'], endpoint: 'http://127.0.0.1:9/unreachable', prices: { open: 2n, verified: 5n } });
    await registerWorker(m, { models: ['peer-tiny', 'peer-small'], endpoint: 'http://127.0.0.1:9/unreachable', prices: { open: 3n, verified: 4n } });
    gw = await startTestGateway(m, { usdc: 100n * USDC, flags: { models: ['peer-tiny', 'peer-small'], demo_key: 'demo-key-0123456789abcdef', demo_credits: 40 } });
    key = 'demo-key-0123456789abcdef';
    account = gw.ledger.accountForKey(key)!.id;
    client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await gw.reconciler.tick();
  });
  after(async () => {
    await gw?.stop();
    await m?.close();
  });

  it('lists the models live workers serve, with the cheapest price and worker count per tier', async () => {
    const page = await client.models.list();
    const byId = Object.fromEntries(page.data.map((x) => [x.id, x as unknown as { peer: { workers: number; tiers: Record<string, { min_price: string; workers: number }> } }]));
    assert.deepEqual(Object.keys(byId).sort(), ['peer-small', 'peer-tiny']);
    assert.equal(byId['peer-tiny'].peer.workers, 2);
    assert.deepEqual(byId['peer-tiny'].peer.tiers.open, { min_price: '2', workers: 2 });
    assert.deepEqual(byId['peer-tiny'].peer.tiers.verified, { min_price: '4', workers: 2 });
    assert.deepEqual(byId['peer-small'].peer.tiers.open, { min_price: '3', workers: 1 });
    const one = await client.models.retrieve('peer-small');
    assert.equal(one.id, 'peer-small');
  });

  it('the demo key got its credits, bought on chain from the gateway\'s own USDC', async () => {
    const res = await fetch(`${gw.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { balance: string; held: string };
    assert.equal(body.balance, '40');
    const s = await snapshot();
    assert.equal(s.chain, 40n, 'the purchase landed on chain');
    assert.equal(s.ledger.balances + s.ledger.held, s.chain);
  });

  it('stores only a hash of each API key', async () => {
    const created = gw.ledger.createKeyAccount('test');
    const db = new Database(gw.ledger.db.name, { readonly: true });
    try {
      const dump = JSON.stringify(db.prepare('SELECT * FROM api_keys').all());
      assert.ok(!dump.includes(created.key) && !dump.includes(key), 'no key in clear');
    } finally {
      db.close();
    }
    assert.equal(gw.ledger.accountForKey(created.key)?.id, created.accountId);
  });

  const expectError = async (fn: () => Promise<unknown>, status: number, code: string | null, param?: string) => {
    const before = await snapshot();
    await assert.rejects(fn, (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError, `an APIError, got ${String(err)}`);
      assert.equal(err.status, status);
      assert.equal(err.code, code);
      if (param !== undefined) assert.equal(err.param, param);
      assert.ok(typeof err.message === 'string' && err.message.length > 0);
      return true;
    });
    assert.deepEqual(await snapshot(), before, 'no credit moved');
  };

  it('a wrong key is a 401 invalid_api_key, and its text never echoes the key', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong-key-123456', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await expectError(() => bad.chat.completions.create({ model: 'peer-tiny', messages: [{ role: 'user', content: 'hi' }] }), 401, 'invalid_api_key');
    const raw = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-wrong-key-123456', 'content-type': 'application/json' }, body: '{}' });
    assert.ok(!(await raw.text()).includes('sk-wrong-key-123456'));
    assert.ok(!gw.logs.join('\n').includes('sk-wrong-key-123456'));
  });

  it('no key: 402 with x402 requirements for this request\'s price (exact, USDC, payTo the gateway)', async () => {
    const before = await snapshot();
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'peer-tiny', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(res.status, 402);
    const body = (await res.json()) as { error: { type: string; code: string } };
    assert.equal(body.error.code, 'payment_required');
    const required = decodePaymentRequiredHeader(res.headers.get('payment-required')!);
    assert.equal(required.x402Version, 2);
    assert.equal(required.accepts.length, 1);
    const a = required.accepts[0];
    assert.equal(a.scheme, 'exact');
    assert.equal(a.network, 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1');
    assert.equal(a.asset, m.usdcMint.toBase58());
    assert.equal(a.payTo, gw.wallet.toBase58());
    assert.equal(a.amount, (2n * 10_000n).toString(), 'the cheapest open worker: 2 credits');
    assert.equal(a.extra.feePayer, gw.wallet.toBase58());
    assert.deepEqual(await snapshot(), before);
  });

  it('malformed JSON is a 400 invalid_json', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"model": "peer-tiny", "messages": [' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string; type: string; param: unknown; code: string } };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_json');
  });

  it('an unknown model is a 404 model_not_found', async () => {
    await expectError(() => client.chat.completions.create({ model: 'gpt-17', messages: [{ role: 'user', content: 'hi' }] }), 404, 'model_not_found', 'model');
  });

  it('negative or huge max_tokens is a 400 naming the parameter', async () => {
    await expectError(() => client.chat.completions.create({ model: 'peer-tiny', max_tokens: -5, messages: [{ role: 'user', content: 'hi' }] }), 400, 'invalid_value', 'max_tokens');
    await expectError(() => client.chat.completions.create({ model: 'peer-tiny', max_completion_tokens: 1e9, messages: [{ role: 'user', content: 'hi' }] }), 400, 'invalid_value', 'max_completion_tokens');
  });

  it('other bad fields: empty messages, bad role, bad tier, bad worker, n > 1, temperature out of range', async () => {
    const call = (extra: Record<string, unknown>) => () =>
      client.chat.completions.create({ model: 'peer-tiny', messages: [{ role: 'user', content: 'hi' }], ...extra } as never);
    await expectError(call({ messages: [] }), 400, 'invalid_value', 'messages');
    await expectError(call({ messages: [{ role: 'wizard', content: 'x' }] }), 400, 'invalid_value', 'messages[0].role');
    await expectError(call({ peer_tier: 'gold' }), 400, 'invalid_value', 'peer_tier');
    await expectError(call({ peer_worker: 'not-a-key' }), 400, 'invalid_value', 'peer_worker');
    await expectError(call({ n: 2 }), 400, 'unsupported_value', 'n');
    await expectError(call({ temperature: 3 }), 400, 'invalid_value', 'temperature');
    await expectError(call({ peer_max_price: 0 }), 400, 'invalid_value', 'peer_max_price');
  });

  it('a price cap below every worker is a 503 naming why', async () => {
    await expectError(() => client.chat.completions.create({ model: 'peer-tiny', messages: [{ role: 'user', content: 'hi' }], peer_max_price: 1 } as never), 503, 'no_worker');
  });

  it('an oversized body is a 413', async () => {
    const before = await snapshot();
    const big = JSON.stringify({ model: 'peer-tiny', messages: [{ role: 'user', content: 'x'.repeat(400 * 1024) }] });
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: big });
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'request_too_large');
    assert.deepEqual(await snapshot(), before);
  });

  it('not enough credits on a key: 402 with requirements, nothing held', async () => {
    const poor = gw.ledger.createKeyAccount('poor');
    const c = new OpenAI({ apiKey: poor.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await expectError(() => c.chat.completions.create({ model: 'peer-tiny', messages: [{ role: 'user', content: 'hi' }] }), 402, 'insufficient_credits');
    assert.equal(gw.ledger.heldBy(poor.accountId), 0n);
  });

  it('health and metrics answer', async () => {
    const h = await fetch(`${gw.url}/health`);
    assert.equal(h.status, 200);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /gateway_requests_total/);
    void account;
  });
});
