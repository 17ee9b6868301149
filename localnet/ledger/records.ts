/**
 * Binary layouts of the ledger: journal records and snapshots.
 *
 * Journal record payload: `[u8 type]` then
 *   TX (1):       `[u32 len][TxRecord JSON][accounts]`
 *   ACCOUNTS (2): `[accounts]` (genesis and other direct writes)
 *   SLOT (3):     `[u64 slot]`
 * Accounts: `[u32 count]`, then per account `[32 address][u8 kind]` and
 *   DELETED (0): nothing more
 *   FULL (1):    `[u64 lamports][32 owner][u8 executable][u32 len][data]`
 *   PATCH (2):   `[u64 lamports][32 owner][u8 executable][u32 new len][u32 ranges]{[u32 offset][u32 len][bytes]}`
 * A patch writes absolute bytes over the previous state, so applying a record twice (or over a
 * snapshot that already contains it) gives the same result — which is what makes compaction
 * safe without stopping the world.
 */
import { decodeBase58, encodeBase58 } from '../encoding/base58';
import type { AccountState } from '../bank/types';
import type { TxRecord } from '../bank/history';

export const RECORD_TX = 1;
export const RECORD_ACCOUNTS = 2;
export const RECORD_SLOT = 3;

const KIND_DELETED = 0;
const KIND_FULL = 1;
const KIND_PATCH = 2;

/** Data at least this long is journaled as a byte-range patch when that is smaller. */
const PATCH_MIN_SIZE = 256;
/** Changed ranges closer than this are merged into one. */
const PATCH_GAP = 16;

export type AccountEntry =
  | { address: string; kind: 'deleted' }
  | { address: string; kind: 'full'; state: AccountState }
  | { address: string; kind: 'patch'; lamports: bigint; owner: string; executable: boolean; length: number; ranges: { offset: number; bytes: Uint8Array }[] };

export function diffRanges(before: Uint8Array, after: Uint8Array): { offset: number; bytes: Uint8Array }[] {
  const ranges: { offset: number; bytes: Uint8Array }[] = [];
  const n = after.length;
  let i = 0;
  while (i < n) {
    if (before[i] === after[i]) {
      i++;
      continue;
    }
    const start = i;
    let end = i + 1;
    let same = 0;
    for (let j = i + 1; j < n; j++) {
      if (before[j] === after[j]) {
        if (++same > PATCH_GAP) break;
      } else {
        same = 0;
        end = j + 1;
      }
    }
    ranges.push({ offset: start, bytes: after.subarray(start, end) });
    i = end;
  }
  return ranges;
}

/** The cheapest journal entry that takes `before` (as the ledger knows it) to `after`. */
export function entryFor(address: string, before: AccountState | null, after: AccountState | null, baseKnown: boolean): AccountEntry {
  if (after === null) return { address, kind: 'deleted' };
  if (baseKnown && before && before.data.length === after.data.length && after.data.length >= PATCH_MIN_SIZE) {
    const ranges = diffRanges(before.data, after.data);
    const cost = ranges.reduce((n, r) => n + 8 + r.bytes.length, 0);
    if (cost * 2 < after.data.length) {
      return { address, kind: 'patch', lamports: after.lamports, owner: after.owner, executable: after.executable, length: after.data.length, ranges };
    }
  }
  return { address, kind: 'full', state: after };
}

/** Applies an entry to a map of account states (recovery). */
export function applyEntry(accounts: Map<string, AccountState>, e: AccountEntry): void {
  if (e.kind === 'deleted') {
    accounts.delete(e.address);
  } else if (e.kind === 'full') {
    if (e.state.lamports === 0n) accounts.delete(e.address);
    else accounts.set(e.address, e.state);
  } else {
    const prev = accounts.get(e.address);
    const data = new Uint8Array(e.length);
    if (prev) data.set(prev.data.subarray(0, Math.min(prev.data.length, e.length)));
    for (const r of e.ranges) {
      if (r.offset < e.length) data.set(r.bytes.subarray(0, e.length - r.offset), r.offset);
    }
    if (e.lamports === 0n) accounts.delete(e.address);
    else accounts.set(e.address, { lamports: e.lamports, owner: e.owner, executable: e.executable, data });
  }
}

class Writer {
  private readonly parts: Buffer[] = [];

  u8(v: number): void {
    const b = Buffer.alloc(1);
    b.writeUInt8(v);
    this.parts.push(b);
  }

  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
  }

  u64(v: bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    this.parts.push(b);
  }

  key(address: string): void {
    const bytes = decodeBase58(address);
    if (!bytes || bytes.length !== 32) throw new Error(`not an address: ${address}`);
    this.parts.push(Buffer.from(bytes));
  }

  bytes(b: Uint8Array): void {
    this.parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }

  json(value: unknown): void {
    const text = Buffer.from(JSON.stringify(value), 'utf8');
    this.u32(text.length);
    this.parts.push(text);
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new Error('ledger record is truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset++);
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.offset);
    this.offset += 8;
    return v;
  }

  key(): string {
    return encodeBase58(this.take(32));
  }

  take(n: number): Uint8Array {
    this.need(n);
    // Copy: the state outlives the file buffer it was read from.
    const out = Uint8Array.prototype.slice.call(this.buf, this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  json<T>(): T {
    const len = this.u32();
    this.need(len);
    const text = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return JSON.parse(text) as T;
  }

  get done(): boolean {
    return this.offset >= this.buf.length;
  }
}

function writeEntries(w: Writer, entries: AccountEntry[]): void {
  w.u32(entries.length);
  for (const e of entries) {
    w.key(e.address);
    if (e.kind === 'deleted') {
      w.u8(KIND_DELETED);
    } else if (e.kind === 'full') {
      w.u8(KIND_FULL);
      w.u64(e.state.lamports);
      w.key(e.state.owner);
      w.u8(e.state.executable ? 1 : 0);
      w.u32(e.state.data.length);
      w.bytes(e.state.data);
    } else {
      w.u8(KIND_PATCH);
      w.u64(e.lamports);
      w.key(e.owner);
      w.u8(e.executable ? 1 : 0);
      w.u32(e.length);
      w.u32(e.ranges.length);
      for (const r of e.ranges) {
        w.u32(r.offset);
        w.u32(r.bytes.length);
        w.bytes(r.bytes);
      }
    }
  }
}

export function readEntries(r: Reader): AccountEntry[] {
  const n = r.u32();
  const out: AccountEntry[] = [];
  for (let i = 0; i < n; i++) {
    const address = r.key();
    const kind = r.u8();
    if (kind === KIND_DELETED) {
      out.push({ address, kind: 'deleted' });
    } else if (kind === KIND_FULL) {
      const lamports = r.u64();
      const owner = r.key();
      const executable = r.u8() === 1;
      const data = r.take(r.u32());
      out.push({ address, kind: 'full', state: { lamports, owner, executable, data } });
    } else if (kind === KIND_PATCH) {
      const lamports = r.u64();
      const owner = r.key();
      const executable = r.u8() === 1;
      const length = r.u32();
      const count = r.u32();
      const ranges: { offset: number; bytes: Uint8Array }[] = [];
      for (let j = 0; j < count; j++) {
        const offset = r.u32();
        ranges.push({ offset, bytes: r.take(r.u32()) });
      }
      out.push({ address, kind: 'patch', lamports, owner, executable, length, ranges });
    } else {
      throw new Error(`unknown account entry kind ${kind}`);
    }
  }
  return out;
}

export function encodeTxRecord(record: TxRecord, entries: AccountEntry[]): Buffer {
  const w = new Writer();
  w.u8(RECORD_TX);
  w.json(record);
  writeEntries(w, entries);
  return w.done();
}

export function encodeAccountsRecord(entries: AccountEntry[]): Buffer {
  const w = new Writer();
  w.u8(RECORD_ACCOUNTS);
  writeEntries(w, entries);
  return w.done();
}

export function encodeSlotRecord(slot: number): Buffer {
  const w = new Writer();
  w.u8(RECORD_SLOT);
  w.u64(BigInt(slot));
  return w.done();
}

export type DecodedRecord =
  | { type: 'tx'; record: TxRecord; entries: AccountEntry[] }
  | { type: 'accounts'; entries: AccountEntry[] }
  | { type: 'slot'; slot: number };

export function decodeRecord(payload: Buffer): DecodedRecord {
  const r = new Reader(payload);
  const type = r.u8();
  if (type === RECORD_TX) return { type: 'tx', record: r.json<TxRecord>(), entries: readEntries(r) };
  if (type === RECORD_ACCOUNTS) return { type: 'accounts', entries: readEntries(r) };
  if (type === RECORD_SLOT) return { type: 'slot', slot: Number(r.u64()) };
  throw new Error(`unknown journal record type ${type}`);
}

// ---- snapshots --------------------------------------------------------------------------------

const SNAPSHOT_MAGIC = Buffer.from('PCLNSNP1');

export interface SnapshotMeta {
  slot: number;
  transactionCount: number;
  unixTimestamp: number;
}

/**
 * `[magic][meta JSON][u32 n]{record JSON}[accounts]`; the file is framed like a journal record
 * (length + crc32) so a half-written snapshot is recognised as such.
 */
export function encodeSnapshot(meta: SnapshotMeta, history: TxRecord[], accounts: Iterable<[string, AccountState]>): Buffer {
  const w = new Writer();
  w.bytes(SNAPSHOT_MAGIC);
  w.json(meta);
  w.u32(history.length);
  for (const h of history) w.json(h);
  const entries: AccountEntry[] = [];
  for (const [address, state] of accounts) entries.push({ address, kind: 'full', state });
  writeEntries(w, entries);
  return w.done();
}

export function decodeSnapshot(payload: Buffer): { meta: SnapshotMeta; history: TxRecord[]; entries: AccountEntry[] } {
  if (!payload.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)) throw new Error('not a localnet snapshot');
  const r = new Reader(payload);
  r.offset = SNAPSHOT_MAGIC.length;
  const meta = r.json<SnapshotMeta>();
  const n = r.u32();
  const history: TxRecord[] = [];
  for (let i = 0; i < n; i++) history.push(r.json<TxRecord>());
  return { meta, history, entries: readEntries(r) };
}
