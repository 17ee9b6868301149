/**
 * The small part of CBOR (RFC 8949) that Cashu's V4 tokens use: unsigned and negative integers,
 * byte strings, text strings, arrays, maps, false/true/null. Definite lengths only when
 * writing; the reader also refuses indefinite lengths, tags and floats with a clear error, and
 * never reads past its input. Small enough to audit, so no dependency.
 */
export type CborValue = number | bigint | string | Uint8Array | boolean | null | CborValue[] | { [key: string]: CborValue };

export class CborError extends Error {
  constructor(message: string) {
    super(`CBOR: ${message}`);
    this.name = 'CborError';
  }
}

const MAX_DEPTH = 32;

function head(major: number, n: number | bigint, out: number[]): void {
  const v = BigInt(n);
  if (v < 0n) throw new CborError('negative length');
  const m = major << 5;
  if (v < 24n) out.push(m | Number(v));
  else if (v < 0x100n) out.push(m | 24, Number(v));
  else if (v < 0x10000n) out.push(m | 25, Number(v >> 8n), Number(v & 0xffn));
  else if (v < 0x100000000n) out.push(m | 26, ...[24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn)));
  else if (v < 1n << 64n) out.push(m | 27, ...[56n, 48n, 40n, 32n, 24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn)));
  else throw new CborError('integer too large');
}

function write(value: CborValue, out: number[], depth: number): void {
  if (depth > MAX_DEPTH) throw new CborError('nested too deep');
  if (value === null) out.push(0xf6);
  else if (value === false) out.push(0xf4);
  else if (value === true) out.push(0xf5);
  else if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new CborError(`only integers are supported, got ${value}`);
    const v = BigInt(value);
    if (v >= 0n) head(0, v, out);
    else head(1, -1n - v, out);
  } else if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    head(3, bytes.length, out);
    for (const b of bytes) out.push(b);
  } else if (value instanceof Uint8Array) {
    head(2, value.length, out);
    for (const b of value) out.push(b);
  } else if (Array.isArray(value)) {
    head(4, value.length, out);
    for (const item of value) write(item, out, depth + 1);
  } else if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    head(5, entries.length, out);
    for (const [k, v] of entries) {
      write(k, out, depth + 1);
      write(v, out, depth + 1);
    }
  } else {
    throw new CborError(`cannot encode ${typeof value}`);
  }
}

export function encodeCbor(value: CborValue): Uint8Array {
  const out: number[] = [];
  write(value, out, 0);
  return Uint8Array.from(out);
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new CborError('input ends early');
    return this.bytes[this.pos++];
  }
  take(n: number): Uint8Array {
    if (n > this.bytes.length - this.pos) throw new CborError('input ends early');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** The argument of a head: a length or an integer. */
  argument(info: number): bigint {
    if (info < 24) return BigInt(info);
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new CborError(info === 31 ? 'indefinite lengths are not supported' : `reserved additional info ${info}`);
    let v = 0n;
    for (const b of this.take(size)) v = (v << 8n) | BigInt(b);
    return v;
  }
  length(info: number): number {
    const n = this.argument(info);
    if (n > BigInt(this.bytes.length - this.pos) && n > 0n) throw new CborError('length runs past the input');
    return Number(n);
  }
  value(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new CborError('nested too deep');
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0: {
        const v = this.argument(info);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 1: {
        const v = -1n - this.argument(info);
        return v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
      }
      case 2:
        return Uint8Array.from(this.take(this.length(info)));
      case 3:
        try {
          return new TextDecoder('utf-8', { fatal: true }).decode(this.take(this.length(info)));
        } catch (err) {
          if (err instanceof CborError) throw err;
          throw new CborError('text string is not valid UTF-8');
        }
      case 4: {
        const n = this.length(info);
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
        return out;
      }
      case 5: {
        const n = this.length(info);
        const out: { [key: string]: CborValue } = {};
        for (let i = 0; i < n; i++) {
          const key = this.value(depth + 1);
          if (typeof key !== 'string') throw new CborError('map keys must be text strings');
          if (key === '__proto__') throw new CborError('map key __proto__ is not allowed');
          if (Object.prototype.hasOwnProperty.call(out, key)) throw new CborError(`duplicate map key ${JSON.stringify(key)}`);
          out[key] = this.value(depth + 1);
        }
        return out;
      }
      case 6:
        throw new CborError('tags are not supported');
      default:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        throw new CborError(`unsupported simple value or float (0x${initial.toString(16)})`);
    }
  }
}

export function decodeCbor(bytes: Uint8Array): CborValue {
  const r = new Reader(bytes);
  const v = r.value(0);
  if (r.pos !== bytes.length) throw new CborError(`${bytes.length - r.pos} trailing bytes`);
  return v;
}
