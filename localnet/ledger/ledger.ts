/**
 * The `--ledger DIR` persistence.
 *
 * Layout of DIR:
 *   genesis.json          genesis hash, creation time, faucet key (written once, atomically)
 *   LOCK                  pid of the process using the ledger
 *   journal-NNNNNN.log    append-only records: every landed transaction with the post-state of
 *                         the accounts it changed (byte-range patches for large accounts), direct
 *                         account writes, slot checkpoints; fsync'd before the RPC reply
 *   snapshot-NNNNNN.bin   every account and the recent transaction history as of the start of
 *                         journal NNNNNN (written to a .tmp, fsync'd, renamed)
 *
 * Recovery loads the newest complete snapshot and replays the journals from its number on; a
 * torn record at the end of the last journal (a kill mid-write, never acknowledged) is cut off.
 * Compaction (when the journal passes `compactBytes`, and on a clean close) rotates to a new
 * journal, writes a snapshot of the live state, then deletes what it supersedes. Write cost per
 * transaction is bounded by what the transaction changed, and the journal by `compactBytes`.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Keypair } from '@solana/web3.js';
import { encodeBase58 } from '../encoding/base58';
import type { Genesis } from '../bank/bank';
import type { TxRecord } from '../bank/history';
import type { AccountChange, AccountState, LedgerSink } from '../bank/types';
import { frame, Journal, readFrames } from './journal';
import { applyEntry, decodeRecord, decodeSnapshot, encodeAccountsRecord, encodeSlotRecord, encodeSnapshot, encodeTxRecord, entryFor } from './records';

const GENESIS_FILE = 'genesis.json';
const LOCK_FILE = 'LOCK';
const OURS = /^(genesis\.json|LOCK|journal-\d{6}\.log|snapshot-\d{6}\.bin(\.tmp)?)$/;

const journalName = (n: number) => `journal-${String(n).padStart(6, '0')}.log`;
const snapshotName = (n: number) => `snapshot-${String(n).padStart(6, '0')}.bin`;

export interface Recovered {
  accounts: Map<string, AccountState>;
  history: TxRecord[];
  /** Highest slot the ledger saw (null for a new ledger). */
  slot: number | null;
  transactionCount: number;
  /** Latest clock time the ledger saw (unix seconds; null for a new ledger). */
  unixTimestamp: number | null;
  /** Records replayed from journals (for logs). */
  replayed: number;
}

/** What the ledger reads from the running bank when it compacts. */
export interface LiveState {
  readonly slot: number;
  readonly unixTimestamp: number;
  getAccount(address: string): AccountState | null;
  readonly history: { all(): TxRecord[]; transactionCount: number };
}

export interface LedgerOptions {
  dir: string;
  reset: boolean;
  historyCapacity: number;
  /** Compact when the journal passes this many bytes. */
  compactBytes: number;
  log: (line: string) => void;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAtomic(dir: string, name: string, bytes: Buffer | string): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

function numbered(dir: string, prefix: 'journal' | 'snapshot'): number[] {
  const re = prefix === 'journal' ? /^journal-(\d{6})\.log$/ : /^snapshot-(\d{6})\.bin$/;
  return readdirSync(dir)
    .map((f) => re.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Ledger implements LedgerSink {
  private journal!: Journal;
  private segment = 0;
  /** Addresses whose state the ledger holds (the base a patch applies to). */
  private readonly known = new Set<string>();
  private live: LiveState | null = null;
  private compacting: Promise<void> | null = null;
  private closed = false;

  private constructor(private readonly opts: LedgerOptions) {}

  get dir(): string {
    return this.opts.dir;
  }

  static async open(opts: LedgerOptions): Promise<{ ledger: Ledger; genesis: Genesis; created: boolean; recovered: Recovered }> {
    const { dir } = opts;
    mkdirSync(dir, { recursive: true });
    const entries = readdirSync(dir);
    const foreign = entries.filter((f) => !OURS.test(f) && !f.endsWith('.tmp'));
    if (!entries.includes(GENESIS_FILE) && foreign.length > 0) {
      throw new Error(`${dir} is not a localnet ledger (no ${GENESIS_FILE}, and it holds ${foreign.slice(0, 3).join(', ')}); use an empty or new directory`);
    }
    const ledger = new Ledger(opts);
    ledger.lock();
    try {
      if (opts.reset) {
        for (const f of readdirSync(dir)) if (f !== LOCK_FILE && (OURS.test(f) || f.endsWith('.tmp'))) rmSync(join(dir, f), { force: true });
        fsyncDir(dir);
      }
      for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
      let created = false;
      let genesis: Genesis;
      if (existsSync(join(dir, GENESIS_FILE))) {
        genesis = JSON.parse(readFileSync(join(dir, GENESIS_FILE), 'utf8')) as Genesis;
        if (typeof genesis.hash !== 'string' || !Array.isArray(genesis.faucetSecretKey)) throw new Error(`${join(dir, GENESIS_FILE)} is not a valid genesis file`);
      } else {
        genesis = newGenesis();
        writeAtomic(dir, GENESIS_FILE, JSON.stringify({ version: 1, ...genesis }, null, 2) + '\n');
        created = true;
      }
      const recovered = await ledger.recover();
      return { ledger, genesis, created, recovered };
    } catch (err) {
      ledger.unlock();
      throw err;
    }
  }

  private lock(): void {
    const path = join(this.opts.dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, String(process.pid), { flag: 'wx' });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
          throw new Error(`ledger ${this.opts.dir} is in use by process ${pid}${pid === process.pid ? ' (this process)' : ''}`);
        }
        unlinkSync(path); // stale: its process is gone
      }
    }
    throw new Error(`could not lock ledger ${this.opts.dir}`);
  }

  private unlock(): void {
    try {
      const path = join(this.opts.dir, LOCK_FILE);
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  }

  private async recover(): Promise<Recovered> {
    const { dir } = this.opts;
    const accounts = new Map<string, AccountState>();
    let history: TxRecord[] = [];
    let slot: number | null = null;
    let transactionCount = 0;
    let unixTimestamp: number | null = null;
    let base = 0;
    for (const n of numbered(dir, 'snapshot').reverse()) {
      const { payloads } = readFrames(readFileSync(join(dir, snapshotName(n))));
      if (payloads.length !== 1) {
        this.opts.log(`ignoring incomplete ${snapshotName(n)}`);
        continue;
      }
      const snap = decodeSnapshot(payloads[0]);
      for (const e of snap.entries) applyEntry(accounts, e);
      history = snap.history;
      slot = snap.meta.slot;
      transactionCount = snap.meta.transactionCount;
      unixTimestamp = snap.meta.unixTimestamp;
      base = n;
      break;
    }
    const journals = numbered(dir, 'journal').filter((n) => n >= base);
    let replayed = 0;
    let validLength = 0;
    for (const n of journals) {
      const file = readFileSync(join(dir, journalName(n)));
      const frames = readFrames(file);
      if (frames.validLength < file.length) {
        this.opts.log(`${journalName(n)}: cut ${file.length - frames.validLength} bytes of an unfinished write`);
      }
      for (const payload of frames.payloads) {
        const rec = decodeRecord(payload);
        if (rec.type === 'slot') {
          slot = Math.max(slot ?? 0, rec.slot);
          continue;
        }
        for (const e of rec.entries) applyEntry(accounts, e);
        if (rec.type === 'tx') {
          history.push(rec.record);
          transactionCount++;
          slot = Math.max(slot ?? 0, rec.record.slot);
          unixTimestamp = Math.max(unixTimestamp ?? 0, rec.record.blockTime);
        }
        replayed++;
      }
      validLength = frames.validLength;
    }
    if (history.length > this.opts.historyCapacity) history = history.slice(history.length - this.opts.historyCapacity);
    // Leftovers of an interrupted compaction.
    for (const n of numbered(dir, 'journal')) if (n < base) rmSync(join(dir, journalName(n)), { force: true });
    for (const n of numbered(dir, 'snapshot')) if (n < base) rmSync(join(dir, snapshotName(n)), { force: true });
    this.segment = journals.length > 0 ? journals[journals.length - 1] : base;
    this.journal = await Journal.open(join(dir, journalName(this.segment)), journals.length > 0 ? validLength : 0);
    fsyncDir(dir);
    for (const address of accounts.keys()) this.known.add(address);
    return { accounts, history, slot, transactionCount, unixTimestamp, replayed };
  }

  /** Gives the ledger read access to the running state, for compaction. */
  attach(live: LiveState): void {
    this.live = live;
  }

  private entries(changes: AccountChange[]) {
    return changes.map((c) => {
      const entry = entryFor(c.address, c.before, c.after, this.known.has(c.address));
      if (c.after === null || c.after.lamports === 0n) this.known.delete(c.address);
      else this.known.add(c.address);
      return entry;
    });
  }

  appendTransaction(record: TxRecord, changes: AccountChange[]): Promise<void> {
    const done = this.journal.append(encodeTxRecord(record, this.entries(changes)));
    this.maybeCompact();
    return done;
  }

  appendAccounts(changes: AccountChange[]): Promise<void> {
    const done = this.journal.append(encodeAccountsRecord(this.entries(changes)));
    this.maybeCompact();
    return done;
  }

  appendSlot(slot: number): void {
    this.journal.append(encodeSlotRecord(slot)).catch(() => undefined);
  }

  get journalBytes(): number {
    return this.journal.size;
  }

  private maybeCompact(): void {
    if (this.compacting || this.closed || !this.live || this.journal.size < this.opts.compactBytes) return;
    this.compacting = this.compact()
      .catch((err: unknown) => this.opts.log(`compaction failed (the journal still holds everything): ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.compacting = null;
      });
  }

  /** Writes a snapshot of the live state and drops the journals and snapshots it supersedes. */
  async compact(): Promise<void> {
    const live = this.live;
    if (!live) throw new Error('ledger is not attached to a bank');
    const { dir } = this.opts;
    const next = this.segment + 1;
    await this.journal.rotate(join(dir, journalName(next)));
    this.segment = next;
    // Everything journaled before the rotation has been applied to the live state, so a
    // snapshot taken now covers every journal before `next`.
    const accounts: [string, AccountState][] = [];
    for (const address of this.known) {
      const state = live.getAccount(address);
      if (state) accounts.push([address, state]);
    }
    const payload = encodeSnapshot(
      { slot: live.slot, transactionCount: live.history.transactionCount, unixTimestamp: live.unixTimestamp },
      live.history.all(),
      accounts,
    );
    const tmp = join(dir, `${snapshotName(next)}.tmp`);
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(frame(payload));
      await handle.sync();
    } finally {
      await handle.close();
    }
    renameSync(tmp, join(dir, snapshotName(next)));
    fsyncDir(dir);
    for (const n of numbered(dir, 'journal')) if (n < next) rmSync(join(dir, journalName(n)), { force: true });
    for (const n of numbered(dir, 'snapshot')) if (n < next) rmSync(join(dir, snapshotName(n)), { force: true });
    this.opts.log(`ledger compacted: ${accounts.length} accounts, snapshot ${snapshotName(next)} (${payload.length} bytes)`);
  }

  /** Flushes, compacts when the journal holds anything, and releases the lock. */
  async close(opts: { compact: boolean } = { compact: true }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compacting) await this.compacting;
    await this.journal.drain();
    if (opts.compact && this.live && this.journal.size > 0) {
      await this.compact().catch((err: unknown) => this.opts.log(`compaction on close failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    await this.journal.close();
    this.unlock();
  }
}

export function newGenesis(): Genesis {
  return {
    hash: encodeBase58(randomBytes(32)),
    createdAt: Date.now(),
    faucetSecretKey: Array.from(Keypair.generate().secretKey),
  };
}
