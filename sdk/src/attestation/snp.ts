/**
 * AMD SEV-SNP attestation reports (SEV Secure Nested Paging Firmware ABI, ATTESTATION_REPORT,
 * versions 2 and up, 0x4A0 bytes). The report is signed with ECDSA P-384 / SHA-384 by the chip's
 * VCEK over bytes 0x000..0x2A0; the VCEK certificate is signed by the ASK, the ASK by the ARK
 * (RSA-PSS), and the ARK is pinned (roots.ts).
 *
 * Checks, in order: size and format → the certificate chain to the pinned ARK → the report
 * signature → the VCEK was issued for the report's chip and reported TCB → the minimum TCB →
 * debug off in the guest policy. The measurement allow-list and the key binding are separate
 * steps (evidence.ts, binding.ts) so a caller sees which one failed.
 */
import { verify, type X509Certificate } from 'node:crypto';
import { parseCertificate, verifyChainToRoot, commonName } from './certs';
import { certificateExtensions, derSmallInteger, derString } from './der';
import { AMD_ARKS } from './roots';
import { bytesEqual, hex, isAllZero, refuse } from './errors';

export const SNP_REPORT_SIZE = 0x4a0;
const SIGNED_LENGTH = 0x2a0;
const ECDSA_P384_SHA384 = 1;

const POLICY_RESERVED_ONE = 1n << 17n;
const POLICY_DEBUG = 1n << 19n;
const FLAG_MASK_CHIP_ID = 1 << 1;

/** TCB_VERSION fields (security patch levels). */
export interface SnpTcb {
  bootloader: number;
  tee: number;
  snp: number;
  microcode: number;
  /** Turin and later only. */
  fmc?: number;
}

export interface SnpReport {
  version: number;
  guestSvn: number;
  policy: bigint;
  familyId: Uint8Array;
  imageId: Uint8Array;
  vmpl: number;
  signatureAlgo: number;
  currentTcb: Uint8Array;
  platformInfo: bigint;
  /** AUTHOR_KEY_EN (bit 0), MASK_CHIP_KEY (bit 1), SIGNING_KEY (bits 2..4: 0 = VCEK, 1 = VLEK). */
  flags: number;
  reportData: Uint8Array;
  measurement: Uint8Array;
  hostData: Uint8Array;
  idKeyDigest: Uint8Array;
  authorKeyDigest: Uint8Array;
  reportId: Uint8Array;
  reportedTcb: Uint8Array;
  chipId: Uint8Array;
  /** R ‖ S, 48 bytes each, big-endian (the report stores them little-endian in 72-byte fields). */
  signature: Uint8Array;
  signed: Uint8Array;
}

export function parseSnpReport(bytes: Uint8Array): SnpReport {
  if (bytes.length !== SNP_REPORT_SIZE) refuse('malformed-evidence', `an SEV-SNP report is ${SNP_REPORT_SIZE} bytes, got ${bytes.length}`);
  const b = Buffer.from(bytes);
  // the signature area holds R and S (72 bytes each); the rest is reserved, zero
  if (!isAllZero(b.subarray(SIGNED_LENGTH + 144))) refuse('malformed-evidence', 'the reserved bytes after the signature are not zero');
  const at = (o: number, n: number) => new Uint8Array(b.subarray(o, o + n));
  const leScalar = (o: number) => {
    const field = Buffer.from(b.subarray(o, o + 72)).reverse();
    if (!isAllZero(field.subarray(0, 72 - 48))) refuse('report-signature', 'the signature scalar is wider than 384 bits');
    return field.subarray(72 - 48);
  };
  return {
    version: b.readUInt32LE(0x00),
    guestSvn: b.readUInt32LE(0x04),
    policy: b.readBigUInt64LE(0x08),
    familyId: at(0x10, 16),
    imageId: at(0x20, 16),
    vmpl: b.readUInt32LE(0x30),
    signatureAlgo: b.readUInt32LE(0x34),
    currentTcb: at(0x38, 8),
    platformInfo: b.readBigUInt64LE(0x40),
    flags: b.readUInt32LE(0x48),
    reportData: at(0x50, 64),
    measurement: at(0x90, 48),
    hostData: at(0xc0, 32),
    idKeyDigest: at(0xe0, 48),
    authorKeyDigest: at(0x110, 48),
    reportId: at(0x140, 32),
    reportedTcb: at(0x180, 8),
    chipId: at(0x1a0, 64),
    signature: new Uint8Array(Buffer.concat([leScalar(0x2a0), leScalar(0x2a0 + 72)])),
    signed: at(0, SIGNED_LENGTH),
  };
}

/** TCB_VERSION bytes → fields (Milan/Genoa layout, or Turin's with the FMC first). */
export function decodeSnpTcb(tcb: Uint8Array, product: string): SnpTcb {
  if (product === 'Turin') return { fmc: tcb[0], bootloader: tcb[1], tee: tcb[2], snp: tcb[3], microcode: tcb[7] };
  return { bootloader: tcb[0], tee: tcb[1], snp: tcb[6], microcode: tcb[7] };
}

// AMD's VCEK extensions (VCEK specification, "VCEK Certificate Extensions").
const OID_PRODUCT_NAME = '1.3.6.1.4.1.3704.1.2';
const OID_BOOTLOADER = '1.3.6.1.4.1.3704.1.3.1';
const OID_TEE = '1.3.6.1.4.1.3704.1.3.2';
const OID_SNP = '1.3.6.1.4.1.3704.1.3.3';
const OID_MICROCODE = '1.3.6.1.4.1.3704.1.3.8';
const OID_FMC = '1.3.6.1.4.1.3704.1.3.9';
const OID_HWID = '1.3.6.1.4.1.3704.1.4';

interface VcekFacts {
  product: string;
  tcb: SnpTcb;
  hwid: Uint8Array;
}

function vcekFacts(vcek: X509Certificate): VcekFacts {
  try {
    const ext = certificateExtensions(vcek.raw);
    const need = (oid: string) => ext.get(oid) ?? refuse('malformed-evidence', `the VCEK lacks extension ${oid}`);
    const product = derString(need(OID_PRODUCT_NAME)).split('-')[0];
    const fmc = ext.get(OID_FMC);
    return {
      product,
      tcb: {
        bootloader: derSmallInteger(need(OID_BOOTLOADER)),
        tee: derSmallInteger(need(OID_TEE)),
        snp: derSmallInteger(need(OID_SNP)),
        microcode: derSmallInteger(need(OID_MICROCODE)),
        ...(fmc ? { fmc: derSmallInteger(fmc) } : {}),
      },
      hwid: need(OID_HWID),
    };
  } catch (err) {
    if ((err as { reason?: string }).reason) throw err;
    return refuse('malformed-evidence', `the VCEK's AMD extensions do not parse (${(err as Error).message})`);
  }
}

export interface SnpPolicy {
  /** Accept a guest whose policy allows debugging (never for real work; tests of published debug reports). */
  allowDebug?: boolean;
  /** Each reported TCB component must be at least this. */
  minTcb?: Partial<SnpTcb>;
}

export interface SnpVerified {
  kind: 'sev-snp';
  report: SnpReport;
  product: string;
  tcb: SnpTcb;
  debug: boolean;
  /** The VCEK's notAfter: the attestation cannot outlive the key that signed it. */
  notAfter: Date;
}

/**
 * Verifies an SNP report against its VCEK and ASK (and optionally the ARK, which must then be
 * the pinned one). Throws AttestationError with the reason of the first failed check.
 */
export function verifySnpReport(bytes: Uint8Array, chain: { vcek: X509Certificate | string | Uint8Array; ask: X509Certificate | string | Uint8Array; ark?: X509Certificate | string | Uint8Array }, opts: { now?: Date; policy?: SnpPolicy } = {}): SnpVerified {
  const now = opts.now ?? new Date();
  const report = parseSnpReport(bytes);
  if (report.version < 2) refuse('unsupported-format', `SEV-SNP report version ${report.version} (2 and later are verified)`);
  if (report.signatureAlgo !== ECDSA_P384_SHA384) refuse('unsupported-format', `signature algorithm ${report.signatureAlgo} (only 1, ECDSA P-384 with SHA-384)`);
  if (((report.flags >> 2) & 0x7) !== 0) refuse('unsupported-format', 'the report is signed by a VLEK; only VCEK-signed reports are verified');
  if ((report.policy & POLICY_RESERVED_ONE) === 0n) refuse('malformed-evidence', 'guest policy bit 17 (reserved, must be one) is zero');

  const asCert = (c: X509Certificate | string | Uint8Array, what: string) => (typeof c === 'string' || c instanceof Uint8Array ? parseCertificate(c, what) : c);
  const vcek = asCert(chain.vcek, 'VCEK');
  const ask = asCert(chain.ask, 'ASK');
  const facts = vcekFacts(vcek);
  const arkPem = AMD_ARKS[facts.product] ?? refuse('untrusted-root', `no pinned ARK for product "${facts.product}" (known: ${Object.keys(AMD_ARKS).join(', ')})`);
  const ark = parseCertificate(arkPem, 'pinned ARK');
  const links = [{ cert: vcek, what: 'VCEK' }, { cert: ask, what: 'ASK' }];
  if (chain.ark) links.push({ cert: asCert(chain.ark, 'ARK'), what: 'ARK' });
  verifyChainToRoot(links, ark, now);

  const key = vcek.publicKey;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp384r1') refuse('certificate-chain', `the VCEK (${commonName(vcek)}) does not hold a P-384 key`);
  if (!verify('sha384', report.signed, { key, dsaEncoding: 'ieee-p1363' }, report.signature)) {
    refuse('report-signature', 'the report signature does not verify with the VCEK');
  }

  const tcb = decodeSnpTcb(report.reportedTcb, facts.product);
  for (const part of Object.keys(facts.tcb) as (keyof SnpTcb)[]) {
    if (tcb[part] !== facts.tcb[part]) refuse('tcb-mismatch', `reported TCB ${part} ${tcb[part]} is not the VCEK's ${facts.tcb[part]}`);
  }
  if ((report.flags & FLAG_MASK_CHIP_ID) === 0 && !bytesEqual(report.chipId, facts.hwid)) {
    refuse('chip-id-mismatch', `the report's chip id ${hex(report.chipId).slice(0, 16)}… is not the VCEK's hwID ${hex(facts.hwid).slice(0, 16)}…`);
  }
  for (const [part, min] of Object.entries(opts.policy?.minTcb ?? {}) as [keyof SnpTcb, number][]) {
    const value = tcb[part];
    if (value === undefined || value < min) refuse('tcb-too-low', `TCB ${part} ${value ?? 'absent'} is below the minimum ${min}`);
  }
  const debug = (report.policy & POLICY_DEBUG) !== 0n;
  if (debug && !opts.policy?.allowDebug) refuse('debug-enabled', `the guest policy 0x${report.policy.toString(16)} allows debugging (bit 19): the host can read the guest's memory`);
  return { kind: 'sev-snp', report, product: facts.product, tcb, debug, notAfter: new Date(vcek.validTo) };
}
