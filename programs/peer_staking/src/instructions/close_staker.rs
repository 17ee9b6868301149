//! `close_staker`: closes a staker account with no active stake, nothing cooling and no whole
//! base unit owed; the rent goes back to the owner. A fraction of a base unit still owed is
//! forfeited (it stays in the reward vault).
use crate::interface::*;
use crate::state::pool::load_pool_mut;
use crate::state::staker::load_staker_mut;
use peer_runtime::math::checked_sub;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = CloseStakerAccounts::parse(accounts)?;
    CloseStakerArgs::parse(data)?;
    let mut event = StakerClosed::zeroed();
    {
        let mut pool = load_pool_mut(ctx.pool)?;
        let staker = load_staker_mut(ctx.staker, ctx.owner)?;
        // With no active stake nothing accrues to it, so rewards_owed is complete: it was
        // settled when the last active stake left.
        if staker.active() != 0 || staker.cooling() != 0 || staker.rewards_owed().int() != 0 {
            return Err(fail(&errors::STAKER_NOT_EMPTY));
        }
        let stakers = checked_sub(pool.stakers(), 1)?;
        pool.set_stakers(stakers);
        event.set_owner(ctx.owner.key());
        event.set_staker(ctx.staker.key());
        event.set_total_claimed(staker.total_claimed());
    }
    ctx.staker.close_to(ctx.owner)?;
    event.emit();
    Ok(())
}
