/**
 * Keepers under RPC faults: with 30% of their RPC calls failing (refused, timed out, or the reply
 * lost after the call was made), every job still ends finalized, expired (refunded) or resolved,
 * nothing is done twice, and no bot crashes. And the watchdog: /health turns 503 when a bot's
 * tick hangs, and 200 again once it recovers.
 */
import assert from 'node:assert/strict';
import type { PublicKey } from '@solana/web3.js';
import * as sdk from '../../sdk/src';
import type { KeepersService } from '../../keepers/service';
import {
  fundedWallet,
  jobOf,
  newClient,
  newMatcher,
  newWorker,
  PEER,
  postJobs,
  startEndpoint,
  startMarket,
  startTestKeepers,
  until,
  workerOf,
  type Endpoint,
  type Market,
} from './helpers';

describe('keepers: RPC faults and the watchdog', function () {
  this.timeout(240_000);
  let market: Market;
  const endpoints: Endpoint[] = [];
  let keepers: KeepersService | null = null;

  before(async () => {
    market = await startMarket({ maxJobAttempts: 1 });
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

  it('with 30% of RPC calls failing, every job still ends finalized, expired or resolved, exactly once', async () => {
    const e1 = await startEndpoint();
    const e2 = await startEndpoint();
    endpoints.push(e1, e2);
    const matcherKey = await newMatcher(market);
    const honest = await newWorker(market, { endpoint: e1.url, capacity: 4, price: 2n });
    const silent = await newWorker(market, { endpoint: e2.url, capacity: 2, price: 2n }); // takes jobs, never answers
    const client = await newClient(market);
    const validator = market.ctx(await fundedWallet(market, { peer: 5_000n * PEER }));
    await sdk.registerValidator(validator, { amount: 2_000n * PEER });

    const lines: string[] = [];
    keepers = await startTestKeepers(
      market,
      matcherKey,
      { 'bots.enabled': 'matcher,cranks', 'faults.rate': 0.3, 'faults.timeout_ms': 30, 'faults.seed': 7, 'cranks.sweep_threshold': 1, 'global.stall_ms': 600_000 },
      lines,
    );
    const open = await postJobs(client, 10, { sealTo: honest.worker });
    const verified = await postJobs(client, 2, { sealTo: honest.worker, tier: 'verified' });
    const all: PublicKey[] = [...open, ...verified].map((j) => j.job);
    const honestBefore = await workerOf(market, honest.worker);
    const silentBefore = await workerOf(market, silent.worker);

    // The honest worker answers (over a clean connection); the clock moves past deadlines and
    // windows; one verified answer is challenged (nobody votes: it lapses and then finalizes).
    let challenged: PublicKey | null = null;
    const deadline = Date.now() + 150_000;
    for (let round = 0; ; round++) {
      const states = await Promise.all(all.map((j) => jobOf(market, j)));
      if (states.every((s) => s === null)) break;
      if (Date.now() > deadline) throw new Error(`jobs left: ${states.filter((s) => s).map((s) => s!.status).join(',')}\n${lines.slice(-20).join('\n')}`);
      for (const j of await sdk.queryJobs(honest.ctx.transport, { worker: honest.worker, status: 'assigned' })) {
        await sdk.submitResult(honest.ctx, { job: j.address, output: `answer ${j.address.toBase58()}` });
      }
      if (!challenged) {
        const v = (await sdk.queryJobs(honest.ctx.transport, { worker: honest.worker, status: 'submitted' })).find((j) => j.data.request.tier === 'verified');
        if (v) {
          await sdk.challengeJob(validator, { job: v.address, outputHash: sdk.sha256(Buffer.from('a different answer')) });
          challenged = v.address;
        }
      }
      if (round % 10 === 9) market.warp(61);
      await new Promise((r) => setTimeout(r, 100));
    }

    assert.ok(challenged, 'a verified job was challenged');
    const f = keepers.faults;
    assert.ok(f.injected > 20, `faults injected: ${f.injected} of ${f.calls} calls`);
    const metrics = await (await fetch(`${keepers.url}/metrics`)).text();
    assert.match(metrics, /peer_keeper_injected_faults_total\{kind="lost_reply"/);
    // Nothing twice: the chain's counters equal the jobs' fates.
    const h = await workerOf(market, honest.worker);
    const s = await workerOf(market, silent.worker);
    const completed = Number(h.reputation.jobsCompleted - honestBefore.reputation.jobsCompleted);
    const expired = Number(s.reputation.jobsExpired - silentBefore.reputation.jobsExpired);
    assert.equal(completed + expired, all.length, `completed ${completed} + expired ${expired} = ${all.length} jobs`);
    assert.equal(h.activeJobs, 0);
    assert.equal(s.activeJobs, 0);
    assert.deepEqual(h.openJobs, [0, 0, 0]);
    const credits = await sdk.creditBalance(client);
    assert.equal(credits.locked, 0n, 'every job released its credits');
    // Both bots still run.
    const health = keepers.health();
    assert.ok(health.bots.matcher.initialized && health.bots.cranks.initialized);
    assert.ok(health.bots.matcher.ticks > 0 && health.bots.cranks.ticks > 0);
  });

  it('/health turns 503 when a bot hangs, and 200 again once it recovers', async () => {
    keepers = await startTestKeepers(market, await fundedWallet(market), {
      'bots.enabled': 'cranks',
      'global.stall_ms': 400,
      'faults.kinds': 'timeout',
      'faults.timeout_ms': 600_000,
    });
    const k = keepers;
    const status = async () => (await fetch(`${k.url}/health`)).status;
    await until('a good tick', () => k.health().bots.cranks.ticks > 0);
    assert.equal(await status(), 200);
    k.faults.rate = 1; // every RPC call now hangs for 10 minutes
    let code = 200;
    const deadline = Date.now() + 15_000;
    while (code === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      code = await status();
    }
    assert.equal(code, 503);
    const body = (await (await fetch(`${k.url}/health`)).json()) as { status: string; bots: Record<string, { ok: boolean; running: boolean }> };
    assert.equal(body.status, 'unhealthy');
    assert.equal(body.bots.cranks.ok, false);
    assert.equal(body.bots.cranks.running, true, 'the tick is still stuck in its RPC call');
    k.faults.rate = 0;
    k.faults.releaseTimers();
    const ticks = k.health().bots.cranks.ticks;
    await until('the bot to recover', () => k.health().bots.cranks.ticks > ticks + 1);
    assert.equal(await status(), 200);
  });
});
