//! `update_worker`: the authority replaces its settings (assigned jobs keep their price).
use crate::interface::*;
use crate::state::worker::{load_worker_of, validate_settings};
use peer_runtime::{AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = UpdateWorkerAccounts::parse(accounts)?;
    let args = UpdateWorkerArgs::parse(data)?;
    let mut worker = load_worker_of(ctx.worker, ctx.authority.key())?;
    validate_settings(args.settings())?;

    *worker.settings_mut() = *args.settings();
    let mut event = WorkerUpdated::zeroed();
    event.set_worker(ctx.worker.key());
    *event.settings_mut() = *args.settings();
    event.emit();
    Ok(())
}
