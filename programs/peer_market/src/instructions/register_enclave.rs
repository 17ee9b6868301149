//! `register_enclave`: records the worker's enclave key, measurement and expiry. The
//! instruction before this one must be an Ed25519 verification by the config's attestation
//! authority (the off-chain verifier of TDX / SEV-SNP / GPU attestation reports) over exactly
//! `worker || enclave_key || measurement || expires_at (i64 LE)`. Each attestation must expire
//! later than the one it replaces (no rollback to an older measurement).
use crate::interface::*;
use crate::state::ed25519::verify_preceding_signature;
use crate::state::worker::load_worker_of;
use peer_runtime::state::load;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub const ATTESTATION_MESSAGE_LEN: usize = 32 + 32 + 32 + 8;

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = RegisterEnclaveAccounts::parse(accounts)?;
    let args = RegisterEnclaveArgs::parse(data)?;
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    let authority = config.params().attestation_authority();
    if authority == &[0u8; 32] {
        return Err(fail(&errors::ATTESTATION_DISABLED));
    }
    if args.expires_at() <= now()? {
        return Err(fail(&errors::ENCLAVE_EXPIRED));
    }
    // Attestations are ordered by expiry (the verifier issues them with a fixed lifetime), so
    // an older one, even unexpired, can never put an older measurement back.
    if args.expires_at() <= worker.enclave_expires_at() {
        return Err(fail(&errors::STALE_ATTESTATION));
    }
    let mut message = [0u8; ATTESTATION_MESSAGE_LEN];
    message[..32].copy_from_slice(ctx.worker.key());
    message[32..64].copy_from_slice(args.enclave_key());
    message[64..96].copy_from_slice(args.measurement());
    message[96..].copy_from_slice(&args.expires_at().to_le_bytes());
    verify_preceding_signature(ctx.instructions_sysvar, authority, &message)?;

    worker.set_enclave_key(args.enclave_key());
    worker.set_enclave_measurement(args.measurement());
    worker.set_enclave_expires_at(args.expires_at());
    let mut event = EnclaveRegistered::zeroed();
    event.set_worker(ctx.worker.key());
    event.set_enclave_key(args.enclave_key());
    event.set_measurement(args.measurement());
    event.set_expires_at(args.expires_at());
    event.emit();
    Ok(())
}
