/**
 * The one error type of the SBF toolchain: names the file that caused it and the rule it broke,
 * so a build can print `file: [rule] detail` instead of a stack trace.
 */
export class SbfBuildError extends Error {
  constructor(
    public file: string,
    public rule: string,
    detail: string,
  ) {
    super(`${file}: [${rule}] ${detail}`);
    this.name = 'SbfBuildError';
    // The message is the whole story (rustc's own output, the offending symbols, the fix);
    // a JavaScript stack trace would only bury it.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Rule names used in SbfBuildError.rule (stable: tests and tools match on them). */
export const Rules = {
  /** rustc itself failed: the detail is rustc's own message. */
  rustc: 'rustc',
  /** `static mut`, atomics, interior mutability: the program would need a writable `.data`/`.bss`. */
  writableData: 'writable-data',
  /** A call (or address) of a function that is neither defined nor a Solana syscall. */
  undefinedSymbol: 'undefined-symbol',
  /** LLVM lowered an operation to a runtime library call the BPF backend refuses (`__multi3`…). */
  builtinCall: 'builtin-call',
  /** A non-inlined function with more than 5 arguments (BPF passes arguments in r1..r5 only). */
  tooManyArguments: 'too-many-arguments',
  /** A non-inlined function returning a pair/aggregate by value. */
  aggregateReturn: 'aggregate-return',
  /** A function whose stack frame exceeds the 4096-byte SBPF frame. */
  stackFrame: 'stack-frame',
  /** No `#[no_mangle] pub extern "C" fn entrypoint`. */
  entrypoint: 'entrypoint',
  /** Something in the object the SBPF v0 loader cannot represent (relocation kind, section…). */
  unsupported: 'unsupported',
  /** Two definitions of one symbol (e.g. `memcpy` in the program and in a library). */
  duplicateSymbol: 'duplicate-symbol',
  /** Any other llc failure (the detail is llc's message). */
  codegen: 'codegen',
  /** The LLVM tools failed in a way that is not the program's fault. */
  tool: 'tool',
} as const;
