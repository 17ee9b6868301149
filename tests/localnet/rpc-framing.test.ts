/**
 * JSON-RPC 2.0 framing of the localnet: parse errors, invalid requests, unknown methods, invalid
 * params, oversized bodies, batches, notifications, and the HTTP surface around them. None of
 * it may take the server down: every case ends with the server still answering.
 */
import assert from 'node:assert/strict';
import type { Localnet } from '../../localnet';
import { rawPost, rpc, startTestLocalnet, stop, type RpcReply } from './helpers';

describe('localnet: JSON-RPC framing', () => {
  let net: Localnet;

  before(async () => {
    net = await startTestLocalnet({ maxRequestBytes: 64 * 1024, maxBatch: 50 });
  });

  after(async () => {
    await stop(net);
  });

  afterEach(async () => {
    // Whatever the case sent, the server still serves.
    const health = await rpc(net, 'getHealth');
    assert.equal(health.result, 'ok');
  });

  it('answers malformed JSON with -32700 Parse error', async () => {
    for (const body of ['{"jsonrpc":"2.0","id":1,"method":', 'not json', '\u0000\u0001', '']) {
      const res = await rawPost(net, body);
      assert.equal(res.status, 200);
      const reply = res.body as RpcReply;
      assert.equal(reply.error?.code, -32700, `body ${JSON.stringify(body)}`);
      assert.equal(reply.id, null);
    }
  });

  it('answers structurally invalid requests with -32600', async () => {
    const cases: unknown[] = [
      42,
      '"getSlot"', // a JSON string, sent as is
      { id: 1, method: 'getSlot' }, // no jsonrpc
      { jsonrpc: '1.0', id: 1, method: 'getSlot' },
      { jsonrpc: '2.0', id: 1, method: 7 },
      { jsonrpc: '2.0', id: { x: 1 }, method: 'getSlot' },
      { jsonrpc: '2.0', id: 1, method: 'getSlot', params: 'nope' },
      [],
    ];
    for (const body of cases) {
      const res = await rawPost(net, body);
      const reply = res.body as RpcReply;
      assert.equal(reply.error?.code, -32600, `body ${JSON.stringify(body)}`);
    }
  });

  it('answers unknown methods with -32601, including prototype names', async () => {
    for (const method of ['getNothing', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'getslot']) {
      const reply = await rpc(net, method, []);
      assert.equal(reply.error?.code, -32601, method);
      assert.equal(reply.error?.message, 'Method not found');
    }
  });

  it('answers bad params with -32602 and a reason', async () => {
    const cases: [string, unknown][] = [
      ['getAccountInfo', ['not-a-key']],
      ['getAccountInfo', [42]],
      ['getAccountInfo', []],
      ['getAccountInfo', ['11111111111111111111111111111111', 'base64']],
      ['getAccountInfo', ['11111111111111111111111111111111', { encoding: 'base1024' }]],
      ['getBalance', ['11111111111111111111111111111111', { commitment: 'soon' }]],
      ['getMultipleAccounts', [Array.from({ length: 101 }, () => '11111111111111111111111111111111')]],
      ['getProgramAccounts', ['11111111111111111111111111111111', { filters: [{ memcmp: { offset: -1, bytes: '1' } }] }]],
      ['getProgramAccounts', ['11111111111111111111111111111111', { filters: [{ dataSize: 1 }, { dataSize: 2 }, { dataSize: 3 }, { dataSize: 4 }, { dataSize: 5 }] }]],
      ['getSignatureStatuses', [['abc']]],
      ['getTransaction', ['1111']],
      ['sendTransaction', ['!!!', { encoding: 'base64' }]],
      ['sendTransaction', ['AQID', { encoding: 'base64' }]],
      ['sendTransaction', ['x'.repeat(5000)]],
      ['requestAirdrop', ['11111111111111111111111111111111', -5]],
      ['getMinimumBalanceForRentExemption', ['ten']],
      ['getSlot', [{}, {}]],
      ['isBlockhashValid', []],
    ];
    for (const [method, params] of cases) {
      const reply = await rpc(net, method, params);
      assert.equal(reply.error?.code, -32602, `${method} ${JSON.stringify(params).slice(0, 80)} → ${JSON.stringify(reply)}`);
      assert.match(reply.error!.message, /^Invalid params: /);
    }
  });

  it('rejects an oversized request with 413 and a JSON-RPC error', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSlot', params: [{ padding: 'x'.repeat(100 * 1024) }] });
    const res = await rawPost(net, big);
    assert.equal(res.status, 413);
    const reply = res.body as RpcReply;
    assert.equal(reply.error?.code, -32600);
    assert.match(reply.error!.message, /too large/);
  });

  it('answers batches in order, mixing results and errors, and drops notifications', async () => {
    const res = await rawPost(net, [
      { jsonrpc: '2.0', id: 'a', method: 'getVersion' },
      { jsonrpc: '2.0', id: 'b', method: 'nope' },
      { jsonrpc: '2.0', method: 'getSlot' }, // notification: no reply
      { jsonrpc: '2.0', id: 'c', method: 'getAccountInfo', params: ['bad'] },
      17,
      { jsonrpc: '2.0', id: 4, method: 'getGenesisHash' },
    ]);
    const replies = res.body as RpcReply[];
    assert.deepEqual(
      replies.map((r) => r.id),
      ['a', 'b', 'c', null, 4],
    );
    assert.ok((replies[0].result as Record<string, unknown>)['solana-core']);
    assert.equal(replies[1].error?.code, -32601);
    assert.equal(replies[2].error?.code, -32602);
    assert.equal(replies[3].error?.code, -32600);
    assert.equal(replies[4].result, net.genesisHash);
  });

  it('rejects a batch above the batch limit', async () => {
    const batch = Array.from({ length: 51 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'getSlot' }));
    const reply = (await rawPost(net, batch)).body as RpcReply;
    assert.equal(reply.error?.code, -32600);
    assert.match(reply.error!.message, /batch of 51/);
  });

  it('sends nothing back for notifications alone', async () => {
    const res = await rawPost(net, [{ jsonrpc: '2.0', method: 'getSlot' }, { jsonrpc: '2.0', method: 'nope' }]);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
  });

  it('echoes string, number and null ids', async () => {
    for (const id of ['x-1', 7, null]) {
      const res = await rawPost(net, { jsonrpc: '2.0', id, method: 'getHealth' });
      assert.equal((res.body as RpcReply).id, id);
    }
  });

  it('serves GET /health, refuses other verbs, and answers CORS preflight', async () => {
    const health = await fetch(`${net.rpcUrl}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    const get = await fetch(net.rpcUrl);
    assert.equal(get.status, 405);
    const put = await fetch(net.rpcUrl, { method: 'PUT', body: '{}' });
    assert.equal(put.status, 405);
    const options = await fetch(net.rpcUrl, { method: 'OPTIONS' });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('access-control-allow-origin'), '*');
  });

  it('writes u64 values above 2^53 exactly', async () => {
    const res = await rawPost(net, { jsonrpc: '2.0', id: 1, method: 'getBalance', params: [net.faucet.toBase58()] });
    const m = /"value":(\d+)/.exec(res.text);
    assert.ok(m, res.text);
    assert.equal(BigInt(m[1]), net.bank.getAccount(net.faucet.toBase58())!.lamports);
    assert.ok(BigInt(m[1]) > BigInt(Number.MAX_SAFE_INTEGER));
  });
});
