/**
 * The enclave runtime a worker opens at start (the worker imports `openEnclave` from here).
 *
 * Inside a confidential VM (AMD SEV-SNP or Intel TDX guest, Linux ≥ 6.7) the report comes from
 * configfs-tsm: mkdir an entry under /sys/kernel/config/tsm/report, write the 64 report-data
 * bytes to `inblob`, read `outblob` (the SNP report or TDX quote), `provider` (sev_guest /
 * tdx_guest) and `auxblob` (SNP: AMD's certificate table with VCEK, ASK, ARK, when the host
 * provides it), check `generation` did not move, rmdir the entry.
 *
 * Keys are generated here, in the guest's memory: an ed25519 signing key (the on-chain
 * `enclave_key`) and its Montgomery form as the x25519 key prompts are sealed to (so a client
 * derives the sealing key from the on-chain record alone); both are bound in the report data.
 *
 * Without a TEE (our machines) `openEnclave` refuses, unless the caller says
 * `insecureDevEnclave: true` with mode 'dev': then the evidence is a DEV report carrying the
 * well-known DEV measurement, which every surface labels "NOT hardware-attested" and which an
 * authority accepts only when its config allows DEV.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { Keypair, PublicKey } from '@solana/web3.js';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import {
  ATTESTATION_REASONS,
  AttestationError,
  DEV_ENCLAVE_LABEL,
  devReport,
  isDevEnclaveMeasurement,
  type AttestationReason,
  enclaveReportData,
  serializeEvidence,
  verifyEvidence,
  type EnclaveKind,
  type Evidence,
  type EvidenceFile,
  type VerifiedEvidence,
} from '../sdk/src/attestation';
import type { X25519Keypair } from '../sdk/src/crypto/envelope';
import { attestationMessage } from '../sdk/src/flows/worker';

export const TSM_REPORT_ROOT = '/sys/kernel/config/tsm/report';

export type EnclaveMode = 'tsm' | 'dev';

export interface OpenEnclaveOptions {
  mode: EnclaveMode;
  /** Required (true) for mode 'dev': the explicit admission that nothing is hardware-attested. */
  insecureDevEnclave?: boolean;
  /** configfs-tsm report directory (default /sys/kernel/config/tsm/report). */
  tsmRoot?: string;
  /** SNP: VCEK, ASK[, ARK] PEMs to use when the host gives no certificate table in auxblob. */
  certChain?: string[];
}

export interface Enclave {
  kind: EnclaveKind;
  hardwareAttested: boolean;
  /** "DEV enclave: NOT hardware-attested", or the TEE kind and measurement id. */
  label: string;
  /** ed25519: the on-chain enclave_key; signs results. */
  signingKey: Keypair;
  /** x25519 (the Montgomery form of signingKey): prompts are sealed to its public key. */
  encryptionKeyPair: X25519Keypair;
  evidence: Evidence;
  /** The evidence as the JSON file format (POST it to the attestation authority). */
  evidenceFile: EvidenceFile;
  /** The on-chain measurement id (32 bytes). */
  measurement: Uint8Array;
  verified: VerifiedEvidence;
  /** ed25519 signature by the enclave key (e.g. over job ‖ output_hash). */
  sign(message: Uint8Array): Uint8Array;
}

/** No TEE, or the TEE did not produce a usable report: the worker must not start its confidential tier. */
export class EnclaveUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnclaveUnavailableError';
  }
}

/** The enclave's keys: a fresh ed25519 keypair and its x25519 (Montgomery) form. */
export function generateEnclaveKeys(): { signingKey: Keypair; encryptionKeyPair: X25519Keypair } {
  const signingKey = Keypair.generate();
  const encryptionKeyPair = nacl.box.keyPair.fromSecretKey(ed25519.utils.toMontgomerySecret(signingKey.secretKey.subarray(0, 32)));
  return { signingKey, encryptionKeyPair };
}

// AMD's certificate table GUIDs (GHCB spec, SNP extended guest request).
const GUID_VCEK = '63da758d-e664-4564-adc5-f4b93be8accd';
const GUID_ASK = '4ab7b379-bbac-4fe4-a02f-05aef327c782';
const GUID_ARK = 'c0b406a4-a803-4952-9743-3fb6014cd0ae';

/** A GUID's text from its 16 bytes, in RFC byte order (as go-sev-guest reads the table) and mixed-endian (EFI GUID layout). */
function guidTexts(b: Buffer): string[] {
  const h = (x: Buffer) => x.toString('hex');
  const le = (x: Buffer) => h(Buffer.from(x).reverse());
  const rfc = `${h(b.subarray(0, 4))}-${h(b.subarray(4, 6))}-${h(b.subarray(6, 8))}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
  const mixed = `${le(b.subarray(0, 4))}-${le(b.subarray(4, 6))}-${le(b.subarray(6, 8))}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
  return [rfc, mixed];
}

/** Parses an SNP certificate table (entries of GUID ‖ offset u32 ‖ length u32, ended by a zero entry) into VCEK, ASK, ARK PEMs. */
export function parseSnpCertTable(aux: Uint8Array): string[] {
  const b = Buffer.from(aux);
  const found = new Map<string, string>();
  for (let at = 0; at + 24 <= b.length; at += 24) {
    const guid = b.subarray(at, at + 16);
    if (guid.every((x) => x === 0)) break;
    const offset = b.readUInt32LE(at + 16);
    const length = b.readUInt32LE(at + 20);
    if (offset + length > b.length) throw new EnclaveUnavailableError('the SNP certificate table points past its end');
    const der = b.subarray(offset, offset + length);
    let pem: string;
    try {
      pem = new X509Certificate(der).toString();
    } catch {
      throw new EnclaveUnavailableError('the SNP certificate table holds a certificate that does not parse');
    }
    // the GHCB spec leaves the byte order of the GUIDs to readers: accept either layout
    for (const text of guidTexts(guid)) found.set(text, pem);
  }
  const vcek = found.get(GUID_VCEK);
  const ask = found.get(GUID_ASK);
  if (!vcek || !ask) return [];
  const ark = found.get(GUID_ARK);
  return ark ? [vcek, ask, ark] : [vcek, ask];
}

function readOptional(path: string): Buffer {
  return existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
}

/** One report from configfs-tsm for `reportData`. */
export function tsmReport(root: string, reportData: Uint8Array): { provider: string; outblob: Buffer; auxblob: Buffer } {
  if (!existsSync(root)) {
    throw new EnclaveUnavailableError(
      `no TEE here: ${root} does not exist (not a confidential VM, or a kernel without configfs-tsm). ` +
        `To run without hardware attestation set insecureDevEnclave: true (the enclave is then a DEV enclave, NOT hardware-attested, and only authorities that allow DEV will vouch for it)`,
    );
  }
  const entry = join(root, `peer-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(entry);
  } catch (err) {
    throw new EnclaveUnavailableError(`cannot create a configfs-tsm report entry in ${root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const before = readFileSync(join(entry, 'generation'), 'utf8').trim();
    writeFileSync(join(entry, 'inblob'), reportData);
    const outblob = readFileSync(join(entry, 'outblob'));
    const provider = readFileSync(join(entry, 'provider'), 'utf8').trim();
    const auxblob = readOptional(join(entry, 'auxblob'));
    const after = readFileSync(join(entry, 'generation'), 'utf8').trim();
    // another writer between our inblob and outblob would make the report bind its data, not ours
    if (Number(after) !== Number(before) + 1) throw new EnclaveUnavailableError(`the configfs-tsm entry changed while reading (generation ${before} → ${after}); retry`);
    return { provider, outblob, auxblob };
  } finally {
    try {
      rmdirSync(entry);
    } catch {
      // the kernel removes nothing by itself; a leftover entry is harmless and named after us
    }
  }
}

function finish(kind: EnclaveKind, keys: ReturnType<typeof generateEnclaveKeys>, evidence: Evidence, verified: VerifiedEvidence): Enclave {
  return {
    kind,
    hardwareAttested: verified.hardwareAttested,
    label: verified.hardwareAttested ? `${kind} enclave, measurement ${Buffer.from(verified.measurementId).toString('hex')}` : DEV_ENCLAVE_LABEL,
    signingKey: keys.signingKey,
    encryptionKeyPair: keys.encryptionKeyPair,
    evidence,
    evidenceFile: serializeEvidence(evidence),
    measurement: verified.measurementId,
    verified,
    sign: (message) => nacl.sign.detached(message, keys.signingKey.secretKey),
  };
}

/**
 * Opens the enclave: keys, report, evidence, checked once here (a report that does not verify
 * against the vendor roots is refused now rather than by the authority later).
 */
export async function openEnclave(opts: OpenEnclaveOptions): Promise<Enclave> {
  const keys = generateEnclaveKeys();
  const publicKeys = { signingKey: keys.signingKey.publicKey.toBytes(), encryptionKey: keys.encryptionKeyPair.publicKey };
  const reportData = enclaveReportData(publicKeys);
  if (opts.mode === 'dev') {
    if (opts.insecureDevEnclave !== true) {
      throw new EnclaveUnavailableError('mode dev needs insecureDevEnclave: true (a DEV enclave is NOT hardware-attested; say so explicitly)');
    }
    const evidence: Evidence = { kind: 'dev', report: devReport(reportData), certChain: [], keys: publicKeys };
    return finish('dev', keys, evidence, verifyEvidence(evidence, { allowDev: true }));
  }
  if (opts.mode !== 'tsm') throw new EnclaveUnavailableError(`unknown enclave mode "${String(opts.mode)}" (tsm or dev)`);
  const { provider, outblob, auxblob } = tsmReport(opts.tsmRoot ?? TSM_REPORT_ROOT, reportData);
  let evidence: Evidence;
  if (provider === 'sev_guest') {
    const chain = auxblob.length ? parseSnpCertTable(auxblob) : [];
    const certChain = chain.length ? chain : (opts.certChain ?? []);
    if (certChain.length < 2) {
      throw new EnclaveUnavailableError('the SEV-SNP host gave no certificate table (auxblob): fetch this chip\'s VCEK and the ASK from AMD\'s KDS and pass them as certChain');
    }
    evidence = { kind: 'sev-snp', report: new Uint8Array(outblob), certChain, keys: publicKeys };
  } else if (provider === 'tdx_guest') {
    evidence = { kind: 'tdx', report: new Uint8Array(outblob), certChain: [], keys: publicKeys };
  } else {
    throw new EnclaveUnavailableError(`configfs-tsm provider "${provider}" is not one we verify (sev_guest, tdx_guest)`);
  }
  try {
    return finish(evidence.kind, keys, evidence, verifyEvidence(evidence));
  } catch (err) {
    throw new EnclaveUnavailableError(`this TEE's own report does not verify: ${(err as Error).message}`);
  }
}

/** The authority's answer, checked and in the shape the SDK's `registerEnclave` takes. */
export interface EnclaveRegistration {
  enclaveKey: Uint8Array;
  measurement: Uint8Array;
  expiresAt: bigint;
  attestationSignature: Uint8Array;
  attestationAuthority: PublicKey;
  hardwareAttested: boolean;
  label: string;
}

/**
 * POSTs the enclave's evidence to an attestation authority for `worker` (the worker account
 * address) and checks the answer: it must be for this enclave key, carry a signature by
 * `expectedAuthority` (the market config's attestation_authority) over the register_enclave
 * message, and a DEV answer must be marked as such. A refusal becomes AttestationError with the
 * authority's reason.
 */
export async function requestAttestation(args: { authorityUrl: string; worker: PublicKey; enclave: Pick<Enclave, 'evidenceFile' | 'signingKey'>; expectedAuthority: PublicKey; timeoutMs?: number }): Promise<EnclaveRegistration> {
  const url = new URL('/v1/attest', args.authorityUrl).toString();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ worker: args.worker.toBase58(), evidence: args.enclave.evidenceFile }),
      signal: AbortSignal.timeout(args.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new EnclaveUnavailableError(`the attestation authority at ${url} could not be reached: ${(err as Error).message}`);
  }
  let body: Record<string, unknown>;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new EnclaveUnavailableError(`the attestation authority at ${url} answered ${res.status} without JSON`);
  }
  if (res.status !== 200) {
    const reason = ATTESTATION_REASONS.includes(body.error as AttestationReason) ? (body.error as AttestationReason) : null;
    if (reason) throw new AttestationError(reason, `the attestation authority refused: ${String(body.message ?? '')}`);
    throw new EnclaveUnavailableError(`the attestation authority at ${url} answered ${res.status}: ${String(body.message ?? body.error ?? '')}`);
  }
  const bad = (why: string): never => {
    throw new EnclaveUnavailableError(`the attestation authority's answer is unusable: ${why}`);
  };
  const measurementHex = typeof body.measurement === 'string' && /^[0-9a-f]{64}$/.test(body.measurement) ? body.measurement : bad('measurement is not 64 hex digits');
  const expiresAt = typeof body.expiresAt === 'number' && Number.isSafeInteger(body.expiresAt) ? BigInt(body.expiresAt) : bad('expiresAt is not an integer');
  const signature = typeof body.signature === 'string' ? new Uint8Array(Buffer.from(body.signature, 'base64')) : bad('no signature');
  if (body.enclaveKey !== args.enclave.signingKey.publicKey.toBase58()) bad('it is for another enclave key');
  if (body.authority !== args.expectedAuthority.toBase58()) bad(`signed by ${String(body.authority)}, not the market's authority ${args.expectedAuthority.toBase58()}`);
  const measurement = new Uint8Array(Buffer.from(measurementHex, 'hex'));
  const enclaveKey = args.enclave.signingKey.publicKey.toBytes();
  const message = attestationMessage(args.worker, enclaveKey, measurement, expiresAt);
  if (signature.length !== 64 || !nacl.sign.detached.verify(message, signature, args.expectedAuthority.toBytes())) bad('the signature does not verify over the register_enclave message');
  const dev = isDevEnclaveMeasurement(measurement);
  if (dev === (body.hardwareAttested === true)) bad('hardwareAttested contradicts the measurement');
  return { enclaveKey, measurement, expiresAt, attestationSignature: signature, attestationAuthority: args.expectedAuthority, hardwareAttested: !dev, label: dev ? DEV_ENCLAVE_LABEL : `hardware-attested measurement ${measurementHex}` };
}
