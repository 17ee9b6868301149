//! Reading the Instructions sysvar (`Sysvar1nstructions1111111111111111111111111`), for
//! checking what else is in the transaction, e.g. that an Ed25519 verification instruction
//! signed exactly the message we expect.
//!
//! Layout of the sysvar account data:
//!
//! ```text
//! u16 LE                  number of instructions N
//! [u16 LE; N]             offset of each instruction from the start
//! per instruction:
//!   u16 LE                number of accounts A
//!   A times: u8 flags (bit 0 signer, bit 1 writable), [u8; 32] key
//!   [u8; 32]              program id
//!   u16 LE                data length D
//!   [u8; D]               data
//! u16 LE                  index of the instruction now executing (last two bytes)
//! ```
use crate::account::AccountInfo;
use crate::error::{ProgramError, ProgramResult};
use crate::Pubkey;

/// `Sysvar1nstructions1111111111111111111111111`
pub const INSTRUCTIONS_SYSVAR_ID: Pubkey = [
    0x06, 0xa7, 0xd5, 0x17, 0x18, 0x7b, 0xd1, 0x66, 0x35, 0xda, 0xd4, 0x04, 0x55, 0xfd, 0xc2, 0xc0, 0xc1, 0x24, 0xc6,
    0x8f, 0x21, 0x56, 0x75, 0xa5, 0xdb, 0xba, 0xcb, 0x5f, 0x08, 0x00, 0x00, 0x00,
];

/// `Ed25519SigVerify111111111111111111111111111`, the precompile usually inspected.
pub const ED25519_PROGRAM_ID: Pubkey = [
    0x03, 0x7d, 0x46, 0xd6, 0x7c, 0x93, 0xfb, 0xbe, 0x12, 0xf9, 0x42, 0x8f, 0x83, 0x8d, 0x40, 0xff, 0x05, 0x70, 0x74,
    0x49, 0x27, 0xf4, 0x8a, 0x64, 0xfc, 0xca, 0x70, 0x44, 0x80, 0x00, 0x00, 0x00,
];

const ACCOUNT_ENTRY_LEN: usize = 33;

/// Where one instruction sits inside the sysvar data; slice the data with the bounds.
#[derive(Clone, Copy, Default)]
pub struct InstructionView {
    pub program_id: Pubkey,
    pub num_accounts: u16,
    /// Start of the `A` account entries (33 bytes each: flags, key).
    pub accounts_offset: usize,
    pub data_offset: usize,
    pub data_len: usize,
}

impl InstructionView {
    /// This instruction's data inside the borrowed sysvar data.
    #[inline(always)]
    pub fn data<'a>(&self, sysvar_data: &'a [u8]) -> &'a [u8] {
        &sysvar_data[self.data_offset..self.data_offset + self.data_len]
    }
}

#[inline(always)]
fn u16_at(data: &[u8], at: usize) -> Result<u16, ProgramError> {
    match data.get(at..at + 2) {
        Some(b) => Ok(u16::from_le_bytes([b[0], b[1]])),
        None => Err(ProgramError::INVALID_ACCOUNT_DATA),
    }
}

#[inline(always)]
fn check_id(sysvar: &AccountInfo) -> ProgramResult {
    if !crate::pubkey_eq(sysvar.key(), &INSTRUCTIONS_SYSVAR_ID) {
        return Err(ProgramError::UNSUPPORTED_SYSVAR);
    }
    Ok(())
}

/// Index of the instruction now executing (`UNSUPPORTED_SYSVAR` for any other account).
#[inline(always)]
pub fn current_index(sysvar: &AccountInfo) -> Result<u16, ProgramError> {
    check_id(sysvar)?;
    let data = sysvar.try_borrow_data()?;
    if data.len() < 2 {
        return Err(ProgramError::INVALID_ACCOUNT_DATA);
    }
    u16_at(&data, data.len() - 2)
}

/// Locates instruction `index` of the transaction (`INVALID_ARGUMENT` past the last one).
#[inline(never)]
pub fn load_instruction_at(sysvar: &AccountInfo, index: usize, out: &mut InstructionView) -> ProgramResult {
    check_id(sysvar)?;
    let data = sysvar.try_borrow_data()?;
    let count = u16_at(&data, 0)? as usize;
    if index >= count {
        return Err(ProgramError::INVALID_ARGUMENT);
    }
    let start = u16_at(&data, 2 + 2 * index)? as usize;
    let num_accounts = u16_at(&data, start)?;
    let accounts_offset = start + 2;
    let program_id_offset = accounts_offset + num_accounts as usize * ACCOUNT_ENTRY_LEN;
    let Some(program_id) = data.get(program_id_offset..program_id_offset + 32) else {
        return Err(ProgramError::INVALID_ACCOUNT_DATA);
    };
    let data_len = u16_at(&data, program_id_offset + 32)? as usize;
    let data_offset = program_id_offset + 34;
    if data_offset + data_len > data.len() {
        return Err(ProgramError::INVALID_ACCOUNT_DATA);
    }
    out.program_id.copy_from_slice(program_id);
    out.num_accounts = num_accounts;
    out.accounts_offset = accounts_offset;
    out.data_offset = data_offset;
    out.data_len = data_len;
    Ok(())
}
