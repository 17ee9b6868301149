/**
 * Chat completions end to end on the local network with a real worker node (the in-process
 * demo model): the official openai client, unchanged, gets verified answers streamed and not;
 * each request is a real job whose credits the chain settles; x402 pays per request; a dead
 * worker is retried elsewhere and its job's credits come back through expire/cancel; and 50
 * concurrent streams complete with the ledger matching the chain to the credit.
 */
import { createKeyPairSignerFromBytes } from '@solana/kit';
import { Keypair } from '@solana/web3.js';
import { decodePaymentResponseHeader } from '@x402/core/http';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactSvmScheme } from '@x402/svm/exact/client';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import * as sdk from '../../sdk/src';
import { registerWorker, startMarket, startTestGateway, USDC, type Market } from './helpers';
import { startTestWorker } from './worker-node';
import { eventually } from '../harness/eventually';

type Gw = Awaited<ReturnType<typeof startTestGateway>>;
const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';

const until = (what: string, check: () => Promise<boolean> | boolean, ms = 60_000) => eventually(what, check, ms);

describe('gateway: chat completions over the market with a live worker', function () {
  this.timeout(600_000);
  let m: Market;
  let gw: Gw;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let client: OpenAI;
  let model: string;
  let key: string;

  /** The books balance: on-chain credits (free + locked) = Σ balances + Σ live holds + refunds in flight + baseline. */
  const assertReconciled = async () => {
    await gw.reconciler.tick();
    const onChain = await sdk.creditBalance(gw.ctx);
    const l = gw.ledger.liabilities();
    const baseline = BigInt(gw.ledger.meta('baseline_credits') ?? '0');
    assert.equal(onChain.balance + onChain.locked, l.balances + l.held + gw.ledger.refundsInFlight() + baseline, 'ledger and chain agree');
    return { onChain, l };
  };
  const settledAll = () => until('every hold to settle', async () => (await gw.reconciler.tick(), gw.ledger.liveHolds().length === 0));

  before(async () => {
    m = await startMarket();
    worker = await startTestWorker(m);
    gw = await startTestGateway(m, { usdc: 100n * USDC, flags: { demo_key: 'chat-demo-key-0123456789', demo_credits: 500, retries: 1 } });
    key = 'chat-demo-key-0123456789';
    client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const models = await client.models.list();
    assert.equal(models.data.length, 1);
    model = models.data[0].id;
    await gw.reconciler.tick();
  });
  after(async () => {
    await gw?.stop();
    await worker?.stop();
    await m?.close();
  });

  it('a dead worker fails before streaming: the request is retried on the live worker, and the dead job\'s credits return', async () => {
    // A dead worker serving the same model, cheaper: with no history on either side it ranks first.
    const modelId = (await gw.directory.models())[0].peer.model_id;
    const deadWorker = await registerWorker(m, { models: [modelId], endpoint: 'http://127.0.0.1:9/dead', prices: { open: 1n, verified: 1n } });
    await gw.directory.snapshot(true);
    const balanceBefore = gw.ledger.accountForKey(key)!.balance;
    const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Ahab' }], max_tokens: 8, peer_max_price: 2 } as never);
    const peer = (res as unknown as { peer: { worker: string; price: string } }).peer;
    assert.equal(peer.worker, worker.worker.toBase58(), 'answered by the live worker');
    const abandoned = gw.ledger.liveHolds().filter((h) => h.worker === deadWorker.worker.toBase58());
    assert.equal(abandoned.length, 1, 'the dead worker\'s job waits for the chain');
    assert.equal(abandoned[0].state, 'abandoned');
    // Past its deadline the reconciler expires it (requeued) and then cancels it: the credits return.
    m.net.bank.warp(120);
    await until('the dead job to be released', async () => (await gw.reconciler.tick(), gw.ledger.getHold(abandoned[0].job)!.state === 'released'));
    await settledAll();
    assert.equal(gw.ledger.accountForKey(key)!.balance, balanceBefore - BigInt(peer.price));
    await assertReconciled();
    // Take the dead worker out of the market for the next tests.
    await sdk.pauseWorker(sdk.createContext({ connection: m.connection, wallet: deadWorker.authority }));
    await gw.directory.snapshot(true);
  });

  it('answers a chat completion with a verified job: usage, the job address and proof', async () => {
    const balanceBefore = gw.ledger.accountForKey(key)!.balance;
    const { data, response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'The ship sailed' }], max_tokens: 24, seed: 7 })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices.length, 1);
    assert.ok((data.choices[0].message.content ?? '').length > 0);
    assert.ok(['stop', 'length'].includes(data.choices[0].finish_reason));
    assert.ok(data.usage && data.usage.completion_tokens > 0 && data.usage.total_tokens === data.usage.prompt_tokens + data.usage.completion_tokens);
    const peer = (data as unknown as { peer: { job: string; verified: boolean; output_hash: string; price: string; tier: string } }).peer;
    assert.equal(peer.verified, true);
    assert.equal(peer.tier, 'open');
    assert.equal(response.headers.get('x-peer-job'), peer.job);
    assert.equal(peer.output_hash, sdk.toHex(sdk.sha256(data.choices[0].message.content!)));
    // Open tier: finalized at once; the account is charged exactly the price the chain consumed.
    await settledAll();
    const hold = gw.ledger.getHold(peer.job)!;
    assert.equal(hold.state, 'settled');
    assert.equal(hold.charged, BigInt(peer.price));
    assert.equal(gw.ledger.accountForKey(key)!.balance, balanceBefore - BigInt(peer.price));
    await assertReconciled();
  });

  it('streams SSE chunks in OpenAI\'s format ending in [DONE], with usage and x-peer headers', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'Call me' }], max_tokens: 24, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const job = response.headers.get('x-peer-job');
    assert.ok(job);
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.choices[0]?.delta?.content) text += chunk.choices[0].delta.content;
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks >= 3 && text.length > 0);
    assert.ok(finish === 'stop' || finish === 'length');
    assert.ok(usage && usage.completion_tokens > 0);
    // The raw stream ends with data: [DONE].
    const raw = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8, stream: true }),
    });
    const body = await raw.text();
    assert.match(body.trimEnd(), /data: \[DONE\]$/);
    await settledAll();
    assert.equal(gw.ledger.getHold(job!)!.state, 'settled');
    await assertReconciled();
  });

  it('pays per request over x402 with @x402/fetch, no key: exactly the job\'s price, USDC in, answer out', async () => {
    const payer = Keypair.generate();
    await m.fundSol(payer.publicKey);
    await m.fundUsdc(payer.publicKey, 1n * USDC);
    const signer = await createKeyPairSignerFromBytes(payer.secretKey);
    const x = new x402Client().register('solana:*', new ExactSvmScheme(signer, { rpcUrl: m.net.rpcUrl }));
    x.setSpendControls({ allowedAssets: [{ network: DEVNET, asset: m.usdcMint.toBase58() }] });
    const paid = wrapFetchWithPayment(fetch, x);
    const before = await m.usdcBalance(payer.publicKey);
    const res = await paid(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Whale' }], max_tokens: 12 }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!);
    assert.equal(settlement.success, true);
    const body = (await res.json()) as { choices: { message: { content: string } }[]; peer: { price: string; job: string } };
    assert.ok(body.choices[0].message.content.length > 0);
    assert.equal(before - (await m.usdcBalance(payer.publicKey)), BigInt(body.peer.price) * 10_000n, 'paid exactly the price');
    await settledAll();
    assert.equal(gw.ledger.account(`x402_${payer.publicKey.toBase58()}`)!.balance, 0n, 'nothing left over');
    await assertReconciled();
  });

  it('a client that disconnects mid-stream: the job still settles on chain and the books agree', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Long' }], max_tokens: 64, stream: true }, { signal: controller.signal });
    let job = '';
    try {
      for await (const chunk of stream) {
        void chunk;
        controller.abort();
      }
    } catch {
      // aborted
    }
    job = gw.ledger.liveHolds().concat().pop()?.job ?? '';
    // Whatever the worker did with it, the job ends on chain: finalized, or expired past its deadline.
    m.net.bank.warp(120);
    await settledAll();
    if (job) assert.ok(['settled', 'released'].includes(gw.ledger.getHold(job)!.state));
    await assertReconciled();
  });

  it('50 concurrent streamed requests all complete, and the balances reconcile with the chain exactly', async () => {
    const before = gw.ledger.accountForKey(key)!.balance;
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `Line ${i}` }], max_tokens: 8, stream: true });
        let text = '';
        let finished = false;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? '';
          if (chunk.choices[0]?.finish_reason) finished = true;
        }
        return { text, finished };
      }),
    );
    assert.equal(results.filter((r) => r.finished).length, 50);
    await settledAll();
    const spent = before - gw.ledger.accountForKey(key)!.balance;
    assert.equal(spent, 50n * 2n, '50 jobs at 2 credits each');
    const { onChain } = await assertReconciled();
    assert.equal(onChain.locked, 0n);
  });
});
