/** The staking page: the pool's totals, an APR implied by the last 24 h of fees, and one staker's position. */
import { formatAmount, MARKET, type StakerStatus } from '../sdk/src';
import type { ChainSnapshot } from './chain';
import type { DashboardStore } from './store';
import { usdc } from './views';

const DAY = 86_400;

export function stakingView(snap: ChainSnapshot, db: DashboardStore, staker: StakerStatus | null) {
  const decimals = snap.config?.peerDecimals ?? 9;
  const peer = (v: bigint) => ({ raw: v.toString(), text: formatAmount(v, decimals) });
  const pool = snap.pool;
  const since = Number(snap.now) - DAY;
  const fees24h = BigInt((db.prepare('SELECT COALESCE(SUM(staker_amount), 0) AS s FROM finalized WHERE block_time >= ?').get(since) as { s: number }).s);
  // $PEER is valued at the market's own rate: one credit (CREDIT_BASE_UNITS of USDC) = peer_per_credit $PEER.
  const peerPerCredit = snap.config?.params.peerPerCredit ?? 0n;
  const stakedUsdc = pool && peerPerCredit > 0n ? (pool.totalStaked * BigInt(MARKET.CREDIT_BASE_UNITS)) / peerPerCredit : 0n;
  const apr = stakedUsdc > 0n ? (Number(fees24h) * 365) / Number(stakedUsdc) : null;
  return {
    initialized: pool !== null,
    totalStaked: peer(pool?.totalStaked ?? 0n),
    totalCooling: peer(pool?.totalCooling ?? 0n),
    stakers: (pool?.stakers ?? 0n).toString(),
    rewardsDistributed: usdc(pool?.totalRewardsDistributed ?? 0n),
    rewardsClaimed: usdc(pool?.totalRewardsClaimed ?? 0n),
    fees24h: usdc(fees24h),
    stakedValue: usdc(stakedUsdc),
    apr,
    aprBasis: `stakers' fees of the last 24 h × 365 ÷ stake valued at ${formatAmount(peerPerCredit, decimals)} $PEER per credit (${formatAmount(BigInt(MARKET.CREDIT_BASE_UNITS), 6)} USDC)`,
    position: staker
      ? {
          owner: staker.owner.toBase58(),
          exists: staker.exists,
          active: peer(staker.active),
          cooling: peer(staker.cooling),
          withdrawableIn: staker.withdrawableIn === null ? null : Number(staker.withdrawableIn),
          claimable: usdc(staker.claimable),
          claimed: usdc(staker.data?.totalClaimed ?? 0n),
          shareBps: staker.shareBps,
        }
      : null,
  };
}
