/**
 * The tab's worker key: generated in the tab and kept in its storage (localStorage, this origin
 * only), exportable and importable as a Solana keypair file (a JSON array of 64 bytes). It is a
 * key for this worker alone: the page never asks for the user's main wallet, and the key never
 * leaves the tab (the bridge sees only signatures).
 */
import { Keypair } from '@solana/web3.js';
import nacl from 'tweetnacl';

export const KEY_STORAGE = 'peer-cycles/tab-worker-key/v1';

export function loadOrCreateKey(storage: Storage): { keypair: Keypair; created: boolean } {
  const saved = storage.getItem(KEY_STORAGE);
  if (saved) {
    try {
      return { keypair: importKey(saved), created: false };
    } catch {
      // A damaged entry is replaced below; the old value stays exportable from devtools if needed.
    }
  }
  const keypair = Keypair.generate();
  storage.setItem(KEY_STORAGE, exportKey(keypair));
  return { keypair, created: true };
}

/** The keypair file text (solana-keygen's format). */
export function exportKey(keypair: Keypair): string {
  return JSON.stringify([...keypair.secretKey]);
}

/** Parses a keypair file; throws one clear error for anything else. */
export function importKey(text: string): Keypair {
  let bytes: unknown;
  try {
    bytes = JSON.parse(text.trim());
  } catch {
    throw new Error('not a keypair file: expected a JSON array of 64 numbers');
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new Error('not a keypair file: expected a JSON array of 64 numbers from 0 to 255');
  }
  const secret = Uint8Array.from(bytes as number[]);
  const derived = nacl.sign.keyPair.fromSeed(secret.subarray(0, 32)).publicKey;
  if (!derived.every((b, i) => b === secret[32 + i])) throw new Error('the keypair file is inconsistent: its public half does not match its secret half');
  return Keypair.fromSecretKey(secret);
}

export function saveKey(storage: Storage, keypair: Keypair): void {
  storage.setItem(KEY_STORAGE, exportKey(keypair));
}
