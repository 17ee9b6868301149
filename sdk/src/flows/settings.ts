/** Worker settings and market parameters from friendly inputs, and back. */
import { PublicKey } from '@solana/web3.js';
import type { ConfigParams, Tier, WorkerSettings } from '../accounts/market';
import type { PoolParams } from '../accounts/staking';
import { MARKET } from '../constants';
import { modelId, toHex } from '../crypto/envelope';
import { ValidationError } from '../errors';

export const TIERS: readonly Tier[] = ['open', 'verified', 'confidential'];

export function tierIndex(tier: Tier): number {
  const i = TIERS.indexOf(tier);
  if (i < 0) throw new ValidationError(`unknown tier ${String(tier)} (open, verified, confidential)`);
  return i;
}

export function tierBit(tier: Tier): number {
  return 1 << tierIndex(tier);
}

export function parseTier(text: string): Tier {
  const t = text.trim().toLowerCase();
  if (!(TIERS as readonly string[]).includes(t)) throw new ValidationError(`unknown tier "${text}" (open, verified, confidential)`);
  return t as Tier;
}

export function tiersOfMask(mask: number): Tier[] {
  return TIERS.filter((t) => (mask & tierBit(t)) !== 0);
}

export interface WorkerSettingsInput {
  tiers: Tier[];
  /** Model names (hashed with sha256) or 32-byte ids. */
  models: (string | Uint8Array)[];
  /** Price in credits per job for each served tier. */
  prices: Partial<Record<Tier, bigint>>;
  capacity: number;
  endpoint: string;
  /** The worker's x25519 public key (32 bytes). */
  encryptionKey: Uint8Array;
}

/** WorkerSettings as the program stores them (checked here with the program's own rules). */
export function workerSettings(input: WorkerSettingsInput): WorkerSettings {
  const tiers = [...new Set(input.tiers)];
  if (tiers.length === 0) throw new ValidationError('a worker must serve at least one tier');
  const models = input.models.map((m) => (typeof m === 'string' ? modelId(m) : m));
  if (models.length === 0 || models.length > MARKET.MAX_MODELS) throw new ValidationError(`a worker serves 1 to ${MARKET.MAX_MODELS} models`);
  if (models.some((m) => m.length !== 32)) throw new ValidationError('model ids are 32 bytes');
  if (new Set(models.map(toHex)).size !== models.length) throw new ValidationError('models must be distinct');
  if (!Number.isInteger(input.capacity) || input.capacity < 1 || input.capacity > MARKET.MAX_CAPACITY) {
    throw new ValidationError(`capacity must be within 1..${MARKET.MAX_CAPACITY}`);
  }
  const endpoint = Buffer.from(input.endpoint, 'utf8');
  if (endpoint.length < 1 || endpoint.length > MARKET.MAX_ENDPOINT_LEN) {
    throw new ValidationError(`the endpoint must be 1 to ${MARKET.MAX_ENDPOINT_LEN} bytes`);
  }
  if (input.encryptionKey.length !== 32) throw new ValidationError('the encryption key is 32 bytes');
  const prices = TIERS.map((t) => {
    if (!tiers.includes(t)) return 0n;
    const p = input.prices[t];
    if (p === undefined || p <= 0n) throw new ValidationError(`a price for the ${t} tier is required`);
    return p;
  });
  const modelSlots = Array.from({ length: MARKET.MAX_MODELS }, (_, i) => (i < models.length ? Uint8Array.from(models[i]) : new Uint8Array(32)));
  const endpointBytes = new Uint8Array(MARKET.MAX_ENDPOINT_LEN);
  endpointBytes.set(endpoint);
  return {
    tiers: tiers.reduce((mask, t) => mask | tierBit(t), 0),
    capacity: input.capacity,
    modelCount: models.length,
    models: modelSlots,
    prices,
    encryptionKey: Uint8Array.from(input.encryptionKey),
    endpointLen: endpoint.length,
    endpoint: endpointBytes,
  };
}

/** The friendly view of stored settings. */
export function describeSettings(s: WorkerSettings): WorkerSettingsInput & { modelIds: string[] } {
  const tiers = tiersOfMask(s.tiers);
  const models = s.models.slice(0, s.modelCount);
  return {
    tiers,
    models,
    modelIds: models.map(toHex),
    prices: Object.fromEntries(tiers.map((t) => [t, s.prices[tierIndex(t)]])) as Partial<Record<Tier, bigint>>,
    capacity: s.capacity,
    endpoint: Buffer.from(s.endpoint.subarray(0, s.endpointLen)).toString('utf8'),
    encryptionKey: s.encryptionKey,
  };
}

/** product.md's economics (their one home: deployment, the CLI and the test fixtures read them here), for $PEER with 9 decimals. */
export function defaultMarketParams(peerDecimals = 9): ConfigParams {
  const unit = 10n ** BigInt(peerDecimals);
  return {
    workerFeeBps: 7_000,
    stakerShareBps: 8_000,
    minBond: [100n * unit, 1_000n * unit, 5_000n * unit],
    validatorMinBond: 1_000n * unit,
    challengeBond: 100n * unit,
    unbondCooldownSecs: 7 * 86_400,
    claimDelaySecs: 30,
    jobTimeoutSecs: 300,
    challengeWindowSecs: 3_600,
    commitWindowSecs: 1_800,
    revealWindowSecs: 1_800,
    slashBps: 1_000,
    challengerRewardBps: 5_000,
    timeoutSlashBps: 0,
    voteQuorum: 3,
    maxJobAttempts: 3,
    paused: false,
    attestationAuthority: PublicKey.default,
    // docs/economics.md: a job's value in $PEER at a reference $0.10 per $PEER (1 credit = $0.01).
    peerPerCredit: unit / 10n,
    quorumStakeBps: 5_000,
    voterSlashBps: 1_000,
    voterRewardBps: 2_500,
    lapseFeeBps: 2_000,
  };
}

/**
 * Default staking parameters: a 7-day unstake cooldown, a minimum stake of 1 $PEER, and rewards
 * streamed over 3 days (docs/economics.md: stake added just before a fee sweep earns only its
 * time-weighted share).
 */
export function defaultPoolParams(peerDecimals = 9): PoolParams {
  return { unstakeCooldownSecs: 7 * 86_400, minStake: 10n ** BigInt(peerDecimals), rewardStreamSecs: 3 * 86_400 };
}
