/**
 * The gateway's client for a worker endpoint (worker/protocol.ts): POST the sealed prompt to
 * {endpoint}/v1/jobs and read the SSE stream back (accepted, encrypted chunks, the sealed
 * result), opening each chunk with the job's reply key. A dropped stream can still fetch the
 * result from GET {endpoint}/v1/jobs/:job/result.
 */
import type { PublicKey } from '@solana/web3.js';
import { StreamOpener } from '../../sdk/src/crypto/stream';
import type { X25519Keypair } from '../../sdk/src/crypto/envelope';
import type { AcceptedEvent, ErrorBody, JobResultEvent } from '../../worker/protocol';

export type WorkerEvent = { type: 'accepted'; accepted: AcceptedEvent } | { type: 'text'; text: string } | { type: 'result'; result: JobResultEvent };

/** A worker refused or failed a job; `beforeAccept`: nothing ran (safe to try another worker). */
export class WorkerFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly beforeAccept: boolean,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

function jobsUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${base}/v1/jobs`;
}

/**
 * Parses an SSE byte stream into (event, data) pairs. Left early (an error, or the consumer
 * stopped), it cancels the body, which closes the connection to the worker instead of leaving it
 * open and unread.
 */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
      let sep: number;
      while ((sep = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) yield { event, data: data.join('\n') };
      }
    }
  } finally {
    if (ended) reader.releaseLock();
    else reader.cancel().catch(() => undefined);
  }
}

export interface RunOnWorker {
  endpoint: string;
  job: PublicKey;
  envelope: Uint8Array;
  /** The key the worker seals its stream and result from (its encryption key, or the enclave's). */
  resultKey: Uint8Array;
  reply: X25519Keypair;
  signal: AbortSignal;
}

/** Streams a job from a worker: accepted, then decrypted text pieces, then the sealed result. */
export async function* runOnWorker(args: RunOnWorker): AsyncGenerator<WorkerEvent> {
  let res: Response;
  try {
    res = await fetch(jobsUrl(args.endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ job: args.job.toBase58(), envelope: Buffer.from(args.envelope).toString('base64') }),
      signal: args.signal,
    });
  } catch (err) {
    throw new WorkerFailure(`the worker endpoint ${args.endpoint} did not answer: ${(err as Error).message}`, 'unreachable', true);
  }
  if (!res.ok || !res.body) {
    let body: ErrorBody | null = null;
    try {
      body = (await res.json()) as ErrorBody;
    } catch {
      body = null;
    }
    const code = body?.error?.code ?? `http_${res.status}`;
    throw new WorkerFailure(`the worker refused the job (${res.status} ${code}): ${body?.error?.message ?? res.statusText}`, code, true, body?.error?.retry_after_s);
  }
  const opener = new StreamOpener(args.resultKey, args.reply.secretKey);
  let accepted = false;
  try {
    for await (const ev of sseEvents(res.body)) {
      switch (ev.event) {
        case 'accepted':
          accepted = true;
          yield { type: 'accepted', accepted: JSON.parse(ev.data) as AcceptedEvent };
          break;
        case 'chunk':
          yield { type: 'text', text: opener.open(new Uint8Array(Buffer.from(ev.data, 'base64'))) };
          break;
        case 'result':
          yield { type: 'result', result: JSON.parse(ev.data) as JobResultEvent };
          return;
        case 'error': {
          let body: ErrorBody | null = null;
          try {
            body = JSON.parse(ev.data) as ErrorBody;
          } catch {
            body = null;
          }
          throw new WorkerFailure(`the worker failed the job: ${body?.error?.message ?? ev.data.slice(0, 200)}`, body?.error?.code ?? 'generation_failed', !accepted);
        }
        default:
          break;
      }
    }
  } catch (err) {
    if (err instanceof WorkerFailure || args.signal.aborted) throw err;
    // The connection broke mid-stream (a reset or hang-up: what a killed worker looks like), or
    // the worker sent something unreadable.
    throw new WorkerFailure(`the worker endpoint ${args.endpoint} broke off the stream: ${(err as Error).message}`, 'stream_broken', !accepted);
  }
  throw new WorkerFailure('the worker closed the stream before the result', 'stream_closed', !accepted);
}

/** The sealed result of a job the worker already finished (after a dropped stream), or null. */
export async function fetchResult(endpoint: string, job: PublicKey, signal?: AbortSignal): Promise<JobResultEvent | null> {
  const res = await fetch(`${jobsUrl(endpoint)}/${job.toBase58()}/result`, { signal });
  if (res.status === 404) return null;
  if (!res.ok) throw new WorkerFailure(`the worker answered ${res.status} for the result`, `http_${res.status}`, false);
  return (await res.json()) as JobResultEvent;
}
