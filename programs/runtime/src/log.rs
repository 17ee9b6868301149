//! Program logs without `core::fmt` (which would add ~10 KB to every program).
//!
//! Each `sol_log_` call is one "Program log: ..." line, so a message with numbers or keys in it
//! is assembled in a [`LogBuffer`] on the stack first and logged once.
use crate::syscalls;
use crate::Pubkey;
use core::mem::MaybeUninit;

/// Logs `msg` as one line.
#[inline(always)]
pub fn log(msg: &str) {
    // SAFETY: the syscall reads `len` bytes at `ptr`.
    unsafe { syscalls::sol_log_(msg.as_ptr(), msg.len() as u64) }
}

/// Logs `v` in decimal.
#[inline(never)]
pub fn log_u64(v: u64) {
    let mut line = LogBuffer::<20>::new();
    line.push_u64(v);
    line.log();
}

/// Logs five values in hex on one line (the runtime's own format, cheapest).
#[inline(always)]
pub fn log_64(a: u64, b: u64, c: u64, d: u64, e: u64) {
    // SAFETY: no pointers involved.
    unsafe { syscalls::sol_log_64_(a, b, c, d, e) }
}

/// Logs `key` in base58 (done by the runtime: cheaper than [`LogBuffer::push_pubkey_base58`]).
#[inline(always)]
pub fn log_pubkey(key: &Pubkey) {
    // SAFETY: the syscall reads 32 bytes.
    unsafe { syscalls::sol_log_pubkey(key.as_ptr()) }
}

/// Logs "Program consumption: N units remaining".
#[inline(always)]
pub fn log_compute_units() {
    // SAFETY: no arguments.
    unsafe { syscalls::sol_log_compute_units_() }
}

/// A fixed-capacity UTF-8 line built on the stack. Text that does not fit is cut at a
/// character boundary and everything pushed after that is dropped, so a line is never corrupt.
pub struct LogBuffer<const N: usize> {
    buf: [MaybeUninit<u8>; N],
    len: usize,
    full: bool,
}

impl<const N: usize> LogBuffer<N> {
    /// An empty line (the bytes are not initialised: nothing is read past `len`).
    #[inline(always)]
    pub const fn new() -> Self {
        LogBuffer { buf: [MaybeUninit::uninit(); N], len: 0, full: false }
    }

    #[inline(never)]
    pub fn push_str(&mut self, s: &str) -> &mut Self {
        if self.full {
            return self;
        }
        let room = N - self.len;
        let mut n = s.len();
        if n > room {
            // Cut before the first byte that does not fit, backing off UTF-8 continuation bytes.
            n = room;
            while n > 0 && !s.is_char_boundary(n) {
                n -= 1;
            }
            self.full = true;
        }
        // SAFETY: `n` bytes fit at `len`; source and destination are distinct buffers.
        unsafe {
            core::ptr::copy_nonoverlapping(s.as_ptr(), self.buf.as_mut_ptr().add(self.len) as *mut u8, n);
        }
        self.len += n;
        self
    }

    #[inline(always)]
    pub fn push_u64(&mut self, v: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let start = format_u64(v, &mut digits);
        // SAFETY: ASCII digits.
        self.push_str(unsafe { core::str::from_utf8_unchecked(&digits[start..]) })
    }

    /// Signed decimal; the magnitude is taken unsigned (no signed division on this target).
    #[inline(always)]
    pub fn push_i64(&mut self, v: i64) -> &mut Self {
        if v < 0 {
            self.push_str("-");
        }
        self.push_u64(v.unsigned_abs())
    }

    /// The key in base58, as explorers and `PublicKey.toBase58()` print it.
    #[inline(always)]
    pub fn push_pubkey_base58(&mut self, key: &Pubkey) -> &mut Self {
        let mut text = [0u8; 45];
        let len = format_base58(key, &mut text);
        // SAFETY: the base58 alphabet is ASCII.
        self.push_str(unsafe { core::str::from_utf8_unchecked(&text[..len]) })
    }

    #[inline(always)]
    pub fn as_str(&self) -> &str {
        // SAFETY: the first `len` bytes were written from whole UTF-8 sequences.
        unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.buf.as_ptr() as *const u8, self.len)) }
    }

    /// Logs the line built so far.
    #[inline(always)]
    pub fn log(&self) {
        // SAFETY: the syscall reads `len` initialised bytes.
        unsafe { syscalls::sol_log_(self.buf.as_ptr() as *const u8, self.len as u64) }
    }
}

impl<const N: usize> Default for LogBuffer<N> {
    #[inline(always)]
    fn default() -> Self {
        Self::new()
    }
}

// The formatting itself is not generic over the buffer size, so each program has one copy.

/// Writes `v` in decimal at the end of `digits`; returns where the digits start.
#[inline(never)]
fn format_u64(mut v: u64, digits: &mut [u8; 20]) -> usize {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return at;
        }
    }
}

/// Writes `key` in base58 at the start of `text`; returns the length.
///
/// The 256-bit number is divided by 58^5 (which fits in 32 bits) over eight 32-bit limbs,
/// five digits per pass: about 80 native divisions in all.
#[inline(never)]
fn format_base58(key: &Pubkey, text: &mut [u8; 45]) -> usize {
    const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    const CHUNK: u64 = 58 * 58 * 58 * 58 * 58;
    let mut limbs = [0u32; 8];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u32::from_be_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
    }
    // Digits, least significant first; 9 passes of 5 cover the 44 digits of 2^256.
    let mut digits = [0u8; 45];
    let mut count = 0;
    let mut first = 0; // limbs before `first` are zero
    while first < limbs.len() {
        let mut rem = 0u64;
        for limb in limbs[first..].iter_mut() {
            let cur = (rem << 32) | *limb as u64;
            *limb = (cur / CHUNK) as u32;
            rem = cur % CHUNK;
        }
        while first < limbs.len() && limbs[first] == 0 {
            first += 1;
        }
        for _ in 0..5 {
            digits[count] = (rem % 58) as u8;
            rem /= 58;
            count += 1;
        }
    }
    // Drop the zero digits the last pass padded on top, then one '1' per leading zero byte.
    while count > 0 && digits[count - 1] == 0 {
        count -= 1;
    }
    let zeros = key.iter().take_while(|b| **b == 0).count();
    let mut len = 0;
    while len < zeros {
        text[len] = b'1';
        len += 1;
    }
    while count > 0 {
        count -= 1;
        text[len] = ALPHABET[digits[count] as usize];
        len += 1;
    }
    len
}
