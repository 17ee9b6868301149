//! `redeem_credits`: unspent credits back to USDC.
use super::buy_credits::emit_credits_changed;
use crate::interface::*;
use crate::math::{credits_to_usdc, sub};
use crate::state::credits::load_owned_by;
use crate::state::worker::check_token_mint;
use peer_runtime::state::load;
use peer_runtime::{fail, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = RedeemCreditsAccounts::parse(accounts)?;
    let credits = RedeemCreditsArgs::parse(data)?.credits();
    if credits == 0 {
        return Err(fail(&errors::INVALID_AMOUNT));
    }
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut account = load_owned_by(ctx.credit_account, ctx.client.key())?;
    if account.balance() < credits {
        return Err(fail(&errors::INSUFFICIENT_CREDITS));
    }
    check_token_mint(ctx.destination, config.usdc_mint(), "destination")?;
    let amount = credits_to_usdc(credits)?;

    let balance = sub(account.balance(), credits)?;

    account.set_balance(balance);
    emit_credits_changed(ctx.client.key(), &account, 0, credits);
    drop(config);
    token::transfer(ctx.usdc_vault, ctx.destination, ctx.config, amount, &[&[SEED_CONFIG, &[CONFIG_BUMP]]])
}
