//! `register_validator`: creates the validator PDA ["validator", authority] and its $PEER
//! vault, and bonds at least `validator_min_bond`.
use crate::interface::*;
use crate::state::validator::{emit_validator_changed, set_validator_bond};
use crate::state::worker::check_token_mint;
use peer_runtime::error::anchor;
use peer_runtime::pda::find_program_address;
use peer_runtime::state::{load, load_mut, load_uninitialized_mut};
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, pubkey_eq, system, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = RegisterValidatorAccounts::parse(accounts)?;
    let amount = RegisterValidatorArgs::parse(data)?.amount();
    {
        let config = load::<Config>(ctx.config, &ID, "config")?;
        if !pubkey_eq(ctx.peer_mint.key(), config.peer_mint()) {
            return Err(fail_account(&errors::WRONG_MINT, "peer_mint"));
        }
        if amount < config.params().validator_min_bond() {
            return Err(fail(&errors::VALIDATOR_BOND_TOO_LOW));
        }
        check_token_mint(ctx.source, config.peer_mint(), "source")?;
    }
    let mut expected = [0u8; 32];
    let bump = find_program_address(&[SEED_VALIDATOR, ctx.authority.key()], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.validator.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "validator"));
    }
    if ctx.validator.is_owned_by(&ID) {
        return Err(fail_account(&anchor::ACCOUNT_DISCRIMINATOR_ALREADY_SET, "validator"));
    }
    let vault_bump = find_program_address(&[SEED_VALIDATOR_VAULT, ctx.validator.key()], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.validator_vault.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "validator_vault"));
    }

    system::init_pda_account(ctx.authority, ctx.validator, Validator::LEN as u64, &ID, &[SEED_VALIDATOR, ctx.authority.key(), &[bump]])?;
    token::init_pda_token_account(ctx.authority, ctx.validator_vault, ctx.peer_mint, ctx.validator.key(), &[SEED_VALIDATOR_VAULT, ctx.validator.key(), &[vault_bump]])?;
    token::transfer(ctx.source, ctx.validator_vault, ctx.authority, amount, &[])?;

    let mut validator = load_uninitialized_mut::<Validator>(ctx.validator, &ID)?;
    validator.init_discriminator();
    validator.set_authority(ctx.authority.key());
    let mut config = load_mut::<Config>(ctx.config, &ID, "config")?;
    set_validator_bond(&mut config, &mut validator, amount)?;
    validator.set_registered_at(now()?);
    validator.set_bump(bump);
    validator.set_vault_bump(vault_bump);
    emit_validator_changed(ctx.validator.key(), &validator, false);
    Ok(())
}
