//! `request_unstake`: accrues and settles (the stake earns up to this moment), then moves
//! `amount` from active stake into cooldown, where it earns nothing. A later request adds to
//! the amount cooling and restarts the cooldown for all of it.
use crate::interface::*;
use crate::state::pool::load_pool_mut;
use crate::state::reward::{accrue, settle};
use crate::state::staker::load_staker_mut;
use peer_runtime::math::{checked_add, checked_sub};
use peer_runtime::sysvar::now;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = RequestUnstakeAccounts::parse(accounts)?;
    let amount = RequestUnstakeArgs::parse(data)?.amount();
    let mut pool = load_pool_mut(ctx.pool)?;
    let mut staker = load_staker_mut(ctx.staker, ctx.owner)?;

    // Validate.
    if amount == 0 {
        return Err(fail(&errors::ZERO_AMOUNT));
    }
    if amount > staker.active() {
        return Err(fail(&errors::INSUFFICIENT_STAKE));
    }
    let active = staker.active() - amount;
    if active != 0 && active < pool.params().min_stake() {
        return Err(fail(&errors::BELOW_MIN_STAKE));
    }
    let cooling = checked_add(staker.cooling(), amount)?;
    let total_staked = checked_sub(pool.total_staked(), amount)?;
    let total_cooling = checked_add(pool.total_cooling(), amount)?;
    let ends_at = now()?.saturating_add(pool.params().unstake_cooldown_secs() as i64);

    // Execute.
    let mut event = UnstakeRequested::zeroed();
    accrue(&mut pool, ctx.reward_vault, event.accrual_mut())?;
    settle(&mut staker, &pool)?;
    staker.set_active(active);
    staker.set_cooling(cooling);
    staker.set_cooldown_ends_at(ends_at);
    pool.set_total_staked(total_staked);
    pool.set_total_cooling(total_cooling);

    event.set_owner(ctx.owner.key());
    event.set_amount(amount);
    event.set_active(active);
    event.set_cooling(cooling);
    event.set_cooldown_ends_at(ends_at);
    event.set_total_staked(total_staked);
    event.emit();
    Ok(())
}
