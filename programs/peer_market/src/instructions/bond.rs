//! `bond`: the authority moves $PEER into its worker's bond vault.
use crate::interface::*;
use crate::math::add;
use crate::state::worker::{check_bond_vault, check_token_mint, emit_bond_changed, load_worker_of};
use peer_runtime::token::{self, TokenAccount};
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = BondAccounts::parse(accounts)?;
    let amount = BondArgs::parse(data)?.amount();
    if amount == 0 {
        return Err(fail(&errors::INVALID_AMOUNT));
    }
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    check_bond_vault(ctx.worker.key(), &worker, ctx.bond_vault)?;
    let vault_mint = *TokenAccount::load(ctx.bond_vault)?.mint();
    check_token_mint(ctx.source, &vault_mint, "source")?;

    token::transfer(ctx.source, ctx.bond_vault, ctx.authority, amount, &[])?;
    let bond = add(worker.bond(), amount)?;
    worker.set_bond(bond);
    emit_bond_changed(ctx.worker.key(), &worker, amount, 0);
    Ok(())
}
