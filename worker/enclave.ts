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
import nacl from 'tweetnacl';
import { enclaveEncryptionKeypair } from '../sdk/src/crypto/envelope';
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

interface AttestationSurface {
  openEnclave(opts: { mode: 'tsm' | 'dev'; insecureDevEnclave?: boolean }): Promise<{
    hardwareAttested: boolean;
    label: string;
    signingKey: { publicKey: { toBytes(): Uint8Array } };
    encryptionKeyPair: { publicKey: Uint8Array; secretKey: Uint8Array };
    evidenceFile: unknown;
    measurement: Uint8Array;
    sign(message: Uint8Array): Uint8Array;
  }>;
}

/** Opens the configured enclave: `tsm` through attestation/ (its public surface), `dev` locally. */
export async function openWorkerEnclave(mode: 'tsm' | 'dev', insecureDevEnclave: boolean): Promise<WorkerEnclave> {
  if (mode === 'dev') return devEnclave({ insecureDevEnclave });
  let surface: AttestationSurface;
  try {
    // attestation/index.ts is that service's public surface (loaded lazily: only TEE workers need it).
    const path = '../attestation';
    surface = (await import(path)) as AttestationSurface;
  } catch (err) {
    throw new Error(`the confidential tier needs attestation/ (openEnclave), which did not load: ${(err as Error).message.split('\n')[0]}`);
  }
  const e = await surface.openEnclave({ mode: 'tsm' });
  return {
    label: e.label,
    publicKey: e.signingKey.publicKey.toBytes(),
    encryptionKeyPair: e.encryptionKeyPair,
    hardwareAttested: e.hardwareAttested,
    sign: (m) => e.sign(m),
    evidence: e.evidenceFile,
    measurement: e.measurement,
  };
}
