/**
 * Blind Diffie-Hellman key exchange on secp256k1, as Cashu NUT-00 specifies it, plus the keyset
 * identifier (NUT-02, version 00) and the DLEQ proof (NUT-12) that lets a wallet check a
 * signature was made with the mint's published key (so a mint cannot tag one user with a key
 * of its own).
 *
 *   Y  = hash_to_curve(secret)        the point a secret stands for
 *   B_ = Y + r·G                      the wallet blinds with a random r
 *   C_ = k·B_                         the mint signs without seeing Y
 *   C  = C_ − r·K                     the wallet unblinds: C = k·Y
 *   valid ⇔ k·hash_to_curve(secret) == C   (only the mint, holding k, can check)
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export const Point = secp256k1.Point;
export type CurvePoint = InstanceType<typeof secp256k1.Point>;
export const CURVE_ORDER: bigint = secp256k1.Point.Fn.ORDER;

const DOMAIN_SEPARATOR = utf8ToBytes('Secp256k1_HashToCurve_Cashu_');

/** NUT-00 hash_to_curve: sha256(domain ‖ message), then sha256(that ‖ counter LE32) until it is an x coordinate. */
export function hashToCurve(message: Uint8Array): CurvePoint {
  const msgHash = sha256(concatBytes(DOMAIN_SEPARATOR, message));
  const counter = new Uint8Array(4);
  const view = new DataView(counter.buffer);
  for (let i = 0; i < 2 ** 16; i++) {
    view.setUint32(0, i, true);
    const candidate = concatBytes(new Uint8Array([0x02]), sha256(concatBytes(msgHash, counter)));
    try {
      return Point.fromBytes(candidate);
    } catch {
      // not on the curve: next counter
    }
  }
  throw new Error('hash_to_curve: no point found in 2^16 iterations');
}

/** The point a Cashu secret string stands for (the secret's UTF-8 bytes are hashed). */
export function secretPoint(secret: string): CurvePoint {
  return hashToCurve(utf8ToBytes(secret));
}

export function scalarFromBytes(bytes: Uint8Array): bigint {
  const n = BigInt(`0x${bytesToHex(bytes) || '0'}`);
  if (n <= 0n || n >= CURVE_ORDER) throw new Error('scalar out of range');
  return n;
}

export function scalarToBytes(n: bigint): Uint8Array {
  return hexToBytes(n.toString(16).padStart(64, '0'));
}

/** A uniformly random non-zero scalar. */
export function randomScalar(): bigint {
  return Point.Fn.fromBytes(secp256k1.utils.randomSecretKey());
}

/** Parses a compressed (33-byte) public key in hex; throws a plain error on anything else. */
export function pointFromHex(hex: string): CurvePoint {
  if (typeof hex !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(hex)) throw new Error('not a compressed secp256k1 point');
  return Point.fromHex(hex);
}

export function pointToHex(p: CurvePoint): string {
  return p.toHex(true);
}

/** B_ = Y + r·G */
export function blindMessage(secret: Uint8Array, r: bigint): CurvePoint {
  return hashToCurve(secret).add(Point.BASE.multiply(r));
}

/** C_ = k·B_ (mint side). */
export function signBlinded(B_: CurvePoint, k: bigint): CurvePoint {
  return B_.multiply(k);
}

/** C = C_ − r·K (wallet side). */
export function unblindSignature(C_: CurvePoint, r: bigint, K: CurvePoint): CurvePoint {
  return C_.subtract(K.multiply(r));
}

/** Mint side: does C equal k·hash_to_curve(secret)? */
export function verifyProofSignature(secret: string, C: CurvePoint, k: bigint): boolean {
  return secretPoint(secret).multiply(k).equals(C);
}

/** NUT-12 hash: sha256 over the uncompressed points written as lowercase hex text. */
export function dleqChallenge(...points: CurvePoint[]): string {
  return bytesToHex(sha256(utf8ToBytes(points.map((p) => p.toHex(false)).join(''))));
}

export interface Dleq {
  e: string;
  s: string;
}

/** Mint side: proves log_G(A) == log_B_(C_) with a fresh nonce. */
export function proveDleq(k: bigint, B_: CurvePoint, C_: CurvePoint, nonce: bigint = randomScalar()): Dleq {
  const A = Point.BASE.multiply(k);
  const R1 = Point.BASE.multiply(nonce);
  const R2 = B_.multiply(nonce);
  const e = dleqChallenge(R1, R2, A, C_);
  const s = (nonce + (BigInt(`0x${e}`) % CURVE_ORDER) * k) % CURVE_ORDER;
  return { e, s: bytesToHex(scalarToBytes(s)) };
}

/** Wallet side: checks a blind signature's DLEQ proof against the mint's public key A. */
export function verifyDleq(dleq: Dleq, A: CurvePoint, B_: CurvePoint, C_: CurvePoint): boolean {
  try {
    if (!/^[0-9a-f]{64}$/.test(dleq.e) || !/^[0-9a-f]{64}$/.test(dleq.s)) return false;
    const e = BigInt(`0x${dleq.e}`) % CURVE_ORDER;
    const s = BigInt(`0x${dleq.s}`);
    if (e === 0n || s === 0n || s >= CURVE_ORDER) return false;
    const R1 = Point.BASE.multiply(s).subtract(A.multiply(e));
    const R2 = B_.multiply(s).subtract(C_.multiply(e));
    return dleqChallenge(R1, R2, A, C_) === dleq.e;
  } catch {
    return false;
  }
}

/**
 * Checks a proof's DLEQ as a receiving wallet does (NUT-12): with the blinding factor `r` the
 * sender kept, B_ = Y + r·G and C_ = C + r·A, then the blind-signature check.
 */
export function verifyProofDleq(proof: { secret: string; C: string; dleq?: Dleq & { r?: string } }, A: CurvePoint): boolean {
  if (!proof.dleq?.r || !/^[0-9a-f]{64}$/.test(proof.dleq.r)) return false;
  try {
    const r = BigInt(`0x${proof.dleq.r}`);
    const B_ = secretPoint(proof.secret).add(Point.BASE.multiply(r));
    const C_ = pointFromHex(proof.C).add(A.multiply(r));
    return verifyDleq(proof.dleq, A, B_, C_);
  } catch {
    return false;
  }
}

/**
 * NUT-02 keyset id, version 00: "00" ‖ the first 7 bytes of sha256 over the compressed public
 * keys ordered by amount, in hex.
 */
export function keysetIdV0(keys: Record<string, string>): string {
  const amounts = Object.keys(keys).map((a) => BigInt(a)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const joined = concatBytes(...amounts.map((a) => hexToBytes(keys[a.toString()])));
  return `00${bytesToHex(sha256(joined)).slice(0, 14)}`;
}

/** Splits an amount into powers of two (ascending), the denominations keysets sign. */
export function splitAmount(amount: number): number[] {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new Error(`amount must be a whole number ≥ 0, got ${amount}`);
  const out: number[] = [];
  for (let bit = 0; amount > 0; bit++) {
    const v = 2 ** bit;
    if (amount % (v * 2) !== 0) {
      out.push(v);
      amount -= v;
    }
  }
  return out;
}

export { bytesToHex, hexToBytes };
