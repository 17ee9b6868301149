//! `update_config`: the admin replaces the economic parameters, within the same bounds.
use crate::interface::*;
use crate::state::config::{load_config_mut, validate_params};
use peer_runtime::{fail_account, pubkey_eq, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = UpdateConfigAccounts::parse(accounts)?;
    let args = UpdateConfigArgs::parse(data)?;
    let mut config = load_config_mut(ctx.config, &ID)?;
    if !pubkey_eq(config.admin(), ctx.admin.key()) {
        return Err(fail_account(&errors::UNAUTHORIZED, "admin"));
    }
    validate_params(args.params())?;

    let mut event = ConfigUpdated::zeroed();
    event.set_admin(ctx.admin.key());
    *event.previous_mut() = *config.params();
    *event.params_mut() = *args.params();
    *config.params_mut() = *args.params();
    event.emit();
    Ok(())
}
