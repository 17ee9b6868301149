/**
 * Solana clusters as the Solana CLI names them: the public RPC URLs, the monikers `-u` takes
 * (and their one-letter and common forms), the WebSocket URL web3.js derives, and the genesis
 * hashes that tell which cluster a URL really is. The one table the CLI, the services and the
 * deploy script read.
 */
export type ClusterName = 'mainnet-beta' | 'devnet' | 'testnet' | 'localnet';

export const CLUSTER_URLS: Readonly<Record<ClusterName, string>> = Object.freeze({
  'mainnet-beta': 'https://api.mainnet-beta.solana.com',
  devnet: 'https://api.devnet.solana.com',
  testnet: 'https://api.testnet.solana.com',
  localnet: 'http://127.0.0.1:8899',
});

const ALIASES: Readonly<Record<string, ClusterName>> = Object.freeze({
  m: 'mainnet-beta',
  'mainnet-beta': 'mainnet-beta',
  mainnet: 'mainnet-beta',
  d: 'devnet',
  devnet: 'devnet',
  t: 'testnet',
  testnet: 'testnet',
  l: 'localnet',
  localnet: 'localnet',
  localhost: 'localnet',
});

/** The cluster a moniker names ("devnet", "d", "localhost", …; any case), or null. */
export function clusterOfMoniker(moniker: string): ClusterName | null {
  return ALIASES[moniker.trim().toLowerCase()] ?? null;
}

/** The RPC URL of a moniker, or null when `moniker` is not one. */
export function monikerUrl(moniker: string): string | null {
  const name = clusterOfMoniker(moniker);
  return name ? CLUSTER_URLS[name] : null;
}

/** web3.js' (and the Solana CLI's) rule: the WebSocket is the RPC URL with ws(s) and the next port. */
export function websocketUrlOf(rpcUrl: string): string {
  const url = new URL(rpcUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (url.port) url.port = String(Number(url.port) + 1);
  return url.toString().replace(/\/$/, '');
}

/** Genesis hash → the public cluster it belongs to (anything else is a local network). */
export const GENESIS_HASHES: Readonly<Record<string, ClusterName>> = Object.freeze({
  '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d': 'mainnet-beta',
  EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG: 'devnet',
  '4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY': 'testnet',
});
