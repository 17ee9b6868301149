import * as path from 'node:path';

/** Debian's rustc (rustc-web). Never the rustup one in ~/.cargo/bin: it has no sources for this target. */
export const RUSTC = '/usr/bin/rustc';
/** LLVM matching rustc-web 1.96 (built on LLVM 22). */
export const LLVM_BIN = '/usr/lib/llvm-22/bin';
export const LLVM_TOOLS = ['llvm-link', 'opt', 'llc', 'llvm-ar'] as const;
export const RUSTC_RELEASE_PREFIX = '1.96.';
export const LLVM_MAJOR = '22';
export const APT_PACKAGES = ['rustc-web', 'rust-web-src', 'cargo-web', 'llvm-22'] as const;

export const TARGET = 'bpfel-unknown-none';

/** Repository root (tools/sbf/ is two levels down). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'sbf');

/** Flags shared by every crate of the sysroot (core, compiler_builtins). */
export const SYSROOT_COMMON_FLAGS = [
  '--target', TARGET,
  '-C', 'opt-level=3',
  '-C', 'panic=abort',
  '-C', 'codegen-units=1',
  '-C', 'debuginfo=0',
  '-Z', 'force-unstable-if-unmarked',
  '--cap-lints', 'allow',
] as const;

/** Extra flags of compiler_builtins: intrinsics on, its `mem` feature off (programs bring memcpy & co). */
export const COMPILER_BUILTINS_FLAGS = [
  '--cfg', 'feature="compiler-builtins"',
  '--cfg', 'feature="mem-unaligned"',
  '--cfg', 'feature="unstable-intrinsics"',
  '--cfg', 'intrinsics_enabled',
  '--cfg', 'optimizations_enabled',
] as const;

export const COMPILER_BUILTINS_ENV = {
  CFG_CARGO_FEATURES: '["compiler-builtins"]',
  CFG_OPT_LEVEL: '3',
  CFG_TARGET_FEATURES: '[]',
} as const;

/**
 * Flags of program crates and their libraries. Only opt-level=3 builds: s/z un-inline core's
 * slice indexing and hit the BPF backend's argument/return limits.
 */
export const PROGRAM_FLAGS = [
  '--target', TARGET,
  '-C', 'opt-level=3',
  '-C', 'panic=abort',
  '-C', 'codegen-units=1',
  '-C', 'target-cpu=v2',
  '-C', 'debuginfo=0',
] as const;

/** Symbols kept global by `internalize`; everything else may be inlined away or dropped. */
export const EXPORTED_SYMBOLS = ['entrypoint', 'memcpy', 'memmove', 'memset', 'memcmp'] as const;

export const OPT_PASSES = 'internalize,default<O3>';

/**
 * SBPF v0: `v2` avoids 32-bit jumps/ALU and sign-extending moves; 4 KiB is the Solana frame.
 * The SBPF VM allows misaligned loads and stores, so 8-byte reads of keys and Borsh fields
 * need not be split into byte loads (smaller programs, fewer compute units).
 */
export const LLC_FLAGS = [
  '-march=bpfel',
  '-mcpu=v2',
  '-mattr=+allows-misaligned-mem-access',
  '-filetype=obj',
  '-O3',
  '-relocation-model=static',
  '-bpf-stack-size=4096',
] as const;

export const STACK_FRAME_SIZE = 4096;
/** Virtual address of the program region in the SBPF VM (MM_REGION_SIZE * 1). */
export const MM_PROGRAM_START = 0x1_0000_0000n;
