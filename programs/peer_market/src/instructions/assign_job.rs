//! `assign_job`: a registered matcher routes an open job to an eligible worker.
use crate::interface::*;
use crate::state::job::{assign, emit_assigned, load_job_mut};
use crate::state::worker::{check_eligible, load_worker_mut};
use peer_runtime::state::load;
use peer_runtime::sysvar::Clock;
use peer_runtime::{fail_account, pubkey_eq, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = AssignJobAccounts::parse(accounts)?;
    {
        let registration = load::<MatcherRegistration>(ctx.matcher_registration, &ID, "matcher_registration")?;
        if !pubkey_eq(registration.matcher(), ctx.matcher.key()) {
            return Err(fail_account(&errors::NOT_MATCHER, "matcher"));
        }
    }
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut job = load_job_mut(ctx.job)?;
    let mut worker = load_worker_mut(ctx.worker)?;
    let mut clock = Clock::default();
    Clock::get(&mut clock)?;
    check_eligible(config.params(), &job, &worker, ctx.worker.key(), clock.unix_timestamp)?;

    assign(&mut job, &mut worker, ctx.worker.key(), config.params(), &clock)?;
    emit_assigned(ctx.job.key(), &job, false);
    Ok(())
}
