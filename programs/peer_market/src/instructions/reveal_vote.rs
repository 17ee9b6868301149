//! `reveal_vote`: after the commit phase and before the reveal deadline, the voter reveals
//! the output hash and salt behind its commitment; it counts for the side whose output it
//! matches (or for neither).
use crate::interface::*;
use crate::math::add;
use crate::state::validator::load_validator_of;
use peer_runtime::hash::sha256;
use peer_runtime::state::load_mut;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, pubkey_eq, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = RevealVoteAccounts::parse(accounts)?;
    let args = RevealVoteArgs::parse(data)?;
    let mut validator = load_validator_of(ctx.validator, ctx.authority.key())?;
    let mut challenge = load_mut::<Challenge>(ctx.challenge, &ID, "challenge")?;
    let mut vote = load_mut::<Vote>(ctx.vote, &ID, "vote")?;
    if !pubkey_eq(vote.validator(), ctx.validator.key()) || !pubkey_eq(vote.challenge(), ctx.challenge.key()) {
        return Err(fail_account(&errors::WRONG_CHALLENGE, "vote"));
    }
    let now = now()?;
    if now < challenge.commit_deadline() {
        return Err(fail(&errors::REVEAL_PHASE_NOT_STARTED));
    }
    if now >= challenge.reveal_deadline() {
        return Err(fail(&errors::REVEAL_PHASE_OVER));
    }
    if challenge.resolved() {
        return Err(fail(&errors::REVEAL_PHASE_OVER));
    }
    if vote.revealed() {
        return Err(fail(&errors::ALREADY_REVEALED));
    }
    let mut digest = [0u8; 32];
    sha256(&[args.output_hash(), args.salt()], &mut digest);
    if &digest != vote.commitment() {
        return Err(fail(&errors::REVEAL_MISMATCH));
    }

    vote.set_revealed(true);
    vote.set_output_hash(args.output_hash());
    let bump = |v: u16| v.checked_add(1).ok_or_else(|| fail(&errors::MATH_OVERFLOW));
    let reveals = bump(challenge.reveals())?;
    challenge.set_reveals(reveals);
    let weight = vote.weight();
    let revealed_weight = add(challenge.revealed_weight(), weight)?;
    challenge.set_revealed_weight(revealed_weight);
    if args.output_hash() == challenge.challenger_output_hash() {
        let votes = bump(challenge.votes_for_challenger())?;
        challenge.set_votes_for_challenger(votes);
        let sum = add(challenge.weight_for_challenger(), weight)?;
        challenge.set_weight_for_challenger(sum);
    } else if args.output_hash() == challenge.worker_output_hash() {
        let votes = bump(challenge.votes_for_worker())?;
        challenge.set_votes_for_worker(votes);
        let sum = add(challenge.weight_for_worker(), weight)?;
        challenge.set_weight_for_worker(sum);
    }
    let revealed = add(validator.votes_revealed(), 1)?;
    validator.set_votes_revealed(revealed);

    let mut event = VoteRevealed::zeroed();
    event.set_challenge(ctx.challenge.key());
    event.set_validator(ctx.validator.key());
    event.set_output_hash(args.output_hash());
    event.set_votes_for_challenger(challenge.votes_for_challenger());
    event.set_votes_for_worker(challenge.votes_for_worker());
    event.set_weight(weight);
    event.set_weight_for_challenger(challenge.weight_for_challenger());
    event.set_weight_for_worker(challenge.weight_for_worker());
    event.emit();
    Ok(())
}
