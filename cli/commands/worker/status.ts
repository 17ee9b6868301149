/** `peer worker status [authority]`: bond, unbonding, earnings, jobs, reputation and settings. */
import { formatAmount, formatUsdc } from '../../../sdk/src/amounts';
import type { Tier } from '../../../sdk/src/accounts/market';
import { describeSettings } from '../../../sdk/src/flows/settings';
import { workerStatus } from '../../../sdk/src/flows/worker';
import { marketPeerDecimals, parseAddress, type CommandContext } from '../../common';
import { settingsOutput, type SettingsOutput } from './options';

export interface WorkerStatusArgs {
  authority?: string;
}

export interface WorkerStatusOutput {
  authority: string;
  worker: string;
  exists: boolean;
  paused: boolean | null;
  /** $PEER, human units. */
  bond: string;
  unbonding: string;
  /** Seconds until the unbonding $PEER can be withdrawn; null when nothing is unbonding. */
  unbondReadyInSecs: string | null;
  /** Tiers whose minimum bond is met. */
  bondedTiers: Tier[];
  /** Unclaimed USDC. */
  earnings: string;
  activeJobs: number;
  reputation: { jobsCompleted: string; jobsExpired: string; challengesLost: string; averageLatencySlots: string | null } | null;
  settings: SettingsOutput | null;
}

export async function workerStatusCommand(ctx: CommandContext, args: WorkerStatusArgs = {}): Promise<WorkerStatusOutput> {
  const authority = args.authority ? parseAddress(args.authority, 'authority') : undefined;
  const s = await workerStatus(ctx.peer, authority);
  const d = s.exists ? await marketPeerDecimals(ctx) : 9;
  const w = s.data;
  return {
    authority: s.authority.toBase58(),
    worker: s.worker.toBase58(),
    exists: s.exists,
    paused: w ? w.paused : null,
    bond: formatAmount(w?.bond ?? 0n, d),
    unbonding: formatAmount(w?.unbonding ?? 0n, d),
    unbondReadyInSecs: s.unbondReadyIn === null ? null : s.unbondReadyIn.toString(),
    bondedTiers: s.bondedTiers,
    earnings: formatUsdc(w?.earnings ?? 0n),
    activeJobs: w?.activeJobs ?? 0,
    reputation: w
      ? {
          jobsCompleted: w.reputation.jobsCompleted.toString(),
          jobsExpired: w.reputation.jobsExpired.toString(),
          challengesLost: w.reputation.challengesLost.toString(),
          averageLatencySlots: w.reputation.latencySamples === 0n ? null : (w.reputation.latencySlotsSum / w.reputation.latencySamples).toString(),
        }
      : null,
    settings: w ? settingsOutput(describeSettings(w.settings)) : null,
  };
}
