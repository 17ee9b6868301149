//! `peer_market`: the Peer Cycles marketplace program.
//!
//! Zero crates: built on our own `peer_runtime` (programs/runtime) and speaking the Anchor wire
//! format, so `@coral-xyz/anchor` clients use it through `target/idl/peer_market.json`.
//! `interface.rs` is generated from `../interface.ts`; each instruction lives in its own file
//! under `instructions/` and validates everything before it changes anything.
#![no_std]

mod instructions;
mod interface;
mod math;
mod state;

use interface::instruction;
use peer_runtime::error::anchor;
use peer_runtime::{fail, pubkey_eq, AccountInfo, ProgramResult, Pubkey};

peer_runtime::entrypoint!(process_instruction);

fn process_instruction(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // The program id is baked in at build time (seeds and PDAs depend on it).
    if !pubkey_eq(program_id, &interface::ID) {
        return Err(fail(&anchor::DECLARED_PROGRAM_ID_MISMATCH));
    }
    if let Some(result) = peer_runtime::idl::dispatch(program_id, accounts, data) { return result; }
    let Some((discriminator, args)) = data.split_first_chunk::<8>() else {
        return Err(fail(&anchor::INSTRUCTION_MISSING));
    };
    instruction::log_name(u64::from_le_bytes(*discriminator));
    match u64::from_le_bytes(*discriminator) {
        instruction::INITIALIZE_CONFIG => instructions::initialize_config::process(program_id, accounts, args),
        instruction::UPDATE_CONFIG => instructions::update_config::process(accounts, args),
        instruction::REGISTER_WORKER => instructions::register_worker::process(accounts, args),
        instruction::UPDATE_WORKER => instructions::update_worker::process(accounts, args),
        instruction::BOND => instructions::bond::process(accounts, args),
        instruction::REQUEST_UNBOND => instructions::request_unbond::process(accounts, args),
        instruction::WITHDRAW_UNBONDED => no_args(args).and_then(|_| instructions::withdraw_unbonded::process(accounts)),
        instruction::PAUSE_WORKER => no_args(args).and_then(|_| instructions::pause_worker::process(accounts)),
        instruction::RESUME_WORKER => no_args(args).and_then(|_| instructions::resume_worker::process(accounts)),
        instruction::CLOSE_WORKER => no_args(args).and_then(|_| instructions::close_worker::process(accounts)),
        instruction::CLAIM_EARNINGS => no_args(args).and_then(|_| instructions::claim_earnings::process(accounts)),
        instruction::BUY_CREDITS => instructions::buy_credits::process(accounts, args),
        instruction::REDEEM_CREDITS => instructions::redeem_credits::process(accounts, args),
        instruction::POST_JOB => instructions::post_job::process(accounts, args),
        instruction::CANCEL_JOB => no_args(args).and_then(|_| instructions::cancel_job::process(accounts)),
        instruction::ASSIGN_JOB => no_args(args).and_then(|_| instructions::assign_job::process(accounts)),
        instruction::CLAIM_JOB => no_args(args).and_then(|_| instructions::claim_job::process(accounts)),
        instruction::SUBMIT_RESULT => instructions::submit_result::process(accounts, args),
        instruction::EXPIRE_JOB => no_args(args).and_then(|_| instructions::expire_job::process(accounts)),
        instruction::FINALIZE_JOB => no_args(args).and_then(|_| instructions::finalize_job::process(accounts)),
        instruction::SWEEP_FEES => no_args(args).and_then(|_| instructions::sweep_fees::process(accounts)),
        instruction::ADD_MATCHER => instructions::add_matcher::process(accounts, args),
        instruction::REMOVE_MATCHER => no_args(args).and_then(|_| instructions::remove_matcher::process(accounts)),
        instruction::REGISTER_VALIDATOR => instructions::register_validator::process(accounts, args),
        instruction::DEREGISTER_VALIDATOR => no_args(args).and_then(|_| instructions::deregister_validator::process(accounts)),
        instruction::CLOSE_VALIDATOR => no_args(args).and_then(|_| instructions::close_validator::process(accounts)),
        instruction::CHALLENGE_JOB => instructions::challenge_job::process(accounts, args),
        instruction::COMMIT_VOTE => instructions::commit_vote::process(accounts, args),
        instruction::REVEAL_VOTE => instructions::reveal_vote::process(accounts, args),
        instruction::RESOLVE_CHALLENGE => no_args(args).and_then(|_| instructions::resolve_challenge::process(accounts)),
        instruction::CLOSE_VOTE => no_args(args).and_then(|_| instructions::close_vote::process(accounts)),
        instruction::REGISTER_ENCLAVE => instructions::register_enclave::process(accounts, args),
        instruction::SUBMIT_CONFIDENTIAL_RESULT => instructions::submit_confidential_result::process(accounts, args),
        _ => Err(fail(&anchor::INSTRUCTION_FALLBACK_NOT_FOUND)),
    }
}

/// Instructions without arguments take no data after the discriminator.
#[inline(always)]
fn no_args(args: &[u8]) -> ProgramResult {
    if args.is_empty() { Ok(()) } else { Err(fail(&anchor::INSTRUCTION_DID_NOT_DESERIALIZE)) }
}
