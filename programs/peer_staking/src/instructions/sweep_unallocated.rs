//! `sweep_unallocated`: permissionless. Accrues, then pays the USDC that arrived while nothing
//! was staked to the pool's treasury.
use crate::interface::*;
use crate::state::pool::{load_pool_mut, POOL_SIGNER_SEEDS};
use crate::state::reward::accrue;
use peer_runtime::math::{checked_add, checked_sub};
use peer_runtime::{fail, fail_account, pubkey_eq, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = SweepUnallocatedAccounts::parse(accounts)?;
    SweepUnallocatedArgs::parse(data)?;
    let mut event = UnallocatedSwept::zeroed();
    let amount;
    {
        let mut pool = load_pool_mut(ctx.pool)?;
        if !pubkey_eq(pool.treasury(), ctx.treasury.key()) {
            return Err(fail_account(&errors::INVALID_POOL_TREASURY, "treasury"));
        }
        accrue(&mut pool, ctx.reward_vault, event.accrual_mut())?;
        amount = pool.unallocated_rewards();
        if amount == 0 {
            return Err(fail(&errors::NOTHING_TO_SWEEP));
        }
        let accounted = checked_sub(pool.accounted_rewards(), amount)?;
        let swept = checked_add(pool.total_unallocated_swept(), amount)?;
        pool.set_unallocated_rewards(0);
        pool.set_accounted_rewards(accounted);
        pool.set_total_unallocated_swept(swept);
        event.set_amount(amount);
        event.set_treasury(ctx.treasury.key());
    }
    token::transfer(ctx.reward_vault, ctx.treasury, ctx.pool, amount, &[POOL_SIGNER_SEEDS])?;
    event.emit();
    Ok(())
}
