//! `pause_worker`: no new assignments until `resume_worker`; assigned jobs continue.
use crate::interface::*;
use crate::state::worker::set_paused;
use peer_runtime::{AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = PauseWorkerAccounts::parse(accounts)?;
    set_paused(ctx.authority, ctx.worker, true)
}
