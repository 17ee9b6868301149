/**
 * Measurements: what a TEE says was launched, and the 32-byte id of it that goes on chain
 * (the worker's `enclave_measurement` is 32 bytes; SEV-SNP and TDX measure with SHA-384).
 *
 *   measurement id = sha256("peer-cycles/measurement/v1" ‖ 0x00 ‖ kind ‖ 0x00 ‖ measurement)
 *
 * where `measurement` is the SNP launch MEASUREMENT (48 bytes), the TDX MRTD ‖ RTMR0..3
 * (5 × 48 bytes), or the DEV constant (48 bytes). The kind is inside the hash so one
 * measurement cannot pass as another TEE's.
 */
import { createHash } from 'node:crypto';
import { AttestationError } from './errors';

export type EnclaveKind = 'sev-snp' | 'tdx' | 'dev';
export const ENCLAVE_KINDS: readonly EnclaveKind[] = ['sev-snp', 'tdx', 'dev'];

const ID_DOMAIN = 'peer-cycles/measurement/v1';

/** The text whose SHA-384 is the DEV enclave's measurement: says what it is wherever it shows. */
export const DEV_MEASUREMENT_TEXT = 'peer-cycles dev enclave: NOT hardware-attested';
/** SHA-384 of DEV_MEASUREMENT_TEXT: the only measurement a DEV enclave can claim. */
export const DEV_MEASUREMENT: Uint8Array = new Uint8Array(createHash('sha384').update(DEV_MEASUREMENT_TEXT).digest());
/** The label every surface shows for a DEV enclave. */
export const DEV_ENCLAVE_LABEL = 'DEV enclave: NOT hardware-attested';

export function measurementId(kind: EnclaveKind, measurement: Uint8Array): Uint8Array {
  const expected = kind === 'tdx' ? 5 * 48 : 48;
  if (measurement.length !== expected) throw new AttestationError('malformed-evidence', `a ${kind} measurement is ${expected} bytes, got ${measurement.length}`);
  return new Uint8Array(createHash('sha256').update(ID_DOMAIN).update(Buffer.from([0])).update(kind).update(Buffer.from([0])).update(measurement).digest());
}

/** The on-chain id of the DEV measurement. */
export const DEV_MEASUREMENT_ID: Uint8Array = measurementId('dev', DEV_MEASUREMENT);

/** True for the DEV measurement (48 bytes) or its on-chain id (32 bytes), in bytes or hex. */
export function isDevEnclaveMeasurement(measurement: Uint8Array | string): boolean {
  const bytes = typeof measurement === 'string' ? Buffer.from(measurement.replace(/^0x/, ''), 'hex') : Buffer.from(measurement);
  return bytes.equals(Buffer.from(DEV_MEASUREMENT)) || bytes.equals(Buffer.from(DEV_MEASUREMENT_ID));
}

/** One line for any surface: the DEV label, or the kind and the id. */
export function describeMeasurement(id: Uint8Array): string {
  return isDevEnclaveMeasurement(id) ? DEV_ENCLAVE_LABEL : `hardware-attested measurement ${Buffer.from(id).toString('hex')}`;
}

/**
 * An allow-list entry, as written in configs: `<kind>:<hex>` where hex is the SNP measurement
 * (96 hex digits), the TDX MRTD (96 hex) optionally followed by `:<rtmr0>:<rtmr1>:<rtmr2>:<rtmr3>`
 * (each 96 hex or `*` for any), `dev` alone, or `id:<64 hex>` for an on-chain measurement id.
 */
export interface AllowEntry {
  kind: EnclaveKind | 'id';
  /** SNP measurement, TDX MRTD, DEV constant, or an on-chain id. */
  value: Uint8Array;
  /** TDX only: RTMR0..3, null = any. */
  rtmrs?: (Uint8Array | null)[];
  text: string;
}

const HEX48 = /^[0-9a-f]{96}$/i;

export function parseAllowEntry(text: string): AllowEntry {
  const t = text.trim();
  const bad = (why: string): never => {
    throw new AttestationError('malformed-evidence', `allow-list entry "${t}": ${why}`);
  };
  if (t === 'dev') return { kind: 'dev', value: DEV_MEASUREMENT, text: t };
  const [kind, ...rest] = t.split(':');
  if (kind === 'id') {
    if (rest.length !== 1 || !/^[0-9a-f]{64}$/i.test(rest[0])) bad('id: takes 64 hex digits');
    return { kind: 'id', value: new Uint8Array(Buffer.from(rest[0], 'hex')), text: t };
  }
  if (kind === 'sev-snp') {
    if (rest.length !== 1 || !HEX48.test(rest[0])) bad('sev-snp: takes the 48-byte measurement in hex');
    return { kind, value: new Uint8Array(Buffer.from(rest[0], 'hex')), text: t };
  }
  if (kind === 'tdx') {
    if ((rest.length !== 1 && rest.length !== 5) || !HEX48.test(rest[0])) bad('tdx: takes MRTD in hex, optionally followed by :rtmr0:rtmr1:rtmr2:rtmr3 (hex or *)');
    const rtmrs = rest.length === 5 ? rest.slice(1).map((r) => (r === '*' ? null : HEX48.test(r) ? new Uint8Array(Buffer.from(r, 'hex')) : bad(`RTMR "${r}" is neither 96 hex digits nor *`))) : [null, null, null, null];
    return { kind, value: new Uint8Array(Buffer.from(rest[0], 'hex')), rtmrs, text: t };
  }
  return bad('expected sev-snp:<hex>, tdx:<mrtd>[:rtmr0:rtmr1:rtmr2:rtmr3], dev, or id:<64 hex>');
}

/** Does a verified measurement (kind + full measurement bytes) match an entry? */
export function matchesAllowEntry(entry: AllowEntry, kind: EnclaveKind, measurement: Uint8Array): boolean {
  const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
  if (entry.kind === 'id') return eq(entry.value, measurementId(kind, measurement));
  if (entry.kind !== kind) return false;
  if (kind !== 'tdx') return eq(entry.value, measurement);
  if (!eq(entry.value, measurement.subarray(0, 48))) return false;
  return (entry.rtmrs ?? []).every((r, i) => r === null || eq(r, measurement.subarray(48 * (i + 1), 48 * (i + 2))));
}
