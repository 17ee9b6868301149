//! `buy_credits`: USDC into the vault, credits into the owner's credit account (created on
//! first use at PDA ["credits", owner]).
use crate::interface::*;
use crate::math::{add, credits_to_usdc};
use crate::state::credits::load_owned_by;
use crate::state::worker::check_token_mint;
use peer_runtime::error::anchor;
use peer_runtime::pda::find_program_address;
use peer_runtime::state::{load, load_uninitialized_mut};
use peer_runtime::{fail, fail_account, pubkey_eq, system, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = BuyCreditsAccounts::parse(accounts)?;
    let credits = BuyCreditsArgs::parse(data)?.credits();
    if credits == 0 {
        return Err(fail(&errors::INVALID_AMOUNT));
    }
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let existing = ctx.credit_account.is_owned_by(&ID);
    let bump = if existing {
        drop(load_owned_by(ctx.credit_account, ctx.client.key())?);
        0
    } else {
        credit_account_bump(&ctx)?
    };
    check_token_mint(ctx.source, config.usdc_mint(), "source")?;
    let amount = credits_to_usdc(credits)?;
    drop(config);

    if !existing {
        create_credit_account(&ctx, bump)?;
    }
    let mut account = load_owned_by(ctx.credit_account, ctx.client.key())?;

    token::transfer(ctx.source, ctx.usdc_vault, ctx.client, amount, &[])?;
    let balance = add(account.balance(), credits)?;
    account.set_balance(balance);
    emit_credits_changed(ctx.client.key(), &account, credits, 0);
    Ok(())
}

/// The canonical bump of the owner's credit account PDA, which `credit_account` must be.
#[inline(always)]
fn credit_account_bump(ctx: &BuyCreditsAccounts) -> Result<u8, peer_runtime::ProgramError> {
    let mut expected = [0u8; 32];
    let bump = find_program_address(&[SEED_CREDITS, ctx.client.key()], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.credit_account.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "credit_account"));
    }
    Ok(bump)
}

/// First purchase: the credit account is created at its canonical PDA.
fn create_credit_account(ctx: &BuyCreditsAccounts, bump: u8) -> ProgramResult {
    system::init_pda_account(ctx.client, ctx.credit_account, CreditAccount::LEN as u64, &ID, &[SEED_CREDITS, ctx.client.key(), &[bump]])?;
    let mut account = load_uninitialized_mut::<CreditAccount>(ctx.credit_account, &ID)?;
    account.init_discriminator();
    account.set_owner(ctx.client.key());
    account.set_bump(bump);
    Ok(())
}

pub fn emit_credits_changed(owner: &peer_runtime::Pubkey, account: &CreditAccount, bought: u64, redeemed: u64) {
    let mut event = CreditsChanged::zeroed();
    event.set_owner(owner);
    event.set_bought(bought);
    event.set_redeemed(redeemed);
    event.set_balance(account.balance());
    event.set_locked(account.locked());
    event.emit();
}
