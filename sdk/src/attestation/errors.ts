/**
 * Every refusal of an attestation carries a named reason, so callers (the authority's log, the
 * CLI, tests) can tell a forged signature from a debug VM or a measurement nobody allowed.
 */
import { PeerError } from '../errors';

export const ATTESTATION_REASONS = [
  'malformed-evidence', // not parseable: wrong size, wrong JSON, bad base64 or PEM
  'unsupported-format', // a version, key type or TEE type we do not verify
  'untrusted-root', // the chain does not end at AMD's ARK or Intel's SGX root
  'certificate-chain', // a certificate is not signed by the next one, or the issuer names differ
  'certificate-expired', // a certificate is outside its validity period
  'report-signature', // the report / quote signature does not verify
  'qe-report-signature', // TDX: the quoting enclave's report is not signed by the PCK key
  'qe-binding', // TDX: the QE report does not bind the attestation key
  'qe-identity', // TDX: the quoting enclave is not Intel's
  'tcb-mismatch', // SNP: the report's TCB is not the one the VCEK was issued for
  'tcb-too-low', // below the configured minimum TCB
  'chip-id-mismatch', // SNP: the report's chip is not the VCEK's chip
  'debug-enabled', // the guest policy / TD attributes allow debugging
  'measurement-not-allowed', // a valid report of something not on the allow-list
  'report-data-mismatch', // report data is not the hash of the given enclave keys
  'dev-not-allowed', // a DEV (not hardware-attested) enclave where dev is not accepted
  'enclave-not-registered', // client: no enclave key on chain
  'enclave-expired', // client: the registration has expired
  'untrusted-authority', // client: registered by an authority the client does not trust
  'authority-signature', // client: the authority's signature does not verify
  'encryption-key-not-enclave', // client: the worker's x25519 key is not the enclave's
  'enclave-signature', // client: a confidential reply's enclave signature does not verify
] as const;

export type AttestationReason = (typeof ATTESTATION_REASONS)[number];

export class AttestationError extends PeerError {
  readonly reason: AttestationReason;

  constructor(reason: AttestationReason, message: string) {
    super('ATTESTATION_REFUSED', `${reason}: ${message}`);
    this.reason = reason;
  }
}

export function refuse(reason: AttestationReason, message: string): never {
  throw new AttestationError(reason, message);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

export function isAllZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}
