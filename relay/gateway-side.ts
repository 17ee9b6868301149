/**
 * The Oblivious Gateway Resource (RFC 9458), to mount in front of the gateway's own routes.
 * It receives encapsulated requests from the relay (so the only address it ever sees is the
 * relay's), opens them, hands the inner request to the target in process (`handle`, e.g. the
 * gateway app's `fetch`) and seals the answer. It logs what it served, never an address: it has
 * none but the relay's, and it does not read forwarding headers.
 *
 * Streaming: the inner answer is read whole before it is sealed (RFC 9458 is not chunked), so
 * a streamed (SSE) completion reaches the client in one piece when it is finished. See
 * relay/README.md.
 */
import type { Hono } from 'hono';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { decodeRequest, encodeResponse, BhttpError } from '../sdk/src/privacy/bhttp';
import { encodeKeyConfigs, OhttpError, OhttpKeyPair, OHTTP_KEY_PROBLEM, OHTTP_KEYS_TYPE, OHTTP_REQUEST_TYPE, OHTTP_RESPONSE_TYPE } from '../sdk/src/privacy/ohttp';
import type { Logger } from '../service-kit/log';
import type { Metrics } from '../service-kit/metrics';

export const MAX_ENCAPSULATED_REQUEST = 4 * 1024 * 1024;
/** Headers of the inner answer that go back to the client; nothing else does. */
const ANSWER_HEADERS = new Set(['content-type', 'x-cashu', 'x-cashu-change', 'x-request-id', 'retry-after', 'cache-control']);

export interface GatewaySideOptions {
  keyPair: OhttpKeyPair;
  /** The target: a fetch handler (the gateway app's `fetch`, or anything that answers a Request). */
  handle: (request: Request) => Response | Promise<Response>;
  log: Logger;
  metrics: Metrics;
  /** Where encapsulated requests arrive (default /ohttp) and where the key configuration is (default /ohttp-keys). */
  path?: string;
  keysPath?: string;
  /** Largest inner answer sealed, in bytes (default 16 MiB). */
  maxAnswerBytes?: number;
}

/** The X25519 secret key in hex in `path` (mode 0600), created when missing. */
export async function loadOrCreateOhttpKey(path: string, keyId = 1): Promise<OhttpKeyPair> {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`OHTTP key file ${path} must hold 64 hex characters`);
  return OhttpKeyPair.fromSecretKey(keyId, new Uint8Array(Buffer.from(text, 'hex')));
}

function problem(status: number, type: string, title: string): Response {
  return new Response(JSON.stringify({ type, title }), { status, headers: { 'content-type': 'application/problem+json' } });
}

export function mountObliviousGateway(app: Hono, opts: GatewaySideOptions): void {
  const path = opts.path ?? '/ohttp';
  const keysPath = opts.keysPath ?? '/ohttp-keys';
  const maxAnswer = opts.maxAnswerBytes ?? 16 * 1024 * 1024;
  const keys = encodeKeyConfigs([opts.keyPair.config()]);
  const served = opts.metrics.counter('ohttp_gateway_requests_total', 'Encapsulated requests by outcome');
  const bytes = opts.metrics.counter('ohttp_gateway_bytes_total', 'Encapsulated bytes in and out');

  app.get(keysPath, () => new Response(keys, { status: 200, headers: { 'content-type': OHTTP_KEYS_TYPE, 'cache-control': 'public, max-age=3600' } }));

  app.post(path, async (c) => {
    const started = performance.now();
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith(OHTTP_REQUEST_TYPE)) {
      served.inc({ outcome: 'bad_type' });
      return problem(415, 'about:blank', `content-type must be ${OHTTP_REQUEST_TYPE}`);
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length > MAX_ENCAPSULATED_REQUEST) {
      served.inc({ outcome: 'too_large' });
      return problem(413, 'about:blank', 'encapsulated request too large');
    }
    bytes.inc({ direction: 'in' }, body.length);
    let ctx;
    try {
      ctx = await opts.keyPair.decapsulate(body);
    } catch (err) {
      const keyProblem = err instanceof OhttpError && err.kind === 'key';
      served.inc({ outcome: keyProblem ? 'unknown_key' : 'undecryptable' });
      opts.log.info('ohttp.refused', { why: err instanceof Error ? err.message : String(err) });
      return keyProblem ? problem(400, OHTTP_KEY_PROBLEM, 'unknown key configuration: fetch the keys again') : problem(400, 'about:blank', 'request could not be decrypted');
    }
    // From here on, errors go back encrypted: the relay learns nothing from them.
    let answer: Response;
    let inner: ReturnType<typeof decodeRequest> | undefined;
    try {
      inner = decodeRequest(ctx.request);
      const url = `${inner.scheme || 'http'}://${inner.authority || 'gateway'}${inner.path.startsWith('/') ? inner.path : `/${inner.path}`}`;
      const hasBody = !['GET', 'HEAD'].includes(inner.method);
      answer = await opts.handle(new Request(url, { method: inner.method, headers: inner.headers, ...(hasBody ? { body: inner.body } : {}) }));
    } catch (err) {
      const msg = err instanceof BhttpError ? err.message : 'the target failed';
      answer = new Response(JSON.stringify({ error: { message: msg, type: 'invalid_request_error' } }), { status: err instanceof BhttpError ? 400 : 502, headers: { 'content-type': 'application/json' } });
    }
    const payload = new Uint8Array(await answer.arrayBuffer());
    const tooBig = payload.length > maxAnswer;
    const headers: [string, string][] = [];
    answer.headers.forEach((v, k) => {
      if (ANSWER_HEADERS.has(k.toLowerCase())) headers.push([k.toLowerCase(), v]);
    });
    const encoded = tooBig
      ? encodeResponse({ status: 502, headers: [['content-type', 'application/json']], body: new TextEncoder().encode('{"error":{"message":"answer too large to relay","type":"server_error"}}') })
      : encodeResponse({ status: answer.status, headers, body: payload });
    const sealed = ctx.seal(encoded);
    bytes.inc({ direction: 'out' }, sealed.length);
    served.inc({ outcome: 'ok' });
    // The gateway sees the request (path, status, size), never an address.
    opts.log.info('ohttp.served', { method: inner?.method, path: inner?.path, status: answer.status, bytes_in: body.length, bytes_out: sealed.length, ms: Math.round(performance.now() - started) });
    return new Response(sealed, { status: 200, headers: { 'content-type': OHTTP_RESPONSE_TYPE, 'cache-control': 'private, no-store' } });
  });
}
