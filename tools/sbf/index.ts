/** Peer Cycles' Solana program toolchain: Debian rustc + LLVM 22 → SBPF v0 shared objects. */
export { ensureToolchain } from './toolchain';
export type { Toolchain } from './toolchain';
export { compileRlib } from './rustc';
export type { CompileRlibOptions, Extern } from './rustc';
export { buildProgram } from './build';
export type { BuildProgramOptions, BuildProgramResult } from './build';
export { SbfBuildError, Rules } from './errors';
// Lower-level pieces (tests, tooling)
export { linkModules } from './link';
export type { LinkOptions, LinkResult } from './link';
export { linkSbpf } from './sbpf-elf';
export type { SbpfImage } from './sbpf-elf';
export { rewriteIr } from './ir-rewrite';
export { demangle } from './demangle';
export { SOLANA_SYSCALLS, isSyscall, hashSymbolName } from './syscalls';
export { parseElf } from './elf-reader';
