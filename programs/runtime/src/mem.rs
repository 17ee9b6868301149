//! `memcpy`, `memmove`, `memset`, `memcmp` for the whole program.
//!
//! Upstream BPF refuses libcalls, so the linker step rewrites `llvm.mem*` intrinsics into calls
//! to these four symbols and keeps them (with `entrypoint`) as the only exports. Each forwards
//! to the runtime's syscall, which costs a flat ~10 CU up to a few hundred bytes: cheaper than
//! any byte loop. compiler_builtins is built without its `mem` feature, so these are the only
//! definitions.
use crate::syscalls::{sol_memcmp_, sol_memcpy_, sol_memmove_, sol_memset_};

/// # Safety
/// As C `memcpy`: `n` readable bytes at `src`, `n` writable at `dst`, no overlap (the syscall
/// fails the transaction on overlap rather than corrupting memory).
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    sol_memcpy_(dst, src, n as u64);
    dst
}

/// # Safety
/// As C `memmove`.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    sol_memmove_(dst, src, n as u64);
    dst
}

/// # Safety
/// As C `memset`.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, value: i32, n: usize) -> *mut u8 {
    sol_memset_(dst, value as u8, n as u64);
    dst
}

/// # Safety
/// As C `memcmp`.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut result = 0i32;
    sol_memcmp_(a, b, n as u64, &mut result);
    result
}
