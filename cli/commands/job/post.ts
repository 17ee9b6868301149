/**
 * `peer job post`: post a job whose prompt is encrypted to the worker (pinned to it). The
 * encrypted prompt is written to `--envelope-out` (or returned base64) for delivery to the
 * worker; the reply key is derived from the keypair, so `peer job status --result-file` can
 * decrypt the result later without anything else stored.
 */
import { formatCreditsAsUsd, parseUsdToCredits } from '../../../sdk/src/amounts';
import { ValidationError } from '../../../sdk/src/errors';
import { postJob } from '../../../sdk/src/flows/client';
import { parseTier } from '../../../sdk/src/flows/settings';
import { hex, parseAddress, readInputFile, txOutput, writeOutputFile, type CommandContext, type TxOutput } from '../../common';

export interface JobPostArgs {
  model: string;
  /** USD (1 credit = $0.01). */
  maxPrice: string;
  prompt?: string;
  promptFile?: string;
  tier?: string;
  worker?: string;
  /** false: any eligible worker may take it (default: pinned to the worker it is encrypted to). */
  pin?: boolean;
  seed?: string;
  envelopeOut?: string;
}

export interface JobPostOutput {
  job: string;
  worker: string;
  nonce: string;
  tier: string;
  modelId: string;
  maxPriceCredits: string;
  maxPriceUsd: string;
  seed: string;
  promptCommitment: string;
  /** Where the encrypted prompt was written, or null when it is inline. */
  envelopeFile: string | null;
  /** The encrypted prompt, base64 (null when written to a file). */
  envelope: string | null;
  tx: TxOutput;
}

export async function jobPostCommand(ctx: CommandContext, args: JobPostArgs): Promise<JobPostOutput> {
  if ((args.prompt === undefined) === (args.promptFile === undefined)) throw new ValidationError('pass exactly one of --prompt and --prompt-file');
  const maxPrice = parseUsdToCredits(args.maxPrice, { label: '--max-price' });
  const tier = parseTier(args.tier ?? 'open');
  const worker = args.worker ? parseAddress(args.worker, '--worker') : undefined;
  let seed: bigint | undefined;
  if (args.seed !== undefined) {
    if (!/^\d+$/.test(args.seed.trim()) || BigInt(args.seed.trim()) >= 1n << 64n) throw new ValidationError(`--seed must be an integer in [0, 2^64): ${args.seed}`);
    seed = BigInt(args.seed.trim());
  }
  const prompt = args.prompt ?? readInputFile(ctx, args.promptFile!, 'prompt file').toString('utf8');
  const r = await postJob(ctx.peer, { prompt, model: args.model, tier, maxPrice, worker, pin: args.pin, seed });
  const envelopeFile = args.envelopeOut && r.tx.mode === 'send' ? writeOutputFile(ctx, args.envelopeOut, r.envelope, 'envelope file') : null;
  return {
    job: r.job.toBase58(),
    worker: r.worker.toBase58(),
    nonce: r.nonce.toString(),
    tier,
    modelId: hex(r.model),
    maxPriceCredits: maxPrice.toString(),
    maxPriceUsd: formatCreditsAsUsd(maxPrice),
    seed: r.seed.toString(),
    promptCommitment: hex(r.promptCommitment),
    envelopeFile,
    envelope: envelopeFile ? null : Buffer.from(r.envelope).toString('base64'),
    tx: txOutput(r.tx),
  };
}
