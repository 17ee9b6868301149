/** `peer stake <amount>`: stake $PEER (opens the staker account the first time). */
import { formatAmount } from '../../sdk/src/amounts';
import { stake } from '../../sdk/src/flows/staker';
import { checkAmountSyntax, parseAddress, parsePeer, poolPeerDecimals, txOutput, type CommandContext, type TxOutput } from '../common';

export interface StakeArgs {
  amount: string;
  source?: string;
}

export interface StakeOutput {
  staker: string;
  amount: string;
  amountBaseUnits: string;
  openedStaker: boolean;
  tx: TxOutput;
}

export async function stakeCommand(ctx: CommandContext, args: StakeArgs): Promise<StakeOutput> {
  checkAmountSyntax(args.amount, 'amount');
  const source = args.source ? parseAddress(args.source, '--source') : undefined;
  const decimals = await poolPeerDecimals(ctx);
  const amount = parsePeer(args.amount, decimals);
  const r = await stake(ctx.peer, { amount, source });
  return { staker: r.staker.toBase58(), amount: formatAmount(amount, decimals), amountBaseUnits: amount.toString(), openedStaker: r.opened, tx: txOutput(r.tx) };
}
