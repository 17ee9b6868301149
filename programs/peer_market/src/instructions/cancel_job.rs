//! `cancel_job`: the client withdraws a job nobody took; credits unlock, rent returns.
use crate::interface::*;
use crate::state::credits::{load_owned_by, unlock};
use crate::state::job::{check_client, load_job_mut};
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = CancelJobAccounts::parse(accounts)?;
    let job = load_job_mut(ctx.job)?;
    check_client(&job, ctx.client.key(), "client")?;
    let mut credits = load_owned_by(ctx.credit_account, ctx.client.key())?;
    if job.status() != JobStatus::Open {
        return Err(fail(&errors::JOB_NOT_OPEN));
    }

    let max_price = job.request().max_price();
    unlock(&mut credits, max_price, 0)?;
    drop(job);
    ctx.job.close_to(ctx.client)?;

    let mut event = JobCancelled::zeroed();
    event.set_job(ctx.job.key());
    event.set_refunded(max_price);
    event.emit();
    Ok(())
}
