//! `add_matcher`: the admin allows a key to assign jobs (PDA ["matcher", key]).
use crate::interface::*;
use crate::state::config::load_config_of_admin;
use peer_runtime::error::anchor;
use peer_runtime::pda::find_program_address;
use peer_runtime::state::load_uninitialized_mut;
use peer_runtime::sysvar::now;
use peer_runtime::{fail, fail_account, pubkey_eq, system, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = AddMatcherAccounts::parse(accounts)?;
    let matcher = *AddMatcherArgs::parse(data)?.matcher();
    load_config_of_admin(ctx.config, ctx.admin.key())?;
    if matcher == [0u8; 32] {
        return Err(fail(&errors::INVALID_MATCHER));
    }
    let mut expected = [0u8; 32];
    let bump = find_program_address(&[SEED_MATCHER, &matcher], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.matcher_registration.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "matcher_registration"));
    }
    if ctx.matcher_registration.is_owned_by(&ID) {
        return Err(fail_account(&anchor::ACCOUNT_DISCRIMINATOR_ALREADY_SET, "matcher_registration"));
    }

    system::init_pda_account(ctx.admin, ctx.matcher_registration, MatcherRegistration::LEN as u64, &ID, &[SEED_MATCHER, &matcher, &[bump]])?;
    let mut registration = load_uninitialized_mut::<MatcherRegistration>(ctx.matcher_registration, &ID)?;
    registration.init_discriminator();
    registration.set_matcher(&matcher);
    registration.set_added_at(now()?);
    registration.set_bump(bump);

    let mut event = MatcherChanged::zeroed();
    event.set_matcher(&matcher);
    event.set_allowed(true);
    event.emit();
    Ok(())
}
