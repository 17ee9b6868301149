//! Borsh reading and writing over byte slices, without copies or an allocator.
//!
//! For variable or hand-laid-out data (CPI instruction data, foreign accounts). Fixed-size
//! program types use zero-copy structs instead (see `state.rs`). A short read or an invalid
//! `bool`/`Option` tag is `INVALID_INSTRUCTION_DATA`, which callers reading instruction
//! arguments report as Anchor's `InstructionDidNotDeserialize`.
use crate::error::{ProgramError, ProgramResult};
use crate::Pubkey;

pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    #[inline(always)]
    pub fn position(&self) -> usize {
        self.pos
    }

    #[inline(always)]
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The next `N` bytes, by reference.
    #[inline(always)]
    pub fn read_bytes<const N: usize>(&mut self) -> Result<&'a [u8; N], ProgramError> {
        if self.remaining() < N {
            return Err(ProgramError::INVALID_INSTRUCTION_DATA);
        }
        // SAFETY: `N` bytes are in bounds; `[u8; N]` has alignment 1.
        let bytes = unsafe { &*(self.data.as_ptr().add(self.pos) as *const [u8; N]) };
        self.pos += N;
        Ok(bytes)
    }

    /// The next `len` bytes, by reference.
    #[inline(always)]
    pub fn read_slice(&mut self, len: usize) -> Result<&'a [u8], ProgramError> {
        if self.remaining() < len {
            return Err(ProgramError::INVALID_INSTRUCTION_DATA);
        }
        let slice = &self.data[self.pos..self.pos + len];
        self.pos += len;
        Ok(slice)
    }

    /// Borsh `Vec<u8>` / `String` bytes: u32 length, then the bytes.
    #[inline(always)]
    pub fn read_vec_u8(&mut self) -> Result<&'a [u8], ProgramError> {
        let len = self.read_u32()? as usize;
        self.read_slice(len)
    }

    #[inline(always)]
    pub fn read_u8(&mut self) -> Result<u8, ProgramError> {
        Ok(self.read_bytes::<1>()?[0])
    }

    #[inline(always)]
    pub fn read_u16(&mut self) -> Result<u16, ProgramError> {
        Ok(u16::from_le_bytes(*self.read_bytes::<2>()?))
    }

    #[inline(always)]
    pub fn read_u32(&mut self) -> Result<u32, ProgramError> {
        Ok(u32::from_le_bytes(*self.read_bytes::<4>()?))
    }

    #[inline(always)]
    pub fn read_u64(&mut self) -> Result<u64, ProgramError> {
        Ok(u64::from_le_bytes(*self.read_bytes::<8>()?))
    }

    #[inline(always)]
    pub fn read_i64(&mut self) -> Result<i64, ProgramError> {
        Ok(i64::from_le_bytes(*self.read_bytes::<8>()?))
    }

    /// Borsh bool: exactly 0 or 1.
    #[inline(always)]
    pub fn read_bool(&mut self) -> Result<bool, ProgramError> {
        match self.read_u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ProgramError::INVALID_INSTRUCTION_DATA),
        }
    }

    #[inline(always)]
    pub fn read_pubkey(&mut self) -> Result<&'a Pubkey, ProgramError> {
        self.read_bytes::<32>()
    }

    /// Borsh `Option<Pubkey>`: tag 0, or tag 1 and 32 bytes.
    #[inline(always)]
    pub fn read_option_pubkey(&mut self) -> Result<Option<&'a Pubkey>, ProgramError> {
        match self.read_u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.read_pubkey()?)),
            _ => Err(ProgramError::INVALID_INSTRUCTION_DATA),
        }
    }

    /// Succeeds only when every byte was read (Borsh rejects trailing bytes).
    #[inline(always)]
    pub fn finish(&self) -> ProgramResult {
        if self.pos != self.data.len() {
            return Err(ProgramError::INVALID_INSTRUCTION_DATA);
        }
        Ok(())
    }
}

/// Writes Borsh into a caller-provided buffer; running out of room is `ACCOUNT_DATA_TOO_SMALL`.
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    #[inline(always)]
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    /// Bytes written so far.
    #[inline(always)]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The bytes written so far.
    #[inline(always)]
    pub fn written(&self) -> &[u8] {
        &self.buf[..self.pos]
    }

    #[inline(always)]
    pub fn write_bytes(&mut self, bytes: &[u8]) -> ProgramResult {
        let end = self.pos + bytes.len();
        if end > self.buf.len() {
            return Err(ProgramError::ACCOUNT_DATA_TOO_SMALL);
        }
        self.buf[self.pos..end].copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    #[inline(always)]
    pub fn write_u8(&mut self, v: u8) -> ProgramResult {
        self.write_bytes(&[v])
    }

    #[inline(always)]
    pub fn write_u16(&mut self, v: u16) -> ProgramResult {
        self.write_bytes(&v.to_le_bytes())
    }

    #[inline(always)]
    pub fn write_u32(&mut self, v: u32) -> ProgramResult {
        self.write_bytes(&v.to_le_bytes())
    }

    #[inline(always)]
    pub fn write_u64(&mut self, v: u64) -> ProgramResult {
        self.write_bytes(&v.to_le_bytes())
    }

    #[inline(always)]
    pub fn write_i64(&mut self, v: i64) -> ProgramResult {
        self.write_bytes(&v.to_le_bytes())
    }

    #[inline(always)]
    pub fn write_bool(&mut self, v: bool) -> ProgramResult {
        self.write_u8(v as u8)
    }

    #[inline(always)]
    pub fn write_pubkey(&mut self, key: &Pubkey) -> ProgramResult {
        self.write_bytes(key)
    }

    #[inline(always)]
    pub fn write_option_pubkey(&mut self, key: Option<&Pubkey>) -> ProgramResult {
        match key {
            None => self.write_u8(0),
            Some(key) => {
                self.write_u8(1)?;
                self.write_pubkey(key)
            }
        }
    }

    /// Borsh `Vec<u8>` / `String`: u32 length, then the bytes.
    #[inline(always)]
    pub fn write_vec_u8(&mut self, bytes: &[u8]) -> ProgramResult {
        let len = u32::try_from(bytes.len()).map_err(|_| ProgramError::INVALID_ARGUMENT)?;
        self.write_u32(len)?;
        self.write_bytes(bytes)
    }
}
