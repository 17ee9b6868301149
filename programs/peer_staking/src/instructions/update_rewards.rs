//! `update_rewards`: permissionless accrual. Every staking instruction accrues first anyway;
//! this lets a keeper (or the market's fee sweep, as a second instruction of the same
//! transaction) attribute a deposit to the stake of that moment. Nothing new: a no-op
//! without an event.
use crate::interface::*;
use crate::state::pool::load_pool_mut;
use crate::state::reward::accrue;
use peer_runtime::{AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = UpdateRewardsAccounts::parse(accounts)?;
    UpdateRewardsArgs::parse(data)?;
    let mut pool = load_pool_mut(ctx.pool)?;
    let mut event = RewardsAccrued::zeroed();
    accrue(&mut pool, ctx.reward_vault, event.accrual_mut())?;
    if event.accrual().amount() != 0 {
        event.emit();
    }
    Ok(())
}
