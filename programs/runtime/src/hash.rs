//! SHA-256 through the runtime (`sol_sha256`: 85 CU plus 1 CU per 2 bytes, far below any
//! in-program implementation).
use crate::syscalls;

/// `out = sha256(slices[0] ++ slices[1] ++ ...)`.
#[inline(always)]
pub fn sha256(slices: &[&[u8]], out: &mut [u8; 32]) {
    // SAFETY: `&[&[u8]]` is an array of (ptr, u64 len) pairs, the syscall's `SolBytes`; it
    // writes exactly 32 bytes. It only fails on bad pointers, which references rule out.
    unsafe {
        syscalls::sol_sha256(slices.as_ptr() as *const u8, slices.len() as u64, out.as_mut_ptr());
    }
}
