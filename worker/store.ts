/**
 * The worker's durable record of jobs in flight (SQLite through service-kit's openStore: WAL,
 * full fsync), so a kill -9 at any moment loses nothing and repeats nothing:
 *
 *   claimed    the node claimed the job; waiting for the client's sealed request
 *   running    the request arrived and checked out; the prompt envelope is kept (it is encrypted
 *              to our key, so the plaintext never touches the disk)
 *   output     the output is computed: its hash and the result sealed to the client are stored
 *              BEFORE the submit transaction is sent
 *   submitted  the result commitment is on chain (signature kept); the sealed result stays
 *              available at GET /v1/jobs/:job/result
 *   expired    the deadline passed, or the job left us (expired, requeued, cancelled)
 *   failed     the request could not be served (e.g. the prompt no longer fits the model)
 *
 * After a restart, `output` rows are submitted (after checking the chain: a result that already
 * landed is recorded, never sent twice) and `running` rows are re-executed from their envelope
 * (the output is deterministic) while the deadline allows.
 */
import { openStore, type Store } from '../service-kit/store';

export type JobRowState = 'claimed' | 'running' | 'output' | 'submitted' | 'expired' | 'failed';

export interface JobRow {
  job: string;
  state: JobRowState;
  tier: string;
  model: string;
  seed: string;
  deadline: number;
  envelope: Buffer | null;
  reply_key: Buffer | null;
  output_hash: string | null;
  result_envelope: Buffer | null;
  enclave_signature: Buffer | null;
  completion_tokens: number;
  prompt_tokens: number;
  stop_reason: string | null;
  signature: string | null;
  claim_signature: string | null;
  cheated: number;
  error: string | null;
  created_at: number;
  updated_at: number;
}

const MIGRATIONS = [
  `CREATE TABLE jobs (
     job TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     tier TEXT NOT NULL,
     model TEXT NOT NULL,
     seed TEXT NOT NULL,
     deadline INTEGER NOT NULL DEFAULT 0,
     envelope BLOB,
     reply_key BLOB,
     output_hash TEXT,
     result_envelope BLOB,
     enclave_signature BLOB,
     completion_tokens INTEGER NOT NULL DEFAULT 0,
     prompt_tokens INTEGER NOT NULL DEFAULT 0,
     stop_reason TEXT,
     signature TEXT,
     claim_signature TEXT,
     cheated INTEGER NOT NULL DEFAULT 0,
     error TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX jobs_state ON jobs(state);`,
];

/**
 * What the job runner needs of a journal. JobStore (SQLite) is the worker's; a browser tab keeps
 * the same rows in memory (dashboard/tab/journal.ts), because a closed tab's jobs expire anyway.
 */
export interface JobJournal {
  get(job: string): JobRow | null;
  inState(...states: JobRowState[]): JobRow[];
  startRunning(row: { job: string; tier: string; model: string; seed: bigint; deadline: number; envelope: Uint8Array; replyKey: Uint8Array; claimSignature?: string | null }): boolean;
  recordOutput(job: string, out: { outputHash: string; resultEnvelope: Uint8Array; enclaveSignature: Uint8Array | null; completionTokens: number; promptTokens: number; stopReason: string; cheated: boolean }): void;
  markSubmitted(job: string, signature: string | null): void;
  markEnded(job: string, state: 'expired' | 'failed', error: string): void;
  release(job: string): void;
}

export class JobStore implements JobJournal {
  readonly db: Store;

  constructor(path: string) {
    this.db = openStore(path, MIGRATIONS);
  }

  get(job: string): JobRow | null {
    return (this.db.prepare('SELECT * FROM jobs WHERE job = ?').get(job) as JobRow | undefined) ?? null;
  }

  inState(...states: JobRowState[]): JobRow[] {
    return this.db.prepare(`SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY created_at`).all(...states) as JobRow[];
  }

  /** Records a job the node claimed (or found assigned), unless it is already known. */
  recordAssigned(row: { job: string; tier: string; model: string; seed: bigint; deadline: number; claimSignature: string | null }): boolean {
    const now = Date.now();
    const r = this.db
      .prepare(`INSERT OR IGNORE INTO jobs (job, state, tier, model, seed, deadline, claim_signature, created_at, updated_at) VALUES (?, 'claimed', ?, ?, ?, ?, ?, ?, ?)`)
      .run(row.job, row.tier, row.model, row.seed.toString(), row.deadline, row.claimSignature, now, now);
    return r.changes === 1;
  }

  /**
   * Moves a job to `running` with its envelope, atomically: false when another request already
   * runs it or it is past that point (so one job never runs twice at once).
   */
  startRunning(row: { job: string; tier: string; model: string; seed: bigint; deadline: number; envelope: Uint8Array; replyKey: Uint8Array; claimSignature?: string | null }): boolean {
    const now = Date.now();
    return this.db.transaction(() => {
      const existing = this.get(row.job);
      if (existing && existing.state !== 'claimed' && existing.state !== 'expired' && existing.state !== 'failed') return false;
      this.db
        .prepare(
          `INSERT INTO jobs (job, state, tier, model, seed, deadline, envelope, reply_key, claim_signature, created_at, updated_at)
           VALUES (@job, 'running', @tier, @model, @seed, @deadline, @envelope, @reply, @claim, @now, @now)
           ON CONFLICT(job) DO UPDATE SET state = 'running', deadline = @deadline, envelope = @envelope, reply_key = @reply,
             claim_signature = COALESCE(@claim, claim_signature), error = NULL, updated_at = @now`,
        )
        .run({ job: row.job, tier: row.tier, model: row.model, seed: row.seed.toString(), deadline: row.deadline, envelope: Buffer.from(row.envelope), reply: Buffer.from(row.replyKey), claim: row.claimSignature ?? null, now });
      return true;
    })();
  }

  recordOutput(job: string, out: { outputHash: string; resultEnvelope: Uint8Array; enclaveSignature: Uint8Array | null; completionTokens: number; promptTokens: number; stopReason: string; cheated: boolean }): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'output', output_hash = ?, result_envelope = ?, enclave_signature = ?, completion_tokens = ?, prompt_tokens = ?, stop_reason = ?, cheated = ?, updated_at = ? WHERE job = ?`,
      )
      .run(out.outputHash, Buffer.from(out.resultEnvelope), out.enclaveSignature ? Buffer.from(out.enclaveSignature) : null, out.completionTokens, out.promptTokens, out.stopReason, out.cheated ? 1 : 0, Date.now(), job);
  }

  markSubmitted(job: string, signature: string | null): void {
    this.db.prepare(`UPDATE jobs SET state = 'submitted', signature = COALESCE(?, signature), envelope = NULL, updated_at = ? WHERE job = ?`).run(signature, Date.now(), job);
  }

  markEnded(job: string, state: 'expired' | 'failed', error: string): void {
    this.db.prepare(`UPDATE jobs SET state = ?, error = ?, envelope = NULL, updated_at = ? WHERE job = ?`).run(state, error, Date.now(), job);
  }

  /** Back to claimed (the request could not be served now, e.g. a transient RPC failure before running). */
  release(job: string): void {
    this.db.prepare(`UPDATE jobs SET state = 'claimed', envelope = NULL, reply_key = NULL, updated_at = ? WHERE job = ? AND state = 'running'`).run(Date.now(), job);
  }

  counts(): Record<JobRowState, number> {
    const out: Record<JobRowState, number> = { claimed: 0, running: 0, output: 0, submitted: 0, expired: 0, failed: 0 };
    for (const r of this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as { state: JobRowState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  close(): void {
    this.db.close();
  }
}
