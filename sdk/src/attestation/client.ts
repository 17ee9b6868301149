/**
 * What a client checks itself before it trusts a worker's enclave with a confidential prompt.
 *
 * On chain, `register_enclave` stored the worker's enclave key, the 32-byte measurement id and
 * an expiry, after the *config's* attestation authority signed
 * `worker ‖ enclave_key ‖ measurement ‖ expires_at`. The worker record does not say which
 * authority signed, so a client either
 *   - trusts the config's current authority (`attestationAuthority` in `trustedAuthorities`), or
 *   - checks the authority's signature itself (`authoritySignature`, which the worker serves),
 *     which also holds across authority rotations.
 * Then: not expired (on-chain clock), measurement on the client's allow-list, DEV refused
 * unless the client opts in. A confidential prompt is sealed to the Montgomery form of the
 * enclave's ed25519 key; the authority refused any evidence whose x25519 key is not exactly that.
 */
import { PublicKey } from '@solana/web3.js';
import nacl from 'tweetnacl';
import type { Worker } from '../accounts/market';
import { fetchConfig, fetchWorker } from '../accounts/market';
import { fetchClock } from '../accounts/token';
import { attestationMessage } from '../flows/worker';
import { findConfigPda } from '../pda';
import type { Transport } from '../rpc/transport';
import { enclaveResultMessage, enclaveSealingKey, sealPrompt, type SealedPrompt, type X25519Keypair } from '../crypto/envelope';
import type { RequestOpening } from '../crypto/request';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesEqual, hex, isAllZero, refuse } from './errors';
import { parseEvidence, verifyEvidence, type VerifiedEvidence, type VerifyEvidenceOptions } from './evidence';
import { DEV_ENCLAVE_LABEL, isDevEnclaveMeasurement } from './measurement';

export interface EnclaveTrustPolicy {
  /** Attestation authorities this client trusts. */
  trustedAuthorities: PublicKey[];
  /** On-chain measurement ids (32 bytes, bytes or hex) this client accepts. */
  allowedMeasurements: (Uint8Array | string)[];
  /** Accept the DEV enclave (not hardware-attested). Default false. */
  allowDev?: boolean;
  /** Refuse an enclave whose registration ends within this many seconds (default 0). */
  minRemainingSeconds?: number;
}

export interface EnclaveRecord {
  worker: PublicKey;
  enclaveKey: Uint8Array;
  measurement: Uint8Array;
  expiresAt: bigint;
}

export interface TrustedEnclave extends EnclaveRecord {
  /** The authority that vouched (checked signature, or the config's trusted authority). */
  authority: PublicKey;
  authorityCheckedBy: 'signature' | 'config';
  hardwareAttested: boolean;
  /** "DEV enclave: NOT hardware-attested" or "hardware-attested measurement <hex>". */
  label: string;
}

function toBytes(v: Uint8Array | number[]): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(v);
}

export function enclaveRecordOf(worker: PublicKey, data: Pick<Worker, 'enclaveKey' | 'enclaveMeasurement' | 'enclaveExpiresAt'>): EnclaveRecord {
  return {
    worker,
    enclaveKey: toBytes(data.enclaveKey as Uint8Array),
    measurement: toBytes(data.enclaveMeasurement as Uint8Array),
    expiresAt: BigInt(data.enclaveExpiresAt as bigint),
  };
}

/**
 * Checks an enclave record against the client's policy. `now` is the cluster's unix time;
 * `configAuthority` the config's attestation authority; `authoritySignature` (optional) the
 * authority's ed25519 signature over the register_enclave message, as the worker serves it.
 */
export function checkEnclaveRecord(args: { record: EnclaveRecord; now: bigint; policy: EnclaveTrustPolicy; configAuthority?: PublicKey; authoritySignature?: Uint8Array }): TrustedEnclave {
  const { record, policy } = args;
  if (isAllZero(record.enclaveKey)) refuse('enclave-not-registered', `worker ${record.worker.toBase58()} has no registered enclave`);
  const margin = BigInt(policy.minRemainingSeconds ?? 0);
  if (record.expiresAt <= args.now + margin) refuse('enclave-expired', `worker ${record.worker.toBase58()}'s enclave registration expired at ${record.expiresAt} (now ${args.now}${margin ? `, margin ${margin}s` : ''})`);

  let authority: PublicKey;
  let authorityCheckedBy: TrustedEnclave['authorityCheckedBy'];
  if (args.authoritySignature) {
    const message = attestationMessage(record.worker, record.enclaveKey, record.measurement, record.expiresAt);
    const signer = policy.trustedAuthorities.find((a) => args.authoritySignature!.length === 64 && nacl.sign.detached.verify(message, args.authoritySignature!, a.toBytes()));
    if (!signer) refuse('authority-signature', 'the attestation signature does not verify with any authority this client trusts');
    authority = signer;
    authorityCheckedBy = 'signature';
  } else {
    const configured = args.configAuthority;
    if (!configured || configured.equals(PublicKey.default)) refuse('untrusted-authority', 'the market has no attestation authority configured');
    if (!policy.trustedAuthorities.some((a) => a.equals(configured))) refuse('untrusted-authority', `the market's attestation authority ${configured.toBase58()} is not one this client trusts`);
    authority = configured;
    authorityCheckedBy = 'config';
  }

  const dev = isDevEnclaveMeasurement(record.measurement);
  if (dev && !policy.allowDev) refuse('dev-not-allowed', `worker ${record.worker.toBase58()} runs a ${DEV_ENCLAVE_LABEL}; this client does not accept DEV enclaves`);
  const allowed = policy.allowedMeasurements.some((m) => Buffer.from(typeof m === 'string' ? Buffer.from(m, 'hex') : m).equals(Buffer.from(record.measurement)));
  if (!allowed && !(dev && policy.allowDev)) refuse('measurement-not-allowed', `measurement ${hex(record.measurement)} is not on this client's allow-list`);
  return { ...record, authority, authorityCheckedBy, hardwareAttested: !dev, label: dev ? DEV_ENCLAVE_LABEL : `hardware-attested measurement ${hex(record.measurement)}` };
}

/** Reads the worker, the config and the clock (three reads) and checks the worker's enclave. */
export async function fetchTrustedEnclave(transport: Transport, worker: PublicKey, policy: EnclaveTrustPolicy, opts: { programId?: PublicKey; authoritySignature?: Uint8Array } = {}): Promise<TrustedEnclave> {
  const fetchOpts = opts.programId ? { programId: opts.programId } : undefined;
  const [w, config, clock] = await Promise.all([
    fetchWorker(transport, worker, fetchOpts),
    fetchConfig(transport, findConfigPda(opts.programId)[0], fetchOpts),
    fetchClock(transport),
  ]);
  return checkEnclaveRecord({
    record: enclaveRecordOf(worker, w.data),
    now: clock.unixTimestamp,
    policy,
    configAuthority: config.data.params.attestationAuthority as PublicKey,
    authoritySignature: opts.authoritySignature,
  });
}

/** Checks the enclave signature a confidential reply carries (job ‖ output_hash) against the trusted enclave key. */
export function verifyConfidentialReply(args: { job: PublicKey; outputHash: Uint8Array; signature: Uint8Array; enclave: Pick<EnclaveRecord, 'enclaveKey'> }): void {
  const ok = args.signature.length === 64 && args.outputHash.length === 32 && nacl.sign.detached.verify(enclaveResultMessage(args.job, args.outputHash), args.signature, args.enclave.enclaveKey);
  if (!ok) refuse('enclave-signature', `the reply to job ${args.job.toBase58()} is not signed by the attested enclave key`);
}

/**
 * Evidence a worker serves (e.g. from its endpoint), checked by the client itself against the
 * vendor roots and against the worker's on-chain record: the report must bind the on-chain
 * enclave key (and its Montgomery form as the x25519 key), and measure what the record says.
 * `policy.allowedMeasurements` (on-chain ids) is the allow-list; DEV needs `policy.allowDev`.
 */
export function verifyWorkerEvidence(args: { evidence: unknown; record: EnclaveRecord; policy: Pick<EnclaveTrustPolicy, 'allowedMeasurements' | 'allowDev'>; now?: Date; snp?: VerifyEvidenceOptions['snp']; tdx?: VerifyEvidenceOptions['tdx'] }): VerifiedEvidence {
  const evidence = parseEvidence(args.evidence);
  const signingKey = args.record.enclaveKey;
  if (isAllZero(signingKey)) refuse('enclave-not-registered', `worker ${args.record.worker.toBase58()} has no registered enclave`);
  let encryptionKey: Uint8Array;
  try {
    encryptionKey = ed25519.utils.toMontgomery(signingKey);
  } catch {
    return refuse('enclave-not-registered', 'the on-chain enclave key is not a valid ed25519 point');
  }
  const ids = args.policy.allowedMeasurements.map((m) => `id:${typeof m === 'string' ? m.toLowerCase() : hex(m)}`);
  const v = verifyEvidence(evidence, { now: args.now, snp: args.snp, tdx: args.tdx, allowDev: args.policy.allowDev, allow: args.policy.allowDev ? [...ids, 'dev'] : ids, keys: { signingKey, encryptionKey } });
  if (!bytesEqual(v.measurementId, args.record.measurement)) {
    refuse('measurement-not-allowed', `the evidence measures ${hex(v.measurementId)}, the worker registered ${hex(args.record.measurement)}`);
  }
  return v;
}

/**
 * Seals a confidential prompt to an enclave the client has checked: the only way to get a
 * TrustedEnclave is `checkEnclaveRecord` / `fetchTrustedEnclave`, so this cannot seal to an
 * unchecked key. The recipient key is the Montgomery form of the attested enclave key.
 */
export function sealForTrustedEnclave(enclave: TrustedEnclave, args: { job: PublicKey; opening: RequestOpening; reply: X25519Keypair; nonce?: Uint8Array }): SealedPrompt {
  return sealPrompt({ ...args, workerKey: enclaveSealingKey(enclave.enclaveKey) });
}
