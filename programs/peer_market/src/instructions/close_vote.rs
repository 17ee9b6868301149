//! `close_vote`: once its challenge is resolved (the challenge account is gone), the voter
//! closes its vote and gets the rent back.
use crate::interface::*;
use peer_runtime::state::load;
use peer_runtime::{fail, fail_account, pubkey_eq, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = CloseVoteAccounts::parse(accounts)?;
    {
        let validator = load::<Validator>(ctx.validator, &ID, "validator")?;
        if !pubkey_eq(validator.authority(), ctx.authority.key()) {
            return Err(fail_account(&errors::NOT_VALIDATOR_AUTHORITY, "authority"));
        }
        let vote = load::<Vote>(ctx.vote, &ID, "vote")?;
        if !pubkey_eq(vote.validator(), ctx.validator.key()) || !pubkey_eq(vote.challenge(), ctx.challenge.key()) {
            return Err(fail_account(&errors::WRONG_CHALLENGE, "vote"));
        }
    }
    if ctx.challenge.is_owned_by(&ID) {
        return Err(fail(&errors::CHALLENGE_STILL_OPEN));
    }
    ctx.vote.close_to(ctx.authority)
}
