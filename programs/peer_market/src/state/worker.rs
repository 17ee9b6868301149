//! Workers: settings rules, authority, bond vault, eligibility for a job, and bond locking.
use crate::interface::*;
use crate::state::job::tier_index;
use peer_runtime::pda::is_derived_address;
use peer_runtime::state::{load_mut, RefMut};
use peer_runtime::{fail, fail_account, pubkey_eq, AccountInfo, ErrorInfo, ProgramError, ProgramResult, Pubkey};

#[inline(always)]
fn require(ok: bool, error: &ErrorInfo) -> ProgramResult {
    if ok { Ok(()) } else { Err(fail(error)) }
}

/// Checks a worker's settings (same rules at registration and update).
pub fn validate_settings(s: &WorkerSettings) -> ProgramResult {
    let tiers = s.tiers();
    require(tiers != 0 && tiers & !ALL_TIERS_MASK == 0, &errors::INVALID_TIERS)?;
    require(s.capacity() >= 1 && s.capacity() <= MAX_CAPACITY, &errors::INVALID_CAPACITY)?;

    let count = s.model_count() as usize;
    require(count >= 1 && count <= MAX_MODELS as usize, &errors::INVALID_MODELS)?;
    let models = s.models();
    for i in 0..MAX_MODELS as usize {
        let zero = models[i] == [0u8; 32];
        require(if i < count { !zero } else { zero }, &errors::INVALID_MODELS)?;
        for j in 0..i.min(count) {
            require(i >= count || models[i] != models[j], &errors::INVALID_MODELS)?;
        }
    }

    for tier in 0..TIER_COUNT as usize {
        let served = tiers & (1 << tier) != 0;
        require(served == (s.prices(tier) != 0), &errors::INVALID_PRICES)?;
    }
    require(s.encryption_key() != &[0u8; 32], &errors::INVALID_ENCRYPTION_KEY)?;

    let len = s.endpoint_len() as usize;
    require(len >= 1 && len <= MAX_ENDPOINT_LEN as usize, &errors::INVALID_ENDPOINT)?;
    require(s.endpoint()[len..].iter().all(|b| *b == 0), &errors::INVALID_ENDPOINT)
}

/// Loads a worker for writing.
#[inline(always)]
pub fn load_worker_mut(info: &AccountInfo) -> Result<RefMut<'_, Worker>, ProgramError> {
    load_mut::<Worker>(info, &ID, "worker")
}

/// Loads a worker for writing and checks `authority` is its key.
#[inline(always)]
pub fn load_worker_of<'a>(info: &'a AccountInfo, authority: &Pubkey) -> Result<RefMut<'a, Worker>, ProgramError> {
    let worker = load_worker_mut(info)?;
    if !pubkey_eq(worker.authority(), authority) {
        return Err(fail_account(&errors::NOT_WORKER_AUTHORITY, "authority"));
    }
    Ok(worker)
}

/// The bond vault must be the worker's PDA (re-derived from the stored bump: it holds money).
#[inline(always)]
pub fn check_bond_vault(worker_key: &Pubkey, worker: &Worker, vault: &AccountInfo) -> ProgramResult {
    // The bump was found canonical at registration and stored: the hash-only check suffices.
    if is_derived_address(vault.key(), &[SEED_BOND_VAULT, worker_key, &[worker.bond_vault_bump()]], &ID) {
        Ok(())
    } else {
        Err(fail_account(&peer_runtime::error::anchor::CONSTRAINT_SEEDS, "bond_vault"))
    }
}

/// The bond that open jobs and challenges hold in place: the highest minimum among the tiers
/// the worker has open jobs in. With a challenge open, the whole bond stays (it may be slashed).
#[inline(always)]
pub fn locked_bond(worker: &Worker, params: &ConfigParams) -> u64 {
    if worker.open_challenges() > 0 {
        return worker.bond();
    }
    let mut required = 0;
    for tier in 0..TIER_COUNT as usize {
        if worker.open_jobs(tier) > 0 && params.min_bond(tier) > required {
            required = params.min_bond(tier);
        }
    }
    required
}

/// Bond that counts for eligibility: what is not on its way out.
#[inline(always)]
pub fn effective_bond(worker: &Worker) -> u64 {
    worker.bond().saturating_sub(worker.unbonding())
}

/// Can `worker` (at `worker_key`) take `job` now? In the order the errors are documented.
pub fn check_eligible(params: &ConfigParams, job: &Job, worker: &Worker, worker_key: &Pubkey, now: i64) -> ProgramResult {
    require(!params.paused(), &errors::MARKET_PAUSED)?;
    require(job.status() == JobStatus::Open, &errors::JOB_NOT_OPEN)?;
    require(!worker.paused(), &errors::WORKER_PAUSED)?;
    let request = job.request();
    let tier = tier_index(request.tier());
    let settings = worker.settings();
    require(settings.tiers() & (1 << tier) != 0, &errors::TIER_NOT_SERVED)?;
    let count = settings.model_count() as usize;
    require(settings.models()[..count].iter().any(|m| m == request.model()), &errors::MODEL_NOT_SERVED)?;
    require(settings.prices(tier) <= request.max_price(), &errors::PRICE_ABOVE_MAX)?;
    require(worker.active_jobs() < settings.capacity(), &errors::WORKER_AT_CAPACITY)?;
    require(effective_bond(worker) >= params.min_bond(tier), &errors::BOND_BELOW_MINIMUM)?;
    let pinned = request.pinned_worker();
    require(pinned == &[0u8; 32] || pubkey_eq(pinned, worker_key), &errors::PINNED_TO_OTHER_WORKER)?;
    // A worker serving its own authority's jobs would buy reputation for the margin alone.
    require(!pubkey_eq(job.client(), worker.authority()), &errors::SELF_DEALING)?;
    require(!is_excluded(job, worker_key), &errors::WORKER_EXCLUDED)?;
    if request.tier() == Tier::Confidential {
        check_enclave(worker, request.measurement(), now)?;
    }
    Ok(())
}

/// The key under which `expire_job` records a worker that let the job expire.
#[inline(always)]
pub fn exclusion_tag(worker_key: &Pubkey) -> u64 {
    let mut head = [0u8; 8];
    head.copy_from_slice(&worker_key[..8]);
    u64::from_le_bytes(head)
}

/// Did `worker_key` already let this job expire?
#[inline(always)]
pub fn is_excluded(job: &Job, worker_key: &Pubkey) -> bool {
    let tag = exclusion_tag(worker_key);
    (0..MAX_JOB_ATTEMPTS as usize).any(|i| job.excluded_workers(i) == tag)
}

/// A confidential job needs a registered enclave whose attestation has not expired and whose
/// attested measurement is the one the job names.
#[inline(always)]
pub fn check_enclave(worker: &Worker, measurement: &[u8; 32], now: i64) -> ProgramResult {
    require(worker.enclave_key() != &[0u8; 32], &errors::ENCLAVE_NOT_REGISTERED)?;
    require(now < worker.enclave_expires_at(), &errors::ENCLAVE_EXPIRED)?;
    require(worker.enclave_measurement() == measurement, &errors::MEASUREMENT_MISMATCH)
}

/// Shared by `pause_worker` and `resume_worker` (idempotent).
pub fn set_paused(authority: &AccountInfo, worker_info: &AccountInfo, paused: bool) -> ProgramResult {
    let mut worker = load_worker_of(worker_info, authority.key())?;
    worker.set_paused(paused);
    let mut event = WorkerPauseChanged::zeroed();
    event.set_worker(worker_info.key());
    event.set_paused(paused);
    event.emit();
    Ok(())
}

/// Emits BondChanged with the worker's bond state after a change.
pub fn emit_bond_changed(worker_key: &Pubkey, worker: &Worker, deposited: u64, withdrawn: u64) {
    let mut event = BondChanged::zeroed();
    event.set_worker(worker_key);
    event.set_bond(worker.bond());
    event.set_unbonding(worker.unbonding());
    event.set_unbond_available_at(worker.unbond_available_at());
    event.set_deposited(deposited);
    event.set_withdrawn(withdrawn);
    event.emit();
}

/// Checks `token_account` is a token account of `mint` (named `name` in the error).
#[inline(always)]
pub fn check_token_mint(token_account: &AccountInfo, mint: &Pubkey, name: &str) -> ProgramResult {
    match peer_runtime::token::TokenAccount::load(token_account) {
        Ok(account) if pubkey_eq(account.mint(), mint) => Ok(()),
        _ => Err(fail_account(&errors::WRONG_MINT, name)),
    }
}
