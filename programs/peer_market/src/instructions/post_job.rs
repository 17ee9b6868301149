//! `post_job`: creates the job PDA ["job", client, nonce] and locks its max price.
//!
//! The client picks the first nonce at or after `jobs_posted` whose PDA is valid with bump 255
//! (about two tries off-chain). 255 is the highest bump, so the address is canonical by
//! construction (the CPI that creates it proves bump 255 valid); nonces only grow, so each
//! (client, nonce) holds at most one job ever.
use crate::interface::*;
use crate::math::{add, sub};
use crate::state::credits::load_owned_by;
use peer_runtime::error::anchor;
use peer_runtime::pda::is_derived_address;
use peer_runtime::state::{load, load_uninitialized_mut};
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, system, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = PostJobAccounts::parse(accounts)?;
    let args = PostJobArgs::parse(data)?;
    let request = args.request();
    {
        let config = load::<Config>(ctx.config, &ID, "config")?;
        if config.params().paused() {
            return Err(fail(&errors::MARKET_PAUSED));
        }
    }
    if request.model() == &[0u8; 32] || request.max_price() == 0 {
        return Err(fail(&errors::INVALID_JOB_REQUEST));
    }
    if request.tier() == Tier::Confidential && request.measurement() == &[0u8; 32] {
        return Err(fail(&errors::MEASUREMENT_REQUIRED));
    }
    let mut credits = load_owned_by(ctx.credit_account, ctx.client.key())?;
    if credits.balance() < request.max_price() {
        return Err(fail(&errors::INSUFFICIENT_CREDITS));
    }
    let nonce = args.nonce();
    if nonce < credits.jobs_posted() {
        return Err(fail(&errors::STALE_JOB_NONCE));
    }
    let nonce_bytes = nonce.to_le_bytes();
    let seeds: &[&[u8]] = &[SEED_JOB, ctx.client.key(), &nonce_bytes, &[JOB_BUMP]];
    // Hash-only check: creating the account below signs with these seeds, and the runtime
    // refuses to sign for an address on the curve, so bump 255 is proven valid there.
    if !is_derived_address(ctx.job.key(), seeds, &ID) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "job"));
    }

    system::init_pda_account(ctx.client, ctx.job, Job::LEN as u64, &ID, seeds)?;
    let posted_at = now()?;
    let mut job = load_uninitialized_mut::<Job>(ctx.job, &ID)?;
    job.init_discriminator();
    job.set_client(ctx.client.key());
    job.set_nonce(nonce);
    *job.request_mut() = *request;
    job.set_status(JobStatus::Open);
    job.set_posted_at(posted_at);
    job.set_open_since(posted_at);
    job.set_bump(JOB_BUMP);

    let balance = sub(credits.balance(), request.max_price())?;

    credits.set_balance(balance);
    let locked = add(credits.locked(), request.max_price())?;
    credits.set_locked(locked);
    let jobs_posted = add(nonce, 1)?;
    credits.set_jobs_posted(jobs_posted);

    let mut event = JobPosted::zeroed();
    event.set_job(ctx.job.key());
    event.set_client(ctx.client.key());
    event.set_nonce(job.nonce());
    *event.request_mut() = *request;
    event.emit();
    Ok(())
}
