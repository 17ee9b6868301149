//! `claim_job`: an eligible worker takes a job that waited `claim_delay_secs` without an
//! assignment, so jobs never depend on one keeper.
use crate::interface::*;
use crate::state::job::{assign, emit_assigned, load_job_mut};
use crate::state::worker::{check_eligible, load_worker_of};
use peer_runtime::state::load;
use peer_runtime::sysvar::Clock;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = ClaimJobAccounts::parse(accounts)?;
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut job = load_job_mut(ctx.job)?;
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    let mut clock = Clock::default();
    Clock::get(&mut clock)?;
    if clock.unix_timestamp < job.open_since() + config.params().claim_delay_secs() as i64 {
        return Err(fail(&errors::CLAIM_DELAY_NOT_ELAPSED));
    }
    check_eligible(config.params(), &job, &worker, ctx.worker.key(), clock.unix_timestamp)?;

    assign(&mut job, &mut worker, ctx.worker.key(), config.params(), &clock)?;
    emit_assigned(ctx.job.key(), &job, true);
    Ok(())
}
