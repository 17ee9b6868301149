/**
 * Attestation: verify AMD SEV-SNP reports and Intel TDX quotes to their vendors' pinned roots,
 * bind an enclave's keys in the report data, the evidence file format, and the checks a client
 * makes before trusting a worker's enclave. See attestation/README.md for the whole picture.
 */
export { AttestationError, ATTESTATION_REASONS, type AttestationReason } from './errors';
export * from './measurement';
export * from './binding';
export { splitPem, parseCertificate, verifyChainToRoot } from './certs';
export * from './snp';
export * from './tdx';
export * from './evidence';
export * from './client';
export { AMD_ARKS, INTEL_SGX_ROOT_CA_PEM, INTEL_TDX_QE_MRSIGNER } from './roots';
