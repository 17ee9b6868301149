/** Reading and checking JSON-RPC params; every failure is an `Invalid params` (-32602) error. */
import { decodeBase58 } from '../encoding/base58';
import { invalidParams, MIN_CONTEXT_SLOT_NOT_REACHED, RpcError } from './errors';

export type Params = unknown[];

/** Positional params: an array, or nothing. */
export function positional(params: unknown): Params {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) throw invalidParams('params must be an array');
  return params;
}

export function noMoreThan(params: Params, n: number): void {
  if (params.length > n) throw invalidParams(`expected at most ${n} params, got ${params.length}`);
}

export function pubkey(value: unknown, what = 'pubkey'): string {
  if (typeof value !== 'string') throw invalidParams(`${what} must be a base58 string`);
  const bytes = value.length >= 32 && value.length <= 44 ? decodeBase58(value) : null;
  if (!bytes || bytes.length !== 32) throw invalidParams(`invalid ${what}: ${value.slice(0, 64)}`);
  return value;
}

export function signature(value: unknown): string {
  if (typeof value !== 'string') throw invalidParams('signature must be a base58 string');
  const bytes = value.length <= 88 ? decodeBase58(value) : null;
  if (!bytes || bytes.length !== 64) throw invalidParams(`invalid signature: ${value.slice(0, 100)}`);
  return value;
}

export function requiredString(params: Params, i: number, what: string): string {
  const v = params[i];
  if (typeof v !== 'string') throw invalidParams(`${what} (param ${i}) must be a string`);
  return v;
}

export function u64Param(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value) && BigInt(value) < 1n << 64n) return BigInt(value);
  throw invalidParams(`${what} must be a non-negative integer`);
}

export function usize(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw invalidParams(`${what} must be an integer between 0 and ${max}`);
  }
  return value;
}

/** A config object (optional): must be an object when present. */
export function config(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParams('config must be an object');
  return value as Record<string, unknown>;
}

const COMMITMENTS = new Set(['processed', 'confirmed', 'finalized', 'recent', 'single', 'singleGossip', 'root', 'max']);

/** Checks `commitment` and `minContextSlot` (every commitment is final here: one node, no forks). */
export function checkContext(cfg: Record<string, unknown>, currentSlot: number): void {
  const c = cfg.commitment;
  if (c !== undefined && (typeof c !== 'string' || !COMMITMENTS.has(c))) throw invalidParams(`unknown commitment ${JSON.stringify(c)}`);
  const min = cfg.minContextSlot;
  if (min !== undefined && min !== null) {
    const slot = usize(min, 'minContextSlot');
    if (slot > currentSlot) {
      throw new RpcError(MIN_CONTEXT_SLOT_NOT_REACHED, 'Minimum context slot has not been reached', { contextSlot: currentSlot });
    }
  }
}

export function optionalBool(cfg: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = cfg[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw invalidParams(`${key} must be a boolean`);
  return v;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string, fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidParams(`${what} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}
