/** `peer admin config update --<param> <value>...`: change market (and `--pool-*` staking) parameters. */
import type { ConfigParams } from '../../../sdk/src/accounts/market';
import type { PublicKey } from '@solana/web3.js';
import { fetchPool, type PoolParams } from '../../../sdk/src/accounts/staking';
import { findStakingPoolPda } from '../../../sdk/src/pda';
import { marketInfo } from '../../../sdk/src/context';
import { updateConfig, updateStakingConfig } from '../../../sdk/src/flows/admin';
import { ValidationError } from '../../../sdk/src/errors';
import { parseAddress, txOutput, type CommandContext, type TxOutput } from '../../common';
import { formatParam, MARKET_PARAM_FIELDS, parseChanges, POOL_PARAM_FIELDS } from './params';

export interface ConfigUpdateArgs {
  /** Market parameters by camelCase name, pool parameters as pool<Name>. */
  params: Record<string, string | undefined>;
  /** New pool treasury (USDC token account). */
  poolTreasury?: string;
}

export interface ConfigUpdateOutput {
  /** name → { from, to } for every parameter that changed. */
  changed: Record<string, { from: string; to: string }>;
  marketTx: TxOutput | null;
  poolTx: TxOutput | null;
}

export async function adminConfigUpdateCommand(ctx: CommandContext, args: ConfigUpdateArgs): Promise<ConfigUpdateOutput> {
  const poolValues = Object.fromEntries(POOL_PARAM_FIELDS.map((f) => [f.name, args.params[`pool${f.name[0].toUpperCase()}${f.name.slice(1)}`]]));
  const marketValues = Object.fromEntries(MARKET_PARAM_FIELDS.map((f) => [f.name, args.params[f.name]]));
  const wantsMarket = Object.values(marketValues).some((v) => v !== undefined);
  const wantsPool = Object.values(poolValues).some((v) => v !== undefined) || args.poolTreasury !== undefined;
  if (!wantsMarket && !wantsPool) throw new ValidationError('nothing to update: pass at least one parameter flag (see --help)');
  const poolTreasury = args.poolTreasury ? parseAddress(args.poolTreasury, '--pool-treasury') : undefined;
  const d = (await marketInfo(ctx.peer)).peerDecimals;
  const marketChanges = parseChanges(MARKET_PARAM_FIELDS, marketValues, d);
  const poolChanges = parseChanges(POOL_PARAM_FIELDS, poolValues, d);
  const changed: ConfigUpdateOutput['changed'] = {};
  let marketTx: TxOutput | null = null;
  let poolTx: TxOutput | null = null;
  if (wantsMarket) {
    const r = await updateConfig(ctx.peer, marketChanges as Partial<ConfigParams>);
    for (const f of MARKET_PARAM_FIELDS) {
      const from = formatParam(f, (r.previous as Record<string, unknown>)[f.name], d);
      const to = formatParam(f, (r.params as Record<string, unknown>)[f.name], d);
      if (from !== to) changed[f.name] = { from, to };
    }
    marketTx = txOutput(r.tx);
  }
  if (wantsPool) {
    const before = poolTreasury ? (await showPoolTreasury(ctx)) : null;
    const r = await updateStakingConfig(ctx.peer, { params: poolChanges as Partial<PoolParams>, treasury: poolTreasury });
    if (before && !before.equals(r.treasury)) changed.poolTreasury = { from: before.toBase58(), to: r.treasury.toBase58() };
    for (const f of POOL_PARAM_FIELDS) {
      const from = formatParam(f, (r.previous as Record<string, unknown>)[f.name], d);
      const to = formatParam(f, (r.params as Record<string, unknown>)[f.name], d);
      if (from !== to) changed[`pool${f.name[0].toUpperCase()}${f.name.slice(1)}`] = { from, to };
    }
    poolTx = txOutput(r.tx);
  }
  return { changed, marketTx, poolTx };
}

async function showPoolTreasury(ctx: CommandContext): Promise<PublicKey> {
  const pool = await fetchPool(ctx.peer.transport, findStakingPoolPda(ctx.peer.programs.staking)[0], { programId: ctx.peer.programs.staking });
  return pool.data.treasury;
}
