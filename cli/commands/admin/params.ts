/**
 * The market's and the pool's parameters as CLI flags, generated from the IDL (so a parameter
 * added to the program shows up here after a build): integers as is, u64 amounts (bonds,
 * stakes) in $PEER human units, `min_bond` as "open,verified,confidential", bools as
 * true/false, keys in base58.
 */
import { PublicKey } from '@solana/web3.js';
import { formatAmount, parseAmount } from '../../../sdk/src/amounts';
import type { IdlTypeNode } from '../../../sdk/src/codec/program';
import { ValidationError } from '../../../sdk/src/errors';
import { peerMarket, peerStaking } from '../../../sdk/src/programs';

export interface ParamField {
  /** camelCase name in the IDL. */
  name: string;
  /** The CLI flag (kebab case, `pool-` prefix for the staking pool). */
  flag: string;
  type: IdlTypeNode;
  docs: string;
  program: 'market' | 'pool';
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function fields(program: typeof peerMarket | typeof peerStaking, typeName: string, which: 'market' | 'pool'): ParamField[] {
  const def = program.typeDef(typeName) as { type: { kind: string; fields?: { name: string; type: IdlTypeNode; docs?: string[] }[] } };
  return (def.type.fields ?? []).map((f) => ({
    name: f.name,
    flag: (which === 'pool' ? 'pool-' : '') + kebab(f.name),
    type: f.type,
    docs: (f.docs ?? []).join(' '),
    program: which,
  }));
}

export const MARKET_PARAM_FIELDS: ParamField[] = fields(peerMarket, 'configParams', 'market');
export const POOL_PARAM_FIELDS: ParamField[] = fields(peerStaking, 'poolParams', 'pool');

function describeType(t: IdlTypeNode): string {
  if (t === 'u64') return '$PEER';
  if (t === 'bool') return 'true|false';
  if (t === 'pubkey') return 'address';
  if (typeof t === 'object' && 'array' in t) return `${t.array[1]} comma-separated ${describeType(t.array[0])}`;
  return 'integer';
}

export function flagHelp(f: ParamField): string {
  const docs = (f.docs || f.name).replace(/\s*\(\$PEER base units\)/g, '');
  return `${docs} (${describeType(f.type)})`;
}

/** A flag's string value → the parameter's value. */
export function parseParam(f: ParamField, text: string, peerDecimals: number): unknown {
  const t = f.type;
  const label = `--${f.flag}`;
  if (t === 'u64') return parseAmount(text, peerDecimals, { label, unit: 'PEER', allowZero: true });
  if (t === 'bool') {
    if (!/^(true|false)$/i.test(text.trim())) throw new ValidationError(`${label} must be true or false: ${text}`);
    return /^true$/i.test(text.trim());
  }
  if (t === 'pubkey') {
    try {
      return new PublicKey(text.trim());
    } catch {
      throw new ValidationError(`${label} is not a valid address: ${text}`);
    }
  }
  if (typeof t === 'object' && 'array' in t) {
    const items = text.split(',').map((s) => s.trim());
    if (items.length !== t.array[1]) throw new ValidationError(`${label} takes ${t.array[1]} comma-separated values: ${text}`);
    return items.map((item) => parseParam({ ...f, type: t.array[0] }, item, peerDecimals));
  }
  if (!/^\d+$/.test(text.trim())) throw new ValidationError(`${label} must be a non-negative integer: ${text}`);
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n)) throw new ValidationError(`${label} is too large: ${text}`);
  return n;
}

/** A parameter's value → its display string (the same format the flag takes). */
export function formatParam(f: ParamField, value: unknown, peerDecimals: number): string {
  const t = f.type;
  if (t === 'u64') return formatAmount(value as bigint, peerDecimals);
  if (typeof t === 'object' && 'array' in t) return (value as unknown[]).map((v) => formatParam({ ...f, type: t.array[0] }, v, peerDecimals)).join(',');
  if (value instanceof PublicKey) return value.toBase58();
  return String(value);
}

/** Flag values (by camelCase name) → parameter changes. */
export function parseChanges(list: ParamField[], values: Record<string, string | undefined>, peerDecimals: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of list) {
    const v = values[f.name];
    if (v !== undefined) out[f.name] = parseParam(f, v, peerDecimals);
  }
  return out;
}
