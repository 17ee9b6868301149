//! Anchor's on-chain IDL instructions, so `anchor idl init|upgrade|fetch`, `Program.at()` and
//! explorers work with our programs as with Anchor's.
//!
//! Wire format (Anchor `lang/src/idl.rs` and its generated handlers): instruction data starts
//! with the 8-byte tag `sha256("anchor:idl")[..8]` (`IDL_IX_TAG`, 0x0a69e9a778bcf440 as a LE
//! u64), then a Borsh `IdlInstruction`:
//!   0 Create { data_len: u64 }     [payer (s, w), idl (w), base, system program, program]
//!   1 CreateBuffer                 [buffer (w, zeroed, ours), authority (s)]
//!   2 Write { data: Vec<u8> }      [idl or buffer (w), authority (s)]
//!   3 SetBuffer                    [buffer (w), idl (w), authority (s)]
//!   4 SetAuthority { new: Pubkey } [idl (w), authority (s)]
//!   5 Close                        [idl or buffer (w), authority (s), destination (w)]
//!   6 Resize { data_len: u64 }     [idl (w), authority (s, w), system program]
//! The IDL account lives at `create_with_seed(find_program_address([], program), "anchor:idl",
//! program)` and holds `sha256("internal:IdlAccount")[..8] | authority | u32 len | zlib(IDL JSON)`.
use crate::account::AccountInfo;
use crate::cpi::{invoke_signed, AccountMeta, Instruction};
use crate::error::{ProgramError, ProgramResult};
use crate::{hash, log, pda, pubkey_eq, system, sysvar, Pubkey, SYSTEM_PROGRAM_ID};

/// `sha256("anchor:idl")[..8]` read as a little-endian u64.
pub const IDL_IX_TAG: u64 = 0x0a69e9a778bcf440;
const SEED: &[u8] = b"anchor:idl";
/// `sha256("internal:IdlAccount")[..8]` (Anchor declares it `#[account("internal")]`, and the
/// namespace replaces "account" in the preimage).
const IDL_ACCOUNT_DISCRIMINATOR: [u8; 8] = [24, 70, 98, 191, 58, 144, 123, 158];
/// Discriminator, authority, u32 length of the compressed IDL.
const HEADER: usize = 8 + 32 + 4;
/// Anchor's cap on one creation or one resize step.
const MAX_STEP: usize = 10_000;
/// An erased authority (Anchor's `ERASED_AUTHORITY`) can change nothing.
const ERASED: Pubkey = [0; 32];

/// The one-line hook for a program's entry: `Some(result)` when `data` is an IDL instruction.
#[inline(always)]
pub fn dispatch(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> Option<ProgramResult> {
    match data.first_chunk::<8>() {
        Some(tag) if u64::from_le_bytes(*tag) == IDL_IX_TAG => Some(process(program_id, accounts, data)),
        _ => None,
    }
}

#[inline(never)]
fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let Some((&variant, args)) = data[8..].split_first() else { return Err(ProgramError::INVALID_INSTRUCTION_DATA) };
    match variant {
        0 => create(program_id, accounts, read_u64(args)?),
        1 => create_buffer(program_id, accounts, args),
        2 => write(program_id, accounts, args),
        3 => set_buffer(program_id, accounts, args),
        4 => set_authority(program_id, accounts, args),
        5 => close(program_id, accounts, args),
        6 => resize(program_id, accounts, read_u64(args)?),
        _ => Err(ProgramError::INVALID_INSTRUCTION_DATA),
    }
}

#[inline(always)]
fn read_u64(args: &[u8]) -> Result<u64, ProgramError> {
    match args.first_chunk::<8>() {
        Some(b) if args.len() == 8 => Ok(u64::from_le_bytes(*b)),
        _ => Err(ProgramError::INVALID_INSTRUCTION_DATA),
    }
}

#[inline(always)]
fn no_args(args: &[u8]) -> ProgramResult {
    if args.is_empty() { Ok(()) } else { Err(ProgramError::INVALID_INSTRUCTION_DATA) }
}

fn refuse(why: &str, err: ProgramError) -> ProgramResult {
    log::log(why);
    Err(err)
}

/// An IDL account or buffer of this program, writable, whose authority is `authority` (a signer,
/// not erased).
#[inline(never)]
fn check_idl(program_id: &Pubkey, idl: &AccountInfo, authority: &AccountInfo) -> ProgramResult {
    if !idl.is_owned_by(program_id) || !idl.is_writable() || idl.data_len() < HEADER {
        return refuse("idl: not a writable IDL account of this program", ProgramError::INVALID_ACCOUNT_DATA);
    }
    if !authority.is_signer() || pubkey_eq(authority.key(), &ERASED) {
        return refuse("idl: the authority must sign", ProgramError::MISSING_REQUIRED_SIGNATURE);
    }
    let data = idl.try_borrow_data()?;
    if data[..8] != IDL_ACCOUNT_DISCRIMINATOR {
        return refuse("idl: not an IDL account", ProgramError::INVALID_ACCOUNT_DATA);
    }
    if data[8..40] != authority.key()[..] {
        return refuse("idl: wrong authority", ProgramError::INCORRECT_AUTHORITY);
    }
    Ok(())
}

#[inline(always)]
fn stored_len(data: &[u8]) -> usize {
    u32::from_le_bytes([data[40], data[41], data[42], data[43]]) as usize
}

#[inline(never)]
fn create(program_id: &Pubkey, accounts: &[AccountInfo], data_len: u64) -> ProgramResult {
    let [payer, idl, base, _system, program, ..] = accounts else { return Err(ProgramError::NOT_ENOUGH_ACCOUNT_KEYS) };
    if !pubkey_eq(program.key(), program_id) {
        return refuse("idl: the program account must be this program", ProgramError::INCORRECT_PROGRAM_ID);
    }
    if !payer.is_signer() {
        return Err(ProgramError::MISSING_REQUIRED_SIGNATURE);
    }
    let mut expected_base = [0u8; 32];
    let bump = pda::find_program_address(&[], program_id, &mut expected_base);
    let mut expected_idl = [0u8; 32];
    hash::sha256(&[&expected_base, SEED, program_id], &mut expected_idl);
    if !pubkey_eq(base.key(), &expected_base) || !pubkey_eq(idl.key(), &expected_idl) {
        return refuse("idl: not this program's IDL address", ProgramError::INVALID_SEEDS);
    }
    let space = core::cmp::min(HEADER as u64 + data_len.saturating_mul(2), MAX_STEP as u64);
    let lamports = sysvar::rent_exempt_minimum(space as usize)?;
    // System CreateAccountWithSeed: u32 tag 3, base, seed (u64 length + bytes), lamports, space, owner.
    let mut ix = [0u8; 4 + 32 + 8 + 10 + 8 + 8 + 32];
    ix[0] = 3;
    ix[4..36].copy_from_slice(&expected_base);
    ix[36] = SEED.len() as u8;
    ix[44..54].copy_from_slice(SEED);
    ix[54..62].copy_from_slice(&lamports.to_le_bytes());
    ix[62..70].copy_from_slice(&space.to_le_bytes());
    ix[70..102].copy_from_slice(program_id);
    let metas = [AccountMeta::writable_signer(payer.key()), AccountMeta::writable(idl.key()), AccountMeta::signer(base.key())];
    let bump_seed = [bump];
    invoke_signed(&Instruction { program_id: &SYSTEM_PROGRAM_ID, accounts: &metas, data: &ix }, &[payer, idl, base], &[&[&bump_seed]])?;
    init_header(idl, payer.key())
}

#[inline(never)]
fn init_header(account: &AccountInfo, authority: &Pubkey) -> ProgramResult {
    let mut data = account.try_borrow_mut_data()?;
    if data.len() < HEADER {
        return Err(ProgramError::ACCOUNT_DATA_TOO_SMALL);
    }
    data[..8].copy_from_slice(&IDL_ACCOUNT_DISCRIMINATOR);
    data[8..40].copy_from_slice(authority);
    data[40..44].fill(0);
    Ok(())
}

#[inline(never)]
fn create_buffer(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    no_args(args)?;
    let [buffer, authority, ..] = accounts else { return Err(ProgramError::NOT_ENOUGH_ACCOUNT_KEYS) };
    if !buffer.is_owned_by(program_id) || !buffer.is_writable() {
        return refuse("idl: the buffer must be a writable account of this program", ProgramError::INVALID_ACCOUNT_DATA);
    }
    if !authority.is_signer() || pubkey_eq(authority.key(), &ERASED) {
        return Err(ProgramError::MISSING_REQUIRED_SIGNATURE);
    }
    if buffer.try_borrow_data()?.get(..8) != Some(&[0u8; 8][..]) {
        return Err(ProgramError::ACCOUNT_ALREADY_INITIALIZED);
    }
    init_header(buffer, authority.key())
}

#[inline(never)]
fn write(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [idl, authority, ..] = accounts else { return Err(ProgramError::NOT_ENOUGH_ACCOUNT_KEYS) };
    check_idl(program_id, idl, authority)?;
    // Borsh Vec<u8>: u32 length, then the bytes.
    let Some((len, chunk)) = args.split_first_chunk::<4>() else { return Err(ProgramError::INVALID_INSTRUCTION_DATA) };
    if u32::from_le_bytes(*len) as usize != chunk.len() {
        return Err(ProgramError::INVALID_INSTRUCTION_DATA);
    }
    let mut data = idl.try_borrow_mut_data()?;
    let prev = stored_len(&data);
    let end = HEADER + prev + chunk.len();
    if end > data.len() {
        drop(data);
        return refuse("idl: the account is too small for this write (resize it first)", ProgramError::ACCOUNT_DATA_TOO_SMALL);
    }
    // SAFETY: HEADER + prev + chunk.len() <= data.len() was checked above.
    unsafe { core::ptr::copy_nonoverlapping(chunk.as_ptr(), data.as_mut_ptr().add(HEADER + prev), chunk.len()) };
    data[40..44].copy_from_slice(&((prev + chunk.len()) as u32).to_le_bytes());
    Ok(())
}

#[inline(never)]
fn set_buffer(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    no_args(args)?;
    let [buffer, idl, authority, ..] = accounts else { return Err(ProgramError::NOT_ENOUGH_ACCOUNT_KEYS) };
    check_idl(program_id, buffer, authority)?;
    check_idl(program_id, idl, authority)?;
    if buffer.is_same(idl) {
        return Err(ProgramError::INVALID_ARGUMENT);
    }
    let source = buffer.try_borrow_data()?;
    let len = stored_len(&source);
    let mut target = idl.try_borrow_mut_data()?;
    if HEADER + len > target.len() {
        drop(target);
        return refuse("idl: the IDL account is too small for the buffer (resize it first)", ProgramError::ACCOUNT_DATA_TOO_SMALL);
    }
    if HEADER + len > source.len() {
        return Err(ProgramError::INVALID_ACCOUNT_DATA);
    }
    // SAFETY: both ranges were checked against their accounts' lengths; distinct accounts.
    unsafe { core::ptr::copy_nonoverlapping(source.as_ptr().add(40), target.as_mut_ptr().add(40), 4 + len) };
    Ok(())
}

#[inline(never)]
fn set_authority(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    let [idl, authority, ..] = accounts else { return Err(ProgramError::NOT_ENOUGH_ACCOUNT_KEYS) };
    check_idl(program_id, idl, authority)?;
    let Some(new_authority) = args.first_chunk::<32>().filter(|_| args.len() == 32) else { return Err(ProgramError::INVALID_INSTRUCTION_DATA) };
    idl.try_borrow_mut_data()?[8..40].copy_from_slice(new_authority);
    Ok(())
}

#[inline(never)]
fn close(program_id: &Pubkey, accounts: &[AccountInfo], args: &[u8]) -> ProgramResult {
    no_args(args)?;
    let [idl, authority, destination, ..] = accounts else { return Err(ProgramError::NOT_ENOUGH_ACCOUNT_KEYS) };
    check_idl(program_id, idl, authority)?;
    if !destination.is_writable() {
        return Err(ProgramError::INVALID_ARGUMENT);
    }
    idl.close_to(destination)
}

#[inline(never)]
fn resize(program_id: &Pubkey, accounts: &[AccountInfo], data_len: u64) -> ProgramResult {
    let [idl, authority, _system, ..] = accounts else { return Err(ProgramError::NOT_ENOUGH_ACCOUNT_KEYS) };
    check_idl(program_id, idl, authority)?;
    if stored_len(&idl.try_borrow_data()?) != 0 {
        return refuse("idl: only an empty IDL account can be resized", ProgramError::INVALID_ACCOUNT_DATA);
    }
    let current = idl.data_len();
    let wanted = data_len as usize;
    if wanted <= current {
        return Ok(());
    }
    let new_len = current + core::cmp::min(wanted - current, MAX_STEP);
    let minimum = sysvar::rent_exempt_minimum(new_len)?;
    let have = idl.lamports();
    if minimum > have {
        system::transfer(authority, idl, minimum - have, &[])?;
    }
    idl.resize(new_len)
}
