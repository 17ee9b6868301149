//! Checked arithmetic that fails with this program's named `MathOverflow` error.
use crate::interface::errors;
use peer_runtime::{fail, ProgramError};

#[inline(always)]
pub fn add(a: u64, b: u64) -> Result<u64, ProgramError> {
    match a.checked_add(b) {
        Some(v) => Ok(v),
        None => Err(fail(&errors::MATH_OVERFLOW)),
    }
}

#[inline(always)]
pub fn sub(a: u64, b: u64) -> Result<u64, ProgramError> {
    match a.checked_sub(b) {
        Some(v) => Ok(v),
        None => Err(fail(&errors::MATH_OVERFLOW)),
    }
}

/// `floor(amount * bps / 10_000)` with a 128-bit intermediate (no overflow for any u64).
#[inline(always)]
pub fn bps_of(amount: u64, bps: u16) -> Result<u64, ProgramError> {
    peer_runtime::math::bps_of(amount, bps).map_err(|_| fail(&errors::MATH_OVERFLOW))
}

/// Credits → USDC base units.
#[inline(always)]
pub fn credits_to_usdc(credits: u64) -> Result<u64, ProgramError> {
    match credits.checked_mul(crate::interface::CREDIT_BASE_UNITS) {
        Some(v) => Ok(v),
        None => Err(fail(&errors::MATH_OVERFLOW)),
    }
}
