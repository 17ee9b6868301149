/**
 * Intel TDX quotes, version 4 (Intel TDX DCAP Quote Generation Library and Quote Verification
 * Library spec, "Quote Format"): a 48-byte header, the 584-byte TD report body, then the
 * signature data:
 *
 *   quote signature (ECDSA P-256 r‖s over header ‖ body) · attestation key (P-256 x‖y)
 *   · certification data type 6: the QE report (384-byte SGX report body), its signature by the
 *     PCK key, QE authentication data, and certification data type 5: the PCK chain in PEM
 *     (PCK → Platform/Processor CA → Intel SGX Root CA).
 *
 * Checks, in order: format → the PCK chain to the pinned Intel SGX Root CA → the QE report's
 * signature by the PCK key → the QE report binds the attestation key
 * (sha256(attestation key ‖ QE auth data) in its report data) → the QE is Intel's (MRSIGNER,
 * ISVPRODID) → the quote signature by the attestation key → minimum TEE TCB SVNs → debug off.
 * Not checked here: Intel's TCB Info / QE Identity collateral and CRLs (fetched from Intel's
 * PCS, unreachable from our machines); the configured minimum TEE TCB SVN stands in for them.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { parseCertificate, splitPem, verifyChainToRoot } from './certs';
import { bytesEqual, hex, isAllZero, refuse } from './errors';
import { INTEL_SGX_ROOT_CA_PEM, INTEL_TDX_QE_ISVPRODID, INTEL_TDX_QE_MRSIGNER } from './roots';

const HEADER_LEN = 48;
const BODY_LEN = 584;
const QE_REPORT_LEN = 384;
const ATT_KEY_ECDSA_P256 = 2;
const TEE_TYPE_TDX = 0x81;
const CERT_QE_REPORT = 6;
const CERT_PCK_CHAIN = 5;
const TD_ATTRIBUTE_DEBUG = 1;

export interface TdxQuote {
  version: number;
  attestationKeyType: number;
  teeType: number;
  qeSvn: number;
  pceSvn: number;
  qeVendorId: Uint8Array;
  /** TD report body fields. */
  teeTcbSvn: Uint8Array;
  mrSeam: Uint8Array;
  tdAttributes: Uint8Array;
  xfam: Uint8Array;
  mrTd: Uint8Array;
  mrConfigId: Uint8Array;
  mrOwner: Uint8Array;
  mrOwnerConfig: Uint8Array;
  rtmrs: Uint8Array[];
  reportData: Uint8Array;
  /** Header ‖ body: what the attestation key signs. */
  signed: Uint8Array;
  signature: Uint8Array;
  attestationKey: Uint8Array;
  qeReport: Uint8Array;
  qeReportSignature: Uint8Array;
  qeAuthData: Uint8Array;
  pckChainPem: string;
  /** Bytes after the declared signature data (not signed; published samples carry some). */
  trailingBytes: number;
}

export function parseTdxQuote(bytes: Uint8Array): TdxQuote {
  const b = Buffer.from(bytes);
  const need = (end: number, what: string) => {
    if (end > b.length) refuse('malformed-evidence', `the TDX quote ends before its ${what} (${b.length} bytes)`);
  };
  need(HEADER_LEN + BODY_LEN + 4, 'signature data length');
  const at = (o: number, n: number) => new Uint8Array(b.subarray(o, o + n));
  const version = b.readUInt16LE(0);
  const body = HEADER_LEN;
  const sigLen = b.readUInt32LE(body + BODY_LEN);
  let o = body + BODY_LEN + 4;
  const sigEnd = o + sigLen;
  need(sigEnd, 'signature data');
  need(o + 128 + 6, 'certification data');
  const signature = at(o, 64);
  const attestationKey = at(o + 64, 64);
  o += 128;
  const certType = b.readUInt16LE(o);
  const certSize = b.readUInt32LE(o + 2);
  o += 6;
  if (certType !== CERT_QE_REPORT) refuse('unsupported-format', `certification data type ${certType} (only 6, QE report certification data)`);
  if (o + certSize > sigEnd) refuse('malformed-evidence', 'the certification data is longer than the signature data');
  need(o + QE_REPORT_LEN + 64 + 2, 'QE report');
  const qeReport = at(o, QE_REPORT_LEN);
  const qeReportSignature = at(o + QE_REPORT_LEN, 64);
  o += QE_REPORT_LEN + 64;
  const authLen = b.readUInt16LE(o);
  need(o + 2 + authLen + 6, 'QE authentication data');
  const qeAuthData = at(o + 2, authLen);
  o += 2 + authLen;
  const innerType = b.readUInt16LE(o);
  const innerSize = b.readUInt32LE(o + 2);
  o += 6;
  if (innerType !== CERT_PCK_CHAIN) refuse('unsupported-format', `inner certification data type ${innerType} (only 5, the PCK chain in PEM)`);
  if (o + innerSize > sigEnd) refuse('malformed-evidence', 'the PCK chain is longer than the signature data');
  // the sizes must describe exactly what is there: nothing unaccounted inside the signature data
  if (o + innerSize !== sigEnd || 128 + 6 + certSize !== sigLen) refuse('malformed-evidence', 'the certification data sizes do not add up to the signature data length');
  const pckChainPem = b.subarray(o, o + innerSize).toString('latin1');
  return {
    version,
    attestationKeyType: b.readUInt16LE(2),
    teeType: b.readUInt32LE(4),
    qeSvn: b.readUInt16LE(8),
    pceSvn: b.readUInt16LE(10),
    qeVendorId: at(12, 16),
    teeTcbSvn: at(body, 16),
    mrSeam: at(body + 16, 48),
    tdAttributes: at(body + 120, 8),
    xfam: at(body + 128, 8),
    mrTd: at(body + 136, 48),
    mrConfigId: at(body + 184, 48),
    mrOwner: at(body + 232, 48),
    mrOwnerConfig: at(body + 280, 48),
    rtmrs: [0, 1, 2, 3].map((i) => at(body + 328 + 48 * i, 48)),
    reportData: at(body + 520, 64),
    signed: at(0, HEADER_LEN + BODY_LEN),
    signature,
    attestationKey,
    qeReport,
    qeReportSignature,
    qeAuthData,
    pckChainPem,
    trailingBytes: b.length - sigEnd,
  };
}

/** True when `text` is the PEM blocks and line breaks (and trailing NULs) and nothing else. */
function isOnlyPem(text: string, blocks: string[]): boolean {
  let rest = text;
  for (const block of blocks) rest = rest.replace(block, '');
  return /^[\r\n\0]*$/.test(rest);
}

function p256Key(xy: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: Buffer.from(xy.subarray(0, 32)).toString('base64url'), y: Buffer.from(xy.subarray(32, 64)).toString('base64url') }, format: 'jwk' });
  } catch {
    return refuse('qe-binding', 'the attestation key is not a P-256 point');
  }
}

export interface TdxPolicy {
  allowDebug?: boolean;
  /** Each of the 16 TEE TCB SVN bytes must be at least this (hex, 32 digits). */
  minTeeTcbSvn?: string;
}

export interface TdxVerified {
  kind: 'tdx';
  quote: TdxQuote;
  /** MRTD ‖ RTMR0..3 (240 bytes): what the measurement id hashes. */
  measurement: Uint8Array;
  debug: boolean;
  /** The PCK certificate's notAfter. */
  notAfter: Date;
}

/** Verifies a v4 TDX quote and its embedded PCK chain; throws AttestationError with the first failed check. */
export function verifyTdxQuote(bytes: Uint8Array, opts: { now?: Date; policy?: TdxPolicy; pckChainPem?: string } = {}): TdxVerified {
  const now = opts.now ?? new Date();
  const quote = parseTdxQuote(bytes);
  if (quote.version !== 4) refuse('unsupported-format', `TDX quote version ${quote.version} (only 4)`);
  if (quote.attestationKeyType !== ATT_KEY_ECDSA_P256) refuse('unsupported-format', `attestation key type ${quote.attestationKeyType} (only 2, ECDSA P-256)`);
  if (quote.teeType !== TEE_TYPE_TDX) refuse('unsupported-format', `TEE type 0x${quote.teeType.toString(16)} is not TDX (0x81)`);

  const chainText = opts.pckChainPem ?? quote.pckChainPem;
  const pems = splitPem(chainText);
  if (!isOnlyPem(chainText, pems)) refuse('malformed-evidence', 'the PCK chain holds something besides PEM certificates');
  if (pems.length < 2) refuse('malformed-evidence', `the PCK chain holds ${pems.length} certificate(s); expected PCK, intermediate CA and root`);
  const certs = pems.map((p, i) => parseCertificate(p, i === 0 ? 'PCK' : i === 1 ? 'PCK CA' : 'root'));
  const root = parseCertificate(INTEL_SGX_ROOT_CA_PEM, 'pinned Intel SGX Root CA');
  verifyChainToRoot(certs.map((cert, i) => ({ cert, what: i === 0 ? 'PCK' : i === 1 ? 'PCK CA' : 'root' })), root, now);
  const pck = certs[0];
  if (pck.publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') refuse('certificate-chain', 'the PCK certificate does not hold a P-256 key');

  if (!verify('sha256', quote.qeReport, { key: pck.publicKey, dsaEncoding: 'ieee-p1363' }, quote.qeReportSignature)) {
    refuse('qe-report-signature', 'the quoting enclave report is not signed by the PCK key');
  }
  const qeReportData = quote.qeReport.subarray(320, 384);
  const expected = createHash('sha256').update(quote.attestationKey).update(quote.qeAuthData).digest();
  if (!bytesEqual(qeReportData.subarray(0, 32), expected) || !isAllZero(qeReportData.subarray(32))) {
    refuse('qe-binding', 'the QE report data is not sha256(attestation key ‖ QE authentication data)');
  }
  const mrSigner = hex(quote.qeReport.subarray(128, 160));
  const isvProdId = Buffer.from(quote.qeReport).readUInt16LE(256);
  if (mrSigner !== INTEL_TDX_QE_MRSIGNER || isvProdId !== INTEL_TDX_QE_ISVPRODID) {
    refuse('qe-identity', `the quoting enclave (MRSIGNER ${mrSigner.slice(0, 16)}…, ISVPRODID ${isvProdId}) is not Intel's TDX QE`);
  }
  if (!verify('sha256', quote.signed, { key: p256Key(quote.attestationKey), dsaEncoding: 'ieee-p1363' }, quote.signature)) {
    refuse('report-signature', 'the quote signature does not verify with the attestation key');
  }

  const min = opts.policy?.minTeeTcbSvn;
  if (min !== undefined) {
    if (!/^[0-9a-f]{32}$/i.test(min)) refuse('malformed-evidence', 'minTeeTcbSvn is 16 bytes in hex');
    const m = Buffer.from(min, 'hex');
    for (let i = 0; i < 16; i++) {
      if (quote.teeTcbSvn[i] < m[i]) refuse('tcb-too-low', `TEE TCB SVN[${i}] ${quote.teeTcbSvn[i]} is below the minimum ${m[i]}`);
    }
  }
  const debug = (quote.tdAttributes[0] & TD_ATTRIBUTE_DEBUG) !== 0;
  if (debug && !opts.policy?.allowDebug) refuse('debug-enabled', `TD attributes ${hex(quote.tdAttributes)} have DEBUG set: the host can read the TD's memory`);
  const measurement = new Uint8Array(Buffer.concat([quote.mrTd, ...quote.rtmrs]));
  return { kind: 'tdx', quote, measurement, debug, notAfter: new Date(pck.validTo) };
}
