/** `peer validator register <amount>`: become a validator, bonding $PEER. */
import { formatAmount } from '../../../sdk/src/amounts';
import { registerValidator } from '../../../sdk/src/flows/validator';
import { checkAmountSyntax, marketPeerDecimals, parseAddress, parsePeer, txOutput, type CommandContext, type TxOutput } from '../../common';

export interface ValidatorRegisterArgs {
  amount: string;
  source?: string;
}

export interface ValidatorRegisterOutput {
  validator: string;
  vault: string;
  bond: string;
  bondBaseUnits: string;
  tx: TxOutput;
}

export async function validatorRegisterCommand(ctx: CommandContext, args: ValidatorRegisterArgs): Promise<ValidatorRegisterOutput> {
  checkAmountSyntax(args.amount, 'amount');
  const source = args.source ? parseAddress(args.source, '--source') : undefined;
  const d = await marketPeerDecimals(ctx);
  const amount = parsePeer(args.amount, d);
  const r = await registerValidator(ctx.peer, { amount, source });
  return { validator: r.validator.toBase58(), vault: r.vault.toBase58(), bond: formatAmount(amount, d), bondBaseUnits: amount.toString(), tx: txOutput(r.tx) };
}
