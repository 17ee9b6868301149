//! The account view: a pointer into the loader's input buffer, with borrow tracking.
//!
//! Nothing is copied: [`AccountInfo`] points at the serialized account header (layout in
//! `entrypoint.rs`), so every write lands in the buffer the runtime reads back after the
//! instruction, and every CPI result is visible immediately.
//!
//! Borrow state lives in the header's first byte, which the loader wrote as the duplicate
//! marker (0xFF for a non-duplicate; duplicates are resolved at parse time to the same header,
//! so two `AccountInfo`s of one account share one state byte). After parsing, that byte is two
//! nibbles, lamports high and data low, each meaning:
//! - `0xF`: not borrowed (the loader's 0xFF is therefore "nothing borrowed"),
//! - `0xF - n` for `n` in 1..=14: `n` shared borrows live,
//! - `0x0`: one mutable borrow live.
//!
//! A mutable borrow needs the nibble at 0xF, a shared one needs it at 2 or more. So passing the
//! same writable account twice and writing through both fails with `ACCOUNT_BORROW_FAILED`
//! instead of aliasing. The 4 padding bytes after `executable` hold the data length at entry
//! (written by the entrypoint), which bounds [`AccountInfo::resize`].
use crate::error::{ProgramError, ProgramResult};
use crate::{math, Pubkey, SYSTEM_PROGRAM_ID};
use core::ops::{Deref, DerefMut};

/// How far an instruction may grow an account beyond its size at entry (10 KiB).
pub const MAX_PERMITTED_DATA_INCREASE: usize = 10 * 1024;
/// The runtime's hard cap on account size (10 MiB).
pub const MAX_PERMITTED_DATA_LENGTH: usize = 10 * 1024 * 1024;

/// The serialized account header, exactly as the loader writes it (88 bytes, 8-aligned).
#[repr(C)]
pub(crate) struct AccountHeader {
    pub(crate) borrow_state: u8,
    pub(crate) is_signer: u8,
    pub(crate) is_writable: u8,
    pub(crate) executable: u8,
    pub(crate) original_data_len: u32,
    pub(crate) key: Pubkey,
    pub(crate) owner: Pubkey,
    pub(crate) lamports: u64,
    pub(crate) data_len: u64,
}

const _: () = assert!(core::mem::size_of::<AccountHeader>() == 88);

const NOT_BORROWED: u8 = 0xFF;
const DATA: Nibble = Nibble { shift: 0 };
const LAMPORTS: Nibble = Nibble { shift: 4 };

#[derive(Clone, Copy)]
struct Nibble {
    shift: u8,
}

impl Nibble {
    #[inline(always)]
    fn get(self, state: u8) -> u8 {
        (state >> self.shift) & 0xF
    }
    #[inline(always)]
    fn unit(self) -> u8 {
        1 << self.shift
    }
    #[inline(always)]
    fn mask(self) -> u8 {
        0xF << self.shift
    }
}

/// One account of the instruction. `Copy`: it is only a pointer into the input.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct AccountInfo {
    raw: *mut AccountHeader,
}

impl AccountInfo {
    /// # Safety
    /// `raw` must point at a serialized account header that stays valid for the instruction,
    /// followed by its data and the 10 KiB realloc area.
    #[inline(always)]
    pub(crate) unsafe fn from_raw(raw: *mut AccountHeader) -> Self {
        AccountInfo { raw }
    }

    // Accessors go through field pointers, never a reference to the whole header, so they
    // do not overlap a live `RefMut` of the lamports.
    // SAFETY (all of them): `raw` points into the input buffer for the whole instruction.

    #[inline(always)]
    pub fn key(&self) -> &Pubkey {
        unsafe { &*core::ptr::addr_of!((*self.raw).key) }
    }

    /// The owner now (a CPI such as `assign` changes it in place).
    #[inline(always)]
    pub fn owner(&self) -> &Pubkey {
        unsafe { &*core::ptr::addr_of!((*self.raw).owner) }
    }

    #[inline(always)]
    pub fn is_signer(&self) -> bool {
        unsafe { (*self.raw).is_signer != 0 }
    }

    #[inline(always)]
    pub fn is_writable(&self) -> bool {
        unsafe { (*self.raw).is_writable != 0 }
    }

    #[inline(always)]
    pub fn executable(&self) -> bool {
        unsafe { (*self.raw).executable != 0 }
    }

    /// The balance now (a plain read; [`Self::try_borrow_mut_lamports`] to change it).
    #[inline(always)]
    pub fn lamports(&self) -> u64 {
        unsafe { core::ptr::addr_of!((*self.raw).lamports).read() }
    }

    /// The data length now (a CPI such as `allocate` changes it in place).
    #[inline(always)]
    pub fn data_len(&self) -> usize {
        unsafe { core::ptr::addr_of!((*self.raw).data_len).read() as usize }
    }

    #[inline(always)]
    pub fn data_is_empty(&self) -> bool {
        self.data_len() == 0
    }

    /// The data length when the instruction started (the base of the 10 KiB growth allowance).
    #[inline(always)]
    pub fn original_data_len(&self) -> usize {
        unsafe { (*self.raw).original_data_len as usize }
    }

    #[inline(always)]
    pub fn is_owned_by(&self, program: &Pubkey) -> bool {
        crate::pubkey_eq(self.owner(), program)
    }

    /// True when `other` is the same account (same header), e.g. a duplicate in the list.
    #[inline(always)]
    pub fn is_same(&self, other: &AccountInfo) -> bool {
        self.raw == other.raw
    }

    #[inline(always)]
    pub(crate) fn data_ptr(&self) -> *mut u8 {
        // SAFETY: the data follows the 88-byte header.
        unsafe { (self.raw as *mut u8).add(core::mem::size_of::<AccountHeader>()) }
    }

    #[inline(always)]
    pub(crate) fn lamports_ptr(&self) -> *mut u64 {
        // SAFETY: field of the header.
        unsafe { core::ptr::addr_of_mut!((*self.raw).lamports) }
    }

    #[inline(always)]
    pub(crate) fn owner_ptr(&self) -> *mut Pubkey {
        // SAFETY: field of the header.
        unsafe { core::ptr::addr_of_mut!((*self.raw).owner) }
    }

    #[inline(always)]
    fn state_ptr(&self) -> *mut u8 {
        // SAFETY: field of the header.
        unsafe { core::ptr::addr_of_mut!((*self.raw).borrow_state) }
    }

    #[inline(always)]
    pub(crate) fn borrow_state(&self) -> u8 {
        // SAFETY: field of the header.
        unsafe { *self.state_ptr() }
    }

    /// True when neither data nor lamports are borrowed at all.
    #[inline(always)]
    pub(crate) fn is_unborrowed(&self) -> bool {
        self.borrow_state() == NOT_BORROWED
    }

    /// True when neither data nor lamports are mutably borrowed.
    #[inline(always)]
    pub(crate) fn has_no_mut_borrow(&self) -> bool {
        let s = self.borrow_state();
        DATA.get(s) != 0 && LAMPORTS.get(s) != 0
    }

    #[inline(always)]
    fn acquire_shared(&self, which: Nibble) -> Result<(), ProgramError> {
        let s = self.borrow_state();
        if which.get(s) < 2 {
            return Err(ProgramError::ACCOUNT_BORROW_FAILED);
        }
        // SAFETY: header byte; single-threaded.
        unsafe { *self.state_ptr() = s - which.unit() };
        Ok(())
    }

    #[inline(always)]
    fn acquire_mut(&self, which: Nibble) -> Result<(), ProgramError> {
        let s = self.borrow_state();
        if which.get(s) != 0xF {
            return Err(ProgramError::ACCOUNT_BORROW_FAILED);
        }
        // SAFETY: header byte; single-threaded.
        unsafe { *self.state_ptr() = s & !which.mask() };
        Ok(())
    }

    /// Shared view of the data; fails while a mutable borrow is live.
    #[inline(always)]
    pub fn try_borrow_data(&self) -> Result<Ref<'_, [u8]>, ProgramError> {
        self.acquire_shared(DATA)?;
        // SAFETY: `data_len` initialised bytes follow the header; the borrow is recorded.
        let value = unsafe { core::slice::from_raw_parts(self.data_ptr(), self.data_len()) };
        Ok(Ref { value, state: self.state_ptr(), nibble: DATA })
    }

    /// Exclusive view of the data; fails while any borrow of the data is live.
    #[inline(always)]
    pub fn try_borrow_mut_data(&self) -> Result<RefMut<'_, [u8]>, ProgramError> {
        self.acquire_mut(DATA)?;
        // SAFETY: as above, and the borrow is exclusive.
        let value = unsafe { core::slice::from_raw_parts_mut(self.data_ptr(), self.data_len()) };
        Ok(RefMut { value, state: self.state_ptr(), nibble: DATA })
    }

    /// Shared view of the balance.
    #[inline(always)]
    pub fn try_borrow_lamports(&self) -> Result<Ref<'_, u64>, ProgramError> {
        self.acquire_shared(LAMPORTS)?;
        // SAFETY: header field; the borrow is recorded.
        let value = unsafe { &*self.lamports_ptr() };
        Ok(Ref { value, state: self.state_ptr(), nibble: LAMPORTS })
    }

    /// Exclusive view of the balance (the runtime checks the instruction stays balanced).
    #[inline(always)]
    pub fn try_borrow_mut_lamports(&self) -> Result<RefMut<'_, u64>, ProgramError> {
        self.acquire_mut(LAMPORTS)?;
        // SAFETY: header field; the borrow is exclusive.
        let value = unsafe { &mut *self.lamports_ptr() };
        Ok(RefMut { value, state: self.state_ptr(), nibble: LAMPORTS })
    }

    /// Sets the owner. The runtime only accepts this for a writable account this program
    /// owns whose data is all zero.
    ///
    /// # Safety
    /// No borrow of the data may be live: views typed for the old owner become meaningless.
    #[inline(always)]
    pub unsafe fn assign(&self, owner: &Pubkey) {
        *self.owner_ptr() = *owner;
    }

    /// Changes the data length in place, zero-filling any growth, within the runtime's limit
    /// (length at entry + 10 KiB). The caller pays for rent-exemption of the new size.
    #[inline(never)]
    pub fn resize(&self, new_len: usize) -> ProgramResult {
        if !self.is_unborrowed() {
            return Err(ProgramError::ACCOUNT_BORROW_FAILED);
        }
        let limit = self.original_data_len() + MAX_PERMITTED_DATA_INCREASE;
        if new_len > limit || new_len > MAX_PERMITTED_DATA_LENGTH {
            return Err(ProgramError::INVALID_REALLOC);
        }
        let old_len = self.data_len();
        if new_len > old_len {
            // Bytes past the current length may hold data from an earlier shrink.
            // SAFETY: within the data + realloc area the loader reserved.
            unsafe { core::ptr::write_bytes(self.data_ptr().add(old_len), 0, new_len - old_len) };
        }
        // SAFETY: header field.
        unsafe { (*self.raw).data_len = new_len as u64 };
        Ok(())
    }

    /// Closes the account: all lamports to `destination` (checked add), data zeroed, length 0,
    /// owner the system program, so this program can never load or revive it (it is garbage
    /// collected at the end of the transaction). Both must be writable; this program must own
    /// `self`; `destination` must be a different account.
    #[inline(never)]
    pub fn close_to(&self, destination: &AccountInfo) -> ProgramResult {
        if self.is_same(destination) {
            return Err(ProgramError::INVALID_ARGUMENT);
        }
        if !self.is_unborrowed() || LAMPORTS.get(destination.borrow_state()) != 0xF {
            return Err(ProgramError::ACCOUNT_BORROW_FAILED);
        }
        // SAFETY: both headers are valid and distinct; no borrows are live.
        unsafe {
            let total = math::checked_add(*destination.lamports_ptr(), *self.lamports_ptr())?;
            *destination.lamports_ptr() = total;
            *self.lamports_ptr() = 0;
            core::ptr::write_bytes(self.data_ptr(), 0, self.data_len());
            (*self.raw).data_len = 0;
            self.assign(&SYSTEM_PROGRAM_ID);
        }
        Ok(())
    }
}

/// A live shared borrow; released on drop.
pub struct Ref<'a, T: ?Sized> {
    value: &'a T,
    state: *mut u8,
    nibble: Nibble,
}

impl<'a, T: ?Sized> Ref<'a, T> {
    /// Narrows the borrow (e.g. bytes to a typed view) without releasing it.
    #[inline(always)]
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(orig: Ref<'a, T>, f: F) -> Ref<'a, U> {
        let r = Ref { value: f(orig.value), state: orig.state, nibble: orig.nibble };
        core::mem::forget(orig);
        r
    }
}

impl<T: ?Sized> Deref for Ref<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> Drop for Ref<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the header outlives the borrow; shared release is +1 on the nibble.
        unsafe { *self.state += self.nibble.unit() };
    }
}

/// A live exclusive borrow; released on drop.
pub struct RefMut<'a, T: ?Sized> {
    value: &'a mut T,
    state: *mut u8,
    nibble: Nibble,
}

impl<'a, T: ?Sized> RefMut<'a, T> {
    /// Narrows the borrow (e.g. bytes to a typed view) without releasing it.
    #[inline(always)]
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: RefMut<'a, T>, f: F) -> RefMut<'a, U> {
        let orig = core::mem::ManuallyDrop::new(orig);
        // SAFETY: `orig` is never used or dropped again; the reference moves into the result.
        let value = unsafe { core::ptr::read(&orig.value) };
        RefMut { value: f(value), state: orig.state, nibble: orig.nibble }
    }
}

impl<T: ?Sized> Deref for RefMut<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> DerefMut for RefMut<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        self.value
    }
}

impl<T: ?Sized> Drop for RefMut<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the header outlives the borrow; the nibble was 0, back to 0xF.
        unsafe { *self.state |= self.nibble.mask() };
    }
}
