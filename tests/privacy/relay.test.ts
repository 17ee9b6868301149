/**
 * End to end, each party a real HTTP server on loopback: an app (the openai client) → the
 * local proxy (from 127.0.0.2, "the client's address") → the relay (which calls out from
 * 127.0.0.3) → the Oblivious Gateway → the target, paid in ecash bought with USDC on the local
 * network, with a streamed answer. Then the evidence, party by party, from their logs and
 * state: the relay holds the client's address and never the prompt; the gateway holds the
 * prompt and never the client's address; the mint cannot tie the redeemed token to the
 * USDC payment that issued it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { RunningMint } from '../../mint/service';
import { proxyApp } from '../../relay/proxy';
import { relayApp } from '../../relay/relay';
import { ProxyWallet } from '../../relay/wallet';
import { encapsulateRequest, obliviousFetch, OhttpKeyPair, OHTTP_KEY_PROBLEM, OHTTP_REQUEST_TYPE, type KeyConfig } from '../../sdk/src/privacy/ohttp';
import { proofY, MintClient } from '../../sdk/src/privacy/wallet';
import type { Proof } from '../../sdk/src/privacy/token';
import { startHttp, type HttpHandle } from '../../service-kit/http';
import { createLogger } from '../../service-kit/log';
import { Metrics } from '../../service-kit/metrics';
import { targetApp, type TargetSeen } from '../fixtures/privacy/target';
import { buyCredits, startChain, startTestMint, stopChain, type Chain } from './helpers';

const CLIENT_ADDRESS = '127.0.0.2';
const RELAY_OUTBOUND = '127.0.0.3';
const PROMPT = 'my private question about a rash on my left elbow';

/** fetch over node:http from a chosen source address (undici's fetch cannot pick one). */
function fetchFrom(localAddress: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const body = init?.body ? Buffer.from(init.body as Uint8Array) : undefined;
    return new Promise<Response>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: init?.method ?? 'GET', headers: (init?.headers ?? {}) as Record<string, string>, localAddress },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
          });
        },
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }) as typeof fetch;
}

describe('privacy: an ecash-paid, streamed request through the oblivious relay', () => {
  let chain: Chain;
  let mint: RunningMint;
  let mintClient: MintClient;
  let target: HttpHandle;
  let relay: HttpHandle;
  let proxy: HttpHandle;
  let wallet: ProxyWallet;
  let seen: TargetSeen;
  let keyPair: OhttpKeyPair;
  const logs = { mint: [] as string[], gateway: [] as string[], relay: [] as string[], proxy: [] as string[] };
  const logger = (name: keyof typeof logs) => createLogger({ service: name, write: (l) => logs[name].push(l) });
  let boughtProofs: Proof[] = [];
  let quoteIds: string[] = [];

  before(async () => {
    chain = await startChain();
    mint = await startTestMint(chain, logs.mint);
    mintClient = new MintClient(mint.url);
    keyPair = (await OhttpKeyPair.generate(3)).pair;
    const t = targetApp({ ledger: mint.ledger, mintUrl: mint.url, keyPair, log: logger('gateway'), price: 3 });
    seen = t.seen;
    target = await startHttp({ service: 'gateway', port: 0, app: t.app, metrics: new Metrics(), log: logger('gateway'), health: () => ({ ok: true, checks: {} }) });
    relay = await startHttp({
      service: 'relay',
      port: 0,
      app: relayApp({ targetUrl: `${target.url}/ohttp`, keysUrl: `${target.url}/ohttp-keys`, log: logger('relay'), metrics: new Metrics(), fetchImpl: fetchFrom(RELAY_OUTBOUND) }),
      metrics: new Metrics(),
      log: logger('relay'),
      health: () => ({ ok: true, checks: {} }),
    });
    wallet = new ProxyWallet(join(chain.dir.path, 'wallet.sqlite'), mintClient);
    const bought = await buyCredits(chain, mintClient, 20);
    boughtProofs = bought;
    quoteIds = (mint.store.prepare('SELECT id FROM mint_quotes').all() as { id: string }[]).map((r) => r.id);
    await wallet.receive(mintClient.token(bought));
    const p = proxyApp({ relayUrl: relay.url, keysUrl: `${relay.url}/ohttp-keys`, gatewayOrigin: 'http://gateway', wallet, mintUrl: mint.url, log: logger('proxy'), metrics: new Metrics(), fetchImpl: fetchFrom(CLIENT_ADDRESS) });
    proxy = await startHttp({ service: 'proxy', port: 0, app: p.app, metrics: new Metrics(), log: logger('proxy'), health: () => ({ ok: true, checks: {} }) });
  });

  after(async () => {
    await proxy?.close();
    wallet?.close();
    await relay?.close();
    await target?.close();
    await mint?.stop();
    await stopChain(chain);
  });

  it('an unmodified OpenAI client streams an answer paid in ecash, through the relay', async () => {
    const ai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'not-used', maxRetries: 0 });
    const stream = await ai.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: PROMPT }], stream: true });
    const parts: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      parts.push(chunk.choices[0]?.delta?.content ?? '');
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(parts.join(''), `You asked: ${PROMPT}`);
    assert.ok(parts.filter((p) => p).length > 5, 'the answer arrived as many SSE chunks');
    assert.equal(finish, 'stop');
    assert.deepEqual(wallet.balance(), { ready: 17, reserved: 0 }, '3 credits paid, the change came back as blind signatures');
    // A second request pays at once (the price is remembered): one round trip.
    const before = seen.headers.length;
    const second = await ai.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'and another' }] });
    assert.equal(second.choices[0].message.content, 'You asked: and another');
    assert.equal(seen.headers.length - before, 1);
    assert.equal(wallet.balance().ready, 14);
  });

  it('the relay holds the client address and no content; the gateway holds the content and no client address', () => {
    const relayText = logs.relay.join('\n');
    const gatewayText = [...logs.gateway, JSON.stringify(seen)].join('\n');
    assert.match(relayText, new RegExp(`client=${CLIENT_ADDRESS.replace(/\./g, '\\.')}`), 'the relay knows who asked');
    assert.ok(!relayText.includes('rash'), 'the relay never saw the prompt');
    assert.ok(!relayText.includes('cashu'), 'the relay never saw the token');
    assert.ok(seen.prompts.some((p) => p.includes('rash')), 'the gateway saw the prompt');
    assert.ok(!gatewayText.includes(CLIENT_ADDRESS), 'the gateway never saw the client address');
    assert.deepEqual([...new Set(seen.addresses)], [RELAY_OUTBOUND], 'every connection the gateway accepted came from the relay');
    for (const h of seen.headers) {
      assert.deepEqual(Object.keys(h).filter((k) => !['accept', 'content-type', 'x-cashu', 'x-cashu-change'].includes(k)), [], 'no identifying header crossed');
    }
    // The proxy ran on the client's own machine: it knows both, by design, and logs no prompt.
    assert.ok(!logs.proxy.join('\n').includes('rash'));
    // The mint saw payments, never a prompt or an address.
    assert.ok(!logs.mint.join('\n').includes('rash'));
    assert.ok(!logs.mint.join('\n').includes(CLIENT_ADDRESS));
  });

  it('the mint cannot link the redeemed token to its issuance', () => {
    const db = mint.store;
    // What the mint stored when it issued (blinded messages and its signatures, per quote) …
    const issued = db.prepare("SELECT b_, c_, op_id FROM promises WHERE op_id LIKE 'mint_%'").all() as { b_: string; c_: string; op_id: string }[];
    assert.deepEqual(issued.map((r) => r.op_id.slice(5)).filter((q, i, a) => a.indexOf(q) === i), quoteIds);
    // … and what it stored when the gateway redeemed: Y = hash_to_curve(secret), and nothing else.
    const redeemed = db.prepare("SELECT y, op_id FROM spent WHERE op = 'redeem'").all() as { y: string; op_id: string }[];
    assert.ok(redeemed.length > 0);
    const redemptionRows = db.prepare('SELECT * FROM redemptions').all() as Record<string, unknown>[];
    assert.deepEqual(Object.keys(redemptionRows[0]).sort(), ['amount', 'change', 'op_id'], 'a redemption records an amount, not a payer');
    const issuedValues = new Set(issued.flatMap((r) => [r.b_, r.c_]));
    for (const r of redeemed) assert.ok(!issuedValues.has(r.y), 'no redeemed value appears among issuance records');
    // The wallet swapped the bought proofs when it received them, so even the bought proofs'
    // Ys differ from every redeemed Y; and blinding makes Y and B_ unrelated without r.
    const boughtYs = new Set(boughtProofs.map(proofY));
    for (const r of redeemed) assert.ok(!boughtYs.has(r.y));
    // One keyset for everyone: the mint cannot tag a user with a key of its own.
    const signingKeysets = db.prepare('SELECT DISTINCT keyset_id FROM promises').all() as { keyset_id: string }[];
    assert.deepEqual(signingKeysets, [{ keyset_id: mint.ledger.activeKeyset().id }]);
    assert.equal(mint.ledger.keysetInfos().filter((k) => k.active).length, 1);
  });

  it('replayed and malformed tokens through the relay: clear errors, nothing lost', async () => {
    const outstanding = mint.ledger.outstanding();
    const config: KeyConfig = keyPair.config();
    const ask = (xCashu: string) =>
      obliviousFetch(`${relay.url}/`, config, { url: 'http://gateway/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', 'x-cashu': xCashu }, body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) }, fetchFrom(CLIENT_ADDRESS));
    // The bought proofs were swapped when the wallet received them: spending them again is a replay.
    const replay = await ask(mintClient.token(boughtProofs));
    assert.equal(replay.status, 400);
    assert.match(new TextDecoder().decode(replay.body), /cashu_11001/);
    const malformed = await ask('cashuBnot-a-token');
    assert.equal(malformed.status, 400);
    assert.match(new TextDecoder().decode(malformed.body), /malformed token/);
    const unpaid = await obliviousFetch(`${relay.url}/`, config, { url: 'http://gateway/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"messages":[]}' }, fetchFrom(CLIENT_ADDRESS));
    assert.equal(unpaid.status, 402);
    assert.match(unpaid.headers.find(([k]) => k === 'x-cashu')?.[1] ?? '', /^creqA/);
    assert.equal(mint.ledger.outstanding(), outstanding, 'refused payments moved no credits');
    assert.equal(wallet.balance().reserved, 0);
  });

  it('the relay and gateway refuse what is not an encapsulated request, and a wrong key is signalled', async () => {
    const plain = await fetch(`${relay.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"x"}' });
    assert.equal(plain.status, 415);
    const garbage = await fetch(`${relay.url}/`, { method: 'POST', headers: { 'content-type': OHTTP_REQUEST_TYPE }, body: new Uint8Array(80) });
    assert.equal(garbage.status, 400);
    const stranger = (await OhttpKeyPair.generate(9)).pair.config();
    const sealed = (await encapsulateRequest(stranger, new Uint8Array([0]))).encapsulated;
    const wrongKey = await fetch(`${relay.url}/`, { method: 'POST', headers: { 'content-type': OHTTP_REQUEST_TYPE }, body: sealed });
    assert.equal(wrongKey.status, 400);
    assert.equal(((await wrongKey.json()) as { type: string }).type, OHTTP_KEY_PROBLEM);
    const big = await fetch(`${relay.url}/`, { method: 'POST', headers: { 'content-type': OHTTP_REQUEST_TYPE }, body: new Uint8Array(5 * 1024 * 1024) });
    assert.equal(big.status, 413);
  });
});
