/** `peer withdraw`: withdraw the stake whose cooldown has passed. */
import { withdrawStake } from '../../sdk/src/flows/staker';
import { parseAddress, txOutput, type CommandContext, type TxOutput } from '../common';

export interface WithdrawArgs {
  destination?: string;
}

export interface WithdrawOutput {
  staker: string;
  destination: string;
  tx: TxOutput;
}

export async function withdrawCommand(ctx: CommandContext, args: WithdrawArgs = {}): Promise<WithdrawOutput> {
  const destination = args.destination ? parseAddress(args.destination, '--destination') : undefined;
  const r = await withdrawStake(ctx.peer, { destination });
  return { staker: r.staker.toBase58(), destination: r.destination.toBase58(), tx: txOutput(r.tx) };
}
