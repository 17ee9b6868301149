/**
 * The mint's signing keys. One secret seed (32 bytes, a file only the mint reads) derives every
 * keyset: keyset n holds one key per power-of-two denomination, k = H(seed, n, exponent) mod N.
 * Rotation adds keyset n+1 and marks the old ones inactive: inactive keysets still verify the
 * proofs they signed (so old tokens stay redeemable) but sign nothing new.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { CURVE_ORDER, Point, keysetIdV0, pointToHex, scalarToBytes, type CurvePoint } from '../sdk/src/privacy/bdhke';

/** Denominations 2^0 … 2^(DENOMINATIONS-1) credits; the largest single proof is 2^31 credits. */
export const DENOMINATIONS = 32;
export const UNIT = 'credit';

export interface KeysetKeys {
  id: string;
  index: number;
  unit: string;
  /** amount → secret scalar */
  secret: Map<number, bigint>;
  /** amount → public point */
  points: Map<number, CurvePoint>;
  /** amount (decimal string) → compressed public key hex, as NUT-01 publishes them */
  published: Record<string, string>;
}

export function deriveKeyset(seed: Uint8Array, index: number, unit = UNIT): KeysetKeys {
  if (seed.length !== 32) throw new Error('mint seed must be 32 bytes');
  const secret = new Map<number, bigint>();
  const points = new Map<number, CurvePoint>();
  const published: Record<string, string> = {};
  for (let e = 0; e < DENOMINATIONS; e++) {
    const amount = 2 ** e;
    const idx = new Uint8Array(5);
    new DataView(idx.buffer).setUint32(0, index);
    idx[4] = e;
    let k = 0n;
    for (let ctr = 0; k === 0n; ctr++) {
      const h = sha256(concatBytes(utf8ToBytes(`peer-cycles mint key ${unit}`), seed, idx, new Uint8Array([ctr])));
      k = BigInt(`0x${Buffer.from(h).toString('hex')}`) % CURVE_ORDER;
    }
    const P = Point.BASE.multiply(k);
    secret.set(amount, k);
    points.set(amount, P);
    published[String(amount)] = pointToHex(P);
  }
  return { id: keysetIdV0(published), index, unit, secret, points, published };
}

export { scalarToBytes };
