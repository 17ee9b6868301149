/**
 * `npm run simulate`: an agent-based simulation of the market's trust economics over the real
 * programs (peer_market and peer_staking on litesvm, default parameters). Every payoff is read
 * back from chain state — earnings, bonds, burns, validator bonds, staking claims — never
 * assumed. Agents:
 * - honest workers (deterministic re-execution: a validator always reproduces their output);
 * - cheating workers that skip the model on a fraction q of their jobs (saving its compute cost);
 * - honest validators that re-execute a fraction p of verified jobs and challenge mismatches,
 *   then all vote (by re-executing) on every challenge;
 * - a sybil coalition of k validators challenging honest results and voting for itself;
 * - a reward sniper staking around a fee sweep.
 * Reports each strategy's profit per job in USDC with a 95% confidence interval, the cheater's
 * profit against p, and the acceptance checks. `--jobs N` sets the honest run (default 10,000).
 * $PEER is valued at the config's reference rate (peer_per_credit: 1 credit = $0.01).
 */
import { createTransferInstruction } from '@solana/spl-token';
import { BN } from '@coral-xyz/anchor';
import { TransactionInstruction, type Keypair, type PublicKey } from '@solana/web3.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warpSeconds } from '../tests/fixtures/embedded/clock';
import { startLiteSvm } from '../tests/fixtures/embedded/litesvm';
import { big, findJobPda, hash32, jobRequest, nextJobNonce, PEER, type Actor } from '../tests/fixtures/embedded/market';
import {
  claimIx,
  initializeStaking,
  newDepositor,
  newStaker,
  requestUnstakeIx,
  stakeIx,
  streamedStakingParams,
  updateRewardsIx,
  USDC,
} from '../tests/fixtures/embedded/staking';
import { expectOk, send } from '../tests/fixtures/embedded/tx';
import { Verification, type ValidatorEntry } from '../tests/fixtures/embedded/verification';
import { findRewardVaultPda } from '../sdk/src/pda';
import { REPO_ROOT } from '../tools/workspace';

/** Assumed off-chain costs, in USDC per job (a 7B model on a rented GPU: cents per request). */
export const COMPUTE_COST_USDC = 0.05;
/** A validator's re-execution costs the same as the work itself. */
export const REEXECUTION_COST_USDC = COMPUTE_COST_USDC;
/** The default sampling rate validators re-execute verified jobs at (docs/economics.md). */
export const DEFAULT_SAMPLING_RATE = 0.05;
const PRICE = 12n; // credits: the verified tier's price in the fixtures

/** A seeded PRNG (mulberry32): the same run every time. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mean and 95% confidence half-width of per-job profits. */
export interface Estimate {
  jobs: number;
  mean: number;
  ci95: number;
}

function estimate(samples: number[]): Estimate {
  const n = samples.length;
  const mean = samples.reduce((s, x) => s + x, 0) / Math.max(1, n);
  const variance = samples.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1);
  return { jobs: n, mean, ci95: 1.96 * Math.sqrt(variance / Math.max(1, n)) };
}

interface World {
  v: Verification;
  client: Actor;
  matcher: Keypair;
  honestValidators: ValidatorEntry[];
  nonce: bigint;
  peerUsdc: number;
}

async function world(): Promise<World> {
  const v = await Verification.create(await startLiteSvm());
  const { actor: client } = await v.m.client(100_000_000n);
  const { matcher } = await v.m.addMatcher();
  const honestValidators = await v.voters(5); // 5 × 100,000 $PEER: the honest stake
  const peerUsdc = Number(big(v.params.peerPerCredit)) > 0 ? 0.01 / (Number(big(v.params.peerPerCredit)) / Number(PEER)) : 0;
  return { v, client, matcher, honestValidators, nonce: 0n, peerUsdc };
}

const usdcOf = (w: World, peerBaseUnits: bigint): number => (Number(peerBaseUnits) / Number(PEER)) * w.peerUsdc;

/**
 * Instruction templates: Anchor's builder resolves the IDL on every call (milliseconds each), so
 * the first instruction of each kind (per worker) is built by the fixture and later ones reuse
 * its account list with the job swapped and their data encoded by the program's coder.
 */
const templates = new Map<string, TransactionInstruction>();

function fromTemplate(key: string, first: () => Promise<TransactionInstruction>, job: PublicKey, data: Buffer | null): Promise<TransactionInstruction> | TransactionInstruction {
  const t = templates.get(key);
  if (!t) {
    return first().then((ix) => {
      templates.set(key, ix);
      return ix;
    });
  }
  const old = templateJobs.get(key)!;
  const keys = t.keys.map((k) => (k.pubkey.equals(old) ? { ...k, pubkey: job } : k));
  return new TransactionInstruction({ programId: t.programId, keys, data: data ?? t.data });
}
const templateJobs = new Map<string, PublicKey>();
/** The worker each job was assigned to (saves a read per finalize). */
const jobWorkers = new Map<string, PublicKey>();

async function templated(key: string, job: PublicKey, first: () => Promise<TransactionInstruction>, data: Buffer | null): Promise<TransactionInstruction> {
  const had = templates.has(key);
  const ix = await fromTemplate(key, first, job, data);
  if (!had) templateJobs.set(key, job);
  return ix;
}

/** Posts, assigns and submits one verified job in one transaction; returns the job and the honest output. */
async function runJob(w: World, worker: { actor: Actor; worker: PublicKey }, cheat: boolean): Promise<{ job: PublicKey; truth: number[] }> {
  const { v, client, matcher } = w;
  w.nonce = nextJobNonce(v.programId, client.publicKey, w.nonce);
  const nonce = w.nonce;
  w.nonce += 1n;
  const request = jobRequest({ tier: 'verified', maxPrice: 50n });
  const job = findJobPda(v.programId, client.publicKey, nonce)[0];
  v.m.jobs.set(job.toBase58(), client.publicKey);
  const truth = hash32(`output ${job.toBase58()}`);
  const output = cheat ? hash32(`made up ${job.toBase58()}`) : truth;
  const result = { outputHash: output, model: request.model, seed: request.seed };
  const coder = v.program.coder.instruction;
  const post = await templated('post', job, async () => (await v.m.postJobCall(client, request, { nonce })).ix, coder.encode('postJob', { request, nonce: new BN(nonce.toString()) }));
  const assign = await templated(`assign ${worker.worker.toBase58()}`, job, async () => (await v.m.assignJobCall(matcher, job, worker.worker)).ix, null);
  const submit = await templated(`submit ${worker.worker.toBase58()}`, job, async () => (await v.m.submitResultCall(worker.actor, job, result)).ix, coder.encode('submitResult', { result }));
  expectOk(await send(v.context, [post, assign, submit], [client.keypair, matcher, worker.actor.keypair]));
  jobWorkers.set(job.toBase58(), worker.worker);
  return { job, truth };
}

/** Finalizes jobs whose window passed, several per transaction (all of one client). */
async function finalizeAll(w: World, jobs: PublicKey[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 6) {
    const ixs: TransactionInstruction[] = [];
    for (const job of jobs.slice(i, i + 6)) {
      const worker = jobWorkers.get(job.toBase58()) ?? ((await w.v.job(job)).worker as PublicKey);
      jobWorkers.delete(job.toBase58());
      ixs.push(await templated(`finalize ${worker.toBase58()}`, job, async () => (await w.v.m.finalizeJobCall(job)).ix, null));
    }
    expectOk(await send(w.v.context, ixs));
  }
}

/** A challenge with every honest validator voting for the truth and `sybils` voting `sybilVote`; resolved and closed. */
async function dispute(
  w: World,
  job: PublicKey,
  challenger: ValidatorEntry,
  challengerHash: number[],
  voters: { entry: ValidatorEntry; output: number[] }[],
): Promise<string> {
  const { v } = w;
  const { challenge } = await v.challengeJob(challenger.actor, job, challengerHash);
  await v.voteAll(
    challenge,
    voters.map((x) => x.entry),
    voters.map((x) => x.output),
  );
  await v.warpPastReveal(challenge);
  const { event } = await v.resolveChallenge(challenge);
  for (const x of voters) await v.closeVote(x.entry.actor, challenge);
  return Object.keys(event.outcome as object)[0];
}

interface HonestRun {
  jobs: number;
  falseSlashes: number;
  workerProfit: Estimate;
  coalition: { k: number; challenges: number; won: number; profitPerChallenge: number };
}

/**
 * Honest workers serve `jobs` verified jobs; validators sample at p and never find a mismatch;
 * a sybil coalition of k minimum bonds challenges 1 honest job in 200 and votes for itself.
 */
async function honestRun(w: World, jobs: number, k: number, seed: number, log: (s: string) => void): Promise<HonestRun> {
  const { v } = w;
  const random = rng(seed);
  const workers = await Promise.all([0, 1, 2, 3].map(() => v.m.readyWorker({ tiers: ['verified'] })));
  // 10 × the minimum bond each (a losing vote costs 10% of it; there is no validator top-up)
  const coalition = await v.voters(k, big(v.params.validatorMinBond) * 10n);
  // the coalition's challenger: bonded for many lost challenges
  const challenger = await v.readyValidator(v.challengerBond() + 60n * v.challengeBondFor());
  const coalitionStart = big((await v.validator(challenger.validator)).bond) + (await Promise.all(coalition.map(async (c) => big((await v.validator(c.validator)).bond)))).reduce((a, b) => a + b, 0n);
  const earningsBefore = await Promise.all(workers.map(async (x) => big((await v.worker(x.worker)).earnings)));
  const bondsBefore = await Promise.all(workers.map(async (x) => big((await v.worker(x.worker)).bond)));
  let challenges = 0;
  let won = 0;
  const batch: PublicKey[] = [];
  const started = Date.now();
  for (let i = 0; i < jobs; i++) {
    const worker = workers[i % workers.length];
    const { job } = await runJob(w, worker, false);
    // validators sample at p: re-execution reproduces the honest output, so no challenge
    if (random() < 1 / 200 && challenges < 20) {
      challenges++;
      const outcome = await dispute(w, job, challenger, hash32(`sybil ${job.toBase58()}`), [
        ...coalition.map((entry) => ({ entry, output: hash32(`sybil ${job.toBase58()}`) })),
        ...w.honestValidators.map((entry) => ({ entry, output: hash32(`output ${job.toBase58()}`) })),
      ]);
      if (outcome === 'challengerWon') won++;
    }
    batch.push(job);
    if (batch.length >= 500 || i === jobs - 1) {
      await v.m.warp(v.params.challengeWindowSecs);
      await finalizeAll(w, batch.splice(0));
      log(`  honest jobs: ${i + 1}/${jobs} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  let falseSlashes = 0;
  const profits: number[] = [];
  for (let i = 0; i < workers.length; i++) {
    const wk = await v.worker(workers[i].worker);
    falseSlashes += Number(big(wk.reputation.challengesLost));
    const earned = Number(big(wk.earnings) - earningsBefore[i]) / 1e6;
    const bondDelta = usdcOf(w, big(wk.bond) - bondsBefore[i]);
    const served = Math.ceil((jobs - i) / workers.length);
    const perJob = (earned + bondDelta) / served - COMPUTE_COST_USDC;
    for (let j = 0; j < served; j++) profits.push(perJob);
  }
  // the coalition's $PEER now: its voters' and its challenger's bonds
  let coalitionNow = big((await v.validator(challenger.validator)).bond);
  for (const c of coalition) coalitionNow += big((await v.validator(c.validator)).bond);
  const coalitionDelta = coalitionNow - coalitionStart;
  const profitPerChallenge = challenges ? usdcOf(w, coalitionDelta) / challenges - REEXECUTION_COST_USDC : 0;
  return { jobs, falseSlashes, workerProfit: estimate(profits), coalition: { k, challenges, won, profitPerChallenge } };
}

interface CheaterRun {
  p: number;
  q: number;
  jobs: number;
  caught: number;
  /** Realized profit per job over this run (Monte Carlo on chain; noisy when catches are rare). */
  profit: Estimate;
  /** Payoffs (USDC) of the caught cheats of this run, as read from chain: slash + lost payment. */
  caughtPayoffs: number[];
  /** Profit per job minus an honest worker's: what cheating adds. */
  gainOverHonest: number;
}

/** One cheating worker (rate q) under sampling rate p; its bond kept at the tier minimum + 10%. */
async function cheaterRun(w: World, p: number, q: number, jobs: number, seed: number): Promise<CheaterRun> {
  const { v } = w;
  const random = rng(seed);
  const target = (big(v.params.minBond[1]) * 11n) / 10n;
  const cheater = await v.m.readyWorker({ tiers: ['verified'] }, target);
  const sampler = w.honestValidators[0];
  const voters = w.honestValidators.slice(1);
  const profits: number[] = [];
  const caughtPayoffs: number[] = [];
  let caught = 0;
  const pending: { job: PublicKey; index: number }[] = [];
  for (let i = 0; i < jobs; i++) {
    const cheat = random() < q;
    const bondBefore = big((await v.worker(cheater.worker)).bond);
    const { job, truth } = await runJob(w, cheater, cheat);
    let profit = cheat ? 0 : -COMPUTE_COST_USDC;
    if (cheat && random() < p) {
      // the sampler re-executed, got the truth, challenged; the other honest validators agree
      const outcome = await dispute(w, job, sampler, truth, voters.map((entry) => ({ entry, output: truth })));
      const bondAfter = big((await v.worker(cheater.worker)).bond);
      profit += usdcOf(w, bondAfter - bondBefore);
      if (outcome === 'challengerWon') {
        caught++;
        caughtPayoffs.push(profit);
      }
      // stay eligible: top the bond back up to the target (what was slashed is already counted)
      if (bondAfter < target) await v.m.bond(cheater.actor, target - bondAfter);
      if (outcome !== 'challengerWon') pending.push({ job, index: profits.length });
    } else {
      pending.push({ job, index: profits.length });
    }
    profits.push(profit);
    if (pending.length >= 100 || i === jobs - 1) {
      await v.m.warp(v.params.challengeWindowSecs);
      const before = big((await v.worker(cheater.worker)).earnings);
      if (pending.length === 0) continue;
      await finalizeAll(w, pending.map((x) => x.job));
      const after = big((await v.worker(cheater.worker)).earnings);
      // each finalized job paid the same worker share: spread it over the jobs that were paid
      if (pending.length) {
        const share = Number(after - before) / 1e6 / pending.length;
        for (const x of pending) profits[x.index] += share;
      }
      pending.length = 0;
    }
  }
  const honestPerJob = Number(PRICE) * 0.01 * (v.params.workerFeeBps / 10_000) - COMPUTE_COST_USDC;
  const est = estimate(profits);
  return { p, q, jobs, caught, profit: est, caughtPayoffs, gainOverHonest: est.mean - honestPerJob };
}

interface StakeRun {
  stakeRatio: number;
  outcome: string;
}

/** A coalition holding `ratio` × the honest stake challenges an honest result and votes for itself. */
async function coalitionStake(w: World, ratio: number): Promise<StakeRun> {
  const { v } = w;
  const honestStake = (await Promise.all(w.honestValidators.map(async (h) => big((await v.validator(h.validator)).bond)))).reduce((a, b) => a + b, 0n);
  const k = 3;
  const each = (honestStake * BigInt(Math.round(ratio * 1000))) / 1000n / BigInt(k);
  const members = await v.voters(k, each);
  const challenger = await v.readyValidator();
  const worker = await v.m.readyWorker({ tiers: ['verified'] });
  const { job, truth } = await runJob(w, worker, false);
  const lie = hash32(`coalition ${job.toBase58()}`);
  const outcome = await dispute(w, job, challenger, lie, [
    ...members.map((entry) => ({ entry, output: lie })),
    ...w.honestValidators.map((entry) => ({ entry, output: truth })),
  ]);
  if (outcome !== 'challengerWon') {
    await v.m.finalizeJob(job);
  }
  // the coalition leaves so the next ratio starts from the honest stake alone
  for (const m of [...members, challenger]) await v.deregisterValidator(m.actor);
  return { stakeRatio: ratio, outcome };
}

interface SnipeRun {
  hoursStaked: number;
  earnedUsdc: number;
  timeWeightedShareUsdc: number;
}

/** The sniper stakes 9× the honest stake in the fee sweep's transaction and leaves after `hours`. */
async function snipe(hours: number): Promise<SnipeRun> {
  const env = await startLiteSvm();
  const params = streamedStakingParams();
  await initializeStaking(env, params);
  const depositor = await newDepositor(env, 1_000_000n * USDC);
  const honest = await newStaker(env, 100n * PEER);
  const sniper = await newStaker(env, 900n * PEER);
  expectOk(await send(env.context, [await stakeIx(env, honest, 100n * PEER)], [honest.wallet]));
  await warpSeconds(env.context, 20 * 3_600);
  const fees = 1_000n * USDC;
  const vault = findRewardVaultPda(env.stakingId)[0];
  const ixs = [await stakeIx(env, sniper, 900n * PEER), createTransferInstruction(depositor.usdc, vault, depositor.wallet.publicKey, fees), await updateRewardsIx(env)];
  if (hours === 0) ixs.push(await requestUnstakeIx(env, sniper, 900n * PEER));
  expectOk(await send(env.context, ixs, [sniper.wallet, depositor.wallet]));
  if (hours > 0) {
    await warpSeconds(env.context, hours * 3_600);
    expectOk(await send(env.context, [await requestUnstakeIx(env, sniper, 900n * PEER)], [sniper.wallet]));
  }
  const before = await tokenBalance(env, sniper.usdc);
  const res = await send(env.context, [await claimIx(env, sniper)], [sniper.wallet]);
  const earned = res.ok ? (await tokenBalance(env, sniper.usdc)) - before : 0n;
  const stream = params.rewardStreamSecs / 3_600;
  const share = Number(fees) * 0.9 * Math.min(1, hours / stream);
  return { hoursStaked: hours, earnedUsdc: Number(earned) / 1e6, timeWeightedShareUsdc: share / 1e6 };
}

async function tokenBalance(env: { context: { banksClient: { getAccount(a: PublicKey): Promise<{ data: Uint8Array } | null> } } }, account: PublicKey): Promise<bigint> {
  const info = await env.context.banksClient.getAccount(account);
  if (!info) return 0n;
  return Buffer.from(info.data).readBigUInt64LE(64);
}

/** Expected profit per job from payoffs measured on chain: E = (1−q)·honest + q·((1−p)·paid + p·caught). */
export interface Expectation {
  p: number;
  q: number;
  profitPerJob: number;
  /** Expected profit minus an honest worker's (what cheating adds), with the CI of the caught payoff. */
  gainOverHonest: number;
  ci95: number;
}

function expectation(p: number, q: number, paid: number, caught: Estimate): Expectation {
  const honest = paid - COMPUTE_COST_USDC;
  const profitPerJob = (1 - q) * honest + q * ((1 - p) * paid + p * caught.mean);
  return { p, q, profitPerJob, gainOverHonest: profitPerJob - honest, ci95: q * p * caught.ci95 };
}

export interface SimulationReport {
  honest: HonestRun;
  cheaters: CheaterRun[];
  curve: CheaterRun[];
  /** The caught payoff measured over every caught cheat (USDC). */
  caughtPayoff: Estimate;
  expected: Expectation[];
  expectedCurve: Expectation[];
  coalition: StakeRun[];
  sniper: SnipeRun[];
  acceptance: Record<string, boolean>;
  defaultSamplingRate: number;
  seconds: number;
}

/** Runs every scenario; `jobs` is the honest run's size, `cheaterJobs` each cheater point's. */
export async function simulate(opts: { jobs: number; cheaterJobs: number; log?: (s: string) => void }): Promise<SimulationReport> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const w = await world();
  log(`honest run: ${opts.jobs} jobs, 4 honest workers, a coalition of 3 validators with 10 × the minimum bond`);
  const honest = await honestRun(w, opts.jobs, 3, 1, log);
  const cheaters: CheaterRun[] = [];
  for (const q of [0.05, 0.2, 0.5, 1]) {
    cheaters.push(await cheaterRun(w, DEFAULT_SAMPLING_RATE, q, opts.cheaterJobs, 100 + q * 100));
    log(`  cheater q=${q} at p=${DEFAULT_SAMPLING_RATE}: done`);
  }
  const curve: CheaterRun[] = [];
  for (const p of [0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]) {
    curve.push(await cheaterRun(w, p, 1, opts.cheaterJobs, 200 + p * 1000));
    log(`  cheater q=1 at p=${p}: done`);
  }
  const coalition: StakeRun[] = [];
  for (const ratio of [0.1, 0.5, 0.9, 1.1]) coalition.push(await coalitionStake(w, ratio));
  const sniper: SnipeRun[] = [];
  for (const hours of [0, 1, 12, 36, 72]) sniper.push(await snipe(hours));
  const caughtPayoff = estimate([...cheaters, ...curve].flatMap((c) => c.caughtPayoffs));
  const paid = Number(PRICE) * 0.01 * (w.v.params.workerFeeBps / 10_000);
  const expected = [0.01, 0.05, 0.2, 0.5, 1].map((q) => expectation(DEFAULT_SAMPLING_RATE, q, paid, caughtPayoff));
  const expectedCurve = [0, 0.002, 0.0045, 0.005, 0.01, 0.02, 0.05, 0.1].map((p) => expectation(p, 1, paid, caughtPayoff));
  const acceptance = {
    [`cheating has negative expected profit for every q > 0 (p = ${DEFAULT_SAMPLING_RATE}; ${caughtPayoff.jobs} caught cheats measured)`]:
      caughtPayoff.jobs > 0 && expected.every((e) => e.gainOverHonest + e.ci95 < 0),
    'snipers earn at most their time-weighted share': sniper.every((s) => s.earnedUsdc <= s.timeWeightedShareUsdc + 1e-6),
    'a sybil coalition needs more stake than the honest validators to decide': coalition.every((c) => (c.stakeRatio < 1 ? c.outcome !== 'challengerWon' : true)),
    [`an honest worker is never slashed (${honest.jobs} jobs)`]: honest.falseSlashes === 0,
  };
  return { honest, cheaters, curve, caughtPayoff, expected, expectedCurve, coalition, sniper, acceptance, defaultSamplingRate: DEFAULT_SAMPLING_RATE, seconds: (Date.now() - started) / 1000 };
}

function fmt(e: Estimate): string {
  return `${e.mean.toFixed(4)} ± ${e.ci95.toFixed(4)}`;
}

/** Prints the report's tables. */
export function printReport(r: SimulationReport): void {
  console.log(`\nTrust economics over the real programs (litesvm, default parameters; $PEER valued at peer_per_credit, $0.10 by default), ${r.seconds.toFixed(0)} s`);
  console.log(`compute cost ${COMPUTE_COST_USDC} USDC per job; default sampling rate p = ${r.defaultSamplingRate}`);
  console.table([
    { strategy: 'honest worker', jobs: r.honest.jobs, 'profit/job USDC (95% CI)': fmt(r.honest.workerProfit), note: `${r.honest.falseSlashes} false slashes` },
    ...r.cheaters.map((c) => ({ strategy: `cheater q=${c.q}, p=${c.p}`, jobs: c.jobs, 'profit/job USDC (95% CI)': fmt(c.profit), note: `caught ${c.caught}; vs honest ${c.gainOverHonest.toFixed(4)}` })),
    {
      strategy: `sybil coalition k=${r.honest.coalition.k} (10 × min bond each)`,
      jobs: r.honest.coalition.challenges,
      'profit/job USDC (95% CI)': r.honest.coalition.profitPerChallenge.toFixed(4),
      note: `per challenge; won ${r.honest.coalition.won}`,
    },
  ]);
  console.log(`A caught cheat costs ${fmt(r.caughtPayoff)} USDC (slash + lost payment, ${r.caughtPayoff.jobs} caught on chain). Expected profit per job at p = ${r.defaultSamplingRate}:`);
  console.table(r.expected.map((e) => ({ q: e.q, 'profit/job USDC': e.profitPerJob.toFixed(4), 'gain over honest (95% CI)': `${e.gainOverHonest.toFixed(4)} ± ${e.ci95.toFixed(4)}` })));
  console.log('Cheater (q = 1) profit per job against the sampling rate p — expected from the measured payoffs, and realized on chain:');
  console.table(
    r.expectedCurve.map((e) => {
      const run = r.curve.find((c) => c.p === e.p);
      return {
        p: e.p,
        'expected profit/job': e.profitPerJob.toFixed(4),
        'expected gain over honest': e.gainOverHonest.toFixed(4),
        'realized on chain (95% CI)': run ? `${fmt(run.profit)} (${run.caught}/${run.jobs} caught)` : '',
      };
    }),
  );
  console.log('A coalition against an honest worker, by its stake relative to the honest validators\':');
  console.table(r.coalition.map((c) => ({ 'coalition stake / honest stake': c.stakeRatio, outcome: c.outcome })));
  console.log('Reward sniper (90% of the stake joining at a 1,000 USDC sweep):');
  console.table(r.sniper.map((s) => ({ 'hours staked': s.hoursStaked, 'earned USDC': s.earnedUsdc.toFixed(2), 'time-weighted share USDC': s.timeWeightedShareUsdc.toFixed(2) })));
  console.log('Acceptance:');
  for (const [check, ok] of Object.entries(r.acceptance)) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${check}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--jobs');
  const jobs = at >= 0 ? Number(args[at + 1]) : 10_000;
  if (!Number.isInteger(jobs) || jobs < 1) {
    console.error('error: --jobs must be a positive integer');
    process.exit(2);
  }
  const report = await simulate({ jobs, cheaterJobs: Math.max(100, Math.min(200, Math.floor(jobs / 50))), log: (s) => console.log(s) });
  printReport(report);
  mkdirSync(join(REPO_ROOT, '.bench'), { recursive: true });
  writeFileSync(join(REPO_ROOT, '.bench', 'simulate.json'), JSON.stringify(report, null, 2));
  if (Object.values(report.acceptance).some((ok) => !ok)) process.exit(1);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
