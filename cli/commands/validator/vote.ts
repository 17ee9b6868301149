/**
 * `peer validator vote <challenge>`: commit a vote for the output hash this validator computed,
 * or, with `--reveal` after the commit phase, reveal it. The salt is derived from the keypair
 * and the challenge, so the reveal needs nothing saved from the commit.
 */
import { commitVote, revealVote } from '../../../sdk/src/flows/validator';
import { hex, parseAddress, txOutput, type CommandContext, type TxOutput } from '../../common';
import { hashArg } from './challenge';

export interface ValidatorVoteArgs {
  challenge: string;
  outputHash?: string;
  outputFile?: string;
  reveal?: boolean;
}

export interface ValidatorVoteOutput {
  validator: string;
  challenge: string;
  vote: string;
  phase: 'commit' | 'reveal';
  outputHash: string;
  /** commit: sha256(output_hash ‖ salt); null for a reveal. */
  commitment: string | null;
  tx: TxOutput;
}

export async function validatorVoteCommand(ctx: CommandContext, args: ValidatorVoteArgs): Promise<ValidatorVoteOutput> {
  const challenge = parseAddress(args.challenge, 'challenge');
  const hash = hashArg(ctx, args);
  if (args.reveal) {
    const r = await revealVote(ctx.peer, { challenge, outputHash: hash });
    return { validator: r.validator.toBase58(), challenge: challenge.toBase58(), vote: r.vote.toBase58(), phase: 'reveal', outputHash: hex(hash), commitment: null, tx: txOutput(r.tx) };
  }
  const r = await commitVote(ctx.peer, { challenge, outputHash: hash });
  return {
    validator: r.validator.toBase58(),
    challenge: challenge.toBase58(),
    vote: r.vote.toBase58(),
    phase: 'commit',
    outputHash: hex(hash),
    commitment: hex(r.commitment),
    tx: txOutput(r.tx),
  };
}
