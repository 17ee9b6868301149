/**
 * Solana CLI habits: the cluster from `-u/--url` (a moniker, its one-letter form, or a URL),
 * else `json_rpc_url` of the Solana CLI config (`~/.config/solana/cli/config.yml`, or `-C`),
 * else localnet; the keypair from `-k/--keypair`, else the config's `keypair_path`, else
 * `~/.config/solana/id.json`; the commitment from `--commitment`, else the config's, else
 * "confirmed".
 */
import type { Commitment, Keypair } from '@solana/web3.js';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CLUSTER_URLS, monikerUrl } from '../sdk/src/cluster';
import { ValidationError } from '../sdk/src/errors';
import { keypairFromText } from '../sdk/src/wallet';

/** The public clusters' RPC URLs (the SDK's table). */
export const CLUSTERS = CLUSTER_URLS;
const COMMITMENTS = ['processed', 'confirmed', 'finalized'];

/** A moniker ("devnet", "d", "localhost"...) or an http(s) URL → the RPC URL. */
export function resolveUrl(input: string): string {
  const moniker = monikerUrl(input);
  if (moniker) return moniker;
  if (/^https?:\/\/[^\s]+$/i.test(input.trim())) return input.trim();
  throw new ValidationError(`unknown cluster "${input}": use mainnet-beta, devnet, testnet, localnet (m, d, t, l) or an http(s) URL`);
}

export function parseCommitment(input: string): Commitment {
  const c = input.trim().toLowerCase();
  if (!COMMITMENTS.includes(c)) throw new ValidationError(`unknown commitment "${input}": use processed, confirmed or finalized`);
  return c as Commitment;
}

export interface SolanaCliConfig {
  json_rpc_url?: string;
  keypair_path?: string;
  commitment?: string;
}

export function defaultConfigPath(home: string): string {
  return join(home, '.config', 'solana', 'cli', 'config.yml');
}

/** The Solana CLI config at `path` ({} when the default file does not exist; an error for an explicit one). */
export function readSolanaConfig(path: string, explicit: boolean): SolanaCliConfig {
  if (!existsSync(path)) {
    if (explicit) throw new ValidationError(`config file not found: ${path}`);
    return {};
  }
  try {
    const parsed = parseYaml(readFileSync(path, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as SolanaCliConfig) : {};
  } catch (err) {
    throw new ValidationError(`cannot read config file ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** Loads a keypair file (the Solana CLI's JSON array of 64 bytes, or a base58 secret key). */
export function loadKeypair(path: string): Keypair {
  if (!existsSync(path)) throw new ValidationError(`keypair file not found: ${path} (pass -k <path>, or create one with solana-keygen new)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ValidationError(`cannot read keypair file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return keypairFromText(text);
  } catch {
    throw new ValidationError(`invalid keypair file ${path}: expected a JSON array of 64 bytes`);
  }
}

export interface GlobalOptions {
  url?: string;
  keypair?: string;
  config?: string;
  commitment?: string;
  output?: string;
  simulate?: boolean;
  printOnly?: boolean;
  priorityFee?: string;
  /** The Solana CLI's name for --priority-fee. */
  withComputeUnitPrice?: string;
  priorityFeeCap?: string;
  signOnly?: boolean;
  dumpTransactionMessage?: boolean;
  feePayer?: string;
  verbose?: boolean;
}

export interface ResolvedConfig {
  url: string;
  keypairPath: string;
  commitment: Commitment;
  output: 'json' | 'json-compact' | 'text';
  mode: 'send' | 'simulate' | 'print' | 'sign';
  priorityFee?: { microLamports: number; maxLamports?: number };
  /** --fee-payer: a keypair file that pays the fees instead of the signer. */
  feePayerPath?: string;
  /** Whether -k was given on the command line (then a bad keypair file is an error even for reads). */
  keypairExplicit: boolean;
  dumpTransactionMessage: boolean;
  verbose: boolean;
}

function nonNegativeInt(text: string, label: string): number {
  if (!/^\d+$/.test(text.trim())) throw new ValidationError(`${label} must be a non-negative integer: ${text}`);
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n)) throw new ValidationError(`${label} is too large: ${text}`);
  return n;
}

/** Global options + the Solana CLI config → what a command runs with. */
export function resolveConfig(opts: GlobalOptions, env: { home: string; cwd: string }): ResolvedConfig {
  const configPath = opts.config ? resolve(env.cwd, expandHome(opts.config, env.home)) : defaultConfigPath(env.home);
  const file = readSolanaConfig(configPath, opts.config !== undefined);
  const url = resolveUrl(opts.url ?? file.json_rpc_url ?? 'localnet');
  const keypairPath = resolve(env.cwd, expandHome(opts.keypair ?? file.keypair_path ?? '~/.config/solana/id.json', env.home));
  const commitment = parseCommitment(opts.commitment ?? file.commitment ?? 'confirmed');
  const output = (opts.output ?? 'text').toLowerCase();
  if (output !== 'json' && output !== 'json-compact' && output !== 'text') throw new ValidationError(`unknown output format "${opts.output}": use text, json or json-compact`);
  const modes = [opts.simulate && '--simulate', opts.printOnly && '--print-only', opts.signOnly && '--sign-only'].filter(Boolean);
  if (modes.length > 1) throw new ValidationError(`${modes.join(' and ')} cannot be combined`);
  const mode = opts.simulate ? 'simulate' : opts.printOnly ? 'print' : opts.signOnly ? 'sign' : 'send';
  if (opts.dumpTransactionMessage && mode !== 'print' && mode !== 'sign') throw new ValidationError('--dump-transaction-message needs --print-only or --sign-only');
  if (opts.priorityFee !== undefined && opts.withComputeUnitPrice !== undefined && opts.priorityFee.trim() !== opts.withComputeUnitPrice.trim()) {
    throw new ValidationError('--priority-fee and --with-compute-unit-price are the same setting: give one');
  }
  const price = opts.priorityFee ?? opts.withComputeUnitPrice;
  const priceFlag = opts.priorityFee !== undefined ? '--priority-fee' : '--with-compute-unit-price';
  let priorityFee: ResolvedConfig['priorityFee'];
  if (price !== undefined) {
    priorityFee = { microLamports: nonNegativeInt(price, priceFlag) };
    if (opts.priorityFeeCap !== undefined) priorityFee.maxLamports = nonNegativeInt(opts.priorityFeeCap, '--priority-fee-cap');
  } else if (opts.priorityFeeCap !== undefined) {
    throw new ValidationError('--priority-fee-cap needs --priority-fee');
  }
  const feePayerPath = opts.feePayer === undefined ? undefined : resolve(env.cwd, expandHome(opts.feePayer, env.home));
  return {
    url,
    keypairPath,
    commitment,
    output,
    mode,
    priorityFee,
    feePayerPath,
    keypairExplicit: opts.keypair !== undefined,
    dumpTransactionMessage: opts.dumpTransactionMessage === true,
    verbose: opts.verbose === true,
  };
}
