/**
 * The validator bot's durable state (SQLite, fsync on every commit): the openings it received,
 * its audit decisions and re-execution results, and its votes with their salts. A vote's salt is
 * written here BEFORE its commit is sent, so a restart at any moment can still reveal it.
 */
import { openStore, type Store } from '../../service-kit';

const MIGRATIONS = [
  `CREATE TABLE openings (
     job TEXT PRIMARY KEY,
     request BLOB NOT NULL,
     salt BLOB NOT NULL,
     received_at INTEGER NOT NULL
   );
   CREATE TABLE audits (
     job TEXT PRIMARY KEY,
     decision TEXT NOT NULL CHECK (decision IN ('audit', 'skip')),
     our_hash BLOB,
     outcome TEXT,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE votes (
     challenge TEXT PRIMARY KEY,
     job TEXT NOT NULL,
     output_hash BLOB NOT NULL,
     salt BLOB NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('salted', 'committed', 'revealed', 'closed')),
     updated_at INTEGER NOT NULL
   );`,
];

export type VoteState = 'salted' | 'committed' | 'revealed' | 'closed';

export interface StoredVote {
  challenge: string;
  job: string;
  outputHash: Uint8Array;
  salt: Uint8Array;
  state: VoteState;
}

export interface StoredAudit {
  job: string;
  decision: 'audit' | 'skip';
  ourHash: Uint8Array | null;
  outcome: string | null;
}

export class ValidatorStore {
  private readonly db: Store;

  constructor(path: string) {
    this.db = openStore(path, MIGRATIONS);
  }

  saveOpening(job: string, request: Uint8Array, salt: Uint8Array): boolean {
    const r = this.db.prepare('INSERT OR IGNORE INTO openings (job, request, salt, received_at) VALUES (?, ?, ?, ?)').run(job, Buffer.from(request), Buffer.from(salt), Date.now());
    return r.changes > 0;
  }

  opening(job: string): { request: Uint8Array; salt: Uint8Array } | null {
    const row = this.db.prepare('SELECT request, salt FROM openings WHERE job = ?').get(job) as { request: Buffer; salt: Buffer } | undefined;
    return row ? { request: new Uint8Array(row.request), salt: new Uint8Array(row.salt) } : null;
  }

  openingJobs(): string[] {
    return (this.db.prepare('SELECT job FROM openings ORDER BY received_at').all() as { job: string }[]).map((r) => r.job);
  }

  forgetOpening(job: string): void {
    this.db.prepare('DELETE FROM openings WHERE job = ?').run(job);
  }

  audit(job: string): StoredAudit | null {
    const row = this.db.prepare('SELECT job, decision, our_hash, outcome FROM audits WHERE job = ?').get(job) as
      | { job: string; decision: 'audit' | 'skip'; our_hash: Buffer | null; outcome: string | null }
      | undefined;
    return row ? { job: row.job, decision: row.decision, ourHash: row.our_hash ? new Uint8Array(row.our_hash) : null, outcome: row.outcome } : null;
  }

  /** Records the sampling decision once (a restart never re-rolls it). */
  decide(job: string, decision: 'audit' | 'skip'): StoredAudit {
    this.db.prepare('INSERT OR IGNORE INTO audits (job, decision, updated_at) VALUES (?, ?, ?)').run(job, decision, Date.now());
    return this.audit(job)!;
  }

  setOurHash(job: string, hash: Uint8Array): void {
    this.db.prepare("INSERT INTO audits (job, decision, our_hash, updated_at) VALUES (?, 'skip', ?, ?) ON CONFLICT(job) DO UPDATE SET our_hash = excluded.our_hash, updated_at = excluded.updated_at").run(job, Buffer.from(hash), Date.now());
  }

  setOutcome(job: string, outcome: string): void {
    this.db.prepare('UPDATE audits SET outcome = ?, updated_at = ? WHERE job = ?').run(outcome, Date.now(), job);
  }

  vote(challenge: string): StoredVote | null {
    const row = this.db.prepare('SELECT challenge, job, output_hash, salt, state FROM votes WHERE challenge = ?').get(challenge) as
      | { challenge: string; job: string; output_hash: Buffer; salt: Buffer; state: VoteState }
      | undefined;
    return row ? { challenge: row.challenge, job: row.job, outputHash: new Uint8Array(row.output_hash), salt: new Uint8Array(row.salt), state: row.state } : null;
  }

  votes(states: VoteState[]): StoredVote[] {
    const rows = this.db.prepare(`SELECT challenge FROM votes WHERE state IN (${states.map(() => '?').join(',')})`).all(...states) as { challenge: string }[];
    return rows.map((r) => this.vote(r.challenge)!);
  }

  /** Writes the salt (durably) before anything is sent; keeps an existing row. */
  saltVote(challenge: string, job: string, outputHash: Uint8Array, salt: Uint8Array): StoredVote {
    this.db
      .prepare("INSERT OR IGNORE INTO votes (challenge, job, output_hash, salt, state, updated_at) VALUES (?, ?, ?, ?, 'salted', ?)")
      .run(challenge, job, Buffer.from(outputHash), Buffer.from(salt), Date.now());
    return this.vote(challenge)!;
  }

  setVoteState(challenge: string, state: VoteState): void {
    this.db.prepare('UPDATE votes SET state = ?, updated_at = ? WHERE challenge = ?').run(state, Date.now(), challenge);
  }

  close(): void {
    this.db.close();
  }
}
