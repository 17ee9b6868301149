/** `peer admin config show`: the market config, fee ledger and staking pool. */
import { formatUsdc } from '../../../sdk/src/amounts';
import { showConfig } from '../../../sdk/src/flows/admin';
import { AccountNotFoundError } from '../../../sdk/src/errors';
import { findConfigPda } from '../../../sdk/src/pda';
import type { CommandContext } from '../../common';
import { formatParam, MARKET_PARAM_FIELDS, POOL_PARAM_FIELDS } from './params';

export interface ConfigShowOutput {
  config: string;
  admin: string;
  usdcMint: string;
  peerMint: string;
  peerDecimals: number;
  usdcVault: string;
  treasury: string;
  stakingRewardVault: string;
  params: Record<string, string>;
  fees: { unsweptStakerFees: string; unsweptTreasuryFees: string; totalStakerFees: string; totalTreasuryFees: string; jobsFinalized: string } | null;
  pool: { address: string; admin: string; treasury: string; totalStaked: string; stakers: string; params: Record<string, string> } | null;
}

export async function adminConfigShowCommand(ctx: CommandContext): Promise<ConfigShowOutput> {
  const o = await showConfig(ctx.peer);
  if (!o.config) throw new AccountNotFoundError('market config', findConfigPda(ctx.peer.programs.market)[0], 'is the market initialized on this cluster?');
  const c = o.config.data;
  const d = c.peerDecimals;
  const f = o.feeLedger?.data;
  const p = o.pool;
  return {
    config: o.config.address.toBase58(),
    admin: c.admin.toBase58(),
    usdcMint: c.usdcMint.toBase58(),
    peerMint: c.peerMint.toBase58(),
    peerDecimals: d,
    usdcVault: c.usdcVault.toBase58(),
    treasury: c.treasury.toBase58(),
    stakingRewardVault: c.stakingRewardVault.toBase58(),
    params: Object.fromEntries(MARKET_PARAM_FIELDS.map((x) => [x.name, formatParam(x, (c.params as Record<string, unknown>)[x.name], d)])),
    fees: f
      ? {
          unsweptStakerFees: formatUsdc(f.stakerFees),
          unsweptTreasuryFees: formatUsdc(f.treasuryFees),
          totalStakerFees: formatUsdc(f.totalStakerFees),
          totalTreasuryFees: formatUsdc(f.totalTreasuryFees),
          jobsFinalized: f.jobsFinalized.toString(),
        }
      : null,
    pool: p
      ? {
          address: p.address.toBase58(),
          admin: p.data.admin.toBase58(),
          treasury: p.data.treasury.toBase58(),
          totalStaked: formatParam({ name: 'totalStaked', flag: '', type: 'u64', docs: '', program: 'pool' }, p.data.totalStaked, d),
          stakers: p.data.stakers.toString(),
          params: Object.fromEntries(POOL_PARAM_FIELDS.map((x) => [x.name, formatParam(x, (p.data.params as Record<string, unknown>)[x.name], d)])),
        }
      : null,
  };
}
