/**
 * attestation/'s public surface for other services: the enclave runtime a confidential worker
 * opens (configfs-tsm in a TEE guest, or the explicit DEV enclave), the request a worker makes
 * to the authority, and the authority service itself for `peer up`.
 */
export { openEnclave, requestAttestation, EnclaveUnavailableError, type Enclave, type EnclaveMode, type EnclaveRegistration, type OpenEnclaveOptions } from './enclave';
export { startAttestationService, type AttestationService } from './service';
export { runAttestation, type AttestServeOptions } from './main';
export { loadAttestationConfig, type AttestationConfig } from './config';
