/**
 * The keepers as a real process (`keepers/main.ts`, what `peer keeper run` runs): a YAML config,
 * a bad value exits non-zero with one line, kill -9 mid-work then a restart loses nothing and
 * repeats nothing, and SIGTERM finishes what is in flight and exits 0.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import * as sdk from '../../sdk/src';
import {
  jobOf,
  keeperFlags,
  killKeeperProcesses,
  newClient,
  newMatcher,
  newWorker,
  postJobs,
  spawnKeepers,
  startEndpoint,
  startMarket,
  workerOf,
  writeKeypair,
  type Endpoint,
  type Market,
} from './helpers';

/** Dotted keys → nested YAML sections. */
function yamlOf(flags: Record<string, unknown>): string {
  const doc: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(flags)) {
    const [section, name] = key.split('.');
    (doc[section] ??= {})[name] = value;
  }
  return stringify(doc);
}

describe('keepers: the process', function () {
  this.timeout(180_000);
  let market: Market;
  let endpoint: Endpoint;

  before(async () => {
    market = await startMarket();
    endpoint = await startEndpoint();
  });

  after(async () => {
    killKeeperProcesses();
    await endpoint?.close();
    await market?.close();
  });

  it('a bad config value is one line and exit code 2', async () => {
    const file = join(market.dir, 'bad.yml');
    writeFileSync(file, yamlOf({ ...keeperFlags(market), 'matcher.batch_size': 0 }));
    const p = spawnKeepers(['--config', file]);
    const { code } = await p.exited;
    assert.equal(code, 2);
    const lines = p.output().trim().split('\n');
    assert.equal(lines.length, 1, p.output());
    assert.match(lines[0], /^error: matcher\.batch_size .* must be at least 1/);
  });

  it('kill -9 mid-work and restart: every job assigned and finalized exactly once; SIGTERM exits 0', async () => {
    const matcherKey = await newMatcher(market);
    const keypair = writeKeypair(market.dir, matcherKey, 'matcher');
    const file = join(market.dir, 'keepers.yml');
    writeFileSync(file, yamlOf({ ...keeperFlags(market), 'global.keypair': keypair, 'bots.enabled': 'matcher,cranks', 'matcher.batch_size': 4 }));
    const worker = await newWorker(market, { endpoint: endpoint.url, capacity: 32 });
    const client = await newClient(market);
    const before = await workerOf(market, worker.worker);
    const jobs = (await postJobs(client, 24, { sealTo: worker.worker })).map((j) => j.job);

    const answer = async (): Promise<number> => {
      const assigned = await sdk.queryJobs(worker.ctx.transport, { worker: worker.worker, status: 'assigned' });
      for (const j of assigned) await sdk.submitResult(worker.ctx, { job: j.address, output: 'ok' });
      return assigned.length;
    };
    const remaining = async () => (await Promise.all(jobs.map((j) => jobOf(market, j)))).filter((j) => j !== null).length;

    let first = spawnKeepers(['--config', file]);
    await first.url;
    // Kill it as soon as it has assigned something (its next batches may be in flight).
    const t0 = Date.now();
    while (!/ assign /.test(first.output())) {
      if (Date.now() - t0 > 30_000) throw new Error(`no assignment: ${first.output()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    first.proc.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    const assignedBeforeKill = 24 - (await sdk.queryJobs(worker.ctx.transport, { status: 'open' })).length;
    assert.ok(assignedBeforeKill > 0 && assignedBeforeKill < 24, `assigned before the kill: ${assignedBeforeKill}`);

    // Restart; answer as jobs arrive; kill it again mid-finalization, restart once more.
    first = spawnKeepers(['--config', file]);
    await first.url;
    let killedAgain = false;
    const deadline = Date.now() + 90_000;
    while ((await remaining()) > 0) {
      if (Date.now() > deadline) throw new Error(`jobs left: ${await remaining()}\n${first.output()}`);
      await answer();
      if (!killedAgain && / finalize /.test(first.output())) {
        first.proc.kill('SIGKILL');
        await first.exited;
        killedAgain = true;
        first = spawnKeepers(['--config', file]);
        await first.url;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(killedAgain, 'killed during finalization');
    const after = await workerOf(market, worker.worker);
    assert.equal(after.reputation.jobsCompleted - before.reputation.jobsCompleted, 24n, 'each job completed once');
    assert.equal(after.reputation.jobsExpired, before.reputation.jobsExpired, 'nothing expired');
    assert.equal(after.activeJobs, 0);
    assert.equal((await sdk.creditBalance(client)).locked, 0n);

    // SIGTERM: finish in flight, exit 0.
    const health = await fetch(`${await first.url}/health`);
    assert.equal(health.status, 200);
    first.proc.kill('SIGTERM');
    const exit = await first.exited;
    assert.equal(exit.code, 0, first.output());
    assert.match(first.output(), /keepers\.stopped/);
  });
});
