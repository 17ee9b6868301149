/**
 * Every service's HTTP face: its own hono routes plus GET /health (200 or 503, JSON) and
 * GET /metrics (Prometheus text), on a real port. A port already in use is one clear error.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log';
import type { Metrics } from './metrics';

export interface HealthReport {
  ok: boolean;
  checks: Record<string, unknown>;
}

export interface StartHttpOptions {
  service: string;
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  app: Hono<any, any, any>;
  metrics: Metrics;
  health: () => HealthReport | Promise<HealthReport>;
  log: Logger;
}

export interface HttpHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A port that cannot be bound, with the service and the way out named. */
export class PortInUseError extends Error {
  constructor(service: string, host: string, port: number) {
    super(`${service}: ${host}:${port} is already in use (stop what listens there or choose another port with --port)`);
    this.name = 'PortInUseError';
  }
}

export function mountOps(opts: Pick<StartHttpOptions, 'app' | 'metrics' | 'health' | 'service'>): void {
  const started = Date.now();
  opts.app.get('/health', async (c) => {
    let report: HealthReport;
    try {
      report = await opts.health();
    } catch (err) {
      report = { ok: false, checks: { error: err instanceof Error ? err.message : String(err) } };
    }
    const body = { service: opts.service, status: report.ok ? 'ok' : 'unhealthy', uptime_s: Math.round((Date.now() - started) / 1000), ...report.checks };
    return c.json(body, report.ok ? 200 : 503);
  });
  opts.app.get('/metrics', (c) => c.body(opts.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));
}

export function startHttp(opts: StartHttpOptions): Promise<HttpHandle> {
  const host = opts.host ?? '127.0.0.1';
  mountOps(opts);
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined;
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(opts.service, host, opts.port) : err);
    };
    server = serve({ fetch: opts.app.fetch, hostname: host, port: opts.port }, (info: AddressInfo) => {
      server!.off('error', onError);
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
      opts.log.info('http.listen', { url });
      resolve({
        url,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            const s = server as unknown as { close(cb: () => void): void; closeAllConnections?: () => void };
            s.close(() => done());
            s.closeAllConnections?.();
          }),
      });
    });
    server.once('error', onError);
  });
}
