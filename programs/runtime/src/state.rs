//! Loading this program's own accounts: owner, length and discriminator checked in one place.
//!
//! An account type is a `#[repr(C)]`, alignment-1 struct covering the *whole* account data,
//! the 8-byte Anchor discriminator first (`sha256("account:<Name>")[..8]`), the rest byte
//! arrays whose bytes are the Borsh encoding, so Anchor clients decode it. `load` hands out a
//! borrow-tracked reference into the account data: no copy, and no second mutable view.
//!
//! Failures log the Anchor line naming the account and return Anchor's code, checked in the
//! order Anchor's `Account::try_from` uses:
//! - system-owned with no lamports: `AccountNotInitialized` (3012)
//! - another owner: `AccountOwnedByWrongProgram` (3007)
//! - shorter than 8 bytes: `AccountDiscriminatorNotFound` (3001)
//! - other discriminator: `AccountDiscriminatorMismatch` (3002)
//! - any length but `LEN`: `AccountDidNotDeserialize` (3003)
//! - data already borrowed (the same account passed twice): `ACCOUNT_BORROW_FAILED`, logged
//!   as Anchor logs a `ProgramError` caused by an account.
use crate::account::AccountInfo;
pub use crate::account::{Ref, RefMut};
use crate::error::{anchor, fail, fail_account, ErrorInfo, ProgramError, ProgramResult};
use crate::log::LogBuffer;
use crate::{Pubkey, SYSTEM_PROGRAM_ID};

/// An account type of this program.
pub trait AccountData {
    /// `sha256("account:<Name>")[..8]`, the struct's first 8 bytes.
    const DISCRIMINATOR: [u8; 8];
    /// Size of the whole account data, discriminator included (`size_of::<Self>()`).
    const LEN: usize;
}

#[inline(always)]
pub fn check_owner(info: &AccountInfo, program_id: &Pubkey) -> bool {
    info.is_owned_by(program_id)
}

/// What `check` compares the account against.
struct Expected {
    discriminator: u64,
    len: usize,
}

#[inline(always)]
fn expected<T: AccountData>() -> Expected {
    const {
        assert!(core::mem::size_of::<T>() == T::LEN && core::mem::align_of::<T>() == 1);
        assert!(T::LEN >= 8);
    }
    Expected { discriminator: u64::from_le_bytes(T::DISCRIMINATOR), len: T::LEN }
}

/// The first 8 data bytes as a u64 (data starts 8-aligned: header 8-aligned, 88 bytes long).
#[inline(always)]
fn leading_u64(info: &AccountInfo) -> u64 {
    // SAFETY: callers checked data_len >= 8; the address is 8-aligned by the input layout.
    unsafe { (info.data_ptr() as *const u64).read() }
}

#[inline(never)]
fn check(info: &AccountInfo, program_id: &Pubkey, want: &Expected, name: &str) -> ProgramResult {
    let error: &ErrorInfo = if !info.is_owned_by(program_id) {
        if info.is_owned_by(&SYSTEM_PROGRAM_ID) && info.lamports() == 0 {
            &anchor::ACCOUNT_NOT_INITIALIZED
        } else {
            &anchor::ACCOUNT_OWNED_BY_WRONG_PROGRAM
        }
    } else if info.data_len() < 8 {
        &anchor::ACCOUNT_DISCRIMINATOR_NOT_FOUND
    } else if leading_u64(info) != want.discriminator {
        &anchor::ACCOUNT_DISCRIMINATOR_MISMATCH
    } else if info.data_len() != want.len {
        &anchor::ACCOUNT_DID_NOT_DESERIALIZE
    } else {
        return Ok(());
    };
    Err(fail_account(error, name))
}

/// Logs `ProgramError caused by account: <name>. Error Code: AccountBorrowFailed. ...`.
#[cold]
#[inline(never)]
pub fn borrow_failed(name: &str) -> ProgramError {
    let mut line = LogBuffer::<200>::new();
    line.push_str("ProgramError caused by account: ")
        .push_str(name)
        .push_str(". Error Code: AccountBorrowFailed. Error Number: ")
        .push_u64(ProgramError::ACCOUNT_BORROW_FAILED.to_u64())
        .push_str(". Error Message: Failed to borrow a reference to account data, already borrowed.");
    line.log();
    ProgramError::ACCOUNT_BORROW_FAILED
}

/// A shared view of this program's account `T` in `info` (`name` is used in error logs).
#[inline(always)]
pub fn load<'a, T: AccountData>(
    info: &'a AccountInfo,
    program_id: &Pubkey,
    name: &str,
) -> Result<Ref<'a, T>, ProgramError> {
    check(info, program_id, &expected::<T>(), name)?;
    let data = info.try_borrow_data().map_err(|_| borrow_failed(name))?;
    // SAFETY: length is size_of::<T>(), alignment 1, every byte pattern valid.
    Ok(Ref::map(data, |bytes| unsafe { &*(bytes.as_ptr() as *const T) }))
}

/// An exclusive view of this program's account `T` in `info`. Whether `info` is writable is
/// the account list's check (`ConstraintMut`); the runtime rejects writes otherwise anyway.
#[inline(always)]
pub fn load_mut<'a, T: AccountData>(
    info: &'a AccountInfo,
    program_id: &Pubkey,
    name: &str,
) -> Result<RefMut<'a, T>, ProgramError> {
    check(info, program_id, &expected::<T>(), name)?;
    let data = info.try_borrow_mut_data().map_err(|_| borrow_failed(name))?;
    // SAFETY: as in `load`, and the borrow is exclusive.
    Ok(RefMut::map(data, |bytes| unsafe { &mut *(bytes.as_mut_ptr() as *mut T) }))
}

/// An exclusive view of a freshly created account (owned by this program, `LEN` bytes, all
/// zero so far): the caller writes the discriminator and fields. An account whose
/// discriminator is already set fails with `AccountDiscriminatorAlreadySet` (3000).
#[inline(always)]
pub fn load_uninitialized_mut<'a, T: AccountData>(
    info: &'a AccountInfo,
    program_id: &Pubkey,
) -> Result<RefMut<'a, T>, ProgramError> {
    check_uninitialized(info, program_id, &expected::<T>())?;
    let data = info.try_borrow_mut_data()?;
    // SAFETY: as in `load_mut`.
    Ok(RefMut::map(data, |bytes| unsafe { &mut *(bytes.as_mut_ptr() as *mut T) }))
}

#[inline(never)]
fn check_uninitialized(info: &AccountInfo, program_id: &Pubkey, want: &Expected) -> ProgramResult {
    if !info.is_owned_by(program_id) {
        return Err(fail(&anchor::ACCOUNT_OWNED_BY_WRONG_PROGRAM));
    }
    if info.data_len() != want.len {
        return Err(fail(&anchor::ACCOUNT_DID_NOT_DESERIALIZE));
    }
    if leading_u64(info) != 0 {
        return Err(fail(&anchor::ACCOUNT_DISCRIMINATOR_ALREADY_SET));
    }
    Ok(())
}
