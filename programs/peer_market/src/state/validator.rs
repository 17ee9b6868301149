//! Validators: authority, vault, activity and free bond.
use crate::interface::*;
use peer_runtime::error::anchor;
use peer_runtime::pda::is_derived_address;
use peer_runtime::state::{load_mut, RefMut};
use peer_runtime::{fail_account, pubkey_eq, AccountInfo, ProgramError, ProgramResult, Pubkey};

/// Loads a validator for writing and checks `authority` is its key.
#[inline(always)]
pub fn load_validator_of<'a>(info: &'a AccountInfo, authority: &Pubkey) -> Result<RefMut<'a, Validator>, ProgramError> {
    let validator = load_mut::<Validator>(info, &ID, "validator")?;
    if !pubkey_eq(validator.authority(), authority) {
        return Err(fail_account(&errors::NOT_VALIDATOR_AUTHORITY, "authority"));
    }
    Ok(validator)
}

/// The validator vault must be the validator's PDA (re-derived from the stored bump).
#[inline(always)]
pub fn check_validator_vault(validator_key: &Pubkey, validator: &Validator, vault: &AccountInfo, name: &str) -> ProgramResult {
    // The bump was found canonical at registration and stored: the hash-only check suffices.
    if is_derived_address(vault.key(), &[SEED_VALIDATOR_VAULT, validator_key, &[validator.vault_bump()]], &ID) {
        Ok(())
    } else {
        Err(fail_account(&anchor::CONSTRAINT_SEEDS, name))
    }
}

#[inline(always)]
pub fn is_active(validator: &Validator) -> bool {
    validator.deregister_available_at() == 0
}

/// Bond not already posted as challenge bonds.
#[inline(always)]
pub fn free_bond(validator: &Validator) -> u64 {
    validator.bond().saturating_sub(validator.locked())
}

/// Sets a validator's bond, keeping the config's total active validator stake (the quorum base)
/// equal to the sum over active validators.
#[inline(always)]
pub fn set_validator_bond(config: &mut Config, validator: &mut Validator, bond: u64) -> ProgramResult {
    if is_active(validator) {
        let total = crate::math::sub(config.total_validator_stake(), validator.bond())?;
        config.set_total_validator_stake(crate::math::add(total, bond)?);
    }
    validator.set_bond(bond);
    Ok(())
}

pub fn emit_validator_changed(validator_key: &Pubkey, validator: &Validator, closed: bool) {
    let mut event = ValidatorChanged::zeroed();
    event.set_validator(validator_key);
    event.set_authority(validator.authority());
    event.set_bond(validator.bond());
    event.set_deregister_available_at(validator.deregister_available_at());
    event.set_closed(closed);
    event.emit();
}
