/**
 * What every bot is and what it shares.
 *
 * A bot is one class behind the `Bot` interface: `init` (check its keys and accounts once),
 * `tick` (one pass: read the chain, act, return), `health` (its queues and counters). The
 * runner (`loop.ts`) owns the timing: ticks never overlap, WebSocket notifications wake a bot
 * early, polling is the fallback, and a watchdog marks a bot stalled when its last good tick is
 * too old. Bots send only through `sendActions` (send.ts), which uses the SDK's send path.
 */
import type { Hono } from 'hono';
import type { Metrics, Counter, Gauge, Histogram, Logger } from '../service-kit';
import { ProgramError, type PeerContext } from '../sdk/src';
import type { BotName } from './config';

export interface BotHealth {
  /** Work the bot sees waiting (jobs to assign, to finalize...). */
  queues: Record<string, number>;
  /** Anything else worth showing on /health. */
  details?: Record<string, unknown>;
}

export interface Bot {
  readonly name: BotName;
  readonly intervalMs: number;
  /** Once, before the first tick; a SetupError stops the service (bad key, not registered). */
  init(): Promise<void>;
  tick(): Promise<void>;
  health(): BotHealth;
  /** Which chain changes wake this bot early (from the program-account subscription). */
  wakesOn(change: ChainChange): boolean;
  /** Releases what the bot holds (stores); called once after its last tick. */
  close?(): Promise<void>;
  /** HTTP routes the bot serves next to /health and /metrics (the validator's audit intake). */
  routes?(app: Hono): void;
}

/** A decoded program-account notification: the account type and, for jobs, the status. */
export interface ChainChange {
  account: 'job' | 'worker' | 'challenge' | 'vote' | 'validator' | 'other';
  jobStatus?: string;
  closed: boolean;
}

/** A misconfiguration found at start (unregistered matcher, missing keypair): fatal, one line. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

/** The metrics every bot reports into (`peer_keeper_*`). */
export class KeeperMetrics {
  readonly actions: Counter;
  readonly failures: Counter;
  readonly benign: Counter;
  readonly transactions: Counter;
  readonly ticks: Counter;
  readonly tickSeconds: Histogram;
  readonly queueDepth: Gauge;
  readonly lastGoodTickAge: Gauge;
  readonly faults: Counter;
  readonly wakeups: Counter;

  constructor(readonly registry: Metrics) {
    this.actions = registry.counter('keeper_actions_total', 'On-chain actions that landed, by bot and kind');
    this.failures = registry.counter('keeper_failures_total', 'Actions or ticks that failed (will be retried), by bot and kind');
    this.benign = registry.counter('keeper_benign_races_total', 'Actions someone else already did or that no longer apply (already assigned, already finalized), by bot, kind and reason');
    this.transactions = registry.counter('keeper_transactions_total', 'Transactions sent and confirmed, by bot');
    this.ticks = registry.counter('keeper_ticks_total', 'Ticks run, by bot and result');
    this.tickSeconds = registry.histogram('keeper_tick_seconds', 'Tick duration, by bot', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
    this.queueDepth = registry.gauge('keeper_queue_depth', 'Work waiting, by bot and queue');
    this.lastGoodTickAge = registry.gauge('keeper_last_good_tick_age_seconds', 'Seconds since the bot\'s last good tick');
    this.faults = registry.counter('keeper_injected_faults_total', 'RPC faults injected by the fault layer (tests), by kind and method');
    this.wakeups = registry.counter('keeper_wakeups_total', 'Early ticks triggered by WebSocket notifications, by bot');
  }
}

/** What the runner hands every bot. */
export interface BotKit {
  ctx: PeerContext;
  log: Logger;
  metrics: KeeperMetrics;
  /** Transactions a bot has in flight at once. */
  maxConcurrentTx: number;
}

/**
 * Keys of actions sent and not yet visible on chain, so nothing is sent twice: a key stays
 * while its transaction is in flight, and for `settleMs` after it landed (a node's reads can lag
 * its confirmations). A failed action leaves at once so the next tick retries it.
 */
export class InFlight {
  private readonly until = new Map<string, number>();

  constructor(private readonly settleMs = 5_000) {}

  has(key: string): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t !== Infinity && t <= Date.now()) {
      this.until.delete(key);
      return false;
    }
    return true;
  }

  /** Claims `key`; false when it is already in flight. */
  claim(key: string): boolean {
    if (this.has(key)) return false;
    this.until.set(key, Infinity);
    return true;
  }

  landed(key: string): void {
    this.until.set(key, Date.now() + this.settleMs);
  }

  failed(key: string): void {
    this.until.delete(key);
  }

  get size(): number {
    return [...this.until.keys()].filter((k) => this.has(k)).length;
  }
}

/**
 * Program errors that mean "someone else got there first" or "this no longer applies" for an
 * action kind: counted as benign races, never reported as failures.
 */
const BENIGN: Record<string, readonly string[]> = {
  assign: ['JobNotOpen', 'WorkerAtCapacity', 'AccountNotInitialized', 'WorkerPaused', 'BondBelowMinimum'],
  finalize: ['JobNotSubmitted', 'JobDisputed', 'AccountNotInitialized', 'ChallengeWindowOpen'],
  expire: ['JobNotAssigned', 'AccountNotInitialized', 'DeadlineNotReached'],
  resolve: ['AccountNotInitialized', 'ChallengeUndecided', 'JobNotSubmitted'],
  sweep: ['NothingToSweep'],
  challenge: ['NotChallengeable', 'AccountAlreadyInUse', 'AccountNotInitialized', 'ChallengeWindowClosed'],
  commit: ['AccountAlreadyInUse', 'AccountNotInitialized', 'CommitPhaseOver'],
  reveal: ['AlreadyRevealed', 'AccountNotInitialized', 'RevealPhaseOver'],
  close_vote: ['AccountNotInitialized', 'ChallengeStillOpen'],
};

/** The benign reason (an error name) when `err` is a known race for `kind`, else null. */
export function benignReason(kind: string, err: unknown): string | null {
  if (!(err instanceof ProgramError)) return null;
  return (BENIGN[kind] ?? []).includes(err.errorName) ? err.errorName : null;
}
