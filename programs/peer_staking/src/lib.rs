//! `peer_staking`: stake $PEER, earn the stakers' share of the network margin in USDC.
//!
//! Zero crates: built on our own `peer_runtime` (programs/runtime) and speaking the Anchor wire
//! format, so `@coral-xyz/anchor` clients use it through `target/idl/peer_staking.json`.
//! `interface.rs` is generated from `../interface.ts`; each instruction lives in its own file
//! under `instructions/` and validates everything before it changes anything. The reward
//! accumulator (64.64 fixed point on u64 limbs) is in `state/reward.rs`.
#![no_std]

mod instructions;
mod interface;
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
        instruction::STAKE => instructions::stake::process(accounts, args),
        instruction::CLAIM_REWARDS => instructions::claim_rewards::process(accounts, args),
        instruction::REQUEST_UNSTAKE => instructions::request_unstake::process(accounts, args),
        instruction::WITHDRAW => instructions::withdraw::process(accounts, args),
        instruction::UPDATE_REWARDS => instructions::update_rewards::process(accounts, args),
        instruction::SWEEP_UNALLOCATED => instructions::sweep_unallocated::process(accounts, args),
        instruction::OPEN_STAKER => instructions::open_staker::process(accounts, args),
        instruction::CLOSE_STAKER => instructions::close_staker::process(accounts, args),
        instruction::INITIALIZE => instructions::initialize::process(program_id, accounts, args),
        instruction::UPDATE_CONFIG => instructions::update_config::process(accounts, args),
        _ => Err(fail(&anchor::INSTRUCTION_FALLBACK_NOT_FOUND)),
    }
}
