/** `peer worker withdraw`: withdraw the unbonded $PEER after the cooldown. */
import { withdrawUnbonded } from '../../../sdk/src/flows/worker';
import { parseAddress, txOutput, type CommandContext, type TxOutput } from '../../common';

export interface WorkerWithdrawArgs {
  destination?: string;
}

export interface WorkerWithdrawOutput {
  worker: string;
  tx: TxOutput;
}

export async function workerWithdrawCommand(ctx: CommandContext, args: WorkerWithdrawArgs = {}): Promise<WorkerWithdrawOutput> {
  const destination = args.destination ? parseAddress(args.destination, '--destination') : undefined;
  const r = await withdrawUnbonded(ctx.peer, { destination });
  return { worker: r.worker.toBase58(), tx: txOutput(r.tx) };
}
