/**
 * `peer job status <job>`: the job's state; with `--result-file`, the result decrypted and
 * verified against the on-chain commitment (and, for confidential jobs, `--enclave-signature`).
 */
import { formatCreditsAsUsd } from '../../../sdk/src/amounts';
import { followJob, jobState, readResult } from '../../../sdk/src/flows/client';
import { ValidationError } from '../../../sdk/src/errors';
import { hex, parseAddress, readInputFile, type CommandContext } from '../../common';

export interface JobStatusArgs {
  job: string;
  resultFile?: string;
  /** Hex or base64 of the enclave's 64-byte signature (confidential jobs). */
  enclaveSignature?: string;
  /** Wait until the job has a result or has ended. */
  wait?: boolean;
  /** With wait: give up after this many seconds (default 300). */
  timeout?: string;
}

export interface JobStatusOutput {
  job: string;
  /** open | assigned | submitted | disputed | closed (ended: finalized, cancelled or refunded). */
  status: string;
  client: string | null;
  worker: string | null;
  tier: string | null;
  modelId: string | null;
  maxPriceUsd: string | null;
  priceUsd: string | null;
  attempts: number | null;
  postedAt: string | null;
  deadline: string | null;
  challengeDeadline: string | null;
  outputHash: string | null;
  /** With --result-file: the verified output. */
  result: { text: string; outputHash: string; verified: boolean; enclaveVerified: boolean | null } | null;
}

function signatureBytes(text: string): Uint8Array {
  const t = text.trim();
  const bytes = /^[0-9a-f]{128}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (bytes.length !== 64) throw new ValidationError('--enclave-signature must be 64 bytes (hex or base64)');
  return new Uint8Array(bytes);
}

export async function jobStatusCommand(ctx: CommandContext, args: JobStatusArgs): Promise<JobStatusOutput> {
  const job = parseAddress(args.job, 'job');
  const envelope = args.resultFile ? new Uint8Array(readInputFile(ctx, args.resultFile, 'result file')) : null;
  let timeoutMs = 300_000;
  if (args.timeout !== undefined) {
    if (!/^\d+$/.test(args.timeout.trim())) throw new ValidationError(`--timeout must be a whole number of seconds: ${args.timeout}`);
    timeoutMs = Number(args.timeout) * 1000;
  }
  const s = args.wait ? await followJob(ctx.peer, job, { until: ['submitted', 'disputed', 'closed'], timeoutMs, pollMs: 1_000 }) : await jobState(ctx.peer, job);
  const d = s.data;
  const submitted = d && (d.status === 'submitted' || d.status === 'disputed');
  let result: JobStatusOutput['result'] = null;
  if (envelope) {
    if (!submitted) throw new ValidationError(`job ${job.toBase58()} has no result to verify (status ${s.status})`);
    const r = await readResult(ctx.peer, { job, envelope, enclaveSignature: args.enclaveSignature ? signatureBytes(args.enclaveSignature) : undefined });
    result = { text: r.text, outputHash: hex(r.outputHash), verified: r.verified, enclaveVerified: r.enclaveVerified };
  }
  return {
    job: job.toBase58(),
    status: s.status,
    client: d ? d.client.toBase58() : null,
    worker: d && d.status !== 'open' ? d.worker.toBase58() : null,
    tier: d ? d.request.tier : null,
    modelId: d ? hex(d.request.model) : null,
    maxPriceUsd: d ? formatCreditsAsUsd(d.request.maxPrice) : null,
    priceUsd: d && d.status !== 'open' ? formatCreditsAsUsd(d.price) : null,
    attempts: d ? d.attempts : null,
    postedAt: d ? new Date(Number(d.postedAt) * 1000).toISOString() : null,
    deadline: d && d.status === 'assigned' ? new Date(Number(d.deadline) * 1000).toISOString() : null,
    challengeDeadline: submitted ? new Date(Number(d.challengeDeadline) * 1000).toISOString() : null,
    outputHash: submitted ? hex(d.outputHash) : null,
    result,
  };
}
