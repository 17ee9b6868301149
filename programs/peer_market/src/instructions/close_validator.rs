//! `close_validator`: after the cooldown and with no open challenge or vote, the whole vault balance
//! goes to `destination` and both accounts close, rent to the authority.
use crate::interface::*;
use crate::state::validator::{check_validator_vault, emit_validator_changed, is_active, load_validator_of};
use crate::state::worker::check_token_mint;
use peer_runtime::sysvar::now;
use peer_runtime::token::{self, TokenAccount};
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = CloseValidatorAccounts::parse(accounts)?;
    let validator = load_validator_of(ctx.validator, ctx.authority.key())?;
    if is_active(&validator) {
        return Err(fail(&errors::VALIDATOR_NOT_DEREGISTERING));
    }
    if now()? < validator.deregister_available_at() {
        return Err(fail(&errors::COOLDOWN_NOT_ELAPSED));
    }
    if validator.open_votes() > 0 {
        return Err(fail(&errors::VOTES_OPEN));
    }
    if validator.open_challenges() > 0 {
        return Err(fail(&errors::BOND_LOCKED));
    }
    check_validator_vault(ctx.validator.key(), &validator, ctx.validator_vault, "validator_vault")?;
    let (mint, balance) = {
        let vault = TokenAccount::load(ctx.validator_vault)?;
        (*vault.mint(), vault.amount())
    };
    check_token_mint(ctx.destination, &mint, "destination")?;

    emit_validator_changed(ctx.validator.key(), &validator, true);
    let authority = *validator.authority();
    let bump = [validator.bump()];
    drop(validator);
    let signer: &[&[u8]] = &[SEED_VALIDATOR, &authority, &bump];
    if balance > 0 {
        token::transfer(ctx.validator_vault, ctx.destination, ctx.validator, balance, &[signer])?;
    }
    token::close_account(ctx.validator_vault, ctx.authority, ctx.validator, &[signer])?;
    ctx.validator.close_to(ctx.authority)
}
