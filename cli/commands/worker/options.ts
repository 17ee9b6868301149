/** Parsing of the worker settings flags shared by `worker register` and `worker update`. */
import bs58 from 'bs58';
import type { Tier } from '../../../sdk/src/accounts/market';
import { formatCreditsAsUsd, parseUsdToCredits } from '../../../sdk/src/amounts';
import { ValidationError } from '../../../sdk/src/errors';
import { parseTier, type WorkerSettingsInput } from '../../../sdk/src/flows/settings';
import { hex } from '../../common';

export interface WorkerSettingsArgs {
  /** "open,verified" or ["open", "verified"]. */
  tiers?: string | string[];
  /** Model names (hashed with sha256) or 64-hex ids. */
  models?: string[];
  /** "open=0.05" (USD per job; 1 credit = $0.01). */
  prices?: string[];
  capacity?: string;
  endpoint?: string;
  /** x25519 public key, base58 or 64 hex digits (default: derived from the keypair). */
  encryptionKey?: string;
}

function list(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function parseWorkerSettings(args: WorkerSettingsArgs): Partial<WorkerSettingsInput> {
  const out: Partial<WorkerSettingsInput> = {};
  const tiers = list(args.tiers);
  if (tiers) out.tiers = tiers.map(parseTier);
  const models = list(args.models);
  if (models) out.models = models;
  const prices = list(args.prices);
  if (prices) {
    const p: Partial<Record<Tier, bigint>> = {};
    for (const item of prices) {
      const m = /^([a-z]+)=(.+)$/i.exec(item);
      if (!m) throw new ValidationError(`--price must look like tier=usd (e.g. open=0.05): ${item}`);
      p[parseTier(m[1])] = parseUsdToCredits(m[2], { label: `the ${m[1]} price` });
    }
    out.prices = p;
  }
  if (args.capacity !== undefined) {
    if (!/^\d+$/.test(args.capacity.trim())) throw new ValidationError(`--capacity must be a whole number: ${args.capacity}`);
    out.capacity = Number(args.capacity);
  }
  if (args.endpoint !== undefined) out.endpoint = args.endpoint;
  if (args.encryptionKey !== undefined) {
    const t = args.encryptionKey.trim();
    let key: Uint8Array;
    try {
      key = /^[0-9a-f]{64}$/i.test(t) ? new Uint8Array(Buffer.from(t, 'hex')) : bs58.decode(t);
    } catch {
      throw new ValidationError('--encryption-key must be 32 bytes in base58 or hex');
    }
    if (key.length !== 32) throw new ValidationError('--encryption-key must be 32 bytes in base58 or hex');
    out.encryptionKey = key;
  }
  return out;
}

export interface SettingsOutput {
  tiers: Tier[];
  modelIds: string[];
  /** USD per job, by tier. */
  prices: Partial<Record<Tier, string>>;
  capacity: number;
  endpoint: string;
  encryptionKey: string;
}

export function settingsOutput(s: WorkerSettingsInput & { modelIds?: string[] }): SettingsOutput {
  return {
    tiers: s.tiers,
    modelIds: s.modelIds ?? s.models.map((m) => (typeof m === 'string' ? m : hex(m))),
    prices: Object.fromEntries(Object.entries(s.prices).map(([t, v]) => [t, formatCreditsAsUsd(v as bigint)])) as Partial<Record<Tier, string>>,
    capacity: s.capacity,
    endpoint: s.endpoint,
    encryptionKey: bs58.encode(s.encryptionKey),
  };
}
