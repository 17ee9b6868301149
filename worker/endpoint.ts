/**
 * The worker's HTTP endpoint (wire format in protocol.ts): POST /v1/jobs streams a job's
 * encrypted tokens as SSE and ends with the sealed result and the submit transaction;
 * GET /v1/jobs/:job/result returns a stored result; GET /v1/models lists what this worker serves.
 * /health and /metrics are mounted by service-kit's startHttp.
 */
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Tier } from '../sdk/src/accounts/market';
import type { Metrics } from '../service-kit/metrics';
import type { Logger } from '../service-kit/log';
import { canonicalProfile } from './profile';
import { errorBody, MAX_SUBMIT_BYTES, PROTOCOL_VERSION, type ModelInfo, type ModelsResponse } from './protocol';
import { Refusal, type JobRunner } from './jobs';

export interface MarketView {
  worker: string | null;
  tiers: Tier[];
  prices: Partial<Record<Tier, bigint>>;
  capacity: number;
  activeJobs: number;
}

export interface EndpointOptions {
  runner: JobRunner;
  /** From workerMetrics(metrics): shared with the runner's onFinished. */
  metrics: WorkerMetrics;
  log: Logger;
  /** The worker's current on-chain settings (or the configured ones before registration). */
  market: () => MarketView;
}

export type WorkerMetrics = ReturnType<typeof workerMetrics>;

export function workerMetrics(metrics: Metrics) {
  return {
    jobs: metrics.counter('peer_worker_jobs_total', 'Jobs served, by tier and outcome'),
    refusals: metrics.counter('peer_worker_refusals_total', 'Requests refused before anything ran, by code'),
    tokens: metrics.counter('peer_worker_tokens_generated_total', 'Tokens generated for jobs'),
    jobSeconds: metrics.histogram('peer_worker_job_seconds', 'Time from accepting a job to its submitted result'),
    ttftSeconds: metrics.histogram('peer_worker_time_to_first_token_seconds', 'Time from accepting a job to its first token'),
    inFlight: metrics.gauge('peer_worker_jobs_in_flight', 'Jobs running on this worker'),
  };
}

async function readBody(c: Context, limit: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > limit) throw new Refusal(413, 'too_large', `the body is larger than ${limit} bytes`);
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Refusal(413, 'too_large', `the body is larger than ${limit} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

export function workerRoutes(app: Hono, opts: EndpointOptions): Hono {
  const m = opts.metrics;
  let inFlight = 0;

  app.get('/v1/models', (c) => {
    const market = opts.market();
    const data: ModelInfo[] = opts.runner.backend.models().map((model) => {
      const tiers = model.deterministic ? market.tiers : market.tiers.filter((t) => t === 'open');
      return {
        id: model.id,
        object: 'model',
        name: model.name,
        owned_by: market.worker ?? 'unregistered',
        backend: opts.runner.backend.kind,
        deterministic: model.deterministic,
        tiers,
        prices: Object.fromEntries(tiers.map((t) => [t, String(market.prices[t] ?? 0n)])),
        profile: model.profile ? JSON.parse(canonicalProfile(model.profile)) : null,
        capacity: market.capacity,
        active_jobs: market.activeJobs,
        queued: opts.runner.backend.queued(),
      };
    });
    const body: ModelsResponse = { object: 'list', worker: market.worker, protocol: PROTOCOL_VERSION, data };
    return c.json(body);
  });

  app.get('/v1/jobs/:job/result', (c) => {
    const r = opts.runner.result(c.req.param('job'));
    return r ? c.json(r) : c.json(errorBody('not_found', 'no submitted result for this job here'), 404);
  });

  app.post('/v1/jobs', async (c) => {
    let accepted;
    try {
      accepted = await opts.runner.accept(await readBody(c, MAX_SUBMIT_BYTES));
    } catch (err) {
      if (err instanceof Refusal) {
        m.refusals.inc({ code: err.code });
        opts.log.warn('job.refused', { code: err.code, reason: err.message });
        const headers: Record<string, string> = err.retryAfterS !== undefined ? { 'retry-after': String(err.retryAfterS) } : {};
        return c.json(err.body(), err.status, headers);
      }
      opts.log.error('job.accept_failed', { error: (err as Error).message });
      return c.json(errorBody('chain_unavailable', (err as Error).message.split('\n')[0]), 503);
    }
    opts.log.info('job.accepted', { job: accepted.accepted.job, tier: accepted.accepted.tier, claimed: accepted.claimed });
    inFlight++;
    m.inFlight.set(inFlight);
    const finish = (outcome: string) => {
      inFlight--;
      m.inFlight.set(inFlight);
      m.jobs.inc({ tier: accepted.accepted.tier, outcome });
    };

    if ((c.req.header('accept') ?? '').includes('application/json')) {
      try {
        const result = await opts.runner.run(accepted);
        finish('ok');
        m.tokens.inc({}, result.completionTokens);
        return c.json(result);
      } catch (err) {
        finish('error');
        const r = err instanceof Refusal ? err : new Refusal(503, 'generation_failed', (err as Error).message);
        return c.json(r.body(), r.status);
      }
    }

    return streamSSE(c, async (sse) => {
      const abort = new AbortController();
      let pending = Promise.resolve();
      sse.onAbort(() => abort.abort());
      await sse.writeSSE({ event: 'accepted', data: JSON.stringify(accepted.accepted) });
      try {
        const result = await opts.runner.run(accepted, {
          // The generation keeps going if the client leaves: the result is still submitted and kept.
          onFrame: (frame) => {
            pending = pending.then(() => (abort.signal.aborted ? undefined : sse.writeSSE({ event: 'chunk', data: Buffer.from(frame).toString('base64') })));
          },
        });
        await pending;
        finish('ok');
        m.tokens.inc({}, result.completionTokens);
        if (!abort.signal.aborted) await sse.writeSSE({ event: 'result', data: JSON.stringify(result) });
      } catch (err) {
        await pending.catch(() => undefined);
        finish('error');
        const r = err instanceof Refusal ? err : new Refusal(503, 'generation_failed', (err as Error).message);
        opts.log.warn('job.failed', { job: accepted.accepted.job, code: r.code, reason: r.message });
        if (!abort.signal.aborted) await sse.writeSSE({ event: 'error', data: JSON.stringify(r.body()) });
      }
    });
  });

  return app;
}

/** Records a finished job in the metrics (JobRunner's onFinished). */
export function observeJob(metrics: ReturnType<typeof workerMetrics>, info: { ms: number; ttftMs: number | null; ok: boolean }): void {
  if (!info.ok) return;
  metrics.jobSeconds.observe(info.ms / 1000);
  if (info.ttftMs !== null) metrics.ttftSeconds.observe(info.ttftMs / 1000);
}
