/**
 * One chat request as one market job: pick a worker (keepers' quality score, the gateway's own
 * capacity slots), hold the credits in the ledger under the job address, post the job (pinned,
 * and assigned by the gateway itself when it is a registered matcher, otherwise by a keeper or
 * the worker's self-claim), seal the request to the assigned worker (its enclave for
 * confidential jobs), stream the answer from the worker's endpoint, and check the sealed result
 * against the job's on-chain output hash (and the enclave signature). Open-tier jobs are
 * finalized at once; the reconciler settles the rest when the chain does.
 */
import { isDevEnclaveMeasurement } from '../sdk/src/attestation/measurement';
import { PublicKey, type Connection } from '@solana/web3.js';
import { parseMarketEvents } from '../sdk/src/events';
import { randomBytes } from 'node:crypto';
import { jobAccount, type Tier, type Worker } from '../sdk/src/accounts/market';
import { walletSecretKey, type PeerContext } from '../sdk/src/context';
import { jobReplyKeypair, sealPrompt, toHex, verifyEnclaveSignature, verifyResult } from '../sdk/src/crypto/envelope';
import { commitRequest } from '../sdk/src/crypto/request';
import { sealingKeyFor } from '../sdk/src/flows/client';
import { ProgramError, TransactionExpiredError } from '../sdk/src/errors';
import type { Logger } from '../service-kit/log';
import { GatewayError, notFound, unavailable, upstream } from './errors';
import type { Ledger } from './ledger';
import type { Candidate, Slot, WorkerDirectory } from './market/directory';
import { runOnWorker, WorkerFailure } from './market/worker-link';
import type { ChainWriter } from './market/writer';
import type { ChatRequest, PeerProof, TierName, Usage } from './openai';

export interface JobSettings {
  /** The gateway assigns its own choice in the post transaction (it is a registered matcher). */
  selfAssign: boolean;
  assignTimeoutMs: number;
  answerTimeoutMs: number;
  retries: number;
  defaultMaxPrice: bigint;
}

export interface Quote {
  model: Uint8Array;
  /** Credits the request costs at most: the best eligible worker's price. */
  credits: bigint;
  cap: bigint;
  candidates: Candidate[];
}

export type RunEvent =
  | { type: 'job'; job: PublicKey; worker: PublicKey; postTx: string; held: bigint }
  | { type: 'text'; text: string }
  | { type: 'done'; text: string; finishReason: 'stop' | 'length'; usage: Usage; peer: PeerProof };

/** Where a request's credits come from: a ledger account, or (local mode) the wallet itself. */
export type Funding = { kind: 'account'; accountId: string } | { kind: 'wallet' };

export class JobRunner {
  constructor(
    private readonly ctx: PeerContext,
    private readonly ledger: Ledger,
    private readonly writer: ChainWriter,
    private readonly directory: WorkerDirectory,
    private readonly settings: JobSettings,
    private readonly log: Logger,
    private readonly onFinalize: (job: PublicKey) => void,
    private readonly connection: Connection | null = null,
  ) {}

  /** What a request would cost and who could serve it; 404 for an unknown model, 503 for no worker. */
  async quote(req: ChatRequest): Promise<Quote> {
    const model = await this.directory.resolveModel(req.model);
    if (!model) throw notFound(`The model \`${req.model}\` does not exist or no live worker serves it (GET /v1/models lists them)`, 'model', 'model_not_found');
    const cap = req.maxPrice ?? this.settings.defaultMaxPrice;
    const { list, why } = await this.directory.candidates({ model, tier: req.tier, maxPrice: cap, pinned: req.worker });
    if (list.length === 0) throw unavailable(`no worker can take this ${req.tier} job: ${why}`);
    // Jobs are pinned to the chosen worker, so the price is its price (locked as the job's max).
    const credits = list.reduce((m, c) => (c.price < m ? c.price : m), list[0].price);
    return { model, credits, cap, candidates: list };
  }

  /** Waits for a free slot on the best candidate that has one (bounded by the assign timeout). */
  private async acquire(cands: Candidate[], budget: bigint, signal: AbortSignal): Promise<{ cand: Candidate; slot: Slot }> {
    const deadline = Date.now() + this.settings.assignTimeoutMs;
    const usable = cands.filter((c) => c.price <= budget);
    if (usable.length === 0) throw unavailable('no worker is priced within what this request may spend');
    for (;;) {
      for (const cand of usable) {
        const slot = this.directory.tryAcquire(cand.worker);
        if (slot) return { cand, slot };
      }
      if (signal.aborted) throw new GatewayError(499, 'the client went away', 'invalid_request_error', 'client_closed');
      if (Date.now() > deadline) throw unavailable(`every eligible worker stayed at capacity for ${this.settings.assignTimeoutMs} ms`, 'at_capacity');
      await this.directory.slotFreed(Math.max(1, deadline - Date.now()));
    }
  }

  /**
   * Runs the request. The caller has authorized `funding` for up to `budget` credits (x402: what
   * was paid). Yields the job, the text as it streams, then the verified outcome.
   */
  async *run(req: ChatRequest, quote: Quote, funding: Funding, budget: bigint, signal: AbortSignal): AsyncGenerator<RunEvent> {
    const tried = new Set<string>();
    const capacityDeadline = Date.now() + this.settings.assignTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const cands = quote.candidates.filter((c) => !tried.has(c.worker.address.toBase58()));
      if (cands.length === 0) throw upstream('every eligible worker failed this request', 'workers_failed');
      // The slot is held from here until the worker is done with this attempt: runOnce gives it
      // back as soon as the worker's stream ends, and the finally below on every other way out
      // (an error, a retry, or the consumer closing this generator with return()).
      const { cand, slot } = await this.acquire(cands, budget, signal);
      try {
        tried.add(cand.worker.address.toBase58());
        yield* this.runOnce(req, quote, cand, slot, funding, budget, signal);
        return;
      } catch (err) {
        if (err instanceof AtCapacity && Date.now() < capacityDeadline && !signal.aborted) {
          // The chain counts jobs our slots no longer do (e.g. another client's): wait, try again.
          tried.delete(cand.worker.address.toBase58());
          attempt--;
          slot.release();
          await this.directory.slotFreed(100);
          continue;
        }
        // Retry elsewhere only when the worker failed before it started (nothing streamed).
        const retryable = err instanceof WorkerFailure && err.beforeAccept && attempt < this.settings.retries && !signal.aborted;
        if (!retryable) throw err instanceof WorkerFailure ? upstream(err.message, err.code) : err;
        this.log.warn('job.retry', { worker: cand.worker.address.toBase58(), code: err.code });
      } finally {
        slot.release();
      }
    }
  }

  private async *runOnce(req: ChatRequest, quote: Quote, cand: Candidate, slot: Slot, funding: Funding, budget: bigint, signal: AbortSignal): AsyncGenerator<RunEvent> {
    const tier = req.tier as Tier;
    const maxPrice = cand.price;
    const { nonce, job } = this.writer.allocate();
    const jobKey = job.toBase58();
    const opening = commitRequest({ messages: req.messages, maxTokens: req.maxTokens });
    const secret = walletSecretKey(this.ctx);
    if (!secret) throw new Error('the gateway wallet has no secret key');
    const reply = jobReplyKeypair(secret, job);
    const seed = req.seed ?? new DataView(new Uint8Array(randomBytes(8)).buffer).getBigUint64(0, true);

    if (funding.kind === 'account') {
      this.ledger.hold({ job: jobKey, accountId: funding.accountId, amount: maxPrice, nonce, tier, worker: cand.worker.address.toBase58() });
    }
    let postTx: string;
    try {
      const posted = await this.writer.post({
        job,
        nonce,
        request: {
          tier,
          model: quote.model,
          maxPrice,
          seed,
          promptCommitment: opening.commitment,
          pinnedWorker: cand.worker.address,
          // Confidential jobs name the enclave measurement the worker attested; zero otherwise.
          measurement: tier === 'confidential' ? (cand.worker.data as { enclaveMeasurement: Uint8Array }).enclaveMeasurement : new Uint8Array(32),
        },
        assignTo: this.settings.selfAssign ? cand.worker.address : null,
      });
      postTx = posted.signature;
    } catch (err) {
      const definite = err instanceof ProgramError || err instanceof TransactionExpiredError;
      if (funding.kind === 'account') {
        if (definite) this.ledger.settleHold(jobKey, 0n);
        else this.ledger.markHold(jobKey, 'abandoned');
      }
      this.log.warn('job.post_failed', { job: jobKey, definite, error: (err as Error).message });
      if (err instanceof ProgramError && err.errorName === 'InsufficientCredits') throw unavailable('the gateway\'s on-chain credits are short; try again shortly', 'gateway_credits');
      if (err instanceof ProgramError && err.errorName === 'WorkerAtCapacity') throw new AtCapacity();
      throw unavailable(`the job could not be posted: ${(err as Error).message}`, 'post_failed');
    }
    this.log.info('job.posted', { job: jobKey, worker: cand.worker.address.toBase58(), tier, max_price: maxPrice.toString(), tx: postTx });
    yield { type: 'job', job, worker: cand.worker.address, postTx, held: maxPrice };

    let finished = false;
    try {
      // The job is pinned to `cand`: the gateway assigned it (self), or a keeper will, or the worker
      // claims it itself when the request reaches it after the claim delay (409 until then).
      const worker = cand.worker.data;
      const sealingKey = sealingKeyFor(worker, tier);
      const envelope = sealPrompt({ job, opening, workerKey: sealingKey, reply }).envelope;
      const timeout = AbortSignal.timeout(this.settings.answerTimeoutMs);
      const both = AbortSignal.any([signal, timeout]);
      const claimDeadline = Date.now() + this.settings.assignTimeoutMs;
      let streamed = '';
      let result = null;
      try {
        for (;;) {
          try {
            for await (const ev of runOnWorker({ endpoint: cand.endpoint, job, envelope, resultKey: sealingKey, reply, signal: both })) {
              if (ev.type === 'text') {
                streamed += ev.text;
                yield { type: 'text', text: ev.text };
              } else if (ev.type === 'result') result = ev.result;
            }
            break;
          } catch (err) {
            const waiting = err instanceof WorkerFailure && err.code === 'not_yet_claimable' && Date.now() < claimDeadline && !signal.aborted;
            if (!waiting) throw err;
            const waitMs = Math.min(Math.max(100, (err.retryAfterS ?? 1) * 1000), 1_000, Math.max(0, claimDeadline - Date.now()));
            await new Promise((r) => setTimeout(r, waitMs));
          }
        }
      } finally {
        // The worker is done with this job (answered, failed or cut off): its slot is free again,
        // whatever checking the result and delivering it to the client still takes.
        slot.release();
      }
      if (!result) throw new WorkerFailure('no result', 'no_result', false);
      const assigned = await this.assignedTo(job, result.signature);
      const checked = await this.verify(job, worker, assigned.worker, tier, result.envelope, result.enclaveSignature, reply, sealingKey, result.signature);
      if (checked.text !== streamed) throw upstream('the streamed text differs from the sealed result', 'stream_mismatch');
      if (funding.kind === 'account') this.ledger.markHold(jobKey, 'answered');
      finished = true;
      if (tier === 'open') this.onFinalize(job);
      const usage = { prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens, total_tokens: result.promptTokens + result.completionTokens };
      yield {
        type: 'done',
        text: checked.text,
        finishReason: result.stopReason === 'max_tokens' ? 'length' : 'stop',
        usage,
        peer: {
          job: jobKey,
          worker: assigned.worker.toBase58(),
          tier: req.tier as TierName,
          price: assigned.price.toString(),
          output_hash: toHex(checked.outputHash),
          post_tx: postTx,
          verified: true,
          enclave_verified: checked.enclaveVerified,
          enclave_attested: tier === 'confidential' ? !isDevEnclaveMeasurement((worker as { enclaveMeasurement: Uint8Array }).enclaveMeasurement) : null,
        },
      };
    } finally {
      // A request that ends without a verified answer leaves its job to the reconciler, which
      // cancels, expires or finalizes it as the chain allows; the hold follows the chain.
      if (!finished && funding.kind === 'account') this.ledger.markHold(jobKey, 'abandoned');
      if (!finished) this.log.warn('job.abandoned', { job: jobKey, client_gone: signal.aborted });
    }
  }

  /** Who the job was assigned to and at what price: from the job account, or the JobAssigned event once it closed. */
  private async assignedTo(job: PublicKey, submitSignature: string): Promise<{ worker: PublicKey; price: bigint }> {
    const acc = await jobAccount.fetchMaybe(this.ctx.transport, job, { programId: this.ctx.programs.market });
    if (acc && acc.data.status !== 'open') return { worker: acc.data.worker, price: acc.data.price };
    if (this.connection) {
      const sigs = await this.connection.getSignaturesForAddress(job, { limit: 20 });
      for (const s of [...sigs.filter((x) => !x.err).map((x) => x.signature), submitSignature]) {
        const tx = await this.connection.getTransaction(s, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' });
        for (const e of parseMarketEvents(tx?.meta?.logMessages ?? [], this.ctx.programs.market)) {
          const d = e.data as { job?: PublicKey; worker?: PublicKey; price?: bigint };
          if (e.name === 'jobAssigned' && d.job && new PublicKey(d.job).equals(job) && d.worker) return { worker: new PublicKey(d.worker), price: BigInt(d.price ?? 0n) };
        }
      }
    }
    throw upstream('the worker answered a job the chain never assigned to it', 'not_assigned');
  }

  /**
   * The output hash the worker committed on chain for this job: from the job account, or, when
   * the job already closed (someone finalized it at once), from the ResultSubmitted event of the
   * worker's submit transaction.
   */
  private async committedOutputHash(job: PublicKey, workerAddress: PublicKey, submitSignature: string): Promise<Uint8Array> {
    const acc = await jobAccount.fetchMaybe(this.ctx.transport, job, { programId: this.ctx.programs.market });
    if (acc) {
      if ((acc.data.status !== 'submitted' && acc.data.status !== 'disputed') || !acc.data.worker.equals(workerAddress)) {
        throw upstream('the worker sent a result but its on-chain commitment is missing', 'no_commitment');
      }
      return acc.data.outputHash;
    }
    const tx = this.connection && /^[1-9A-HJ-NP-Za-km-z]{64,88}$/.test(submitSignature)
      ? await this.connection.getTransaction(submitSignature, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' })
      : null;
    if (tx && !tx.meta?.err) {
      for (const e of parseMarketEvents(tx.meta?.logMessages ?? [], this.ctx.programs.market)) {
        const d = e.data as { job?: PublicKey; worker?: PublicKey; outputHash?: Uint8Array };
        if (e.name === 'resultSubmitted' && d.job && new PublicKey(d.job).equals(job) && d.worker && new PublicKey(d.worker).equals(workerAddress) && d.outputHash) {
          return new Uint8Array(d.outputHash);
        }
      }
    }
    throw upstream('the worker sent a result but its on-chain commitment is missing', 'no_commitment');
  }

  /** The sealed result against the chain: opens with the worker's key, hashes to the job's output_hash. */
  private async verify(
    job: PublicKey,
    worker: Worker,
    workerAddress: PublicKey,
    tier: Tier,
    envelopeB64: string,
    enclaveSignatureB64: string | null,
    reply: { publicKey: Uint8Array; secretKey: Uint8Array },
    resultKey: Uint8Array,
    submitSignature: string,
  ): Promise<{ text: string; outputHash: Uint8Array; enclaveVerified: boolean | null }> {
    const outputHash = await this.committedOutputHash(job, workerAddress, submitSignature);
    let verified;
    try {
      verified = verifyResult({ envelope: new Uint8Array(Buffer.from(envelopeB64, 'base64')), reply, workerKey: resultKey, expectedOutputHash: outputHash });
    } catch (err) {
      throw upstream(`the result does not match the on-chain output hash: ${(err as Error).message}`, 'result_mismatch');
    }
    let enclaveVerified: boolean | null = null;
    if (tier === 'confidential') {
      if (!enclaveSignatureB64) throw upstream('a confidential result came without its enclave signature', 'no_enclave_signature');
      enclaveVerified = verifyEnclaveSignature({ job, outputHash: verified.outputHash, signature: new Uint8Array(Buffer.from(enclaveSignatureB64, 'base64')), enclaveKey: worker.enclaveKey });
      if (!enclaveVerified) throw upstream('the enclave signature does not verify against the worker\'s registered enclave key', 'bad_enclave_signature');
    }
    return { text: verified.text, outputHash: verified.outputHash, enclaveVerified };
  }
}

/** The chain refused the assignment: the worker is at capacity there. */
class AtCapacity extends Error {
  constructor() {
    super('the worker is at capacity on chain');
  }
}

export { PublicKey };
