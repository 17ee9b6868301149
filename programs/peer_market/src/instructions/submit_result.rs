//! `submit_result`: the assigned worker commits to its output hash before the deadline; for
//! the verified tier the challenge window opens. Confidential jobs go through
//! `submit_confidential_result`, which also checks the enclave's signature.
use crate::interface::*;
use crate::state::job::{load_job_mut, record_result};
use crate::state::worker::load_worker_of;
use peer_runtime::state::load;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = SubmitResultAccounts::parse(accounts)?;
    let result = SubmitResultArgs::parse(data)?.result();
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    let mut job = load_job_mut(ctx.job)?;
    if job.request().tier() == Tier::Confidential {
        return Err(fail(&errors::CONFIDENTIAL_SUBMIT_REQUIRED));
    }
    record_result(&mut job, &mut worker, result, config.params(), &[ctx.job.key(), ctx.worker.key()])
}
