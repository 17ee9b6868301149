/**
 * The matcher's own view of worker endpoints: a GET of the health path on the endpoint's
 * origin, at most every `intervalMs` per worker, with a timeout. The endpoint comes from chain
 * (anyone can write it), so only http(s) is probed, redirects are not followed and the body is
 * not read. Round trips are smoothed (EWMA) for the latency part of the score.
 */

export interface ProbeState {
  healthy: boolean;
  /** Smoothed round trip in ms (null until a probe succeeded). */
  latencyMs: number | null;
  checkedAt: number;
  error: string | null;
}

export interface ProbeOptions {
  path: string;
  intervalMs: number;
  timeoutMs: number;
}

/** The URL probed for an endpoint, or null when the endpoint is not an http(s) URL. */
export function probeUrl(endpoint: string, path: string): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // Under the endpoint's own path (a trailing /v1 dropped): a browser-tab worker lives at
  // <dashboard>/tab/w/<key>, and the dashboard's /health says nothing about the tab.
  const base = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return new URL(`${base}/${path.replace(/^\/+/, '')}`, url.origin).toString();
}

export class EndpointProbes {
  private readonly states = new Map<string, ProbeState>();
  private readonly pending = new Map<string, Promise<ProbeState>>();

  constructor(private readonly opts: ProbeOptions) {}

  get(endpoint: string): ProbeState | null {
    return this.states.get(endpoint) ?? null;
  }

  /** Probes every endpoint whose last check is older than the interval (in parallel). */
  async refresh(endpoints: string[], now = Date.now()): Promise<void> {
    const due = [...new Set(endpoints)].filter((e) => {
      const s = this.states.get(e);
      return !s || now - s.checkedAt >= this.opts.intervalMs;
    });
    await Promise.all(due.map((e) => this.probe(e)));
  }

  probe(endpoint: string): Promise<ProbeState> {
    const running = this.pending.get(endpoint);
    if (running) return running;
    const p = this.run(endpoint).finally(() => this.pending.delete(endpoint));
    this.pending.set(endpoint, p);
    return p;
  }

  private async run(endpoint: string): Promise<ProbeState> {
    const previous = this.states.get(endpoint);
    const url = probeUrl(endpoint, this.opts.path);
    let state: ProbeState;
    if (!url) {
      state = { healthy: false, latencyMs: null, checkedAt: Date.now(), error: 'endpoint is not an http(s) URL' };
    } else {
      const started = performance.now();
      try {
        const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs) });
        const ms = performance.now() - started;
        await res.body?.cancel().catch(() => undefined);
        const smoothed = previous?.latencyMs == null ? ms : previous.latencyMs * 0.7 + ms * 0.3;
        state = res.ok
          ? { healthy: true, latencyMs: smoothed, checkedAt: Date.now(), error: null }
          : { healthy: false, latencyMs: previous?.latencyMs ?? null, checkedAt: Date.now(), error: `HTTP ${res.status}` };
      } catch (err) {
        const why = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : err instanceof Error ? err.message : String(err);
        state = { healthy: false, latencyMs: previous?.latencyMs ?? null, checkedAt: Date.now(), error: why };
      }
    }
    this.states.set(endpoint, state);
    return state;
  }
}
