/**
 * Cashu wire types (NUT-00) and the two token serializations: V4 `cashuB` (CBOR, base64url)
 * and the older V3 `cashuA` (JSON, base64url). Decoding validates every field, so a malformed
 * token becomes one clear TokenError and nothing downstream sees it.
 */
import { decodeCbor, encodeCbor, CborError, type CborValue } from './cbor';
import type { Dleq } from './bdhke';

/** A bearer proof: `amount` credits, signed by keyset `id`; `C` = k·hash_to_curve(secret). */
export interface Proof {
  amount: number;
  id: string;
  secret: string;
  C: string;
  witness?: string;
  dleq?: Dleq & { r?: string };
}

/** What a wallet sends to be signed: B_ = hash_to_curve(secret) + r·G. */
export interface BlindedMessage {
  amount: number;
  id: string;
  B_: string;
}

/** What the mint answers: C_ = k·B_. */
export interface BlindSignature {
  amount: number;
  id: string;
  C_: string;
  dleq?: Dleq;
}

export interface Token {
  mint: string;
  unit: string;
  memo?: string;
  proofs: Proof[];
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

const HEX_ID = /^[0-9a-f]{16}$/;
const POINT = /^0[23][0-9a-f]{64}$/;
/** Cashu secrets are 64 hex characters, or a NUT-10 JSON well-known secret; cap the size. */
const MAX_SECRET = 1024;
export const MAX_PROOFS_PER_TOKEN = 1000;

export function checkProof(p: unknown, where = 'proof'): Proof {
  if (p === null || typeof p !== 'object') throw new TokenError(`${where} is not an object`);
  const o = p as Record<string, unknown>;
  if (typeof o.amount !== 'number' || !Number.isSafeInteger(o.amount) || o.amount <= 0) throw new TokenError(`${where}.amount must be a positive whole number`);
  if (typeof o.id !== 'string' || !HEX_ID.test(o.id)) throw new TokenError(`${where}.id must be a 16-character hex keyset id`);
  if (typeof o.secret !== 'string' || o.secret.length === 0 || o.secret.length > MAX_SECRET) throw new TokenError(`${where}.secret must be a string of 1-${MAX_SECRET} characters`);
  if (typeof o.C !== 'string' || !POINT.test(o.C)) throw new TokenError(`${where}.C must be a compressed secp256k1 point in hex`);
  const out: Proof = { amount: o.amount, id: o.id, secret: o.secret, C: o.C };
  if (o.witness !== undefined && o.witness !== null) {
    if (typeof o.witness !== 'string') throw new TokenError(`${where}.witness must be a string`);
    out.witness = o.witness;
  }
  if (o.dleq !== undefined && o.dleq !== null) {
    const d = o.dleq as Record<string, unknown>;
    if (typeof d !== 'object' || typeof d.e !== 'string' || typeof d.s !== 'string') throw new TokenError(`${where}.dleq must have e and s`);
    out.dleq = { e: d.e, s: d.s, ...(typeof d.r === 'string' ? { r: d.r } : {}) };
  }
  return out;
}

function base64urlToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_\-+/]*={0,2}$/.test(text)) throw new TokenError('token is not base64url');
  return new Uint8Array(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

function bytesToBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** V4 token (`cashuB…`): proofs grouped by keyset, ids and points as bytes. */
export function encodeTokenV4(token: Token): string {
  if (token.proofs.length === 0) throw new TokenError('a token needs at least one proof');
  const groups = new Map<string, Proof[]>();
  for (const p of token.proofs) groups.set(p.id, [...(groups.get(p.id) ?? []), p]);
  const doc: { [k: string]: CborValue } = {
    t: [...groups].map(([id, proofs]) => ({
      i: unhex(id),
      p: proofs.map((p) => {
        const entry: { [k: string]: CborValue } = { a: p.amount, s: p.secret, c: unhex(p.C) };
        if (p.dleq) entry.d = { e: unhex(p.dleq.e), s: unhex(p.dleq.s), ...(p.dleq.r ? { r: unhex(p.dleq.r) } : {}) };
        if (p.witness) entry.w = p.witness;
        return entry;
      }),
    })),
  };
  if (token.memo) doc.d = token.memo;
  doc.m = token.mint;
  doc.u = token.unit;
  return `cashuB${bytesToBase64url(encodeCbor(doc))}`;
}

function field<T>(o: Record<string, CborValue>, key: string, check: (v: CborValue) => v is T & CborValue, what: string): T {
  const v = o[key];
  if (!check(v)) throw new TokenError(`token field ${key} must be ${what}`);
  return v;
}
const isString = (v: CborValue): v is string => typeof v === 'string';
const isBytes = (v: CborValue): v is Uint8Array => v instanceof Uint8Array;
const isArray = (v: CborValue): v is CborValue[] => Array.isArray(v);
const isMap = (v: CborValue): v is { [k: string]: CborValue } => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

function decodeV4(body: string): Token {
  let doc: CborValue;
  try {
    doc = decodeCbor(base64urlToBytes(body));
  } catch (err) {
    if (err instanceof CborError) throw new TokenError(`cashuB token is not valid CBOR (${err.message})`);
    throw err;
  }
  if (!isMap(doc)) throw new TokenError('cashuB token must be a CBOR map');
  const mint = field(doc, 'm', isString, 'the mint URL (text)');
  const unit = field(doc, 'u', isString, 'the unit (text)');
  const memo = doc.d === undefined ? undefined : field(doc, 'd', isString, 'a memo (text)');
  const groups = field(doc, 't', isArray, 'an array of keyset groups');
  const proofs: Proof[] = [];
  groups.forEach((g, gi) => {
    if (!isMap(g)) throw new TokenError(`token group ${gi} must be a map`);
    const id = hex(field(g, 'i', isBytes, 'the keyset id (bytes)'));
    field(g, 'p', isArray, 'an array of proofs').forEach((p, pi) => {
      if (!isMap(p)) throw new TokenError(`token proof ${gi}.${pi} must be a map`);
      const d = p.d === undefined ? undefined : isMap(p.d) && isBytes(p.d.e) && isBytes(p.d.s) ? p.d : null;
      if (d === null) throw new TokenError(`token proof ${gi}.${pi} has a malformed DLEQ`);
      proofs.push(
        checkProof(
          {
            amount: p.a,
            id,
            secret: p.s,
            C: isBytes(p.c) ? hex(p.c) : p.c,
            witness: p.w,
            dleq: d ? { e: hex(d.e as Uint8Array), s: hex(d.s as Uint8Array), ...(isBytes(d.r) ? { r: hex(d.r) } : {}) } : undefined,
          },
          `proof ${gi}.${pi}`,
        ),
      );
    });
  });
  return finish({ mint, unit, memo, proofs });
}

function decodeV3(body: string): Token {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(base64urlToBytes(body)).toString('utf8'));
  } catch (err) {
    if (err instanceof TokenError) throw err;
    throw new TokenError('cashuA token is not base64url JSON');
  }
  const o = doc as { token?: unknown; unit?: unknown; memo?: unknown };
  if (!o || typeof o !== 'object' || !Array.isArray(o.token) || o.token.length !== 1) {
    throw new TokenError('cashuA token must hold exactly one mint entry');
  }
  const entry = o.token[0] as { mint?: unknown; proofs?: unknown };
  if (typeof entry?.mint !== 'string' || !Array.isArray(entry.proofs)) throw new TokenError('cashuA token entry needs mint and proofs');
  const proofs = entry.proofs.map((p, i) => checkProof(p, `proof ${i}`));
  return finish({ mint: entry.mint, unit: typeof o.unit === 'string' ? o.unit : 'sat', memo: typeof o.memo === 'string' ? o.memo : undefined, proofs });
}

function finish(t: Token): Token {
  if (t.proofs.length === 0) throw new TokenError('token holds no proofs');
  if (t.proofs.length > MAX_PROOFS_PER_TOKEN) throw new TokenError(`token holds more than ${MAX_PROOFS_PER_TOKEN} proofs`);
  if (t.memo === undefined) delete t.memo;
  return t;
}

/** Decodes `cashuB…` (V4) or `cashuA…` (V3); anything else is a TokenError. */
export function decodeToken(text: string): Token {
  if (typeof text !== 'string') throw new TokenError('token must be a string');
  const t = text.trim().replace(/^cashu:/, '');
  if (t.length > 200_000) throw new TokenError('token is too long');
  if (t.startsWith('cashuB')) return decodeV4(t.slice(6));
  if (t.startsWith('cashuA')) return decodeV3(t.slice(6));
  throw new TokenError('token must start with cashuB (V4) or cashuA (V3)');
}

export function sumProofs(proofs: readonly { amount: number }[]): number {
  return proofs.reduce((s, p) => s + p.amount, 0);
}
