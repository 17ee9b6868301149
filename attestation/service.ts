/**
 * The attestation authority over HTTP.
 *
 *   POST /v1/attest      {worker, evidence}  → 200 Attestation
 *                                             → 400 {error: "malformed-evidence", message} for a bad body or evidence that does not parse
 *                                             → 422 {error: <reason>, message} when the evidence is refused
 *                                             → 413 when the body is too large, 415 when it is not JSON
 *   GET  /v1/authority   → {authority, allow, allowDev, ttlSeconds}
 *   GET  /health, /metrics (service-kit)
 *
 * Every decision is one log line and one SQLite row (written before the answer), so an audit
 * survives kill -9. The keypair's secret is registered with the logger and never printed.
 */
import bs58 from 'bs58';
import { Hono } from 'hono';
import { AttestationError } from '../sdk/src/attestation';
import { createLogger, Metrics, openStore, startHttp, type HttpHandle, type Logger, type Store } from '../service-kit';
import { AttestationAuthority, parseAttestRequest, type Attestation } from './authority';
import { loadAuthorityKeypair, type AttestationConfig } from './config';

const MIGRATIONS = [
  `CREATE TABLE decisions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     worker TEXT,
     kind TEXT,
     enclave_key TEXT,
     measurement TEXT,
     accepted INTEGER NOT NULL,
     reason TEXT,
     expires_at INTEGER,
     signature TEXT
   )`,
];

export interface AttestationService {
  url: string;
  port: number;
  authority: AttestationAuthority;
  store: Store;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: AttestationConfig;
  write?: (line: string) => void;
  now?: () => Date;
}

export function buildApp(deps: { authority: AttestationAuthority; store: Store; log: Logger; metrics: Metrics; maxBodyBytes: number; ttlSeconds: number; allowDev: boolean; now: () => Date }): Hono {
  const { authority, store, log, metrics } = deps;
  const requests = metrics.counter('attestation_requests_total', 'attestation requests by outcome and reason');
  const verifySeconds = metrics.histogram('attestation_verify_seconds', 'time to verify evidence and sign');
  const insert = store.prepare(
    'INSERT INTO decisions (at, worker, kind, enclave_key, measurement, accepted, reason, expires_at, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const app = new Hono();

  app.get('/v1/authority', (c) => c.json({ authority: authority.publicKey.toBase58(), allow: authority.allowList, allowDev: deps.allowDev, ttlSeconds: deps.ttlSeconds }));

  app.post('/v1/attest', async (c) => {
    const refuse = (status: 400 | 413 | 415 | 422, reason: string, message: string, worker: string | null) => {
      insert.run(deps.now().toISOString(), worker, null, null, null, 0, reason, null, null);
      requests.inc({ outcome: 'refused', reason });
      log.warn('refused', { worker: worker ?? '-', reason, why: message });
      return c.json({ error: reason, message }, status);
    };
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\b/i.test(type)) return refuse(415, 'malformed-evidence', 'send the request as application/json', null);
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > deps.maxBodyBytes) return refuse(413, 'malformed-evidence', `the body is ${declared} bytes (at most ${deps.maxBodyBytes})`, null);
    const raw = await c.req.text();
    if (Buffer.byteLength(raw) > deps.maxBodyBytes) return refuse(413, 'malformed-evidence', `the body is larger than ${deps.maxBodyBytes} bytes`, null);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(400, 'malformed-evidence', 'the body is not JSON', null);
    }
    let worker: string | null = null;
    const started = process.hrtime.bigint();
    try {
      const request = parseAttestRequest(body);
      worker = request.worker.toBase58();
      const a: Attestation = authority.attest(request);
      verifySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      insert.run(deps.now().toISOString(), a.worker, a.kind, a.enclaveKey, a.measurement, 1, a.allowedBy, a.expiresAt, a.signature);
      requests.inc({ outcome: 'accepted', reason: a.kind });
      log.info('attested', { worker: a.worker, kind: a.kind, hardware: a.hardwareAttested, measurement: a.measurement, allowed_by: a.allowedBy, expires_at: a.expiresAt, enclave: a.enclaveKey });
      return c.json(a, 200);
    } catch (err) {
      if (err instanceof AttestationError) {
        const status = err.reason === 'malformed-evidence' ? 400 : 422;
        return refuse(status, err.reason, err.message.slice(err.reason.length + 2), worker);
      }
      throw err;
    }
  });

  app.onError((err, c) => {
    log.error('internal', { error: err.message });
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });
  return app;
}

export async function startAttestationService(opts: StartOptions): Promise<AttestationService> {
  const { config } = opts;
  const keypair = loadAuthorityKeypair(config.keypair);
  const log = createLogger({ service: 'attestation', format: config.log_format as 'text' | 'json', secrets: [bs58.encode(keypair.secretKey), JSON.stringify(Array.from(keypair.secretKey))], write: opts.write });
  const now = opts.now ?? (() => new Date());
  const authority = new AttestationAuthority({
    keypair,
    allow: config.allow,
    allowDev: config.allow_dev,
    ttlSeconds: config.ttl_seconds,
    snp: { minTcb: { bootloader: config['snp.min_bootloader'], tee: config['snp.min_tee'], snp: config['snp.min_snp'], microcode: config['snp.min_microcode'] } },
    tdx: config['tdx.min_tee_tcb_svn'] ? { minTeeTcbSvn: config['tdx.min_tee_tcb_svn'] } : {},
    now,
  });
  const store = openStore(config.db, MIGRATIONS);
  const metrics = new Metrics();
  const app = buildApp({ authority, store, log, metrics, maxBodyBytes: config.max_body_bytes, ttlSeconds: config.ttl_seconds, allowDev: config.allow_dev, now });
  let http: HttpHandle;
  try {
    http = await startHttp({
      service: 'attestation',
      host: config.host,
      port: config.port,
      app,
      metrics,
      log,
      health: () => ({ ok: true, checks: { authority: authority.publicKey.toBase58(), allow: authority.allowList.length, allow_dev: config.allow_dev } }),
    });
  } catch (err) {
    store.close();
    throw err;
  }
  log.info('started', { url: http.url, authority: authority.publicKey.toBase58(), allow: authority.allowList.length, allow_dev: config.allow_dev, ttl_seconds: config.ttl_seconds });
  if (config.allow_dev) log.warn('dev-allowed', { note: 'this authority vouches for DEV enclaves, which are NOT hardware-attested' });
  let stopped = false;
  return {
    url: http.url,
    port: http.port,
    authority,
    store,
    async stop() {
      if (stopped) return;
      stopped = true;
      await http.close();
      store.close();
      log.info('stopped');
    },
  };
}
