/**
 * Client flows: buy and redeem credits, post a job with its prompt encrypted to the worker,
 * follow it, and read, decrypt and verify its result. All amounts in credits (1 credit =
 * $0.01 = 10,000 USDC base units) unless named otherwise.
 */
import { PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { randomBytes } from 'node:crypto';
import {
  configAccount,
  creditAccountAccount,
  jobAccount,
  queryWorkers,
  workerAccount,
  type Config,
  type CreditAccount,
  type Job,
  type JobStatus,
  type Tier,
  type Worker,
} from '../accounts/market';
import type { Account } from '../accounts/fetch';
import { associatedTokenAddress, createAssociatedTokenAccountIdempotent } from '../accounts/token';
import { MARKET } from '../constants';
import { marketInfo, walletSecretKey, type PeerContext } from '../context';
import {
  enclaveSealingKey,
  jobReplyKeypair,
  modelId,
  randomEncryptionKeypair,
  sealPrompt,
  toHex,
  verifyEnclaveSignature,
  verifyResult,
  type X25519Keypair,
} from '../crypto/envelope';
import { commitRequest, openingMatches, type ChatMessage, type RequestOpening } from '../crypto/request';
import { AccountNotFoundError, CryptoError, ValidationError } from '../errors';
import * as ix from '../instructions/market';
import { findConfigPda, findCreditAccountPda, nextJobAddress } from '../pda';
import { sendInstructions, type SendOptions, type SendResult } from '../rpc/send';
import { tierIndex } from './settings';

// ---- credits ------------------------------------------------------------------------------------

export interface CreditsResult {
  creditAccount: PublicKey;
  credits: bigint;
  /** USDC base units moved. */
  usdc: bigint;
  tx: SendResult;
}

/** Buys `credits` with USDC from `source` (default: the wallet's USDC associated token account). */
export async function buyCredits(ctx: PeerContext, input: { credits: bigint; source?: PublicKey }, opts?: SendOptions): Promise<CreditsResult> {
  const info = await marketInfo(ctx);
  const owner = ctx.wallet.publicKey;
  const source = input.source ?? associatedTokenAddress(info.usdcMint, owner);
  const instruction = ix.buyCredits({ client: owner, source }, { credits: input.credits }, ctx.programs.market);
  const tx = await sendInstructions(ctx, [instruction], opts);
  return { creditAccount: findCreditAccountPda(owner, ctx.programs.market)[0], credits: input.credits, usdc: input.credits * MARKET.CREDIT_BASE_UNITS, tx };
}

/** Redeems unspent `credits` for USDC into `destination` (default: the wallet's USDC ATA, created if missing). */
export async function redeemCredits(ctx: PeerContext, input: { credits: bigint; destination?: PublicKey }, opts?: SendOptions): Promise<CreditsResult> {
  const info = await marketInfo(ctx);
  const owner = ctx.wallet.publicKey;
  const ixs: TransactionInstruction[] = [];
  let destination = input.destination;
  if (!destination) {
    destination = associatedTokenAddress(info.usdcMint, owner);
    ixs.push(createAssociatedTokenAccountIdempotent(owner, info.usdcMint, owner));
  }
  ixs.push(ix.redeemCredits({ client: owner, destination }, { credits: input.credits }, ctx.programs.market));
  const tx = await sendInstructions(ctx, ixs, opts);
  return { creditAccount: findCreditAccountPda(owner, ctx.programs.market)[0], credits: input.credits, usdc: input.credits * MARKET.CREDIT_BASE_UNITS, tx };
}

export interface CreditBalance {
  owner: PublicKey;
  creditAccount: PublicKey;
  exists: boolean;
  /** Credits free to spend or redeem. */
  balance: bigint;
  /** Credits locked by open jobs. */
  locked: bigint;
  jobsPosted: bigint;
}

/** A credit balance (zero when the owner never bought credits). One read. */
export async function creditBalance(ctx: PeerContext, owner: PublicKey = ctx.wallet.publicKey): Promise<CreditBalance> {
  const creditAccount = findCreditAccountPda(owner, ctx.programs.market)[0];
  const acc = await creditAccountAccount.fetchMaybe(ctx.transport, creditAccount, { programId: ctx.programs.market });
  return {
    owner,
    creditAccount,
    exists: acc !== null,
    balance: acc?.data.balance ?? 0n,
    locked: acc?.data.locked ?? 0n,
    jobsPosted: acc?.data.jobsPosted ?? 0n,
  };
}

// ---- jobs ---------------------------------------------------------------------------------------

/** Whether a worker can take a job of this tier/model/price now (the program's eligibility rules). */
export function workerEligibility(
  worker: Worker,
  config: Config,
  job: {
    tier: Tier;
    model: Uint8Array;
    maxPrice: bigint;
    /** The job's client: a worker never serves its own authority (SelfDealing). */
    client?: PublicKey;
    /** Confidential tier: the measurement the job names (the worker's attestation must match). */
    measurement?: Uint8Array;
  },
): string | null {
  const t = tierIndex(job.tier);
  const s = worker.settings;
  if (worker.paused) return 'paused';
  if ((s.tiers & (1 << t)) === 0) return `does not serve the ${job.tier} tier`;
  if (!s.models.slice(0, s.modelCount).some((m) => Buffer.from(m).equals(Buffer.from(job.model)))) return 'does not serve the model';
  if (s.prices[t] > job.maxPrice) return `price ${s.prices[t]} is above the max price ${job.maxPrice}`;
  if (worker.activeJobs >= s.capacity) return 'at capacity';
  if (worker.bond - worker.unbonding < config.params.minBond[t]) return 'bond below the tier minimum';
  if (job.client && worker.authority.equals(job.client)) return 'is the client\'s own worker';
  if (job.tier === 'confidential' && job.measurement && !Buffer.from(worker.enclaveMeasurement).equals(Buffer.from(job.measurement))) {
    return 'its enclave is attested for another measurement';
  }
  return null;
}

export interface PostJobInput {
  /** A raw completion prompt, or: */
  prompt?: string;
  /** chat messages (one of the two). */
  messages?: ChatMessage[];
  /** Most tokens to generate (default 256); part of the committed request. */
  maxTokens?: number;
  /** Model name (hashed) or 32-byte id: the execution profile's id. */
  model: string | Uint8Array;
  tier?: Tier;
  /** Most credits the client pays (locked until the job ends). */
  maxPrice: bigint;
  /** The worker account to seal to (and pin to, unless `pin` is false). Omitted: the cheapest eligible worker. */
  worker?: PublicKey;
  /** Pin the job to the worker (default true). Unpinned jobs can be sealed again to whoever takes them. */
  pin?: boolean;
  /** Sampling seed (default: random). */
  seed?: bigint;
  /** The reply keypair (default: derived from the wallet and the job; random for non-Keypair wallets). */
  reply?: X25519Keypair;
  /** The request salt (default: random; tests only). */
  salt?: Uint8Array;
  /**
   * Confidential tier: the attested enclave measurement the worker must run (32 bytes). Default:
   * the chosen worker's attested measurement (postJob); postOpenJob requires it.
   */
  measurement?: Uint8Array;
}

const NO_MEASUREMENT = new Uint8Array(32);

/** The measurement a job names: the given one, else (confidential) the sealing worker's, else none. */
function jobMeasurement(tier: Tier, given: Uint8Array | undefined, worker: Worker | null): Uint8Array {
  if (given) {
    if (given.length !== 32) throw new ValidationError('the measurement must be 32 bytes');
    return given;
  }
  if (tier !== 'confidential') return NO_MEASUREMENT;
  if (!worker || worker.enclaveMeasurement.every((b) => b === 0)) {
    throw new ValidationError('a confidential job must name the enclave measurement it requires (measurement)');
  }
  return worker.enclaveMeasurement;
}

export interface PostJobResult {
  job: PublicKey;
  nonce: bigint;
  /** The worker the envelope is sealed to (pinned unless `pin` was false). */
  worker: PublicKey;
  seed: bigint;
  model: Uint8Array;
  tier: Tier;
  maxPrice: bigint;
  /** The encrypted request to deliver to the worker (off-chain). */
  envelope: Uint8Array;
  /** The salted request commitment stored on-chain. */
  promptCommitment: Uint8Array;
  /** The request bytes and salt: keep them to seal again, or to hand to a validator (audit path). */
  opening: RequestOpening;
  /** The reply keypair the result will be encrypted to (keep the secret if it was not derived). */
  reply: X25519Keypair;
  replyDerived: boolean;
  tx: SendResult;
}

export interface PostOpenJobResult extends Omit<PostJobResult, 'worker' | 'envelope'> {
  worker: null;
  envelope: null;
}

/** The x25519 key a job's request is sealed to: the worker's, or its attested enclave's for confidential jobs. */
export function sealingKeyFor(worker: Worker, tier: Tier): Uint8Array {
  if (tier === 'confidential') return enclaveSealingKey(worker.enclaveKey);
  return worker.settings.encryptionKey;
}

function randomSeed(): bigint {
  return new DataView(new Uint8Array(randomBytes(8)).buffer).getBigUint64(0, true);
}

function requestOf(input: { prompt?: string; messages?: ChatMessage[]; maxTokens?: number }, salt?: Uint8Array): RequestOpening & { commitment: Uint8Array } {
  return commitRequest({ prompt: input.prompt, messages: input.messages, maxTokens: input.maxTokens ?? 256 }, salt);
}

/**
 * Posts a job sealed to one worker (pinned to it unless `pin` is false): one read (credit
 * account, worker and config together; plus one getProgramAccounts when no worker is given),
 * then one transaction. The commitment is the salted hash of the request, independent of the
 * worker, so an unpinned job can be sealed again to whoever takes it (`sealForAssignedWorker`).
 */
export async function postJob(ctx: PeerContext, input: PostJobInput, opts?: SendOptions): Promise<PostJobResult> {
  const client = ctx.wallet.publicKey;
  const programId = ctx.programs.market;
  const tier = input.tier ?? 'open';
  const model = typeof input.model === 'string' ? modelId(input.model) : input.model;
  if (input.maxPrice <= 0n) throw new ValidationError('the max price must be greater than zero');
  const committed = requestOf(input, input.salt);
  const creditAddress = findCreditAccountPda(client, programId)[0];
  const configAddress = findConfigPda(programId)[0];

  let credit: Account<CreditAccount> | null;
  let worker: Account<Worker>;
  if (input.worker) {
    const [c, w] = await ctx.transport.getAccounts([creditAddress, input.worker]);
    credit = c ? creditAccountAccount.fromRecord(c, { programId }) : null;
    if (!w) throw new AccountNotFoundError('worker', input.worker);
    worker = workerAccount.fromRecord(w, { programId });
  } else {
    const [c, cfg] = await ctx.transport.getAccounts([creditAddress, configAddress]);
    credit = c ? creditAccountAccount.fromRecord(c, { programId }) : null;
    if (!cfg) throw new AccountNotFoundError('market config', configAddress);
    const config = configAccount.fromRecord(cfg, { programId }).data;
    const t = tierIndex(tier);
    const eligible = (await queryWorkers(ctx.transport, { paused: false }, { programId }))
      .filter((w) => workerEligibility(w.data, config, { tier, model, maxPrice: input.maxPrice, client, measurement: input.measurement }) === null)
      .sort((a, b) => (a.data.settings.prices[t] < b.data.settings.prices[t] ? -1 : a.data.settings.prices[t] > b.data.settings.prices[t] ? 1 : 0));
    if (eligible.length === 0) throw new ValidationError(`no eligible worker serves ${tier} jobs for model ${toHex(model).slice(0, 16)}… at ${input.maxPrice} credits or less`);
    worker = eligible[0];
  }
  if (!credit) throw new AccountNotFoundError('credit', creditAddress, 'buy credits first');
  if (credit.data.balance < input.maxPrice) {
    throw new ValidationError(`insufficient credits: ${credit.data.balance} free, the job locks ${input.maxPrice}`);
  }
  const { nonce, address: job } = nextJobAddress(client, credit.data.jobsPosted, programId);
  const secret = walletSecretKey(ctx);
  const replyDerived = !input.reply && secret !== null;
  const reply = input.reply ?? (secret ? jobReplyKeypair(secret, job) : randomEncryptionKeypair());
  const sealed = sealPrompt({ job, opening: committed, workerKey: sealingKeyFor(worker.data, tier), reply });
  const seed = input.seed ?? randomSeed();
  const instruction = ix.postJob(
    { client, job },
    {
      request: {
        tier,
        model,
        maxPrice: input.maxPrice,
        seed,
        promptCommitment: committed.commitment,
        pinnedWorker: input.pin === false ? PublicKey.default : worker.address,
        measurement: jobMeasurement(tier, input.measurement, worker.data),
      },
      nonce,
    },
    programId,
  );
  const tx = await sendInstructions(ctx, [instruction], opts);
  return {
    job,
    nonce,
    worker: worker.address,
    seed,
    model,
    tier,
    maxPrice: input.maxPrice,
    envelope: sealed.envelope,
    promptCommitment: committed.commitment,
    opening: { request: committed.request, salt: committed.salt },
    reply,
    replyDerived,
    tx,
  };
}

/**
 * Posts an unpinned job without choosing a worker: only the salted commitment goes on chain.
 * Once the matcher assigns it (or a worker claims it), `sealForAssignedWorker` seals the request
 * to that worker. One read (the credit account), one transaction.
 */
export async function postOpenJob(ctx: PeerContext, input: Omit<PostJobInput, 'worker' | 'pin'>, opts?: SendOptions): Promise<PostOpenJobResult> {
  const client = ctx.wallet.publicKey;
  const programId = ctx.programs.market;
  const tier = input.tier ?? 'open';
  const model = typeof input.model === 'string' ? modelId(input.model) : input.model;
  if (input.maxPrice <= 0n) throw new ValidationError('the max price must be greater than zero');
  const committed = requestOf(input, input.salt);
  const creditAddress = findCreditAccountPda(client, programId)[0];
  const credit = await creditAccountAccount.fetchMaybe(ctx.transport, creditAddress, { programId });
  if (!credit) throw new AccountNotFoundError('credit', creditAddress, 'buy credits first');
  if (credit.data.balance < input.maxPrice) throw new ValidationError(`insufficient credits: ${credit.data.balance} free, the job locks ${input.maxPrice}`);
  const { nonce, address: job } = nextJobAddress(client, credit.data.jobsPosted, programId);
  const secret = walletSecretKey(ctx);
  const replyDerived = !input.reply && secret !== null;
  const reply = input.reply ?? (secret ? jobReplyKeypair(secret, job) : randomEncryptionKeypair());
  const seed = input.seed ?? randomSeed();
  const instruction = ix.postJob(
    { client, job },
    {
      request: {
        tier,
        model,
        maxPrice: input.maxPrice,
        seed,
        promptCommitment: committed.commitment,
        pinnedWorker: PublicKey.default,
        measurement: jobMeasurement(tier, input.measurement, null),
      },
      nonce,
    },
    programId,
  );
  const tx = await sendInstructions(ctx, [instruction], opts);
  return {
    job,
    nonce,
    worker: null,
    seed,
    model,
    tier,
    maxPrice: input.maxPrice,
    envelope: null,
    promptCommitment: committed.commitment,
    opening: { request: committed.request, salt: committed.salt },
    reply,
    replyDerived,
    tx,
  };
}

export interface AssignedWorker {
  job: PublicKey;
  /** The worker account the job is assigned to. */
  worker: PublicKey;
  /** Its endpoint (from its on-chain settings). */
  endpoint: string;
  /** The key the request is sealed to (the enclave's for confidential jobs). */
  sealingKey: Uint8Array;
  /** The worker's on-chain encryption key (the result and stream are sealed from its enclave's for confidential jobs). */
  resultKey: Uint8Array;
  tier: Tier;
  envelope: Uint8Array;
}

/**
 * Seals a job's request to the worker it is assigned to (or pinned to, while still open). Two
 * reads (job, worker). Checks the opening against the on-chain commitment first.
 */
export async function sealForAssignedWorker(ctx: PeerContext, input: { job: PublicKey; opening: RequestOpening; reply: X25519Keypair }): Promise<AssignedWorker> {
  const programId = ctx.programs.market;
  const job = (await jobAccount.fetch(ctx.transport, input.job, { programId })).data;
  if (!openingMatches(input.opening, job.request.promptCommitment)) throw new CryptoError('the opening does not match the job\'s on-chain prompt commitment');
  let workerAddress: PublicKey;
  if (job.status === 'assigned') workerAddress = job.worker;
  else if (job.status === 'open' && !job.request.pinnedWorker.equals(PublicKey.default)) workerAddress = job.request.pinnedWorker;
  else throw new ValidationError(`job ${input.job.toBase58()} is ${job.status}: no worker to seal it to yet`);
  const worker = (await workerAccount.fetch(ctx.transport, workerAddress, { programId })).data;
  const sealingKey = sealingKeyFor(worker, job.request.tier);
  const sealed = sealPrompt({ job: input.job, opening: input.opening, workerKey: sealingKey, reply: input.reply });
  const endpoint = Buffer.from(worker.settings.endpoint.subarray(0, worker.settings.endpointLen)).toString('utf8');
  return { job: input.job, worker: workerAddress, endpoint, sealingKey, resultKey: sealingKey, tier: job.request.tier, envelope: sealed.envelope };
}

/** Cancels a job no worker took yet; its credits unlock and its rent returns. One transaction. */
export async function cancelJob(ctx: PeerContext, input: { job: PublicKey }, opts?: SendOptions): Promise<{ job: PublicKey; tx: SendResult }> {
  const client = ctx.wallet.publicKey;
  const creditAccount = findCreditAccountPda(client, ctx.programs.market)[0];
  const tx = await sendInstructions(ctx, [ix.cancelJob({ client, creditAccount, job: input.job }, {}, ctx.programs.market)], opts);
  return { job: input.job, tx };
}

/** A job's state: the account, or `closed` once it ended (finalized, cancelled or refunded). */
export type JobState = { job: PublicKey; status: JobStatus; data: Job } | { job: PublicKey; status: 'closed'; data: null };

/** One read. */
export async function jobState(ctx: PeerContext, job: PublicKey): Promise<JobState> {
  const acc = await jobAccount.fetchMaybe(ctx.transport, job, { programId: ctx.programs.market });
  return acc ? { job, status: acc.data.status, data: acc.data } : { job, status: 'closed', data: null };
}

export interface FollowOptions {
  /** Stop at one of these states (default: submitted or closed). */
  until?: (JobStatus | 'closed')[];
  pollMs?: number;
  timeoutMs?: number;
  /** Called on every change of status. */
  onChange?: (state: JobState) => void;
}

/** Polls a job until it reaches one of `until` (one read per poll). */
export async function followJob(ctx: PeerContext, job: PublicKey, opts: FollowOptions = {}): Promise<JobState> {
  const until = opts.until ?? ['submitted', 'closed'];
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last: string | null = null;
  for (;;) {
    const state = await jobState(ctx, job);
    if (state.status !== last) {
      last = state.status;
      opts.onChange?.(state);
    }
    if (until.includes(state.status)) return state;
    if (Date.now() >= deadline) throw new ValidationError(`job ${job.toBase58()} is still ${state.status} after ${opts.timeoutMs ?? 120_000} ms`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1_000));
  }
}

export interface ReadResultInput {
  job: PublicKey;
  /** The result envelope the worker returned (off-chain). */
  envelope: Uint8Array;
  /** The job's reply keypair (default: derived from the wallet). */
  reply?: X25519Keypair;
  /** For a job that already closed: its output hash and worker (from its ResultSubmitted event). */
  commitment?: { outputHash: Uint8Array; workerKey: Uint8Array; tier?: Tier; enclaveKey?: Uint8Array };
  /** Confidential jobs: the enclave's signature over (job, output_hash). */
  enclaveSignature?: Uint8Array;
}

export interface ReadResultOutput {
  job: PublicKey;
  text: string;
  output: Uint8Array;
  outputHash: Uint8Array;
  /** The result opened with the worker's key and matched the on-chain output hash. */
  verified: true;
  /** Confidential jobs: the enclave signature checked against the worker's registered enclave key. */
  enclaveVerified: boolean | null;
}

/**
 * Decrypts a job's result and verifies it: it must open with the client's reply key and the
 * worker's on-chain encryption key, hash to the job's on-chain output_hash, and, for a
 * confidential job, carry a valid signature of the worker's enclave. Two reads (job, worker).
 */
export async function readResult(ctx: PeerContext, input: ReadResultInput): Promise<ReadResultOutput> {
  const programId = ctx.programs.market;
  const secret = walletSecretKey(ctx);
  const reply = input.reply ?? (secret ? jobReplyKeypair(secret, input.job) : null);
  if (!reply) throw new ValidationError('the reply keypair is required for wallets without a secret key');
  let outputHashOnChain: Uint8Array;
  let workerKey: Uint8Array;
  let tier: Tier | undefined;
  let enclaveKey: Uint8Array | null = null;
  if (input.commitment) {
    outputHashOnChain = input.commitment.outputHash;
    workerKey = input.commitment.workerKey;
    tier = input.commitment.tier;
    enclaveKey = input.commitment.enclaveKey ?? null;
  } else {
    const job = await jobAccount.fetch(ctx.transport, input.job, { programId });
    if (job.data.status !== 'submitted' && job.data.status !== 'disputed') {
      throw new ValidationError(`job ${input.job.toBase58()} has no result yet (status ${job.data.status})`);
    }
    const worker = await workerAccount.fetch(ctx.transport, job.data.worker, { programId });
    outputHashOnChain = job.data.outputHash;
    tier = job.data.request.tier;
    enclaveKey = worker.data.enclaveKey.some((b) => b !== 0) ? worker.data.enclaveKey : null;
    // Confidential results are sealed inside the enclave, from the key the prompt was sealed to.
    workerKey = tier === 'confidential' && enclaveKey ? enclaveSealingKey(enclaveKey) : worker.data.settings.encryptionKey;
  }
  const verified = verifyResult({ envelope: input.envelope, reply, workerKey, expectedOutputHash: outputHashOnChain });
  let enclaveVerified: boolean | null = null;
  if (tier === 'confidential') {
    if (!input.enclaveSignature) throw new CryptoError('a confidential result needs the enclave signature');
    if (!enclaveKey) throw new CryptoError('the worker has no registered enclave key');
    enclaveVerified = verifyEnclaveSignature({ job: input.job, outputHash: verified.outputHash, signature: input.enclaveSignature, enclaveKey });
    if (!enclaveVerified) throw new CryptoError('the enclave signature does not verify against the worker\'s enclave key');
  }
  return { job: input.job, text: verified.text, output: verified.output, outputHash: verified.outputHash, verified: true, enclaveVerified };
}
