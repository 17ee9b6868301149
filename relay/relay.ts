/**
 * The Oblivious Relay Resource (RFC 9458): forwards encapsulated requests to ONE configured
 * gateway and the encapsulated answers back. It sees the client's address and the sizes and
 * times of messages, never their content (it holds no key). It forwards no client header and
 * adds none (no X-Forwarded-For, no Via): the gateway must not learn who asked.
 */
import { Hono } from 'hono';
import { OHTTP_KEYS_TYPE, OHTTP_REQUEST_TYPE, OHTTP_RESPONSE_TYPE } from '../sdk/src/privacy/ohttp';
import type { Logger } from '../service-kit/log';
import type { Metrics } from '../service-kit/metrics';

export interface RelayOptions {
  /** The gateway's encapsulated-request URL, e.g. http://127.0.0.1:8080/ohttp */
  targetUrl: string;
  /** The gateway's key configuration URL (served again here at /ohttp-keys). */
  keysUrl: string;
  log: Logger;
  metrics: Metrics;
  maxBodyBytes?: number;
  timeoutMs?: number;
  /** Where the client's address comes from (the socket, in node-server). */
  clientAddress?: (c: import('hono').Context) => string;
  fetchImpl?: typeof fetch;
}

export function relayApp(opts: RelayOptions): Hono {
  const app = new Hono();
  const max = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const timeout = opts.timeoutMs ?? 120_000;
  const doFetch = opts.fetchImpl ?? fetch;
  const relayed = opts.metrics.counter('relay_requests_total', 'Relayed requests by outcome');
  const bytes = opts.metrics.counter('relay_bytes_total', 'Bytes relayed by direction');
  const latency = opts.metrics.histogram('relay_upstream_seconds', 'Time the gateway took per relayed request');
  const address = opts.clientAddress ?? ((c) => (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? 'unknown');

  app.get('/ohttp-keys', async () => {
    try {
      const res = await doFetch(opts.keysUrl, { signal: AbortSignal.timeout(timeout) });
      const body = new Uint8Array(await res.arrayBuffer());
      if (res.status !== 200) return new Response('gateway keys unavailable', { status: 502 });
      return new Response(body, { status: 200, headers: { 'content-type': OHTTP_KEYS_TYPE, 'cache-control': 'public, max-age=3600' } });
    } catch {
      return new Response('gateway keys unavailable', { status: 502 });
    }
  });

  app.post('/', async (c) => {
    const started = performance.now();
    const client = address(c);
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith(OHTTP_REQUEST_TYPE)) {
      relayed.inc({ outcome: 'bad_type' });
      opts.log.info('relay.refused', { client, why: 'content-type' });
      return c.text(`content-type must be ${OHTTP_REQUEST_TYPE}`, 415);
    }
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > max) {
      relayed.inc({ outcome: 'too_large' });
      opts.log.info('relay.refused', { client, why: 'too large', bytes: declared });
      return c.text('encapsulated request too large', 413);
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length > max) {
      relayed.inc({ outcome: 'too_large' });
      return c.text('encapsulated request too large', 413);
    }
    let res: Response;
    try {
      res = await doFetch(opts.targetUrl, { method: 'POST', headers: { 'content-type': OHTTP_REQUEST_TYPE }, body, signal: AbortSignal.timeout(timeout) });
    } catch (err) {
      relayed.inc({ outcome: 'upstream_error' });
      opts.log.warn('relay.upstream_failed', { client, error: err instanceof Error ? err.message : String(err) });
      return c.text('gateway unreachable', 502);
    }
    const answer = new Uint8Array(await res.arrayBuffer());
    const seconds = (performance.now() - started) / 1000;
    latency.observe(seconds);
    bytes.inc({ direction: 'in' }, body.length);
    bytes.inc({ direction: 'out' }, answer.length);
    relayed.inc({ outcome: String(res.status) });
    // The relay's one log line per request: who (address), how big, how long. Never content.
    opts.log.info('relay.forwarded', { client, status: res.status, bytes_in: body.length, bytes_out: answer.length, ms: Math.round(seconds * 1000) });
    const type = res.headers.get('content-type') ?? (res.status === 200 ? OHTTP_RESPONSE_TYPE : 'application/problem+json');
    return new Response(answer, { status: res.status, headers: { 'content-type': type, 'cache-control': 'private, no-store' } });
  });
  return app;
}
