//! `request_unbond`: starts the cooldown for part of the bond, which stops counting at once.
use crate::interface::*;
use crate::math::add;
use crate::state::worker::{effective_bond, emit_bond_changed, load_worker_of};
use peer_runtime::state::load;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = RequestUnbondAccounts::parse(accounts)?;
    let amount = RequestUnbondArgs::parse(data)?.amount();
    if amount == 0 {
        return Err(fail(&errors::INVALID_AMOUNT));
    }
    let config = load::<Config>(ctx.config, &ID, "config")?;
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    if amount > effective_bond(&worker) {
        return Err(fail(&errors::INSUFFICIENT_BOND));
    }

    // A new request restarts the cooldown for the whole unbonding amount.
    let unbonding = add(worker.unbonding(), amount)?;
    worker.set_unbonding(unbonding);
    worker.set_unbond_available_at(now()? + config.params().unbond_cooldown_secs() as i64);
    emit_bond_changed(ctx.worker.key(), &worker, 0, 0);
    Ok(())
}
