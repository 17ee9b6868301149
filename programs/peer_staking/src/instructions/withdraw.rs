//! `withdraw`: once the cooldown has passed, pays all stake in cooldown from the stake vault to
//! a $PEER account of the owner's choice. No accrual: cooling stake earns nothing, so the
//! principal can always leave, whatever state the reward side is in.
use crate::interface::*;
use crate::state::pool::{check_token_account, load_pool_mut, POOL_SIGNER_SEEDS};
use crate::state::staker::load_staker_mut;
use peer_runtime::math::checked_sub;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = WithdrawAccounts::parse(accounts)?;
    WithdrawArgs::parse(data)?;
    let mut event = Withdrawn::zeroed();
    let amount;
    {
        let mut pool = load_pool_mut(ctx.pool)?;
        let mut staker = load_staker_mut(ctx.staker, ctx.owner)?;

        // Validate.
        check_token_account(ctx.destination, pool.peer_mint(), &errors::INVALID_PEER_ACCOUNT, "destination")?;
        amount = staker.cooling();
        if amount == 0 {
            return Err(fail(&errors::NOTHING_TO_WITHDRAW));
        }
        if now()? < staker.cooldown_ends_at() {
            return Err(fail(&errors::COOLDOWN_NOT_ELAPSED));
        }
        let total_cooling = checked_sub(pool.total_cooling(), amount)?;

        // Execute.
        staker.set_cooling(0);
        staker.set_cooldown_ends_at(0);
        pool.set_total_cooling(total_cooling);

        event.set_owner(ctx.owner.key());
        event.set_amount(amount);
        event.set_total_cooling(total_cooling);
    }
    // The pool PDA owns the vault; its views are released above so it can sign.
    token::transfer(ctx.stake_vault, ctx.destination, ctx.pool, amount, &[POOL_SIGNER_SEEDS])?;
    event.emit();
    Ok(())
}
