/**
 * `peer admin init`: initialize the staking pool and the market in one transaction (the
 * programs' upgrade authority only, once). Parameters default to product.md's economics; any
 * of them can be given as flags (the same ones as `admin config update`).
 */
import { fetchMintDecimals } from '../../../sdk/src/accounts/token';
import type { ConfigParams } from '../../../sdk/src/accounts/market';
import type { PoolParams } from '../../../sdk/src/accounts/staking';
import { initializeMarket } from '../../../sdk/src/flows/admin';
import { defaultMarketParams, defaultPoolParams } from '../../../sdk/src/flows/settings';
import { ValidationError } from '../../../sdk/src/errors';
import { parseAddress, txOutput, type CommandContext, type TxOutput } from '../../common';
import { formatParam, MARKET_PARAM_FIELDS, parseChanges, POOL_PARAM_FIELDS } from './params';

export interface AdminInitArgs {
  usdcMint: string;
  peerMint: string;
  treasury?: string;
  /** Default true; false initializes the market alone (then --staking-reward-vault is required). */
  staking?: boolean;
  stakingRewardVault?: string;
  /** Parameter overrides by camelCase name (e.g. { workerFeeBps: '7500', poolMinStake... }). */
  params?: Record<string, string | undefined>;
}

export interface AdminInitOutput {
  config: string;
  pool: string | null;
  treasury: string;
  stakingRewardVault: string;
  params: Record<string, string>;
  poolParams: Record<string, string> | null;
  tx: TxOutput;
}

export async function adminInitCommand(ctx: CommandContext, args: AdminInitArgs): Promise<AdminInitOutput> {
  const usdcMint = parseAddress(args.usdcMint, '--usdc-mint');
  const peerMint = parseAddress(args.peerMint, '--peer-mint');
  const treasury = args.treasury ? parseAddress(args.treasury, '--treasury') : undefined;
  const staking = args.staking ?? true;
  const stakingRewardVault = args.stakingRewardVault ? parseAddress(args.stakingRewardVault, '--staking-reward-vault') : undefined;
  if (!staking && !stakingRewardVault) throw new ValidationError('--no-staking needs --staking-reward-vault');
  if (staking && stakingRewardVault) throw new ValidationError('--staking-reward-vault is the pool\'s reward vault unless --no-staking');
  const decimals = await fetchMintDecimals(ctx.peer.transport, peerMint);
  const marketChanges = parseChanges(MARKET_PARAM_FIELDS, args.params ?? {}, decimals);
  const poolChanges = parseChanges(
    POOL_PARAM_FIELDS,
    Object.fromEntries(POOL_PARAM_FIELDS.map((f) => [f.name, args.params?.[`pool${f.name[0].toUpperCase()}${f.name.slice(1)}`]])),
    decimals,
  );
  const params = { ...defaultMarketParams(decimals), ...marketChanges } as ConfigParams;
  const poolParams = { ...defaultPoolParams(decimals), ...poolChanges } as PoolParams;
  const r = await initializeMarket(ctx.peer, { usdcMint, peerMint, treasury, staking, stakingRewardVault, params, poolParams });
  return {
    config: r.config.toBase58(),
    pool: r.pool ? r.pool.toBase58() : null,
    treasury: r.treasury.toBase58(),
    stakingRewardVault: r.stakingRewardVault.toBase58(),
    params: Object.fromEntries(MARKET_PARAM_FIELDS.map((f) => [f.name, formatParam(f, (r.params as Record<string, unknown>)[f.name], decimals)])),
    poolParams: r.poolParams
      ? Object.fromEntries(POOL_PARAM_FIELDS.map((f) => [f.name, formatParam(f, (r.poolParams as Record<string, unknown>)[f.name], decimals)]))
      : null,
    tx: txOutput(r.tx),
  };
}
