//! `register_worker`: creates the worker PDA ["worker", authority] and its $PEER bond vault.
use crate::interface::*;
use crate::state::worker::validate_settings;
use peer_runtime::error::anchor;
use peer_runtime::pda::find_program_address;
use peer_runtime::state::{load, load_uninitialized_mut};
use peer_runtime::sysvar::now;
use peer_runtime::{fail_account, pubkey_eq, system, token, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = RegisterWorkerAccounts::parse(accounts)?;
    let args = RegisterWorkerArgs::parse(data)?;
    let (worker_bump, vault_bump) = validate(&ctx, args)?;
    execute(&ctx, args, worker_bump, vault_bump)
}

#[inline(always)]
fn validate(ctx: &RegisterWorkerAccounts, args: &RegisterWorkerArgs) -> Result<(u8, u8), peer_runtime::ProgramError> {
    let config = load::<Config>(ctx.config, &ID, "config")?;
    if !pubkey_eq(ctx.peer_mint.key(), config.peer_mint()) {
        return Err(fail_account(&errors::WRONG_MINT, "peer_mint"));
    }
    validate_settings(args.settings())?;

    let mut expected = [0u8; 32];
    let worker_bump = find_program_address(&[SEED_WORKER, ctx.authority.key()], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.worker.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "worker"));
    }
    let vault_bump = find_program_address(&[SEED_BOND_VAULT, ctx.worker.key()], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.bond_vault.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "bond_vault"));
    }
    if ctx.worker.is_owned_by(&ID) {
        return Err(fail_account(&anchor::ACCOUNT_DISCRIMINATOR_ALREADY_SET, "worker"));
    }
    Ok((worker_bump, vault_bump))
}

fn execute(ctx: &RegisterWorkerAccounts, args: &RegisterWorkerArgs, worker_bump: u8, vault_bump: u8) -> ProgramResult {
    system::init_pda_account(ctx.authority, ctx.worker, Worker::LEN as u64, &ID, &[SEED_WORKER, ctx.authority.key(), &[worker_bump]])?;
    token::init_pda_token_account(ctx.authority, ctx.bond_vault, ctx.peer_mint, ctx.worker.key(), &[SEED_BOND_VAULT, ctx.worker.key(), &[vault_bump]])?;

    let mut worker = load_uninitialized_mut::<Worker>(ctx.worker, &ID)?;
    worker.init_discriminator();
    worker.set_authority(ctx.authority.key());
    *worker.settings_mut() = *args.settings();
    worker.set_registered_at(now()?);
    worker.set_bump(worker_bump);
    worker.set_bond_vault_bump(vault_bump);

    let mut event = WorkerRegistered::zeroed();
    event.set_worker(ctx.worker.key());
    event.set_authority(ctx.authority.key());
    *event.settings_mut() = *args.settings();
    event.emit();
    Ok(())
}
