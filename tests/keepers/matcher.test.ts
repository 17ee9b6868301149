/**
 * The matcher over a real local network: it routes by quality score (a reliable worker beats a
 * cheaper one with a record of expiries), gives a newcomer its share, fills workers only up to
 * capacity, respects pins, skips endpoints that fail their health check, and packs several
 * assignments per transaction.
 */
import assert from 'node:assert/strict';
import type { Keypair, PublicKey } from '@solana/web3.js';
import * as sdk from '../../sdk/src';
import type { KeepersService } from '../../keepers/service';
import { qualityScore } from '../../keepers/quality';
import {
  jobOf,
  newClient,
  newMatcher,
  newWorker,
  postJobs,
  startEndpoint,
  startMarket,
  startTestKeepers,
  fundedWallet,
  workerOf,
  type Endpoint,
  type Market,
  type TestWorker,
} from './helpers';

describe('keepers: matcher', function () {
  this.timeout(180_000);
  let market: Market;
  let matcherKey: Keypair;
  let client: sdk.PeerContext;
  const endpoints: Endpoint[] = [];
  let keepers: KeepersService | null = null;

  /** The keepers' /metrics once `n` assignments are counted (or after 30 s, for the assertion to show). */
  async function assignsCounted(n: number): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = await (await fetch(`${keepers!.url}/metrics`)).text();
      const counted = Number(/peer_keeper_actions_total\{bot="matcher",kind="assign"\} (\d+)/.exec(text)?.[1] ?? 0);
      if (counted >= n || Date.now() > deadline) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const endpoint = async () => {
    const e = await startEndpoint();
    endpoints.push(e);
    return e;
  };

  /** Runs `n` jobs pinned to `w` through assign → submit → finalize (a completed record). */
  async function complete(w: TestWorker, n: number): Promise<void> {
    const matcher = market.ctx(matcherKey);
    const jobs = await postJobs(client, n, { sealTo: w.worker, pin: true });
    for (const j of jobs) {
      await sdk.assignJob(matcher, { job: j.job, worker: w.worker });
      await sdk.submitResult(w.ctx, { job: j.job, output: 'ok' });
      await sdk.finalizeJob(matcher, { job: j.job });
    }
  }

  /** Runs `n` jobs pinned to `w` through assign → deadline missed → expire (refunded: one attempt). */
  async function expire(w: TestWorker, n: number): Promise<void> {
    const matcher = market.ctx(matcherKey);
    const jobs = await postJobs(client, n, { sealTo: w.worker, pin: true });
    for (const j of jobs) await sdk.assignJob(matcher, { job: j.job, worker: w.worker });
    market.warp(31);
    for (const j of jobs) await sdk.expireJob(matcher, { job: j.job });
  }

  async function assignedTo(jobs: PublicKey[]): Promise<string[]> {
    const out: string[] = [];
    for (const j of jobs) {
      const data = await jobOf(market, j);
      out.push(data && data.status !== 'open' ? data.worker.toBase58() : 'open');
    }
    return out;
  }

  async function waitAssigned(jobs: PublicKey[]): Promise<string[]> {
    let last: string[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      last = await assignedTo(jobs);
      if (!last.includes('open')) return last;
      if (Date.now() > deadline) throw new Error(`jobs still open after 30 s: ${last.filter((x) => x === 'open').length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function finishAll(w: TestWorker): Promise<void> {
    // Submit and finalize everything assigned to `w`, so its capacity frees up.
    const matcher = market.ctx(matcherKey);
    const jobs = await sdk.queryJobs(matcher.transport, { worker: w.worker, status: 'assigned' });
    for (const j of jobs) {
      await sdk.submitResult(w.ctx, { job: j.address, output: 'ok' });
      await sdk.finalizeJob(matcher, { job: j.address });
    }
  }

  before(async () => {
    market = await startMarket({ maxJobAttempts: 1 });
    matcherKey = await newMatcher(market);
    client = await newClient(market);
  });

  afterEach(async () => {
    await keepers?.stop();
    keepers = null;
  });

  after(async () => {
    await keepers?.stop();
    for (const e of endpoints) await e.close();
    await market?.close();
  });

  it('refuses to start with a keypair that is not a registered matcher (one line)', async () => {
    const stranger = await fundedWallet(market);
    await assert.rejects(startTestKeepers(market, stranger, { 'bots.enabled': 'matcher' }), /is not a registered matcher/);
  });

  it('routes to the reliable worker over a cheaper one with a record of expiries, and fills it to capacity first', async () => {
    const reliable = await newWorker(market, { endpoint: (await endpoint()).url, price: 5n, capacity: 4 });
    const cheap = await newWorker(market, { endpoint: (await endpoint()).url, price: 1n, capacity: 8 });
    await complete(reliable, 2);
    await expire(cheap, 2);
    const r = await workerOf(market, reliable.worker);
    const c = await workerOf(market, cheap.worker);
    assert.equal(c.reputation.jobsExpired, 2n);
    assert.equal(r.reputation.jobsCompleted, 2n);
    // The pure score says the same before anything is sent.
    const sr = qualityScore({ reputation: r.reputation, price: 5n, maxPrice: 10n, probeMs: null });
    const sc = qualityScore({ reputation: c.reputation, price: 1n, maxPrice: 10n, probeMs: null });
    assert.ok(sr.score > sc.score, `reliable ${sr.score} vs cheap ${sc.score}`);
    assert.ok(sc.price > sr.price, 'the cheap worker does win on price');

    const lines: string[] = [];
    keepers = await startTestKeepers(market, matcherKey, { 'bots.enabled': 'matcher', 'matcher.newcomer_share': 0 }, lines);
    const first = await postJobs(client, 3, { sealTo: reliable.worker });
    assert.deepEqual(await waitAssigned(first.map((j) => j.job)), Array(3).fill(reliable.worker.toBase58()));

    // Six more: one fills the reliable worker to its capacity of 4, the rest overflow to the next best.
    const more = await postJobs(client, 6, { sealTo: reliable.worker });
    const owners = await waitAssigned(more.map((j) => j.job)).catch((err) => {
      console.log(lines.join('\n'));
      throw err;
    });
    assert.equal(owners.filter((o) => o === reliable.worker.toBase58()).length, 1);
    assert.equal(owners.filter((o) => o === cheap.worker.toBase58()).length, 5);
    assert.equal((await workerOf(market, reliable.worker)).activeJobs, 4);
    assert.ok(lines.some((l) => / INFO assign .*score=/.test(l)), 'one log line per assignment');
    // The chain shows an assignment when it lands; the keeper counts it when its confirmation returns.
    const metrics = await assignsCounted(9);
    assert.match(metrics, /peer_keeper_actions_total\{bot="matcher",kind="assign"\} 9/);
    assert.match(metrics, /peer_keeper_wakeups_total\{bot="matcher"\} [1-9]/, 'WebSocket notifications woke the matcher');
    await finishAll(reliable);
    await finishAll(cheap);
    for (const w of [reliable, cheap]) await sdk.pauseWorker(w.ctx);
  });

  it('a pinned job goes only to its worker, and a worker whose endpoint fails its health check gets nothing', async () => {
    const downEndpoint = await endpoint();
    const best = await newWorker(market, { endpoint: (await endpoint()).url, price: 1n, capacity: 8 });
    const down = await newWorker(market, { endpoint: downEndpoint.url, price: 1n, capacity: 8 });
    const other = await newWorker(market, { endpoint: (await endpoint()).url, price: 9n, capacity: 8 });
    await complete(best, 1);
    downEndpoint.down = true;
    keepers = await startTestKeepers(market, matcherKey, { 'bots.enabled': 'matcher', 'matcher.newcomer_share': 0 });
    const pinned = await postJobs(client, 2, { sealTo: other.worker, pin: true });
    const free = await postJobs(client, 3, { sealTo: best.worker });
    assert.deepEqual(await waitAssigned(pinned.map((j) => j.job)), Array(2).fill(other.worker.toBase58()));
    const owners = await waitAssigned(free.map((j) => j.job));
    assert.ok(!owners.includes(down.worker.toBase58()), 'the worker with a failing endpoint got a job');
    assert.ok(downEndpoint.hits > 0, 'the matcher probed the failing endpoint');
    for (const w of [best, down, other]) await finishAll(w);
    // Pause the workers of this test so later tests start clean.
    for (const w of [best, down, other]) await sdk.pauseWorker(w.ctx);
  });

  it('gives a newcomer with no history its share, and packs assignments into shared transactions', async () => {
    // Everyone registered so far is paused or full of history; two fresh workers.
    const established = await newWorker(market, { endpoint: (await endpoint()).url, price: 2n, capacity: 16 });
    await complete(established, 3);
    const newcomer = await newWorker(market, { endpoint: (await endpoint()).url, price: 2n, capacity: 16 });
    const e = await workerOf(market, established.worker);
    const n = await workerOf(market, newcomer.worker);
    assert.ok(
      qualityScore({ reputation: e.reputation, price: 2n, maxPrice: 10n, probeMs: null }).score >
        qualityScore({ reputation: n.reputation, price: 2n, maxPrice: 10n, probeMs: null }).score,
      'the established worker scores higher',
    );
    // Earlier tests paused their workers: only these two can take jobs.
    for (const w of await sdk.queryWorkers(market.ctx(market.admin).transport, { paused: false })) {
      if (!w.address.equals(established.worker) && !w.address.equals(newcomer.worker)) {
        assert.fail(`unexpected unpaused worker ${w.address.toBase58()}`);
      }
    }
    const jobs = await postJobs(client, 12, { sealTo: established.worker });
    keepers = await startTestKeepers(market, matcherKey, { 'bots.enabled': 'matcher', 'matcher.newcomer_jobs': 3, 'matcher.newcomer_share': 0.25, 'matcher.batch_size': 8 });
    const owners = await waitAssigned(jobs.map((j) => j.job));
    const toNewcomer = owners.filter((o) => o === newcomer.worker.toBase58()).length;
    assert.equal(toNewcomer, 3, `a quarter of 12 assignments to the newcomer (got ${toNewcomer})`);
    assert.equal(owners.filter((o) => o === established.worker.toBase58()).length, 9);
    const metrics = await assignsCounted(12);
    const txs = Number(/peer_keeper_transactions_total\{bot="matcher"\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(txs >= 2 && txs < 12, `12 assignments in ${txs} transactions`);
    for (const w of [established, newcomer]) await sdk.pauseWorker(w.ctx);
  });

  it('never gives a requeued job back to the worker that let it expire, even when it scores best', async () => {
    await sdk.updateConfig(market.ctx(market.admin), { maxJobAttempts: 3 });
    const x = await newWorker(market, { endpoint: (await endpoint()).url, price: 1n, capacity: 8 });
    const y = await newWorker(market, { endpoint: (await endpoint()).url, price: 5n, capacity: 8 });
    await complete(x, 5);
    // Only x and y may take jobs now (earlier tests paused theirs).
    const active = (await sdk.queryWorkers(market.ctx(market.admin).transport, { paused: false })).map((w) => w.address.toBase58()).sort();
    assert.deepEqual(active, [x.worker.toBase58(), y.worker.toBase58()].sort());
    keepers = await startTestKeepers(market, matcherKey, { 'bots.enabled': 'matcher', 'matcher.newcomer_share': 0 });
    const [job] = await postJobs(client, 1, { sealTo: x.worker });
    assert.deepEqual(await waitAssigned([job.job]), [x.worker.toBase58()]);
    await keepers.stop();
    keepers = null;
    market.warp(31);
    await sdk.expireJob(market.ctx(matcherKey), { job: job.job });
    const requeued = await jobOf(market, job.job);
    assert.equal(requeued?.status, 'open');
    const xs = await workerOf(market, x.worker);
    const ys = await workerOf(market, y.worker);
    assert.ok(
      qualityScore({ reputation: xs.reputation, price: 1n, maxPrice: 10n, probeMs: null }).score > qualityScore({ reputation: ys.reputation, price: 5n, maxPrice: 10n, probeMs: null }).score,
      'x still scores higher than y',
    );
    keepers = await startTestKeepers(market, matcherKey, { 'bots.enabled': 'matcher', 'matcher.newcomer_share': 0 });
    assert.deepEqual(await waitAssigned([job.job]), [y.worker.toBase58()]);
    const metrics = await (await fetch(`${keepers.url}/metrics`)).text();
    assert.doesNotMatch(metrics, /peer_keeper_failures_total\{bot="matcher",kind="assign"\}/);
  });
});
