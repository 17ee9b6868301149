//! `update_config`: the admin replaces the parameters and the treasury, within the same bounds.
//! A new cooldown applies to later requests (each staker's unlock time is stored); a new
//! min_stake applies to later stake changes (existing stakes are not touched).
use crate::interface::*;
use crate::state::pool::{load_pool_mut, validate_params};
use peer_runtime::token::TokenAccount;
use peer_runtime::{fail_account, pubkey_eq, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = UpdateConfigAccounts::parse(accounts)?;
    let args = UpdateConfigArgs::parse(data)?;
    let mut pool = load_pool_mut(ctx.pool)?;

    if !pubkey_eq(pool.admin(), ctx.admin.key()) {
        return Err(fail_account(&errors::UNAUTHORIZED, "admin"));
    }
    validate_params(args.params())?;
    // A USDC account, and not the reward vault (sweeping into it would re-accrue the sweep).
    match TokenAccount::load(ctx.treasury) {
        Ok(account) if pubkey_eq(account.mint(), pool.usdc_mint()) && !pubkey_eq(ctx.treasury.key(), &REWARD_VAULT_ADDRESS) => {}
        _ => return Err(fail_account(&errors::INVALID_TREASURY, "treasury")),
    }

    let mut event = PoolConfigUpdated::zeroed();
    event.set_admin(ctx.admin.key());
    *event.previous_mut() = *pool.params();
    *event.params_mut() = *args.params();
    event.set_previous_treasury(pool.treasury());
    event.set_treasury(ctx.treasury.key());
    *pool.params_mut() = *args.params();
    pool.set_treasury(ctx.treasury.key());
    event.emit();
    Ok(())
}
