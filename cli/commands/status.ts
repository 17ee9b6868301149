/** `peer status [owner]`: a staker's stake, cooldown and claimable rewards. */
import { formatAmount, formatUsdc } from '../../sdk/src/amounts';
import { stakerStatus } from '../../sdk/src/flows/staker';
import { parseAddress, poolPeerDecimals, type CommandContext } from '../common';

export interface StatusArgs {
  owner?: string;
}

export interface StatusOutput {
  owner: string;
  staker: string;
  exists: boolean;
  /** $PEER, human units. */
  active: string;
  cooling: string;
  /** Seconds until the cooling stake can be withdrawn; null when nothing is cooling. */
  withdrawableInSecs: string | null;
  /** USDC claimable now, human units. */
  claimable: string;
  totalClaimed: string;
  shareBps: number;
  pool: { totalStaked: string; totalCooling: string; stakers: string; unstakeCooldownSecs: number; minStake: string };
}

export async function statusCommand(ctx: CommandContext, args: StatusArgs = {}): Promise<StatusOutput> {
  const owner = args.owner ? parseAddress(args.owner, 'owner') : undefined;
  const s = await stakerStatus(ctx.peer, owner);
  const d = await poolPeerDecimals(ctx);
  return {
    owner: s.owner.toBase58(),
    staker: s.staker.toBase58(),
    exists: s.exists,
    active: formatAmount(s.active, d),
    cooling: formatAmount(s.cooling, d),
    withdrawableInSecs: s.withdrawableIn === null ? null : s.withdrawableIn.toString(),
    claimable: formatUsdc(s.claimable),
    totalClaimed: formatUsdc(s.data?.totalClaimed ?? 0n),
    shareBps: s.shareBps,
    pool: {
      totalStaked: formatAmount(s.pool.totalStaked, d),
      totalCooling: formatAmount(s.pool.totalCooling, d),
      stakers: s.pool.stakers.toString(),
      unstakeCooldownSecs: s.pool.params.unstakeCooldownSecs,
      minStake: formatAmount(s.pool.params.minStake, d),
    },
  };
}
