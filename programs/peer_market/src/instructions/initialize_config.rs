//! `initialize_config`: creates the config PDA, the program's USDC vault, the fee ledger and
//! the $PEER vote vault (winning voters' rewards wait there until they close their votes),
//! once, by the program's upgrade authority (so nobody can front-run the deployment with their
//! own admin).
use crate::interface::*;
use crate::state::config::validate_params;
use peer_runtime::loader::upgrade_authority;
use peer_runtime::state::load_uninitialized_mut;
use peer_runtime::token::{self, Mint, TokenAccount};
use peer_runtime::{fail_account, system, AccountInfo, ProgramResult, Pubkey};

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ctx = InitializeConfigAccounts::parse(accounts)?;
    let args = InitializeConfigArgs::parse(data)?;
    let peer_decimals = validate(program_id, &ctx, args)?;
    execute(program_id, &ctx, args, peer_decimals)
}

/// Returns the $PEER mint's decimals once every check has passed.
#[inline(always)]
fn validate(program_id: &Pubkey, ctx: &InitializeConfigAccounts, args: &InitializeConfigArgs) -> Result<u8, peer_runtime::ProgramError> {
    // Only the upgrade authority recorded in our ProgramData may initialize.
    match upgrade_authority(ctx.program_data) {
        Some(authority) if &authority == ctx.admin.key() => {}
        _ => return Err(fail_account(&errors::NOT_UPGRADE_AUTHORITY, "program_data")),
    }
    // Re-initialization: the config is created exactly once.
    if ctx.config.is_owned_by(program_id) || !ctx.config.data_is_empty() {
        return Err(fail_account(&errors::CONFIG_ALREADY_INITIALIZED, "config"));
    }
    match Mint::load(ctx.usdc_mint) {
        Ok(mint) if mint.decimals() == USDC_DECIMALS => {}
        _ => return Err(fail_account(&errors::INVALID_USDC_MINT, "usdc_mint")),
    }
    let peer_decimals = match Mint::load(ctx.peer_mint) {
        Ok(mint) if ctx.peer_mint.key() != ctx.usdc_mint.key() => mint.decimals(),
        _ => return Err(fail_account(&errors::INVALID_PEER_MINT, "peer_mint")),
    };
    check_usdc_account(ctx.treasury, ctx.usdc_mint.key(), "treasury")?;
    check_usdc_account(ctx.staking_reward_vault, ctx.usdc_mint.key(), "staking_reward_vault")?;
    validate_params(args.params())?;
    Ok(peer_decimals)
}

#[inline(always)]
fn check_usdc_account(info: &AccountInfo, usdc_mint: &Pubkey, name: &str) -> ProgramResult {
    match TokenAccount::load(info) {
        Ok(account) if account.mint() == usdc_mint => Ok(()),
        _ => Err(fail_account(&errors::INVALID_TOKEN_ACCOUNT, name)),
    }
}

fn execute(program_id: &Pubkey, ctx: &InitializeConfigAccounts, args: &InitializeConfigArgs, peer_decimals: u8) -> ProgramResult {
    system::init_pda_account(ctx.admin, ctx.config, Config::LEN as u64, program_id, &[SEED_CONFIG, &[CONFIG_BUMP]])?;
    token::init_pda_token_account(
        ctx.admin,
        ctx.usdc_vault,
        ctx.usdc_mint,
        &CONFIG_ADDRESS,
        &[SEED_USDC_VAULT, &[USDC_VAULT_BUMP]],
    )?;

    token::init_pda_token_account(ctx.admin, ctx.vote_vault, ctx.peer_mint, &CONFIG_ADDRESS, &[SEED_VOTE_VAULT, &[VOTE_VAULT_BUMP]])?;

    system::init_pda_account(ctx.admin, ctx.fee_ledger, FeeLedger::LEN as u64, program_id, &[SEED_FEE_LEDGER, &[FEE_LEDGER_BUMP]])?;
    let mut ledger = load_uninitialized_mut::<FeeLedger>(ctx.fee_ledger, program_id)?;
    ledger.init_discriminator();
    ledger.set_bump(FEE_LEDGER_BUMP);
    drop(ledger);

    let mut config = load_uninitialized_mut::<Config>(ctx.config, program_id)?;
    config.init_discriminator();
    config.set_admin(ctx.admin.key());
    config.set_usdc_mint(ctx.usdc_mint.key());
    config.set_peer_mint(ctx.peer_mint.key());
    config.set_usdc_vault(ctx.usdc_vault.key());
    config.set_treasury(ctx.treasury.key());
    config.set_staking_reward_vault(ctx.staking_reward_vault.key());
    *config.params_mut() = *args.params();
    config.set_peer_decimals(peer_decimals);
    config.set_bump(CONFIG_BUMP);
    config.set_usdc_vault_bump(USDC_VAULT_BUMP);
    config.set_fee_ledger_bump(FEE_LEDGER_BUMP);
    config.set_vote_vault_bump(VOTE_VAULT_BUMP);

    let mut event = ConfigInitialized::zeroed();
    event.set_admin(ctx.admin.key());
    event.set_usdc_mint(ctx.usdc_mint.key());
    event.set_peer_mint(ctx.peer_mint.key());
    event.set_usdc_vault(ctx.usdc_vault.key());
    event.set_treasury(ctx.treasury.key());
    event.set_staking_reward_vault(ctx.staking_reward_vault.key());
    *event.params_mut() = *args.params();
    event.emit();
    Ok(())
}
