/**
 * The indexer: finds our programs' new transactions (getSignaturesForAddress since the last one
 * seen), reads each one once (getTransaction: slot, time, compute units, logs), decodes its
 * events with the SDK and records them in the index. A logsSubscribe notification only wakes it
 * sooner; the poll keeps running, so a dropped socket costs time, never data. Each transaction is
 * applied once (its signature is the key), in chain order, so a restart repeats nothing.
 */
import { Connection, type Commitment, type PublicKey } from '@solana/web3.js';
import { parseMarketEvents, parseStakingEvents, toHex, type MarketEvent, type StakingEvent } from '../sdk/src';
import type { Logger } from '../service-kit';
import type { DashboardStore } from './store';

/** What the page hears about: one indexed transaction and the job transitions it caused. */
export interface IndexedTx {
  sig: string;
  slot: number;
  blockTime: number | null;
  cu: number | null;
  observedMs: number;
  events: string[];
  jobs: { job: string; state: string; kind: string }[];
}

const PAGE = 1000;

/** JSON for event data: keys as is, public keys base58, bigints as decimal strings, bytes hex. */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return toHex(value);
  if (value && typeof value === 'object' && typeof (value as { toBase58?: unknown }).toBase58 === 'function') return (value as PublicKey).toBase58();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const b58 = (k: PublicKey): string => k.toBase58();
const n = (v: bigint): number => Number(v);

export class Indexer {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private subs: number[] = [];
  private stopped = false;
  lastSyncMs = 0;
  lastError: string | null = null;

  constructor(
    private readonly connection: Connection,
    private readonly db: DashboardStore,
    private readonly programs: { market: PublicKey; staking: PublicKey },
    private readonly opts: { commitment: Commitment; pollMs: number; backfillLimit: number; log: Logger; onTx: (tx: IndexedTx) => void; onSynced: (changed: boolean) => void },
  ) {}

  start(subscribe: boolean): void {
    if (subscribe) {
      for (const program of [this.programs.market, this.programs.staking]) {
        try {
          this.subs.push(this.connection.onLogs(program, () => this.wake(), this.opts.commitment));
        } catch (err) {
          this.opts.log.warn('subscribe.failed', { error: err instanceof Error ? err.message : String(err), fallback: 'polling' });
        }
      }
    }
    const tick = () => {
      if (this.stopped) return;
      this.wake();
      this.timer = setTimeout(tick, this.opts.pollMs);
    };
    tick();
  }

  /** Runs a sync now, or once more right after the one in flight. */
  wake(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        let changed = false;
        try {
          changed = await this.sync();
          this.lastSyncMs = Date.now();
          this.lastError = null;
        } catch (err) {
          const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
          if (msg !== this.lastError) this.opts.log.warn('sync.failed', { error: msg });
          this.lastError = msg;
        }
        this.opts.onSynced(changed);
      } while (this.again && !this.stopped);
      this.running = null;
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const id of this.subs) await this.connection.removeOnLogsListener(id).catch(() => undefined);
    this.subs = [];
    const ws = (this.connection as unknown as { _rpcWebSocket?: { close(): void } })._rpcWebSocket;
    try {
      ws?.close();
    } catch {
      // already closed
    }
    await this.running?.catch(() => undefined);
  }

  /** New signatures of both programs, oldest first, without the ones already indexed. */
  private async newSignatures(): Promise<{ sigs: { sig: string; slot: number }[]; newest: Map<string, string> }> {
    const found = new Map<string, number>();
    const newest = new Map<string, string>();
    const getCursor = this.db.prepare('SELECT sig FROM cursors WHERE program = ?');
    for (const program of [this.programs.market, this.programs.staking]) {
      const cursor = (getCursor.get(program.toBase58()) as { sig: string } | undefined)?.sig;
      let before: string | undefined;
      let fetched = 0;
      for (;;) {
        const page = await this.connection.getSignaturesForAddress(program, { until: cursor, before, limit: PAGE }, this.opts.commitment as 'confirmed' | 'finalized');
        if (before === undefined && page.length > 0) newest.set(program.toBase58(), page[0].signature);
        for (const s of page) found.set(s.signature, s.slot);
        fetched += page.length;
        if (page.length < PAGE || (!cursor && fetched >= this.opts.backfillLimit)) break;
        before = page[page.length - 1].signature;
      }
    }
    const have = this.db.prepare('SELECT 1 FROM txs WHERE sig = ?');
    // getSignaturesForAddress lists newest first; within a slot, reversing its order is chain order.
    const sigs = [...found.entries()]
      .reverse()
      .filter(([sig]) => !have.get(sig))
      .map(([sig, slot]) => ({ sig, slot }))
      .sort((a, b) => a.slot - b.slot);
    return { sigs, newest };
  }

  /** One pass; true when anything new was indexed. */
  async sync(): Promise<boolean> {
    const { sigs, newest } = await this.newSignatures();
    for (const { sig } of sigs) {
      const tx = await this.connection.getTransaction(sig, { commitment: this.opts.commitment as 'confirmed' | 'finalized', maxSupportedTransactionVersion: 0 });
      if (!tx) throw new Error(`getTransaction ${sig.slice(0, 12)}… returned nothing yet`);
      const logs = tx.meta?.logMessages ?? [];
      const market = tx.meta?.err ? [] : parseMarketEvents(logs, this.programs.market);
      const staking = tx.meta?.err ? [] : parseStakingEvents(logs, this.programs.staking);
      const indexed = this.apply({
        sig,
        slot: tx.slot,
        blockTime: tx.blockTime ?? null,
        cu: tx.meta?.computeUnitsConsumed ?? null,
        fee: tx.meta?.fee ?? null,
        err: tx.meta?.err ? JSON.stringify(tx.meta.err) : null,
        logs,
        market,
        staking,
      });
      this.opts.onTx(indexed);
    }
    // The cursors move only after every transaction up to them is stored.
    const setCursor = this.db.prepare('INSERT INTO cursors (program, sig) VALUES (?, ?) ON CONFLICT(program) DO UPDATE SET sig = excluded.sig');
    for (const [program, sig] of newest) setCursor.run(program, sig);
    return sigs.length > 0;
  }

  /** Records one transaction and its events atomically. */
  apply(tx: { sig: string; slot: number; blockTime: number | null; cu: number | null; fee: number | null; err: string | null; logs: string[]; market: MarketEvent[]; staking: StakingEvent[] }): IndexedTx {
    const observedMs = Date.now();
    const jobs: IndexedTx['jobs'] = [];
    const db = this.db;
    const events = [...tx.market, ...tx.staking].map((e) => ({ name: e.name, data: plain(e.data) }));
    db.transaction(() => {
      db.prepare('INSERT OR IGNORE INTO txs (sig, slot, block_time, cu, fee, err, observed_ms, events, logs) VALUES (?,?,?,?,?,?,?,?,?)').run(
        tx.sig, tx.slot, tx.blockTime, tx.cu, tx.fee, tx.err, observedMs, JSON.stringify(events), JSON.stringify(tx.logs.slice(0, 400)),
      );
      const jobEvent = (job: string, state: string, kind: string, detail: unknown, extra: { worker?: string; price?: number; reason?: string; challenge?: string } = {}) => {
        db.prepare('INSERT INTO job_events (job, state, kind, sig, slot, block_time, cu, observed_ms, detail) VALUES (?,?,?,?,?,?,?,?,?)').run(
          job, state, kind, tx.sig, tx.slot, tx.blockTime, tx.cu, observedMs, JSON.stringify(plain(detail)),
        );
        db.prepare(
          `INSERT INTO jobs (job, state, updated_at, updated_ms) VALUES (?, ?, ?, ?)
           ON CONFLICT(job) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, updated_ms = excluded.updated_ms`,
        ).run(job, state, tx.blockTime, observedMs);
        if (extra.worker) db.prepare('UPDATE jobs SET worker = ? WHERE job = ?').run(extra.worker, job);
        if (extra.price !== undefined) db.prepare('UPDATE jobs SET price = ? WHERE job = ?').run(extra.price, job);
        if (extra.reason) db.prepare('UPDATE jobs SET reason = ? WHERE job = ?').run(extra.reason, job);
        if (extra.challenge) db.prepare('UPDATE jobs SET challenge = ? WHERE job = ?').run(extra.challenge, job);
        jobs.push({ job, state, kind });
      };
      const workerEvent = (worker: string, kind: string, amount: bigint, job: string | null, reason: string | null) =>
        db.prepare('INSERT INTO worker_events (worker, kind, amount, job, reason, sig, block_time) VALUES (?,?,?,?,?,?,?)').run(worker, kind, n(amount), job, reason, tx.sig, tx.blockTime);
      const jobOfChallenge = (challenge: string): { job: string; worker: string | null } | undefined =>
        db.prepare('SELECT job, worker FROM challenges WHERE challenge = ?').get(challenge) as { job: string; worker: string | null } | undefined;

      for (const e of tx.market) this.applyMarket(e, { jobEvent, workerEvent, jobOfChallenge, tx });
      for (const e of tx.staking) {
        if (e.name.toLowerCase() === 'rewardsclaimed') {
          const d = e.data as { amount: bigint };
          db.prepare('INSERT INTO supply (kind, amount, sig, block_time) VALUES (?,?,?,?)').run('staker_claimed', n(d.amount), tx.sig, tx.blockTime);
        }
      }
    })();
    return { sig: tx.sig, slot: tx.slot, blockTime: tx.blockTime, cu: tx.cu, observedMs, events: events.map((e) => e.name), jobs };
  }

  private applyMarket(
    e: MarketEvent,
    k: {
      jobEvent: (job: string, state: string, kind: string, detail: unknown, extra?: { worker?: string; price?: number; reason?: string; challenge?: string }) => void;
      workerEvent: (worker: string, kind: string, amount: bigint, job: string | null, reason: string | null) => void;
      jobOfChallenge: (challenge: string) => { job: string; worker: string | null } | undefined;
      tx: { sig: string; blockTime: number | null };
    },
  ): void {
    const db = this.db;
    const name = e.name.charAt(0).toUpperCase() + e.name.slice(1);
    switch (name) {
      case 'JobPosted': {
        const x = e.data as unknown as { job: PublicKey; client: PublicKey; request: { tier: string; model: Uint8Array; maxPrice: bigint } };
        const job = b58(x.job);
        k.jobEvent(job, 'posted', name, x);
        db.prepare('UPDATE jobs SET client = ?, tier = ?, model = ?, max_price = ?, posted_at = ? WHERE job = ?').run(
          b58(x.client), String(x.request.tier), toHex(x.request.model), n(x.request.maxPrice), k.tx.blockTime, job,
        );
        break;
      }
      case 'JobAssigned': {
        const x = e.data as unknown as { job: PublicKey; worker: PublicKey; price: bigint; attempt: number; selfClaimed: boolean };
        k.jobEvent(b58(x.job), 'assigned', name, x, { worker: b58(x.worker), price: n(x.price) });
        break;
      }
      case 'ResultSubmitted': {
        const x = e.data as unknown as { job: PublicKey; worker: PublicKey };
        k.jobEvent(b58(x.job), 'result', name, x, { worker: b58(x.worker) });
        break;
      }
      case 'JobCancelled': {
        const x = e.data as unknown as { job: PublicKey };
        k.jobEvent(b58(x.job), 'cancelled', name, x);
        break;
      }
      case 'JobExpired': {
        const x = e.data as unknown as { job: PublicKey; worker: PublicKey; requeued: boolean; refunded: bigint; slashed: bigint };
        const reason = `deadline passed without a result${x.slashed > 0n ? `; ${x.slashed} $PEER base units slashed` : ''}`;
        k.jobEvent(b58(x.job), x.requeued ? 'posted' : 'expired', name, x, { reason });
        k.workerEvent(b58(x.worker), 'expired', x.slashed, b58(x.job), reason);
        break;
      }
      case 'JobFinalized': {
        const x = e.data as unknown as { job: PublicKey; worker: PublicKey; price: bigint; refunded: bigint; workerAmount: bigint; stakerAmount: bigint; treasuryAmount: bigint };
        k.jobEvent(b58(x.job), 'finalized', name, x, { worker: b58(x.worker), price: n(x.price) });
        db.prepare('INSERT OR REPLACE INTO finalized (job, worker, price, refunded, worker_amount, staker_amount, treasury_amount, block_time, sig) VALUES (?,?,?,?,?,?,?,?,?)').run(
          b58(x.job), b58(x.worker), n(x.price), n(x.refunded), n(x.workerAmount), n(x.stakerAmount), n(x.treasuryAmount), k.tx.blockTime, k.tx.sig,
        );
        k.workerEvent(b58(x.worker), 'earned', x.workerAmount, b58(x.job), null);
        break;
      }
      case 'EarningsClaimed': {
        const x = e.data as unknown as { worker: PublicKey; amount: bigint };
        k.workerEvent(b58(x.worker), 'claimed', x.amount, null, null);
        break;
      }
      case 'ChallengeOpened': {
        const x = e.data as unknown as { challenge: PublicKey; job: PublicKey; challenger: PublicKey };
        const job = b58(x.job);
        const worker = (db.prepare('SELECT worker FROM jobs WHERE job = ?').get(job) as { worker: string | null } | undefined)?.worker ?? null;
        db.prepare('INSERT OR IGNORE INTO challenges (challenge, job, worker, challenger, opened_at, open_sig) VALUES (?,?,?,?,?,?)').run(b58(x.challenge), job, worker, b58(x.challenger), k.tx.blockTime, k.tx.sig);
        k.jobEvent(job, 'challenged', name, x, { challenge: b58(x.challenge) });
        break;
      }
      case 'VoteCommitted': {
        const x = e.data as unknown as { challenge: PublicKey; validator: PublicKey };
        const c = b58(x.challenge);
        db.prepare('INSERT OR IGNORE INTO votes (challenge, validator) VALUES (?, ?)').run(c, b58(x.validator));
        db.prepare('UPDATE votes SET committed_sig = ? WHERE challenge = ? AND validator = ?').run(k.tx.sig, c, b58(x.validator));
        db.prepare('UPDATE challenges SET commits = commits + 1 WHERE challenge = ?').run(c);
        const owner = k.jobOfChallenge(c);
        if (owner) k.jobEvent(owner.job, 'votes', name, x);
        break;
      }
      case 'VoteRevealed': {
        const x = e.data as unknown as { challenge: PublicKey; validator: PublicKey; outputHash: Uint8Array; votesForChallenger: number; votesForWorker: number; weight: bigint };
        const c = b58(x.challenge);
        db.prepare('INSERT OR IGNORE INTO votes (challenge, validator) VALUES (?, ?)').run(c, b58(x.validator));
        db.prepare('UPDATE votes SET revealed_sig = ?, output_hash = ?, weight = ? WHERE challenge = ? AND validator = ?').run(k.tx.sig, toHex(x.outputHash), n(x.weight), c, b58(x.validator));
        db.prepare('UPDATE challenges SET reveals = reveals + 1, for_challenger = ?, for_worker = ? WHERE challenge = ?').run(x.votesForChallenger, x.votesForWorker, c);
        const owner = k.jobOfChallenge(c);
        if (owner) k.jobEvent(owner.job, 'votes', name, x);
        break;
      }
      case 'VoteClosed': {
        const x = e.data as unknown as { challenge: PublicKey; validator: PublicKey; reward: bigint; penalty: bigint };
        db.prepare('UPDATE votes SET reward = ?, penalty = ? WHERE challenge = ? AND validator = ?').run(n(x.reward), n(x.penalty), b58(x.challenge), b58(x.validator));
        break;
      }
      case 'ChallengeResolved': {
        const x = e.data as unknown as { challenge: PublicKey; job: PublicKey; outcome: string; slashed: bigint; challengerReward: bigint; burned: bigint; refunded: bigint };
        const c = b58(x.challenge);
        const outcome = String(x.outcome);
        db.prepare('INSERT OR IGNORE INTO challenges (challenge, job) VALUES (?, ?)').run(c, b58(x.job));
        db.prepare('UPDATE challenges SET outcome = ?, slashed = ?, burned = ?, refunded = ?, challenger_reward = ?, resolved_at = ?, resolve_sig = ? WHERE challenge = ?').run(
          outcome, n(x.slashed), n(x.burned), n(x.refunded), n(x.challengerReward), k.tx.blockTime, k.tx.sig, c,
        );
        const won = /challenger/i.test(outcome);
        const lapsed = /lapse/i.test(outcome);
        const state = won ? 'slashed' : lapsed ? 'lapsed' : 'upheld';
        const reason = won ? 'a validator challenge won: the result disagreed with the validators\' re-execution' : lapsed ? 'the challenge lapsed without a quorum' : 'the worker won the challenge';
        k.jobEvent(b58(x.job), state, name, x, { reason });
        const worker = k.jobOfChallenge(c)?.worker;
        if (worker && won) k.workerEvent(worker, 'slashed', x.slashed, b58(x.job), reason);
        if (worker && !won && !lapsed) k.workerEvent(worker, 'challenge_won', 0n, b58(x.job), reason);
        if (x.burned > 0n) db.prepare('INSERT INTO supply (kind, amount, sig, block_time) VALUES (?,?,?,?)').run('burned', n(x.burned), k.tx.sig, k.tx.blockTime);
        break;
      }
      case 'FeesSwept': {
        const x = e.data as unknown as { stakerAmount: bigint; treasuryAmount: bigint };
        db.prepare('INSERT INTO supply (kind, amount, sig, block_time) VALUES (?,?,?,?)').run('swept_stakers', n(x.stakerAmount), k.tx.sig, k.tx.blockTime);
        db.prepare('INSERT INTO supply (kind, amount, sig, block_time) VALUES (?,?,?,?)').run('swept_treasury', n(x.treasuryAmount), k.tx.sig, k.tx.blockTime);
        break;
      }
      default:
        break;
    }
  }
}
