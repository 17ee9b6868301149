/**
 * The attestation authority: the off-chain verifier whose key the market config names. A worker
 * sends its enclave's evidence; the authority verifies it to the vendor roots, checks the
 * measurement against its allow-list and the key binding, and signs exactly the message
 * `register_enclave` verifies:
 *
 *   worker (32) ‖ enclave_key (32) ‖ measurement id (32) ‖ expires_at (i64 LE)
 *
 * (the SDK's `attestationMessage`). The expiry is the earlier of now + ttl and the end of the
 * signing certificate's validity (the VCEK is issued per TCB, the PCK per platform TCB), so a
 * registration never outlives the key that vouched for the report.
 *
 * It also refuses evidence whose x25519 key is not the Montgomery form of the ed25519 key:
 * clients seal confidential prompts to that form of the on-chain key, so any other key would
 * be a key the client never uses.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { Keypair, PublicKey } from '@solana/web3.js';
import nacl from 'tweetnacl';
import {
  AttestationError,
  parseAllowEntry,
  parseEvidence,
  verifyEvidence,
  type AllowEntry,
  type SnpPolicy,
  type TdxPolicy,
  type VerifiedEvidence,
} from '../sdk/src/attestation';
import { attestationMessage } from '../sdk/src/flows/worker';

export interface AuthorityOptions {
  keypair: Keypair;
  /** Allow-list entries (`sev-snp:<hex>`, `tdx:<mrtd>[:rtmr…]`, `id:<hex>`). */
  allow: string[];
  /** Vouch for DEV enclaves (never hardware-attested). */
  allowDev: boolean;
  ttlSeconds: number;
  snp?: SnpPolicy;
  tdx?: TdxPolicy;
  now?: () => Date;
}

/** What the authority returns: everything register_enclave needs, and what it was based on. */
export interface Attestation {
  worker: string;
  /** ed25519, base58: register_enclave's enclave_key. */
  enclaveKey: string;
  /** x25519, base64: the key prompts are sealed to. */
  encryptionKey: string;
  kind: VerifiedEvidence['kind'];
  hardwareAttested: boolean;
  /** "DEV enclave: NOT hardware-attested" for DEV evidence. */
  label: string;
  /** 32-byte measurement id, hex: register_enclave's measurement. */
  measurement: string;
  expiresAt: number;
  /** The authority's ed25519 signature over the register_enclave message, base64. */
  signature: string;
  authority: string;
  allowedBy: string;
}

export interface AttestRequest {
  worker: PublicKey;
  evidence: unknown;
}

/** Reads a POSTed body `{ worker: base58, evidence: <evidence file> }`; bad shapes are `malformed-evidence`. */
export function parseAttestRequest(body: unknown): AttestRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AttestationError('malformed-evidence', 'the request body must be a JSON object {worker, evidence}');
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).find((k) => k !== 'worker' && k !== 'evidence');
  if (extra) throw new AttestationError('malformed-evidence', `unknown field "${extra}" (known: worker, evidence)`);
  let worker: PublicKey;
  try {
    if (typeof b.worker !== 'string') throw new Error();
    worker = new PublicKey(b.worker);
  } catch {
    throw new AttestationError('malformed-evidence', 'worker must be the worker account address (base58)');
  }
  if (b.evidence === undefined) throw new AttestationError('malformed-evidence', 'evidence is missing');
  return { worker, evidence: b.evidence };
}

/** Unix seconds: the earlier of now + ttl and the signing certificate's end (null for DEV). */
export function attestationExpiry(now: Date, ttlSeconds: number, certificateEnd: Date | null): number {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const certEnd = certificateEnd ? Math.floor(certificateEnd.getTime() / 1000) : Number.MAX_SAFE_INTEGER;
  const expiresAt = Math.min(nowSeconds + ttlSeconds, certEnd);
  if (expiresAt <= nowSeconds) throw new AttestationError('certificate-expired', 'the signing certificate has expired');
  return expiresAt;
}

export class AttestationAuthority {
  readonly publicKey: PublicKey;
  private readonly keypair: Keypair;
  private readonly allow: AllowEntry[];
  private readonly opts: AuthorityOptions;

  constructor(opts: AuthorityOptions) {
    if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds < 60) throw new Error('ttlSeconds must be an integer of at least 60');
    this.opts = opts;
    this.keypair = opts.keypair;
    this.publicKey = opts.keypair.publicKey;
    this.allow = opts.allow.map(parseAllowEntry);
    if (opts.allowDev) this.allow.push(parseAllowEntry('dev'));
  }

  get allowList(): string[] {
    return this.allow.map((e) => e.text);
  }

  /** Verifies and signs, or throws AttestationError with the reason. */
  attest(request: AttestRequest): Attestation {
    const now = (this.opts.now ?? (() => new Date()))();
    const evidence = parseEvidence(request.evidence);
    if (!evidence.keys) throw new AttestationError('malformed-evidence', 'the evidence must name the enclave keys it binds (keys.signing, keys.encryption)');
    let sealing: Uint8Array;
    try {
      sealing = ed25519.utils.toMontgomery(evidence.keys.signingKey);
    } catch {
      throw new AttestationError('malformed-evidence', 'keys.signing is not a valid ed25519 point');
    }
    if (!Buffer.from(sealing).equals(Buffer.from(evidence.keys.encryptionKey))) {
      throw new AttestationError('encryption-key-not-enclave', 'keys.encryption is not the Montgomery form of keys.signing (clients seal prompts to that form)');
    }
    const verified = verifyEvidence(evidence, { now, allow: this.allow, allowDev: this.opts.allowDev, snp: this.opts.snp, tdx: this.opts.tdx });
    const expiresAt = attestationExpiry(now, this.opts.ttlSeconds, verified.notAfter);
    const message = attestationMessage(request.worker, evidence.keys.signingKey, verified.measurementId, BigInt(expiresAt));
    const signature = nacl.sign.detached(message, this.keypair.secretKey);
    return {
      worker: request.worker.toBase58(),
      enclaveKey: new PublicKey(evidence.keys.signingKey).toBase58(),
      encryptionKey: Buffer.from(evidence.keys.encryptionKey).toString('base64'),
      kind: verified.kind,
      hardwareAttested: verified.hardwareAttested,
      label: verified.hardwareAttested ? `${verified.kind}, hardware-attested` : 'DEV enclave: NOT hardware-attested',
      measurement: Buffer.from(verified.measurementId).toString('hex'),
      expiresAt,
      signature: Buffer.from(signature).toString('base64'),
      authority: this.publicKey.toBase58(),
      allowedBy: verified.allowedBy ?? '',
    };
  }
}
