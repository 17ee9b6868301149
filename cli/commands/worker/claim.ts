/** `peer worker claim`: claim the worker's USDC earnings. */
import { claimEarnings } from '../../../sdk/src/flows/worker';
import { parseAddress, txOutput, type CommandContext, type TxOutput } from '../../common';

export interface WorkerClaimArgs {
  destination?: string;
}

export interface WorkerClaimOutput {
  worker: string;
  destination: string;
  tx: TxOutput;
}

export async function workerClaimCommand(ctx: CommandContext, args: WorkerClaimArgs = {}): Promise<WorkerClaimOutput> {
  const destination = args.destination ? parseAddress(args.destination, '--destination') : undefined;
  const r = await claimEarnings(ctx.peer, { destination });
  return { worker: r.worker.toBase58(), destination: r.destination.toBase58(), tx: txOutput(r.tx) };
}
