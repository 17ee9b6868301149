//! The Solana syscalls we use, declared by hand.
//!
//! The loader resolves each by the murmur3 hash of its name (the linker emits an
//! `R_BPF_64_32` relocation per `call`), so the names must match the runtime exactly. Slices
//! passed as "arrays of byte slices" (`vals`, `seeds`) are Rust `&[&[u8]]`: a fat pointer is
//! `(ptr, len as u64)` on this target, the same layout as the runtime's `SolBytes`.
extern "C" {
    pub fn sol_log_(message: *const u8, len: u64);
    pub fn sol_log_64_(a: u64, b: u64, c: u64, d: u64, e: u64);
    pub fn sol_log_pubkey(pubkey: *const u8);
    pub fn sol_log_data(slices: *const u8, count: u64);
    pub fn sol_log_compute_units_();
    pub fn sol_sha256(slices: *const u8, count: u64, out: *mut u8) -> u64;
    pub fn sol_create_program_address(seeds: *const u8, count: u64, program_id: *const u8, out: *mut u8) -> u64;
    pub fn sol_try_find_program_address(
        seeds: *const u8,
        count: u64,
        program_id: *const u8,
        out: *mut u8,
        bump: *mut u8,
    ) -> u64;
    pub fn sol_invoke_signed_c(
        instruction: *const u8,
        account_infos: *const u8,
        account_infos_len: u64,
        signers_seeds: *const u8,
        signers_seeds_len: u64,
    ) -> u64;
    pub fn sol_get_clock_sysvar(out: *mut u8) -> u64;
    pub fn sol_get_rent_sysvar(out: *mut u8) -> u64;
    pub fn sol_set_return_data(data: *const u8, len: u64);
    pub fn sol_memcpy_(dst: *mut u8, src: *const u8, n: u64);
    pub fn sol_memmove_(dst: *mut u8, src: *const u8, n: u64);
    pub fn sol_memset_(dst: *mut u8, value: u8, n: u64);
    pub fn sol_memcmp_(a: *const u8, b: *const u8, n: u64, result: *mut i32);
    pub fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> !;
    pub fn abort() -> !;
    pub fn sol_get_stack_height() -> u64;
}
