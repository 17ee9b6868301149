//! `resolve_challenge`: anyone, once the outcome can no longer change or the reveal phase is
//! over.
//! - The challenger won (quorum agrees with it): the worker loses `slash_bps` of its bond;
//!   `challenger_reward_bps` of that goes to the challenger in $PEER — into its validator
//!   vault, adding to its bond, an account that cannot vanish while the challenge is open —
//!   and the rest is burned
//!   (voters get no share: voting costs only rent, refunded by `close_vote`); the client's
//!   credits are refunded and the job closes; the challenger's bond is released.
//! - The worker won: the challenger's bond is burned (not paid to the worker, so a worker
//!   gains nothing from provoking challenges); the job can finalize at once.
//! - No quorum by the reveal deadline: the challenge lapses, the bond is released and the job
//!   can finalize at once.
//! An early decision needs one side at quorum with more votes than the other side could
//! still reach with every committed but unrevealed vote.
use crate::interface::*;
use crate::math::{add, bps_of, sub};
use crate::state::credits::{load_of_job_client, unlock};
use crate::state::job::{check_client, load_job_mut, release_open_job, tier_index};
use crate::state::validator::check_validator_vault;
use crate::state::worker::{check_bond_vault, load_worker_mut};
use peer_runtime::state::{load, load_mut};
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, pubkey_eq, token, AccountInfo, ProgramResult, Pubkey};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = ResolveChallengeAccounts::parse(accounts)?;
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let params = config.params();
    let challenge = load::<Challenge>(ctx.challenge, &ID, "challenge")?;
    check_named(ctx.job.key(), challenge.job(), "job")?;
    check_named(ctx.worker.key(), challenge.worker(), "worker")?;
    check_named(ctx.challenger.key(), challenge.challenger(), "challenger")?;
    check_named(ctx.challenger_authority.key(), challenge.challenger_authority(), "challenger_authority")?;
    let mut job = load_job_mut(ctx.job)?;
    if job.status() != JobStatus::Disputed {
        return Err(fail(&errors::JOB_NOT_SUBMITTED));
    }
    check_client(&job, ctx.client.key(), "client")?;
    let mut credits = load_of_job_client(ctx.credit_account, job.client())?;
    let mut worker = load_worker_mut(ctx.worker)?;
    check_bond_vault(ctx.worker.key(), &worker, ctx.worker_bond_vault)?;
    let mut challenger = load_mut::<Validator>(ctx.challenger, &ID, "challenger")?;
    check_validator_vault(ctx.challenger.key(), &challenger, ctx.challenger_vault, "challenger_vault")?;
    if !pubkey_eq(ctx.peer_mint.key(), config.peer_mint()) {
        return Err(fail_account(&errors::WRONG_MINT, "peer_mint"));
    }
    let now = now()?;
    let outcome = decide(&challenge, params.vote_quorum() as u16, now)?;

    // Both sides' challenge counters and the challenger's posted bond are released in every outcome.
    let bond = challenge.bond();
    let worker_challenges = worker.open_challenges().saturating_sub(1);
    worker.set_open_challenges(worker_challenges);
    let challenger_challenges = challenger.open_challenges().saturating_sub(1);
    challenger.set_open_challenges(challenger_challenges);
    let locked = sub(challenger.locked(), bond)?;
    challenger.set_locked(locked);

    let mut event = ChallengeResolved::zeroed();
    event.set_challenge(ctx.challenge.key());
    event.set_job(ctx.job.key());
    event.set_outcome(outcome);
    let (mut worker_reward, mut worker_burn, mut challenger_burn) = (0, 0, 0);
    match outcome {
        ChallengeOutcome::ChallengerWon => {
            let slashed = bps_of(worker.bond(), params.slash_bps())?;
            worker_reward = bps_of(slashed, params.challenger_reward_bps())?;
            worker_burn = sub(slashed, worker_reward)?;
            let remaining = sub(worker.bond(), slashed)?;
            worker.set_bond(remaining);
            let unbonding = worker.unbonding().min(remaining);
            worker.set_unbonding(unbonding);
            release_open_job(&mut worker, tier_index(job.request().tier()));
            let lost = add(worker.reputation().challenges_lost(), 1)?;
            worker.reputation_mut().set_challenges_lost(lost);
            let won = add(challenger.challenges_won(), 1)?;
            challenger.set_challenges_won(won);
            let grown = add(challenger.bond(), worker_reward)?;
            challenger.set_bond(grown);
            let max_price = job.request().max_price();
            unlock(&mut credits, max_price, 0)?;
            event.set_slashed(slashed);
            event.set_challenger_reward(worker_reward);
            event.set_burned(worker_burn);
            event.set_refunded(max_price);
        }
        ChallengeOutcome::WorkerWon => {
            challenger_burn = bond;
            let remaining = sub(challenger.bond(), bond)?;
            challenger.set_bond(remaining);
            let lost = add(challenger.challenges_lost(), 1)?;
            challenger.set_challenges_lost(lost);
            job.set_status(JobStatus::Submitted);
            job.set_challenge_deadline(now);
            event.set_burned(bond);
        }
        ChallengeOutcome::Lapsed => {
            job.set_status(JobStatus::Submitted);
            job.set_challenge_deadline(now);
        }
    }
    event.emit();

    let worker_seeds = (*worker.authority(), [worker.bump()]);
    let challenger_seeds = (*challenger.authority(), [challenger.bump()]);
    drop((job, credits, worker, challenger, challenge, config));
    let worker_signer: &[&[u8]] = &[SEED_WORKER, &worker_seeds.0, &worker_seeds.1];
    if worker_reward > 0 {
        token::transfer(ctx.worker_bond_vault, ctx.challenger_vault, ctx.worker, worker_reward, &[worker_signer])?;
    }
    if worker_burn > 0 {
        token::burn(ctx.worker_bond_vault, ctx.peer_mint, ctx.worker, worker_burn, &[worker_signer])?;
    }
    if challenger_burn > 0 {
        let signer: &[&[u8]] = &[SEED_VALIDATOR, &challenger_seeds.0, &challenger_seeds.1];
        token::burn(ctx.challenger_vault, ctx.peer_mint, ctx.challenger, challenger_burn, &[signer])?;
    }
    if outcome == ChallengeOutcome::ChallengerWon {
        ctx.job.close_to(ctx.client)?;
    }
    ctx.challenge.close_to(ctx.challenger_authority)
}

#[inline(always)]
fn check_named(actual: &Pubkey, expected: &Pubkey, name: &str) -> ProgramResult {
    if pubkey_eq(actual, expected) { Ok(()) } else { Err(fail_account(&errors::WRONG_CHALLENGE, name)) }
}

/// The outcome, or `ChallengeUndecided` while it could still change.
#[inline(always)]
fn decide(challenge: &Challenge, quorum: u16, now: i64) -> Result<ChallengeOutcome, peer_runtime::ProgramError> {
    if now < challenge.commit_deadline() {
        return Err(fail(&errors::CHALLENGE_UNDECIDED));
    }
    let over = now >= challenge.reveal_deadline();
    let pending = if over { 0 } else { challenge.commits().saturating_sub(challenge.reveals()) };
    let (for_challenger, for_worker) = (challenge.votes_for_challenger(), challenge.votes_for_worker());
    if for_challenger >= quorum && for_worker.saturating_add(pending) < for_challenger {
        return Ok(ChallengeOutcome::ChallengerWon);
    }
    if for_worker >= quorum && for_challenger.saturating_add(pending) < for_worker {
        return Ok(ChallengeOutcome::WorkerWon);
    }
    if over {
        return Ok(ChallengeOutcome::Lapsed);
    }
    Err(fail(&errors::CHALLENGE_UNDECIDED))
}
