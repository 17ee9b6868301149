/**
 * The JSON-RPC HTTP server: POST bodies up to `maxRequestBytes` (larger ones get 413 and a
 * JSON-RPC error), `GET /health` like agave, CORS for browser dApps.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringifyJson } from '../encoding/json';
import { errorResponse, type JsonRpcFraming } from './jsonrpc';
import { INVALID_REQUEST } from './errors';

/** Bytes of an oversized body we read (and discard) so the client sees our reply. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

export interface HttpOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  framing: JsonRpcFraming;
  healthy: () => boolean;
  log: (line: string) => void;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, solana-client',
};

function send(res: ServerResponse, status: number, body: string | null, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const headers: Record<string, string | number> = { ...CORS, ...extra };
  if (body !== null) {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  res.writeHead(status, headers);
  res.end(body ?? undefined);
}

function tooLarge(res: ServerResponse, max: number): void {
  send(res, 413, stringifyJson(errorResponse(null, INVALID_REQUEST, `Request too large: the limit is ${max} bytes`)), { Connection: 'close' });
}

function handle(opts: HttpOptions, req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'OPTIONS') return send(res, 204, null);
  if (req.method === 'GET') {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      const ok = opts.healthy();
      res.writeHead(ok ? 200 : 503, { ...CORS, 'Content-Type': 'text/plain' });
      res.end(ok ? 'ok' : 'unknown');
      return;
    }
    return send(res, 405, stringifyJson(errorResponse(null, INVALID_REQUEST, 'Use POST for JSON-RPC requests')), { Allow: 'POST, GET, OPTIONS' });
  }
  if (req.method !== 'POST') return send(res, 405, stringifyJson(errorResponse(null, INVALID_REQUEST, 'Use POST for JSON-RPC requests')), { Allow: 'POST, GET, OPTIONS' });

  const declared = Number(req.headers['content-length']);
  let rejected = Number.isFinite(declared) && declared > opts.maxRequestBytes;
  if (rejected) tooLarge(res, opts.maxRequestBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (rejected) {
      if (size > DRAIN_LIMIT) req.destroy();
      return;
    }
    if (size > opts.maxRequestBytes) {
      rejected = true;
      chunks.length = 0;
      tooLarge(res, opts.maxRequestBytes);
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', () => undefined);
  req.on('end', () => {
    if (rejected) return;
    const text = Buffer.concat(chunks).toString('utf8');
    opts.framing.handleText(text).then(
      (body) => (body === null ? send(res, 204, null) : send(res, 200, body)),
      (err: unknown) => {
        opts.log(`http handler failed: ${err instanceof Error ? err.message : String(err)}`);
        send(res, 500, stringifyJson(errorResponse(null, -32603, 'Internal error')));
      },
    );
  });
}

export function listen(server: Server, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new Error(`${what} port ${port} on ${host} is already in use (another localnet or solana-test-validator?); pick another port`));
      else if (err.code === 'EACCES') reject(new Error(`${what} port ${port} on ${host}: permission denied`));
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export function createHttpServer(opts: HttpOptions): Server {
  const server = createServer((req, res) => {
    try {
      handle(opts, req, res);
    } catch (err) {
      opts.log(`http request failed: ${err instanceof Error ? err.message : String(err)}`);
      send(res, 500, stringifyJson(errorResponse(null, -32603, 'Internal error')));
    }
  });
  server.keepAliveTimeout = 30_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  return server;
}
