/** `peer unstake <amount>`: move active stake into the cooldown. */
import { formatAmount } from '../../sdk/src/amounts';
import { unstake } from '../../sdk/src/flows/staker';
import { checkAmountSyntax, parsePeer, poolPeerDecimals, txOutput, type CommandContext, type TxOutput } from '../common';

export interface UnstakeArgs {
  amount: string;
}

export interface UnstakeOutput {
  staker: string;
  amount: string;
  amountBaseUnits: string;
  tx: TxOutput;
}

export async function unstakeCommand(ctx: CommandContext, args: UnstakeArgs): Promise<UnstakeOutput> {
  checkAmountSyntax(args.amount, 'amount');
  const decimals = await poolPeerDecimals(ctx);
  const amount = parsePeer(args.amount, decimals);
  const r = await unstake(ctx.peer, { amount });
  return { staker: r.staker.toBase58(), amount: formatAmount(amount, decimals), amountBaseUnits: amount.toString(), tx: txOutput(r.tx) };
}
