//! The reward-per-share accumulator, in unsigned 64.64 fixed point on u64 limbs.
//!
//! This target has no u128 multiply or divide, so a 128-bit value is two u64 limbs
//! ([`Fx`]: `int + frac / 2^64`), products come from `math::mul_wide` (four 32×32 multiplies)
//! and the one division from `math::div_wide_rem` (128-by-64, quotient in u64).
//!
//! **Stream**: USDC found in the reward vault (balance − `accounted_rewards`) is not handed out
//! at once: it joins `stream_remaining`, released linearly until `stream_end`, which each
//! deposit resets to `reward_stream_secs` from now (0: released at once). So rewards reach stakers over time and
//! stake added just before a deposit (a fee sweep) earns only its time-weighted share.
//!
//! **Accrual** (`accrue`): `amount` = what the stream released since the last accrual.
//! - No active stake: it is added to `unallocated_rewards` (swept to the treasury later), so it
//!   never goes to whoever stakes next.
//! - Otherwise the accumulator grows by `(amount · 2^64 + carry) / total_staked` (in 2^-64
//!   units), and the remainder becomes the new `carry`. Over any number of accruals
//!   `Σ total_i · increment_i = Σ amount_i · 2^64 − carry`, so what is handed to stakers is the
//!   deposits minus less than one base unit (`carry < total_staked ≤ 2^64`).
//!
//! **Settlement** (`settle`): a staker with `active` stake earns `active · Δ` where Δ is the
//! accumulator's growth since its snapshot. That product is kept *exactly* in 64.64
//! (`rewards_owed`), so settling often loses nothing; a claim pays the whole part and keeps
//! the fraction. Because every staker's exact share sums to at most the exact amount
//! distributed, payouts can never exceed what arrived, and the total never paid is under one
//! base unit per staker (its fraction) plus under one overall (the carry).
//!
//! **Bounds** (why nothing overflows in practice; every step is still checked):
//! - $PEER amounts (stakes, totals) are at most the mint's u64 supply.
//! - The accumulator's whole part is at most Σ amount_i / total_i ≤ cumulative USDC rewards
//!   (every total is at least one base unit, and in practice at least `min_stake`): below 2^64
//!   while cumulative rewards stay under 2^64 base units (≈ 1.8 · 10^13 USDC).
//! - A staker's `active · Δ` is at most the rewards distributed while it was active (its stake
//!   is part of every total it is divided by), so it fits in u64 like the rewards themselves.
use crate::interface::*;
use peer_runtime::math::{checked_add, checked_mul, checked_sub, div_wide_rem, mul_wide};
use peer_runtime::{AccountInfo, ProgramError, ProgramResult};

use super::pool::reward_vault_balance;

/// An unsigned 64.64 fixed-point value: `int + frac / 2^64`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fx {
    pub int: u64,
    pub frac: u64,
}

impl Fx {
    #[inline(always)]
    pub fn load(v: &U64F64) -> Fx {
        Fx { int: v.int(), frac: v.frac() }
    }

    #[inline(always)]
    pub fn store(self, v: &mut U64F64) {
        v.set_int(self.int);
        v.set_frac(self.frac);
    }

    #[inline(always)]
    pub fn is_zero(self) -> bool {
        (self.int | self.frac) == 0
    }

    /// `self + other`, failing when the whole part overflows.
    #[inline(always)]
    #[track_caller]
    pub fn checked_add(self, other: Fx) -> Result<Fx, ProgramError> {
        let (frac, carry) = self.frac.overflowing_add(other.frac);
        let int = checked_add(checked_add(self.int, other.int)?, carry as u64)?;
        Ok(Fx { int, frac })
    }

    /// `self − other`, failing when `other > self`.
    #[inline(always)]
    #[track_caller]
    pub fn checked_sub(self, other: Fx) -> Result<Fx, ProgramError> {
        let (frac, borrow) = self.frac.overflowing_sub(other.frac);
        let int = checked_sub(checked_sub(self.int, other.int)?, borrow as u64)?;
        Ok(Fx { int, frac })
    }

    /// `n · self`, exact (the low 64 bits of the fraction product are the new fraction).
    #[inline(always)]
    #[track_caller]
    pub fn checked_scale(self, n: u64) -> Result<Fx, ProgramError> {
        let (hi, lo) = mul_wide(n, self.frac);
        let int = checked_add(checked_mul(n, self.int)?, hi)?;
        Ok(Fx { int, frac: lo })
    }
}

/// `(amount · 2^64 + carry) / total` as 64.64, and the remainder (the next carry). `total > 0`.
#[inline(always)]
#[track_caller]
fn per_share(amount: u64, carry: u64, total: u64, next_carry: &mut u64) -> Result<Fx, ProgramError> {
    // amount = int · total + rest with rest < total, so (rest · 2^64 + carry) / total < 2^64.
    let int = amount / total;
    let rest = amount % total;
    let frac = div_wide_rem(rest, carry, total, next_carry)?;
    Ok(Fx { int, frac })
}

/// Releases what the reward stream owes up to now, adds the USDC that arrived in the reward
/// vault since the last accrual to the stream (which restarts over `reward_stream_secs`), and
/// attributes what was released (see the module doc). Describes it in `out` (the calling instruction's event).
/// Reads the vault's balance (callers have checked its address: the reward vault PDA) and the
/// clock.
#[inline(never)]
pub fn accrue(pool: &mut Pool, reward_vault: &AccountInfo, out: &mut Accrual) -> ProgramResult {
    let mut balance = 0u64;
    reward_vault_balance(reward_vault, &mut balance)?;
    let received = checked_sub(balance, pool.accounted_rewards())?;
    // Nothing streaming and nothing new: nothing to do (and no clock read).
    if received == 0 && pool.stream_remaining() == 0 {
        out.set_total_staked(pool.total_staked());
        *out.reward_per_share_mut() = *pool.reward_per_share();
        out.set_unallocated_rewards(pool.unallocated_rewards());
        return Ok(());
    }
    let now = peer_runtime::sysvar::now()?;
    // What the stream owes up to now goes to the stake of that time; then the new USDC joins
    // the stream (released at once when the stream length is 0).
    let mut released = release(pool, now)?;
    if received != 0 {
        pool.set_stream_remaining(checked_add(pool.stream_remaining(), received)?);
        pool.set_stream_end(now.saturating_add(pool.params().reward_stream_secs() as i64));
        pool.set_stream_updated_at(now);
        pool.set_accounted_rewards(balance);
        released = checked_add(released, release(pool, now)?)?;
    }
    let total = pool.total_staked();
    if released != 0 {
        if total == 0 {
            pool.set_unallocated_rewards(checked_add(pool.unallocated_rewards(), released)?);
        } else {
            let mut carry = 0u64;
            let increment = per_share(released, pool.reward_carry(), total, &mut carry)?;
            let acc = Fx::load(pool.reward_per_share()).checked_add(increment)?;
            acc.store(pool.reward_per_share_mut());
            pool.set_reward_carry(carry);
            pool.set_total_rewards_distributed(checked_add(pool.total_rewards_distributed(), released)?);
        }
    }
    out.set_amount(released);
    out.set_total_staked(total);
    *out.reward_per_share_mut() = *pool.reward_per_share();
    out.set_unallocated_rewards(pool.unallocated_rewards());
    out.set_received(received);
    out.set_stream_remaining(pool.stream_remaining());
    Ok(())
}

/// Takes from the stream what is due at `now`: all of it past `stream_end`, otherwise the
/// linear share `remaining × elapsed / (stream_end − last update)`, floored (the rounding stays
/// in the stream and is released later). Moves the stream's clock to `now`.
#[inline(always)]
fn release(pool: &mut Pool, now: i64) -> Result<u64, ProgramError> {
    let remaining = pool.stream_remaining();
    let (end, last) = (pool.stream_end(), pool.stream_updated_at());
    let due = if remaining == 0 {
        0
    } else if now >= end {
        remaining
    } else if now <= last {
        0
    } else {
        let elapsed = (now - last) as u64;
        let span = (end - last) as u64;
        peer_runtime::math::mul_div_floor(remaining, elapsed, span)?
    };
    if now > last {
        pool.set_stream_updated_at(now);
    }
    pool.set_stream_remaining(checked_sub(remaining, due)?);
    Ok(due)
}

/// Adds what the staker's active stake earned since its last settlement to `rewards_owed`
/// (exactly, in 64.64) and moves its snapshot to the pool's current accumulator. Call after
/// `accrue` and before changing `active`.
#[inline(never)]
pub fn settle(staker: &mut Staker, pool: &Pool) -> ProgramResult {
    let acc = Fx::load(pool.reward_per_share());
    let delta = acc.checked_sub(Fx::load(staker.reward_per_share_paid()))?;
    let active = staker.active();
    if active != 0 && !delta.is_zero() {
        let earned = delta.checked_scale(active)?;
        let owed = Fx::load(staker.rewards_owed()).checked_add(earned)?;
        owed.store(staker.rewards_owed_mut());
    }
    acc.store(staker.reward_per_share_paid_mut());
    Ok(())
}
