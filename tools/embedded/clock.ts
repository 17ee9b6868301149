/** Clock warps (never sleeps): move bankrun's clock forward by seconds and slots. */
import { Clock, type ProgramTestContext } from 'solana-bankrun';

/** Roughly 400 ms per slot, as on mainnet. */
const SLOTS_PER_SECOND = 2.5;

export async function warpSeconds(context: ProgramTestContext, seconds: number): Promise<void> {
  const now = await context.banksClient.getClock();
  const slots = BigInt(Math.max(1, Math.ceil(seconds * SLOTS_PER_SECOND)));
  context.setClock(
    new Clock(now.slot + slots, now.epochStartTimestamp, now.epoch, now.leaderScheduleEpoch, now.unixTimestamp + BigInt(seconds)),
  );
}

export async function unixNow(context: ProgramTestContext): Promise<bigint> {
  return (await context.banksClient.getClock()).unixTimestamp;
}
