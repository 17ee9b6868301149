//! `close_vote`: once its challenge is resolved, the voter closes its vote and settles it:
//! - on the winning side (revealed for the side that won): its share of the voter pot, by
//!   weight (`pot × weight / winning weight`, floored; the dust stays in the vote vault), moved
//!   from the vote vault into its validator vault and bond;
//! - revealed for the losing side or for neither output, or never revealed by a reveal deadline
//!   that passed before resolution: `voter_slash_bps` of its weight (at most its free bond)
//!   is burned from its bond;
//! - a lapsed challenge, or an early decision it had not revealed for yet: nothing.
//! The vote's weight is no longer locked, its rent returns, and the last vote closed also closes
//! the challenge (rent to the challenger's authority).
use crate::interface::*;
use crate::math::{add, bps_of, sub};
use crate::state::validator::{check_validator_vault, free_bond, load_validator_of, set_validator_bond};
use peer_runtime::math::mul_div_floor;
use peer_runtime::state::load_mut;
use peer_runtime::{fail, fail_account, pubkey_eq, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = CloseVoteAccounts::parse(accounts)?;
    let mut config = load_mut::<Config>(ctx.config, &ID, "config")?;
    let mut validator = load_validator_of(ctx.validator, ctx.authority.key())?;
    check_validator_vault(ctx.validator.key(), &validator, ctx.validator_vault, "validator_vault")?;
    let vote = load_mut::<Vote>(ctx.vote, &ID, "vote")?;
    if !pubkey_eq(vote.validator(), ctx.validator.key()) || !pubkey_eq(vote.challenge(), ctx.challenge.key()) {
        return Err(fail_account(&errors::WRONG_CHALLENGE, "vote"));
    }
    if !ctx.challenge.is_owned_by(&ID) {
        return Err(fail(&errors::CHALLENGE_STILL_OPEN));
    }
    let mut challenge = load_mut::<Challenge>(ctx.challenge, &ID, "challenge")?;
    if !challenge.resolved() {
        return Err(fail(&errors::CHALLENGE_STILL_OPEN));
    }
    if !pubkey_eq(ctx.challenger_authority.key(), challenge.challenger_authority()) {
        return Err(fail_account(&errors::WRONG_CHALLENGE, "challenger_authority"));
    }
    if !pubkey_eq(ctx.peer_mint.key(), config.peer_mint()) {
        return Err(fail_account(&errors::WRONG_MINT, "peer_mint"));
    }

    let (winning_hash, winning_weight) = match challenge.outcome() {
        ChallengeOutcome::ChallengerWon => (Some(*challenge.challenger_output_hash()), challenge.weight_for_challenger()),
        ChallengeOutcome::WorkerWon => (Some(*challenge.worker_output_hash()), challenge.weight_for_worker()),
        ChallengeOutcome::Lapsed => (None, 0),
    };
    let weight = vote.weight();
    let (mut reward, mut penalty) = (0u64, 0u64);
    if vote.revealed() {
        match winning_hash {
            Some(hash) if &hash == vote.output_hash() => {
                reward = mul_div_floor(challenge.voter_pot(), weight, winning_weight).map_err(|_| fail(&errors::MATH_OVERFLOW))?;
            }
            Some(_) => penalty = bps_of(weight, config.params().voter_slash_bps())?,
            None => {}
        }
    } else if challenge.resolved_at() >= challenge.reveal_deadline() {
        // It had the whole reveal phase and stayed silent (commit-and-leave).
        penalty = bps_of(weight, config.params().voter_slash_bps())?;
    }
    penalty = penalty.min(free_bond(&validator));
    let bond = sub(add(validator.bond(), reward)?, penalty)?;
    set_validator_bond(&mut config, &mut validator, bond)?;
    let votes = validator.open_votes().saturating_sub(1);
    validator.set_open_votes(votes);
    let open = challenge.votes_open().saturating_sub(1);
    challenge.set_votes_open(open);

    let mut event = VoteClosed::zeroed();
    event.set_challenge(ctx.challenge.key());
    event.set_validator(ctx.validator.key());
    event.set_reward(reward);
    event.set_penalty(penalty);
    event.emit();

    let seeds = (*validator.authority(), [validator.bump()]);
    drop((config, validator, vote, challenge));
    if reward > 0 {
        token::transfer(ctx.vote_vault, ctx.validator_vault, ctx.config, reward, &[&[SEED_CONFIG, &[CONFIG_BUMP]]])?;
    }
    if penalty > 0 {
        let signer: &[&[u8]] = &[SEED_VALIDATOR, &seeds.0, &seeds.1];
        token::burn(ctx.validator_vault, ctx.peer_mint, ctx.validator, penalty, &[signer])?;
    }
    ctx.vote.close_to(ctx.authority)?;
    if open == 0 {
        ctx.challenge.close_to(ctx.challenger_authority)?;
    }
    Ok(())
}
