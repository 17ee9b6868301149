//! `expire_job`: anyone, once an assigned job missed its deadline. The worker loses reputation
//! and, burned from its bond, `timeout_slash_bps` of it plus the job's value in $PEER; it can
//! never take this job again. The job goes back to the queue, or is refunded and closed once
//! it has used all its attempts.
use crate::interface::*;
use crate::math::{add, bps_of, sub};
use crate::state::credits::{load_of_job_client, unlock};
use crate::state::job::{check_client, check_worker, load_job_mut, release_open_job, tier_index};
use crate::state::config::job_value_peer;
use crate::state::worker::{check_bond_vault, exclusion_tag, load_worker_mut};
use peer_runtime::state::load;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, pubkey_eq, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = ExpireJobAccounts::parse(accounts)?;
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut job = load_job_mut(ctx.job)?;
    if job.status() != JobStatus::Assigned {
        return Err(fail(&errors::JOB_NOT_ASSIGNED));
    }
    let now = now()?;
    if now <= job.deadline() {
        return Err(fail(&errors::DEADLINE_NOT_REACHED));
    }
    check_worker(&job, ctx.worker.key())?;
    let mut worker = load_worker_mut(ctx.worker)?;
    check_client(&job, ctx.client.key(), "client")?;
    let mut credits = load_of_job_client(ctx.credit_account, job.client())?;
    if !pubkey_eq(ctx.peer_mint.key(), config.peer_mint()) {
        return Err(fail_account(&errors::WRONG_MINT, "peer_mint"));
    }
    check_bond_vault(ctx.worker.key(), &worker, ctx.bond_vault)?;

    let params = config.params();
    // An expiry costs the share of the bond plus one job's value in $PEER (never more than the
    // bond): letting jobs lapse is never free, and costs more the more the job was worth.
    let share = bps_of(worker.bond(), params.timeout_slash_bps())?;
    let slashed = share.saturating_add(job_value_peer(job.price(), params)).min(worker.bond());
    let tier = tier_index(job.request().tier());
    let bond = sub(worker.bond(), slashed)?;
    worker.set_bond(bond);
    let unbonding = worker.unbonding().min(worker.bond());
    worker.set_unbonding(unbonding);
    let active = worker.active_jobs().saturating_sub(1);
    worker.set_active_jobs(active);
    release_open_job(&mut worker, tier);
    let reputation = worker.reputation_mut();
    let jobs_expired = add(reputation.jobs_expired(), 1)?;
    reputation.set_jobs_expired(jobs_expired);

    // This worker may not take the job again (one slot per attempt; attempts <= MAX_JOB_ATTEMPTS).
    let slot = (job.attempts() as usize).saturating_sub(1).min(MAX_JOB_ATTEMPTS as usize - 1);
    job.set_excluded_workers(slot, exclusion_tag(ctx.worker.key()));
    let requeued = job.attempts() < params.max_job_attempts();
    let max_price = job.request().max_price();
    let mut event = JobExpired::zeroed();
    event.set_job(ctx.job.key());
    event.set_worker(ctx.worker.key());
    event.set_requeued(requeued);
    event.set_slashed(slashed);
    if requeued {
        job.set_status(JobStatus::Open);
        job.set_worker(&[0u8; 32]);
        job.set_price(0);
        job.set_open_since(now);
    } else {
        unlock(&mut credits, max_price, 0)?;
        event.set_refunded(max_price);
    }
    event.emit();

    let authority = *worker.authority();
    let bump = [worker.bump()];
    drop(worker);
    drop(job);
    if !requeued {
        ctx.job.close_to(ctx.client)?;
    }
    if slashed > 0 {
        token::burn(ctx.bond_vault, ctx.peer_mint, ctx.worker, slashed, &[&[SEED_WORKER, &authority, &bump]])?;
    }
    Ok(())
}
