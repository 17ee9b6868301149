//! `challenge_job`: a bonded validator that re-executed a verified or confidential job and
//! got another output disputes it inside the challenge window, locking `challenge_bond` plus
//! the job's value in $PEER of its stake. The job cannot finalize and the worker's bond cannot leave until resolution.
use crate::interface::*;
use crate::math::add;
use crate::state::config::job_value_peer;
use crate::state::job::{check_worker, load_job_mut};
use crate::state::validator::{free_bond, is_active, load_validator_of};
use crate::state::worker::load_worker_mut;
use peer_runtime::error::anchor;
use peer_runtime::pda::find_program_address;
use peer_runtime::state::{load, load_uninitialized_mut};
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, pubkey_eq, system, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = ChallengeJobAccounts::parse(accounts)?;
    let output_hash = *ChallengeJobArgs::parse(data)?.output_hash();
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let params = config.params();
    let mut validator = load_validator_of(ctx.validator, ctx.authority.key())?;
    if !is_active(&validator) {
        return Err(fail(&errors::VALIDATOR_INACTIVE));
    }
    let mut job = load_job_mut(ctx.job)?;
    // The bond is sized to the job: the base bond plus the job's value in $PEER.
    let bond = add(params.challenge_bond(), job_value_peer(job.price(), params))?;
    let required = add(params.validator_min_bond(), bond)?;
    if free_bond(&validator) < required {
        return Err(fail(&errors::VALIDATOR_BOND_TOO_LOW));
    }
    if job.status() != JobStatus::Submitted {
        return Err(fail(&errors::JOB_NOT_SUBMITTED));
    }
    if job.request().tier() == Tier::Open {
        return Err(fail(&errors::NOT_CHALLENGEABLE));
    }
    let now = now()?;
    if now >= job.challenge_deadline() {
        return Err(fail(&errors::CHALLENGE_WINDOW_CLOSED));
    }
    check_worker(&job, ctx.worker.key())?;
    let mut worker = load_worker_mut(ctx.worker)?;
    if pubkey_eq(worker.authority(), ctx.authority.key()) {
        return Err(fail(&errors::SELF_CHALLENGE));
    }
    if &output_hash == job.output_hash() {
        return Err(fail(&errors::SAME_OUTPUT));
    }
    let mut expected = [0u8; 32];
    let bump = find_program_address(&[SEED_CHALLENGE, ctx.job.key()], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.challenge.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "challenge"));
    }

    system::init_pda_account(ctx.authority, ctx.challenge, Challenge::LEN as u64, &ID, &[SEED_CHALLENGE, ctx.job.key(), &[bump]])?;
    let commit_deadline = now + params.commit_window_secs() as i64;
    let reveal_deadline = commit_deadline + params.reveal_window_secs() as i64;
    let mut challenge = load_uninitialized_mut::<Challenge>(ctx.challenge, &ID)?;
    challenge.init_discriminator();
    challenge.set_job(ctx.job.key());
    challenge.set_challenger(ctx.validator.key());
    challenge.set_challenger_authority(ctx.authority.key());
    challenge.set_worker(ctx.worker.key());
    challenge.set_worker_authority(worker.authority());
    challenge.set_challenger_output_hash(&output_hash);
    challenge.set_worker_output_hash(job.output_hash());
    challenge.set_bond(bond);
    // The quorum base: active validator stake now, without the challenger's (it cannot vote).
    challenge.set_total_stake(config.total_validator_stake().saturating_sub(validator.bond()));
    challenge.set_opened_at(now);
    challenge.set_commit_deadline(commit_deadline);
    challenge.set_reveal_deadline(reveal_deadline);
    challenge.set_bump(bump);

    job.set_status(JobStatus::Disputed);
    let open = worker.open_challenges().checked_add(1).ok_or_else(|| fail(&errors::MATH_OVERFLOW))?;
    worker.set_open_challenges(open);
    let locked = add(validator.locked(), bond)?;
    validator.set_locked(locked);
    let opened = validator.open_challenges().checked_add(1).ok_or_else(|| fail(&errors::MATH_OVERFLOW))?;
    validator.set_open_challenges(opened);

    let mut event = ChallengeOpened::zeroed();
    event.set_challenge(ctx.challenge.key());
    event.set_job(ctx.job.key());
    event.set_challenger(ctx.validator.key());
    event.set_output_hash(&output_hash);
    event.set_commit_deadline(commit_deadline);
    event.set_reveal_deadline(reveal_deadline);
    event.emit();
    Ok(())
}
