/**
 * kill -9 in the middle of a job: the worker runs as its own process (`worker/main.ts` with a
 * YAML config, as `peer worker start` runs it). It is killed while streaming a job; the job is
 * still assigned on chain; the restarted worker re-executes it from the envelope kept in SQLite
 * (the output is deterministic), submits it once, and serves the sealed result; a third start
 * submits nothing again. A bad config exits 2 with one line.
 */
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sdk from '../../sdk/src';
import { closeEngines, execute } from '../../worker/engine';
import { demoModel, demoProfile, REPO, startTestMarket, type TestMarket } from './helpers';

interface Child {
  proc: ChildProcess;
  lines: () => { action?: string; [k: string]: unknown }[];
  exited: Promise<number | null>;
  waitFor(action: string, ms?: number): Promise<Record<string, unknown>>;
}

const children = new Set<ChildProcess>();

function spawnWorker(args: string[]): Child {
  const proc = spawn(process.execPath, ['-r', 'tsx/cjs', 'worker/main.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  children.add(proc);
  let err = '';
  const parsed: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    const lines = err.split('\n');
    err = lines.pop()!;
    for (const l of lines) {
      try {
        parsed.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        parsed.push({ raw: l });
      }
    }
    for (const f of listeners) f();
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => (children.delete(proc), resolve(code))));
  return {
    proc,
    exited,
    lines: () => parsed,
    waitFor: (action, ms = 240_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${action}; lines: ${JSON.stringify(parsed).slice(-2000)}`)), ms);
        const check = () => {
          const hit = parsed.find((p) => p.action === action);
          if (hit) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(hit);
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (!parsed.some((p) => p.action === action)) {
            clearTimeout(timer);
            reject(new Error(`the worker exited (${code}) before ${action}: ${JSON.stringify(parsed).slice(-2000)}`));
          }
        });
      }),
  };
}

describe('worker: kill -9 mid-job', function () {
  this.timeout(900_000);
  let m: TestMarket;
  let configFile: string;

  before(async () => {
    m = await startTestMarket();
    const keypairFile = join(m.dir, 'worker-key.json');
    writeFileSync(keypairFile, JSON.stringify([...m.workerKey.secretKey]));
    configFile = join(m.dir, 'worker.yml');
    writeFileSync(
      configFile,
      [
        `rpc:\n  url: ${m.net.rpcUrl}`,
        `keypair: ${keypairFile}`,
        'http:\n  port: 0',
        `store:\n  path: ${join(m.dir, 'worker.sqlite')}`,
        'llama:\n  context_size: 2048',
        'market:\n  bond: "5000"\n  self_claim: false\n  poll_ms: 600000',
        'log:\n  format: json',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await closeEngines();
    await m?.close();
  });

  it('resumes the job after kill -9, submits it exactly once, and serves the result', async () => {
    const first = spawnWorker(['--config', configFile]);
    const started = await first.waitFor('worker.started');
    const endpoint = String(started.endpoint);
    const worker = sdk.findWorkerPda(m.workerKey.publicKey)[0];
    const modelId = new Uint8Array(Buffer.from(sdk.toHex(require('../../worker/profile').profileId({ ...demoProfile(), context: { ...demoProfile().context, size: 2048 } })), 'hex'));
    const posted = await sdk.postJob(m.clientCtx, { prompt: 'The ', maxTokens: 1800, model: modelId, maxPrice: 10n, worker, seed: 31n });
    await sdk.assignJob(m.matcherCtx, { job: posted.job, worker });
    const sealed = await sdk.sealForAssignedWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply });
    let killed = false;
    const streaming = sdk
      .submitToWorker({
        endpoint,
        job: posted.job,
        envelope: sealed.envelope,
        reply: posted.reply,
        workerKey: sealed.resultKey,
        onText: () => {
          if (!killed) {
            killed = true;
            first.proc.kill('SIGKILL');
          }
        },
      })
      .catch((e: unknown) => e as Error);
    const outcome = await streaming;
    assert.ok(outcome instanceof Error, 'the stream broke off');
    assert.equal(await first.exited, null, 'killed by a signal');
    assert.equal((await sdk.fetchJob(m.transport, posted.job)).data.status, 'assigned', 'killed before the result was submitted');

    const second = spawnWorker(['--config', configFile]);
    const resumed = await second.waitFor('worker.resumed');
    assert.equal(resumed.rerun, 1);
    const restarted = await second.waitFor('worker.started');
    const job = (await sdk.fetchJob(m.transport, posted.job)).data;
    assert.equal(job.status, 'submitted');
    const stored = await sdk.fetchWorkerResult(String(restarted.endpoint), posted.job);
    assert.ok(stored);
    const r = await sdk.readResult(m.clientCtx, { job: posted.job, envelope: new Uint8Array(Buffer.from(stored.envelope, 'base64')), reply: posted.reply });
    const expected = await execute({ ...demoProfile(), context: { ...demoProfile().context, size: 2048 } }, posted.opening.request, 31n, 1800, { modelPath: demoModel().path });
    assert.equal(r.text, expected.text, 'the re-executed output is the deterministic one');
    second.proc.kill('SIGTERM');
    assert.equal(await second.exited, 0, 'SIGTERM stops cleanly');

    // A third start finds nothing to redo: the chain already has the result.
    const third = spawnWorker(['--config', configFile]);
    await third.waitFor('worker.started');
    assert.ok(!third.lines().some((l) => l.action === 'worker.resumed' || l.action === 'job.done'), 'nothing submitted again');
    third.proc.kill('SIGTERM');
    await third.exited;
    const doneLines = [...second.lines(), ...third.lines()].filter((l) => l.action === 'job.done');
    assert.equal(doneLines.length, 1, 'submitted exactly once');
  });

  it('a bad config value exits 2 with one line naming the key', async () => {
    const bad = spawnWorker(['--config', configFile, '--port', 'eighty']);
    assert.equal(await bad.exited, 2);
    const text = bad.lines().map((l) => String(l.raw ?? '')).join('\n');
    assert.match(text, /^error: http\.port \(flag\) must be a whole number/m);
    const missing = spawnWorker(['--config', configFile, '-k', join(m.dir, Keypair.generate().publicKey.toBase58())]);
    assert.equal(await missing.exited, 2);
    assert.match(missing.lines().map((l) => String(l.raw ?? '')).join('\n'), /keypair: keypair file .* not found/);
  });
});
