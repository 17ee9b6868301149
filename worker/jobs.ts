/**
 * Serving one job: the checks a sealed request must pass, generation with an encrypted stream,
 * the sealed result, and the result commitment on chain. Plain functions over a `JobRunner`
 * so tests drive them without HTTP; worker/endpoint.ts is the HTTP face.
 *
 * Order of checks (nothing on chain changes until all of them pass):
 *   1. the body: JSON, a base58 job address, a base64 envelope, within MAX_SUBMIT_BYTES;
 *   2. one chain read (job, our worker, config, clock): the job exists and names a model we serve;
 *   3. the envelope opens with our key (the enclave's for confidential jobs), is for this job,
 *      and its request matches the job's on-chain prompt_commitment;
 *   4. the job is assigned to us, or still open and pinned to us (then we claim it ourselves
 *      once the claim delay has passed; before that: 409 with retry_after_s);
 *   5. the job is not already running or done here (SQLite, atomically).
 */
import { Ed25519Program, PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { configAccount, jobAccount, workerAccount, type Job, type Tier } from '../sdk/src/accounts/market';
import { decodeClock, SYSVAR_CLOCK_PUBKEY } from '../sdk/src/accounts/token';
import type { PeerContext } from '../sdk/src/context';
import { enclaveResultMessage, openPrompt, outputHash as hashOutput, sealResult, toHex, type OpenedPrompt, type X25519Keypair } from '../sdk/src/crypto/envelope';
import { StreamSealer } from '../sdk/src/crypto/stream';
import { claimJob } from '../sdk/src/flows/worker';
import * as ix from '../sdk/src/instructions/market';
import { findConfigPda } from '../sdk/src/pda';
import { sendInstructions } from '../sdk/src/rpc/send';
import type { Logger } from '../service-kit/log';
import { BackendError, type Backend } from './backends';
import { errorBody, MAX_SUBMIT_BYTES, type AcceptedEvent, type ErrorBody, type ErrorCode, type JobResultEvent } from './protocol';
import type { JobJournal, JobRow } from './store';

/** What signs confidential results: a hardware enclave (attestation/enclave.ts) or a dev enclave. */
export interface EnclaveSigner {
  publicKey: Uint8Array;
  encryptionKeyPair: X25519Keypair;
  hardwareAttested: boolean;
  sign(message: Uint8Array): Uint8Array;
}

export interface CheatSettings {
  /** Probability (0..1) that a job's answer is altered: the demo's dishonest worker. 0 = honest. */
  rate: number;
  /** Randomness source (tests pass a seeded one). */
  random?: () => number;
}

export interface JobRunnerOptions {
  ctx: PeerContext;
  worker: PublicKey;
  keys: X25519Keypair;
  enclave: EnclaveSigner | null;
  backend: Backend;
  store: JobJournal;
  log: Logger;
  cheat?: CheatSettings;
  /** Called on every finished job (metrics). */
  onFinished?: (info: { job: string; tier: Tier; ms: number; ttftMs: number | null; tokens: number; ok: boolean }) => void;
}

export class Refusal extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 422 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'Refusal';
  }

  body(): ErrorBody {
    return errorBody(this.code, this.message, this.retryAfterS);
  }
}

export interface AcceptedJob {
  job: PublicKey;
  data: Job;
  opened: OpenedPrompt;
  modelHex: string;
  claimed: boolean;
  accepted: AcceptedEvent;
}

export interface RunCallbacks {
  /** An encrypted stream frame. */
  onFrame?: (frame: Uint8Array) => void;
  signal?: AbortSignal;
}

/** The alteration a cheating worker applies (visible, so the demo shows it). */
export function alterAnswer(text: string): string {
  const reversed = [...text].reverse().join('');
  return reversed === text ? `${text}!` : reversed;
}

function parseBody(raw: string): { job: PublicKey; envelope: Uint8Array } {
  if (Buffer.byteLength(raw) > MAX_SUBMIT_BYTES) throw new Refusal(413, 'too_large', `the body is larger than ${MAX_SUBMIT_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new Refusal(400, 'bad_request', 'the body is not valid JSON');
  }
  const b = body as { job?: unknown; envelope?: unknown } | null;
  if (!b || typeof b !== 'object' || typeof b.job !== 'string' || typeof b.envelope !== 'string') {
    throw new Refusal(400, 'bad_request', 'the body must be {"job": <base58 address>, "envelope": <base64>}');
  }
  let job: PublicKey;
  try {
    job = new PublicKey(b.job);
  } catch {
    throw new Refusal(400, 'bad_request', 'job is not a base58 address');
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b.envelope) || b.envelope.length === 0) throw new Refusal(400, 'bad_envelope', 'envelope is not base64');
  return { job, envelope: new Uint8Array(Buffer.from(b.envelope, 'base64')) };
}

export class JobRunner {
  private readonly o: JobRunnerOptions;

  constructor(opts: JobRunnerOptions) {
    this.o = opts;
  }

  get backend(): Backend {
    return this.o.backend;
  }

  private keysFor(tier: Tier): X25519Keypair {
    if (tier !== 'confidential') return this.o.keys;
    if (!this.o.enclave) throw new Refusal(422, 'unsupported_model', 'this worker runs no enclave: it cannot serve confidential jobs');
    return this.o.enclave.encryptionKeyPair;
  }

  /** Steps 1-5 of the header comment; may send one claim transaction (pinned jobs, after all checks). */
  async accept(rawBody: string): Promise<AcceptedJob> {
    const { job, envelope } = parseBody(rawBody);
    const programId = this.o.ctx.programs.market;
    let records;
    try {
      records = await this.o.ctx.transport.getAccounts([job, this.o.worker, findConfigPda(programId)[0], SYSVAR_CLOCK_PUBKEY]);
    } catch (err) {
      throw new Refusal(503, 'chain_unavailable', `cannot read the chain: ${(err as Error).message.split('\n')[0]}`);
    }
    const [j, w, c, clk] = records;
    if (!j) throw new Refusal(404, 'job_not_found', `job ${job.toBase58()} does not exist on chain (or has ended)`);
    let data: Job;
    try {
      data = jobAccount.fromRecord(j, { programId }).data;
    } catch {
      throw new Refusal(404, 'job_not_found', `${job.toBase58()} is not a job account`);
    }
    if (!w || !c || !clk) throw new Refusal(503, 'chain_unavailable', 'this worker or the market config is not on chain');
    const me = workerAccount.fromRecord(w, { programId }).data;
    const config = configAccount.fromRecord(c, { programId }).data;
    const now = decodeClock(clk).unixTimestamp;
    const modelHex = toHex(data.request.model);
    if (!this.o.backend.models().some((m) => m.id === modelHex)) throw new Refusal(422, 'unsupported_model', `this worker does not serve model ${modelHex.slice(0, 16)}…`);

    let opened: OpenedPrompt;
    try {
      opened = openPrompt(envelope, this.keysFor(data.request.tier));
    } catch (err) {
      if (err instanceof Refusal) throw err;
      throw new Refusal(400, 'bad_envelope', (err as Error).message);
    }
    if (!opened.job.equals(job)) throw new Refusal(400, 'bad_envelope', `the envelope is for job ${opened.job.toBase58()}, not ${job.toBase58()}`);
    if (!Buffer.from(opened.commitment).equals(Buffer.from(data.request.promptCommitment))) {
      throw new Refusal(422, 'commitment_mismatch', "the request does not match the job's on-chain prompt commitment");
    }

    const existing = this.o.store.get(job.toBase58());
    if (existing && (existing.state === 'output' || existing.state === 'submitted')) throw new Refusal(409, 'already_submitted', 'this job already has a result: GET /v1/jobs/:job/result');
    if (existing?.state === 'running') throw new Refusal(409, 'in_progress', 'this job is already running');

    let claimed = false;
    let claimSignature: string | null = null;
    if (data.status === 'assigned') {
      if (!data.worker.equals(this.o.worker)) throw new Refusal(403, 'not_assigned', `job ${job.toBase58()} is assigned to another worker`);
      if (now > data.deadline) throw new Refusal(409, 'not_assigned', `job ${job.toBase58()} passed its submission deadline; it will be expired and requeued`);
    } else if (data.status === 'open' && data.request.pinnedWorker.equals(this.o.worker)) {
      const readyAt = data.openSince + BigInt(config.params.claimDelaySecs);
      if (now < readyAt) throw new Refusal(409, 'not_yet_claimable', `job ${job.toBase58()} is pinned here but not assigned yet; it can be claimed in ${readyAt - now} s`, Number(readyAt - now));
      if (me.activeJobs >= me.settings.capacity) throw new Refusal(503, 'at_capacity', 'this worker is at capacity', 5);
      try {
        const r = await claimJob(this.o.ctx, { job });
        claimSignature = r.tx.signature;
      } catch (err) {
        throw new Refusal(409, 'not_assigned', `could not claim job ${job.toBase58()}: ${(err as Error).message.split('\n')[0]}`);
      }
      claimed = true;
      data = (await jobAccount.fetch(this.o.ctx.transport, job, { programId })).data;
      this.o.log.info('job.claimed', { job: job.toBase58(), pinned: true, signature: claimSignature });
    } else {
      throw new Refusal(403, 'not_assigned', `job ${job.toBase58()} is ${data.status} and not assigned to this worker`);
    }

    const started = this.o.store.startRunning({
      job: job.toBase58(),
      tier: data.request.tier,
      model: modelHex,
      seed: data.request.seed,
      deadline: Number(data.deadline),
      envelope,
      replyKey: opened.replyKey,
      claimSignature,
    });
    if (!started) throw new Refusal(409, 'in_progress', 'this job is already running or done');
    const accepted: AcceptedEvent = { job: job.toBase58(), worker: this.o.worker.toBase58(), tier: data.request.tier, model: modelHex, claimed, queued: this.o.backend.queued() };
    return { job, data, opened, modelHex, claimed, accepted };
  }

  /** Generates, streams, seals, stores, then submits. The job must have been accepted. */
  async run(a: AcceptedJob, cb: RunCallbacks = {}): Promise<JobResultEvent> {
    const jobKey = a.job.toBase58();
    const tier = a.data.request.tier;
    const keys = this.keysFor(tier);
    const cheat = this.o.cheat !== undefined && this.o.cheat.rate > 0 && (this.o.cheat.random ?? Math.random)() < this.o.cheat.rate;
    const sealer = new StreamSealer(a.opened.replyKey, keys.secretKey);
    const started = performance.now();
    let ttft: number | null = null;
    let result;
    try {
      result = await this.o.backend.generate(a.modelHex, a.opened.request, a.data.request.seed, {
        signal: cb.signal,
        onText: (piece) => {
          ttft ??= performance.now() - started;
          if (!cheat) cb.onFrame?.(sealer.seal(piece));
        },
      });
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof BackendError && err.code === 'too_long') {
        this.o.store.markEnded(jobKey, 'failed', message);
        throw new Refusal(422, 'too_long', message);
      }
      // Transient (upstream down, aborted): back to claimed, so a retry can run it before the deadline.
      this.o.store.release(jobKey);
      this.o.onFinished?.({ job: jobKey, tier, ms: performance.now() - started, ttftMs: ttft, tokens: 0, ok: false });
      throw err;
    }
    let text = result.text;
    if (cheat) {
      text = alterAnswer(text);
      cb.onFrame?.(sealer.seal(text));
    }
    const hash = hashOutput(text);
    const sealed = sealResult({ output: text, replyKey: a.opened.replyKey, worker: keys });
    const enclaveSignature = tier === 'confidential' ? this.o.enclave!.sign(enclaveResultMessage(a.job, hash)) : null;
    this.o.store.recordOutput(jobKey, {
      outputHash: toHex(hash),
      resultEnvelope: sealed.envelope,
      enclaveSignature,
      completionTokens: result.completionTokens,
      promptTokens: result.promptTokens,
      stopReason: result.stopReason,
      cheated: cheat,
    });
    const signature = await this.submit(this.o.store.get(jobKey)!);
    const ms = performance.now() - started;
    this.o.onFinished?.({ job: jobKey, tier, ms, ttftMs: ttft, tokens: result.completionTokens, ok: true });
    this.o.log.info('job.done', {
      job: jobKey,
      tier,
      tokens: result.completionTokens,
      ms: Math.round(ms),
      output_hash: toHex(hash).slice(0, 16),
      signature,
      ...(cheat ? { cheated: true } : {}),
    });
    return this.resultEvent(this.o.store.get(jobKey)!)!;
  }

  /** Submits a stored output unless the chain already has it. Returns the signature (null when found already landed). */
  private async submit(row: JobRow): Promise<string | null> {
    const job = new PublicKey(row.job);
    const programId = this.o.ctx.programs.market;
    const current = await jobAccount.fetchMaybe(this.o.ctx.transport, job, { programId });
    if (!current) {
      this.o.store.markEnded(row.job, 'expired', 'the job account closed before the result was submitted');
      throw new Refusal(409, 'not_assigned', 'the job ended before the result could be submitted');
    }
    const d = current.data;
    if ((d.status === 'submitted' || d.status === 'disputed') && d.worker.equals(this.o.worker) && toHex(d.outputHash) === row.output_hash) {
      this.o.store.markSubmitted(row.job, null);
      return row.signature;
    }
    if (d.status !== 'assigned' || !d.worker.equals(this.o.worker)) {
      this.o.store.markEnded(row.job, 'expired', `the job is ${d.status} and no longer assigned to this worker`);
      throw new Refusal(409, 'not_assigned', `job ${row.job} is no longer assigned to this worker (status ${d.status})`);
    }
    const result = { outputHash: new Uint8Array(Buffer.from(row.output_hash!, 'hex')), model: d.request.model, seed: d.request.seed };
    const authority = this.o.ctx.wallet.publicKey;
    const ixs: TransactionInstruction[] = [];
    if (d.request.tier === 'confidential') {
      const message = enclaveResultMessage(job, result.outputHash);
      ixs.push(Ed25519Program.createInstructionWithPublicKey({ publicKey: this.o.enclave!.publicKey, message, signature: row.enclave_signature! }));
      ixs.push(ix.submitConfidentialResult({ authority, job, worker: this.o.worker }, { result }, programId));
    } else {
      ixs.push(ix.submitResult({ authority, job, worker: this.o.worker }, { result }, programId));
    }
    try {
      const tx = await sendInstructions(this.o.ctx, ixs);
      this.o.store.markSubmitted(row.job, tx.signature);
      return tx.signature;
    } catch (err) {
      // Leave the row at `output`: resume() retries (and finds it if it landed after all).
      this.o.log.error('job.submit_failed', { job: row.job, error: (err as Error).message.split('\n')[0] });
      throw new Refusal(503, 'chain_unavailable', `the result is computed but could not be submitted yet: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  /** The stored result of a submitted job, as the endpoint returns it. */
  resultEvent(row: JobRow | null): JobResultEvent | null {
    if (!row || row.state !== 'submitted' || !row.result_envelope || !row.output_hash) return null;
    return {
      job: row.job,
      worker: this.o.worker.toBase58(),
      envelope: row.result_envelope.toString('base64'),
      outputHash: row.output_hash,
      signature: row.signature ?? '',
      enclaveSignature: row.enclave_signature ? row.enclave_signature.toString('base64') : null,
      enclaveAttested: row.tier === 'confidential' ? (this.o.enclave?.hardwareAttested ?? false) : null,
      completionTokens: row.completion_tokens,
      promptTokens: row.prompt_tokens,
      stopReason: (row.stop_reason as JobResultEvent['stopReason']) ?? 'eog',
    };
  }

  result(job: string): JobResultEvent | null {
    return this.resultEvent(this.o.store.get(job));
  }

  /**
   * After a restart: submit computed outputs, re-execute requests that were running, forget
   * jobs that left us. Never submits a result the chain already has.
   */
  async resume(): Promise<{ submitted: number; rerun: number; expired: number }> {
    const out = { submitted: 0, rerun: 0, expired: 0 };
    for (const row of this.o.store.inState('output')) {
      try {
        await this.submit(row);
        out.submitted++;
        this.o.log.info('job.resumed', { job: row.job, step: 'submit' });
      } catch (err) {
        if (this.o.store.get(row.job)?.state === 'expired') out.expired++;
        this.o.log.warn('job.resume_failed', { job: row.job, error: (err as Error).message });
      }
    }
    for (const row of this.o.store.inState('running')) {
      const programId = this.o.ctx.programs.market;
      const current = await jobAccount.fetchMaybe(this.o.ctx.transport, new PublicKey(row.job), { programId });
      if (!current || current.data.status !== 'assigned' || !current.data.worker.equals(this.o.worker)) {
        this.o.store.markEnded(row.job, 'expired', 'the job left this worker while it was down');
        out.expired++;
        this.o.log.info('job.expired', { job: row.job, why: 'left this worker while it was down' });
        continue;
      }
      let opened: OpenedPrompt;
      try {
        opened = openPrompt(new Uint8Array(row.envelope!), this.keysFor(current.data.request.tier));
      } catch (err) {
        this.o.store.markEnded(row.job, 'failed', `cannot reopen the stored request: ${(err as Error).message}`);
        this.o.log.warn('job.resume_failed', { job: row.job, error: 'the stored request no longer opens (a new enclave key?)' });
        continue;
      }
      const a: AcceptedJob = {
        job: new PublicKey(row.job),
        data: current.data,
        opened,
        modelHex: row.model,
        claimed: false,
        accepted: { job: row.job, worker: this.o.worker.toBase58(), tier: current.data.request.tier, model: row.model, claimed: false, queued: 0 },
      };
      try {
        await this.run(a);
        out.rerun++;
        this.o.log.info('job.resumed', { job: row.job, step: 're-executed and submitted' });
      } catch (err) {
        this.o.log.warn('job.resume_failed', { job: row.job, error: (err as Error).message });
      }
    }
    return out;
  }
}
