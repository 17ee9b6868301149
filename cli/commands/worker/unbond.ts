/** `peer worker unbond <amount>`: start the unbond cooldown for part of the bond. */
import { formatAmount } from '../../../sdk/src/amounts';
import { unbondWorker } from '../../../sdk/src/flows/worker';
import { checkAmountSyntax, marketPeerDecimals, parsePeer, txOutput, type CommandContext, type TxOutput } from '../../common';

export interface WorkerUnbondArgs {
  amount: string;
}

export interface WorkerUnbondOutput {
  worker: string;
  amount: string;
  amountBaseUnits: string;
  tx: TxOutput;
}

export async function workerUnbondCommand(ctx: CommandContext, args: WorkerUnbondArgs): Promise<WorkerUnbondOutput> {
  checkAmountSyntax(args.amount, 'amount');
  const decimals = await marketPeerDecimals(ctx);
  const amount = parsePeer(args.amount, decimals);
  const r = await unbondWorker(ctx.peer, { amount });
  return { worker: r.worker.toBase58(), amount: formatAmount(amount, decimals), amountBaseUnits: amount.toString(), tx: txOutput(r.tx) };
}
