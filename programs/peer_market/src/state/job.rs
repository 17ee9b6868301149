//! Jobs: tier indices, the assignment both `assign_job` and `claim_job` make, and closing.
use crate::interface::*;
use peer_runtime::state::{load_mut, RefMut};
use peer_runtime::sysvar::Clock;
use peer_runtime::{fail_account, pubkey_eq, AccountInfo, ProgramError, ProgramResult, Pubkey};

#[inline(always)]
pub fn tier_index(tier: Tier) -> usize {
    tier as usize
}

#[inline(always)]
pub fn load_job_mut(info: &AccountInfo) -> Result<RefMut<'_, Job>, ProgramError> {
    load_mut::<Job>(info, &ID, "job")
}

/// The job's worker must be this worker account.
#[inline(always)]
pub fn check_worker(job: &Job, worker_key: &Pubkey) -> ProgramResult {
    if pubkey_eq(job.worker(), worker_key) { Ok(()) } else { Err(fail_account(&errors::WRONG_WORKER, "worker")) }
}

/// The account must be the job's client (rent receiver, credit owner).
#[inline(always)]
pub fn check_client(job: &Job, key: &Pubkey, name: &str) -> ProgramResult {
    if pubkey_eq(job.client(), key) { Ok(()) } else { Err(fail_account(&errors::NOT_JOB_CLIENT, name)) }
}

/// Records the assignment of `job` to `worker`; eligibility was checked before.
pub fn assign(job: &mut Job, worker: &mut Worker, worker_key: &Pubkey, params: &ConfigParams, clock: &Clock) -> ProgramResult {
    let tier = tier_index(job.request().tier());
    let price = worker.settings().prices(tier);
    let deadline = clock.unix_timestamp + params.job_timeout_secs() as i64;
    job.set_worker(worker_key);
    job.set_price(price);
    job.set_status(JobStatus::Assigned);
    job.set_attempts(job.attempts() + 1);
    job.set_assigned_at(clock.unix_timestamp);
    job.set_assigned_slot(clock.slot);
    job.set_deadline(deadline);
    // active_jobs < capacity <= MAX_CAPACITY was checked; open_jobs counts jobs in challenge
    // windows too, so it is checked here.
    worker.set_active_jobs(worker.active_jobs() + 1);
    match worker.open_jobs(tier).checked_add(1) {
        Some(open) => worker.set_open_jobs(tier, open),
        None => return Err(peer_runtime::fail(&errors::MATH_OVERFLOW)),
    }
    Ok(())
}

/// Emits JobAssigned for the assignment just recorded.
pub fn emit_assigned(job_key: &Pubkey, job: &Job, self_claimed: bool) {
    let mut event = JobAssigned::zeroed();
    event.set_job(job_key);
    event.set_worker(job.worker());
    event.set_price(job.price());
    event.set_deadline(job.deadline());
    event.set_attempt(job.attempts());
    event.set_self_claimed(self_claimed);
    event.emit();
}

/// A job that ended: its assignment no longer holds the worker's bond in place.
#[inline(always)]
pub fn release_open_job(worker: &mut Worker, tier: usize) {
    worker.set_open_jobs(tier, worker.open_jobs(tier).saturating_sub(1));
}

/// Records a worker's result for its assigned job (shared by both submit instructions):
/// the deadline, model and seed are checked, the challenge window opens, latency is noted.
/// `keys` are the job and worker addresses.
pub fn record_result(job: &mut Job, worker: &mut Worker, result: &ResultCommitment, params: &ConfigParams, keys: &[&Pubkey; 2]) -> ProgramResult {
    let [job_key, worker_key] = *keys;
    if job.status() != JobStatus::Assigned {
        return Err(peer_runtime::fail(&errors::JOB_NOT_ASSIGNED));
    }
    check_worker(job, worker_key)?;
    let mut clock = Clock::default();
    Clock::get(&mut clock)?;
    if clock.unix_timestamp > job.deadline() {
        return Err(peer_runtime::fail(&errors::DEADLINE_PASSED));
    }
    if result.model() != job.request().model() || result.seed() != job.request().seed() {
        return Err(peer_runtime::fail(&errors::RESULT_MISMATCH));
    }

    let window = match job.request().tier() {
        Tier::Open => 0,
        Tier::Verified | Tier::Confidential => params.challenge_window_secs() as i64,
    };
    let latency = clock.slot.saturating_sub(job.assigned_slot());
    job.set_output_hash(result.output_hash());
    job.set_submitted_at(clock.unix_timestamp);
    job.set_submitted_slot(clock.slot);
    job.set_challenge_deadline(clock.unix_timestamp + window);
    job.set_status(JobStatus::Submitted);
    worker.set_active_jobs(worker.active_jobs().saturating_sub(1));
    let reputation = worker.reputation_mut();
    reputation.set_latency_slots_sum(crate::math::add(reputation.latency_slots_sum(), latency)?);
    reputation.set_latency_samples(crate::math::add(reputation.latency_samples(), 1)?);

    let mut event = ResultSubmitted::zeroed();
    event.set_job(job_key);
    event.set_worker(worker_key);
    event.set_output_hash(result.output_hash());
    event.set_latency_slots(latency);
    event.set_challenge_deadline(job.challenge_deadline());
    event.emit();
    Ok(())
}
