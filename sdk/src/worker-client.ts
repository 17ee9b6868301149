/**
 * The client side of a worker's endpoint (wire format: worker-protocol.ts): seal the request to
 * the job's worker, POST it, decrypt the token stream as it arrives, then open the sealed result
 * and verify it against the chain (output hash, and the enclave signature for confidential jobs).
 *
 *   const posted = await postOpenJob(ctx, { prompt, model, maxPrice });        // unpinned
 *   await followJob(ctx, posted.job, { until: ['assigned'] });                  // matcher or self-claim
 *   const r = await runJobOnWorker(ctx, { job: posted.job, opening: posted.opening, reply: posted.reply, onText });
 *   r.text  // verified against the on-chain output_hash
 */
import type { PublicKey } from '@solana/web3.js';
import type { PeerContext } from './context';
import type { X25519Keypair } from './crypto/envelope';
import type { RequestOpening } from './crypto/request';
import { StreamOpener } from './crypto/stream';
import { PeerError } from './errors';
import { readResult, sealForAssignedWorker, type ReadResultOutput } from './flows/client';
import type { AcceptedEvent, ErrorBody, JobResultEvent } from './worker-protocol';

export class WorkerEndpointError extends PeerError {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string,
    readonly retryAfterS?: number,
  ) {
    super('WORKER_ENDPOINT', message);
  }
}

export interface SubmitToWorkerInput {
  /** The worker's endpoint base URL (its on-chain endpoint). */
  endpoint: string;
  job: PublicKey;
  /** The sealed request (version 2 prompt envelope). */
  envelope: Uint8Array;
  reply: X25519Keypair;
  /** The key the worker seals from (its encryption key; its enclave's for confidential jobs). */
  workerKey: Uint8Array;
  onText?: (text: string) => void;
  onAccepted?: (event: AcceptedEvent) => void;
  signal?: AbortSignal;
  /** Wait and retry while a pinned job is not claimable yet (default true, bounded by maxWaitMs). */
  waitForClaim?: boolean;
  maxWaitMs?: number;
}

export interface WorkerResponse {
  result: JobResultEvent;
  /** The decrypted stream, concatenated. */
  streamed: string;
  frames: number;
}

function joinUrl(endpoint: string, path: string): string {
  return `${endpoint.replace(/\/+$/, '').replace(/\/v1$/, '')}${path}`;
}

/** Parses an SSE body into (event, data) pairs as they arrive. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + (buffer[cut] === '\r' ? 4 : 2));
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}

/** POSTs a sealed request to a worker and reads its stream to the end. */
export async function submitToWorker(input: SubmitToWorkerInput): Promise<WorkerResponse> {
  const url = joinUrl(input.endpoint, '/v1/jobs');
  const deadline = Date.now() + (input.maxWaitMs ?? 120_000);
  for (;;) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ job: input.job.toBase58(), envelope: Buffer.from(input.envelope).toString('base64') }),
      signal: input.signal,
    });
    if (!res.ok) {
      let body: ErrorBody | null = null;
      try {
        body = (await res.json()) as ErrorBody;
      } catch {
        body = null;
      }
      const code = body?.error?.code ?? 'http_error';
      const retry = body?.error?.retry_after_s;
      if (code === 'not_yet_claimable' && input.waitForClaim !== false && retry !== undefined && Date.now() + retry * 1000 < deadline) {
        await new Promise((r) => setTimeout(r, Math.max(250, retry * 1000)));
        continue;
      }
      throw new WorkerEndpointError(`the worker refused the job (HTTP ${res.status} ${code}): ${body?.error?.message ?? res.statusText}`, res.status, code, retry);
    }
    if (!res.body) throw new WorkerEndpointError('the worker sent no body', res.status, 'no_body');
    const opener = new StreamOpener(input.workerKey, input.reply.secretKey);
    for await (const { event, data } of sseEvents(res.body)) {
      if (event === 'accepted') input.onAccepted?.(JSON.parse(data) as AcceptedEvent);
      else if (event === 'chunk') input.onText?.(opener.open(new Uint8Array(Buffer.from(data, 'base64'))));
      else if (event === 'result') return { result: JSON.parse(data) as JobResultEvent, streamed: opener.text(), frames: opener.frames };
      else if (event === 'error') {
        const e = (JSON.parse(data) as ErrorBody).error;
        throw new WorkerEndpointError(`the job failed on the worker (${e.code}): ${e.message}`, 200, e.code);
      }
    }
    throw new WorkerEndpointError('the worker closed the stream before the result', 200, 'stream_closed');
  }
}

/** The stored result of a job (after a dropped connection or a worker restart); null before it is submitted. */
export async function fetchWorkerResult(endpoint: string, job: PublicKey): Promise<JobResultEvent | null> {
  const res = await fetch(joinUrl(endpoint, `/v1/jobs/${job.toBase58()}/result`));
  if (res.status === 404) return null;
  if (!res.ok) throw new WorkerEndpointError(`the worker answered HTTP ${res.status}`, res.status, 'http_error');
  return (await res.json()) as JobResultEvent;
}

export interface RunJobOnWorkerInput {
  job: PublicKey;
  opening: RequestOpening;
  reply: X25519Keypair;
  onText?: (text: string) => void;
  onAccepted?: (event: AcceptedEvent) => void;
  signal?: AbortSignal;
  maxWaitMs?: number;
}

export interface RunJobOnWorkerOutput extends ReadResultOutput {
  worker: PublicKey;
  endpoint: string;
  signature: string;
  /** Whether the decrypted stream equals the verified result (a worker that streams one answer and commits another is caught here). */
  streamMatches: boolean;
  enclaveSignature: Uint8Array | null;
  /** Confidential jobs: whether the worker reported a hardware-attested enclave (false: a DEV enclave, NOT hardware-attested). */
  enclaveAttested: boolean | null;
  completionTokens: number;
}

/**
 * Seals a job's request to its assigned (or pinned) worker, runs it on the worker's endpoint,
 * and verifies the result against the chain. Reads: job and worker (sealing), job and worker
 * again (verification).
 */
export async function runJobOnWorker(ctx: PeerContext, input: RunJobOnWorkerInput): Promise<RunJobOnWorkerOutput> {
  const sealed = await sealForAssignedWorker(ctx, { job: input.job, opening: input.opening, reply: input.reply });
  const res = await submitToWorker({
    endpoint: sealed.endpoint,
    job: input.job,
    envelope: sealed.envelope,
    reply: input.reply,
    workerKey: sealed.resultKey,
    onText: input.onText,
    onAccepted: input.onAccepted,
    signal: input.signal,
    maxWaitMs: input.maxWaitMs,
  });
  const enclaveSignature = res.result.enclaveSignature ? new Uint8Array(Buffer.from(res.result.enclaveSignature, 'base64')) : null;
  const verified = await readResult(ctx, {
    job: input.job,
    envelope: new Uint8Array(Buffer.from(res.result.envelope, 'base64')),
    reply: input.reply,
    enclaveSignature: enclaveSignature ?? undefined,
  });
  return {
    ...verified,
    worker: sealed.worker,
    endpoint: sealed.endpoint,
    signature: res.result.signature,
    streamMatches: res.streamed === verified.text,
    enclaveSignature,
    enclaveAttested: res.result.enclaveAttested,
    completionTokens: res.result.completionTokens,
  };
}
