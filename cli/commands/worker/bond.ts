/** `peer worker bond <amount>`: bond $PEER. */
import { formatAmount } from '../../../sdk/src/amounts';
import { bondWorker } from '../../../sdk/src/flows/worker';
import { checkAmountSyntax, marketPeerDecimals, parseAddress, parsePeer, txOutput, type CommandContext, type TxOutput } from '../../common';

export interface WorkerBondArgs {
  amount: string;
  source?: string;
}

export interface WorkerBondOutput {
  worker: string;
  amount: string;
  amountBaseUnits: string;
  tx: TxOutput;
}

export async function workerBondCommand(ctx: CommandContext, args: WorkerBondArgs): Promise<WorkerBondOutput> {
  checkAmountSyntax(args.amount, 'amount');
  const source = args.source ? parseAddress(args.source, '--source') : undefined;
  const decimals = await marketPeerDecimals(ctx);
  const amount = parsePeer(args.amount, decimals);
  const r = await bondWorker(ctx.peer, { amount, source });
  return { worker: r.worker.toBase58(), amount: formatAmount(amount, decimals), amountBaseUnits: amount.toString(), tx: txOutput(r.tx) };
}
