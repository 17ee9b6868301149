/** `peer credits redeem <usd>`: turn unspent credits back into USDC. */
import { formatCreditsAsUsd, formatUsdc, parseUsdToCredits } from '../../../sdk/src/amounts';
import { redeemCredits } from '../../../sdk/src/flows/client';
import { parseAddress, txOutput, type CommandContext } from '../../common';
import type { CreditsTxOutput } from './buy';

export interface CreditsRedeemArgs {
  amount: string;
  destination?: string;
}

export async function creditsRedeemCommand(ctx: CommandContext, args: CreditsRedeemArgs): Promise<CreditsTxOutput> {
  const credits = parseUsdToCredits(args.amount);
  const destination = args.destination ? parseAddress(args.destination, '--destination') : undefined;
  const r = await redeemCredits(ctx.peer, { credits, destination });
  return { creditAccount: r.creditAccount.toBase58(), credits: credits.toString(), usd: formatCreditsAsUsd(credits), usdc: formatUsdc(r.usdc), tx: txOutput(r.tx) };
}
