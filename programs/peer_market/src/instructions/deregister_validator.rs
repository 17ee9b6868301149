//! `deregister_validator`: the validator stops challenging and voting; its bond may leave
//! after `unbond_cooldown_secs`, once no challenge it opened is pending.
use crate::interface::*;
use crate::state::validator::{emit_validator_changed, is_active, load_validator_of};
use crate::math::sub;
use peer_runtime::state::load_mut;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo]) -> ProgramResult {
    let ctx = DeregisterValidatorAccounts::parse(accounts)?;
    let mut config = load_mut::<Config>(ctx.config, &ID, "config")?;
    let mut validator = load_validator_of(ctx.validator, ctx.authority.key())?;
    if !is_active(&validator) {
        return Err(fail(&errors::VALIDATOR_ALREADY_DEREGISTERING));
    }
    // Its stake leaves the quorum base at once (it can no longer vote).
    let total = sub(config.total_validator_stake(), validator.bond())?;
    config.set_total_validator_stake(total);
    validator.set_deregister_available_at(now()? + config.params().unbond_cooldown_secs() as i64);
    emit_validator_changed(ctx.validator.key(), &validator, false);
    Ok(())
}
