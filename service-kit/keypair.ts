/** Reading a service's keypair file: one clear ConfigError naming the key, never the file's content. */
import type { Keypair } from '@solana/web3.js';
import { keypairFromText } from '../sdk/src/wallet';
import { existsSync, readFileSync } from 'node:fs';
import { expandHome } from './cluster';
import { ConfigError } from './config';

/** Reads a Solana CLI keypair file (a JSON array of 64 bytes, or base58). `key` names the setting in errors. */
export function readKeypairFile(path: string, key = 'keypair'): Keypair {
  const full = expandHome(path);
  if (!existsSync(full)) throw new ConfigError(`${key}: keypair file ${full} not found`);
  let text: string;
  try {
    text = readFileSync(full, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    return keypairFromText(text);
  } catch {
    throw new ConfigError(`${key}: ${full} is not a keypair file (expected a JSON array of 64 bytes)`);
  }
}
