//! `commit_vote`: during the commit phase, a bonded validator other than the challenger and the
//! challenged worker commits to
//! sha256(output_hash || salt). The vote weighs the validator's free bond at this moment; that
//! bond stays locked until the vote is closed. One vote per validator per
//! challenge: the vote PDA ["vote", challenge, validator] exists only once.
use crate::interface::*;
use crate::state::validator::{free_bond, is_active};
use peer_runtime::error::anchor;
use peer_runtime::pda::find_program_address;
use peer_runtime::state::{load, load_mut, load_uninitialized_mut};
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, pubkey_eq, system, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = CommitVoteAccounts::parse(accounts)?;
    let commitment = *CommitVoteArgs::parse(data)?.commitment();
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut validator = load_mut::<Validator>(ctx.validator, &ID, "validator")?;
    if !pubkey_eq(validator.authority(), ctx.authority.key()) {
        return Err(fail_account(&errors::NOT_VALIDATOR_AUTHORITY, "authority"));
    }
    if !is_active(&validator) {
        return Err(fail(&errors::VALIDATOR_INACTIVE));
    }
    if free_bond(&validator) < config.params().validator_min_bond() {
        return Err(fail(&errors::VALIDATOR_BOND_TOO_LOW));
    }
    let mut challenge = load_mut::<Challenge>(ctx.challenge, &ID, "challenge")?;
    if pubkey_eq(challenge.challenger(), ctx.validator.key()) {
        return Err(fail(&errors::CHALLENGER_CANNOT_VOTE));
    }
    if pubkey_eq(challenge.worker_authority(), ctx.authority.key()) {
        return Err(fail(&errors::WORKER_CANNOT_VOTE));
    }
    if now()? >= challenge.commit_deadline() {
        return Err(fail(&errors::COMMIT_PHASE_OVER));
    }
    let mut expected = [0u8; 32];
    let bump = find_program_address(&[SEED_VOTE, ctx.challenge.key(), ctx.validator.key()], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.vote.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "vote"));
    }
    if ctx.vote.is_owned_by(&ID) {
        return Err(fail_account(&anchor::ACCOUNT_DISCRIMINATOR_ALREADY_SET, "vote"));
    }

    system::init_pda_account(ctx.authority, ctx.vote, Vote::LEN as u64, &ID, &[SEED_VOTE, ctx.challenge.key(), ctx.validator.key(), &[bump]])?;
    let mut vote = load_uninitialized_mut::<Vote>(ctx.vote, &ID)?;
    vote.init_discriminator();
    vote.set_challenge(ctx.challenge.key());
    vote.set_validator(ctx.validator.key());
    vote.set_commitment(&commitment);
    vote.set_bump(bump);
    // The vote weighs the validator's free bond, which it risks and which stays locked
    // (open_votes blocks close_validator) until the vote is closed after resolution.
    let weight = free_bond(&validator);
    vote.set_weight(weight);
    let bump_u16 = |v: u16| v.checked_add(1).ok_or_else(|| fail(&errors::MATH_OVERFLOW));
    let commits = bump_u16(challenge.commits())?;
    challenge.set_commits(commits);
    let open = bump_u16(challenge.votes_open())?;
    challenge.set_votes_open(open);
    let committed = crate::math::add(challenge.committed_weight(), weight)?;
    challenge.set_committed_weight(committed);
    let votes = bump_u16(validator.open_votes())?;
    validator.set_open_votes(votes);

    let mut event = VoteCommitted::zeroed();
    event.set_challenge(ctx.challenge.key());
    event.set_validator(ctx.validator.key());
    event.emit();
    Ok(())
}
