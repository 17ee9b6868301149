/**
 * A user's model by URL: downloaded from a loopback server with a progress bar, checked against
 * its sha256 (a wrong hash deletes the file and names both hashes), reused when already there,
 * and served by the worker's llama backend from the URL.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '../../service-kit/log';
import { loadWorkerConfig } from '../../worker/config';
import { downloadModel, DownloadError } from '../../worker/download';
import { closeEngines } from '../../worker/engine';
import { createBackend } from '../../worker/service';
import { demoModel, tempDir } from './helpers';

describe('worker: models by URL', function () {
  this.timeout(300_000);
  const dir = tempDir('peer-download');
  let server: { url: string; close(): Promise<void> };
  let requests = 0;

  before(async () => {
    const bytes = readFileSync(demoModel().path);
    const app = new Hono();
    app.get('/peer-demo.gguf', (c) => {
      requests++;
      return c.body(bytes, 200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
    });
    app.get('/missing.gguf', (c) => c.text('no', 404));
    server = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
        resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise<void>((done) => s.close(() => done())) }),
      );
    });
  });
  after(async () => {
    await server?.close();
    await closeEngines();
    dir.remove();
  });

  it('downloads with progress, checks the hash, and reuses the file', async () => {
    const out: string[] = [];
    const path = await downloadModel({ url: `${server.url}/peer-demo.gguf`, sha256: demoModel().sha256, dir: join(dir.path, 'models'), write: (t) => out.push(t), isTTY: false });
    assert.equal(path, join(dir.path, 'models', `${demoModel().sha256}.gguf`));
    assert.ok(out.some((l) => /downloading model: 0%/.test(l)) && out.some((l) => /downloading model: 100%/.test(l)), out.join(''));
    const tty: string[] = [];
    await downloadModel({ url: `${server.url}/peer-demo.gguf`, sha256: demoModel().sha256, dir: join(dir.path, 'tty'), write: (t) => tty.push(t), isTTY: true });
    assert.match(tty.join(''), /\rdownloading model \[#+\] 100%/);
    const before = requests;
    await downloadModel({ url: `${server.url}/peer-demo.gguf`, sha256: demoModel().sha256, dir: join(dir.path, 'models'), write: () => undefined });
    assert.equal(requests, before, 'an existing file with the right hash is not downloaded again');
  });

  it('a wrong hash deletes the download; a missing file is one clear error', async () => {
    const wrong = 'ab'.repeat(32);
    await assert.rejects(downloadModel({ url: `${server.url}/peer-demo.gguf`, sha256: wrong, dir: join(dir.path, 'bad'), write: () => undefined }), (e: unknown) => {
      assert.ok(e instanceof DownloadError);
      assert.match((e as Error).message, new RegExp(`has sha256 ${demoModel().sha256}, expected ${wrong}; deleted`));
      return true;
    });
    assert.deepEqual(readdirSync(join(dir.path, 'bad')), []);
    await assert.rejects(downloadModel({ url: `${server.url}/missing.gguf`, sha256: wrong, dir: join(dir.path, 'bad'), write: () => undefined }), /HTTP 404/);
  });

  it('the llama backend serves a model given by URL (sha256 required in the config)', async () => {
    assert.throws(() => loadWorkerConfig({ env: {}, flags: { 'llama.model': `${server.url}/peer-demo.gguf` } }), /llama.sha256 .* is required when llama.model is a URL/);
    const { config } = loadWorkerConfig({ env: {}, flags: { 'llama.model': `${server.url}/peer-demo.gguf`, 'llama.sha256': demoModel().sha256, 'llama.models_dir': join(dir.path, 'cache') } });
    const lines: string[] = [];
    const backend = await createBackend(config, createLogger({ service: 'worker', write: (l) => lines.push(l) }));
    assert.ok(existsSync(join(dir.path, 'cache', `${demoModel().sha256}.gguf`)));
    assert.equal(backend.models()[0].deterministic, true);
    assert.ok(lines.some((l) => l.includes('model.loaded')));
    await backend.close();
  });
});
