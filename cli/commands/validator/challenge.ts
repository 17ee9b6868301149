/** `peer validator challenge <job>`: dispute a result with the output this validator computed. */
import { outputHash } from '../../../sdk/src/crypto/envelope';
import { ValidationError } from '../../../sdk/src/errors';
import { challengeJob } from '../../../sdk/src/flows/validator';
import { hex, parseAddress, parseHash, readInputFile, txOutput, type CommandContext, type TxOutput } from '../../common';

export interface ValidatorChallengeArgs {
  job: string;
  /** sha256 of the re-executed output, 64 hex digits; or: */
  outputHash?: string;
  /** the re-executed output itself (hashed here). */
  outputFile?: string;
}

export interface ValidatorChallengeOutput {
  validator: string;
  challenge: string;
  job: string;
  outputHash: string;
  tx: TxOutput;
}

export function hashArg(ctx: CommandContext, args: { outputHash?: string; outputFile?: string }): Uint8Array {
  if ((args.outputHash === undefined) === (args.outputFile === undefined)) throw new ValidationError('pass exactly one of --output-hash and --output-file');
  return args.outputHash !== undefined ? parseHash(args.outputHash, '--output-hash') : outputHash(new Uint8Array(readInputFile(ctx, args.outputFile!, 'output file')));
}

export async function validatorChallengeCommand(ctx: CommandContext, args: ValidatorChallengeArgs): Promise<ValidatorChallengeOutput> {
  const job = parseAddress(args.job, 'job');
  const hash = hashArg(ctx, args);
  const r = await challengeJob(ctx.peer, { job, outputHash: hash });
  return { validator: r.validator.toBase58(), challenge: r.challenge.toBase58(), job: job.toBase58(), outputHash: hex(hash), tx: txOutput(r.tx) };
}
