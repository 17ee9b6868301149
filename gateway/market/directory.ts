/**
 * What the market offers right now, read from chain: the live workers (Worker accounts through
 * the SDK), the models they serve with their prices per tier, and for one request the eligible
 * workers ranked by the keepers' quality score. Model names: the on-chain id is sha256(name),
 * so names come from the gateway's config and from each worker endpoint's own model list, each
 * checked against the ids the worker registered.
 */
import type { PublicKey } from '@solana/web3.js';
import { configAccount, queryWorkers, type Config, type Tier, type Worker } from '../../sdk/src/accounts/market';
import type { Account } from '../../sdk/src/accounts/fetch';
import type { PeerContext } from '../../sdk/src/context';
import { isDevEnclaveMeasurement } from '../../sdk/src/attestation/measurement';
import { modelId, toHex } from '../../sdk/src/crypto/envelope';
import { workerEligibility } from '../../sdk/src/flows/client';
import { findConfigPda } from '../../sdk/src/pda';
import { compareCandidates, qualityScore, type QualityScore } from '../../keepers/protocol';
import type { Logger } from '../../service-kit/log';
import { TIERS, type TierName } from '../openai';

export interface Candidate {
  worker: Account<Worker>;
  price: bigint;
  quality: QualityScore;
  endpoint: string;
}

/** One request's hold on one of a worker's slots (WorkerDirectory.tryAcquire). */
export interface Slot {
  readonly worker: PublicKey;
  /** False once released. */
  readonly held: boolean;
  /** Gives the slot back; later calls do nothing. */
  release(): void;
}

export interface ModelListing {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  peer: { model_id: string; workers: number; tiers: Partial<Record<TierName, { min_price: string; workers: number }>> };
}

export function endpointOf(worker: Worker): string {
  return Buffer.from(worker.settings.endpoint.subarray(0, worker.settings.endpointLen)).toString('utf8');
}

function servedModels(w: Worker): string[] {
  return w.settings.models.slice(0, w.settings.modelCount).map((m) => toHex(m));
}

export class WorkerDirectory {
  private cached: { at: number; workers: Account<Worker>[]; config: Config } | null = null;
  private refreshing: Promise<{ workers: Account<Worker>[]; config: Config }> | null = null;
  /** model id hex → name. */
  private readonly names = new Map<string, string>();
  private readonly endpointChecked = new Map<string, number>();
  private readonly inflight = new Map<string, number>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly log: Logger,
    knownModels: string[],
    private readonly ttlMs = 2_000,
    /** Route confidential jobs to DEV enclaves too (config confidential_allow_dev; demos only). */
    private readonly allowDevEnclaves = false,
  ) {
    for (const name of knownModels) this.names.set(toHex(modelId(name)), name);
  }

  async snapshot(force = false): Promise<{ workers: Account<Worker>[]; config: Config }> {
    if (!force && this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached;
    if (!this.refreshing) {
      this.refreshing = (async () => {
        const programId = this.ctx.programs.market;
        const [workers, config] = await Promise.all([
          queryWorkers(this.ctx.transport, { paused: false }, { programId }),
          configAccount.fetch(this.ctx.transport, findConfigPda(programId)[0], { programId }),
        ]);
        this.cached = { at: Date.now(), workers, config: config.data };
        await this.learnNames(workers);
        return this.cached;
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** Asks each worker endpoint (at most every 30 s) for its model names; keeps the ones it registered. */
  private async learnNames(workers: Account<Worker>[]): Promise<void> {
    await Promise.all(
      workers.map(async (w) => {
        const endpoint = endpointOf(w.data);
        if (!/^https?:\/\//.test(endpoint) || Date.now() - (this.endpointChecked.get(endpoint) ?? 0) < 30_000) return;
        this.endpointChecked.set(endpoint, Date.now());
        try {
          const base = endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
          const res = await fetch(`${base}/v1/models`, { signal: AbortSignal.timeout(1_500) });
          if (!res.ok) return;
          const body = (await res.json()) as { data?: { id?: unknown; name?: unknown }[] };
          const served = new Set(servedModels(w.data));
          for (const m of body.data ?? []) {
            // worker/protocol.ts ModelInfo: id = the on-chain id (hex), name = its human name.
            if (typeof m.id !== 'string' || typeof m.name !== 'string' || m.name.length === 0 || m.name.length > 256) continue;
            const id = m.id.toLowerCase();
            if (served.has(id) && !this.names.has(id)) this.names.set(id, m.name);
          }
        } catch {
          // An endpoint that does not answer keeps its models listed by id.
        }
      }),
    );
  }

  nameOf(idHex: string): string {
    return this.names.get(idHex) ?? idHex;
  }

  /** The models live workers serve, with the cheapest price and worker count per tier. */
  async models(): Promise<ModelListing[]> {
    const { workers, config } = await this.snapshot();
    const byModel = new Map<string, ModelListing>();
    for (const w of workers) {
      const s = w.data.settings;
      for (const id of servedModels(w.data)) {
        let entry = byModel.get(id);
        if (!entry) {
          entry = { id: this.nameOf(id), object: 'model', created: Number(w.data.registeredAt), owned_by: 'peer-cycles', peer: { model_id: id, workers: 0, tiers: {} } };
          byModel.set(id, entry);
        }
        entry.peer.workers++;
        entry.created = Math.min(entry.created, Number(w.data.registeredAt));
        TIERS.forEach((tier, t) => {
          if ((s.tiers & (1 << t)) === 0) return;
          if (w.data.bond - w.data.unbonding < config.params.minBond[t]) return;
          const cur = entry!.peer.tiers[tier];
          const price = s.prices[t];
          if (!cur) entry!.peer.tiers[tier] = { min_price: price.toString(), workers: 1 };
          else {
            cur.workers++;
            if (price < BigInt(cur.min_price)) cur.min_price = price.toString();
          }
        });
      }
    }
    return [...byModel.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** The on-chain id of a model name (or 64 hex digits) that some live worker serves, else null. */
  async resolveModel(name: string): Promise<Uint8Array | null> {
    const { workers } = await this.snapshot();
    let hex = toHex(modelId(name));
    for (const [id, known] of this.names) if (known === name) hex = id;
    return workers.some((w) => servedModels(w.data).includes(hex)) ? new Uint8Array(Buffer.from(hex, 'hex')) : null;
  }

  /**
   * Eligible workers for a job, best first (keepers/quality.ts), with the reason when there is
   * none. A pinned worker must itself be eligible.
   */
  async candidates(job: { model: Uint8Array; tier: TierName; maxPrice: bigint; pinned: PublicKey | null }): Promise<{ list: Candidate[]; why: string | null }> {
    const { workers, config } = await this.snapshot();
    const t = TIERS.indexOf(job.tier);
    const pool = job.pinned ? workers.filter((w) => w.address.equals(job.pinned!)) : workers;
    if (job.pinned && pool.length === 0) return { list: [], why: `worker ${job.pinned.toBase58()} is not a live worker` };
    const reasons: string[] = [];
    const list: Candidate[] = [];
    for (const w of pool) {
      const why = workerEligibility(w.data, config, { tier: job.tier as Tier, model: job.model, maxPrice: job.maxPrice });
      // Capacity is checked by the gateway's own slots (the chain's count lags the queue).
      if (why && why !== 'at capacity') {
        reasons.push(why);
        continue;
      }
      if (job.tier === 'confidential' && w.data.enclaveKey.every((b) => b === 0)) {
        reasons.push('has no attested enclave');
        continue;
      }
      if (job.tier === 'confidential' && !this.allowDevEnclaves && isDevEnclaveMeasurement(w.data.enclaveMeasurement)) {
        reasons.push('runs a DEV enclave (NOT hardware-attested), which this gateway does not route confidential requests to (confidential_allow_dev)');
        continue;
      }
      const price = w.data.settings.prices[t];
      list.push({ worker: w, price, endpoint: endpointOf(w.data), quality: qualityScore({ reputation: w.data.reputation, price, maxPrice: job.maxPrice, probeMs: null }) });
    }
    list.sort((a, b) => compareCandidates({ key: a.worker.address.toBase58(), quality: a.quality }, { key: b.worker.address.toBase58(), quality: b.quality }));
    return { list, why: list.length ? null : (job.pinned ? `worker ${job.pinned.toBase58()} ${reasons[0]}` : reasons.length ? `no worker qualifies (${[...new Set(reasons)].join('; ')})` : 'no live worker serves this model') };
  }

  // ---- the gateway's own view of capacity ------------------------------------------------------

  /**
   * Takes a slot on a worker if it has one free (capacity from its settings). The slot is given
   * back only through the handle, whose release() is idempotent: call it in a finally and on
   * any earlier exit, and the count moves back exactly once.
   */
  tryAcquire(worker: Account<Worker>): Slot | null {
    const key = worker.address.toBase58();
    const used = this.inflight.get(key) ?? 0;
    if (used >= worker.data.settings.capacity) return null;
    this.inflight.set(key, used + 1);
    let held = true;
    return {
      worker: worker.address,
      get held() {
        return held;
      },
      release: () => {
        if (!held) return;
        held = false;
        this.free(key);
      },
    };
  }

  private free(key: string): void {
    const used = this.inflight.get(key) ?? 0;
    if (used <= 1) this.inflight.delete(key);
    else this.inflight.set(key, used - 1);
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w();
  }

  private waiters: (() => void)[] = [];

  /** Resolves when any slot frees (or after `ms`). */
  slotFreed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        const i = self.waiters.indexOf(done);
        if (i >= 0) self.waiters.splice(i, 1);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  /** Slots taken on one worker right now. */
  inflightOf(worker: PublicKey): number {
    return this.inflight.get(worker.toBase58()) ?? 0;
  }

  inflightTotal(): number {
    let n = 0;
    for (const v of this.inflight.values()) n += v;
    return n;
  }
}
