/**
 * The dashboard's index: what it observed on chain, kept in SQLite so history survives restarts
 * (finalized and refunded jobs close their accounts, so the chain alone forgets them).
 * Transactions with their compute units and decoded events, each job's state transitions with
 * times, challenges with their votes and outcome, and per-worker money movements.
 */
import { openStore, type Store } from '../service-kit/store';

const MIGRATIONS = [
  `CREATE TABLE txs (
     sig TEXT PRIMARY KEY, slot INTEGER NOT NULL, block_time INTEGER, cu INTEGER, fee INTEGER,
     err TEXT, observed_ms INTEGER NOT NULL, events TEXT NOT NULL, logs TEXT NOT NULL);
   CREATE INDEX txs_slot ON txs(slot);
   CREATE TABLE cursors (program TEXT PRIMARY KEY, sig TEXT NOT NULL);
   CREATE TABLE jobs (
     job TEXT PRIMARY KEY, client TEXT, tier TEXT, model TEXT, max_price INTEGER, price INTEGER,
     worker TEXT, state TEXT NOT NULL, posted_at INTEGER, updated_at INTEGER, updated_ms INTEGER,
     challenge TEXT, reason TEXT);
   CREATE TABLE job_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, state TEXT NOT NULL, kind TEXT NOT NULL,
     sig TEXT NOT NULL, slot INTEGER NOT NULL, block_time INTEGER, cu INTEGER, observed_ms INTEGER NOT NULL, detail TEXT NOT NULL);
   CREATE INDEX job_events_job ON job_events(job);
   CREATE TABLE challenges (
     challenge TEXT PRIMARY KEY, job TEXT NOT NULL, worker TEXT, challenger TEXT, opened_at INTEGER,
     commits INTEGER NOT NULL DEFAULT 0, reveals INTEGER NOT NULL DEFAULT 0,
     for_challenger INTEGER NOT NULL DEFAULT 0, for_worker INTEGER NOT NULL DEFAULT 0,
     outcome TEXT, slashed INTEGER, burned INTEGER, refunded INTEGER, challenger_reward INTEGER,
     resolved_at INTEGER, open_sig TEXT, resolve_sig TEXT);
   CREATE TABLE votes (challenge TEXT NOT NULL, validator TEXT NOT NULL, committed_sig TEXT, revealed_sig TEXT,
     output_hash TEXT, weight INTEGER, reward INTEGER, penalty INTEGER, PRIMARY KEY (challenge, validator));
   CREATE TABLE finalized (
     job TEXT PRIMARY KEY, worker TEXT NOT NULL, price INTEGER NOT NULL, refunded INTEGER NOT NULL,
     worker_amount INTEGER NOT NULL, staker_amount INTEGER NOT NULL, treasury_amount INTEGER NOT NULL,
     block_time INTEGER, sig TEXT NOT NULL);
   CREATE TABLE worker_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, worker TEXT NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL,
     job TEXT, reason TEXT, sig TEXT NOT NULL, block_time INTEGER);
   CREATE INDEX worker_events_worker ON worker_events(worker);
   CREATE TABLE supply (kind TEXT NOT NULL, amount INTEGER NOT NULL, sig TEXT NOT NULL, block_time INTEGER);`,
];

export type DashboardStore = Store;

export function openDashboardStore(path: string): DashboardStore {
  const db = openStore(path, MIGRATIONS);
  db.defaultSafeIntegers(false);
  return db;
}
