//! Program derived addresses.
//!
//! Deriving is expensive (`sol_create_program_address` 1,500 CU, `sol_try_find_program_address`
//! 1,500 CU per bump tried), so programs store the bump and verify with [`is_pda`] — or, for
//! seeds that are all constants, compare against an address computed at build time.
use crate::error::{ProgramError, ProgramResult};
use crate::{syscalls, Pubkey};

/// At most 16 seeds (the bump included), each at most 32 bytes.
pub const MAX_SEEDS: usize = 16;
pub const MAX_SEED_LEN: usize = 32;

/// Checked here so a bad seed list is a clean error instead of a syscall abort.
#[inline(always)]
fn check_seeds(seeds: &[&[u8]], max: usize) -> ProgramResult {
    if seeds.len() > max || seeds.iter().any(|s| s.len() > MAX_SEED_LEN) {
        return Err(ProgramError::MAX_SEED_LENGTH_EXCEEDED);
    }
    Ok(())
}

/// `out = PDA(seeds, program_id)` where `seeds` already end with the bump; `INVALID_SEEDS` when
/// the hash lands on the curve (that bump is not a valid one).
#[inline(never)]
pub fn create_program_address(seeds: &[&[u8]], program_id: &Pubkey, out: &mut Pubkey) -> ProgramResult {
    check_seeds(seeds, MAX_SEEDS)?;
    // SAFETY: seeds are (ptr, u64 len) pairs; the syscall writes 32 bytes to `out`.
    let rc = unsafe {
        syscalls::sol_create_program_address(
            seeds.as_ptr() as *const u8,
            seeds.len() as u64,
            program_id.as_ptr(),
            out.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(ProgramError::INVALID_SEEDS);
    }
    Ok(())
}

/// Finds the canonical bump (highest that is off the curve): writes the address to `out` and
/// returns the bump. Panics on more than 15 seeds or a seed over 32 bytes.
#[inline(never)]
pub fn find_program_address(seeds: &[&[u8]], program_id: &Pubkey, out: &mut Pubkey) -> u8 {
    if check_seeds(seeds, MAX_SEEDS - 1).is_err() {
        panic!("too many or too long PDA seeds");
    }
    let mut bump = 0u8;
    // SAFETY: as above, plus one byte written to `bump`.
    let rc = unsafe {
        syscalls::sol_try_find_program_address(
            seeds.as_ptr() as *const u8,
            seeds.len() as u64,
            program_id.as_ptr(),
            out.as_mut_ptr(),
            &mut bump,
        )
    };
    if rc != 0 {
        panic!("no viable PDA bump"); // probability ~2^-256
    }
    bump
}

/// True when `account_key` is the PDA of `seeds_with_bump` (the stored bump last).
#[inline(never)]
pub fn is_pda(account_key: &Pubkey, seeds_with_bump: &[&[u8]], program_id: &Pubkey) -> bool {
    let mut derived = [0u8; 32];
    create_program_address(seeds_with_bump, program_id, &mut derived).is_ok() && crate::pubkey_eq(&derived, account_key)
}

/// The marker the runtime appends when deriving a program address.
const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";

/// True when `account_key` is `sha256(seeds_with_bump ++ program_id ++ "ProgramDerivedAddress")`,
/// i.e. the address `create_program_address` would return — but computed with `sol_sha256`
/// (~100–200 CU) instead of `sol_create_program_address` (1,500 CU), skipping the off-curve
/// test. Use it only where that test is already settled: the bump was found with
/// `find_program_address` and stored by this program when the account was created, or a CPI
/// signing with the same seeds will run the test anyway (it fails for on-curve addresses).
#[inline(never)]
pub fn is_derived_address(account_key: &Pubkey, seeds_with_bump: &[&[u8]], program_id: &Pubkey) -> bool {
    if seeds_with_bump.len() > MAX_SEEDS {
        return false;
    }
    let mut parts: [&[u8]; MAX_SEEDS + 2] = [&[]; MAX_SEEDS + 2];
    parts[..seeds_with_bump.len()].copy_from_slice(seeds_with_bump);
    parts[seeds_with_bump.len()] = program_id;
    parts[seeds_with_bump.len() + 1] = PDA_MARKER;
    let mut derived = [0u8; 32];
    crate::hash::sha256(&parts[..seeds_with_bump.len() + 2], &mut derived);
    crate::pubkey_eq(&derived, account_key)
}
