//! `withdraw_unbonded`: after the cooldown, the unbonding amount leaves the bond vault —
//! never taking the bond below what the worker's open jobs and challenges require.
use crate::interface::*;
use crate::math::sub;
use crate::state::worker::{check_bond_vault, check_token_mint, emit_bond_changed, load_worker_of, locked_bond};
use peer_runtime::state::load;
use peer_runtime::sysvar::now;
use peer_runtime::token::{self, TokenAccount};
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = WithdrawUnbondedAccounts::parse(accounts)?;
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    let amount = worker.unbonding();
    if amount == 0 {
        return Err(fail(&errors::NOTHING_UNBONDING));
    }
    if now()? < worker.unbond_available_at() {
        return Err(fail(&errors::COOLDOWN_NOT_ELAPSED));
    }
    let remaining = sub(worker.bond(), amount)?;
    if worker.open_challenges() > 0 || remaining < locked_bond(&worker, config.params()) {
        return Err(fail(&errors::BOND_LOCKED));
    }
    check_bond_vault(ctx.worker.key(), &worker, ctx.bond_vault)?;
    let vault_mint = *TokenAccount::load(ctx.bond_vault)?.mint();
    check_token_mint(ctx.destination, &vault_mint, "destination")?;

    let authority = *worker.authority();
    let bump = [worker.bump()];
    worker.set_bond(remaining);
    worker.set_unbonding(0);
    emit_bond_changed(ctx.worker.key(), &worker, 0, amount);
    drop(worker); // the worker PDA signs the transfer: release its data first
    token::transfer(ctx.bond_vault, ctx.destination, ctx.worker, amount, &[&[SEED_WORKER, &authority, &bump]])
}
