//! Cross-program invocation through `sol_invoke_signed_c`, the C ABI of the runtime.
//!
//! The C ABI takes plain structs (below) rather than Rust's `AccountInfo` with its `Rc`s, so
//! the call is built from our pointer views without copying any account. After the call the
//! runtime has written lamports, owner, data and data length back into the input buffer our
//! views point at, so they see the callee's changes.
//!
//! Before calling we check what the runtime cannot see: no account the callee may write is
//! borrowed by us (its data could change under a live `Ref`), and every account the
//! instruction names is among `infos`.
use crate::account::AccountInfo;
use crate::error::{ProgramError, ProgramResult};
use crate::{syscalls, Pubkey};
use core::mem::MaybeUninit;

/// Most accounts one CPI may take; the C account infos are built on the stack (56 bytes each).
pub const MAX_CPI_ACCOUNTS: usize = 16;

/// An account of an instruction, laid out as the C ABI's `SolAccountMeta`
/// (`{ SolPubkey *pubkey; bool is_writable; bool is_signer; }`), so `Instruction::accounts`
/// is passed to the runtime as is.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct AccountMeta<'a> {
    pub pubkey: &'a Pubkey,
    pub is_writable: bool,
    pub is_signer: bool,
}

impl<'a> AccountMeta<'a> {
    #[inline(always)]
    pub const fn readonly(pubkey: &'a Pubkey) -> Self {
        AccountMeta { pubkey, is_writable: false, is_signer: false }
    }

    #[inline(always)]
    pub const fn writable(pubkey: &'a Pubkey) -> Self {
        AccountMeta { pubkey, is_writable: true, is_signer: false }
    }

    #[inline(always)]
    pub const fn signer(pubkey: &'a Pubkey) -> Self {
        AccountMeta { pubkey, is_writable: false, is_signer: true }
    }

    #[inline(always)]
    pub const fn writable_signer(pubkey: &'a Pubkey) -> Self {
        AccountMeta { pubkey, is_writable: true, is_signer: true }
    }
}

pub struct Instruction<'a> {
    pub program_id: &'a Pubkey,
    pub accounts: &'a [AccountMeta<'a>],
    pub data: &'a [u8],
}

/// `SolInstruction`.
#[repr(C)]
pub struct SolInstruction {
    pub program_id: *const Pubkey,
    pub accounts: *const AccountMeta<'static>,
    pub account_len: u64,
    pub data: *const u8,
    pub data_len: u64,
}

/// `SolAccountInfo`. The runtime finds the serialized data length 8 bytes before `data`.
#[repr(C)]
pub struct SolAccountInfo {
    pub key: *const Pubkey,
    pub lamports: *mut u64,
    pub data_len: u64,
    pub data: *mut u8,
    pub owner: *mut Pubkey,
    pub rent_epoch: u64,
    pub is_signer: bool,
    pub is_writable: bool,
    pub executable: bool,
}

/// `SolSignerSeed`: one seed. Same layout as `&[u8]` on this target.
#[repr(C)]
pub struct SolSignerSeed {
    pub addr: *const u8,
    pub len: u64,
}

/// `SolSignerSeeds`: one signer's seeds. Same layout as `&[&[u8]]` on this target.
#[repr(C)]
pub struct SolSignerSeeds {
    pub addr: *const SolSignerSeed,
    pub len: u64,
}

// The seed lists are passed as Rust slices; that is only sound while fat pointers are
// (pointer, u64 length), as solana-program itself assumes.
const _: () = assert!(core::mem::size_of::<&[u8]>() == core::mem::size_of::<SolSignerSeed>());
const _: () = assert!(core::mem::size_of::<&[&[u8]]>() == core::mem::size_of::<SolSignerSeeds>());
const _: () = assert!(core::mem::size_of::<AccountMeta>() == 16);
const _: () = assert!(core::mem::size_of::<SolAccountInfo>() == 56);

/// Calls `ix` with no PDA signers.
#[inline(always)]
pub fn invoke(ix: &Instruction, infos: &[&AccountInfo]) -> ProgramResult {
    invoke_signed(ix, infos, &[])
}

/// Calls `ix`, signing for each PDA whose seeds (bump last) are in `signers`.
///
/// `INVALID_ARGUMENT` for more than [`MAX_CPI_ACCOUNTS`] metas or infos,
/// `NOT_ENOUGH_ACCOUNT_KEYS` when a meta has no info, `ACCOUNT_BORROW_FAILED` when an account
/// the callee may write is borrowed here (or one it reads is mutably borrowed).
#[inline(never)]
pub fn invoke_signed(ix: &Instruction, infos: &[&AccountInfo], signers: &[&[&[u8]]]) -> ProgramResult {
    if ix.accounts.len() > MAX_CPI_ACCOUNTS || infos.len() > MAX_CPI_ACCOUNTS {
        return Err(ProgramError::INVALID_ARGUMENT);
    }
    for meta in ix.accounts {
        let Some(info) = find_info(infos, meta.pubkey) else {
            return Err(ProgramError::NOT_ENOUGH_ACCOUNT_KEYS);
        };
        let free = if meta.is_writable { info.is_unborrowed() } else { info.has_no_mut_borrow() };
        if !free {
            return Err(ProgramError::ACCOUNT_BORROW_FAILED);
        }
    }

    let mut c_infos = [const { MaybeUninit::<SolAccountInfo>::uninit() }; MAX_CPI_ACCOUNTS];
    for (slot, info) in c_infos.iter_mut().zip(infos.iter()) {
        slot.write(SolAccountInfo {
            key: info.key(),
            lamports: info.lamports_ptr(),
            data_len: info.data_len() as u64,
            data: info.data_ptr(),
            owner: info.owner_ptr(),
            rent_epoch: 0,
            is_signer: info.is_signer(),
            is_writable: info.is_writable(),
            executable: info.executable(),
        });
    }
    let c_ix = SolInstruction {
        program_id: ix.program_id,
        accounts: ix.accounts.as_ptr() as *const AccountMeta<'static>,
        account_len: ix.accounts.len() as u64,
        data: ix.data.as_ptr(),
        data_len: ix.data.len() as u64,
    };
    // SAFETY: every pointer refers to live memory: the instruction and metas borrowed from
    // `ix`, the account fields inside the input buffer, the seeds borrowed from `signers`
    // (fat pointers laid out as SolSignerSeed(s), asserted above).
    let rc = unsafe {
        syscalls::sol_invoke_signed_c(
            &c_ix as *const SolInstruction as *const u8,
            c_infos.as_ptr() as *const u8,
            infos.len() as u64,
            signers.as_ptr() as *const u8,
            signers.len() as u64,
        )
    };
    match ProgramError::from_u64(rc) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

/// The info for `key`: the same pointer when the meta was built from `info.key()` (the usual
/// case, one compare), else by value.
#[inline(always)]
fn find_info<'a>(infos: &[&'a AccountInfo], key: &Pubkey) -> Option<&'a AccountInfo> {
    for info in infos {
        if core::ptr::eq(info.key(), key) {
            return Some(info);
        }
    }
    infos.iter().copied().find(|info| crate::pubkey_eq(info.key(), key))
}

/// Sets the data this instruction returns to its caller (at most 1,024 bytes).
#[inline(always)]
pub fn set_return_data(data: &[u8]) {
    // SAFETY: the syscall copies `len` bytes.
    unsafe { syscalls::sol_set_return_data(data.as_ptr(), data.len() as u64) }
}

/// 1 at the top level of a transaction, 2+ when called by another program.
#[inline(always)]
pub fn stack_height() -> u64 {
    // SAFETY: no arguments.
    unsafe { syscalls::sol_get_stack_height() }
}
