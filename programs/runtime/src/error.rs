//! Errors: the raw Solana error word, and Anchor-format errors that Anchor clients understand.
//!
//! A program returns a u64 to the loader: a builtin error is its number shifted left by 32,
//! a custom error is the code itself (custom 0 is encoded as builtin 1). [`ProgramError`] holds
//! exactly that word in a `NonZeroU64`, so `Result<(), ProgramError>` is one register and the
//! entrypoint returns it unchanged.
//!
//! Anchor programs log one line before failing, and `@coral-xyz/anchor`'s `AnchorError.parse`
//! reads it back with these regexes (0.30.1, `ts/src/error.ts`):
//! `^Program log: AnchorError occurred\. Error Code: (.*)\. Error Number: (\d*)\. Error Message: (.*)\.`
//! `^Program log: AnchorError caused by account: (.*)\. Error Code: (.*)\. Error Number: (\d*)\. Error Message: (.*)\.`
//! [`fail`] and [`fail_account`] log those lines byte for byte (anchor-lang's `AnchorError::log`),
//! then return the custom code, so clients map our errors exactly as they map Anchor's.
use crate::log::LogBuffer;
use core::num::NonZeroU64;

/// The u64 a program returns on failure (never 0).
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ProgramError(NonZeroU64);

/// `Ok(())` is returned to the loader as 0, an error as its u64.
pub type ProgramResult = Result<(), ProgramError>;

const BUILTIN_SHIFT: u32 = 32;

impl ProgramError {
    /// A builtin error by its number in `solana-program-error` (`to_builtin!(n)`).
    const fn builtin(n: u64) -> Self {
        match NonZeroU64::new(n << BUILTIN_SHIFT) {
            Some(v) => ProgramError(v),
            None => panic!("builtin 0 does not exist"),
        }
    }

    /// `ProgramError::Custom(code)`; code 0 is encoded as the runtime does (builtin 1).
    #[inline(always)]
    pub const fn custom(code: u32) -> Self {
        match NonZeroU64::new(code as u64) {
            Some(v) => ProgramError(v),
            None => Self::CUSTOM_ZERO,
        }
    }

    /// Wraps a raw word returned by a syscall or the loader; `None` for 0 (success).
    #[inline(always)]
    pub const fn from_u64(raw: u64) -> Option<Self> {
        match NonZeroU64::new(raw) {
            Some(v) => Some(ProgramError(v)),
            None => None,
        }
    }

    /// The word the loader sees (`InstructionError::Custom(n)` or a builtin).
    #[inline(always)]
    pub const fn to_u64(self) -> u64 {
        self.0.get()
    }

    const CUSTOM_ZERO: Self = Self::builtin(1);
    pub const INVALID_ARGUMENT: Self = Self::builtin(2);
    pub const INVALID_INSTRUCTION_DATA: Self = Self::builtin(3);
    pub const INVALID_ACCOUNT_DATA: Self = Self::builtin(4);
    pub const ACCOUNT_DATA_TOO_SMALL: Self = Self::builtin(5);
    pub const INSUFFICIENT_FUNDS: Self = Self::builtin(6);
    pub const INCORRECT_PROGRAM_ID: Self = Self::builtin(7);
    pub const MISSING_REQUIRED_SIGNATURE: Self = Self::builtin(8);
    pub const ACCOUNT_ALREADY_INITIALIZED: Self = Self::builtin(9);
    pub const UNINITIALIZED_ACCOUNT: Self = Self::builtin(10);
    pub const NOT_ENOUGH_ACCOUNT_KEYS: Self = Self::builtin(11);
    pub const ACCOUNT_BORROW_FAILED: Self = Self::builtin(12);
    pub const MAX_SEED_LENGTH_EXCEEDED: Self = Self::builtin(13);
    pub const INVALID_SEEDS: Self = Self::builtin(14);
    pub const BORSH_IO_ERROR: Self = Self::builtin(15);
    pub const ACCOUNT_NOT_RENT_EXEMPT: Self = Self::builtin(16);
    pub const UNSUPPORTED_SYSVAR: Self = Self::builtin(17);
    pub const ILLEGAL_OWNER: Self = Self::builtin(18);
    pub const MAX_ACCOUNTS_DATA_ALLOCATIONS_EXCEEDED: Self = Self::builtin(19);
    pub const INVALID_REALLOC: Self = Self::builtin(20);
    pub const MAX_INSTRUCTION_TRACE_LENGTH_EXCEEDED: Self = Self::builtin(21);
    pub const BUILTIN_PROGRAMS_MUST_CONSUME_COMPUTE_UNITS: Self = Self::builtin(22);
    pub const INVALID_ACCOUNT_OWNER: Self = Self::builtin(23);
    pub const ARITHMETIC_OVERFLOW: Self = Self::builtin(24);
    pub const IMMUTABLE: Self = Self::builtin(25);
    pub const INCORRECT_AUTHORITY: Self = Self::builtin(26);
}

/// One Anchor-style error: its number, its Rust name (what clients show) and its message.
#[derive(Clone, Copy)]
pub struct ErrorInfo {
    pub code: u32,
    pub name: &'static str,
    pub message: &'static str,
}

/// Longest line we build: the longest Anchor message plus names fits with room to spare;
/// anything longer is cut at a character boundary rather than failing.
const LINE: usize = 400;

/// Logs `AnchorError occurred. Error Code: <name>. Error Number: <code>. Error Message: <msg>.`
/// and returns `ProgramError::custom(code)`.
#[cold]
#[inline(never)]
pub fn fail(e: &ErrorInfo) -> ProgramError {
    let mut line = LogBuffer::<LINE>::new();
    line.push_str("AnchorError occurred. ");
    log_error_line(&mut line, e);
    ProgramError::custom(e.code)
}

/// As [`fail`], naming the offending account the way Anchor's account checks do:
/// `AnchorError caused by account: <account>. Error Code: ...`.
#[cold]
#[inline(never)]
pub fn fail_account(e: &ErrorInfo, account: &str) -> ProgramError {
    let mut line = LogBuffer::<LINE>::new();
    line.push_str("AnchorError caused by account: ").push_str(account).push_str(". ");
    log_error_line(&mut line, e);
    ProgramError::custom(e.code)
}

#[inline(never)]
fn log_error_line(line: &mut LogBuffer<LINE>, e: &ErrorInfo) {
    line.push_str("Error Code: ")
        .push_str(e.name)
        .push_str(". Error Number: ")
        .push_u64(e.code as u64)
        .push_str(". Error Message: ")
        .push_str(e.message)
        .push_str(".");
    line.log();
}

/// anchor-lang 0.30.1's framework errors (`lang/src/error.rs`), names and messages verbatim;
/// the TypeScript client maps the numbers to the same names.
pub mod anchor {
    use super::ErrorInfo;

    macro_rules! anchor_errors {
        ($($konst:ident = $code:literal, $name:literal, $message:literal;)*) => {
            $(pub const $konst: ErrorInfo = ErrorInfo { code: $code, name: $name, message: $message };)*
        };
    }

    anchor_errors! {
        INSTRUCTION_MISSING = 100, "InstructionMissing", "8 byte instruction identifier not provided";
        INSTRUCTION_FALLBACK_NOT_FOUND = 101, "InstructionFallbackNotFound", "Fallback functions are not supported";
        INSTRUCTION_DID_NOT_DESERIALIZE = 102, "InstructionDidNotDeserialize", "The program could not deserialize the given instruction";
        INSTRUCTION_DID_NOT_SERIALIZE = 103, "InstructionDidNotSerialize", "The program could not serialize the given instruction";

        CONSTRAINT_MUT = 2000, "ConstraintMut", "A mut constraint was violated";
        CONSTRAINT_HAS_ONE = 2001, "ConstraintHasOne", "A has one constraint was violated";
        CONSTRAINT_SIGNER = 2002, "ConstraintSigner", "A signer constraint was violated";
        CONSTRAINT_RAW = 2003, "ConstraintRaw", "A raw constraint was violated";
        CONSTRAINT_OWNER = 2004, "ConstraintOwner", "An owner constraint was violated";
        CONSTRAINT_RENT_EXEMPT = 2005, "ConstraintRentExempt", "A rent exemption constraint was violated";
        CONSTRAINT_SEEDS = 2006, "ConstraintSeeds", "A seeds constraint was violated";
        CONSTRAINT_EXECUTABLE = 2007, "ConstraintExecutable", "An executable constraint was violated";
        CONSTRAINT_CLOSE = 2011, "ConstraintClose", "A close constraint was violated";
        CONSTRAINT_ADDRESS = 2012, "ConstraintAddress", "An address constraint was violated";
        CONSTRAINT_ZERO = 2013, "ConstraintZero", "Expected zero account discriminant";
        CONSTRAINT_TOKEN_MINT = 2014, "ConstraintTokenMint", "A token mint constraint was violated";
        CONSTRAINT_TOKEN_OWNER = 2015, "ConstraintTokenOwner", "A token owner constraint was violated";
        CONSTRAINT_MINT_MINT_AUTHORITY = 2016, "ConstraintMintMintAuthority", "A mint mint authority constraint was violated";
        CONSTRAINT_MINT_FREEZE_AUTHORITY = 2017, "ConstraintMintFreezeAuthority", "A mint freeze authority constraint was violated";
        CONSTRAINT_MINT_DECIMALS = 2018, "ConstraintMintDecimals", "A mint decimals constraint was violated";
        CONSTRAINT_SPACE = 2019, "ConstraintSpace", "A space constraint was violated";
        CONSTRAINT_ACCOUNT_IS_NONE = 2020, "ConstraintAccountIsNone", "A required account for the constraint is None";
        CONSTRAINT_TOKEN_TOKEN_PROGRAM = 2021, "ConstraintTokenTokenProgram", "A token account token program constraint was violated";
        CONSTRAINT_MINT_TOKEN_PROGRAM = 2022, "ConstraintMintTokenProgram", "A mint token program constraint was violated";

        REQUIRE_VIOLATED = 2500, "RequireViolated", "A require expression was violated";
        REQUIRE_EQ_VIOLATED = 2501, "RequireEqViolated", "A require_eq expression was violated";
        REQUIRE_KEYS_EQ_VIOLATED = 2502, "RequireKeysEqViolated", "A require_keys_eq expression was violated";
        REQUIRE_NEQ_VIOLATED = 2503, "RequireNeqViolated", "A require_neq expression was violated";
        REQUIRE_KEYS_NEQ_VIOLATED = 2504, "RequireKeysNeqViolated", "A require_keys_neq expression was violated";
        REQUIRE_GT_VIOLATED = 2505, "RequireGtViolated", "A require_gt expression was violated";
        REQUIRE_GTE_VIOLATED = 2506, "RequireGteViolated", "A require_gte expression was violated";

        ACCOUNT_DISCRIMINATOR_ALREADY_SET = 3000, "AccountDiscriminatorAlreadySet", "The account discriminator was already set on this account";
        ACCOUNT_DISCRIMINATOR_NOT_FOUND = 3001, "AccountDiscriminatorNotFound", "No 8 byte discriminator was found on the account";
        ACCOUNT_DISCRIMINATOR_MISMATCH = 3002, "AccountDiscriminatorMismatch", "8 byte discriminator did not match what was expected";
        ACCOUNT_DID_NOT_DESERIALIZE = 3003, "AccountDidNotDeserialize", "Failed to deserialize the account";
        ACCOUNT_DID_NOT_SERIALIZE = 3004, "AccountDidNotSerialize", "Failed to serialize the account";
        ACCOUNT_NOT_ENOUGH_KEYS = 3005, "AccountNotEnoughKeys", "Not enough account keys given to the instruction";
        ACCOUNT_NOT_MUTABLE = 3006, "AccountNotMutable", "The given account is not mutable";
        ACCOUNT_OWNED_BY_WRONG_PROGRAM = 3007, "AccountOwnedByWrongProgram", "The given account is owned by a different program than expected";
        INVALID_PROGRAM_ID = 3008, "InvalidProgramId", "Program ID was not as expected";
        INVALID_PROGRAM_EXECUTABLE = 3009, "InvalidProgramExecutable", "Program account is not executable";
        ACCOUNT_NOT_SIGNER = 3010, "AccountNotSigner", "The given account did not sign";
        ACCOUNT_NOT_SYSTEM_OWNED = 3011, "AccountNotSystemOwned", "The given account is not owned by the system program";
        ACCOUNT_NOT_INITIALIZED = 3012, "AccountNotInitialized", "The program expected this account to be already initialized";
        ACCOUNT_NOT_PROGRAM_DATA = 3013, "AccountNotProgramData", "The given account is not a program data account";
        ACCOUNT_NOT_ASSOCIATED_TOKEN_ACCOUNT = 3014, "AccountNotAssociatedTokenAccount", "The given account is not the associated token account";
        ACCOUNT_SYSVAR_MISMATCH = 3015, "AccountSysvarMismatch", "The given public key does not match the required sysvar";
        ACCOUNT_REALLOC_EXCEEDS_LIMIT = 3016, "AccountReallocExceedsLimit", "The account reallocation exceeds the MAX_PERMITTED_DATA_INCREASE limit";
        ACCOUNT_DUPLICATE_REALLOCS = 3017, "AccountDuplicateReallocs", "The account was duplicated for more than one reallocation";

        DECLARED_PROGRAM_ID_MISMATCH = 4100, "DeclaredProgramIdMismatch", "The declared program id does not match the actual program id";
        TRYING_TO_INIT_PAYER_AS_PROGRAM_ACCOUNT = 4101, "TryingToInitPayerAsProgramAccount", "You cannot/should not initialize the payer account as a program account";
        INVALID_NUMERIC_CONVERSION = 4102, "InvalidNumericConversion", "Error during numeric conversion";
    }
}
