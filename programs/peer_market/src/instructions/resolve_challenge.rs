//! `resolve_challenge`: anyone, once the outcome can no longer change or the reveal phase is
//! over. Votes weigh stake: a side wins when its revealed weight exceeds `quorum_stake_bps` of
//! the quorum base (active validator stake, the challenger's excluded, when the challenge opened
//! or now, whichever is larger), it has at least `vote_quorum` votes, and it outweighs the other side plus every
//! committed but unrevealed weight (after the reveal deadline: the other side alone).
//! - The challenger won: the worker loses `slash_bps` of its bond; `challenger_reward_bps` of
//!   that goes to the challenger's vault (adding to its bond), `voter_reward_bps` to the vote
//!   vault for the winning voters, the rest is burned; the client's credits are refunded and
//!   the job closes; the challenger's bond is released.
//! - The worker won: the challenger's bond is forfeited: `voter_reward_bps` of it to the vote
//!   vault, the rest burned (not paid to the worker, so provoking challenges gains nothing);
//!   the job can finalize at once.
//! - Lapsed (no side decided by the reveal deadline): `lapse_fee_bps` of the challenger's bond
//!   is paid into the worker's bond for the delay, the rest released; the job can finalize.
//! The challenge account stays, marked resolved, until its last vote is closed (`close_vote`
//! pays or penalizes each voter from what is recorded here); with no votes it closes now.
use crate::interface::*;
use crate::math::{add, bps_of, sub};
use crate::state::credits::{load_of_job_client, unlock};
use crate::state::job::{check_client, load_job_mut, release_open_job, tier_index};
use crate::state::validator::{check_validator_vault, is_active, set_validator_bond};
use crate::state::worker::{check_bond_vault, load_worker_mut};
use peer_runtime::math::mul_wide;
use peer_runtime::state::load_mut;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, pubkey_eq, token, AccountInfo, ProgramResult, Pubkey};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = ResolveChallengeAccounts::parse(accounts)?;
    let mut config = load_mut::<Config>(ctx.config, &ID, "config")?;
    let params = *config.params();
    let mut challenge = load_mut::<Challenge>(ctx.challenge, &ID, "challenge")?;
    check_named(ctx.job.key(), challenge.job(), "job")?;
    check_named(ctx.worker.key(), challenge.worker(), "worker")?;
    check_named(ctx.challenger.key(), challenge.challenger(), "challenger")?;
    check_named(ctx.challenger_authority.key(), challenge.challenger_authority(), "challenger_authority")?;
    let mut job = load_job_mut(ctx.job)?;
    if job.status() != JobStatus::Disputed || challenge.resolved() {
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
    // The quorum base: active validator stake (the challenger's excluded) when the challenge
    // opened or now, whichever is larger, so stake registered after it opened raises the bar
    // as much as it can vote, and stake that left cannot lower it.
    let current = config.total_validator_stake().saturating_sub(if is_active(&challenger) { challenger.bond() } else { 0 });
    let base = challenge.total_stake().max(current);
    let outcome = decide(&challenge, &params, base, now)?;

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
    // $PEER movements, made after every account is updated.
    let mut moves = Moves::default();
    match outcome {
        ChallengeOutcome::ChallengerWon => {
            let slashed = bps_of(worker.bond(), params.slash_bps())?;
            moves.worker_to_challenger = bps_of(slashed, params.challenger_reward_bps())?;
            moves.worker_to_voters = bps_of(slashed, params.voter_reward_bps())?;
            moves.worker_burn = sub(sub(slashed, moves.worker_to_challenger)?, moves.worker_to_voters)?;
            let remaining = sub(worker.bond(), slashed)?;
            worker.set_bond(remaining);
            let unbonding = worker.unbonding().min(remaining);
            worker.set_unbonding(unbonding);
            release_open_job(&mut worker, tier_index(job.request().tier()));
            let lost = add(worker.reputation().challenges_lost(), 1)?;
            worker.reputation_mut().set_challenges_lost(lost);
            let won = add(challenger.challenges_won(), 1)?;
            challenger.set_challenges_won(won);
            let grown = add(challenger.bond(), moves.worker_to_challenger)?;
            set_validator_bond(&mut config, &mut challenger, grown)?;
            let max_price = job.request().max_price();
            unlock(&mut credits, max_price, 0)?;
            challenge.set_voter_pot(moves.worker_to_voters);
            event.set_slashed(slashed);
            event.set_challenger_reward(moves.worker_to_challenger);
            event.set_burned(moves.worker_burn);
            event.set_refunded(max_price);
        }
        ChallengeOutcome::WorkerWon => {
            moves.challenger_to_voters = bps_of(bond, params.voter_reward_bps())?;
            moves.challenger_burn = sub(bond, moves.challenger_to_voters)?;
            let remaining = sub(challenger.bond(), bond)?;
            set_validator_bond(&mut config, &mut challenger, remaining)?;
            let lost = add(challenger.challenges_lost(), 1)?;
            challenger.set_challenges_lost(lost);
            job.set_status(JobStatus::Submitted);
            job.set_challenge_deadline(now);
            challenge.set_voter_pot(moves.challenger_to_voters);
            event.set_burned(moves.challenger_burn);
        }
        ChallengeOutcome::Lapsed => {
            // Nobody decided: the worker waited (bond locked, payment delayed) for nothing.
            moves.challenger_to_worker = bps_of(bond, params.lapse_fee_bps())?;
            let remaining = sub(challenger.bond(), moves.challenger_to_worker)?;
            set_validator_bond(&mut config, &mut challenger, remaining)?;
            let grown = add(worker.bond(), moves.challenger_to_worker)?;
            worker.set_bond(grown);
            job.set_status(JobStatus::Submitted);
            job.set_challenge_deadline(now);
        }
    }
    challenge.set_resolved(true);
    challenge.set_resolved_at(now);
    challenge.set_outcome(outcome);
    event.set_voter_pot(challenge.voter_pot());
    event.set_lapse_fee(moves.challenger_to_worker);
    event.emit();

    let no_votes = challenge.votes_open() == 0;
    let worker_seeds = (*worker.authority(), [worker.bump()]);
    let challenger_seeds = (*challenger.authority(), [challenger.bump()]);
    drop((job, credits, worker, challenger, challenge, config));
    let worker_signer: &[&[u8]] = &[SEED_WORKER, &worker_seeds.0, &worker_seeds.1];
    let challenger_signer: &[&[u8]] = &[SEED_VALIDATOR, &challenger_seeds.0, &challenger_seeds.1];
    if moves.worker_to_challenger > 0 {
        token::transfer(ctx.worker_bond_vault, ctx.challenger_vault, ctx.worker, moves.worker_to_challenger, &[worker_signer])?;
    }
    if moves.worker_to_voters > 0 {
        token::transfer(ctx.worker_bond_vault, ctx.vote_vault, ctx.worker, moves.worker_to_voters, &[worker_signer])?;
    }
    if moves.worker_burn > 0 {
        token::burn(ctx.worker_bond_vault, ctx.peer_mint, ctx.worker, moves.worker_burn, &[worker_signer])?;
    }
    if moves.challenger_to_voters > 0 {
        token::transfer(ctx.challenger_vault, ctx.vote_vault, ctx.challenger, moves.challenger_to_voters, &[challenger_signer])?;
    }
    if moves.challenger_burn > 0 {
        token::burn(ctx.challenger_vault, ctx.peer_mint, ctx.challenger, moves.challenger_burn, &[challenger_signer])?;
    }
    if moves.challenger_to_worker > 0 {
        token::transfer(ctx.challenger_vault, ctx.worker_bond_vault, ctx.challenger, moves.challenger_to_worker, &[challenger_signer])?;
    }
    if outcome == ChallengeOutcome::ChallengerWon {
        ctx.job.close_to(ctx.client)?;
    }
    if no_votes {
        ctx.challenge.close_to(ctx.challenger_authority)?;
    }
    Ok(())
}

#[derive(Default)]
struct Moves {
    worker_to_challenger: u64,
    worker_to_voters: u64,
    worker_burn: u64,
    challenger_to_voters: u64,
    challenger_burn: u64,
    challenger_to_worker: u64,
}

#[inline(always)]
fn check_named(actual: &Pubkey, expected: &Pubkey, name: &str) -> ProgramResult {
    if pubkey_eq(actual, expected) { Ok(()) } else { Err(fail_account(&errors::WRONG_CHALLENGE, name)) }
}

/// `weight / total > bps / 10_000`, exactly (128-bit products compared as (high, low)).
#[inline(always)]
fn above_share(weight: u64, total: u64, bps: u16) -> bool {
    mul_wide(weight, BPS_DENOMINATOR as u64) > mul_wide(total, bps as u64)
}

/// The outcome, or `ChallengeUndecided` while it could still change.
#[inline(always)]
fn decide(challenge: &Challenge, params: &ConfigParams, total: u64, now: i64) -> Result<ChallengeOutcome, peer_runtime::ProgramError> {
    if now < challenge.commit_deadline() {
        return Err(fail(&errors::CHALLENGE_UNDECIDED));
    }
    let over = now >= challenge.reveal_deadline();
    let pending = if over { 0 } else { challenge.committed_weight().saturating_sub(challenge.revealed_weight()) };
    let (quorum, share) = (params.vote_quorum() as u16, params.quorum_stake_bps());
    let wins = |weight: u64, heads: u16, other: u64| {
        heads >= quorum && above_share(weight, total, share) && weight > other.saturating_add(pending)
    };
    let (for_challenger, for_worker) = (challenge.weight_for_challenger(), challenge.weight_for_worker());
    if wins(for_challenger, challenge.votes_for_challenger(), for_worker) {
        return Ok(ChallengeOutcome::ChallengerWon);
    }
    if wins(for_worker, challenge.votes_for_worker(), for_challenger) {
        return Ok(ChallengeOutcome::WorkerWon);
    }
    if over {
        return Ok(ChallengeOutcome::Lapsed);
    }
    Err(fail(&errors::CHALLENGE_UNDECIDED))
}
