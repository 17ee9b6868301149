/**
 * `peer attest verify <evidence-file>`: checks an evidence file (sdk/src/attestation/evidence.ts)
 * to the vendor roots and prints its kind, measurement and the keys its report data binds.
 * Exit 0 when it verifies; exit 1 with `error: <reason>: <why>` when it does not.
 */
import { PublicKey } from '@solana/web3.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { AttestationError, DEV_ENCLAVE_LABEL, MAX_EVIDENCE_BYTES, parseEvidence, verifyEvidence } from '../../../sdk/src/attestation';
import { ValidationError } from '../../../sdk/src/errors';

export interface AttestVerifyOptions {
  /** Allow-list entries; none = no allow-list check (the measurement is printed for you to judge). */
  allow?: string[];
  allowDev?: boolean;
  /** Accept a guest that allows debugging (published sample reports); never for real work. */
  allowDebug?: boolean;
  /** Verify at this instant (ISO 8601) instead of now: certificate validity. */
  at?: string;
}

export function attestVerifyCommand(path: string, opts: AttestVerifyOptions = {}): Record<string, unknown> {
  if (!existsSync(path)) throw new ValidationError(`evidence file not found: ${path}`);
  if (statSync(path).size > MAX_EVIDENCE_BYTES) throw new AttestationError('malformed-evidence', `${path} is larger than ${MAX_EVIDENCE_BYTES} bytes`);
  let now: Date | undefined;
  if (opts.at !== undefined) {
    now = new Date(opts.at);
    if (Number.isNaN(now.getTime())) throw new ValidationError(`--at must be an ISO 8601 time, got ${JSON.stringify(opts.at)}`);
  }
  const evidence = parseEvidence(readFileSync(path, 'utf8'));
  const v = verifyEvidence(evidence, {
    now,
    allow: opts.allow && opts.allow.length ? opts.allow : undefined,
    allowDev: opts.allowDev,
    snp: { allowDebug: opts.allowDebug },
    tdx: { allowDebug: opts.allowDebug },
  });
  const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const measurement =
    v.kind === 'tdx'
      ? { mrtd: hexOf(v.measurement.subarray(0, 48)), rtmr0: hexOf(v.measurement.subarray(48, 96)), rtmr1: hexOf(v.measurement.subarray(96, 144)), rtmr2: hexOf(v.measurement.subarray(144, 192)), rtmr3: hexOf(v.measurement.subarray(192, 240)) }
      : hexOf(v.measurement);
  return {
    kind: v.kind,
    hardwareAttested: v.hardwareAttested,
    attestation: v.hardwareAttested ? `${v.kind === 'tdx' ? 'Intel TDX' : 'AMD SEV-SNP'}, verified to the vendor root` : DEV_ENCLAVE_LABEL,
    measurement,
    measurementId: hexOf(v.measurementId),
    allowedBy: v.allowedBy ?? 'no allow-list given',
    debug: v.debug,
    tcb: v.tcb,
    certificateValidUntil: v.notAfter ? v.notAfter.toISOString() : null,
    reportData: hexOf(v.reportData),
    boundKeys: v.boundKeys
      ? { signing: new PublicKey(v.boundKeys.signingKey).toBase58(), encryption: Buffer.from(v.boundKeys.encryptionKey).toString('base64') }
      : 'none checked (the evidence names no keys)',
  };
}
