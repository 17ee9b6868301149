//! System program CPIs (instruction data is bincode: a u32 LE tag, then the fields).
//!
//! Functions with more than five register arguments are `#[inline(always)]` wrappers that only
//! lay out the instruction; the shared work is in the out-of-line [`invoke_signed`].
use crate::account::AccountInfo;
use crate::cpi::{invoke_signed, AccountMeta, Instruction};
use crate::error::ProgramResult;
use crate::{sysvar, Pubkey, SYSTEM_PROGRAM_ID};

const CREATE_ACCOUNT: u32 = 0;
const ASSIGN: u32 = 1;
const TRANSFER: u32 = 2;
const ALLOCATE: u32 = 8;

#[inline(always)]
fn tagged<const N: usize>(tag: u32) -> [u8; N] {
    let mut data = [0u8; N];
    data[..4].copy_from_slice(&tag.to_le_bytes());
    data
}

/// Creates `new_account` with `lamports`, `space` bytes and `owner`; both sign (PDAs through
/// `signers`). Fails if the address already holds lamports: see [`init_pda_account`].
#[inline(always)]
pub fn create_account(
    payer: &AccountInfo,
    new_account: &AccountInfo,
    lamports: u64,
    space: u64,
    owner: &Pubkey,
    signers: &[&[&[u8]]],
) -> ProgramResult {
    let mut data = tagged::<52>(CREATE_ACCOUNT);
    data[4..12].copy_from_slice(&lamports.to_le_bytes());
    data[12..20].copy_from_slice(&space.to_le_bytes());
    data[20..52].copy_from_slice(owner);
    let metas = [AccountMeta::writable_signer(payer.key()), AccountMeta::writable_signer(new_account.key())];
    let ix = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[payer, new_account], signers)
}

/// Moves `lamports` from `from` (a system-owned signer) to `to`.
#[inline(never)]
pub fn transfer(from: &AccountInfo, to: &AccountInfo, lamports: u64, signers: &[&[&[u8]]]) -> ProgramResult {
    let mut data = tagged::<12>(TRANSFER);
    data[4..12].copy_from_slice(&lamports.to_le_bytes());
    let metas = [AccountMeta::writable_signer(from.key()), AccountMeta::writable(to.key())];
    let ix = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[from, to], signers)
}

/// Gives a system-owned, empty `account` `space` zeroed bytes.
#[inline(never)]
pub fn allocate(account: &AccountInfo, space: u64, signers: &[&[&[u8]]]) -> ProgramResult {
    let mut data = tagged::<12>(ALLOCATE);
    data[4..12].copy_from_slice(&space.to_le_bytes());
    let metas = [AccountMeta::writable_signer(account.key())];
    let ix = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[account], signers)
}

/// Hands a system-owned `account` to `owner`.
#[inline(never)]
pub fn assign(account: &AccountInfo, owner: &Pubkey, signers: &[&[&[u8]]]) -> ProgramResult {
    let mut data = tagged::<36>(ASSIGN);
    data[4..36].copy_from_slice(owner);
    let metas = [AccountMeta::writable_signer(account.key())];
    let ix = Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[account], signers)
}

/// Everything [`init_pda_account`] needs, passed by reference to stay within five registers.
pub struct InitPda<'a> {
    pub payer: &'a AccountInfo,
    pub account: &'a AccountInfo,
    pub space: u64,
    pub owner: &'a Pubkey,
    /// The PDA's seeds, bump last.
    pub signer_seeds: &'a [&'a [u8]],
}

/// Creates the PDA `account` with `space` bytes owned by `owner`, rent-exempt, paid by `payer`.
///
/// Like Anchor's `init`, this works when someone has already sent lamports to the address
/// (which would make `create_account` fail and could block the program): then it tops the
/// balance up to rent-exempt, allocates and assigns instead. An account that already has data
/// or another owner still fails inside the system program.
#[inline(always)]
pub fn init_pda_account(
    payer: &AccountInfo,
    account: &AccountInfo,
    space: u64,
    owner: &Pubkey,
    signer_seeds: &[&[u8]],
) -> ProgramResult {
    init_pda_account_with(&InitPda { payer, account, space, owner, signer_seeds })
}

#[inline(never)]
pub fn init_pda_account_with(p: &InitPda) -> ProgramResult {
    let required = sysvar::rent_exempt_minimum(p.space as usize)?;
    let signers: [&[&[u8]]; 1] = [p.signer_seeds];
    let current = p.account.lamports();
    if current == 0 {
        return create_account(p.payer, p.account, required, p.space, p.owner, &signers);
    }
    if required > current {
        transfer(p.payer, p.account, required - current, &[])?;
    }
    allocate(p.account, p.space, &signers)?;
    assign(p.account, p.owner, &signers)
}
