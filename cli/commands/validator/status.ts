/** `peer validator status [authority]`: bond, locked bond, challenges and cooldown. */
import { formatAmount } from '../../../sdk/src/amounts';
import { validatorStatus } from '../../../sdk/src/flows/validator';
import { marketPeerDecimals, parseAddress, type CommandContext } from '../../common';

export interface ValidatorStatusArgs {
  authority?: string;
}

export interface ValidatorStatusOutput {
  authority: string;
  validator: string;
  exists: boolean;
  bond: string;
  locked: string;
  openChallenges: number;
  challengesWon: string;
  challengesLost: string;
  votesRevealed: string;
  /** Seconds until a deregistered validator can close; null while active. */
  closableInSecs: string | null;
}

export async function validatorStatusCommand(ctx: CommandContext, args: ValidatorStatusArgs = {}): Promise<ValidatorStatusOutput> {
  const authority = args.authority ? parseAddress(args.authority, 'authority') : undefined;
  const s = await validatorStatus(ctx.peer, authority);
  const d = s.exists ? await marketPeerDecimals(ctx) : 9;
  const v = s.data;
  return {
    authority: s.authority.toBase58(),
    validator: s.validator.toBase58(),
    exists: s.exists,
    bond: formatAmount(v?.bond ?? 0n, d),
    locked: formatAmount(v?.locked ?? 0n, d),
    openChallenges: v?.openChallenges ?? 0,
    challengesWon: (v?.challengesWon ?? 0n).toString(),
    challengesLost: (v?.challengesLost ?? 0n).toString(),
    votesRevealed: (v?.votesRevealed ?? 0n).toString(),
    closableInSecs: s.closableIn === null ? null : s.closableIn.toString(),
  };
}
