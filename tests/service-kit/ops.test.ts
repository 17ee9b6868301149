import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createLogger, Metrics, openStore, PortInUseError, startHttp } from '../../service-kit';

const REPO = join(__dirname, '..', '..');

describe('service-kit logs, metrics, HTTP, lifecycle, store', () => {
  it('writes one line per action and redacts secret fields and secret strings', () => {
    const lines: string[] = [];
    const log = createLogger({ service: 'w', secrets: ['sk-abcdef123'], write: (l) => lines.push(l), now: () => new Date(0) });
    log.child({ job: 'J1' }).info('job.done', { tokens: 12, api_key: 'whatever', note: 'upstream said sk-abcdef123\nbad' });
    assert.equal(lines.length, 1);
    assert.equal(lines[0], '1970-01-01T00:00:00.000Z w INFO job.done job=J1 tokens=12 api_key=[redacted] note="upstream said [redacted]\\nbad"');
    const json: string[] = [];
    createLogger({ service: 'w', format: 'json', write: (l) => json.push(l), now: () => new Date(0) }).warn('x', { keypair: [1, 2], n: 5n });
    assert.deepEqual(JSON.parse(json[0]), { time: '1970-01-01T00:00:00.000Z', service: 'w', level: 'warn', action: 'x', keypair: '[redacted]', n: '5' });
  });

  it('renders Prometheus text for counters, gauges and histograms', () => {
    const m = new Metrics();
    m.counter('actions_total', 'actions').inc({ kind: 'assign' }, 2);
    m.gauge('queue_depth', 'depth').set(7);
    const h = m.histogram('tick_seconds', 'tick', [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    const text = m.render();
    assert.match(text, /# TYPE peer_actions_total counter\npeer_actions_total\{kind="assign"\} 2/);
    assert.match(text, /peer_queue_depth 7/);
    assert.match(text, /peer_tick_seconds_bucket\{le="0.1"\} 1\npeer_tick_seconds_bucket\{le="1"\} 2\npeer_tick_seconds_bucket\{le="\+Inf"\} 2/);
    assert.throws(() => m.counter('actions_total', 'x').inc({}, -1), /cannot decrease/);
  });

  it('serves /health (200 then 503) and /metrics on a real port, and names a port in use', async () => {
    let ok = true;
    const app = new Hono();
    app.get('/hello', (c) => c.text('hi'));
    const log = createLogger({ service: 't', write: () => undefined });
    const http = await startHttp({ service: 't', port: 0, app, metrics: new Metrics(), health: () => ({ ok, checks: { bot: 'x' } }), log });
    try {
      assert.equal(await (await fetch(`${http.url}/hello`)).text(), 'hi');
      let r = await fetch(`${http.url}/health`);
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { status: string }).status, 'ok');
      ok = false;
      r = await fetch(`${http.url}/health`);
      assert.equal(r.status, 503);
      r = await fetch(`${http.url}/metrics`);
      assert.match(r.headers.get('content-type') ?? '', /text\/plain; version=0.0.4/);
      const blocker = createServer();
      await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
      const port = (blocker.address() as { port: number }).port;
      await assert.rejects(
        startHttp({ service: 't', port, app: new Hono(), metrics: new Metrics(), health: () => ({ ok: true, checks: {} }), log }),
        (e: Error) => e instanceof PortInUseError && e.message.includes(`127.0.0.1:${port} is already in use`),
      );
      blocker.close();
    } finally {
      await http.close();
    }
  });

  it('stops on SIGTERM with exit 0, and a config error is one line with exit 2', async () => {
    const script = `
      const { runService, ConfigError } = require('./service-kit');
      const mode = process.argv[1];
      runService('demo', async () => {
        if (mode === 'bad') throw new ConfigError('port (flag) must be at most 65535, got "70000"');
        process.stdout.write('ready\\n');
        const t = setInterval(() => {}, 1000);
        return { stop: async () => { clearInterval(t); process.stdout.write('stopped\\n'); } };
      });`;
    const run = (mode: string, signal?: NodeJS.Signals): Promise<{ code: number | null; out: string; err: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script, mode], { cwd: REPO });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (signal && out.includes('ready')) child.kill(signal);
        });
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    const good = await run('good', 'SIGTERM');
    assert.equal(good.code, 0);
    assert.match(good.out, /ready\nstopped/);
    const bad = await run('bad');
    assert.equal(bad.code, 2);
    assert.equal(bad.err.trim(), 'error: port (flag) must be at most 65535, got "70000"');
  });

  it('applies migrations once and keeps committed rows across reopen', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kit-store-')), 'sub', 's.db');
    const migrations = ['CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)', 'ALTER TABLE t ADD COLUMN note TEXT'];
    let db = openStore(path, migrations.slice(0, 1));
    db.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run('a', 1);
    db.close();
    db = openStore(path, migrations);
    assert.equal(db.pragma('user_version', { simple: true }), 2);
    assert.deepEqual(db.prepare('SELECT k, v, note FROM t').all(), [{ k: 'a', v: 1, note: null }]);
    db.close();
    assert.throws(() => openStore(path, migrations.slice(0, 1)), /newer version/);
  });
});
