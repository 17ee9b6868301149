/**
 * Fetching a user's model by URL: streamed to `<dir>/<sha256>.gguf.part` with a progress bar
 * (a redrawn line on a terminal, a line per 10% otherwise), checked against the expected sha256,
 * then renamed into place. A file already there with the right hash is used as is; a wrong
 * hash deletes the download and fails with both hashes named.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileSha256 } from './engine';

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  url: string;
  sha256: string;
  dir: string;
  /** Progress output (default: stderr). */
  write?: (text: string) => void;
  isTTY?: boolean;
  signal?: AbortSignal;
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Downloads (or reuses) the model; returns its local path. */
export async function downloadModel(opts: DownloadOptions): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(opts.sha256)) throw new DownloadError('the expected sha256 must be 64 lowercase hex digits');
  mkdirSync(opts.dir, { recursive: true });
  const target = join(opts.dir, `${opts.sha256}.gguf`);
  if (existsSync(target) && (await fileSha256(target)) === opts.sha256) return target;
  const write = opts.write ?? ((t: string) => process.stderr.write(t));
  const tty = opts.isTTY ?? process.stderr.isTTY === true;
  let res: Response;
  try {
    res = await fetch(opts.url, { signal: opts.signal });
  } catch (err) {
    throw new DownloadError(`cannot download ${opts.url}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new DownloadError(`cannot download ${opts.url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  const part = `${target}.part`;
  const out = createWriteStream(part);
  const hash = createHash('sha256');
  let received = 0;
  let lastDecile = -1;
  const draw = (done: boolean) => {
    if (total > 0) {
      const frac = Math.min(1, received / total);
      if (tty) {
        const width = 30;
        const filled = Math.round(frac * width);
        write(`\rdownloading model [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mib(received)}/${mib(total)}${done ? '\n' : ''}`);
      } else {
        const decile = Math.floor(frac * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          write(`downloading model: ${decile * 10}% (${mib(received)} of ${mib(total)})\n`);
        }
      }
    } else if (done || !tty) {
      if (done) write(`downloaded model: ${mib(received)}\n`);
    } else {
      write(`\rdownloading model: ${mib(received)}`);
    }
  };
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      hash.update(value);
      if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
      draw(false);
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    draw(true);
  } catch (err) {
    out.destroy();
    rmSync(part, { force: true });
    throw new DownloadError(`the download of ${opts.url} broke off: ${(err as Error).message}`);
  }
  const got = hash.digest('hex');
  if (got !== opts.sha256) {
    rmSync(part, { force: true });
    throw new DownloadError(`the model downloaded from ${opts.url} has sha256 ${got}, expected ${opts.sha256}; deleted`);
  }
  renameSync(part, target);
  return target;
}
