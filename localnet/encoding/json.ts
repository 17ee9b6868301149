/**
 * JSON output that keeps u64 values exact: lamports above 2^53 (the faucet holds more) are
 * written as plain JSON integers, as agave does, instead of being rounded by `Number`.
 */
import { randomBytes } from 'node:crypto';

const MARK = `\u0000u64-${randomBytes(6).toString('hex')}:`;
const MARK_JSON = JSON.stringify(MARK).slice(1, -1);
const MARK_PATTERN = new RegExp(`"${MARK_JSON.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}(-?\\d+)"`, 'g');

export function stringifyJson(value: unknown): string {
  let marked = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    if (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    marked = true;
    return `${MARK}${v.toString()}`;
  });
  return marked ? text.replace(MARK_PATTERN, '$1') : text;
}
