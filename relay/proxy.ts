/**
 * `peer proxy`: an OpenAI-compatible HTTP endpoint on loopback that any app can point at
 * (`OPENAI_BASE_URL=http://127.0.0.1:8788/v1`). Each request is encapsulated (Oblivious HTTP)
 * to the gateway's key and sent through the relay, so the gateway never sees this machine's
 * address and the relay never sees the prompt. Payment is ecash from a local wallet: a 402
 * from the gateway names the price (NUT-24); the proxy pays with proofs in `X-Cashu` and
 * blinded change outputs in `X-Cashu-Change`, inside the encrypted request, and remembers the
 * price per path so later requests pay at once.
 *
 * Only an allow-list of the app's headers travels (no User-Agent, no cookies, no
 * Authorization): anything identifying would undo the relay.
 */
import { Hono } from 'hono';
import { obliviousFetch, fetchKeyConfig, OhttpError, type KeyConfig } from '../sdk/src/privacy/ohttp';
import { decodeChangeHeader, decodePaymentRequest, encodeChangeHeader } from '../sdk/src/privacy/wallet';
import { encodeTokenV4, type BlindSignature } from '../sdk/src/privacy/token';
import type { Logger } from '../service-kit/log';
import type { Metrics } from '../service-kit/metrics';
import type { ProxyWallet, Reservation } from './wallet';

const FORWARDED = ['content-type', 'accept'];
const RETURNED = new Set(['content-type', 'cache-control', 'retry-after', 'x-request-id']);

export interface ProxyOptions {
  relayUrl: string;
  /** Where the gateway's key configuration is fetched (through the relay by default). */
  keysUrl: string;
  /** The gateway origin the inner requests name (the gateway side routes by path). */
  gatewayOrigin: string;
  wallet?: ProxyWallet;
  mintUrl?: string;
  log: Logger;
  metrics: Metrics;
  fetchImpl?: typeof fetch;
}

interface Answer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

export function proxyApp(opts: ProxyOptions): { app: Hono; prices: Map<string, number> } {
  const app = new Hono();
  const prices = new Map<string, number>();
  let config: KeyConfig | undefined;
  const requests = opts.metrics.counter('proxy_requests_total', 'Requests sent through the relay by outcome');
  const paid = opts.metrics.counter('proxy_credits_paid_total', 'Credits paid in ecash');

  const keyConfig = async (refresh = false): Promise<KeyConfig> => {
    if (!config || refresh) config = await fetchKeyConfig(opts.keysUrl, opts.fetchImpl);
    return config;
  };

  const send = async (method: string, path: string, headers: Record<string, string>, body: Uint8Array | undefined): Promise<Answer> => {
    const req = { url: `${opts.gatewayOrigin}${path}`, method, headers, ...(body && body.length ? { body } : {}) };
    try {
      return await obliviousFetch(opts.relayUrl, await keyConfig(), req, opts.fetchImpl);
    } catch (err) {
      // The gateway rotated its key: fetch it again once.
      if (err instanceof OhttpError && err.kind === 'key') return obliviousFetch(opts.relayUrl, await keyConfig(true), req, opts.fetchImpl);
      throw err;
    }
  };

  const header = (a: Answer, name: string): string | undefined => a.headers.find(([k]) => k === name)?.[1];

  const pay = async (method: string, path: string, headers: Record<string, string>, body: Uint8Array | undefined, price: number): Promise<Answer> => {
    const wallet = opts.wallet!;
    const reservation: Reservation | null = await wallet.reserve(price);
    if (!reservation) {
      const text = JSON.stringify({ error: { message: `the local ecash wallet holds ${wallet.balance().ready} credits; this request costs ${price}`, type: 'insufficient_quota', code: 'wallet_empty' } });
      return { status: 402, headers: [['content-type', 'application/json']], body: new TextEncoder().encode(text) };
    }
    const token = encodeTokenV4({ mint: opts.mintUrl ?? '', unit: 'credit', proofs: reservation.proofs });
    const payHeaders = { ...headers, 'x-cashu': token, ...(reservation.change ? { 'x-cashu-change': encodeChangeHeader(reservation.change.outputs) } : {}) };
    let answer: Answer;
    try {
      answer = await send(method, path, payHeaders, body);
    } catch (err) {
      // Unknown outcome: the proofs stay reserved until reconcile() asks the mint.
      opts.log.warn('proxy.payment_unknown', { path, credits: price });
      throw err;
    }
    if (answer.status === 402 || answer.status === 400) {
      // Refused before spending (price changed, or the token was bad): ask the mint what happened.
      await wallet.resolve(reservation);
      return answer;
    }
    const changeHeader = header(answer, 'x-cashu-change');
    let change: BlindSignature[] | undefined;
    if (changeHeader) change = decodeChangeHeader<BlindSignature>(changeHeader);
    wallet.settle(reservation, change);
    paid.inc({}, price);
    opts.log.info('proxy.paid', { path, credits: price, change: reservation.change ? reservation.change.outputs.reduce((s, o) => s + o.amount, 0) : 0 });
    return answer;
  };

  app.all('/v1/*', async (c) => {
    const method = c.req.method;
    const url = new URL(c.req.url);
    const path = `${url.pathname}${url.search}`;
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const v = c.req.header(name);
      if (v) headers[name] = v;
    }
    const body = ['GET', 'HEAD'].includes(method) ? undefined : new Uint8Array(await c.req.arrayBuffer());
    let answer: Answer;
    try {
      const known = prices.get(`${method} ${url.pathname}`);
      answer = known && opts.wallet ? await pay(method, path, headers, body, known) : await send(method, path, headers, body);
      const request = answer.status === 402 ? header(answer, 'x-cashu') : undefined;
      if (request && opts.wallet) {
        const { amount, unit } = decodePaymentRequest(request);
        if (unit === 'credit') {
          prices.set(`${method} ${url.pathname}`, amount);
          answer = await pay(method, path, headers, body, amount);
        }
      }
    } catch (err) {
      requests.inc({ outcome: 'error' });
      opts.log.warn('proxy.failed', { path: url.pathname, error: err instanceof Error ? err.message : String(err) });
      return c.json({ error: { message: `relay request failed: ${err instanceof Error ? err.message : String(err)}`, type: 'server_error' } }, 502);
    }
    requests.inc({ outcome: String(answer.status) });
    // Local log: the path and status only (the prompt stays out of logs here too).
    opts.log.info('proxy.request', { method, path: url.pathname, status: answer.status, bytes: answer.body.length });
    const out = new Headers();
    for (const [k, v] of answer.headers) if (RETURNED.has(k)) out.set(k, v);
    return new Response(answer.body, { status: answer.status, headers: out });
  });
  return { app, prices };
}
