//! `stake`: accrues the reward vault (so stake added now earns nothing that arrived before),
//! settles the staker, then moves `amount` $PEER from the owner's account into the stake vault.
use crate::interface::*;
use crate::state::pool::{check_peer_source, load_pool_mut};
use crate::state::reward::{accrue, settle};
use crate::state::staker::load_staker_mut;
use peer_runtime::math::checked_add;
use peer_runtime::{fail, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = StakeAccounts::parse(accounts)?;
    let amount = StakeArgs::parse(data)?.amount();
    let mut event = Staked::zeroed();
    {
        let mut pool = load_pool_mut(ctx.pool)?;
        let mut staker = load_staker_mut(ctx.staker, ctx.owner)?;

        // Validate.
        if amount == 0 {
            return Err(fail(&errors::ZERO_AMOUNT));
        }
        check_peer_source(ctx.source, pool.peer_mint(), ctx.owner.key(), amount)?;
        let active = checked_add(staker.active(), amount)?;
        if active < pool.params().min_stake() {
            return Err(fail(&errors::BELOW_MIN_STAKE));
        }
        let total_staked = checked_add(pool.total_staked(), amount)?;

        // Execute: rewards up to now go to the stake as it was.
        accrue(&mut pool, ctx.reward_vault, event.accrual_mut())?;
        settle(&mut staker, &pool)?;
        staker.set_active(active);
        pool.set_total_staked(total_staked);

        event.set_owner(ctx.owner.key());
        event.set_amount(amount);
        event.set_active(active);
        event.set_total_staked(total_staked);
    }
    token::transfer(ctx.source, ctx.stake_vault, ctx.owner, amount, &[])?;
    event.emit();
    Ok(())
}
