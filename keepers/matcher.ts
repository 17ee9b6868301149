/**
 * The matcher: routes open jobs to the eligible worker with the best quality score (quality.ts),
 * never the cheapest first and never at random.
 *
 * Eligible = what `assign_job` checks (market not paused, worker not paused, tier served, model
 * served, price ≤ the job's max, capacity free, bond ≥ the tier minimum, the pin, not the job's
 * own client, not a worker that let this job expire, a live enclave attested for the job's
 * measurement for confidential jobs) plus the matcher's own: the endpoint answers its health check.
 * A pinned job is only ever offered to its pinned worker. Jobs go oldest first; each worker is
 * filled up to its capacity (counting what this tick already gave it), and a configured share of
 * assignments goes to the best eligible newcomer (fewer than `newcomer_jobs` finished jobs) so a
 * worker without history still gets work to build one. Several assignments share a transaction.
 */
import { PublicKey } from '@solana/web3.js';
import {
  assignJobInstruction,
  configAccount,
  decodeClock,
  fetchMaybeMatcherRegistration,
  findConfigPda,
  findMatcherPda,
  queryJobs,
  queryWorkers,
  SYSVAR_CLOCK_PUBKEY,
  toHex,
  workerEligibility,
  type Account,
  type Config,
  type Job,
  type Worker,
} from '../sdk/src';
import { InFlight, SetupError, type Bot, type BotHealth, type BotKit, type ChainChange } from './bot';
import type { KeepersConfig } from './config';
import { EndpointProbes } from './probes';
import { compareCandidates, qualityScore, type QualityParams, type QualityScore } from './quality';
import { sendActions, type Action } from './send';

export interface MatcherSettings {
  intervalMs: number;
  batchSize: number;
  maxJobsPerTick: number;
  requireProbe: boolean;
  probePath: string;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  quality: QualityParams;
  newcomerJobs: number;
  newcomerShare: number;
}

export function matcherSettings(c: KeepersConfig): MatcherSettings {
  return {
    intervalMs: c['matcher.interval_ms'],
    batchSize: c['matcher.batch_size'],
    maxJobsPerTick: c['matcher.max_jobs_per_tick'],
    requireProbe: c['matcher.require_probe'],
    probePath: c['matcher.probe_path'],
    probeIntervalMs: c['matcher.probe_interval_ms'],
    probeTimeoutMs: c['matcher.probe_timeout_ms'],
    quality: {
      weightReliability: c['matcher.weight_reliability'],
      weightLatency: c['matcher.weight_latency'],
      weightPrice: c['matcher.weight_price'],
      priorSuccess: c['matcher.prior_success'],
      priorStrength: c['matcher.prior_strength'],
      challengePenalty: c['matcher.challenge_penalty'],
      latencyRefSlots: c['matcher.latency_ref_slots'],
      latencyRefMs: c['matcher.latency_ref_ms'],
    },
    newcomerJobs: c['matcher.newcomer_jobs'],
    newcomerShare: c['matcher.newcomer_share'],
  };
}

export interface Assignment {
  job: PublicKey;
  worker: PublicKey;
  quality: QualityScore;
  newcomer: boolean;
}

interface Candidate {
  key: string;
  account: Account<Worker>;
  free: number;
  newcomer: boolean;
}

const ZERO = PublicKey.default;

function endpointOf(w: Worker): string {
  return Buffer.from(w.settings.endpoint.subarray(0, w.settings.endpointLen)).toString('utf8');
}

export class MatcherBot implements Bot {
  readonly name = 'matcher' as const;
  readonly intervalMs: number;
  private readonly inflight = new InFlight();
  private readonly probes: EndpointProbes;
  private queues: Record<string, number> = { open_jobs: 0, routable: 0, unroutable: 0, eligible_workers: 0 };
  /** Assignments that landed (for the newcomer share). */
  private assigned = 0;
  private assignedToNewcomers = 0;

  constructor(
    private readonly kit: BotKit,
    readonly settings: MatcherSettings,
  ) {
    this.intervalMs = settings.intervalMs;
    this.probes = new EndpointProbes({ path: settings.probePath, intervalMs: settings.probeIntervalMs, timeoutMs: settings.probeTimeoutMs });
  }

  async init(): Promise<void> {
    const ctx = this.kit.ctx;
    const me = ctx.wallet.publicKey;
    const registration = await fetchMaybeMatcherRegistration(ctx.transport, findMatcherPda(me, ctx.programs.market)[0], { programId: ctx.programs.market });
    if (!registration) {
      throw new SetupError(`matcher: ${me.toBase58()} is not a registered matcher (the market admin adds it with add_matcher)`);
    }
  }

  wakesOn(change: ChainChange): boolean {
    return (change.account === 'job' && change.jobStatus === 'open') || change.account === 'worker';
  }

  health(): BotHealth {
    return { queues: { ...this.queues, in_flight: this.inflight.size }, details: { assigned: this.assigned, assigned_to_newcomers: this.assignedToNewcomers } };
  }

  async tick(): Promise<void> {
    const ctx = this.kit.ctx;
    const programId = ctx.programs.market;
    const [jobs, workers, [configRecord, clockRecord]] = await Promise.all([
      queryJobs(ctx.transport, { status: 'open' }, { programId }),
      queryWorkers(ctx.transport, { paused: false }, { programId }),
      ctx.transport.getAccounts([findConfigPda(programId)[0], SYSVAR_CLOCK_PUBKEY]),
    ]);
    if (!configRecord || !clockRecord) throw new Error('the market config or the clock sysvar is missing');
    const config = configAccount.fromRecord(configRecord, { programId }).data;
    const now = decodeClock(clockRecord).unixTimestamp;
    this.queues.open_jobs = jobs.length;
    if (config.params.paused) {
      this.queues.routable = 0;
      return;
    }
    if (this.settings.requireProbe) await this.probes.refresh(workers.map((w) => endpointOf(w.data)));
    const plan = this.plan(jobs, workers, config, now);
    if (plan.length === 0) return;
    const actions: Action[] = plan.map((a) => ({
      key: `assign:${a.job.toBase58()}`,
      kind: 'assign',
      instructions: [assignJobInstruction(ctx.wallet.publicKey, a.job, a.worker, programId)],
      fields: { job: a.job.toBase58(), worker: a.worker.toBase58(), score: a.quality.score.toFixed(4), newcomer: a.newcomer },
    }));
    const outcomes = await sendActions(this.kit, this.name, this.inflight, actions, { batchSize: this.settings.batchSize });
    const byKey = new Map(plan.map((a) => [`assign:${a.job.toBase58()}`, a]));
    for (const o of outcomes) {
      if (o.status !== 'landed') continue;
      this.assigned++;
      if (byKey.get(o.action.key)?.newcomer) this.assignedToNewcomers++;
    }
  }

  /** The assignments for this tick (pure over the accounts read; exposed for tests and the bench). */
  plan(jobs: Account<Job>[], workers: Account<Worker>[], config: Config, now: bigint): Assignment[] {
    const candidates = new Map<string, Candidate>();
    for (const w of workers) {
      const free = w.data.settings.capacity - w.data.activeJobs;
      if (free <= 0 || w.data.paused) continue;
      if (this.settings.requireProbe && !this.probes.get(endpointOf(w.data))?.healthy) continue;
      const r = w.data.reputation;
      const history = Number(r.jobsCompleted + r.jobsExpired + r.challengesLost);
      candidates.set(w.address.toBase58(), { key: w.address.toBase58(), account: w, free, newcomer: history < this.settings.newcomerJobs });
    }
    this.queues.eligible_workers = candidates.size;
    const queue = jobs
      .filter((j) => !this.inflight.has(`assign:${j.address.toBase58()}`))
      .sort((a, b) => (a.data.openSince < b.data.openSince ? -1 : a.data.openSince > b.data.openSince ? 1 : a.address.toBase58() < b.address.toBase58() ? -1 : 1))
      .slice(0, this.settings.maxJobsPerTick);
    const out: Assignment[] = [];
    let assigned = this.assigned;
    let toNewcomers = this.assignedToNewcomers;
    let unroutable = 0;
    for (const job of queue) {
      const ranked = this.rank(job, candidates, config, now);
      if (ranked.length === 0) {
        unroutable++;
        continue;
      }
      let pick = ranked[0];
      const owed = toNewcomers < this.settings.newcomerShare * (assigned + 1);
      if (owed && !pick.candidate.newcomer) pick = ranked.find((r) => r.candidate.newcomer) ?? pick;
      pick.candidate.free--;
      assigned++;
      if (pick.candidate.newcomer) toNewcomers++;
      out.push({ job: job.address, worker: pick.candidate.account.address, quality: pick.quality, newcomer: pick.candidate.newcomer });
    }
    this.queues.routable = out.length;
    this.queues.unroutable = unroutable;
    return out;
  }

  /** Eligible candidates for one job, best first. */
  rank(job: Account<Job>, candidates: Map<string, Candidate>, config: Config, now: bigint): { candidate: Candidate; quality: QualityScore }[] {
    const req = job.data.request;
    const pinned = req.pinnedWorker.equals(ZERO) ? null : req.pinnedWorker.toBase58();
    const pool = pinned ? [candidates.get(pinned)].filter((c): c is Candidate => c !== undefined) : [...candidates.values()];
    const t = ['open', 'verified', 'confidential'].indexOf(req.tier);
    const out: { key: string; candidate: Candidate; quality: QualityScore }[] = [];
    const excluded = new Set(job.data.excludedWorkers.filter((tag) => tag !== 0n));
    for (const c of pool) {
      if (c.free <= 0) continue;
      const w = c.account.data;
      // The program's checks (capacity is counted locally, above).
      const why = workerEligibility({ ...w, activeJobs: 0 }, config, { tier: req.tier, model: req.model, maxPrice: req.maxPrice });
      if (why) continue;
      // The program's later checks: no self-dealing, not a worker that let this job expire,
      // and for confidential jobs a live enclave attested for the job's measurement.
      if (w.authority.equals(job.data.client)) continue;
      if (excluded.has(c.account.address.toBuffer().readBigUInt64LE(0))) continue;
      if (req.tier === 'confidential' && (toHex(w.enclaveKey) === '0'.repeat(64) || w.enclaveExpiresAt <= now || !Buffer.from(w.enclaveMeasurement).equals(Buffer.from(req.measurement)))) continue;
      const probe = this.probes.get(endpointOf(w));
      const quality = qualityScore({ reputation: w.reputation, price: w.settings.prices[t], maxPrice: req.maxPrice, probeMs: probe?.latencyMs ?? null }, this.settings.quality);
      out.push({ key: c.key, candidate: c, quality });
    }
    return out.sort(compareCandidates);
  }
}
