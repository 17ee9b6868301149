/**
 * The node loop: keeps the worker's on-chain presence in step with its config and takes work.
 *
 * At start (`syncRegistration`): registers the worker if it is not (tiers, model ids = the
 * backend's profile ids, prices, capacity, endpoint, x25519 key), updates the settings that
 * differ from the config, and tops the bond up to `market.bond`.
 * Every tick (`NodeLoop.tick`, never two at once):
 *   - jobs assigned to this worker (by a matcher) that the store does not know are recorded;
 *   - open jobs this worker is eligible for, past the claim delay, are claimed while the on-chain
 *     active jobs stay below capacity (the program refuses beyond it too);
 *   - claimed jobs whose request never came and that left this worker (expired by a crank,
 *     requeued) are marked expired;
 *   - USDC earnings above the threshold are claimed.
 * One log line per action.
 */
import type { PublicKey } from '@solana/web3.js';
import { jobAccount, queryJobs, type Tier } from '../sdk/src/accounts/market';
import type { PeerContext } from '../sdk/src/context';
import { toHex } from '../sdk/src/crypto/envelope';
import { describeSettings, type WorkerSettingsInput } from '../sdk/src/flows/settings';
import { bondWorker, claimEarnings, claimJob, listOpenJobs, registerWorker, updateWorker, workerStatus } from '../sdk/src/flows/worker';
import type { Logger } from '../service-kit/log';
import type { Backend } from './backends';
import type { JobStore } from './store';

export interface DesiredSettings {
  tiers: Tier[];
  prices: Partial<Record<Tier, bigint>>;
  capacity: number;
  endpoint: string;
  encryptionKey: Uint8Array;
  /** $PEER base units to keep bonded. */
  bond: bigint;
}

function sameSettings(a: WorkerSettingsInput, b: WorkerSettingsInput): string[] {
  const diff: string[] = [];
  if ([...a.tiers].sort().join() !== [...b.tiers].sort().join()) diff.push('tiers');
  const hex = (ms: (string | Uint8Array)[]) => ms.map((m) => (typeof m === 'string' ? m : toHex(m))).sort().join();
  if (hex(a.models) !== hex(b.models)) diff.push('models');
  for (const t of b.tiers) if (a.prices[t] !== b.prices[t]) diff.push(`price_${t}`);
  if (a.capacity !== b.capacity) diff.push('capacity');
  if (a.endpoint !== b.endpoint) diff.push('endpoint');
  if (toHex(a.encryptionKey) !== toHex(b.encryptionKey)) diff.push('encryption_key');
  return [...new Set(diff)];
}

/** Registers, updates and bonds so the chain matches `desired`. Returns what it did. */
export async function syncRegistration(ctx: PeerContext, backend: Backend, desired: DesiredSettings, log: Logger): Promise<string[]> {
  const done: string[] = [];
  const models = backend.models();
  const tiers = models.every((m) => m.deterministic) ? desired.tiers : desired.tiers.filter((t) => t === 'open');
  if (tiers.length !== desired.tiers.length) log.warn('worker.open_tier_only', { why: 'the backend is not deterministic (hosted API): only the open tier is served' });
  const want: WorkerSettingsInput = {
    tiers,
    models: models.map((m) => new Uint8Array(Buffer.from(m.id, 'hex'))),
    prices: Object.fromEntries(tiers.map((t) => [t, desired.prices[t]])) as Partial<Record<Tier, bigint>>,
    capacity: desired.capacity,
    endpoint: desired.endpoint,
    encryptionKey: desired.encryptionKey,
  };
  let status = await workerStatus(ctx);
  if (!status.exists) {
    const r = await registerWorker(ctx, want);
    log.info('worker.registered', { worker: r.worker.toBase58(), tiers: tiers.join(','), models: models.map((m) => m.name).join(','), endpoint: desired.endpoint, signature: r.tx.signature });
    done.push('registered');
    status = await workerStatus(ctx);
  } else {
    const changed = sameSettings(describeSettings(status.data!.settings), want);
    if (changed.length > 0) {
      const r = await updateWorker(ctx, want);
      log.info('worker.settings_updated', { changed: changed.join(','), signature: r.tx.signature });
      done.push('updated');
    }
  }
  if (desired.bond > status.effectiveBond) {
    const amount = desired.bond - status.effectiveBond;
    const r = await bondWorker(ctx, { amount });
    log.info('worker.bonded', { amount: amount.toString(), signature: r.tx.signature });
    done.push('bonded');
  }
  if (status.data?.paused) log.warn('worker.paused', { hint: 'the worker is paused on chain: resume it to take jobs' });
  return done;
}

export interface NodeLoopOptions {
  ctx: PeerContext;
  worker: PublicKey;
  backend: Backend;
  store: JobStore;
  log: Logger;
  selfClaim: boolean;
  /** Claim earnings once above this many USDC base units. */
  claimEarningsAbove: bigint;
  intervalMs: number;
  onError?: (err: Error) => void;
}

export interface TickReport {
  claimed: string[];
  recorded: string[];
  expired: string[];
  earningsClaimed: bigint;
}

export class NodeLoop {
  private readonly o: NodeLoopOptions;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<TickReport> | null = null;
  private stopped = false;
  /** Unix ms of the last tick that completed (health). */
  lastTickAt = 0;
  lastError: string | null = null;

  constructor(opts: NodeLoopOptions) {
    this.o = opts;
  }

  /** One pass; concurrent calls share the pass in progress. */
  tick(): Promise<TickReport> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<TickReport> {
    const { ctx, store, log, worker } = this.o;
    const report: TickReport = { claimed: [], recorded: [], expired: [], earningsClaimed: 0n };
    const served = new Set(this.o.backend.models().map((m) => m.id));

    // Jobs a matcher assigned to us.
    const mine = await queryJobs(ctx.transport, { worker, status: 'assigned' }, { programId: ctx.programs.market });
    for (const j of mine) {
      if (store.recordAssigned({ job: j.address.toBase58(), tier: j.data.request.tier, model: toHex(j.data.request.model), seed: j.data.request.seed, deadline: Number(j.data.deadline), claimSignature: null })) {
        report.recorded.push(j.address.toBase58());
        log.info('job.assigned', { job: j.address.toBase58(), tier: j.data.request.tier, deadline: Number(j.data.deadline), by: 'matcher' });
      }
    }
    const assigned = new Set(mine.map((j) => j.address.toBase58()));

    // Claimed jobs that left us without a request.
    for (const row of store.inState('claimed')) {
      if (!assigned.has(row.job)) {
        store.markEnded(row.job, 'expired', 'no request arrived before the job left this worker');
        report.expired.push(row.job);
        log.info('job.expired', { job: row.job, why: 'no request arrived before it left this worker' });
      }
    }

    const status = await workerStatus(ctx);
    if (!status.exists || !status.data) return report;
    let active = status.data.activeJobs;
    const capacity = status.data.settings.capacity;

    if (this.o.selfClaim && !status.data.paused && active < capacity) {
      const open = await listOpenJobs(ctx);
      for (const o of open) {
        if (active >= capacity || this.stopped) break;
        if (o.claimableIn > 0n || !served.has(toHex(o.job.data.request.model))) continue;
        try {
          const r = await claimJob(ctx, { job: o.job.address });
          active++;
          const after = await jobAccount.fetchMaybe(ctx.transport, o.job.address, { programId: ctx.programs.market });
          const deadline = after ? Number(after.data.deadline) : 0;
          store.recordAssigned({ job: o.job.address.toBase58(), tier: o.job.data.request.tier, model: toHex(o.job.data.request.model), seed: o.job.data.request.seed, deadline, claimSignature: r.tx.signature });
          report.claimed.push(o.job.address.toBase58());
          log.info('job.claimed', { job: o.job.address.toBase58(), tier: o.job.data.request.tier, max_price: o.job.data.request.maxPrice.toString(), signature: r.tx.signature });
        } catch (err) {
          // Another worker (or a matcher) got there first: not an error worth more than a line.
          log.info('job.claim_skipped', { job: o.job.address.toBase58(), why: (err as Error).message.split('\n')[0] });
        }
      }
    }

    if (status.data.earnings > 0n && status.data.earnings >= this.o.claimEarningsAbove) {
      const r = await claimEarnings(ctx);
      report.earningsClaimed = status.data.earnings;
      log.info('worker.earnings_claimed', { usdc_base_units: status.data.earnings.toString(), destination: r.destination.toBase58(), signature: r.tx.signature });
    }
    this.lastTickAt = Date.now();
    return report;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        await this.tick();
        this.lastError = null;
      } catch (err) {
        this.lastError = (err as Error).message.split('\n')[0];
        this.o.log.warn('node.tick_failed', { error: this.lastError });
        this.o.onError?.(err as Error);
      }
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.o.intervalMs);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}
