//! `claim_rewards`: accrues, settles, and pays the staker's whole USDC base units owed from the
//! reward vault; the fraction below one base unit stays owed.
use crate::interface::*;
use crate::state::pool::{check_token_account, load_pool_mut, POOL_SIGNER_SEEDS};
use crate::state::reward::{accrue, settle};
use crate::state::staker::load_staker_mut;
use peer_runtime::math::{checked_add, checked_sub};
use peer_runtime::{fail, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = ClaimRewardsAccounts::parse(accounts)?;
    ClaimRewardsArgs::parse(data)?;
    let mut event = RewardsClaimed::zeroed();
    let amount;
    {
        let mut pool = load_pool_mut(ctx.pool)?;
        let mut staker = load_staker_mut(ctx.staker, ctx.owner)?;
        check_token_account(ctx.destination, pool.usdc_mint(), &errors::INVALID_USDC_ACCOUNT, "destination")?;

        accrue(&mut pool, ctx.reward_vault, event.accrual_mut())?;
        settle(&mut staker, &pool)?;
        amount = staker.rewards_owed().int();
        if amount == 0 {
            return Err(fail(&errors::NOTHING_TO_CLAIM));
        }
        // What is owed is part of accounted_rewards, so this cannot underflow.
        let accounted = checked_sub(pool.accounted_rewards(), amount)?;
        let claimed = checked_add(staker.total_claimed(), amount)?;
        let pool_claimed = checked_add(pool.total_rewards_claimed(), amount)?;
        staker.rewards_owed_mut().set_int(0);
        staker.set_total_claimed(claimed);
        pool.set_accounted_rewards(accounted);
        pool.set_total_rewards_claimed(pool_claimed);

        event.set_owner(ctx.owner.key());
        event.set_amount(amount);
        event.set_destination(ctx.destination.key());
    }
    token::transfer(ctx.reward_vault, ctx.destination, ctx.pool, amount, &[POOL_SIGNER_SEEDS])?;
    event.emit();
    Ok(())
}
