//! `resume_worker`: the worker accepts new assignments again.
use crate::interface::*;
use crate::state::worker::set_paused;
use peer_runtime::{AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = ResumeWorkerAccounts::parse(accounts)?;
    set_paused(ctx.authority, ctx.worker, false)
}
