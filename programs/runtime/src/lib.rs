//! `peer_runtime`: the zero-crate runtime every Peer Cycles program is built on.
//!
//! We cannot use `solana-program` or pinocchio (no crate registry here), and upstream LLVM's BPF
//! backend is stricter than Solana's fork, so this crate is written for that backend:
//! - no function with more than five register arguments unless it is `#[inline(always)]`
//!   (slices and `&str` count as two);
//! - no non-inlined function returns a pair or aggregate by value (`&[u8]`, `Result<u64, _>`,
//!   `Ref<T>`): such functions are `#[inline(always)]` or write through an out-parameter;
//! - [`ProgramError`] is a `NonZeroU64`, so `ProgramResult` is a single register;
//! - no u128 multiply/divide, no floats, no signed 64-bit division, no `static mut`, no
//!   atomics, no allocator, no `core::fmt` (it costs ~10 KB).
//!
//! Modules, one concern each: [`entrypoint`] (input parsing), [`account`] (the borrow-tracked
//! account view), [`error`] (Solana builtins and Anchor-format errors), [`log`], [`hash`],
//! [`pda`], [`sysvar`], [`borsh`], [`event`], [`math`], [`cpi`], [`system`], [`token`],
//! [`instructions_sysvar`], [`loader`], [`state`], and [`syscalls`]/[`mem`] underneath.
#![no_std]

pub mod account;
pub mod borsh;
pub mod cpi;
pub mod entrypoint;
pub mod error;
pub mod event;
pub mod hash;
pub mod idl;
pub mod instructions_sysvar;
pub mod loader;
pub mod log;
pub mod math;
pub mod mem;
pub mod pda;
pub mod state;
pub mod syscalls;
pub mod system;
pub mod sysvar;
pub mod token;

pub use account::{AccountInfo, Ref, RefMut};
pub use error::{fail, fail_account, ErrorInfo, ProgramError, ProgramResult};

/// A Solana address: 32 bytes (an ed25519 point, or a PDA off the curve).
pub type Pubkey = [u8; 32];

/// `11111111111111111111111111111111`
pub const SYSTEM_PROGRAM_ID: Pubkey = [0; 32];

/// Compares two addresses eight bytes at a time.
///
/// `a == b` on `[u8; 32]` becomes a `memcmp` call (a syscall); this is four 8-byte loads and
/// compares per side when the toolchain allows misaligned loads (SBPF does), byte loads otherwise.
#[inline(always)]
pub fn pubkey_eq(a: &Pubkey, b: &Pubkey) -> bool {
    let (a, b) = (a.as_ptr() as *const u64, b.as_ptr() as *const u64);
    // SAFETY: both point to 32 readable bytes; the reads tolerate any alignment.
    unsafe {
        a.read_unaligned() == b.read_unaligned()
            && a.add(1).read_unaligned() == b.add(1).read_unaligned()
            && a.add(2).read_unaligned() == b.add(2).read_unaligned()
            && a.add(3).read_unaligned() == b.add(3).read_unaligned()
    }
}

/// Logs the panic message when it is a plain string (formatted ones would need `core::fmt`)
/// and stops with `sol_panic_`, which reports file, line and column.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    if let Some(message) = info.message().as_str() {
        log::log(message);
    }
    // SAFETY: the syscalls only read the file name slice.
    unsafe {
        match info.location() {
            Some(at) => {
                syscalls::sol_panic_(at.file().as_ptr(), at.file().len() as u64, at.line() as u64, at.column() as u64)
            }
            None => syscalls::abort(),
        }
    }
}
