/** Solana CLI conventions: `-u` monikers, keypair files, and which cluster a URL really is. */
import { Keypair, type Connection } from '@solana/web3.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';

export const MONIKERS: Record<string, string> = {
  localnet: 'http://127.0.0.1:8899',
  l: 'http://127.0.0.1:8899',
  devnet: 'https://api.devnet.solana.com',
  d: 'https://api.devnet.solana.com',
  testnet: 'https://api.testnet.solana.com',
  t: 'https://api.testnet.solana.com',
  'mainnet-beta': 'https://api.mainnet-beta.solana.com',
  m: 'https://api.mainnet-beta.solana.com',
};

export type ClusterKind = 'mainnet-beta' | 'devnet' | 'testnet' | 'localnet';

const GENESIS: Record<string, ClusterKind> = {
  '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d': 'mainnet-beta',
  EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG: 'devnet',
  '4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY': 'testnet',
};

export function resolveUrl(urlOrMoniker: string): string {
  const url = MONIKERS[urlOrMoniker] ?? urlOrMoniker;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${urlOrMoniker}" is neither a cluster moniker (${Object.keys(MONIKERS).filter((m) => m.length > 1).join(', ')}) nor a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${url}: the RPC URL must be http(s)`);
  return url;
}

/** The WebSocket URL the Solana CLI derives: same host, port + 1 for an explicit port. */
export function websocketUrl(rpcUrl: string): string {
  const u = new URL(rpcUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  if (u.port) u.port = String(Number(u.port) + 1);
  return u.toString();
}

/** Identifies the cluster by its genesis hash; anything unknown is a local network. */
export async function clusterKind(connection: Connection): Promise<ClusterKind> {
  const hash = await connection.getGenesisHash();
  return GENESIS[hash] ?? 'localnet';
}

export const DEFAULT_KEYPAIR = resolve(homedir(), '.config/solana/id.json');

export function expandHome(path: string): string {
  return path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : resolve(path);
}

export function readKeypair(path: string): Keypair {
  const full = expandHome(path);
  if (!existsSync(full)) throw new Error(`keypair file ${full} does not exist (create one with \`solana-keygen new -o ${full}\`, or pass -k/--keypair)`);
  let bytes: unknown;
  try {
    bytes = JSON.parse(readFileSync(full, 'utf8'));
  } catch {
    throw new Error(`${full} is not a keypair file (expected a JSON array of 64 numbers)`);
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new Error(`${full} is not a keypair file (expected a JSON array of 64 numbers)`);
  }
  return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
}

/** Writes a keypair file the way solana-keygen does (JSON array, owner-only permissions). */
export function writeKeypair(path: string, keypair: Keypair): void {
  const full = expandHome(path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, JSON.stringify(Array.from(keypair.secretKey)) + '\n', { mode: 0o600 });
}
