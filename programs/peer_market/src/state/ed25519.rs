//! Reading the Ed25519 precompile instruction placed just before ours.
//!
//! The runtime verifies the signature before our program runs (a forged one fails the whole
//! transaction); what we must check is *what* was signed and *by whom*, and that the offsets
//! point into that instruction's own data — offsets may otherwise reference bytes of any
//! other instruction, which would let a signature over something else pass as ours.
//!
//! Ed25519 instruction data: `u8 count, u8 padding`, then per signature seven u16 LE:
//! signature offset, signature instruction index, public key offset, public key instruction
//! index, message offset, message size, message instruction index (u16::MAX = this one).
use crate::interface::errors;
use peer_runtime::instructions_sysvar::{current_index, load_instruction_at, InstructionView, ED25519_PROGRAM_ID};
use peer_runtime::{fail, pubkey_eq, AccountInfo, ProgramResult, Pubkey};

const HEADER_LEN: usize = 2;
const OFFSETS_LEN: usize = 14;
const THIS_INSTRUCTION: u16 = u16::MAX;

#[inline(always)]
fn u16_at(data: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([data[at], data[at + 1]])
}

/// Checks that the instruction before the current one verifies exactly one signature by
/// `signer` over exactly `message`, all within its own data.
#[inline(never)]
pub fn verify_preceding_signature(sysvar: &AccountInfo, signer: &Pubkey, message: &[u8]) -> ProgramResult {
    let index = current_index(sysvar)? as usize;
    let mut ix = InstructionView::default();
    if index == 0 || load_instruction_at(sysvar, index - 1, &mut ix).is_err() || !pubkey_eq(&ix.program_id, &ED25519_PROGRAM_ID) {
        return Err(fail(&errors::MISSING_ED25519_INSTRUCTION));
    }
    let sysvar_data = sysvar.try_borrow_data()?;
    let data = ix.data(&sysvar_data);
    if data.len() < HEADER_LEN + OFFSETS_LEN || data[0] != 1 {
        return Err(fail(&errors::INVALID_ED25519_INSTRUCTION));
    }
    let o = HEADER_LEN;
    let (signature_ix, key_offset, key_ix) = (u16_at(data, o + 2), u16_at(data, o + 4) as usize, u16_at(data, o + 6));
    let (message_offset, message_len, message_ix) =
        (u16_at(data, o + 8) as usize, u16_at(data, o + 10) as usize, u16_at(data, o + 12));
    let own_data = signature_ix == THIS_INSTRUCTION && key_ix == THIS_INSTRUCTION && message_ix == THIS_INSTRUCTION;
    if !own_data || key_offset + 32 > data.len() || message_offset + message_len > data.len() {
        return Err(fail(&errors::INVALID_ED25519_INSTRUCTION));
    }
    let key: &Pubkey = data[key_offset..key_offset + 32].try_into().map_err(|_| fail(&errors::INVALID_ED25519_INSTRUCTION))?;
    if !pubkey_eq(key, signer) {
        return Err(fail(&errors::ED25519_SIGNER_MISMATCH));
    }
    if &data[message_offset..message_offset + message_len] != message {
        return Err(fail(&errors::ED25519_MESSAGE_MISMATCH));
    }
    Ok(())
}
