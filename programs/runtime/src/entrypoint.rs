//! The program entrypoint: parses the loader's input in place and calls the processor.
//!
//! Input layout (BPF loader v2/upgradeable, "aligned" serialization), starting 8-aligned:
//!
//! ```text
//! u64 LE                 number of accounts N
//! N times, either a unique account:
//!   u8                   duplicate marker: 0xFF (not a duplicate)
//!   u8                   is_signer
//!   u8                   is_writable
//!   u8                   executable
//!   [u8; 4]              padding (we store the data length at entry here)
//!   [u8; 32]             key
//!   [u8; 32]             owner
//!   u64 LE               lamports
//!   u64 LE               data length L
//!   [u8; L]              data
//!   [u8; 10240]          realloc area (zeroed; the account may grow into it)
//!   [u8; 0..7]           padding to 8-byte alignment
//!   u64 LE               rent epoch
//! or a duplicate of an earlier account:
//!   u8                   index of the original account (< its own position)
//!   [u8; 7]              padding
//! u64 LE                 instruction data length D
//! [u8; D]                instruction data
//! [u8; 32]               program id (not aligned)
//! ```
//!
//! The header of a unique account is 88 bytes and 8-aligned, which `AccountHeader` mirrors.
//! Duplicates become copies of the original's [`AccountInfo`] (the same header pointer), so the
//! borrow state in the header covers every alias.
use crate::account::{AccountHeader, AccountInfo, MAX_PERMITTED_DATA_INCREASE};
use crate::error::{ProgramError, ProgramResult};
use crate::Pubkey;
use core::mem::{size_of, MaybeUninit};

/// Most accounts an instruction may pass; more is refused with `INVALID_ARGUMENT`. The views
/// live on the entrypoint's stack (8 bytes each).
pub const MAX_ACCOUNTS: usize = 64;

const NON_DUPLICATE: u8 = 0xFF;

/// Defines `entrypoint(input) -> u64` calling
/// `process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult`.
#[macro_export]
macro_rules! entrypoint {
    ($process:path) => {
        /// Called by the loader with the serialized input; returns 0 or the error word.
        ///
        /// # Safety
        /// Only the loader calls this, with a valid input buffer.
        #[no_mangle]
        pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
            $crate::entrypoint::run(input, $process)
        }
    };
}

/// Parses `input` and runs `process`; the body of the macro above.
///
/// # Safety
/// `input` must be the loader's serialized input.
#[inline(always)]
pub unsafe fn run<F>(input: *mut u8, process: F) -> u64
where
    F: FnOnce(&Pubkey, &[AccountInfo], &[u8]) -> ProgramResult,
{
    let mut accounts = [const { MaybeUninit::<AccountInfo>::uninit() }; MAX_ACCOUNTS];
    let mut cursor = input;
    let count = match parse_accounts(&mut cursor, &mut accounts) {
        Some(count) => count,
        None => return ProgramError::INVALID_ARGUMENT.to_u64(),
    };
    let data_len = *(cursor as *const u64) as usize;
    let data = core::slice::from_raw_parts(cursor.add(size_of::<u64>()), data_len);
    let program_id = &*(cursor.add(size_of::<u64>() + data_len) as *const Pubkey);
    // SAFETY: the first `count` views were written by `parse_accounts`.
    let accounts = core::slice::from_raw_parts(accounts.as_ptr() as *const AccountInfo, count);
    match process(program_id, accounts, data) {
        Ok(()) => 0,
        Err(e) => e.to_u64(),
    }
}

/// Fills `accounts` and leaves `cursor` at the instruction data length. `None` when there are
/// more than [`MAX_ACCOUNTS`] accounts or a duplicate marker does not point backwards.
#[inline(always)]
unsafe fn parse_accounts(
    cursor: &mut *mut u8,
    accounts: &mut [MaybeUninit<AccountInfo>; MAX_ACCOUNTS],
) -> Option<usize> {
    let mut p = *cursor;
    let count = *(p as *const u64) as usize;
    if count > MAX_ACCOUNTS {
        crate::log::log("too many accounts");
        return None;
    }
    p = p.add(size_of::<u64>());
    let mut i = 0;
    while i < count {
        let marker = *p;
        if marker == NON_DUPLICATE {
            let header = p as *mut AccountHeader;
            let data_len = (*header).data_len as usize;
            (*header).original_data_len = data_len as u32;
            accounts[i].write(AccountInfo::from_raw(header));
            let end = p.add(size_of::<AccountHeader>() + data_len + MAX_PERMITTED_DATA_INCREASE);
            // Align up to 8, then skip the rent epoch.
            let padding = (end as usize).wrapping_neg() & 7;
            p = end.add(padding + size_of::<u64>());
        } else {
            let original = marker as usize;
            if original >= i {
                return None;
            }
            accounts[i].write(accounts[original].assume_init());
            p = p.add(size_of::<u64>());
        }
        i += 1;
    }
    *cursor = p;
    Some(count)
}
