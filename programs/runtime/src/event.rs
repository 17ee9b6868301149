//! Anchor events: one `sol_log_data` call with `discriminator ++ borsh(event)`.
//!
//! Anchor's `EventParser` base64-decodes everything after "Program data: " as one event, and
//! `sol_log_data` base64-encodes each slice it is given separately, joined by spaces. So the
//! discriminator and payload must reach the syscall as a single slice: they are copied into
//! one stack buffer first.
use crate::syscalls;

/// Largest event, discriminator included (the buffer lives in `emit`'s own stack frame).
pub const MAX_EVENT_LEN: usize = 1024;

/// Logs `Program data: base64(discriminator ++ payload)`. Panics when the event is larger than
/// [`MAX_EVENT_LEN`]: event sizes are fixed by their types, so tests catch it.
#[inline(never)]
pub fn emit(discriminator: &[u8; 8], payload: &[u8]) {
    let len = discriminator.len() + payload.len();
    if len > MAX_EVENT_LEN {
        panic!("event larger than 1 KiB");
    }
    let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); MAX_EVENT_LEN];
    let out = buf.as_mut_ptr() as *mut u8;
    // SAFETY: `len` bytes fit in `buf`; the sources are distinct from it.
    unsafe {
        core::ptr::copy_nonoverlapping(discriminator.as_ptr(), out, 8);
        core::ptr::copy_nonoverlapping(payload.as_ptr(), out.add(8), payload.len());
        let slice: &[u8] = core::slice::from_raw_parts(out, len);
        let slices: [&[u8]; 1] = [slice];
        syscalls::sol_log_data(slices.as_ptr() as *const u8, 1);
    }
}
