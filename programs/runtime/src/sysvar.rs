//! Clock and Rent, read through their syscalls (no sysvar account needed in the instruction).
use crate::error::{ProgramError, ProgramResult};
use crate::{math, syscalls};

/// The Clock sysvar, field for field as the runtime writes it (40 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Clock {
    pub slot: u64,
    pub epoch_start_timestamp: i64,
    pub epoch: u64,
    pub leader_schedule_epoch: u64,
    pub unix_timestamp: i64,
}

impl Clock {
    #[inline(never)]
    pub fn get(out: &mut Clock) -> ProgramResult {
        // SAFETY: the syscall writes a whole `Clock`.
        status(unsafe { syscalls::sol_get_clock_sysvar(out as *mut Clock as *mut u8) })
    }
}

/// The cluster's unix time in seconds.
#[inline(always)]
pub fn now() -> Result<i64, ProgramError> {
    let mut clock = Clock::default();
    Clock::get(&mut clock)?;
    Ok(clock.unix_timestamp)
}

/// The Rent sysvar as the runtime writes it: `{ u64, f64, u8 }` in C layout (24 bytes). The
/// threshold stays as its IEEE-754 bits; we never do float arithmetic.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Rent {
    pub lamports_per_byte_year: u64,
    pub exemption_threshold_bits: u64,
    pub burn_percent: u8,
}

const _: () = assert!(core::mem::size_of::<Rent>() == 24);

/// Bytes of account metadata the runtime charges rent for on top of the data.
pub const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;

impl Rent {
    #[inline(never)]
    pub fn get(out: &mut Rent) -> ProgramResult {
        // SAFETY: the syscall writes a whole `Rent`.
        status(unsafe { syscalls::sol_get_rent_sysvar(out as *mut Rent as *mut u8) })
    }

    /// Lamports for an account of `data_len` bytes to be rent-exempt: the runtime computes
    /// `((128 + len) * lamports_per_byte_year) as f64 * threshold` and truncates.
    ///
    /// Here the threshold is read from its bits as `m * 2^e` (53-bit integer `m`), and the
    /// product `base * m` is shifted right by `-e` with the 128-bit helpers: the exact product,
    /// rounded up when it has a fraction. For integer thresholds (2.0 on every cluster) that
    /// equals the runtime's result; otherwise it is never below it and at most 1 above, so we
    /// never ask for less than the runtime requires. Saturates at u64::MAX.
    #[inline(never)]
    pub fn minimum_balance(&self, data_len: usize) -> u64 {
        let bytes = ACCOUNT_STORAGE_OVERHEAD.saturating_add(data_len as u64);
        // `saturating_mul` would need a 128-bit multiply; the limb product does not.
        let base = match math::mul_wide(bytes, self.lamports_per_byte_year) {
            (0, lo) => lo,
            _ => u64::MAX,
        };
        let bits = self.exemption_threshold_bits;
        let exponent = ((bits >> 52) & 0x7FF) as i64;
        let fraction = bits & ((1 << 52) - 1);
        if bits >> 63 != 0 || (exponent == 0 && fraction == 0) || base == 0 {
            return 0; // negative or zero threshold: nothing to pay
        }
        if exponent == 0x7FF {
            return u64::MAX; // infinity / NaN
        }
        // value = mantissa * 2^(shift); subnormals have no implicit leading 1.
        let (mantissa, shift) =
            if exponent == 0 { (fraction, -1074i64) } else { (fraction | (1 << 52), exponent - 1075) };
        let (hi, lo) = math::mul_wide(base, mantissa);
        if shift >= 0 {
            // A threshold of 2^53 or more: only tiny bases fit.
            if hi != 0 || shift >= 64 || lo > u64::MAX >> shift {
                return u64::MAX;
            }
            return lo << shift;
        }
        let right = (-shift) as u32;
        if right >= 128 {
            return 1; // a positive amount below one lamport: round up
        }
        let (q, exact) = shift_right_128(hi, lo, right);
        if exact {
            q
        } else {
            q.saturating_add(1)
        }
    }
}

/// `hi:lo >> n` for `0 < n < 128`, saturated to u64, and whether no set bit was shifted out.
#[inline(always)]
fn shift_right_128(hi: u64, lo: u64, n: u32) -> (u64, bool) {
    if n >= 64 {
        let k = n - 64;
        let dropped = lo != 0 || (k > 0 && hi << (64 - k) != 0);
        (if k == 0 { hi } else { hi >> k }, !dropped)
    } else {
        if hi >> n != 0 {
            return (u64::MAX, true);
        }
        let q = (hi << (64 - n)) | (lo >> n);
        (q, lo << (64 - n) == 0)
    }
}

/// The cheapest rent-exempt balance for `data_len` bytes, from the Rent sysvar.
#[inline(always)]
pub fn rent_exempt_minimum(data_len: usize) -> Result<u64, ProgramError> {
    let mut rent = Rent::default();
    Rent::get(&mut rent)?;
    Ok(rent.minimum_balance(data_len))
}

#[inline(always)]
fn status(rc: u64) -> ProgramResult {
    match ProgramError::from_u64(rc) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}
