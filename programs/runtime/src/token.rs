//! Classic SPL Token (`TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`): zero-copy views of mints
//! and token accounts, and the CPIs our programs make.
//!
//! The views are `#[repr(C)]` structs of byte arrays (alignment 1) over the account data, the
//! exact `Pack` layout of spl-token: `COption` is a u32 LE tag (0 or 1) then the value.
//! Loaders check owner, exact length and initialisation and return builtin errors without
//! logging, so callers report their own Anchor error naming the account:
//! wrong owner `INVALID_ACCOUNT_OWNER`, wrong length `INVALID_ACCOUNT_DATA`, not initialised
//! `UNINITIALIZED_ACCOUNT`, data mutably borrowed `ACCOUNT_BORROW_FAILED`.
use crate::account::{AccountInfo, Ref};
use crate::cpi::{invoke_signed, AccountMeta, Instruction};
use crate::error::{ProgramError, ProgramResult};
use crate::system::{init_pda_account_with, InitPda};
use crate::Pubkey;

/// `TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`
pub const TOKEN_PROGRAM_ID: Pubkey = [
    0x06, 0xdd, 0xf6, 0xe1, 0xd7, 0x65, 0xa1, 0x93, 0xd9, 0xcb, 0xe1, 0x46, 0xce, 0xeb, 0x79, 0xac, 0x1c, 0xb4, 0x85,
    0xed, 0x5f, 0x5b, 0x37, 0x91, 0x3a, 0x8c, 0xf5, 0x85, 0x7e, 0xff, 0x00, 0xa9,
];

/// `ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL`
pub const ASSOCIATED_TOKEN_PROGRAM_ID: Pubkey = [
    0x8c, 0x97, 0x25, 0x8f, 0x4e, 0x24, 0x89, 0xf1, 0xbb, 0x3d, 0x10, 0x29, 0x14, 0x8e, 0x0d, 0x83, 0x0b, 0x5a, 0x13,
    0x99, 0xda, 0xff, 0x10, 0x84, 0x04, 0x8e, 0x7b, 0xd8, 0xdb, 0xe9, 0xf8, 0x59,
];

pub const MINT_LEN: usize = 82;
pub const TOKEN_ACCOUNT_LEN: usize = 165;

/// `COption<Pubkey>`: u32 tag, then the key.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct COptionPubkey {
    tag: [u8; 4],
    value: Pubkey,
}

impl COptionPubkey {
    #[inline(always)]
    pub fn get(&self) -> Option<&Pubkey> {
        if self.tag[0] != 0 {
            Some(&self.value)
        } else {
            None
        }
    }
}

/// spl-token `Mint` (82 bytes).
#[repr(C)]
pub struct Mint {
    mint_authority: COptionPubkey,
    supply: [u8; 8],
    decimals: u8,
    is_initialized: u8,
    freeze_authority: COptionPubkey,
}

/// spl-token `Account` (165 bytes).
#[repr(C)]
pub struct TokenAccount {
    mint: Pubkey,
    owner: Pubkey,
    amount: [u8; 8],
    delegate: COptionPubkey,
    state: u8,
    is_native: [u8; 4],
    native_reserve: [u8; 8],
    delegated_amount: [u8; 8],
    close_authority: COptionPubkey,
}

const _: () = assert!(core::mem::size_of::<Mint>() == MINT_LEN && core::mem::align_of::<Mint>() == 1);
const _: () = assert!(core::mem::size_of::<TokenAccount>() == TOKEN_ACCOUNT_LEN);
const _: () = assert!(core::mem::align_of::<TokenAccount>() == 1);

/// Token account states.
pub const ACCOUNT_STATE_UNINITIALIZED: u8 = 0;
pub const ACCOUNT_STATE_INITIALIZED: u8 = 1;
pub const ACCOUNT_STATE_FROZEN: u8 = 2;

/// Borrows `info`'s data as a `T` of exactly `len` bytes owned by the token program.
#[inline(always)]
fn load_token_view<T>(info: &AccountInfo, len: usize) -> Result<Ref<'_, T>, ProgramError> {
    if !info.is_owned_by(&TOKEN_PROGRAM_ID) {
        return Err(ProgramError::INVALID_ACCOUNT_OWNER);
    }
    if info.data_len() != len {
        return Err(ProgramError::INVALID_ACCOUNT_DATA);
    }
    let data = info.try_borrow_data()?;
    // SAFETY: exactly `len == size_of::<T>()` bytes; T has alignment 1 and no invalid values.
    Ok(Ref::map(data, |bytes| unsafe { &*(bytes.as_ptr() as *const T) }))
}

impl Mint {
    /// The mint in `info`, checked (see the module doc for the errors).
    #[inline(always)]
    pub fn load(info: &AccountInfo) -> Result<Ref<'_, Mint>, ProgramError> {
        let mint = load_token_view::<Mint>(info, MINT_LEN)?;
        if mint.is_initialized == 0 {
            return Err(ProgramError::UNINITIALIZED_ACCOUNT);
        }
        Ok(mint)
    }

    #[inline(always)]
    pub fn mint_authority(&self) -> Option<&Pubkey> {
        self.mint_authority.get()
    }
    #[inline(always)]
    pub fn supply(&self) -> u64 {
        u64::from_le_bytes(self.supply)
    }
    #[inline(always)]
    pub fn decimals(&self) -> u8 {
        self.decimals
    }
    #[inline(always)]
    pub fn is_initialized(&self) -> bool {
        self.is_initialized != 0
    }
    #[inline(always)]
    pub fn freeze_authority(&self) -> Option<&Pubkey> {
        self.freeze_authority.get()
    }
}

impl TokenAccount {
    /// The token account in `info`, checked (see the module doc for the errors).
    #[inline(always)]
    pub fn load(info: &AccountInfo) -> Result<Ref<'_, TokenAccount>, ProgramError> {
        let account = load_token_view::<TokenAccount>(info, TOKEN_ACCOUNT_LEN)?;
        if account.state == ACCOUNT_STATE_UNINITIALIZED {
            return Err(ProgramError::UNINITIALIZED_ACCOUNT);
        }
        Ok(account)
    }

    #[inline(always)]
    pub fn mint(&self) -> &Pubkey {
        &self.mint
    }
    #[inline(always)]
    pub fn owner(&self) -> &Pubkey {
        &self.owner
    }
    #[inline(always)]
    pub fn amount(&self) -> u64 {
        u64::from_le_bytes(self.amount)
    }
    #[inline(always)]
    pub fn delegate(&self) -> Option<&Pubkey> {
        self.delegate.get()
    }
    #[inline(always)]
    pub fn state(&self) -> u8 {
        self.state
    }
    #[inline(always)]
    pub fn is_frozen(&self) -> bool {
        self.state == ACCOUNT_STATE_FROZEN
    }
    /// `Some(rent-exempt reserve)` for wrapped SOL accounts.
    #[inline(always)]
    pub fn is_native(&self) -> Option<u64> {
        if self.is_native[0] != 0 {
            Some(u64::from_le_bytes(self.native_reserve))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn delegated_amount(&self) -> u64 {
        u64::from_le_bytes(self.delegated_amount)
    }
    #[inline(always)]
    pub fn close_authority(&self) -> Option<&Pubkey> {
        self.close_authority.get()
    }
}

const IX_TRANSFER: u8 = 3;
const IX_BURN: u8 = 8;
const IX_CLOSE_ACCOUNT: u8 = 9;
const IX_TRANSFER_CHECKED: u8 = 12;
const IX_INITIALIZE_ACCOUNT3: u8 = 18;

/// Moves `amount` from `from` to `to`, `authority` signing (a PDA through `signers`). The
/// Token program checks that both accounts hold the same mint; callers check which mint.
/// Cheaper than `transfer_checked` (no mint account to load).
#[inline(always)]
pub fn transfer(from: &AccountInfo, to: &AccountInfo, authority: &AccountInfo, amount: u64, signers: &[&[&[u8]]]) -> ProgramResult {
    let mut data = [0u8; 9];
    data[0] = IX_TRANSFER;
    data[1..9].copy_from_slice(&amount.to_le_bytes());
    let metas = [AccountMeta::writable(from.key()), AccountMeta::writable(to.key()), AccountMeta::signer(authority.key())];
    let ix = Instruction { program_id: &TOKEN_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[from, to, authority], signers)
}

/// Moves `amount` from `from` to `to` (both of `mint`), `authority` signing (a PDA through
/// `signers`). `decimals` must match the mint, so a wrong mint cannot slip through.
#[inline(always)]
pub fn transfer_checked(
    from: &AccountInfo,
    mint: &AccountInfo,
    to: &AccountInfo,
    authority: &AccountInfo,
    amount: u64,
    decimals: u8,
    signers: &[&[&[u8]]],
) -> ProgramResult {
    let mut data = [0u8; 10];
    data[0] = IX_TRANSFER_CHECKED;
    data[1..9].copy_from_slice(&amount.to_le_bytes());
    data[9] = decimals;
    let metas = [
        AccountMeta::writable(from.key()),
        AccountMeta::readonly(mint.key()),
        AccountMeta::writable(to.key()),
        AccountMeta::signer(authority.key()),
    ];
    let ix = Instruction { program_id: &TOKEN_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[from, mint, to, authority], signers)
}

/// Burns `amount` from `account` (of `mint`), `authority` signing.
#[inline(always)]
pub fn burn(
    account: &AccountInfo,
    mint: &AccountInfo,
    authority: &AccountInfo,
    amount: u64,
    signers: &[&[&[u8]]],
) -> ProgramResult {
    let mut data = [0u8; 9];
    data[0] = IX_BURN;
    data[1..9].copy_from_slice(&amount.to_le_bytes());
    let metas =
        [AccountMeta::writable(account.key()), AccountMeta::writable(mint.key()), AccountMeta::signer(authority.key())];
    let ix = Instruction { program_id: &TOKEN_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[account, mint, authority], signers)
}

/// Initialises a 165-byte account owned by the token program as a token account of `mint`
/// held by `owner` (no rent sysvar account needed, unlike `InitializeAccount`).
#[inline(never)]
pub fn initialize_account3(account: &AccountInfo, mint: &AccountInfo, owner: &Pubkey) -> ProgramResult {
    let mut data = [0u8; 33];
    data[0] = IX_INITIALIZE_ACCOUNT3;
    data[1..33].copy_from_slice(owner);
    let metas = [AccountMeta::writable(account.key()), AccountMeta::readonly(mint.key())];
    let ix = Instruction { program_id: &TOKEN_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[account, mint], &[])
}

/// Closes an empty token `account`, its lamports to `destination`, `authority` signing.
#[inline(never)]
pub fn close_account(
    account: &AccountInfo,
    destination: &AccountInfo,
    authority: &AccountInfo,
    signers: &[&[&[u8]]],
) -> ProgramResult {
    let data = [IX_CLOSE_ACCOUNT];
    let metas = [
        AccountMeta::writable(account.key()),
        AccountMeta::writable(destination.key()),
        AccountMeta::signer(authority.key()),
    ];
    let ix = Instruction { program_id: &TOKEN_PROGRAM_ID, accounts: &metas, data: &data };
    invoke_signed(&ix, &[account, destination, authority], signers)
}

/// Creates the PDA `account` (seeds in `signer_seeds`, bump last) as a rent-exempt token
/// account of `mint` held by `owner`, paid by `payer`; survives pre-funding like
/// `system::init_pda_account`.
#[inline(always)]
pub fn init_pda_token_account(
    payer: &AccountInfo,
    account: &AccountInfo,
    mint: &AccountInfo,
    owner: &Pubkey,
    signer_seeds: &[&[u8]],
) -> ProgramResult {
    init_pda_token_account_with(
        &InitPda { payer, account, space: TOKEN_ACCOUNT_LEN as u64, owner: &TOKEN_PROGRAM_ID, signer_seeds },
        mint,
        owner,
    )
}

#[inline(never)]
fn init_pda_token_account_with(p: &InitPda, mint: &AccountInfo, owner: &Pubkey) -> ProgramResult {
    init_pda_account_with(p)?;
    initialize_account3(p.account, mint, owner)
}
