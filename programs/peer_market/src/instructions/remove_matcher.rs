//! `remove_matcher`: the admin revokes a matcher; the registration's rent goes to the admin.
use crate::interface::*;
use crate::state::config::load_config_of_admin;
use peer_runtime::state::load;
use peer_runtime::{AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = RemoveMatcherAccounts::parse(accounts)?;
    load_config_of_admin(ctx.config, ctx.admin.key())?;
    let matcher = *load::<MatcherRegistration>(ctx.matcher_registration, &ID, "matcher_registration")?.matcher();
    ctx.matcher_registration.close_to(ctx.admin)?;

    let mut event = MatcherChanged::zeroed();
    event.set_matcher(&matcher);
    event.set_allowed(false);
    event.emit();
    Ok(())
}
