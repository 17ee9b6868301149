/**
 * The enclave that serves the confidential tier.
 *
 * `tsm`: a real TEE guest, through attestation/ (configfs-tsm report, keys generated in guest
 * memory). Refuses to start where there is no TEE.
 * `dev`: NO TEE. An ed25519 key generated in this process, labelled "DEV enclave: NOT
 * hardware-attested" in every log line and result (JobResultEvent.enclaveAttested = false).
 * It exists so the confidential flow can be exercised on machines without TEE hardware, and
 * only behind `--insecure-dev-enclave`. Its x25519 key is the Montgomery form of its ed25519
 * key, as for a real enclave, so clients seal to it from the on-chain record alone.
 */
import type { PublicKey } from '@solana/web3.js';
import nacl from 'tweetnacl';
import { configAccount, workerAccount } from '../sdk/src/accounts/market';
import type { PeerContext } from '../sdk/src/context';
import { enclaveEncryptionKeypair } from '../sdk/src/crypto/envelope';
import { registerEnclave } from '../sdk/src/flows/worker';
import { findConfigPda, findWorkerPda } from '../sdk/src/pda';
import * as attestation from '../attestation';
import type { EnclaveSigner } from './jobs';

export const DEV_ENCLAVE_LABEL = 'DEV enclave: NOT hardware-attested';

export interface WorkerEnclave extends EnclaveSigner {
  label: string;
  /** The attestation evidence (tsm), for the attestation authority; null for the dev enclave. */
  evidence: unknown;
  measurement: Uint8Array | null;
}

/** A dev enclave (no TEE): only with `insecureDevEnclave`. */
export function devEnclave(opts: { insecureDevEnclave: boolean; seed?: Uint8Array }): WorkerEnclave {
  if (!opts.insecureDevEnclave) throw new Error('the dev enclave runs without a TEE (NOT hardware-attested): it needs --insecure-dev-enclave');
  const kp = opts.seed ? nacl.sign.keyPair.fromSeed(opts.seed) : nacl.sign.keyPair();
  return {
    label: DEV_ENCLAVE_LABEL,
    publicKey: kp.publicKey,
    encryptionKeyPair: enclaveEncryptionKeypair(kp.secretKey),
    hardwareAttested: false,
    sign: (message) => nacl.sign.detached(message, kp.secretKey),
    evidence: null,
    measurement: null,
  };
}

interface RawEnclave {
  hardwareAttested: boolean;
  label: string;
  signingKey: { publicKey: { toBytes(): Uint8Array } };
  encryptionKeyPair: { publicKey: Uint8Array; secretKey: Uint8Array };
  evidenceFile: unknown;
  measurement: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

interface AttestationSurface {
  openEnclave(opts: { mode: 'tsm' | 'dev'; insecureDevEnclave?: boolean }): Promise<RawEnclave>;
  requestAttestation?(args: { authorityUrl: string; worker: PublicKey; enclave: RawEnclave; expectedAuthority: PublicKey }): Promise<{
    enclaveKey: Uint8Array;
    measurement: Uint8Array;
    expiresAt: bigint;
    attestationSignature: Uint8Array;
    attestationAuthority: PublicKey;
  }>;
}

/** attestation/'s public surface (index.ts). */
async function attestationSurface(): Promise<AttestationSurface> {
  return attestation as unknown as AttestationSurface;
}

const raws = new WeakMap<WorkerEnclave, RawEnclave>();

/**
 * Opens the configured enclave through attestation/ (`tsm`: a TEE guest; `dev`: its DEV report,
 * which an authority that allows DEV will sign). Where attestation/ exposes no surface, `dev`
 * falls back to a local dev enclave and `tsm` refuses.
 */
export async function openWorkerEnclave(mode: 'tsm' | 'dev', insecureDevEnclave: boolean): Promise<WorkerEnclave> {
  if (mode === 'dev' && !insecureDevEnclave) throw new Error('the dev enclave runs without a TEE (NOT hardware-attested): it needs --insecure-dev-enclave');
  const surface = await attestationSurface();
  if (!surface) {
    if (mode === 'dev') return devEnclave({ insecureDevEnclave });
    throw new Error('the confidential tier needs attestation/ (openEnclave through attestation/index.ts), which did not load');
  }
  const e = await surface.openEnclave({ mode, insecureDevEnclave: mode === 'dev' ? true : undefined });
  const out: WorkerEnclave = {
    label: e.label,
    publicKey: e.signingKey.publicKey.toBytes(),
    encryptionKeyPair: e.encryptionKeyPair,
    hardwareAttested: e.hardwareAttested,
    sign: (m) => e.sign(m),
    evidence: e.evidenceFile,
    measurement: e.measurement,
  };
  raws.set(out, e);
  return out;
}

/**
 * Gets the enclave attested by the authority at `authorityUrl` (checked against the market's
 * attestation_authority) and registers its key on chain, unless the chain already has it.
 */
export async function attestAndRegister(enclave: WorkerEnclave, ctx: PeerContext, authorityUrl: string): Promise<'registered' | 'already'> {
  const programId = ctx.programs.market;
  const worker = findWorkerPda(ctx.wallet.publicKey, programId)[0];
  const current = await workerAccount.fetch(ctx.transport, worker, { programId });
  if (Buffer.from(current.data.enclaveKey).equals(Buffer.from(enclave.publicKey))) return 'already';
  const surface = await attestationSurface();
  const raw = raws.get(enclave);
  if (!surface?.requestAttestation || !raw) throw new Error('this enclave cannot be attested here (no attestation/ surface, or a local dev enclave): register it with the authority by hand');
  const config = (await configAccount.fetch(ctx.transport, findConfigPda(programId)[0], { programId })).data;
  const reg = await surface.requestAttestation({ authorityUrl, worker, enclave: raw, expectedAuthority: config.params.attestationAuthority });
  await registerEnclave(ctx, reg);
  return 'registered';
}
