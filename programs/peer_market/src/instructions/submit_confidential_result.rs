//! `submit_confidential_result`: `submit_result` for the confidential tier. The instruction
//! before this one must be an Ed25519 verification of the worker's registered, unexpired
//! enclave key over `job address || output_hash` — the enclave vouches that this output came
//! from the attested model, and the job address in the message stops replays across jobs.
//! The enclave's attested measurement must still be the one the job names.
use crate::interface::*;
use crate::state::ed25519::verify_preceding_signature;
use crate::state::job::{load_job_mut, record_result};
use crate::state::worker::{check_enclave, load_worker_of};
use peer_runtime::state::load;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = SubmitConfidentialResultAccounts::parse(accounts)?;
    let result = SubmitConfidentialResultArgs::parse(data)?.result();
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    let mut job = load_job_mut(ctx.job)?;
    if job.request().tier() != Tier::Confidential {
        return Err(fail(&errors::TIER_NOT_SERVED));
    }
    check_enclave(&worker, job.request().measurement(), now()?)?;
    let mut message = [0u8; 64];
    message[..32].copy_from_slice(ctx.job.key());
    message[32..].copy_from_slice(result.output_hash());
    verify_preceding_signature(ctx.instructions_sysvar, worker.enclave_key(), &message)?;
    record_result(&mut job, &mut worker, result, config.params(), &[ctx.job.key(), ctx.worker.key()])
}
