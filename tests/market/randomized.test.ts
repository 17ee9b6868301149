/**
 * Randomized lifecycles: many clients, workers and jobs interleaved in a random order from a
 * seeded PRNG. A model of the market predicts every instruction's outcome (success, or the
 * exact named error) and every account's state; after each step the touched accounts must
 * match the model, and regularly the vault identity (tests/harness/conservation.ts) and the
 * credit identity — Σ(balance + locked) = bought − redeemed − consumed — must hold: no credit
 * is created or lost. A failure names the seed and the step, so it replays exactly.
 */
import { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { defaultParams } from '../fixtures/embedded/params';
import { startEmbedded } from '../fixtures/embedded/env';
import {
  big,
  BPS,
  jobRequest,
  Market,
  modelId,
  PEER,
  statusOf,
  TIERS,
  tierIndex,
  workerSettings,
  type Actor,
  type Call,
  type TierName,
} from '../fixtures/embedded/market';
import { mintSupply, tokenBalance } from '../fixtures/embedded/tokens';
import { expectError, type TxResult } from '../fixtures/embedded/tx';
import { assertConservation } from '../harness/conservation';
import { split } from '../harness/fees';
import { Rng } from '../harness/rng';

const SEEDS = [1, 2024, 777_777];
const STEPS = 150;
const MODELS = [modelId('model-a'), modelId('model-b'), modelId('model-c')];

interface ClientModel {
  actor: Actor;
  creditAccount: PublicKey;
  balance: bigint;
  locked: bigint;
  jobsPosted: bigint;
}

interface WorkerModel {
  actor: Actor;
  address: PublicKey;
  tiers: TierName[];
  models: number[];
  prices: Record<TierName, bigint>;
  capacity: number;
  paused: boolean;
  active: number;
  open: number[];
  bond: bigint;
  unbonding: bigint;
  earnings: bigint;
  completed: bigint;
  expired: bigint;
}

type Status = 'open' | 'assigned' | 'submitted';

interface JobModel {
  address: PublicKey;
  client: ClientModel;
  tier: TierName;
  model: number;
  maxPrice: bigint;
  pinned: WorkerModel | null;
  status: Status;
  worker: WorkerModel | null;
  price: bigint;
  attempts: number;
  /** Workers that let this job expire: they may not take it again. */
  excluded: Set<WorkerModel>;
  openSince: bigint;
  deadline: bigint;
  challengeDeadline: bigint;
}

for (const seed of SEEDS) {
  describe(`peer_market: randomized lifecycles (seed ${seed})`, () => {
    it(`${STEPS} random operations keep the model, the vault identity and every credit`, async () => {
      const rng = new Rng(seed);
      const params = defaultParams();
      params.timeoutSlashBps = rng.pick([0, 150, 1_000]);
      const m = await Market.create(await startEmbedded(), params);
      const matcher = (await m.addMatcher()).matcher;

      const clients: ClientModel[] = [];
      const workers: WorkerModel[] = [];
      const jobs: JobModel[] = [];
      let bought = 0n;
      let redeemed = 0n;
      let consumed = 0n;
      let stakerFees = 0n;
      let treasuryFees = 0n;
      let step = 0;
      const counts: Record<string, number> = {};

      const where = () => `seed ${seed}, step ${step}`;

      /** Sends a call and checks the predicted outcome (null: success). */
      async function expectOutcome(call: Call, error: string | null, what: string): Promise<TxResult> {
        const { result } = await m.send(call);
        counts[`${what}:${error ?? 'ok'}`] = (counts[`${what}:${error ?? 'ok'}`] ?? 0) + 1;
        if (error === null) assert.ok(result.ok, `${where()}: ${what} should succeed: ${result.errorName ?? result.rawError}\n${result.logs.join('\n')}`);
        else {
          try {
            expectError(result, error);
          } catch (e) {
            throw new Error(`${where()}: ${what}: ${(e as Error).message}`);
          }
        }
        return result;
      }

      // ---- cast ----
      for (let i = 0; i < 4; i++) {
        const actor = await m.actor({ usdc: 0n });
        const credits = BigInt(rng.int(20, 300));
        const { creditAccount } = await m.buyCredits(actor, credits);
        bought += credits;
        clients.push({ actor, creditAccount, balance: credits, locked: 0n, jobsPosted: 0n });
      }
      for (let i = 0; i < 4; i++) {
        const tiers = rng.subset(TIERS);
        const models = rng.subset([0, 1, 2]);
        const prices = { open: 0n, verified: 0n, confidential: 0n } as Record<TierName, bigint>;
        for (const t of tiers) prices[t] = BigInt(rng.int(1, 25));
        const capacity = rng.int(1, 3);
        const minimum = tiers.reduce((mx, t) => (big(params.minBond[tierIndex(t)]) > mx ? big(params.minBond[tierIndex(t)]) : mx), 0n);
        const bond = minimum + BigInt(rng.int(0, 50)) * PEER + BigInt(rng.int(0, 999));
        const { actor, worker } = await m.readyWorker({ tiers, models: models.map((k) => MODELS[k]), prices, capacity }, bond);
        workers.push({
          actor,
          address: worker,
          tiers,
          models,
          prices,
          capacity,
          paused: false,
          active: 0,
          open: [0, 0, 0],
          bond,
          unbonding: 0n,
          earnings: 0n,
          completed: 0n,
          expired: 0n,
        });
      }

      // ---- model checks ----
      async function checkClient(c: ClientModel): Promise<void> {
        const a = await m.credits(c.creditAccount);
        assert.equal(big(a.balance), c.balance, `${where()}: balance`);
        assert.equal(big(a.locked), c.locked, `${where()}: locked`);
        assert.equal(big(a.jobsPosted), c.jobsPosted, `${where()}: jobs_posted`);
      }
      async function checkWorker(w: WorkerModel): Promise<void> {
        const a = await m.worker(w.address);
        assert.equal(a.paused, w.paused, `${where()}: paused`);
        assert.equal(a.activeJobs, w.active, `${where()}: active_jobs`);
        assert.deepEqual(a.openJobs, w.open, `${where()}: open_jobs`);
        assert.equal(big(a.bond), w.bond, `${where()}: bond`);
        assert.equal(big(a.unbonding), w.unbonding, `${where()}: unbonding`);
        assert.equal(big(a.earnings), w.earnings, `${where()}: earnings`);
        assert.equal(big(a.reputation.jobsCompleted), w.completed, `${where()}: jobs_completed`);
        assert.equal(big(a.reputation.jobsExpired), w.expired, `${where()}: jobs_expired`);
      }
      async function checkJob(j: JobModel): Promise<void> {
        const a = await m.jobOrNull(j.address);
        if (!jobs.includes(j)) {
          assert.equal(a, null, `${where()}: job ${j.address.toBase58()} should be closed`);
          return;
        }
        assert.ok(a, `${where()}: job ${j.address.toBase58()} should exist`);
        assert.equal(statusOf(a.status), j.status, `${where()}: status`);
        assert.ok(a.worker.equals(j.worker?.address ?? PublicKey.default), `${where()}: job worker`);
        assert.equal(big(a.price), j.price, `${where()}: price`);
        assert.equal(a.attempts, j.attempts, `${where()}: attempts`);
        assert.equal(big(a.openSince), j.openSince, `${where()}: open_since`);
        if (j.status !== 'open') assert.equal(big(a.deadline), j.deadline, `${where()}: deadline`);
        if (j.status === 'submitted') assert.equal(big(a.challengeDeadline), j.challengeDeadline, `${where()}: challenge_deadline`);
      }
      async function checkAll(): Promise<void> {
        for (const c of clients) await checkClient(c);
        for (const w of workers) await checkWorker(w);
        for (const j of jobs) await checkJob(j);
        const ledger = await m.feeLedger();
        assert.equal(big(ledger.stakerFees), stakerFees, `${where()}: staker fees`);
        assert.equal(big(ledger.treasuryFees), treasuryFees, `${where()}: treasury fees`);
        const totals = await assertConservation(m);
        // no credit created or lost
        const held = clients.reduce((s, c) => s + c.balance + c.locked, 0n);
        assert.equal(totals.creditBalance + totals.creditLocked, held, `${where()}: credits on chain`);
        assert.equal(held, bought - redeemed - consumed, `${where()}: credits bought ${bought} − redeemed ${redeemed} − consumed ${consumed}`);
      }

      const remove = (j: JobModel) => jobs.splice(jobs.indexOf(j), 1);

      /** The error assign/claim must give, in the program's documented order (null: eligible). */
      function eligibility(j: JobModel, w: WorkerModel): string | null {
        if (j.status !== 'open') return 'JobNotOpen';
        if (w.paused) return 'WorkerPaused';
        if (!w.tiers.includes(j.tier)) return 'TierNotServed';
        if (!w.models.includes(j.model)) return 'ModelNotServed';
        if (w.prices[j.tier] > j.maxPrice) return 'PriceAboveMax';
        if (w.active >= w.capacity) return 'WorkerAtCapacity';
        if (w.bond - w.unbonding < big(params.minBond[tierIndex(j.tier)])) return 'BondBelowMinimum';
        if (j.pinned && j.pinned !== w) return 'PinnedToOtherWorker';
        if (j.excluded.has(w)) return 'WorkerExcluded';
        return null;
      }

      async function take(j: JobModel, w: WorkerModel): Promise<void> {
        j.status = 'assigned';
        j.worker = w;
        j.price = w.prices[j.tier];
        j.attempts += 1;
        j.deadline = (await m.now()) + BigInt(params.jobTimeoutSecs);
        w.active += 1;
        w.open[tierIndex(j.tier)] += 1;
      }

      async function cancel(j: JobModel): Promise<void> {
        const ok = j.status === 'open';
        await expectOutcome(await m.cancelJobCall(j.client.actor, j.address), ok ? null : 'JobNotOpen', 'cancel');
        if (ok) {
          j.client.locked -= j.maxPrice;
          j.client.balance += j.maxPrice;
          remove(j);
        }
        await checkJob(j);
        await checkClient(j.client);
      }

      async function expire(j: JobModel): Promise<void> {
        const w = j.worker!;
        const now = await m.now();
        const error = j.status !== 'assigned' ? 'JobNotAssigned' : now <= j.deadline ? 'DeadlineNotReached' : null;
        const supply = await mintSupply(m.context, m.env.peerMint);
        await expectOutcome(await m.expireJobCall(j.address), error, 'expire');
        if (error === null) {
          // the bond share plus the job's value in $PEER, at most the bond; the worker is excluded
          const share = (w.bond * BigInt(params.timeoutSlashBps)) / BPS + j.price * big(params.peerPerCredit);
          const slash = share < w.bond ? share : w.bond;
          w.bond -= slash;
          j.excluded.add(w);
          if (w.unbonding > w.bond) w.unbonding = w.bond;
          w.active -= 1;
          w.open[tierIndex(j.tier)] -= 1;
          w.expired += 1n;
          if (j.attempts < params.maxJobAttempts) {
            j.status = 'open';
            j.worker = null;
            j.price = 0n;
            j.openSince = now;
          } else {
            j.client.locked -= j.maxPrice;
            j.client.balance += j.maxPrice;
            remove(j);
          }
          assert.equal(supply - (await mintSupply(m.context, m.env.peerMint)), slash, `${where()}: $PEER burned by the timeout slash`);
        }
        await checkJob(j);
        await checkWorker(w);
        await checkClient(j.client);
      }

      async function finalize(j: JobModel): Promise<void> {
        const w = j.worker!;
        const now = await m.now();
        const error = j.status !== 'submitted' ? 'JobNotSubmitted' : now < j.challengeDeadline ? 'ChallengeWindowOpen' : null;
        await expectOutcome(await m.finalizeJobCall(j.address), error, 'finalize');
        if (error === null) {
          const s = split(j.price, BigInt(params.workerFeeBps), BigInt(params.stakerShareBps));
          w.earnings += s.worker;
          w.open[tierIndex(j.tier)] -= 1;
          w.completed += 1n;
          stakerFees += s.staker;
          treasuryFees += s.treasury;
          j.client.locked -= j.maxPrice;
          j.client.balance += j.maxPrice - j.price;
          consumed += j.price;
          remove(j);
        }
        await checkJob(j);
        await checkWorker(w);
        await checkClient(j.client);
      }

      // ---- operations ----
      const ops = {
        buy: async () => {
          const c = rng.pick(clients);
          const credits = BigInt(rng.int(1, 150));
          await m.buyCredits(c.actor, credits);
          c.balance += credits;
          bought += credits;
          counts['buy:ok'] = (counts['buy:ok'] ?? 0) + 1;
          await checkClient(c);
        },
        redeem: async () => {
          const c = rng.pick(clients);
          const credits = BigInt(rng.int(1, Number(c.balance) + 5));
          const ok = credits <= c.balance;
          await expectOutcome(await m.redeemCreditsCall(c.actor, credits), ok ? null : 'InsufficientCredits', 'redeem');
          if (ok) {
            c.balance -= credits;
            redeemed += credits;
          }
          await checkClient(c);
        },
        post: async () => {
          const c = rng.pick(clients);
          // mostly jobs some worker can serve, sometimes anything
          const target = rng.chance(0.7) ? rng.pick(workers) : null;
          const tier = target ? rng.pick(target.tiers) : rng.pick(TIERS);
          const model = target ? rng.pick(target.models) : rng.int(0, 2);
          const maxPrice = BigInt(rng.int(1, 40));
          const pinned = rng.chance(0.15) ? rng.pick(workers) : null;
          const call = await m.postJobCall(c.actor, jobRequest({ tier, model: MODELS[model], maxPrice, pinnedWorker: pinned?.address }));
          const ok = c.balance >= maxPrice;
          await expectOutcome(call, ok ? null : 'InsufficientCredits', 'post');
          if (ok) {
            c.balance -= maxPrice;
            c.locked += maxPrice;
            c.jobsPosted = call.nonce + 1n; // the nonce skips those whose job PDA bump is not 255
            const j: JobModel = {
              address: call.job,
              client: c,
              tier,
              model,
              maxPrice,
              pinned,
              status: 'open',
              worker: null,
              price: 0n,
              attempts: 0,
              excluded: new Set(),
              openSince: await m.now(),
              deadline: 0n,
              challengeDeadline: 0n,
            };
            jobs.push(j);
            await checkJob(j);
          }
          await checkClient(c);
        },
        cancel: async () => {
          if (jobs.length) await cancel(rng.pick(jobs));
        },
        assign: async () => {
          if (!jobs.length) return;
          const open = jobs.filter((j) => j.status === 'open');
          const j = open.length && rng.chance(0.85) ? rng.pick(open) : rng.pick(jobs);
          const eligible = workers.filter((w) => eligibility(j, w) === null);
          const w = eligible.length && rng.chance(0.7) ? rng.pick(eligible) : rng.pick(workers);
          const error = eligibility(j, w);
          await expectOutcome(await m.assignJobCall(matcher, j.address, w.address), error, 'assign');
          if (error === null) await take(j, w);
          await checkJob(j);
          await checkWorker(w);
        },
        claim: async () => {
          if (!jobs.length) return;
          const now = await m.now();
          const due = jobs.filter((j) => j.status === 'open' && now >= j.openSince + BigInt(params.claimDelaySecs));
          const j = due.length && rng.chance(0.7) ? rng.pick(due) : rng.pick(jobs);
          const eligible = workers.filter((w) => eligibility(j, w) === null);
          const w = eligible.length && rng.chance(0.7) ? rng.pick(eligible) : rng.pick(workers);
          const error = now < j.openSince + BigInt(params.claimDelaySecs) ? 'ClaimDelayNotElapsed' : eligibility(j, w);
          await expectOutcome(await m.claimJobCall(w.actor, j.address), error, 'claim');
          if (error === null) await take(j, w);
          await checkJob(j);
          await checkWorker(w);
        },
        submit: async () => {
          const assigned = jobs.filter((j) => j.status === 'assigned');
          if (!assigned.length) return;
          const j = rng.pick(assigned);
          const w = j.worker!;
          const now = await m.now();
          if (j.tier !== 'confidential' && rng.chance(0.15)) {
            // another worker tries to submit it
            const other = rng.pick(workers.filter((x) => x !== w));
            await expectOutcome(await m.submitResultCall(other.actor, j.address), 'WrongWorker', 'submit');
            return;
          }
          const late = now > j.deadline;
          const call = j.tier === 'confidential' ? await m.submitConfidentialResultCall(w.actor, j.address) : await m.submitResultCall(w.actor, j.address);
          await expectOutcome(call, late ? 'DeadlinePassed' : null, 'submit');
          if (!late) {
            j.status = 'submitted';
            j.challengeDeadline = now + (j.tier === 'open' ? 0n : BigInt(params.challengeWindowSecs));
            w.active -= 1;
          }
          await checkJob(j);
          await checkWorker(w);
        },
        expire: async () => {
          const live = jobs.filter((j) => j.status !== 'open');
          if (live.length) await expire(rng.pick(live));
        },
        finalize: async () => {
          const live = jobs.filter((j) => j.status !== 'open');
          if (live.length) await finalize(rng.pick(live));
        },
        claimEarnings: async () => {
          const w = rng.pick(workers);
          await expectOutcome(await m.claimEarningsCall(w.actor), w.earnings > 0n ? null : 'NothingToClaim', 'claimEarnings');
          w.earnings = 0n;
          await checkWorker(w);
        },
        sweep: async () => {
          await expectOutcome(await m.sweepFeesCall(), stakerFees + treasuryFees > 0n ? null : 'NothingToSweep', 'sweep');
          stakerFees = 0n;
          treasuryFees = 0n;
        },
        pause: async () => {
          const w = rng.pick(workers);
          const pause = !w.paused && rng.chance(0.7);
          await expectOutcome(pause ? await m.pauseWorkerCall(w.actor) : await m.resumeWorkerCall(w.actor), null, pause ? 'pause' : 'resume');
          w.paused = pause;
          await checkWorker(w);
        },
        unbond: async () => {
          const w = rng.pick(workers);
          const amount = rng.chance(0.5) ? BigInt(rng.int(1, 10)) * PEER : w.bond - w.unbonding + 1n;
          const ok = amount <= w.bond - w.unbonding;
          await expectOutcome(await m.requestUnbondCall(w.actor, amount), ok ? null : 'InsufficientBond', 'unbond');
          if (ok) w.unbonding += amount;
          await checkWorker(w);
        },
        settings: async () => {
          // workers change prices (assigned jobs keep theirs) and resume
          const w = rng.pick(workers);
          for (const t of w.tiers) w.prices[t] = BigInt(rng.int(1, 25));
          await m.updateWorker(w.actor, workerSettings({ tiers: w.tiers, models: w.models.map((k) => MODELS[k]), prices: w.prices, capacity: w.capacity }));
          counts['settings:ok'] = (counts['settings:ok'] ?? 0) + 1;
        },
        warp: async () => {
          await m.warp(rng.pick([1, 7, 29, 31, 120, 301, 900, 3_601]));
        },
      };

      const weights = {
        buy: 4,
        redeem: 4,
        post: 14,
        cancel: 2,
        assign: 14,
        claim: 6,
        submit: 12,
        expire: 6,
        finalize: 12,
        claimEarnings: 4,
        sweep: 2,
        pause: 3,
        unbond: 2,
        settings: 2,
        warp: 12,
      };

      for (step = 1; step <= STEPS; step++) {
        const op = rng.weighted(weights);
        await ops[op]();
        if (step % 25 === 0) await checkAll();
      }
      // Drain: end every job, pay everyone out; then the vault must be empty to the base unit.
      for (let round = 0; jobs.length && round < 2 * params.maxJobAttempts + 2; round++) {
        await m.warp(params.challengeWindowSecs + params.jobTimeoutSecs + 1);
        step++;
        for (const j of [...jobs]) {
          if (j.status === 'open') await cancel(j);
          else if (j.status === 'assigned') await expire(j);
          else await finalize(j);
        }
      }
      assert.equal(jobs.length, 0, `${where()}: every job ended`);
      for (const w of workers) {
        if (w.earnings > 0n) {
          await expectOutcome(await m.claimEarningsCall(w.actor), null, 'claimEarnings');
          w.earnings = 0n;
        }
      }
      if (stakerFees + treasuryFees > 0n) await ops.sweep();
      for (const c of clients) {
        if (c.balance > 0n) {
          await expectOutcome(await m.redeemCreditsCall(c.actor, c.balance), null, 'redeem');
          redeemed += c.balance;
          c.balance = 0n;
        }
      }
      await checkAll();
      assert.equal(await tokenBalance(m.context, m.accounts.usdcVault), 0n, `${where()}: the vault paid out every base unit`);
      assert.equal(bought - redeemed, consumed, 'every credit bought was redeemed or paid for a job');
      if (process.env.RANDOMIZED_VERBOSE) console.log(`seed ${seed}:`, JSON.stringify(counts));
      // every outcome class the model predicts was exercised
      for (const key of ['post:ok', 'finalize:ok', 'submit:ok']) assert.ok((counts[key] ?? 0) > 0, `${key} never happened: ${JSON.stringify(counts)}`);
    });
  });
}
