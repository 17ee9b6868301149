/**
 * The HTTP surface (hono): OpenAI's /v1/chat/completions (JSON or SSE) and /v1/models, plus
 * /v1/credits and /v1/credits/buy. Authorization: a bearer key (its account's credits), or an
 * x402 payment per request, or (local mode) the user's own on-chain credits.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { randomBytes } from 'node:crypto';
import type { PeerContext } from '../sdk/src/context';
import { creditBalance, buyCredits } from '../sdk/src/flows/client';
import { MARKET } from '../sdk/src/constants';
import type { Logger } from '../service-kit/log';
import type { Counter, Gauge, Histogram, Metrics } from '../service-kit/metrics';
import { GatewayError, invalid, toGatewayError, unauthorized } from './errors';
import { InsufficientCredits, type Ledger } from './ledger';
import type { Funding, JobRunner, Quote, RunEvent } from './jobs';
import type { WorkerDirectory } from './market/directory';
import { chunkBody, completionBody, parseChatRequest, StopFilter, type ChatRequest, type TierName } from './openai';
import type { BearerPayments } from './payments/bearer';
import { PaymentRefused, type X402Payments } from './payments/x402';
import type { EcashPayments } from './payments/ecash';

export interface AppDeps {
  ctx: PeerContext;
  ledger: Ledger;
  runner: JobRunner;
  directory: WorkerDirectory;
  bearer: BearerPayments;
  x402: X402Payments | null;
  /** Cashu ecash per request (X-Cashu, NUT-24); optional. */
  ecash?: EcashPayments | null;
  local: boolean;
  defaults: { tier: TierName; maxTokens: number; maxBodyBytes: number };
  log: Logger;
  metrics: Metrics;
}

interface GatewayMetrics {
  requests: Counter;
  ttft: Histogram;
  latency: Histogram;
  inflight: Gauge;
  payments: Counter;
}

const json = (c: Context, err: GatewayError) => {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json(err.body(), err.status as 402);
};

export function gatewayApp(d: AppDeps): Hono {
  const app = new Hono();
  const m: GatewayMetrics = {
    requests: d.metrics.counter('gateway_requests_total', 'HTTP requests by route and status'),
    ttft: d.metrics.histogram('gateway_ttft_seconds', 'time to the first streamed token', [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]),
    latency: d.metrics.histogram('gateway_request_seconds', 'whole chat request latency', [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]),
    inflight: d.metrics.gauge('gateway_inflight_requests', 'chat requests in progress'),
    payments: d.metrics.counter('gateway_x402_payments_total', 'x402 payments by outcome'),
  };
  let inflight = 0;

  app.onError((err, c) => {
    const e = toGatewayError(err);
    if (e.status >= 500) d.log.error('http.error', { path: c.req.path, error: e.message });
    return json(c, e);
  });
  app.notFound((c) => json(c, new GatewayError(404, `unknown route ${c.req.method} ${c.req.path}`, 'invalid_request_error', 'unknown_url')));

  const limit = bodyLimit({
    maxSize: d.defaults.maxBodyBytes,
    // The unread rest of the body makes the connection unusable: tell the client not to reuse it.
    onError: (c) => (c.header('connection', 'close'), json(c, new GatewayError(413, `the request body is larger than ${d.defaults.maxBodyBytes} bytes`, 'invalid_request_error', 'request_too_large'))),
  });

  async function readJson(c: Context): Promise<unknown> {
    const text = await c.req.text();
    try {
      return JSON.parse(text);
    } catch {
      throw invalid('the request body is not valid JSON', null, 'invalid_json');
    }
  }

  // ---- models ---------------------------------------------------------------------------------

  app.get('/v1/models', async (c) => {
    const data = await d.directory.models();
    m.requests.inc({ route: 'models', status: '200' });
    return c.json({ object: 'list', data });
  });
  app.get('/v1/models/:id{.+}', async (c) => {
    const id = c.req.param('id');
    const found = (await d.directory.models()).find((x) => x.id === id || x.peer.model_id === id);
    if (!found) return json(c, new GatewayError(404, `The model \`${id}\` does not exist`, 'invalid_request_error', 'model_not_found', 'model'));
    return c.json(found);
  });

  // ---- credits --------------------------------------------------------------------------------

  app.get('/v1/credits', async (c) => {
    if (d.local) {
      const b = await creditBalance(d.ctx);
      return c.json({ object: 'credits', mode: 'local', owner: b.owner.toBase58(), balance: b.balance.toString(), held: b.locked.toString(), usdc_per_credit: MARKET.CREDIT_BASE_UNITS.toString() });
    }
    const account = d.bearer.account(c.req.header('authorization'));
    if (!account) throw unauthorized('an API key is required (Authorization: Bearer <key>)', 'missing_api_key');
    return c.json({ object: 'credits', account: account.id, balance: account.balance.toString(), held: d.ledger.heldBy(account.id).toString(), usdc_per_credit: MARKET.CREDIT_BASE_UNITS.toString() });
  });

  app.post('/v1/credits/buy', limit, async (c) => {
    const body = (await readJson(c)) as { credits?: unknown } | null;
    const credits = body && typeof body === 'object' ? body.credits : undefined;
    if (typeof credits !== 'number' || !Number.isInteger(credits) || credits < 1 || credits > 100_000_000) throw invalid('credits must be a whole number from 1 to 100000000', 'credits');
    if (d.local) {
      const res = await buyCredits(d.ctx, { credits: BigInt(credits) });
      d.log.info('credits.bought', { credits, tx: res.tx.signature });
      return c.json({ object: 'credits.purchase', credits: String(credits), usdc: res.usdc.toString(), signature: res.tx.signature });
    }
    const account = d.bearer.account(c.req.header('authorization'));
    if (!account) throw unauthorized('an API key is required to buy credits into (Authorization: Bearer <key>)', 'missing_api_key');
    if (!d.x402) throw new GatewayError(400, 'x402 payments are disabled on this gateway', 'invalid_request_error', 'x402_disabled');
    const resource = new URL(c.req.url).toString();
    const header = c.req.header('payment-signature');
    if (!header) throw d.x402.paymentRequired({ credits: BigInt(credits), resource, description: `${credits} Peer Cycles credits` });
    const settled = await settleOr402(c, BigInt(credits), BigInt(credits), account.id, 'topup', resource);
    c.header('PAYMENT-RESPONSE', settled.responseHeader);
    const after = d.ledger.account(account.id)!;
    return c.json({ object: 'credits.purchase', credits: String(credits), usdc: (BigInt(credits) * MARKET.CREDIT_BASE_UNITS).toString(), signature: settled.signature, balance: after.balance.toString() });
  });

  /** Verifies and settles the request's x402 payment for between `min` and `max` credits. */
  async function settleOr402(c: Context, min: bigint, max: bigint, accountId: string | null, purpose: string, resource: string) {
    const x402 = d.x402!;
    try {
      const payload = x402.decode(c.req.header('payment-signature')!);
      const offered = x402.offeredCredits(payload);
      if (offered < min || offered > max) throw new PaymentRefused('invalid_exact_svm_payload_amount_mismatch', `the payment is for ${offered} credits; this request needs ${min === max ? min : `${min} to ${max}`}`);
      const settled = await x402.settle(payload, offered, { accountId }, purpose);
      m.payments.inc({ outcome: 'settled' });
      return settled;
    } catch (err) {
      if (!(err instanceof PaymentRefused)) throw err;
      m.payments.inc({ outcome: err.reason });
      d.log.warn('x402.refused', { reason: err.reason });
      throw x402.paymentRequired({ credits: min, resource, description: 'Peer Cycles request', error: err.reason, message: `payment refused (${err.reason}): ${err.message}` });
    }
  }

  // ---- chat completions -----------------------------------------------------------------------

  app.post('/v1/chat/completions', limit, async (c) => {
    const started = performance.now();
    const account = d.local ? null : d.bearer.account(c.req.header('authorization'));
    const req = parseChatRequest(await readJson(c), d.defaults);
    const quote = await d.runner.quote(req);
    const resource = new URL(c.req.url).toString();

    let funding: Funding;
    let budget: bigint;
    let paymentHeader: string | null = null;
    let ecashChange: string | undefined;
    if (d.local) {
      const b = await creditBalance(d.ctx);
      if (b.balance < quote.credits) throw new GatewayError(402, `insufficient on-chain credits: ${b.balance} free, this request needs ${quote.credits} (POST /v1/credits/buy)`, 'insufficient_quota', 'insufficient_quota');
      funding = { kind: 'account', accountId: d.ledger.localAccount().id };
      budget = quote.cap < b.balance ? quote.cap : b.balance;
    } else if (c.req.header('payment-signature') && d.x402) {
      const settled = await settleOr402(c, quote.credits, quote.cap, account?.id ?? null, 'request', resource);
      paymentHeader = settled.responseHeader;
      funding = { kind: 'account', accountId: settled.accountId };
      budget = settled.credits;
    } else if (c.req.header('x-cashu') && d.ecash) {
      const paid = d.ecash.pay(c.req.header('x-cashu')!, c.req.header('x-cashu-change'), quote.credits);
      ecashChange = paid.changeHeader;
      funding = { kind: 'account', accountId: paid.accountId };
      budget = paid.credits;
    } else if (account) {
      if (account.balance < quote.credits) {
        if (d.x402) throw d.x402.paymentRequired({ credits: quote.credits, resource, description: 'Peer Cycles request', error: 'insufficient_credits', message: `insufficient credits: ${account.balance} available, this request needs ${quote.credits}; top up with POST /v1/credits/buy or pay this request over x402` });
        throw new GatewayError(402, `insufficient credits: ${account.balance} available, this request needs ${quote.credits}`, 'insufficient_quota', 'insufficient_quota');
      }
      funding = { kind: 'account', accountId: account.id };
      budget = quote.cap < account.balance ? quote.cap : account.balance;
    } else {
      const ecash402 = d.ecash?.paymentRequired(quote.credits);
      if (!d.x402) throw ecash402 ?? unauthorized('an API key is required (Authorization: Bearer <key>)', 'missing_api_key');
      const required = d.x402.paymentRequired({ credits: quote.credits, resource, description: `Peer Cycles ${req.tier} completion on ${req.model}` });
      if (ecash402) Object.assign(required.headers, ecash402.headers);
      throw required;
    }

    inflight++;
    m.inflight.set(inflight);
    const abort = new AbortController();
    const clientSignal = c.req.raw.signal;
    // A client that left while the request was quoted and paid for never fires 'abort' again.
    if (clientSignal?.aborted) abort.abort();
    else clientSignal?.addEventListener('abort', () => abort.abort(), { once: true });
    const gen = d.runner.run(req, quote, funding, budget, abort.signal);
    // The runner holds a worker slot (and the worker connection) until its generator finishes;
    // a generator left suspended at a yield never runs its finally blocks. So every way out of
    // this request ends here, once: the generator is closed, then the request is counted done.
    let finished: Promise<void> | null = null;
    const finish = (): Promise<void> =>
      (finished ??= (async () => {
        await gen.return(undefined as never).catch(() => undefined);
        inflight--;
        m.inflight.set(inflight);
        m.latency.observe((performance.now() - started) / 1000);
      })());
    let first: IteratorResult<RunEvent>;
    try {
      first = await gen.next();
    } catch (err) {
      await finish();
      if (err instanceof InsufficientCredits) {
        if (d.x402) throw d.x402.paymentRequired({ credits: quote.credits, resource, description: 'Peer Cycles request', error: 'insufficient_credits', message: err.message });
        throw new GatewayError(402, err.message, 'insufficient_quota', 'insufficient_quota');
      }
      throw err;
    }
    try {
      if (first.done || first.value.type !== 'job') throw toGatewayError(new Error('the job produced no events'));
      const jobEv = first.value;
      const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
      const created = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        'x-peer-job': jobEv.job.toBase58(),
        'x-peer-worker': jobEv.worker.toBase58(),
        'x-peer-tier': req.tier,
        'x-peer-post-tx': jobEv.postTx,
        'x-peer-held': jobEv.held.toString(),
        ...(paymentHeader ? { 'PAYMENT-RESPONSE': paymentHeader } : {}),
        ...(ecashChange ? { 'X-Cashu-Change': ecashChange } : {}),
      };
      for (const [k, v] of Object.entries(headers)) c.header(k, v);
      m.requests.inc({ route: 'chat', status: '200' });

      if (!req.stream) {
        try {
          for (;;) {
            const r = await gen.next();
            if (r.done) throw new Error('the job ended without an answer');
            if (r.value.type === 'done') {
              const v = r.value;
              const filter = new StopFilter(req.stop);
              let text = filter.push(v.text) + filter.flush();
              if (!req.stop.length) text = v.text;
              return c.json(completionBody({ id, created, model: req.model, text, finishReason: filter.stopped ? 'stop' : v.finishReason, usage: v.usage, peer: v.peer }));
            }
          }
        } finally {
          await finish();
        }
      }

      return streamSSE(c, async (stream) => {
        stream.onAbort(() => abort.abort());
        const filter = new StopFilter(req.stop);
        let firstToken = true;
        const send = (body: Record<string, unknown>) => stream.writeSSE({ data: JSON.stringify(body) });
        try {
          await send(chunkBody({ id, created, model: req.model, delta: { role: 'assistant', content: '' }, finishReason: null }));
          for (;;) {
            const r = await gen.next();
            if (r.done) throw new Error('the job ended without an answer');
            const ev = r.value;
            if (ev.type === 'text') {
              const out = filter.push(ev.text);
              if (out) {
                if (firstToken) m.ttft.observe((performance.now() - started) / 1000);
                firstToken = false;
                await send(chunkBody({ id, created, model: req.model, delta: { content: out }, finishReason: null }));
              }
            } else if (ev.type === 'done') {
              const tail = filter.flush();
              if (tail) await send(chunkBody({ id, created, model: req.model, delta: { content: tail }, finishReason: null }));
              await send(chunkBody({ id, created, model: req.model, delta: {}, finishReason: filter.stopped ? 'stop' : ev.finishReason, peer: ev.peer }));
              if (req.includeUsage) await send(chunkBody({ id, created, model: req.model, delta: {}, finishReason: null, choices: false, usage: ev.usage }));
              await stream.writeSSE({ data: '[DONE]' });
              return;
            }
          }
        } catch (err) {
          const e = toGatewayError(err);
          d.log.warn('chat.stream_failed', { job: jobEv.job.toBase58(), error: e.message });
          if (!stream.aborted) await stream.writeSSE({ data: JSON.stringify(e.body()) });
        } finally {
          await finish();
        }
      });
    } catch (err) {
      // Anything thrown before the JSON answer or the stream took the generator over.
      await finish();
      throw err;
    }
  });

  return app;
}

export type { ChatRequest, Quote };
