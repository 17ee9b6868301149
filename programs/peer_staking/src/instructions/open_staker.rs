//! `open_staker`: creates the owner's staker PDA (`["staker", owner]`), storing its canonical
//! bump so later instructions verify the address without `find_program_address`.
use crate::interface::*;
use crate::state::pool::load_pool_mut;
use peer_runtime::error::anchor;
use peer_runtime::math::checked_add;
use peer_runtime::pda::find_program_address;
use peer_runtime::state::load_uninitialized_mut;
use peer_runtime::{fail_account, pubkey_eq, system, AccountInfo, ProgramResult};

pub fn process(accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = OpenStakerAccounts::parse(accounts)?;
    OpenStakerArgs::parse(data)?;
    let mut pool = load_pool_mut(ctx.pool)?;

    if ctx.staker.is_owned_by(&ID) || !ctx.staker.data_is_empty() {
        return Err(fail_account(&errors::STAKER_ALREADY_OPEN, "staker"));
    }
    let mut expected = [0u8; 32];
    let bump = find_program_address(&[SEED_STAKER, ctx.owner.key()], &ID, &mut expected);
    if !pubkey_eq(&expected, ctx.staker.key()) {
        return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "staker"));
    }
    let stakers = checked_add(pool.stakers(), 1)?;

    system::init_pda_account(ctx.owner, ctx.staker, Staker::LEN as u64, &ID, &[SEED_STAKER, ctx.owner.key(), &[bump]])?;
    let mut staker = load_uninitialized_mut::<Staker>(ctx.staker, &ID)?;
    staker.init_discriminator();
    staker.set_owner(ctx.owner.key());
    staker.set_bump(bump);
    // Nothing is active yet, so the snapshot only matters for tidiness: start at "now".
    *staker.reward_per_share_paid_mut() = *pool.reward_per_share();
    pool.set_stakers(stakers);

    let mut event = StakerOpened::zeroed();
    event.set_owner(ctx.owner.key());
    event.set_staker(ctx.staker.key());
    event.emit();
    Ok(())
}
