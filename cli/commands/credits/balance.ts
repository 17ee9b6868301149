/** `peer credits balance [owner]`: free and locked credits. */
import { formatCreditsAsUsd } from '../../../sdk/src/amounts';
import { creditBalance } from '../../../sdk/src/flows/client';
import { parseAddress, type CommandContext } from '../../common';

export interface CreditsBalanceArgs {
  owner?: string;
}

export interface CreditsBalanceOutput {
  owner: string;
  creditAccount: string;
  exists: boolean;
  credits: string;
  /** USD value of the free credits. */
  usd: string;
  lockedCredits: string;
  lockedUsd: string;
  jobsPosted: string;
}

export async function creditsBalanceCommand(ctx: CommandContext, args: CreditsBalanceArgs = {}): Promise<CreditsBalanceOutput> {
  const owner = args.owner ? parseAddress(args.owner, 'owner') : undefined;
  const b = await creditBalance(ctx.peer, owner);
  return {
    owner: b.owner.toBase58(),
    creditAccount: b.creditAccount.toBase58(),
    exists: b.exists,
    credits: b.balance.toString(),
    usd: formatCreditsAsUsd(b.balance),
    lockedCredits: b.locked.toString(),
    lockedUsd: formatCreditsAsUsd(b.locked),
    jobsPosted: b.jobsPosted.toString(),
  };
}
