//! Checked u64 arithmetic for token amounts, fees and rewards.
//!
//! Upstream BPF has no 128-bit multiply or divide (`__multi3`/`__udivti3` are refused), and
//! LLVM turns every overflow test it recognises (`checked_mul`, `r / a != b`, `a > MAX / b`)
//! into `llvm.umul.with.overflow`, which needs them. So products are built from 32-bit limbs
//! here, and `a * b / c` uses a 128-by-64 long division made of native 64-bit divisions.
//!
//! Failures return `ARITHMETIC_OVERFLOW` after logging where they happened
//! (`math overflow at <file>:<line>`), Drift-style, via `#[track_caller]` at no runtime cost.
use crate::error::ProgramError;
use crate::log::LogBuffer;
use core::panic::Location;

const LOW32: u64 = 0xFFFF_FFFF;

#[cold]
#[inline(never)]
fn overflow_at(at: &'static Location<'static>) -> ProgramError {
    let mut line = LogBuffer::<160>::new();
    line.push_str("math overflow at ").push_str(at.file()).push_str(":").push_u64(at.line() as u64);
    line.log();
    ProgramError::ARITHMETIC_OVERFLOW
}

#[inline(always)]
#[track_caller]
pub fn checked_add(a: u64, b: u64) -> Result<u64, ProgramError> {
    match a.checked_add(b) {
        Some(v) => Ok(v),
        None => Err(overflow_at(Location::caller())),
    }
}

#[inline(always)]
#[track_caller]
pub fn checked_sub(a: u64, b: u64) -> Result<u64, ProgramError> {
    match a.checked_sub(b) {
        Some(v) => Ok(v),
        None => Err(overflow_at(Location::caller())),
    }
}

#[inline(always)]
#[track_caller]
pub fn checked_mul(a: u64, b: u64) -> Result<u64, ProgramError> {
    // Both below 2^32: the product fits (the common case, one multiply).
    if (a | b) >> 32 == 0 {
        return Ok(a * b);
    }
    let (hi, lo) = mul_wide(a, b);
    if hi != 0 {
        return Err(overflow_at(Location::caller()));
    }
    Ok(lo)
}

/// `a / b`, failing on `b == 0`.
#[inline(always)]
#[track_caller]
pub fn checked_div(a: u64, b: u64) -> Result<u64, ProgramError> {
    if b == 0 {
        return Err(overflow_at(Location::caller()));
    }
    Ok(a / b)
}

/// `floor(a * b / c)` exactly; fails when `c == 0` or the quotient exceeds u64.
#[inline(always)]
#[track_caller]
pub fn mul_div_floor(a: u64, b: u64, c: u64) -> Result<u64, ProgramError> {
    let mut q = 0u64;
    if mul_div(a, b, c, &mut q) == DIV_FAILED {
        return Err(overflow_at(Location::caller()));
    }
    Ok(q)
}

/// `ceil(a * b / c)` exactly; fails when `c == 0` or the quotient exceeds u64.
#[inline(always)]
#[track_caller]
pub fn mul_div_ceil(a: u64, b: u64, c: u64) -> Result<u64, ProgramError> {
    let mut q = 0u64;
    match mul_div(a, b, c, &mut q) {
        DIV_EXACT => Ok(q),
        DIV_INEXACT if q != u64::MAX => Ok(q + 1),
        _ => Err(overflow_at(Location::caller())),
    }
}

/// `floor(amount * bps / 10_000)`: a fee or share in basis points.
#[inline(always)]
#[track_caller]
pub fn bps_of(amount: u64, bps: u16) -> Result<u64, ProgramError> {
    mul_div_floor(amount, bps as u64, 10_000)
}

/// `floor((hi · 2^64 + lo) / d)`, a 128-by-64 division whose quotient fits in u64 (`hi < d`):
/// returns the quotient and writes the remainder to `*rem`. Fails when `d == 0` or `hi >= d`.
/// With [`mul_wide`] this is enough for 64.64 fixed point (e.g. a reward-per-share accumulator).
#[inline(always)]
#[track_caller]
pub fn div_wide_rem(hi: u64, lo: u64, d: u64, rem: &mut u64) -> Result<u64, ProgramError> {
    let mut q = 0u64;
    if !div_wide_checked(hi, lo, d, &mut q, rem) {
        return Err(overflow_at(Location::caller()));
    }
    Ok(q)
}

#[inline(never)]
fn div_wide_checked(hi: u64, lo: u64, d: u64, q: &mut u64, rem: &mut u64) -> bool {
    if d == 0 || hi >= d {
        return false;
    }
    if hi == 0 {
        *q = lo / d;
        *rem = lo % d;
    } else {
        *rem = div_wide(hi, lo, d, q);
    }
    true
}

/// The full 128-bit product as `(high, low)`, from four 32x32 multiplies.
#[inline(always)]
pub fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    let (a0, a1) = (a & LOW32, a >> 32);
    let (b0, b1) = (b & LOW32, b >> 32);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Sum of three values below 2^32 each: cannot overflow.
    let mid = (p00 >> 32) + (p01 & LOW32) + (p10 & LOW32);
    let lo = (p00 & LOW32) | (mid << 32);
    let hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    (hi, lo)
}

const DIV_EXACT: u8 = 0;
const DIV_INEXACT: u8 = 1;
const DIV_FAILED: u8 = 2;

/// `*q = floor(a * b / c)`; returns whether the division was exact, or failed.
#[inline(never)]
fn mul_div(a: u64, b: u64, c: u64, q: &mut u64) -> u8 {
    if c == 0 {
        return DIV_FAILED;
    }
    let (hi, lo) = mul_wide(a, b);
    let rem;
    if hi == 0 {
        *q = lo / c;
        rem = lo % c;
    } else {
        if hi >= c {
            return DIV_FAILED; // the quotient would need more than 64 bits
        }
        rem = div_wide(hi, lo, c, q);
    }
    if rem == 0 {
        DIV_EXACT
    } else {
        DIV_INEXACT
    }
}

/// Divides the 128-bit `hi:lo` by `d` (requires `hi < d`): `*q` = quotient, returns remainder.
///
/// Knuth's algorithm D with two 32-bit quotient digits (Hacker's Delight `divlu`): normalise
/// `d` so its top bit is set, estimate each digit with a 64-bit division by the top half of
/// `d`, and correct the estimate at most twice.
#[inline(always)]
fn div_wide(hi: u64, lo: u64, d: u64, q: &mut u64) -> u64 {
    const BASE: u64 = 1 << 32;
    let s = d.leading_zeros();
    let d = d << s;
    let (dn1, dn0) = (d >> 32, d & LOW32);
    // `hi < d` keeps the shifted numerator within 128 bits; s == 0 would shift by 64.
    let un32 = if s == 0 { hi } else { (hi << s) | (lo >> (64 - s)) };
    let un10 = lo << s;
    let (un1, un0) = (un10 >> 32, un10 & LOW32);

    let mut q1 = un32 / dn1;
    let mut rhat = un32 - q1 * dn1;
    while q1 >= BASE || q1 * dn0 > (rhat << 32) + un1 {
        q1 -= 1;
        rhat += dn1;
        if rhat >= BASE {
            break;
        }
    }
    let un21 = (un32 << 32).wrapping_add(un1).wrapping_sub(q1.wrapping_mul(d));

    let mut q0 = un21 / dn1;
    rhat = un21 - q0 * dn1;
    while q0 >= BASE || q0 * dn0 > (rhat << 32) + un0 {
        q0 -= 1;
        rhat += dn1;
        if rhat >= BASE {
            break;
        }
    }
    *q = (q1 << 32) | q0;
    ((un21 << 32).wrapping_add(un0).wrapping_sub(q0.wrapping_mul(d))) >> s
}
