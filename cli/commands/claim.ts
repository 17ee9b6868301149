/** `peer claim`: claim the staking rewards (USDC). */
import { claimRewards } from '../../sdk/src/flows/staker';
import { parseAddress, txOutput, type CommandContext, type TxOutput } from '../common';

export interface ClaimArgs {
  destination?: string;
}

export interface ClaimOutput {
  staker: string;
  destination: string;
  tx: TxOutput;
}

export async function claimCommand(ctx: CommandContext, args: ClaimArgs = {}): Promise<ClaimOutput> {
  const destination = args.destination ? parseAddress(args.destination, '--destination') : undefined;
  const r = await claimRewards(ctx.peer, { destination });
  return { staker: r.staker.toBase58(), destination: r.destination.toBase58(), tx: txOutput(r.tx) };
}
