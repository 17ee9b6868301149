//! `peer_market`: the Peer Cycles marketplace program.
//!
//! Zero crates: built on our own `peer_runtime` (programs/runtime) and speaking the Anchor wire
//! format, so `@coral-xyz/anchor` clients use it through `target/idl/peer_market.json`.
//! `interface.rs` is generated from `../interface.ts`; each instruction lives in its own file
//! under `instructions/` and validates everything before it changes anything.
#![no_std]

mod instructions;
mod interface;
mod state;

use interface::instruction;
use peer_runtime::error::anchor;
use peer_runtime::{fail, AccountInfo, ProgramResult, Pubkey};

peer_runtime::entrypoint!(process_instruction);

fn process_instruction(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // The program id is baked in at build time (seeds and PDAs depend on it).
    if program_id != &interface::ID {
        return Err(fail(&anchor::DECLARED_PROGRAM_ID_MISMATCH));
    }
    let Some((discriminator, args)) = data.split_first_chunk::<8>() else {
        return Err(fail(&anchor::INSTRUCTION_MISSING));
    };
    match u64::from_le_bytes(*discriminator) {
        instruction::INITIALIZE_CONFIG => instructions::initialize_config::process(program_id, accounts, args),
        instruction::UPDATE_CONFIG => instructions::update_config::process(accounts, args),
        _ => Err(fail(&anchor::INSTRUCTION_FALLBACK_NOT_FOUND)),
    }
}
