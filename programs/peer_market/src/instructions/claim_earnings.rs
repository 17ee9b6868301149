//! `claim_earnings`: the worker's accumulated USDC leaves the vault in one transfer.
use crate::interface::*;
use crate::state::worker::{check_token_mint, load_worker_of};
use peer_runtime::state::load;
use peer_runtime::{fail, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = ClaimEarningsAccounts::parse(accounts)?;
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    let amount = worker.earnings();
    if amount == 0 {
        return Err(fail(&errors::NOTHING_TO_CLAIM));
    }
    check_token_mint(ctx.destination, config.usdc_mint(), "destination")?;

    worker.set_earnings(0);
    let mut event = EarningsClaimed::zeroed();
    event.set_worker(ctx.worker.key());
    event.set_destination(ctx.destination.key());
    event.set_amount(amount);
    event.emit();
    drop(config); // the config PDA signs for the vault
    token::transfer(ctx.usdc_vault, ctx.destination, ctx.config, amount, &[&[SEED_CONFIG, &[CONFIG_BUMP]]])
}
