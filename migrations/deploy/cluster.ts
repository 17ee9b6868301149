/** Solana CLI conventions: `-u` monikers, keypair files, and which cluster a URL really is. */
import { Keypair, type Connection } from '@solana/web3.js';
import { CLUSTER_URLS, GENESIS_HASHES, monikerUrl, type ClusterName } from '../../sdk/src/cluster';
import { keypairFromText } from '../../sdk/src/wallet';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';

export type ClusterKind = ClusterName;

export function resolveUrl(urlOrMoniker: string): string {
  const url = monikerUrl(urlOrMoniker) ?? urlOrMoniker;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${urlOrMoniker}" is neither a cluster moniker (${Object.keys(CLUSTER_URLS).join(', ')}) nor a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${url}: the RPC URL must be http(s)`);
  return url;
}

/** Identifies the cluster by its genesis hash; anything unknown is a local network. */
export async function clusterKind(connection: Connection): Promise<ClusterKind> {
  const hash = await connection.getGenesisHash();
  return GENESIS_HASHES[hash] ?? 'localnet';
}

export const DEFAULT_KEYPAIR = resolve(homedir(), '.config/solana/id.json');

export function expandHome(path: string): string {
  return path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : resolve(path);
}

export function readKeypair(path: string): Keypair {
  const full = expandHome(path);
  if (!existsSync(full)) throw new Error(`keypair file ${full} does not exist (create one with \`solana-keygen new -o ${full}\`, or pass -k/--keypair)`);
  try {
    return keypairFromText(readFileSync(full, 'utf8'));
  } catch {
    throw new Error(`${full} is not a keypair file (expected a JSON array of 64 numbers)`);
  }
}

/** Writes a keypair file the way solana-keygen does (JSON array, owner-only permissions). */
export function writeKeypair(path: string, keypair: Keypair): void {
  const full = expandHome(path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, JSON.stringify(Array.from(keypair.secretKey)) + '\n', { mode: 0o600 });
}
