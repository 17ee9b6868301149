/**
 * Cluster settings every service reads the same way: Solana CLI monikers (`-u localnet|devnet|…`
 * and their one-letter forms) or an http(s) RPC URL, the WebSocket URL web3.js derives from
 * it, and `~/` in keypair paths.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { monikerUrl, websocketUrlOf } from '../sdk/src/cluster';
import { ConfigError } from './config';

/** A moniker or an http(s) URL → the RPC URL; anything else is a ConfigError naming `key`. */
export function resolveClusterUrl(key: string, value: string): string {
  const moniker = monikerUrl(value);
  if (moniker) return moniker;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${key} must be localnet, devnet, testnet, mainnet-beta or an http(s) URL, got ${JSON.stringify(value.slice(0, 60))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${key} must be an http(s) URL, got ${url.protocol}`);
  return value;
}

/** web3.js' rule: the WebSocket is the RPC URL with ws(s) and the next port. */
export const defaultWsUrl = websocketUrlOf;

/** `~/x` → the home directory's x; other paths resolved against the working directory. */
export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : resolve(path);
}
