//! The config account: parameter bounds and a checked loader.
use crate::interface::*;
use peer_runtime::state::{load_mut, RefMut};
use peer_runtime::{fail, AccountInfo, ErrorInfo, ProgramResult, Pubkey};

#[inline(always)]
fn require(ok: bool, error: &ErrorInfo) -> ProgramResult {
    if ok { Ok(()) } else { Err(fail(error)) }
}

#[inline(always)]
fn within(value: u64, min: u64, max: u64) -> bool {
    value >= min && value <= max
}

/// Checks every economic parameter against its bounds (the same rules on init and update).
pub fn validate_params(p: &ConfigParams) -> ProgramResult {
    let bps = BPS_DENOMINATOR as u64;
    require(
        within(p.worker_fee_bps() as u64, MIN_WORKER_FEE_BPS as u64, MAX_WORKER_FEE_BPS as u64),
        &errors::INVALID_WORKER_FEE,
    )?;
    require(p.staker_share_bps() as u64 <= bps, &errors::INVALID_STAKER_SHARE)?;
    let (open, verified, confidential) = (p.min_bond(0), p.min_bond(1), p.min_bond(2));
    require(
        open <= verified && verified <= confidential && confidential <= MAX_BOND,
        &errors::INVALID_MIN_BOND,
    )?;
    require(within(p.validator_min_bond(), 1, MAX_BOND), &errors::INVALID_VALIDATOR_BOND)?;
    require(within(p.challenge_bond(), 1, MAX_BOND), &errors::INVALID_CHALLENGE_BOND)?;
    require(
        within(
            p.unbond_cooldown_secs() as u64,
            MIN_UNBOND_COOLDOWN_SECS as u64,
            MAX_UNBOND_COOLDOWN_SECS as u64,
        ),
        &errors::INVALID_UNBOND_COOLDOWN,
    )?;
    require(p.claim_delay_secs() <= MAX_CLAIM_DELAY_SECS, &errors::INVALID_CLAIM_DELAY)?;
    require(
        within(p.job_timeout_secs() as u64, MIN_JOB_TIMEOUT_SECS as u64, MAX_JOB_TIMEOUT_SECS as u64),
        &errors::INVALID_JOB_TIMEOUT,
    )?;
    require(
        within(
            p.challenge_window_secs() as u64,
            MIN_CHALLENGE_WINDOW_SECS as u64,
            MAX_CHALLENGE_WINDOW_SECS as u64,
        ),
        &errors::INVALID_CHALLENGE_WINDOW,
    )?;
    let vote_window = |secs: u32| within(secs as u64, MIN_VOTE_WINDOW_SECS as u64, MAX_VOTE_WINDOW_SECS as u64);
    require(
        vote_window(p.commit_window_secs()) && vote_window(p.reveal_window_secs()),
        &errors::INVALID_VOTE_WINDOW,
    )?;
    require(within(p.slash_bps() as u64, 1, bps), &errors::INVALID_SLASH_BPS)?;
    require(p.challenger_reward_bps() as u64 <= bps, &errors::INVALID_CHALLENGER_REWARD)?;
    require(p.timeout_slash_bps() <= MAX_TIMEOUT_SLASH_BPS, &errors::INVALID_TIMEOUT_SLASH)?;
    require(within(p.vote_quorum() as u64, 1, MAX_VOTE_QUORUM as u64), &errors::INVALID_VOTE_QUORUM)?;
    require(
        within(p.max_job_attempts() as u64, 1, MAX_JOB_ATTEMPTS as u64),
        &errors::INVALID_MAX_JOB_ATTEMPTS,
    )?;
    require(within(p.peer_per_credit(), 1, MAX_BOND), &errors::INVALID_PEER_PER_CREDIT)?;
    require(
        within(p.quorum_stake_bps() as u64, MIN_QUORUM_STAKE_BPS as u64, bps),
        &errors::INVALID_QUORUM_STAKE,
    )?;
    require(
        p.voter_slash_bps() as u64 <= bps
            && p.lapse_fee_bps() as u64 <= bps
            && p.challenger_reward_bps() as u64 + p.voter_reward_bps() as u64 <= bps,
        &errors::INVALID_VOTER_SHARES,
    )
}

/// A job's value in $PEER base units at the config's reference rate (`price × peer_per_credit`),
/// saturating: it only sizes penalties and bonds, which are capped by what is there.
#[inline(always)]
pub fn job_value_peer(price_credits: u64, params: &ConfigParams) -> u64 {
    price_credits.saturating_mul(params.peer_per_credit())
}

/// Loads the config for writing: owner, length and discriminator are checked; the address
/// itself is checked against the precomputed PDA by the generated account parsers.
#[inline(always)]
pub fn load_config_mut<'a>(info: &'a AccountInfo, program_id: &Pubkey) -> Result<RefMut<'a, Config>, peer_runtime::ProgramError> {
    load_mut::<Config>(info, program_id, "config")
}

/// Loads the config and checks `admin` is its admin (`Unauthorized` otherwise).
#[inline(always)]
pub fn load_config_of_admin<'a>(info: &'a AccountInfo, admin: &Pubkey) -> Result<peer_runtime::Ref<'a, Config>, peer_runtime::ProgramError> {
    let config = peer_runtime::state::load::<Config>(info, &ID, "config")?;
    if !peer_runtime::pubkey_eq(config.admin(), admin) {
        return Err(peer_runtime::fail_account(&errors::UNAUTHORIZED, "admin"));
    }
    Ok(config)
}
