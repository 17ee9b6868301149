/**
 * The dashboard's bridge for browser-tab workers, over real HTTP with a tab played by this
 * process (the link is an SSE stream; replies are POSTs): only a fresh signature by the worker
 * key opens a link, a newer link replaces an older one, replies arrive in order whatever order
 * they are posted in, a closed tab makes its endpoint answer 503 worker_offline (before or in the
 * middle of an answer), the JSON-RPC relay passes only the methods a tab needs, and the faucet
 * pays a key once, on a local network only.
 */
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { startDashboard, type DashboardService } from '../../dashboard';
import { loadDashboardConfig } from '../../dashboard/config';
import { linkMessage, type LinkRequest } from '../../dashboard/tab/protocol';
import { ConfigError } from '../../service-kit/config';
import { eventually } from '../harness/eventually';
import { startMarket, type Market } from '../gateway/helpers';

/** A tab played by the test: its link, the requests it receives, and a way to answer them. */
async function openLink(dash: DashboardService, key: Keypair, at = Date.now()): Promise<{ status: number; requests: LinkRequest[]; close(): void }> {
  const authority = key.publicKey.toBase58();
  const sig = bs58.encode(nacl.sign.detached(linkMessage(authority, at), key.secretKey));
  const controller = new AbortController();
  const res = await fetch(`${dash.url}/tab/link?worker=${authority}&at=${at}&sig=${sig}`, { signal: controller.signal });
  const requests: LinkRequest[] = [];
  if (res.ok && res.body) {
    void (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^event: request$/m.test(block)) requests.push(JSON.parse(/^data: (.*)$/m.exec(block)![1]) as LinkRequest);
          }
        }
      } catch {
        // closed by the test
      }
    })();
  }
  return { status: res.status, requests, close: () => controller.abort() };
}

const reply = (dash: DashboardService, id: string, part: Record<string, unknown>) =>
  fetch(`${dash.url}/tab/reply/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(part) });

describe('dashboard: the bridge for browser-tab workers', function () {
  this.timeout(120_000);
  let m: Market;
  let dash: DashboardService;
  let faucetPath: string;

  before(async () => {
    m = await startMarket();
    faucetPath = join(m.dir, 'faucet.json');
    writeFileSync(faucetPath, JSON.stringify([...m.admin.secretKey]));
    dash = await startDashboard({ url: m.net.rpcUrl, wsUrl: m.net.wsUrl, port: 0, store: join(m.dir, 'bridge.sqlite'), env: { PEER_DASHBOARD_TAB_FAUCET_KEYPAIR: faucetPath }, write: () => undefined });
  });
  after(async () => {
    await dash?.stop();
    await m?.close();
  });

  it('opens a link only with a fresh signature by the worker key', async () => {
    const key = Keypair.generate();
    const other = Keypair.generate();
    const at = Date.now();
    const forged = bs58.encode(nacl.sign.detached(linkMessage(key.publicKey.toBase58(), at), other.secretKey));
    assert.equal((await fetch(`${dash.url}/tab/link?worker=${key.publicKey.toBase58()}&at=${at}&sig=${forged}`)).status, 401, 'signed by another key');
    const stale = await openLink(dash, key, Date.now() - 5 * 60_000);
    assert.equal(stale.status, 401, 'a signature five minutes old');
    assert.equal((await fetch(`${dash.url}/tab/link?worker=not-a-key&at=${at}&sig=x`)).status, 400);
    // Nothing was linked: the endpoint says the tab is offline.
    const res = await fetch(`${dash.url}/tab/w/${key.publicKey.toBase58()}/v1/models`);
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'worker_offline');
  });

  it('relays a request to the tab and its answer back in order, whatever order the parts are posted in', async () => {
    const key = Keypair.generate();
    const tab = await openLink(dash, key);
    assert.equal(tab.status, 200);
    const pending = fetch(`${dash.url}/tab/w/${key.publicKey.toBase58()}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: '{"job":"x","envelope":"AA=="}' });
    await eventually('the request to reach the tab', () => tab.requests.length === 1, 10_000);
    const req = tab.requests[0];
    assert.deepEqual({ method: req.method, path: req.path, body: req.body }, { method: 'POST', path: '/v1/jobs', body: '{"job":"x","envelope":"AA=="}' });
    // Out of order: the end and a chunk before the head.
    assert.equal((await reply(dash, req.id, { seq: 2, text: 'event: result\ndata: {}\n\n' })).status, 200);
    assert.equal((await reply(dash, req.id, { seq: 3, end: true })).status, 200);
    assert.equal((await reply(dash, req.id, { seq: 1, text: 'event: accepted\ndata: {}\n\n' })).status, 200);
    assert.equal((await reply(dash, req.id, { seq: 0, head: { status: 200, headers: { 'content-type': 'text/event-stream', 'x-secret': 'no' } } })).status, 200);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('x-secret'), null, 'only the relayed headers cross');
    assert.equal(await res.text(), 'event: accepted\ndata: {}\n\nevent: result\ndata: {}\n\n');
    // The request is over: more replies are refused, as are bad ones.
    assert.equal((await reply(dash, req.id, { seq: 4, text: 'late' })).status, 404);
    assert.equal((await reply(dash, 'unknown', { seq: 0, end: true })).status, 404);
    // Only the worker protocol's routes are relayed.
    assert.equal((await fetch(`${dash.url}/tab/w/${key.publicKey.toBase58()}/admin`)).status, 404);
    tab.close();
  });

  it('a tab that closes: a request waiting for its answer, and one in mid-stream, end with worker_offline and a closing error event', async () => {
    const key = Keypair.generate();
    const tab = await openLink(dash, key);
    const waiting = fetch(`${dash.url}/tab/w/${key.publicKey.toBase58()}/v1/models`);
    const streaming = fetch(`${dash.url}/tab/w/${key.publicKey.toBase58()}/v1/jobs`, { method: 'POST', body: '{}' });
    await eventually('both requests to reach the tab', () => tab.requests.length === 2, 10_000);
    const post = tab.requests.find((r) => r.method === 'POST')!;
    await reply(dash, post.id, { seq: 0, head: { status: 200, headers: { 'content-type': 'text/event-stream' } } });
    await reply(dash, post.id, { seq: 1, text: 'event: accepted\ndata: {}\n\n' });
    const mid = await streaming;
    tab.close();
    const w = await waiting;
    assert.equal(w.status, 503);
    assert.equal(((await w.json()) as { error: { code: string } }).error.code, 'worker_offline');
    const text = await mid.text();
    assert.match(text, /^event: accepted\n/);
    assert.match(text, /event: error\ndata: .*generation_failed.*closed mid-job/);
  });

  it('a newer link with the same key takes over from the older one', async () => {
    const key = Keypair.generate();
    const first = await openLink(dash, key);
    const second = await openLink(dash, key);
    const pending = fetch(`${dash.url}/tab/w/${key.publicKey.toBase58()}/health`);
    await eventually('the request to reach the newer link', () => second.requests.length === 1, 10_000);
    assert.equal(first.requests.length, 0);
    const id = second.requests[0].id;
    await reply(dash, id, { seq: 0, head: { status: 200, headers: { 'content-type': 'application/json' } }, text: '{"ok":true}', end: true });
    assert.deepEqual(await (await pending).json(), { ok: true });
    first.close();
    second.close();
  });

  it('relays only the JSON-RPC methods a tab needs', async () => {
    const rpc = (body: string) => fetch(`${dash.url}/tab/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const ok = await rpc(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSlot' }));
    assert.equal(ok.status, 200);
    assert.ok(Number.isInteger(((await ok.json()) as { result: number }).result));
    const refused = await rpc(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'requestAirdrop', params: [Keypair.generate().publicKey.toBase58(), 1e9] }));
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /requestAirdrop is not relayed/);
    const batch = await rpc(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'getSlot' }, { jsonrpc: '2.0', id: 2, method: 'getClusterNodes' }]));
    assert.equal(batch.status, 400, 'one refused method refuses the batch');
    assert.equal((await rpc('{nope')).status, 400);
  });

  it('the faucet pays a key once (1 SOL and the open-tier bond), and exists on local networks only', async () => {
    const key = Keypair.generate();
    const pay = () => fetch(`${dash.url}/tab/faucet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ worker: key.publicKey.toBase58() }) });
    const first = await pay();
    assert.equal(first.status, 200, await first.clone().text());
    assert.equal(await m.connection.getBalance(key.publicKey), 1_000_000_000);
    assert.equal((await pay()).status, 409, 'once per key');
    assert.equal((await fetch(`${dash.url}/tab/faucet`, { method: 'POST', body: '{"worker":"x"}' })).status, 400);
    assert.throws(
      () => loadDashboardConfig({ env: {}, flags: { cluster: 'https://api.devnet.solana.com', 'tab.faucet_keypair': faucetPath } }),
      (err: Error) => err instanceof ConfigError && /local networks only/.test(err.message),
    );
  });
});
