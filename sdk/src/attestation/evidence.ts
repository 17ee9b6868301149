/**
 * The evidence file: one self-contained JSON document an enclave hands to whoever must check it
 * (the attestation authority, a client, `peer attest verify`).
 *
 * ```json
 * {
 *   "version": 1,
 *   "kind": "sev-snp" | "tdx" | "dev",
 *   "report": "<base64: the SNP report (1184 bytes), the TDX quote, or the DEV report>",
 *   "certChain": ["-----BEGIN CERTIFICATE-----…"],   // SNP: VCEK, ASK[, ARK]; TDX: optional (the quote embeds its PCK chain)
 *   "keys": { "signing": "<ed25519, base58>", "encryption": "<x25519, base64>" }   // optional: the keys the report data binds
 * }
 * ```
 *
 * A DEV report is `"PEERDEV1"` ‖ DEV_MEASUREMENT (48) ‖ report data (64): unsigned, because no
 * hardware vouches for it. It can only ever claim the DEV measurement, and verifying it needs
 * an explicit `allowDev`.
 */
import { PublicKey } from '@solana/web3.js';
import { checkKeyBinding, type EnclavePublicKeys } from './binding';
import { splitPem } from './certs';
import { AttestationError, bytesEqual, refuse } from './errors';
import { DEV_MEASUREMENT, ENCLAVE_KINDS, matchesAllowEntry, measurementId, parseAllowEntry, type AllowEntry, type EnclaveKind } from './measurement';
import { verifySnpReport, type SnpPolicy, type SnpTcb } from './snp';
import { verifyTdxQuote, type TdxPolicy } from './tdx';

export const EVIDENCE_VERSION = 1;
const DEV_MAGIC = Buffer.from('PEERDEV1');
const DEV_REPORT_LEN = 8 + 48 + 64;
/** Evidence files are small (an SNP chain ~5 KB, a TDX quote ~5 KB): refuse anything huge before parsing. */
export const MAX_EVIDENCE_BYTES = 64 * 1024;

export interface Evidence {
  kind: EnclaveKind;
  report: Uint8Array;
  certChain: string[];
  keys?: EnclavePublicKeys;
}

export interface EvidenceFile {
  version: 1;
  kind: EnclaveKind;
  report: string;
  certChain?: string[];
  keys?: { signing: string; encryption: string };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: unknown, what: string, length?: number): Uint8Array {
  if (typeof text !== 'string' || !BASE64.test(text) || text.length % 4 !== 0) refuse('malformed-evidence', `${what} is not base64`);
  const bytes = new Uint8Array(Buffer.from(text as string, 'base64'));
  if (length !== undefined && bytes.length !== length) refuse('malformed-evidence', `${what} is ${bytes.length} bytes, expected ${length}`);
  return bytes;
}

function decodeSigningKey(text: unknown): Uint8Array {
  try {
    if (typeof text !== 'string') throw new Error();
    return new PublicKey(text).toBytes();
  } catch {
    return refuse('malformed-evidence', 'keys.signing is not a base58 ed25519 public key');
  }
}

/** Reads an evidence document (JSON text or parsed object); every shape error is `malformed-evidence`. */
export function parseEvidence(input: string | unknown): Evidence {
  let doc: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_EVIDENCE_BYTES) refuse('malformed-evidence', `the evidence is ${input.length} bytes (at most ${MAX_EVIDENCE_BYTES})`);
    try {
      doc = JSON.parse(input);
    } catch {
      refuse('malformed-evidence', 'the evidence is not JSON');
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) refuse('malformed-evidence', 'the evidence is not a JSON object');
  const d = doc as Record<string, unknown>;
  const known = new Set(['version', 'kind', 'report', 'certChain', 'keys']);
  const extra = Object.keys(d).find((k) => !known.has(k));
  if (extra) refuse('malformed-evidence', `unknown field "${extra}" (known: ${[...known].join(', ')})`);
  if (d.version !== EVIDENCE_VERSION) refuse('malformed-evidence', `version must be ${EVIDENCE_VERSION}`);
  if (typeof d.kind !== 'string' || !ENCLAVE_KINDS.includes(d.kind as EnclaveKind)) refuse('malformed-evidence', `kind must be one of ${ENCLAVE_KINDS.join(', ')}`);
  const report = decodeBase64(d.report, 'report');
  if (report.length === 0) refuse('malformed-evidence', 'report is empty');
  let certChain: string[] = [];
  if (d.certChain !== undefined) {
    if (!Array.isArray(d.certChain) || d.certChain.some((c) => typeof c !== 'string' || splitPem(c).length !== 1)) {
      refuse('malformed-evidence', 'certChain must be a list of PEM certificates, one per entry');
    }
    certChain = d.certChain as string[];
  }
  let keys: EnclavePublicKeys | undefined;
  if (d.keys !== undefined) {
    const k = d.keys as Record<string, unknown>;
    if (typeof k !== 'object' || k === null) refuse('malformed-evidence', 'keys must be {signing, encryption}');
    keys = { signingKey: decodeSigningKey(k.signing), encryptionKey: decodeBase64(k.encryption, 'keys.encryption', 32) };
  }
  return { kind: d.kind as EnclaveKind, report, certChain, keys };
}

export function serializeEvidence(e: Evidence): EvidenceFile {
  return {
    version: EVIDENCE_VERSION,
    kind: e.kind,
    report: Buffer.from(e.report).toString('base64'),
    ...(e.certChain.length ? { certChain: e.certChain } : {}),
    ...(e.keys ? { keys: { signing: new PublicKey(e.keys.signingKey).toBase58(), encryption: Buffer.from(e.keys.encryptionKey).toString('base64') } } : {}),
  };
}

/** The DEV report for some report data (see the header: unsigned by design). */
export function devReport(reportData: Uint8Array): Uint8Array {
  if (reportData.length !== 64) refuse('malformed-evidence', 'report data is 64 bytes');
  return new Uint8Array(Buffer.concat([DEV_MAGIC, Buffer.from(DEV_MEASUREMENT), Buffer.from(reportData)]));
}

export interface VerifyEvidenceOptions {
  now?: Date;
  snp?: SnpPolicy;
  tdx?: TdxPolicy;
  /** Accept DEV evidence (never hardware-attested). Default false: `dev-not-allowed`. */
  allowDev?: boolean;
  /** Measurements to accept (entries as in measurement.ts); omitted = no allow-list check. */
  allow?: (AllowEntry | string)[];
  /** Keys the report data must bind; default: the evidence's own `keys`, when present. */
  keys?: EnclavePublicKeys;
}

export interface VerifiedEvidence {
  kind: EnclaveKind;
  /** False only for DEV evidence. */
  hardwareAttested: boolean;
  /** SNP: MEASUREMENT (48); TDX: MRTD ‖ RTMR0..3 (240); DEV: the DEV constant (48). */
  measurement: Uint8Array;
  /** The 32-byte id that goes on chain (`enclave_measurement`). */
  measurementId: Uint8Array;
  reportData: Uint8Array;
  /** The keys the report data was checked to bind, when any were given. */
  boundKeys: EnclavePublicKeys | null;
  debug: boolean;
  /** When the signing certificate (VCEK / PCK) expires; null for DEV. */
  notAfter: Date | null;
  /** SNP TCB, or TDX TEE TCB SVN in hex. */
  tcb: SnpTcb | { teeTcbSvn: string } | null;
  /** The allow-list entry that matched, when an allow-list was given. */
  allowedBy: string | null;
}

/**
 * Verifies evidence end to end: the hardware signature and chain (snp.ts / tdx.ts), then the
 * measurement against `allow`, then the key binding. Throws AttestationError with the reason.
 */
export function verifyEvidence(evidence: Evidence, opts: VerifyEvidenceOptions = {}): VerifiedEvidence {
  let v: Omit<VerifiedEvidence, 'measurementId' | 'boundKeys' | 'allowedBy'>;
  if (evidence.kind === 'sev-snp') {
    if (evidence.certChain.length < 2) refuse('malformed-evidence', 'SEV-SNP evidence needs certChain: VCEK, ASK[, ARK]');
    const [vcek, ask, ark] = evidence.certChain;
    const r = verifySnpReport(evidence.report, { vcek, ask, ark }, { now: opts.now, policy: opts.snp });
    v = { kind: 'sev-snp', hardwareAttested: true, measurement: r.report.measurement, reportData: r.report.reportData, debug: r.debug, notAfter: r.notAfter, tcb: r.tcb };
  } else if (evidence.kind === 'tdx') {
    const pckChainPem = evidence.certChain.length ? evidence.certChain.join('\n') : undefined;
    const r = verifyTdxQuote(evidence.report, { now: opts.now, policy: opts.tdx, pckChainPem });
    v = { kind: 'tdx', hardwareAttested: true, measurement: r.measurement, reportData: r.quote.reportData, debug: r.debug, notAfter: r.notAfter, tcb: { teeTcbSvn: Buffer.from(r.quote.teeTcbSvn).toString('hex') } };
  } else {
    const b = evidence.report;
    if (b.length !== DEV_REPORT_LEN || !Buffer.from(b.subarray(0, 8)).equals(DEV_MAGIC)) refuse('malformed-evidence', 'not a DEV report');
    if (!bytesEqual(b.subarray(8, 56), DEV_MEASUREMENT)) refuse('malformed-evidence', 'a DEV report can only claim the DEV measurement');
    if (!opts.allowDev) refuse('dev-not-allowed', 'this is a DEV enclave (not hardware-attested) and DEV enclaves are not accepted here');
    v = { kind: 'dev', hardwareAttested: false, measurement: b.slice(8, 56), reportData: b.slice(56), debug: false, notAfter: null, tcb: null };
  }
  const id = measurementId(v.kind, v.measurement);
  let allowedBy: string | null = null;
  if (opts.allow) {
    const entries = opts.allow.map((e) => (typeof e === 'string' ? parseAllowEntry(e) : e));
    const hit = entries.find((e) => matchesAllowEntry(e, v.kind, v.measurement));
    if (!hit) refuse('measurement-not-allowed', `${v.kind} measurement ${Buffer.from(v.measurement.subarray(0, 48)).toString('hex')} (id ${Buffer.from(id).toString('hex')}) is not on the allow-list`);
    allowedBy = hit.text;
  }
  const keys = opts.keys ?? evidence.keys;
  if (keys) checkKeyBinding(v.reportData, keys);
  return { ...v, measurementId: id, boundKeys: keys ?? null, allowedBy };
}

export function isAttestationError(err: unknown): err is AttestationError {
  return err instanceof AttestationError;
}
