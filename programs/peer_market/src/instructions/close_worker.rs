//! `close_worker`: a worker with nothing at stake closes; any stray $PEER someone sent to its
//! vault goes to `destination`, and the rent of both accounts goes back to the authority.
use crate::interface::*;
use crate::state::worker::{check_bond_vault, check_token_mint, load_worker_of};
use peer_runtime::token::{self, TokenAccount};
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = CloseWorkerAccounts::parse(accounts)?;
    let worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    let idle = worker.bond() == 0
        && worker.unbonding() == 0
        && worker.earnings() == 0
        && worker.active_jobs() == 0
        && (0..TIER_COUNT as usize).all(|t| worker.open_jobs(t) == 0)
        && worker.open_challenges() == 0;
    if !idle {
        return Err(fail(&errors::WORKER_BUSY));
    }
    check_bond_vault(ctx.worker.key(), &worker, ctx.bond_vault)?;
    let (vault_mint, stray) = {
        let vault = TokenAccount::load(ctx.bond_vault)?;
        (*vault.mint(), vault.amount())
    };
    check_token_mint(ctx.destination, &vault_mint, "destination")?;

    let authority = *worker.authority();
    let bump = [worker.bump()];
    drop(worker);
    let signer: &[&[u8]] = &[SEED_WORKER, &authority, &bump];
    if stray > 0 {
        token::transfer(ctx.bond_vault, ctx.destination, ctx.worker, stray, &[signer])?;
    }
    token::close_account(ctx.bond_vault, ctx.authority, ctx.worker, &[signer])?;
    ctx.worker.close_to(ctx.authority)?;

    let mut event = WorkerClosed::zeroed();
    event.set_worker(ctx.worker.key());
    event.set_authority(ctx.authority.key());
    event.emit();
    Ok(())
}
