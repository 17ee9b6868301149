//! Credit accounts: free balance, locked balance, and the job nonce.
use crate::interface::*;
use peer_runtime::state::{load_mut, RefMut};
use peer_runtime::{fail_account, pubkey_eq, AccountInfo, ProgramError, ProgramResult, Pubkey};

/// Loads a credit account for writing and checks it belongs to `owner`.
#[inline(always)]
pub fn load_owned_by<'a>(info: &'a AccountInfo, owner: &Pubkey) -> Result<RefMut<'a, CreditAccount>, ProgramError> {
    let account = load_mut::<CreditAccount>(info, &ID, "credit_account")?;
    if !pubkey_eq(account.owner(), owner) {
        return Err(fail_account(&errors::NOT_CREDIT_OWNER, "credit_account"));
    }
    Ok(account)
}

/// Moves `max_price` from locked back to free, minus the `consumed` credits.
#[inline(always)]
pub fn unlock(account: &mut CreditAccount, max_price: u64, consumed: u64) -> ProgramResult {
    account.set_locked(crate::math::sub(account.locked(), max_price)?);
    let returned = crate::math::sub(max_price, consumed)?;
    account.set_balance(crate::math::add(account.balance(), returned)?);
    Ok(())
}

/// Loads the credit account of a job's client (for instructions anyone may send): the
/// account must belong to `client`, else `NotJobClient`.
#[inline(always)]
pub fn load_of_job_client<'a>(info: &'a AccountInfo, client: &Pubkey) -> Result<RefMut<'a, CreditAccount>, ProgramError> {
    let account = load_mut::<CreditAccount>(info, &ID, "credit_account")?;
    if !pubkey_eq(account.owner(), client) {
        return Err(fail_account(&errors::NOT_JOB_CLIENT, "credit_account"));
    }
    Ok(account)
}
