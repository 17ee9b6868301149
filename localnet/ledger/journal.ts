/**
 * An append-only journal file with group commit: records appended while a write is in flight
 * are written and fsync'd together, and every append resolves only once its bytes are durable.
 * Frames are `[u32 length][u32 crc32][payload]`; a torn tail (a crash mid-write) is detected on
 * open and cut off.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

export const FRAME_HEADER = 8;

export function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(FRAME_HEADER);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

/** Splits a journal file into payloads; `validLength` is where the last complete frame ends. */
export function readFrames(file: Buffer): { payloads: Buffer[]; validLength: number } {
  const payloads: Buffer[] = [];
  let at = 0;
  while (at + FRAME_HEADER <= file.length) {
    const len = file.readUInt32LE(at);
    const sum = file.readUInt32LE(at + 4);
    if (at + FRAME_HEADER + len > file.length) break;
    const payload = file.subarray(at + FRAME_HEADER, at + FRAME_HEADER + len);
    if (crc32(payload) !== sum) break;
    payloads.push(payload);
    at += FRAME_HEADER + len;
  }
  return { payloads, validLength: at };
}

interface Pending {
  bytes: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class Journal {
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private inflight: Promise<void> | null = null;
  private failed: Error | null = null;
  /** Bytes in the current file. */
  size: number;

  private constructor(
    private handle: FileHandle,
    public path: string,
    size: number,
  ) {
    this.size = size;
  }

  /** Opens (creating) a journal file for appending, cutting any torn tail at `validLength`. */
  static async open(path: string, validLength = 0): Promise<Journal> {
    const handle = await open(path, 'a+');
    const { size } = await handle.stat();
    if (size > validLength) {
      await handle.truncate(validLength);
      await handle.sync();
    }
    return new Journal(handle, path, validLength);
  }

  /** Queues a payload; resolves when it is on disk. */
  append(payload: Buffer): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const bytes = frame(payload);
    this.size += bytes.length;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ bytes, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        const handle = this.handle;
        this.inflight = (async () => {
          await handle.writev(batch.map((p) => p.bytes));
          await handle.datasync();
        })();
        try {
          await this.inflight;
        } catch (err) {
          this.failed = err instanceof Error ? err : new Error(String(err));
          for (const p of [...batch, ...this.pending]) p.reject(this.failed);
          this.pending = [];
          return;
        } finally {
          this.inflight = null;
        }
        for (const p of batch) p.resolve();
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Waits until everything appended so far is durable. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /**
   * Switches to a new file: the batch being written finishes in the old file, everything not
   * yet written goes to the new one.
   */
  async rotate(path: string): Promise<void> {
    const next = await open(path, 'a+');
    const old = this.handle;
    const inflight = this.inflight;
    this.handle = next;
    this.path = path;
    this.size = this.pending.reduce((n, p) => n + p.bytes.length, 0);
    if (inflight) await inflight.catch(() => undefined);
    await old.close();
  }

  async close(): Promise<void> {
    await this.drain();
    await this.handle.close();
  }
}
