/**
 * The tab's worker key: generated in the tab and kept in its storage (localStorage, this origin
 * only), exportable and importable as a Solana keypair file (a JSON array of 64 bytes). It is a
 * key for this worker alone: the page never asks for the user's main wallet, and the key never
 * leaves the tab (the bridge sees only signatures).
 */
import { Keypair } from '@solana/web3.js';
import { keypairFromText } from '../../sdk/src/wallet';

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

/** Parses a keypair file; throws one clear error for anything else (the SDK's parser). */
export function importKey(text: string): Keypair {
  return keypairFromText(text);
}

export function saveKey(storage: Storage, keypair: Keypair): void {
  storage.setItem(KEY_STORAGE, exportKey(keypair));
}
