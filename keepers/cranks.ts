/**
 * The cranks anyone can run (no special key, only SOL for fees): finalize submitted jobs whose
 * challenge window passed, expire assigned jobs past their deadline, resolve challenges whose
 * outcome is settled or whose reveal phase ended, and sweep the fees to the staking pool and the
 * treasury (then `update_rewards` in the same transaction) once they pass a threshold or a
 * schedule. Several finalize/expire/resolve instructions share a transaction. Every crank is
 * idempotent on chain: a second keeper doing the same work fails harmlessly (a benign race).
 */
import {
  challengeAccount,
  configAccount,
  decodeClock,
  expireJobInstruction,
  feeLedgerAccount,
  finalizeJobInstruction,
  findConfigPda,
  findFeeLedgerPda,
  jobAccount,
  marketInfo,
  queryJobs,
  resolveChallengeInstruction,
  sweepFeesInstructions,
  SYSVAR_CLOCK_PUBKEY,
  type Account,
  type Challenge,
} from '../sdk/src';
import { InFlight, type Bot, type BotHealth, type BotKit, type ChainChange } from './bot';
import type { KeepersConfig } from './config';
import { sendActions, type Action } from './send';

export interface CrankSettings {
  intervalMs: number;
  batchSize: number;
  finalize: boolean;
  expire: boolean;
  resolve: boolean;
  sweep: boolean;
  sweepThreshold: bigint;
  sweepIntervalSecs: bigint;
}

export function crankSettings(c: KeepersConfig): CrankSettings {
  return {
    intervalMs: c['cranks.interval_ms'],
    batchSize: c['cranks.batch_size'],
    finalize: c['cranks.finalize'],
    expire: c['cranks.expire'],
    resolve: c['cranks.resolve'],
    sweep: c['cranks.sweep'],
    sweepThreshold: BigInt(c['cranks.sweep_threshold']),
    sweepIntervalSecs: BigInt(c['cranks.sweep_interval_s']),
  };
}

/**
 * Whether to try `resolve_challenge` now: never during the commit phase or once resolved; always
 * after the reveal phase; in between only once votes were revealed (an early decision). The
 * program decides; a "still undecided" answer from the simulation is a benign race, and the
 * in-flight map spaces out the attempts. (Deliberately not a copy of the program's quorum rule,
 * which may change.)
 */
export function challengeWorthResolving(ch: Challenge, now: bigint): boolean {
  if ((ch as Challenge & { resolved?: boolean }).resolved === true) return false;
  if (now < ch.commitDeadline) return false;
  if (now >= ch.revealDeadline) return true;
  return ch.reveals > 0;
}

export class CranksBot implements Bot {
  readonly name = 'cranks' as const;
  readonly intervalMs: number;
  private readonly inflight = new InFlight();
  private queues: Record<string, number> = { finalizable: 0, expirable: 0, resolvable: 0, unswept_fees: 0 };
  /** Chain time of the last sweep this keeper saw land (the schedule's origin). */
  private lastSweepAt: bigint | null = null;

  constructor(
    private readonly kit: BotKit,
    readonly settings: CrankSettings,
  ) {
    this.intervalMs = settings.intervalMs;
  }

  async init(): Promise<void> {
    await marketInfo(this.kit.ctx); // the mints and vaults (one read, cached)
  }

  wakesOn(change: ChainChange): boolean {
    return change.account === 'challenge' || (change.account === 'job' && (change.jobStatus === 'submitted' || change.jobStatus === 'assigned'));
  }

  health(): BotHealth {
    return { queues: { ...this.queues, in_flight: this.inflight.size } };
  }

  async tick(): Promise<void> {
    const ctx = this.kit.ctx;
    const programId = ctx.programs.market;
    const s = this.settings;
    const info = await marketInfo(ctx);
    const [submitted, assigned, challenges, [configRecord, ledgerRecord, clockRecord]] = await Promise.all([
      s.finalize ? queryJobs(ctx.transport, { status: 'submitted' }, { programId }) : Promise.resolve([]),
      s.expire ? queryJobs(ctx.transport, { status: 'assigned' }, { programId }) : Promise.resolve([]),
      s.resolve ? challengeAccount.query(ctx.transport, [], { programId }) : Promise.resolve([] as Account<Challenge>[]),
      ctx.transport.getAccounts([findConfigPda(programId)[0], findFeeLedgerPda(programId)[0], SYSVAR_CLOCK_PUBKEY]),
    ]);
    if (!configRecord || !ledgerRecord || !clockRecord) throw new Error('the market config, fee ledger or clock sysvar is missing');
    const config = configAccount.fromRecord(configRecord, { programId }).data;
    const ledger = feeLedgerAccount.fromRecord(ledgerRecord, { programId }).data;
    const now = decodeClock(clockRecord).unixTimestamp;

    const actions: Action[] = [];
    const finalizable = submitted.filter((j) => j.data.challengeDeadline <= now);
    for (const job of finalizable) {
      actions.push({ key: `finalize:${job.address.toBase58()}`, kind: 'finalize', instructions: [finalizeJobInstruction(job, programId)], fields: { job: job.address.toBase58(), worker: job.data.worker.toBase58() } });
    }
    const expirable = assigned.filter((j) => j.data.deadline < now);
    for (const job of expirable) {
      actions.push({ key: `expire:${job.address.toBase58()}`, kind: 'expire', instructions: [expireJobInstruction(job, info.peerMint, programId)], fields: { job: job.address.toBase58(), worker: job.data.worker.toBase58() } });
    }
    const resolvable = challenges.filter((c) => challengeWorthResolving(c.data, now));
    if (resolvable.length) {
      // The refund goes to the job's client: read the jobs (one request per 100).
      const jobs = await ctx.transport.getAccounts(resolvable.map((c) => c.data.job));
      resolvable.forEach((c, i) => {
        const record = jobs[i];
        if (!record) return; // the job is gone: nothing left to resolve against
        const job = jobAccount.fromRecord(record, { programId });
        actions.push({
          key: `resolve:${c.address.toBase58()}`,
          kind: 'resolve',
          instructions: [resolveChallengeInstruction(c, job.data.client, info.peerMint, programId)],
          fields: { challenge: c.address.toBase58(), job: c.data.job.toBase58(), for_challenger: c.data.votesForChallenger, for_worker: c.data.votesForWorker },
        });
      });
    }
    const unswept = ledger.stakerFees + ledger.treasuryFees;
    this.lastSweepAt ??= now;
    const sweepDue = s.sweep && unswept > 0n && (unswept >= s.sweepThreshold || now - this.lastSweepAt >= s.sweepIntervalSecs);
    this.queues = { finalizable: finalizable.length, expirable: expirable.length, resolvable: resolvable.length, unswept_fees: Number(unswept) };

    const jobActions = actions;
    const outcomes = jobActions.length ? await sendActions(this.kit, this.name, this.inflight, jobActions, { batchSize: s.batchSize }) : [];
    if (sweepDue) {
      const sweep: Action = { key: 'sweep', kind: 'sweep', instructions: sweepFeesInstructions(info, ctx.programs), fields: { staker_fees: ledger.stakerFees, treasury_fees: ledger.treasuryFees } };
      const [o] = await sendActions(this.kit, this.name, this.inflight, [sweep], { batchSize: 1 });
      if (o.status === 'landed' || o.status === 'benign') this.lastSweepAt = now;
    }
    const failed = outcomes.filter((o) => o.status === 'failed').length;
    if (failed > 0 && failed === outcomes.length) throw new Error(`all ${failed} crank actions failed`);
  }
}
