/**
 * Binding the enclave's keys into the report. A TEE signs 64 bytes of caller-chosen report
 * data; ours is
 *
 *   report_data = sha512("peer-cycles/enclave-keys/v1" ‖ 0x00 ‖ ed25519 signing key (32) ‖ x25519 encryption key (32))
 *
 * so a genuine report vouches for exactly these two public keys: it cannot be replayed for
 * another key (the hash would differ) and neither key can be swapped alone.
 */
import { createHash } from 'node:crypto';
import { bytesEqual, hex, refuse } from './errors';

const BINDING_DOMAIN = 'peer-cycles/enclave-keys/v1';

export interface EnclavePublicKeys {
  /** ed25519: signs results (the worker's on-chain `enclave_key`). */
  signingKey: Uint8Array;
  /** x25519: the key prompts are sealed to. */
  encryptionKey: Uint8Array;
}

export function enclaveReportData(keys: EnclavePublicKeys): Uint8Array {
  if (keys.signingKey.length !== 32 || keys.encryptionKey.length !== 32) {
    refuse('malformed-evidence', 'enclave keys are 32 bytes each (ed25519 signing key, x25519 encryption key)');
  }
  return new Uint8Array(createHash('sha512').update(BINDING_DOMAIN).update(Buffer.from([0])).update(keys.signingKey).update(keys.encryptionKey).digest());
}

/** Refuses (`report-data-mismatch`) unless `reportData` is exactly the binding of `keys`. */
export function checkKeyBinding(reportData: Uint8Array, keys: EnclavePublicKeys): void {
  const expected = enclaveReportData(keys);
  if (!bytesEqual(reportData, expected)) {
    refuse('report-data-mismatch', `the report data ${hex(reportData).slice(0, 16)}… is not the hash of these enclave keys (expected ${hex(expected).slice(0, 16)}…)`);
  }
}
