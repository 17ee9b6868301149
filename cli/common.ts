/**
 * What the command functions share: the context they run in, the JSON shape of a transaction,
 * and argument parsing (addresses, human amounts) with one-line errors.
 */
import { PublicKey } from '@solana/web3.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAmount } from '../sdk/src/amounts';
import { fetchMintDecimals } from '../sdk/src/accounts/token';
import { marketInfo, poolInfo, type PeerContext } from '../sdk/src/context';
import { ValidationError } from '../sdk/src/errors';
import type { SendResult } from '../sdk/src/rpc/send';

export interface CommandContext {
  peer: PeerContext;
  /** Directory relative paths are resolved against. */
  cwd: string;
}

export function readInputFile(ctx: CommandContext, path: string, label: string): Buffer {
  const full = resolve(ctx.cwd, path);
  try {
    return readFileSync(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ValidationError(code === 'ENOENT' ? `${label} not found: ${full}` : `cannot read ${label} ${full}: ${code ?? (err as Error).message}`);
  }
}

export function writeOutputFile(ctx: CommandContext, path: string, data: Uint8Array, label: string): string {
  const full = resolve(ctx.cwd, path);
  try {
    writeFileSync(full, data);
  } catch (err) {
    throw new ValidationError(`cannot write ${label} ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return full;
}

/** The JSON shape of a transaction in every command's output. */
export interface TxOutput {
  /** Null when simulated or printed. */
  signature: string | null;
  mode: 'send' | 'simulate' | 'print' | 'sign';
  computeUnits: number;
  computeUnitLimit: number;
  priorityFeeMicroLamports: number;
  /** --print-only: the unsigned transaction, base64; --sign-only: the signed one. */
  transaction: string | null;
  /** --simulate: the simulation's logs. */
  logs: string[] | null;
}

export function txOutput(r: SendResult): TxOutput {
  return {
    signature: r.signature,
    mode: r.mode,
    computeUnits: r.unitsConsumed,
    computeUnitLimit: r.computeUnitLimit,
    priorityFeeMicroLamports: r.priorityFeeMicroLamports,
    transaction: r.transaction,
    logs: r.mode === 'simulate' ? r.logs : null,
  };
}

export function parseAddress(text: string, label: string): PublicKey {
  try {
    const key = new PublicKey(text.trim());
    return key;
  } catch {
    throw new ValidationError(`${label} is not a valid address: ${text}`);
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function parseHash(text: string, label: string): Uint8Array {
  const t = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{64}$/i.test(t)) throw new ValidationError(`${label} must be 64 hex digits (32 bytes)`);
  return new Uint8Array(Buffer.from(t, 'hex'));
}

/** Checks the syntax of a human amount before anything touches the network. */
export function checkAmountSyntax(text: string, label: string): void {
  // 18 decimals is more than any SPL mint has; the exact check runs once the decimals are known.
  parseAmount(text, 18, { label, max: (1n << 128n) - 1n });
}

/** $PEER decimals from the market config (one read, cached). */
export async function marketPeerDecimals(ctx: CommandContext): Promise<number> {
  return (await marketInfo(ctx.peer)).peerDecimals;
}

/** $PEER decimals from the staking pool's mint (two reads, cached in the context). */
export async function poolPeerDecimals(ctx: CommandContext): Promise<number> {
  const info = await poolInfo(ctx.peer);
  const cache = ctx.peer.cache as { peerDecimals?: number };
  cache.peerDecimals ??= await fetchMintDecimals(ctx.peer.transport, info.peerMint);
  return cache.peerDecimals;
}

export function parsePeer(text: string, decimals: number, label = 'amount'): bigint {
  return parseAmount(text, decimals, { label, unit: 'PEER' });
}

/** "12s" style durations for text output: seconds → "1d 2h 3m 4s". */
export function duration(seconds: bigint): string {
  let s = Number(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}
