/**
 * The cranks over a real local network, run by a keeper with no special key: finalize jobs whose
 * challenge window passed (several per transaction), expire assigned jobs past their deadline,
 * resolve a challenge whose phases ended, and sweep fees then update_rewards.
 */
import assert from 'node:assert/strict';
import type { Keypair, PublicKey } from '@solana/web3.js';
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
  type TestWorker,
} from './helpers';

describe('keepers: cranks', function () {
  this.timeout(180_000);
  let market: Market;
  let matcher: sdk.PeerContext;
  let client: sdk.PeerContext;
  let worker: TestWorker;
  let endpoint: Endpoint;
  let crankKey: Keypair;
  let keepers: KeepersService | null = null;

  async function assignAndSubmit(tier: sdk.Tier, n: number, submit = true): Promise<PublicKey[]> {
    const jobs = await postJobs(client, n, { sealTo: worker.worker, pin: true, tier });
    for (const j of jobs) {
      await sdk.assignJob(matcher, { job: j.job, worker: worker.worker });
      if (submit) await sdk.submitResult(worker.ctx, { job: j.job, output: `answer ${j.job.toBase58()}` });
    }
    return jobs.map((j) => j.job);
  }

  const metric = async (re: RegExp): Promise<number> => Number(re.exec(await (await fetch(`${keepers!.url}/metrics`)).text())?.[1] ?? 0);

  async function waitGone(jobs: PublicKey[], what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const left = (await Promise.all(jobs.map((j) => jobOf(market, j)))).filter((j) => j !== null).length;
      if (left === 0) return;
      if (Date.now() > deadline) throw new Error(`${left} jobs not ${what} after 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    market = await startMarket();
    endpoint = await startEndpoint();
    matcher = market.ctx(await newMatcher(market));
    client = await newClient(market);
    worker = await newWorker(market, { endpoint: endpoint.url, capacity: 16, tiers: ['open', 'verified'] });
    crankKey = await fundedWallet(market); // anyone: no registration of any kind
  });

  afterEach(async () => {
    await keepers?.stop();
    keepers = null;
  });

  after(async () => {
    await keepers?.stop();
    await endpoint?.close();
    await market?.close();
  });

  it('finalizes answered open-tier jobs at once, several per transaction, and sweeps the fees with update_rewards', async () => {
    const jobs = await assignAndSubmit('open', 6);
    const before = await workerOf(market, worker.worker);
    keepers = await startTestKeepers(market, crankKey, { 'bots.enabled': 'cranks', 'cranks.batch_size': 8, 'cranks.sweep_threshold': 1 });
    await waitGone(jobs, 'finalized');
    const after = await workerOf(market, worker.worker);
    assert.equal(after.reputation.jobsCompleted - before.reputation.jobsCompleted, 6n);
    assert.equal(after.earnings - before.earnings, 6n * 2n * 10_000n * 70n / 100n, 'the worker earned 70% of 6 jobs at 2 credits');
    const deadline = Date.now() + 30_000;
    let ledger = (await sdk.fetchFeeLedger(matcher.transport, sdk.findFeeLedgerPda()[0])).data;
    // The ledger empties when the sweep lands; the keeper counts it once its confirmation returns.
    const sweeps = () => metric(/peer_keeper_actions_total\{bot="cranks",kind="sweep"\} (\d+)/);
    while ((ledger.stakerFees + ledger.treasuryFees > 0n || (await sweeps()) < 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      ledger = (await sdk.fetchFeeLedger(matcher.transport, sdk.findFeeLedgerPda()[0])).data;
    }
    assert.equal(ledger.stakerFees + ledger.treasuryFees, 0n, 'fees swept');
    assert.ok(ledger.totalStakerFees > 0n);
    const finalizes = await metric(/peer_keeper_actions_total\{bot="cranks",kind="finalize"\} (\d+)/);
    const txs = await metric(/peer_keeper_transactions_total\{bot="cranks"\} (\d+)/);
    assert.equal(finalizes, 6);
    assert.ok(txs <= 3, `6 finalizes and a sweep took ${txs} transactions`);
    assert.equal(await metric(/peer_keeper_actions_total\{bot="cranks",kind="sweep"\} (\d+)/), 1);
    // The pool accrued the swept USDC in the same transaction (update_rewards).
    const pool = await sdk.fetchPool(matcher.transport, sdk.findStakingPoolPda()[0]);
    const vault = await sdk.fetchMaybeTokenAccount(matcher.transport, sdk.findRewardVaultPda()[0]);
    assert.equal(pool.data.accountedRewards, vault!.amount, 'update_rewards accounted everything in the reward vault');
  });

  it('waits for the challenge window of verified jobs, then finalizes them (polling only: no WebSocket)', async () => {
    const jobs = await assignAndSubmit('verified', 3);
    keepers = await startTestKeepers(market, crankKey, { 'bots.enabled': 'cranks', 'global.subscriptions': false });
    await until('a few crank ticks', () => keepers!.health().bots.cranks.ticks >= 3);
    assert.equal((await Promise.all(jobs.map((j) => jobOf(market, j)))).filter((j) => j?.status === 'submitted').length, 3, 'nothing finalized inside the window');
    market.warp(61);
    await waitGone(jobs, 'finalized');
  });

  it('expires assigned jobs whose worker missed the deadline (requeued), counting it against the worker', async () => {
    const jobs = await assignAndSubmit('open', 2, false);
    const before = await workerOf(market, worker.worker);
    keepers = await startTestKeepers(market, crankKey, { 'bots.enabled': 'cranks' });
    await until('a few crank ticks', () => keepers!.health().bots.cranks.ticks >= 3);
    assert.ok((await Promise.all(jobs.map((j) => jobOf(market, j)))).every((j) => j?.status === 'assigned'), 'nothing expired before the deadline');
    market.warp(31);
    const deadline = Date.now() + 30_000;
    while ((await Promise.all(jobs.map((j) => jobOf(market, j)))).some((j) => j?.status !== 'open')) {
      if (Date.now() > deadline) throw new Error('jobs not expired after 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = await workerOf(market, worker.worker);
    assert.equal(after.reputation.jobsExpired - before.reputation.jobsExpired, 2n);
    assert.equal(after.activeJobs, before.activeJobs - 2);
    for (const j of jobs) await sdk.cancelJob(client, { job: j });
  });

  it('resolves a challenge once its phases ended (lapsed: nobody voted), after which the job finalizes', async () => {
    const [job] = await assignAndSubmit('verified', 1);
    const validator = market.ctx(await fundedWallet(market, { peer: 5_000n * PEER }));
    await sdk.registerValidator(validator, { amount: 2_000n * PEER });
    const { challenge } = await sdk.challengeJob(validator, { job, outputHash: sdk.sha256(Buffer.from('another answer')) });
    keepers = await startTestKeepers(market, crankKey, { 'bots.enabled': 'cranks' });
    await until('a few crank ticks', () => keepers!.health().bots.cranks.ticks >= 3);
    assert.ok(await sdk.fetchMaybeChallenge(matcher.transport, challenge), 'not resolved during the commit phase');
    market.warp(121);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ch = await sdk.fetchMaybeChallenge(matcher.transport, challenge);
      const resolved = !ch || (ch.data as { resolved?: boolean }).resolved === true;
      if (resolved && (await jobOf(market, job)) === null) break;
      if (Date.now() > deadline) throw new Error('challenge not resolved and job not finalized after 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok((await metric(/peer_keeper_actions_total\{bot="cranks",kind="resolve"\} (\d+)/)) >= 1);
  });
});
