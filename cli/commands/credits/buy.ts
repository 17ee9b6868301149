/** `peer credits buy <usd>`: buy credits with USDC ("12.5" = $12.50 = 1250 credits). */
import { formatCreditsAsUsd, formatUsdc, parseUsdToCredits } from '../../../sdk/src/amounts';
import { buyCredits } from '../../../sdk/src/flows/client';
import { parseAddress, txOutput, type CommandContext, type TxOutput } from '../../common';

export interface CreditsBuyArgs {
  /** Dollars, at most 2 decimals (1 credit = $0.01). */
  amount: string;
  source?: string;
}

export interface CreditsTxOutput {
  creditAccount: string;
  credits: string;
  /** USD value of the credits. */
  usd: string;
  /** USDC moved, human units. */
  usdc: string;
  tx: TxOutput;
}

export async function creditsBuyCommand(ctx: CommandContext, args: CreditsBuyArgs): Promise<CreditsTxOutput> {
  const credits = parseUsdToCredits(args.amount);
  const source = args.source ? parseAddress(args.source, '--source') : undefined;
  const r = await buyCredits(ctx.peer, { credits, source });
  return { creditAccount: r.creditAccount.toBase58(), credits: credits.toString(), usd: formatCreditsAsUsd(credits), usdc: formatUsdc(r.usdc), tx: txOutput(r.tx) };
}
