/**
 * The audit path of the verified tier: validators re-execute a sample of jobs, and the worker
 * cannot tell which, because the worker is never involved in handing out the sample.
 *
 * 1. The client (SDK or gateway) samples its verified jobs at some rate and, for each sampled
 *    job, seals the job's *opening* (request bytes + salt) to one or more validators' x25519 keys
 *    as an audit envelope (envelope.ts layout with kind 0x41 'A'), and POSTs it to each
 *    validator's endpoint (`POST {endpoint}/v1/audits`, body `{"job":…,"envelope":base64}`).
 * 2. The validator opens it (`openAuditEnvelope`), which checks the opening against the job's
 *    on-chain prompt_commitment, re-executes with the job's model (execution profile) and seed
 *    once the result is on chain, and challenges when the output hash differs.
 * 3. When a challenge opens, the challenger forwards the same opening to the voters, sealed to
 *    each voter's key (same call, its own key as the sender); voters check it the same way.
 *
 * Where validators publish their key and endpoint. The on-chain Validator account has no field
 * for either, so until the program grows one, a validator publishes a *registry entry* signed by
 * its authority (the wallet behind the on-chain Validator account):
 *   message = "peer-cycles/validator-entry/v1" ‖ 0x00 ‖ authority (32) ‖ x25519 key (32)
 *             ‖ expires_at (i64 LE) ‖ endpoint (UTF-8)
 * A registry is any list of such entries (a JSON file or URL, `ValidatorRegistry`); a client
 * accepts an entry only when its signature verifies, it has not expired, and the on-chain
 * Validator of that authority exists and is not deregistering.
 */
import { PublicKey } from '@solana/web3.js';
import nacl from 'tweetnacl';
import { CryptoError, ValidationError } from '../errors';
import { deriveEncryptionKeypair, KIND_AUDIT, openOpening, sealOpening, type OpenedPrompt, type X25519Keypair } from './envelope';
import type { RequestOpening } from './request';

const ENTRY_DOMAIN = 'peer-cycles/validator-entry/v1';
const MAX_ENDPOINT_BYTES = 256;

/** A validator's x25519 keypair, derived from its authority's ed25519 secret key. */
export function validatorEncryptionKeypair(authoritySecretKey: Uint8Array): X25519Keypair {
  return deriveEncryptionKeypair(authoritySecretKey, 'validator');
}

/** Seals a job's opening for a validator (or, forwarded by a challenger, for a voter). */
export function sealAuditEnvelope(args: { job: PublicKey; opening: RequestOpening; validatorKey: Uint8Array; sender: X25519Keypair }): Uint8Array {
  return sealOpening({ kind: KIND_AUDIT, job: args.job, opening: args.opening, recipientKey: args.validatorKey, sender: args.sender });
}

/**
 * Opens an audit envelope and checks it against the job's on-chain prompt_commitment (pass the
 * commitment read from the job account). Throws CryptoError on any mismatch.
 */
export function openAuditEnvelope(envelope: Uint8Array, validator: X25519Keypair, expect: { job: PublicKey; promptCommitment: Uint8Array }): OpenedPrompt {
  const opened = openOpening(envelope, validator, KIND_AUDIT);
  if (!opened.job.equals(expect.job)) throw new CryptoError(`the audit envelope is for job ${opened.job.toBase58()}, not ${expect.job.toBase58()}`);
  if (!Buffer.from(opened.commitment).equals(Buffer.from(expect.promptCommitment))) {
    throw new CryptoError('the opening does not match the job\'s on-chain prompt commitment');
  }
  return opened;
}

export interface ValidatorEntry {
  /** The validator's authority (its on-chain Validator is the PDA ["validator", authority]). */
  authority: string;
  /** x25519 key, base64. */
  encryptionKey: string;
  /** Base URL of the validator's audit endpoint. */
  endpoint: string;
  /** Unix seconds. */
  expiresAt: number;
  /** ed25519 signature by the authority, base64. */
  signature: string;
}

export interface ValidatorRegistry {
  version: 1;
  validators: ValidatorEntry[];
}

function entryMessage(authority: PublicKey, encryptionKey: Uint8Array, endpoint: string, expiresAt: number): Uint8Array {
  const exp = Buffer.alloc(8);
  exp.writeBigInt64LE(BigInt(expiresAt));
  return new Uint8Array(Buffer.concat([Buffer.from(ENTRY_DOMAIN), Buffer.from([0]), authority.toBuffer(), Buffer.from(encryptionKey), exp, Buffer.from(endpoint, 'utf8')]));
}

/** A registry entry for the validator whose authority secret key (64 bytes) is given. */
export function signValidatorEntry(args: { authoritySecretKey: Uint8Array; endpoint: string; expiresAt: number; encryptionKey?: Uint8Array }): ValidatorEntry {
  if (!/^https?:\/\//.test(args.endpoint) || Buffer.byteLength(args.endpoint) > MAX_ENDPOINT_BYTES) throw new ValidationError('the endpoint must be an http(s) URL of at most 256 bytes');
  const authority = new PublicKey(args.authoritySecretKey.slice(32));
  const key = args.encryptionKey ?? validatorEncryptionKeypair(args.authoritySecretKey).publicKey;
  const signature = nacl.sign.detached(entryMessage(authority, key, args.endpoint, args.expiresAt), args.authoritySecretKey);
  return {
    authority: authority.toBase58(),
    encryptionKey: Buffer.from(key).toString('base64'),
    endpoint: args.endpoint,
    expiresAt: args.expiresAt,
    signature: Buffer.from(signature).toString('base64'),
  };
}

export interface VerifiedValidatorEntry {
  authority: PublicKey;
  encryptionKey: Uint8Array;
  endpoint: string;
  expiresAt: number;
}

/** Checks an entry's shape, signature and expiry (the on-chain check is the caller's: see audit flow). */
export function verifyValidatorEntry(entry: ValidatorEntry, nowSecs: number): VerifiedValidatorEntry {
  let authority: PublicKey;
  try {
    authority = new PublicKey(entry.authority);
  } catch {
    throw new ValidationError('the registry entry has an invalid authority');
  }
  const key = Buffer.from(String(entry.encryptionKey), 'base64');
  const sig = Buffer.from(String(entry.signature), 'base64');
  if (key.length !== 32 || sig.length !== 64) throw new ValidationError(`the registry entry of ${entry.authority} is malformed`);
  if (typeof entry.endpoint !== 'string' || !/^https?:\/\//.test(entry.endpoint) || Buffer.byteLength(entry.endpoint) > MAX_ENDPOINT_BYTES) {
    throw new ValidationError(`the registry entry of ${entry.authority} has an invalid endpoint`);
  }
  if (!Number.isSafeInteger(entry.expiresAt)) throw new ValidationError(`the registry entry of ${entry.authority} has no valid expiry`);
  if (!nacl.sign.detached.verify(entryMessage(authority, key, entry.endpoint, entry.expiresAt), sig, authority.toBytes())) {
    throw new CryptoError(`the registry entry of ${entry.authority} is not signed by its authority`);
  }
  if (entry.expiresAt <= nowSecs) throw new ValidationError(`the registry entry of ${entry.authority} expired`);
  return { authority, encryptionKey: new Uint8Array(key), endpoint: entry.endpoint.replace(/\/+$/, ''), expiresAt: entry.expiresAt };
}
