//! `sweep_fees`: anyone moves the accumulated fees out in a batch — the stakers' share to the
//! staking reward vault, the treasury's to the treasury (both named by the config).
use crate::interface::*;
use peer_runtime::state::{load, load_mut};
use peer_runtime::{fail, fail_account, pubkey_eq, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = SweepFeesAccounts::parse(accounts)?;
    let config = load::<Config>(ctx.config, &ID, "config")?;
    if !pubkey_eq(ctx.staking_reward_vault.key(), config.staking_reward_vault()) {
        return Err(fail_account(&errors::WRONG_FEE_DESTINATION, "staking_reward_vault"));
    }
    if !pubkey_eq(ctx.treasury.key(), config.treasury()) {
        return Err(fail_account(&errors::WRONG_FEE_DESTINATION, "treasury"));
    }
    let mut ledger = load_mut::<FeeLedger>(ctx.fee_ledger, &ID, "fee_ledger")?;
    let (stakers, treasury) = (ledger.staker_fees(), ledger.treasury_fees());
    if stakers == 0 && treasury == 0 {
        return Err(fail(&errors::NOTHING_TO_SWEEP));
    }
    ledger.set_staker_fees(0);
    ledger.set_treasury_fees(0);
    drop(ledger);
    drop(config);

    let signer: &[&[u8]] = &[SEED_CONFIG, &[CONFIG_BUMP]];
    if stakers > 0 {
        token::transfer(ctx.usdc_vault, ctx.staking_reward_vault, ctx.config, stakers, &[signer])?;
    }
    if treasury > 0 {
        token::transfer(ctx.usdc_vault, ctx.treasury, ctx.config, treasury, &[signer])?;
    }
    let mut event = FeesSwept::zeroed();
    event.set_staker_amount(stakers);
    event.set_treasury_amount(treasury);
    event.emit();
    Ok(())
}
