//! `initialize`: creates the pool PDA and its two vaults (PDA token accounts owned by the pool),
//! once, by the program's upgrade authority (so nobody can front-run the deployment).
use crate::interface::*;
use crate::state::pool::validate_params;
use peer_runtime::loader::upgrade_authority;
use peer_runtime::state::load_uninitialized_mut;
use peer_runtime::token::{self, Mint, TokenAccount};
use peer_runtime::{fail_account, pubkey_eq, system, AccountInfo, ProgramResult, Pubkey};

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = InitializeAccounts::parse(accounts)?;
    let args = InitializeArgs::parse(data)?;
    validate(program_id, &ctx, args)?;
    execute(program_id, &ctx, args)
}

fn validate(program_id: &Pubkey, ctx: &InitializeAccounts, args: &InitializeArgs) -> ProgramResult {
    // Only the upgrade authority recorded in our ProgramData may initialize.
    match upgrade_authority(ctx.program_data) {
        Some(authority) if pubkey_eq(&authority, ctx.admin.key()) => {}
        _ => return Err(fail_account(&errors::NOT_UPGRADE_AUTHORITY, "program_data")),
    }
    // Re-initialization: the pool is created exactly once.
    if ctx.pool.is_owned_by(program_id) || !ctx.pool.data_is_empty() {
        return Err(fail_account(&errors::POOL_ALREADY_INITIALIZED, "pool"));
    }
    match Mint::load(ctx.usdc_mint) {
        Ok(mint) if mint.decimals() == USDC_DECIMALS => {}
        _ => return Err(fail_account(&errors::INVALID_USDC_MINT, "usdc_mint")),
    }
    match Mint::load(ctx.peer_mint) {
        Ok(_) if !pubkey_eq(ctx.peer_mint.key(), ctx.usdc_mint.key()) => {}
        _ => return Err(fail_account(&errors::INVALID_PEER_MINT, "peer_mint")),
    }
    // The reward vault does not exist yet, so a USDC token account here is never the vault.
    match TokenAccount::load(ctx.treasury) {
        Ok(account) if pubkey_eq(account.mint(), ctx.usdc_mint.key()) => {}
        _ => return Err(fail_account(&errors::INVALID_TREASURY, "treasury")),
    }
    validate_params(args.params())
}

fn execute(program_id: &Pubkey, ctx: &InitializeAccounts, args: &InitializeArgs) -> ProgramResult {
    system::init_pda_account(ctx.admin, ctx.pool, Pool::LEN as u64, program_id, &[SEED_POOL, &[POOL_BUMP]])?;
    token::init_pda_token_account(
        ctx.admin,
        ctx.stake_vault,
        ctx.peer_mint,
        &POOL_ADDRESS,
        &[SEED_STAKE_VAULT, &[STAKE_VAULT_BUMP]],
    )?;
    token::init_pda_token_account(
        ctx.admin,
        ctx.reward_vault,
        ctx.usdc_mint,
        &POOL_ADDRESS,
        &[SEED_REWARD_VAULT, &[REWARD_VAULT_BUMP]],
    )?;

    let mut pool = load_uninitialized_mut::<Pool>(ctx.pool, program_id)?;
    pool.init_discriminator();
    pool.set_admin(ctx.admin.key());
    pool.set_peer_mint(ctx.peer_mint.key());
    pool.set_usdc_mint(ctx.usdc_mint.key());
    pool.set_stake_vault(ctx.stake_vault.key());
    pool.set_reward_vault(ctx.reward_vault.key());
    pool.set_treasury(ctx.treasury.key());
    *pool.params_mut() = *args.params();
    pool.set_bump(POOL_BUMP);
    pool.set_stake_vault_bump(STAKE_VAULT_BUMP);
    pool.set_reward_vault_bump(REWARD_VAULT_BUMP);
    // Totals, the accumulator and accounted_rewards start at zero (the new vault is empty).

    let mut event = PoolInitialized::zeroed();
    event.set_admin(ctx.admin.key());
    event.set_peer_mint(ctx.peer_mint.key());
    event.set_usdc_mint(ctx.usdc_mint.key());
    event.set_stake_vault(ctx.stake_vault.key());
    event.set_reward_vault(ctx.reward_vault.key());
    event.set_treasury(ctx.treasury.key());
    *event.params_mut() = *args.params();
    event.emit();
    Ok(())
}
