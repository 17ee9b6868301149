/** Account reads: single, multiple, by program (with memcmp / dataSize filters), balances. */
import type { Bank } from '../../bank/bank';
import type { AccountState } from '../../bank/types';
import { decodeBase58 } from '../../encoding/base58';
import { parseDataSlice, parseEncoding, uiAccount, type AccountEncoding, type DataSlice } from '../../encoding/accounts';
import { decodeMint, decodeTokenAccount, type DecimalsLookup } from '../../encoding/spl-token';
import { invalidParams } from '../errors';
import { checkContext, config, noMoreThan, optionalBool, positional, pubkey } from '../params';
import { withContext, type Handler } from '../context';

export const MAX_MULTIPLE_ACCOUNTS = 100;
const MAX_FILTERS = 4;
const MAX_MEMCMP_BYTES = 128;

/** Mint decimals, cached for one request. */
export function decimalsLookup(bank: Bank): DecimalsLookup {
  const cache = new Map<string, number | null>();
  return (mint) => {
    let d = cache.get(mint);
    if (d === undefined) {
      const acc = bank.getAccount(mint);
      d = acc ? (decodeMint(acc.data)?.decimals ?? null) : null;
      cache.set(mint, d);
    }
    return d;
  };
}

export interface AccountQuery {
  encoding: AccountEncoding;
  dataSlice: DataSlice | null;
}

export function accountQuery(cfg: Record<string, unknown>, fallback: AccountEncoding): AccountQuery {
  return { encoding: parseEncoding(cfg.encoding, fallback), dataSlice: parseDataSlice(cfg.dataSlice) };
}

type Filter = { dataSize: number } | { memcmp: { offset: number; bytes: Uint8Array } } | { tokenAccountState: true };

export function parseFilters(value: unknown): Filter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParams('filters must be an array');
  if (value.length > MAX_FILTERS) throw invalidParams(`too many filters provided; max ${MAX_FILTERS}`);
  return value.map((f: unknown): Filter => {
    if (typeof f !== 'object' || f === null) throw invalidParams('each filter must be an object');
    const o = f as Record<string, unknown>;
    if ('dataSize' in o) {
      if (typeof o.dataSize !== 'number' || !Number.isSafeInteger(o.dataSize) || o.dataSize < 0) throw invalidParams('dataSize must be a non-negative integer');
      return { dataSize: o.dataSize };
    }
    if ('memcmp' in o) {
      const m = o.memcmp as Record<string, unknown> | null;
      if (typeof m !== 'object' || m === null) throw invalidParams('memcmp must be {offset, bytes}');
      if (typeof m.offset !== 'number' || !Number.isSafeInteger(m.offset) || m.offset < 0) throw invalidParams('memcmp.offset must be a non-negative integer');
      if (typeof m.bytes !== 'string') throw invalidParams('memcmp.bytes must be a string');
      const encoding = m.encoding ?? 'base58';
      let bytes: Uint8Array | null;
      if (encoding === 'base58') bytes = m.bytes.length <= 175 ? decodeBase58(m.bytes) : null;
      else if (encoding === 'base64') bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(m.bytes) ? Buffer.from(m.bytes, 'base64') : null;
      else throw invalidParams('memcmp.encoding must be base58 or base64');
      if (!bytes) throw invalidParams(`memcmp.bytes is not valid ${String(encoding)}`);
      if (bytes.length > MAX_MEMCMP_BYTES) throw invalidParams(`memcmp.bytes longer than ${MAX_MEMCMP_BYTES} bytes`);
      return { memcmp: { offset: m.offset, bytes } };
    }
    if ('tokenAccountState' in o) return { tokenAccountState: true };
    throw invalidParams(`unknown filter ${JSON.stringify(Object.keys(o))}`);
  });
}

export function matches(state: AccountState, filters: Filter[]): boolean {
  for (const f of filters) {
    if ('dataSize' in f) {
      if (state.data.length !== f.dataSize) return false;
    } else if ('memcmp' in f) {
      const { offset, bytes } = f.memcmp;
      if (offset + bytes.length > state.data.length) return false;
      for (let i = 0; i < bytes.length; i++) if (state.data[offset + i] !== bytes[i]) return false;
    } else {
      const acc = decodeTokenAccount(state.data);
      if (!acc || acc.state === 'uninitialized') return false;
    }
  }
  return true;
}

export const accountMethods: Record<string, Handler> = {
  getAccountInfo(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const address = pubkey(p[0]);
    const cfg = config(p[1]);
    checkContext(cfg, ctx.bank.slot);
    const q = accountQuery(cfg, 'binary');
    const state = ctx.bank.getAccount(address);
    return withContext(ctx, state ? uiAccount(state, q.encoding, q.dataSlice, decimalsLookup(ctx.bank)) : null);
  },

  getMultipleAccounts(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    if (!Array.isArray(p[0])) throw invalidParams('expected an array of addresses');
    if (p[0].length > MAX_MULTIPLE_ACCOUNTS) throw invalidParams(`Too many inputs provided; max ${MAX_MULTIPLE_ACCOUNTS}`);
    const addresses = p[0].map((a) => pubkey(a));
    const cfg = config(p[1]);
    checkContext(cfg, ctx.bank.slot);
    const q = accountQuery(cfg, 'base64');
    const decimals = decimalsLookup(ctx.bank);
    return withContext(
      ctx,
      addresses.map((a) => {
        const state = ctx.bank.getAccount(a);
        return state ? uiAccount(state, q.encoding, q.dataSlice, decimals) : null;
      }),
    );
  },

  getProgramAccounts(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const program = pubkey(p[0], 'program id');
    const cfg = config(p[1]);
    checkContext(cfg, ctx.bank.slot);
    const q = accountQuery(cfg, 'binary');
    const filters = parseFilters(cfg.filters);
    const withCtx = optionalBool(cfg, 'withContext', false);
    const decimals = decimalsLookup(ctx.bank);
    const list = ctx.bank
      .getProgramAccounts(program)
      .filter((a) => matches(a.account, filters))
      .map((a) => ({ pubkey: a.address, account: uiAccount(a.account, q.encoding, q.dataSlice, decimals) }));
    return withCtx ? withContext(ctx, list) : list;
  },

  getBalance(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const address = pubkey(p[0]);
    checkContext(config(p[1]), ctx.bank.slot);
    return withContext(ctx, ctx.bank.getAccount(address)?.lamports ?? 0n);
  },
};
