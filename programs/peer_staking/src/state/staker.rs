//! The staker account: a checked loader that proves the account is the signer's PDA.
use crate::interface::*;
use peer_runtime::error::anchor;
use peer_runtime::pda::is_derived_address;
use peer_runtime::state::{load_mut, RefMut};
use peer_runtime::{fail_account, pubkey_eq, AccountInfo, ProgramError, Pubkey};

/// True when `key` is `PDA(["staker", owner, bump], ID)`. The hash-only check suffices:
/// `bump` is the canonical bump `open_staker` found with `find_program_address` and stored,
/// and only this program writes it.
#[inline(always)]
pub fn is_staker_address(key: &Pubkey, owner: &Pubkey, bump: u8) -> bool {
    is_derived_address(key, &[SEED_STAKER, owner, &[bump]], &ID)
}

/// Loads `owner`'s staker account for writing: owner program, length and discriminator
/// (Anchor's errors), then the recorded owner (`NotStakerOwner`), then the PDA address from the
/// stored bump (`ConstraintSeeds`).
#[inline(always)]
pub fn load_staker_mut<'a>(info: &'a AccountInfo, owner: &AccountInfo) -> Result<RefMut<'a, Staker>, ProgramError> {
    let staker = load_mut::<Staker>(info, &ID, "staker")?;
    if !pubkey_eq(staker.owner(), owner.key()) {
        return Err(fail_account(&errors::NOT_STAKER_OWNER, "staker"));
    }
    if !is_staker_address(info.key(), owner.key(), staker.bump()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "staker"));
    }
    Ok(staker)
}
