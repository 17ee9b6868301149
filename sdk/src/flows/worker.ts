/**
 * Worker flows: register, update, bond and unbond $PEER, take jobs, decrypt prompts, submit
 * (encrypted) results, claim USDC earnings, and read the worker's status.
 */
import { Ed25519Program, PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { configAccount, jobAccount, queryJobs, workerAccount, type Config, type Job, type Tier, type Worker } from '../accounts/market';
import type { Account } from '../accounts/fetch';
import { associatedTokenAddress, createAssociatedTokenAccountIdempotent, decodeClock, decodeTokenAccount, SYSVAR_CLOCK_PUBKEY } from '../accounts/token';
import { marketInfo, walletSecretKey, type PeerContext } from '../context';
import {
  enclaveEncryptionKeypair,
  enclaveResultMessage,
  openPrompt,
  outputHash as hashOutput,
  sealResult,
  workerEncryptionKeypair,
  type OpenedPrompt,
  type X25519Keypair,
} from '../crypto/envelope';
import { AccountNotFoundError, ValidationError } from '../errors';
import * as ix from '../instructions/market';
import { findBondVaultPda, findConfigPda, findWorkerPda } from '../pda';
import { sendInstructions, type SendOptions, type SendResult } from '../rpc/send';
import { workerEligibility } from './client';
import { describeSettings, tierIndex, workerSettings, type WorkerSettingsInput } from './settings';
import nacl from 'tweetnacl';

export interface WorkerTx {
  worker: PublicKey;
  tx: SendResult;
}

function workerAddress(ctx: PeerContext, authority: PublicKey = ctx.wallet.publicKey): PublicKey {
  return findWorkerPda(authority, ctx.programs.market)[0];
}

/** The worker's x25519 keypair: given, or derived from the wallet's secret key. */
export function workerKeypair(ctx: PeerContext, given?: X25519Keypair): X25519Keypair {
  if (given) return given;
  const secret = walletSecretKey(ctx);
  if (!secret) throw new ValidationError('the worker encryption keypair is required for wallets without a secret key');
  return workerEncryptionKeypair(secret);
}

export type RegisterWorkerInput = Omit<WorkerSettingsInput, 'encryptionKey'> & { encryptionKey?: Uint8Array };

/** Registers the wallet as a worker (encryption key derived from the wallet unless given). One transaction. */
export async function registerWorker(
  ctx: PeerContext,
  input: RegisterWorkerInput,
  opts?: SendOptions,
): Promise<WorkerTx & { bondVault: PublicKey; encryptionKey: Uint8Array }> {
  const info = await marketInfo(ctx);
  const authority = ctx.wallet.publicKey;
  const encryptionKey = input.encryptionKey ?? workerKeypair(ctx).publicKey;
  const settings = workerSettings({ ...input, encryptionKey });
  const worker = workerAddress(ctx);
  const tx = await sendInstructions(ctx, [ix.registerWorker({ authority, peerMint: info.peerMint }, { settings }, ctx.programs.market)], opts);
  return { worker, bondVault: findBondVaultPda(worker, ctx.programs.market)[0], encryptionKey, tx };
}

/** Changes some settings (the others are kept). One read, one transaction. */
export async function updateWorker(ctx: PeerContext, changes: Partial<WorkerSettingsInput>, opts?: SendOptions): Promise<WorkerTx> {
  const authority = ctx.wallet.publicKey;
  const worker = workerAddress(ctx);
  const current = describeSettings((await workerAccount.fetch(ctx.transport, worker, { programId: ctx.programs.market })).data.settings);
  const merged: WorkerSettingsInput = { ...current, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) };
  if (changes.tiers && !changes.prices) merged.prices = current.prices;
  const settings = workerSettings(merged);
  const tx = await sendInstructions(ctx, [ix.updateWorker({ authority }, { settings }, ctx.programs.market)], opts);
  return { worker, tx };
}

/** Bonds `amount` $PEER base units from `source` (default: the wallet's $PEER ATA). */
export async function bondWorker(ctx: PeerContext, input: { amount: bigint; source?: PublicKey }, opts?: SendOptions): Promise<WorkerTx> {
  const info = await marketInfo(ctx);
  const authority = ctx.wallet.publicKey;
  const source = input.source ?? associatedTokenAddress(info.peerMint, authority);
  const tx = await sendInstructions(ctx, [ix.bond({ authority, source }, { amount: input.amount }, ctx.programs.market)], opts);
  return { worker: workerAddress(ctx), tx };
}

/** Starts the unbond cooldown for `amount` $PEER base units. One transaction. */
export async function unbondWorker(ctx: PeerContext, input: { amount: bigint }, opts?: SendOptions): Promise<WorkerTx> {
  const authority = ctx.wallet.publicKey;
  const tx = await sendInstructions(ctx, [ix.requestUnbond({ authority }, { amount: input.amount }, ctx.programs.market)], opts);
  return { worker: workerAddress(ctx), tx };
}

/** After the cooldown, moves the unbonding $PEER to `destination` (default: the wallet's ATA, created if missing). */
export async function withdrawUnbonded(ctx: PeerContext, input: { destination?: PublicKey } = {}, opts?: SendOptions): Promise<WorkerTx> {
  const info = await marketInfo(ctx);
  const authority = ctx.wallet.publicKey;
  const ixs: TransactionInstruction[] = [];
  let destination = input.destination;
  if (!destination) {
    destination = associatedTokenAddress(info.peerMint, authority);
    ixs.push(createAssociatedTokenAccountIdempotent(authority, info.peerMint, authority));
  }
  ixs.push(ix.withdrawUnbonded({ authority, destination }, {}, ctx.programs.market));
  return { worker: workerAddress(ctx), tx: await sendInstructions(ctx, ixs, opts) };
}

export async function pauseWorker(ctx: PeerContext, opts?: SendOptions): Promise<WorkerTx> {
  const tx = await sendInstructions(ctx, [ix.pauseWorker({ authority: ctx.wallet.publicKey }, {}, ctx.programs.market)], opts);
  return { worker: workerAddress(ctx), tx };
}

export async function resumeWorker(ctx: PeerContext, opts?: SendOptions): Promise<WorkerTx> {
  const tx = await sendInstructions(ctx, [ix.resumeWorker({ authority: ctx.wallet.publicKey }, {}, ctx.programs.market)], opts);
  return { worker: workerAddress(ctx), tx };
}

/** Closes an idle, unbonded worker; rent and any stray $PEER come back. */
export async function closeWorker(ctx: PeerContext, input: { destination?: PublicKey } = {}, opts?: SendOptions): Promise<WorkerTx> {
  const info = await marketInfo(ctx);
  const authority = ctx.wallet.publicKey;
  const ixs: TransactionInstruction[] = [];
  let destination = input.destination;
  if (!destination) {
    destination = associatedTokenAddress(info.peerMint, authority);
    ixs.push(createAssociatedTokenAccountIdempotent(authority, info.peerMint, authority));
  }
  ixs.push(ix.closeWorker({ authority, destination }, {}, ctx.programs.market));
  return { worker: workerAddress(ctx), tx: await sendInstructions(ctx, ixs, opts) };
}

/** Claims the worker's USDC earnings into `destination` (default: the wallet's USDC ATA, created if missing). */
export async function claimEarnings(ctx: PeerContext, input: { destination?: PublicKey } = {}, opts?: SendOptions): Promise<WorkerTx & { destination: PublicKey }> {
  const info = await marketInfo(ctx);
  const authority = ctx.wallet.publicKey;
  const ixs: TransactionInstruction[] = [];
  let destination = input.destination;
  if (!destination) {
    destination = associatedTokenAddress(info.usdcMint, authority);
    ixs.push(createAssociatedTokenAccountIdempotent(authority, info.usdcMint, authority));
  }
  ixs.push(ix.claimEarnings({ authority, destination }, {}, ctx.programs.market));
  return { worker: workerAddress(ctx), destination, tx: await sendInstructions(ctx, ixs, opts) };
}

export interface WorkerStatus {
  authority: PublicKey;
  worker: PublicKey;
  exists: boolean;
  data: Worker | null;
  bondVault: PublicKey;
  /** $PEER in the bond vault. */
  vaultBalance: bigint;
  /** Bond that counts for eligibility (bond − unbonding). */
  effectiveBond: bigint;
  /** Tiers whose minimum bond the effective bond meets. */
  bondedTiers: Tier[];
  /** Seconds until the unbonding amount can be withdrawn (0: now; null: nothing unbonding). */
  unbondReadyIn: bigint | null;
  now: bigint;
}

/** A worker's account, vault balance and eligibility. One read. */
export async function workerStatus(ctx: PeerContext, authority: PublicKey = ctx.wallet.publicKey): Promise<WorkerStatus> {
  const programId = ctx.programs.market;
  const worker = workerAddress(ctx, authority);
  const bondVault = findBondVaultPda(worker, programId)[0];
  const [w, v, c, clock] = await ctx.transport.getAccounts([worker, bondVault, findConfigPda(programId)[0], SYSVAR_CLOCK_PUBKEY]);
  const now = clock ? decodeClock(clock).unixTimestamp : 0n;
  if (!w) {
    return { authority, worker, exists: false, data: null, bondVault, vaultBalance: 0n, effectiveBond: 0n, bondedTiers: [], unbondReadyIn: null, now };
  }
  const data = workerAccount.fromRecord(w, { programId }).data;
  const config = c ? configAccount.fromRecord(c, { programId }).data : null;
  const effectiveBond = data.bond - data.unbonding;
  const bondedTiers = config ? (['open', 'verified', 'confidential'] as Tier[]).filter((t) => effectiveBond >= config.params.minBond[tierIndex(t)]) : [];
  const unbondReadyIn = data.unbonding === 0n ? null : data.unbondAvailableAt > now ? data.unbondAvailableAt - now : 0n;
  return {
    authority,
    worker,
    exists: true,
    data,
    bondVault,
    vaultBalance: v ? decodeTokenAccount(v).amount : 0n,
    effectiveBond,
    bondedTiers,
    unbondReadyIn,
    now,
  };
}

export interface OpenJob {
  job: Account<Job>;
  /** Why this worker cannot take it, or null when it can. */
  ineligible: string | null;
  /** Seconds until this worker may claim it itself (0: now). */
  claimableIn: bigint;
}

/** Open jobs this worker could take (one getProgramAccounts, one read for the worker, config and clock). */
export async function listOpenJobs(ctx: PeerContext, opts: { includeIneligible?: boolean } = {}): Promise<OpenJob[]> {
  const programId = ctx.programs.market;
  const worker = workerAddress(ctx);
  const [w, c, clock] = await ctx.transport.getAccounts([worker, findConfigPda(programId)[0], SYSVAR_CLOCK_PUBKEY]);
  if (!w) throw new AccountNotFoundError('worker', worker, 'register the worker first');
  if (!c) throw new AccountNotFoundError('market config', findConfigPda(programId)[0]);
  const me = workerAccount.fromRecord(w, { programId }).data;
  const config: Config = configAccount.fromRecord(c, { programId }).data;
  const now = clock ? decodeClock(clock).unixTimestamp : 0n;
  const jobs = await queryJobs(ctx.transport, { status: 'open' }, { programId });
  const out: OpenJob[] = jobs.map((job) => {
    const r = job.data.request;
    let ineligible = workerEligibility(me, config, { tier: r.tier, model: r.model, maxPrice: r.maxPrice });
    if (!ineligible && !r.pinnedWorker.equals(PublicKey.default) && !r.pinnedWorker.equals(worker)) ineligible = 'pinned to another worker';
    const readyAt = job.data.openSince + BigInt(config.params.claimDelaySecs);
    return { job, ineligible, claimableIn: readyAt > now ? readyAt - now : 0n };
  });
  return opts.includeIneligible ? out : out.filter((j) => j.ineligible === null);
}

/** Takes an open job after the claim delay. One transaction. */
export async function claimJob(ctx: PeerContext, input: { job: PublicKey }, opts?: SendOptions): Promise<WorkerTx & { job: PublicKey }> {
  const authority = ctx.wallet.publicKey;
  const tx = await sendInstructions(ctx, [ix.claimJob({ authority, job: input.job, worker: workerAddress(ctx) }, {}, ctx.programs.market)], opts);
  return { worker: workerAddress(ctx), job: input.job, tx };
}

/** Decrypts a prompt envelope addressed to this worker and checks it belongs to `job` when given. */
export function decryptPrompt(ctx: PeerContext, envelope: Uint8Array, opts: { job?: PublicKey; keypair?: X25519Keypair } = {}): OpenedPrompt {
  const opened = openPrompt(envelope, workerKeypair(ctx, opts.keypair));
  if (opts.job && !opened.job.equals(opts.job)) throw new ValidationError(`the prompt belongs to job ${opened.job.toBase58()}, not ${opts.job.toBase58()}`);
  return opened;
}

export interface SubmitResultInput {
  job: PublicKey;
  /** The plaintext output (its sha256 is committed on-chain). */
  output: Uint8Array | string;
  /** The client's prompt envelope: the result is encrypted to its reply key. */
  promptEnvelope?: Uint8Array;
  /** Or the reply key directly. */
  replyKey?: Uint8Array;
  keypair?: X25519Keypair;
  /** Confidential jobs: the enclave's ed25519 secret key (64 bytes) that signs (job, output_hash). */
  enclaveSecretKey?: Uint8Array;
}

export interface SubmitResultOutput extends WorkerTx {
  job: PublicKey;
  outputHash: Uint8Array;
  /** The encrypted result to return to the client (off-chain); null without a reply key. */
  envelope: Uint8Array | null;
  /** Confidential jobs: the enclave signature over (job, output_hash). */
  enclaveSignature: Uint8Array | null;
}

/**
 * Commits a job's output on-chain (model and seed from the job) and seals it for the client.
 * One read (the job), one transaction (with the Ed25519 verification for a confidential job).
 */
export async function submitResult(ctx: PeerContext, input: SubmitResultInput, opts?: SendOptions): Promise<SubmitResultOutput> {
  const programId = ctx.programs.market;
  const authority = ctx.wallet.publicKey;
  const worker = workerAddress(ctx);
  const job = (await jobAccount.fetch(ctx.transport, input.job, { programId })).data;
  // Confidential prompts are sealed to the enclave's key; the result is sealed from it too.
  const keys = job.request.tier === 'confidential' && input.enclaveSecretKey ? enclaveEncryptionKeypair(input.enclaveSecretKey) : workerKeypair(ctx, input.keypair);
  let replyKey = input.replyKey ?? null;
  if (!replyKey && input.promptEnvelope) replyKey = decryptPrompt(ctx, input.promptEnvelope, { job: input.job, keypair: keys }).replyKey;
  const sealed = replyKey ? sealResult({ output: input.output, replyKey, worker: keys }) : null;
  const outputHash = sealed?.outputHash ?? hashOutput(input.output);
  const result = { outputHash, model: job.request.model, seed: job.request.seed };
  const ixs: TransactionInstruction[] = [];
  let enclaveSignature: Uint8Array | null = null;
  if (job.request.tier === 'confidential') {
    if (!input.enclaveSecretKey) throw new ValidationError('a confidential job needs the enclave secret key to sign the result');
    const message = enclaveResultMessage(input.job, outputHash);
    enclaveSignature = nacl.sign.detached(message, input.enclaveSecretKey);
    ixs.push(Ed25519Program.createInstructionWithPublicKey({ publicKey: input.enclaveSecretKey.slice(32), message, signature: enclaveSignature }));
    ixs.push(ix.submitConfidentialResult({ authority, job: input.job, worker }, { result }, programId));
  } else {
    ixs.push(ix.submitResult({ authority, job: input.job, worker }, { result }, programId));
  }
  const tx = await sendInstructions(ctx, ixs, opts);
  return { worker, job: input.job, outputHash, envelope: sealed?.envelope ?? null, enclaveSignature, tx };
}

/** The message the attestation authority signs for an enclave: worker ‖ enclave key ‖ measurement ‖ expires_at (i64 LE). */
export function attestationMessage(worker: PublicKey, enclaveKey: Uint8Array, measurement: Uint8Array, expiresAt: bigint): Uint8Array {
  const exp = Buffer.alloc(8);
  exp.writeBigInt64LE(expiresAt);
  return new Uint8Array(Buffer.concat([worker.toBuffer(), Buffer.from(enclaveKey), Buffer.from(measurement), exp]));
}

/**
 * Registers the worker's attested enclave key: the attestation authority's signature over
 * (worker, enclave key, measurement, expiry) goes in an Ed25519 instruction before ours.
 */
export async function registerEnclave(
  ctx: PeerContext,
  input: { enclaveKey: Uint8Array; measurement: Uint8Array; expiresAt: bigint; attestationSignature: Uint8Array; attestationAuthority: PublicKey },
  opts?: SendOptions,
): Promise<WorkerTx> {
  const authority = ctx.wallet.publicKey;
  const worker = workerAddress(ctx);
  const message = attestationMessage(worker, input.enclaveKey, input.measurement, input.expiresAt);
  const ixs = [
    Ed25519Program.createInstructionWithPublicKey({ publicKey: input.attestationAuthority.toBytes(), message, signature: input.attestationSignature }),
    ix.registerEnclave(
      { authority, worker },
      { enclaveKey: input.enclaveKey, measurement: input.measurement, expiresAt: input.expiresAt },
      ctx.programs.market,
    ),
  ];
  return { worker, tx: await sendInstructions(ctx, ixs, opts) };
}
