//! The pool account: parameter bounds, a checked loader, and the token-account checks every
//! instruction shares.
use crate::interface::*;
use peer_runtime::state::{load_mut, RefMut};
use peer_runtime::token::TokenAccount;
use peer_runtime::{fail, fail_account, pubkey_eq, AccountInfo, ErrorInfo, ProgramError, ProgramResult, Pubkey};

/// Signer seeds of the pool PDA, which owns both vaults.
pub const POOL_SIGNER_SEEDS: &[&[u8]] = &[SEED_POOL, &[POOL_BUMP]];

#[inline(always)]
fn require(ok: bool, error: &ErrorInfo) -> ProgramResult {
    if ok { Ok(()) } else { Err(fail(error)) }
}

/// Checks every parameter against its bounds (the same rules on initialize and update_config).
#[inline(always)]
pub fn validate_params(p: &PoolParams) -> ProgramResult {
    let cooldown = p.unstake_cooldown_secs();
    require(
        (MIN_UNSTAKE_COOLDOWN_SECS..=MAX_UNSTAKE_COOLDOWN_SECS).contains(&cooldown),
        &errors::INVALID_UNSTAKE_COOLDOWN,
    )?;
    require(p.min_stake() >= 1 && p.min_stake() <= MAX_MIN_STAKE, &errors::INVALID_MIN_STAKE)?;
    require(p.reward_stream_secs() <= MAX_REWARD_STREAM_SECS, &errors::INVALID_REWARD_STREAM)
}

/// Loads the pool for writing: owner, length and discriminator are checked; the address itself
/// is checked against the precomputed PDA by the generated account parsers.
#[inline(always)]
pub fn load_pool_mut(info: &AccountInfo) -> Result<RefMut<'_, Pool>, ProgramError> {
    load_mut::<Pool>(info, &ID, "pool")
}

/// The reward vault's balance into `*out`. Its address is the reward vault PDA (checked by the
/// account parser), which this program created as a token account, so only a failed load
/// (impossible short of a runtime bug) reports `InvalidUsdcAccount`.
#[inline(never)]
pub fn reward_vault_balance(info: &AccountInfo, out: &mut u64) -> ProgramResult {
    match TokenAccount::load(info) {
        Ok(vault) => {
            *out = vault.amount();
            Ok(())
        }
        Err(_) => Err(fail_account(&errors::INVALID_USDC_ACCOUNT, "reward_vault")),
    }
}

/// A token account of `mint`; `name` is logged with `error` otherwise.
#[inline(never)]
pub fn check_token_account(info: &AccountInfo, mint: &Pubkey, error: &ErrorInfo, name: &str) -> ProgramResult {
    match TokenAccount::load(info) {
        Ok(account) if pubkey_eq(account.mint(), mint) => Ok(()),
        _ => Err(fail_account(error, name)),
    }
}

/// The owner's $PEER source for `stake`: a $PEER token account held by `owner` with at least
/// `amount` (so the named error comes from us rather than from the Token program).
#[inline(never)]
pub fn check_peer_source(info: &AccountInfo, peer_mint: &Pubkey, owner: &Pubkey, amount: u64) -> ProgramResult {
    match TokenAccount::load(info) {
        Ok(account) if pubkey_eq(account.mint(), peer_mint) && pubkey_eq(account.owner(), owner) => {
            if account.amount() < amount {
                return Err(fail_account(&errors::INSUFFICIENT_FUNDS, "source"));
            }
            Ok(())
        }
        _ => Err(fail_account(&errors::INVALID_PEER_ACCOUNT, "source")),
    }
}
