//! `finalize_job`: anyone, after the challenge window. The fee is split into the worker's
//! earnings and the stakers' and treasury's fees (accumulators: no token transfer here), the
//! client's credits are consumed and the rest unlocked, and the job closes with its rent
//! back to the client.
use crate::interface::*;
use crate::math::add;
use crate::state::credits::{load_of_job_client, unlock};
use crate::state::fees::{split_fee, FeeSplit};
use crate::state::job::{check_client, check_worker, load_job_mut, release_open_job, tier_index};
use crate::state::worker::load_worker_mut;
use peer_runtime::state::{load, load_mut};
use peer_runtime::sysvar::now;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = FinalizeJobAccounts::parse(accounts)?;
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let job = load_job_mut(ctx.job)?;
    match job.status() {
        JobStatus::Submitted => {}
        JobStatus::Disputed => return Err(fail(&errors::JOB_DISPUTED)),
        _ => return Err(fail(&errors::JOB_NOT_SUBMITTED)),
    }
    if now()? < job.challenge_deadline() {
        return Err(fail(&errors::CHALLENGE_WINDOW_OPEN));
    }
    check_worker(&job, ctx.worker.key())?;
    let mut worker = load_worker_mut(ctx.worker)?;
    check_client(&job, ctx.client.key(), "client")?;
    let mut credits = load_of_job_client(ctx.credit_account, job.client())?;
    let mut ledger = load_mut::<FeeLedger>(ctx.fee_ledger, &ID, "fee_ledger")?;

    let mut split = FeeSplit::default();
    split_fee(job.price(), config.params(), &mut split)?;
    let max_price = job.request().max_price();
    unlock(&mut credits, max_price, job.price())?;

    let earnings = add(worker.earnings(), split.worker)?;

    worker.set_earnings(earnings);
    release_open_job(&mut worker, tier_index(job.request().tier()));
    let reputation = worker.reputation_mut();
    let jobs_completed = add(reputation.jobs_completed(), 1)?;
    reputation.set_jobs_completed(jobs_completed);
    let paid_volume = add(reputation.paid_volume(), job.price())?;
    reputation.set_paid_volume(paid_volume);

    let staker_fees = add(ledger.staker_fees(), split.stakers)?;

    ledger.set_staker_fees(staker_fees);
    let treasury_fees = add(ledger.treasury_fees(), split.treasury)?;
    ledger.set_treasury_fees(treasury_fees);
    let total_staker_fees = add(ledger.total_staker_fees(), split.stakers)?;
    ledger.set_total_staker_fees(total_staker_fees);
    let total_treasury_fees = add(ledger.total_treasury_fees(), split.treasury)?;
    ledger.set_total_treasury_fees(total_treasury_fees);
    let jobs_finalized = add(ledger.jobs_finalized(), 1)?;
    ledger.set_jobs_finalized(jobs_finalized);

    let mut event = JobFinalized::zeroed();
    event.set_job(ctx.job.key());
    event.set_worker(ctx.worker.key());
    event.set_price(job.price());
    event.set_refunded(max_price - job.price());
    event.set_worker_amount(split.worker);
    event.set_staker_amount(split.stakers);
    event.set_treasury_amount(split.treasury);
    event.emit();

    drop(job);
    ctx.job.close_to(ctx.client)
}
