/**
 * A fault layer around the SDK's Transport, for tests: a given fraction of calls fail.
 *
 * - `error`: the call is never made and fails at once (a refused connection, a 429);
 * - `timeout`: the call is never made and fails after `timeoutMs` (a node that hangs);
 * - `lost_reply`: the call IS made, then its reply is dropped and an error returned (the nastiest:
 *   a transaction may have landed while the keeper believes it failed).
 *
 * The sequence comes from a seeded generator, so a failing run can be repeated. Switched on by
 * `faults.rate` (or PEER_KEEPERS_FAULTS_RATE); at rate 0 every call passes straight through.
 */
import type { Commitment, PublicKey, VersionedTransaction } from '@solana/web3.js';
import { RpcError, type Transport } from '../sdk/src';
import type { FaultKind } from './config';

export interface FaultOptions {
  rate: number;
  timeoutMs: number;
  seed: number;
  kinds: readonly FaultKind[];
  /** Called for each injected fault (metrics). */
  onFault?: (kind: FaultKind, method: string) => void;
}

/** mulberry32: a small seeded generator (repeatable fault sequences; not for anything secret). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultyTransport implements Transport {
  readonly description: string;
  /** Adjustable at run time (tests turn faults on and off). */
  rate: number;
  timeoutMs: number;
  injected = 0;
  calls = 0;
  private readonly random: () => number;
  private readonly kinds: readonly FaultKind[];
  private readonly timers = new Map<NodeJS.Timeout, () => void>();

  constructor(
    readonly inner: Transport,
    private readonly opts: FaultOptions,
  ) {
    if (!(opts.rate >= 0 && opts.rate <= 1)) throw new Error('fault rate must be within [0, 1]');
    if (opts.kinds.length === 0) throw new Error('at least one fault kind is needed');
    this.rate = opts.rate;
    this.timeoutMs = opts.timeoutMs;
    this.kinds = opts.kinds;
    this.random = seeded(opts.seed);
    this.description = opts.rate > 0 ? `${inner.description} (faults ${Math.round(opts.rate * 100)}%)` : inner.description;
  }

  private pick(): FaultKind | null {
    this.calls++;
    if (this.rate <= 0 || this.random() >= this.rate) return null;
    this.injected++;
    return this.kinds[Math.floor(this.random() * this.kinds.length)];
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  private async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    const kind = this.pick();
    if (!kind) return run();
    this.opts.onFault?.(kind, method);
    switch (kind) {
      case 'error':
        throw new RpcError(`${method} failed: injected fault (connection refused)`);
      case 'timeout':
        await this.wait(this.timeoutMs);
        throw new RpcError(`${method} failed: injected fault (timed out after ${this.timeoutMs} ms)`);
      case 'lost_reply':
        await run().catch(() => undefined);
        throw new RpcError(`${method} failed: injected fault (reply lost)`);
    }
  }

  getAccount(address: PublicKey, commitment?: Commitment) {
    return this.call('getAccount', () => this.inner.getAccount(address, commitment));
  }
  getAccounts(addresses: PublicKey[], commitment?: Commitment) {
    return this.call('getAccounts', () => this.inner.getAccounts(addresses, commitment));
  }
  getProgramAccounts(programId: PublicKey, filters: Parameters<Transport['getProgramAccounts']>[1], commitment?: Commitment) {
    return this.call('getProgramAccounts', () => this.inner.getProgramAccounts(programId, filters, commitment));
  }
  getLatestBlockhash(commitment?: Commitment) {
    return this.call('getLatestBlockhash', () => this.inner.getLatestBlockhash(commitment));
  }
  simulate(tx: VersionedTransaction, commitment?: Commitment) {
    return this.call('simulate', () => this.inner.simulate(tx, commitment));
  }
  sendAndConfirm(tx: VersionedTransaction, opts: { commitment: Commitment; lastValidBlockHeight: number }) {
    return this.call('sendAndConfirm', () => this.inner.sendAndConfirm(tx, opts));
  }
  get getRecentPrioritizationFees(): Transport['getRecentPrioritizationFees'] {
    const f = this.inner.getRecentPrioritizationFees?.bind(this.inner);
    return f ? (w: PublicKey[]) => this.call('getRecentPrioritizationFees', () => f(w)) : undefined;
  }

  /** Ends pending injected timeouts (their calls fail now instead of later), for a quick stop. */
  releaseTimers(): void {
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
  }
}
