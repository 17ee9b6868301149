/**
 * Prompt privacy and result verification (tweetnacl box = x25519 + XSalsa20-Poly1305).
 *
 * Keys. A worker publishes an x25519 `encryption_key` in its on-chain settings. A client uses a
 * fresh x25519 key per job (its *reply key*); both can be derived from an ed25519 wallet secret
 * so nothing has to be stored:
 *   secret = sha256("peer-cycles/x25519/v1" ‖ 0x00 ‖ ed25519 seed (32) ‖ 0x00 ‖ context)
 * with context "worker" for a worker's key and "job" ‖ job address (32) for a reply key.
 * Confidential jobs are sealed to the worker's attested enclave instead: the x25519 key is the
 * Montgomery form of the enclave's on-chain ed25519 key (`enclaveSealingKey`), so the prompt
 * opens only inside the enclave that holds the attested key.
 *
 * The commitment (version 2). The job's prompt_commitment is a salted hash of the plaintext
 * request (see request.ts), fixed before any worker is chosen: a job can be posted unpinned and
 * sealed to whichever worker the matcher or a self-claim picks.
 *
 * Prompt envelope (client → worker), version 2, bytes:
 *   [0]      0x02 version
 *   [1]      0x50 ('P')  (0x41 'A' for an audit opening sent to a validator, see audit.ts)
 *   [2..34)  the sender's public key (x25519; for a prompt, the client's reply key)
 *   [34..58) nonce (24 random bytes)
 *   [58..)   nacl.box(plaintext, nonce, recipient key, sender secret key)
 *   plaintext = job address (32) ‖ salt (32) ‖ request bytes (request.ts)
 *   The recipient checks requestCommitment(request, salt) against the job's on-chain commitment.
 * Version 1 (sha256 of the whole envelope as the commitment, JSON plaintext, tied to one worker)
 * is still opened for jobs posted before version 2; nothing seals it any more.
 *
 * Result envelope (worker → client), bytes:
 *   [0]      0x02 version (0x01 accepted)
 *   [1]      0x52 ('R')
 *   [2..26)  nonce (24 random bytes)
 *   [26..)   nacl.box(output, nonce, client reply public key, worker encryption secret key)
 *   output_hash (on-chain, ResultCommitment) = sha256(output), the plaintext output bytes, so a
 *   validator that re-executes the job compares hashes without any key.
 * Stream chunks (worker → client while generating) are in stream.ts.
 *
 * Opening the result with the worker's on-chain key authenticates it as the worker's; hashing it
 * and comparing with the job's output_hash verifies the on-chain commitment.
 *
 * Confidential tier: the worker's attested enclave signs (ed25519) job address (32) ‖ output_hash
 * (32), the exact message `submit_confidential_result` checks on-chain through the Ed25519
 * program; `verifyEnclaveSignature` checks it against the enclave key the worker registered.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { PublicKey } from '@solana/web3.js';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { CryptoError } from '../errors';
import { sha256, toHex } from './hash';
import { decodeRequest, requestCommitment, type InferenceRequest, type RequestOpening } from './request';

export { sha256, toHex } from './hash';

export const ENVELOPE_VERSION = 2;
const LEGACY_VERSION = 1;
export const KIND_PROMPT = 0x50;
export const KIND_AUDIT = 0x41;
export const KIND_RESULT = 0x52;
const KEY_DOMAIN = 'peer-cycles/x25519/v1';
const PROMPT_HEADER = 2 + 32 + 24;
const RESULT_HEADER = 2 + 24;

export interface X25519Keypair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** A model id: sha256 of the model's name ("llama-3.1-8b-instruct"), or 64 hex digits as is. */
export function modelId(nameOrHex: string): Uint8Array {
  if (/^[0-9a-f]{64}$/i.test(nameOrHex)) return new Uint8Array(Buffer.from(nameOrHex, 'hex'));
  return sha256(nameOrHex);
}

/** A fresh random x25519 keypair. */
export function randomEncryptionKeypair(): X25519Keypair {
  return nacl.box.keyPair();
}

/** The x25519 keypair derived from an ed25519 secret key (64 bytes, as in a Keypair) and a context. */
export function deriveEncryptionKeypair(ed25519SecretKey: Uint8Array, context: Uint8Array | string): X25519Keypair {
  if (ed25519SecretKey.length !== 64) throw new CryptoError('expected a 64-byte ed25519 secret key');
  const ctx = typeof context === 'string' ? Buffer.from(context) : Buffer.from(context);
  const secret = sha256(Buffer.concat([Buffer.from(KEY_DOMAIN), Buffer.from([0]), Buffer.from(ed25519SecretKey.subarray(0, 32)), Buffer.from([0]), ctx]));
  return nacl.box.keyPair.fromSecretKey(secret);
}

/** A worker's encryption keypair, derived from its authority's secret key. */
export function workerEncryptionKeypair(authoritySecretKey: Uint8Array): X25519Keypair {
  return deriveEncryptionKeypair(authoritySecretKey, 'worker');
}

/** A client's reply keypair for one job, derived from its secret key and the job address. */
export function jobReplyKeypair(clientSecretKey: Uint8Array, job: PublicKey): X25519Keypair {
  return deriveEncryptionKeypair(clientSecretKey, Buffer.concat([Buffer.from('job'), job.toBuffer()]));
}

/** The x25519 key a confidential prompt is sealed to: the Montgomery form of the enclave's ed25519 key. */
export function enclaveSealingKey(enclaveKey: Uint8Array | PublicKey): Uint8Array {
  const key = enclaveKey instanceof PublicKey ? enclaveKey.toBytes() : enclaveKey;
  if (key.length !== 32 || key.every((b) => b === 0)) throw new CryptoError('the worker has no enclave key');
  try {
    return ed25519.utils.toMontgomery(key);
  } catch {
    throw new CryptoError('the enclave key is not a valid ed25519 point');
  }
}

/** The enclave's x25519 keypair from its ed25519 secret key (64 bytes, or the 32-byte seed). */
export function enclaveEncryptionKeypair(enclaveSecretKey: Uint8Array): X25519Keypair {
  if (enclaveSecretKey.length !== 64 && enclaveSecretKey.length !== 32) throw new CryptoError('expected an ed25519 secret key');
  return nacl.box.keyPair.fromSecretKey(ed25519.utils.toMontgomerySecret(enclaveSecretKey.subarray(0, 32)));
}

// ---- prompts ------------------------------------------------------------------------------------

export interface SealedPrompt {
  envelope: Uint8Array;
  /** The salted request commitment (equal to the job's prompt_commitment). */
  commitment: Uint8Array;
}

/** Seals job ‖ salt ‖ request to `recipientKey` from `sender` (kind P for a worker, A for a validator). */
export function sealOpening(args: { kind: number; job: PublicKey; opening: RequestOpening; recipientKey: Uint8Array; sender: X25519Keypair; nonce?: Uint8Array }): Uint8Array {
  if (args.recipientKey.length !== 32 || args.recipientKey.every((b) => b === 0)) throw new CryptoError('the recipient has no valid encryption key');
  if (args.opening.salt.length !== 32) throw new CryptoError('the request salt is 32 bytes');
  const nonce = args.nonce ?? new Uint8Array(randomBytes(24));
  const plaintext = Buffer.concat([args.job.toBuffer(), Buffer.from(args.opening.salt), Buffer.from(args.opening.request)]);
  const box = nacl.box(plaintext, nonce, args.recipientKey, args.sender.secretKey);
  return new Uint8Array(Buffer.concat([Buffer.from([ENVELOPE_VERSION, args.kind]), Buffer.from(args.sender.publicKey), Buffer.from(nonce), Buffer.from(box)]));
}

/**
 * Encrypts a job's request to the worker's x25519 key (its enclave's for confidential jobs), from
 * the client's reply keypair. The opening comes from `commitRequest` (request.ts).
 */
export function sealPrompt(args: { job: PublicKey; opening: RequestOpening; workerKey: Uint8Array; reply: X25519Keypair; nonce?: Uint8Array }): SealedPrompt {
  if (args.workerKey.length !== 32 || args.workerKey.every((b) => b === 0)) throw new CryptoError('the worker has no valid encryption key');
  const envelope = sealOpening({ kind: KIND_PROMPT, job: args.job, opening: args.opening, recipientKey: args.workerKey, sender: args.reply, nonce: args.nonce });
  return { envelope, commitment: requestCommitment(args.opening.request, args.opening.salt) };
}

export interface OpenedPrompt {
  version: 1 | 2;
  job: PublicKey;
  /** The request (a version 1 envelope's prompt becomes a prompt request with max_tokens 256). */
  request: InferenceRequest;
  /** Version 2: the exact request bytes and salt (the opening); version 1: null. */
  opening: RequestOpening | null;
  /** The text prompt of a prompt request ('' for chat requests). */
  prompt: string;
  /** The sender's key: for a prompt, the client's reply key (encrypt the result to it). */
  replyKey: Uint8Array;
  /** What the job's prompt_commitment must equal. */
  commitment: Uint8Array;
}

/** Opens a version 2 envelope of `kind` (P or A) with the recipient's keypair. */
export function openOpening(envelope: Uint8Array, recipient: X25519Keypair, kind: number): OpenedPrompt {
  if (envelope.length < PROMPT_HEADER + nacl.box.overheadLength + 64 || envelope[0] !== ENVELOPE_VERSION || envelope[1] !== kind) {
    throw new CryptoError(`not a version 2 ${kind === KIND_AUDIT ? 'audit' : 'prompt'} envelope`);
  }
  const replyKey = envelope.slice(2, 34);
  const nonce = envelope.slice(34, 58);
  const plain = nacl.box.open(envelope.slice(PROMPT_HEADER), nonce, replyKey, recipient.secretKey);
  if (!plain) throw new CryptoError(`the ${kind === KIND_AUDIT ? 'audit' : 'prompt'} envelope does not open with this key`);
  const job = new PublicKey(plain.slice(0, 32));
  const salt = plain.slice(32, 64);
  const requestBytes = plain.slice(64);
  const request = decodeRequest(requestBytes);
  return {
    version: 2,
    job,
    request,
    opening: { request: requestBytes, salt },
    prompt: request.prompt ?? '',
    replyKey,
    commitment: requestCommitment(requestBytes, salt),
  };
}

function openLegacyPrompt(envelope: Uint8Array, worker: X25519Keypair): OpenedPrompt {
  if (envelope.length < PROMPT_HEADER + nacl.box.overheadLength) throw new CryptoError('not a version 1 prompt envelope');
  const replyKey = envelope.slice(2, 34);
  const plain = nacl.box.open(envelope.slice(PROMPT_HEADER), envelope.slice(34, 58), replyKey, worker.secretKey);
  if (!plain) throw new CryptoError('the prompt envelope does not open with this key');
  let parsed: { v?: number; job?: string; prompt?: string };
  try {
    parsed = JSON.parse(Buffer.from(plain).toString('utf8')) as typeof parsed;
  } catch {
    throw new CryptoError('the prompt envelope holds no valid payload');
  }
  if (parsed.v !== LEGACY_VERSION || typeof parsed.job !== 'string' || typeof parsed.prompt !== 'string' || parsed.prompt.length === 0) {
    throw new CryptoError('the prompt envelope holds no valid payload');
  }
  return { version: 1, job: new PublicKey(parsed.job), request: { v: 1, maxTokens: 256, prompt: parsed.prompt }, opening: null, prompt: parsed.prompt, replyKey, commitment: sha256(envelope) };
}

/** Decrypts a prompt envelope (version 2, or a legacy version 1) with the worker's encryption keypair. */
export function openPrompt(envelope: Uint8Array, worker: X25519Keypair): OpenedPrompt {
  if (envelope.length >= 2 && envelope[0] === LEGACY_VERSION && envelope[1] === KIND_PROMPT) return openLegacyPrompt(envelope, worker);
  return openOpening(envelope, worker, KIND_PROMPT);
}

/** Whether an opened prompt matches the job's on-chain prompt_commitment. */
export function promptMatchesCommitment(opened: OpenedPrompt, onChain: Uint8Array): boolean {
  return Buffer.from(opened.commitment).equals(Buffer.from(onChain));
}

// ---- results ------------------------------------------------------------------------------------

/** sha256 of the plaintext output: the result commitment's output_hash. */
export function outputHash(output: Uint8Array | string): Uint8Array {
  return sha256(typeof output === 'string' ? Buffer.from(output, 'utf8') : output);
}

export interface SealedResult {
  envelope: Uint8Array;
  outputHash: Uint8Array;
}

/** Encrypts a job's output to the client's reply key, from the worker's encryption keypair. */
export function sealResult(args: { output: Uint8Array | string; replyKey: Uint8Array; worker: X25519Keypair; nonce?: Uint8Array }): SealedResult {
  const bytes = typeof args.output === 'string' ? Buffer.from(args.output, 'utf8') : args.output;
  const nonce = args.nonce ?? new Uint8Array(randomBytes(24));
  const box = nacl.box(bytes, nonce, args.replyKey, args.worker.secretKey);
  const envelope = new Uint8Array(Buffer.concat([Buffer.from([ENVELOPE_VERSION, KIND_RESULT]), Buffer.from(nonce), Buffer.from(box)]));
  return { envelope, outputHash: outputHash(bytes) };
}

/** Decrypts a result envelope with the client's reply keypair and the worker's public key. */
export function openResult(envelope: Uint8Array, args: { reply: X25519Keypair; workerKey: Uint8Array }): Uint8Array {
  if (envelope.length < RESULT_HEADER + nacl.box.overheadLength || (envelope[0] !== ENVELOPE_VERSION && envelope[0] !== LEGACY_VERSION) || envelope[1] !== KIND_RESULT) {
    throw new CryptoError('not a result envelope');
  }
  const nonce = envelope.slice(2, RESULT_HEADER);
  const plain = nacl.box.open(envelope.slice(RESULT_HEADER), nonce, args.workerKey, args.reply.secretKey);
  if (!plain) throw new CryptoError("the result envelope does not open: wrong reply key, or not from the job's worker");
  return plain;
}

export interface VerifiedResult {
  output: Uint8Array;
  /** The output as UTF-8 text. */
  text: string;
  outputHash: Uint8Array;
}

/** Opens a result and checks it against the on-chain output_hash (CryptoError when they differ). */
export function verifyResult(args: { envelope: Uint8Array; reply: X25519Keypair; workerKey: Uint8Array; expectedOutputHash: Uint8Array }): VerifiedResult {
  const output = openResult(args.envelope, args);
  const hash = outputHash(output);
  if (!Buffer.from(hash).equals(Buffer.from(args.expectedOutputHash))) {
    throw new CryptoError(`the result does not match the on-chain commitment (sha256 ${toHex(hash)} ≠ ${toHex(args.expectedOutputHash)})`);
  }
  return { output, text: Buffer.from(output).toString('utf8'), outputHash: hash };
}

// ---- confidential tier --------------------------------------------------------------------------

/** The message an enclave signs for a result: job address ‖ output_hash (64 bytes). */
export function enclaveResultMessage(job: PublicKey, hash: Uint8Array): Uint8Array {
  if (hash.length !== 32) throw new CryptoError('output_hash must be 32 bytes');
  return new Uint8Array(Buffer.concat([job.toBuffer(), Buffer.from(hash)]));
}

/** Signs a result as an enclave would (its ed25519 secret key, 64 bytes). */
export function signEnclaveResult(job: PublicKey, hash: Uint8Array, enclaveSecretKey: Uint8Array): Uint8Array {
  return nacl.sign.detached(enclaveResultMessage(job, hash), enclaveSecretKey);
}

/** Checks an enclave's signature over (job, output_hash) against its attested ed25519 key. */
export function verifyEnclaveSignature(args: { job: PublicKey; outputHash: Uint8Array; signature: Uint8Array; enclaveKey: PublicKey | Uint8Array }): boolean {
  const key = args.enclaveKey instanceof PublicKey ? args.enclaveKey.toBytes() : args.enclaveKey;
  if (args.signature.length !== 64 || key.length !== 32) return false;
  return nacl.sign.detached.verify(enclaveResultMessage(args.job, args.outputHash), args.signature, key);
}
