/**
 * Accounts as RPC returns them: `{data, executable, lamports, owner, rentEpoch, space}` with the
 * data encoded as asked (`base58`, `base64`, legacy `binary`, or `jsonParsed` for SPL Token
 * accounts and mints and the upgradeable loader's accounts, which falls back to base64 for anything else), and an optional dataSlice.
 */
import type { AccountState } from '../bank/types';
import { invalidParams, RpcError, INVALID_REQUEST } from '../rpc/errors';
import { encodeBase58 } from './base58';
import { parseLoaderAccountData } from './loader';
import { parseTokenAccountData, type DecimalsLookup } from './spl-token';

export const ACCOUNT_ENCODINGS = ['binary', 'base58', 'base64', 'base64+zstd', 'jsonParsed'] as const;
export type AccountEncoding = (typeof ACCOUNT_ENCODINGS)[number];

/** Agave reports u64::MAX for every (rent-exempt) account. */
export const RENT_EXEMPT_EPOCH = 18446744073709551615n;
const MAX_BASE58_BYTES = 128;

export interface DataSlice {
  offset: number;
  length: number;
}

export function parseEncoding(value: unknown, fallback: AccountEncoding): AccountEncoding {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(ACCOUNT_ENCODINGS as readonly string[]).includes(value)) {
    throw invalidParams(`unknown encoding ${JSON.stringify(value)}; use base64, base58 or jsonParsed`);
  }
  if (value === 'base64+zstd') throw invalidParams('base64+zstd is not supported by this localnet; use base64');
  return value as AccountEncoding;
}

export function parseDataSlice(value: unknown): DataSlice | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParams('dataSlice must be {offset, length}');
  const { offset, length } = value as Record<string, unknown>;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw invalidParams('dataSlice.offset must be a non-negative integer');
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) throw invalidParams('dataSlice.length must be a non-negative integer');
  return { offset, length };
}

function slice(data: Uint8Array, s: DataSlice | null): Uint8Array {
  if (!s) return data;
  const start = Math.min(s.offset, data.length);
  return data.subarray(start, Math.min(data.length, start + s.length));
}

function encodeData(owner: string, data: Uint8Array, encoding: AccountEncoding, s: DataSlice | null, decimalsOf: DecimalsLookup): unknown {
  if (encoding === 'jsonParsed') {
    const parsed = s ? null : (parseTokenAccountData(owner, data, decimalsOf) ?? parseLoaderAccountData(owner, data));
    if (parsed) return parsed;
    return [Buffer.from(slice(data, s)).toString('base64'), 'base64'];
  }
  const bytes = slice(data, s);
  if (encoding === 'base64') return [Buffer.from(bytes).toString('base64'), 'base64'];
  if (bytes.length > MAX_BASE58_BYTES) {
    throw new RpcError(INVALID_REQUEST, `Encoded binary (base 58) data should be less than ${MAX_BASE58_BYTES} bytes, please use Base64 encoding.`);
  }
  return encoding === 'base58' ? [encodeBase58(bytes), 'base58'] : encodeBase58(bytes);
}

export interface UiAccount {
  data: unknown;
  executable: boolean;
  lamports: bigint;
  owner: string;
  rentEpoch: bigint;
  space: number;
}

export function uiAccount(state: AccountState, encoding: AccountEncoding, dataSlice: DataSlice | null, decimalsOf: DecimalsLookup): UiAccount {
  return {
    data: encodeData(state.owner, state.data, encoding, dataSlice, decimalsOf),
    executable: state.executable,
    lamports: state.lamports,
    owner: state.owner,
    rentEpoch: RENT_EXEMPT_EPOCH,
    space: state.data.length,
  };
}
