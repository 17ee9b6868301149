/**
 * `node:crypto` for the browser bundle: the two functions the SDK and the worker use
 * (randomBytes from the Web Crypto API, sha256 from @noble/hashes). Anything else throws.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export function randomBytes(n: number): Buffer {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return Buffer.from(out);
}

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') throw new Error(`createHash(${algorithm}) is not available in the browser bundle`);
  const parts: Uint8Array[] = [];
  const hash = {
    update(data: Uint8Array | string, _encoding?: string) {
      parts.push(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      return hash;
    },
    digest(encoding?: 'hex') {
      const digest = Buffer.from(sha256(Buffer.concat(parts)));
      return (encoding === 'hex' ? digest.toString('hex') : digest) as never;
    },
  };
  return hash;
}

export default { randomBytes, createHash };
