/**
 * Prompt privacy and result verification (tweetnacl box = x25519 + XSalsa20-Poly1305).
 *
 * Keys. A worker publishes an x25519 `encryption_key` in its on-chain settings. A client uses a
 * fresh x25519 key per job (its *reply key*); both can be derived from an ed25519 wallet secret
 * so nothing has to be stored:
 *   secret = sha256("peer-cycles/x25519/v1" ‖ 0x00 ‖ ed25519 seed (32) ‖ 0x00 ‖ context)
 * with context "worker" for a worker's key and "job" ‖ job address (32) for a reply key.
 *
 * Prompt envelope (client → worker), bytes:
 *   [0]      0x01 version
 *   [1]      0x50 ('P')
 *   [2..34)  the client's reply public key (x25519)
 *   [34..58) nonce (24 random bytes)
 *   [58..)   nacl.box(plaintext, nonce, worker encryption_key, reply secret key)
 *   plaintext = UTF-8 JSON {"v":1,"job":"<job address, base58>","prompt":"<text>"}
 *   prompt_commitment (on-chain, JobRequest) = sha256(the whole envelope)
 *
 * Result envelope (worker → client), bytes:
 *   [0]      0x01 version
 *   [1]      0x52 ('R')
 *   [2..26)  nonce (24 random bytes)
 *   [26..)   nacl.box(output, nonce, client reply public key, worker encryption secret key)
 *   output_hash (on-chain, ResultCommitment) = sha256(output), the plaintext output bytes, so a
 *   validator that re-executes the job compares hashes without any key.
 *
 * Opening the result with the worker's on-chain key authenticates it as the worker's; hashing it
 * and comparing with the job's output_hash verifies the on-chain commitment.
 *
 * Confidential tier: the worker's attested enclave signs (ed25519) job address (32) ‖ output_hash
 * (32), the exact message `submit_confidential_result` checks on-chain through the Ed25519
 * program; `verifyEnclaveSignature` checks it against the enclave key the worker registered.
 */
import { PublicKey } from '@solana/web3.js';
import { createHash, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { CryptoError } from '../errors';

export const ENVELOPE_VERSION = 1;
const KIND_PROMPT = 0x50;
const KIND_RESULT = 0x52;
const KEY_DOMAIN = 'peer-cycles/x25519/v1';
const PROMPT_HEADER = 2 + 32 + 24;
const RESULT_HEADER = 2 + 24;

export interface X25519Keypair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** A model id: sha256 of the model's name ("llama-3.1-8b-instruct"), or 64 hex digits as is. */
export function modelId(nameOrHex: string): Uint8Array {
  if (/^[0-9a-f]{64}$/i.test(nameOrHex)) return new Uint8Array(Buffer.from(nameOrHex, 'hex'));
  return sha256(nameOrHex);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
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

// ---- prompts ------------------------------------------------------------------------------------

export interface SealedPrompt {
  envelope: Uint8Array;
  /** sha256(envelope): the job's prompt_commitment. */
  commitment: Uint8Array;
}

export function promptCommitment(envelope: Uint8Array): Uint8Array {
  return sha256(envelope);
}

/** Encrypts a prompt for `job` to the worker's x25519 key, from the client's reply keypair. */
export function sealPrompt(args: { prompt: string; job: PublicKey; workerKey: Uint8Array; reply: X25519Keypair; nonce?: Uint8Array }): SealedPrompt {
  if (args.workerKey.length !== 32 || args.workerKey.every((b) => b === 0)) throw new CryptoError('the worker has no valid encryption key');
  const nonce = args.nonce ?? new Uint8Array(randomBytes(24));
  const plaintext = Buffer.from(JSON.stringify({ v: ENVELOPE_VERSION, job: args.job.toBase58(), prompt: args.prompt }));
  const box = nacl.box(plaintext, nonce, args.workerKey, args.reply.secretKey);
  const envelope = new Uint8Array(Buffer.concat([Buffer.from([ENVELOPE_VERSION, KIND_PROMPT]), Buffer.from(args.reply.publicKey), Buffer.from(nonce), Buffer.from(box)]));
  return { envelope, commitment: promptCommitment(envelope) };
}

export interface OpenedPrompt {
  job: PublicKey;
  prompt: string;
  /** The client's reply key: encrypt the result to it. */
  replyKey: Uint8Array;
}

/** Decrypts a prompt envelope with the worker's encryption keypair. */
export function openPrompt(envelope: Uint8Array, worker: X25519Keypair): OpenedPrompt {
  if (envelope.length < PROMPT_HEADER + nacl.box.overheadLength || envelope[0] !== ENVELOPE_VERSION || envelope[1] !== KIND_PROMPT) {
    throw new CryptoError('not a version 1 prompt envelope');
  }
  const replyKey = envelope.slice(2, 34);
  const nonce = envelope.slice(34, 58);
  const plain = nacl.box.open(envelope.slice(PROMPT_HEADER), nonce, replyKey, worker.secretKey);
  if (!plain) throw new CryptoError('the prompt envelope does not open with this key');
  let parsed: { v?: number; job?: string; prompt?: string };
  try {
    parsed = JSON.parse(Buffer.from(plain).toString('utf8')) as typeof parsed;
  } catch {
    throw new CryptoError('the prompt envelope holds no valid payload');
  }
  if (parsed.v !== ENVELOPE_VERSION || typeof parsed.job !== 'string' || typeof parsed.prompt !== 'string') {
    throw new CryptoError('the prompt envelope holds no valid payload');
  }
  return { job: new PublicKey(parsed.job), prompt: parsed.prompt, replyKey };
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
  if (envelope.length < RESULT_HEADER + nacl.box.overheadLength || envelope[0] !== ENVELOPE_VERSION || envelope[1] !== KIND_RESULT) {
    throw new CryptoError('not a version 1 result envelope');
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
