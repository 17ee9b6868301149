/** What a missing symbol or refused runtime-library call means in Rust terms, and the fix. */

const FLOAT_RE = /^__(add|sub|mul|div|neg|pow|cmp|eq|ne|lt|le|gt|ge|unord)[sdtx]f[23]$|^__(fix|fixuns|float|floatun)[sdt]i[sdt]f$|^__(fix|fixuns)[sdt]f[sdt]i$|^__(extend|trunc)[sdth]f[sdth]f2$/;

export function builtinHint(name: string): string {
  switch (name) {
    case '__multi3':
      return 'u128/i128 multiplication (also a widening u64 multiply). Fix: compute in u64 with a mul-div helper (e.g. split into high/low halves), or use `checked_mul` on u64.';
    case '__udivti3':
    case '__umodti3':
    case '__divti3':
    case '__modti3':
    case '__udivmodti4':
      return 'u128/i128 division or remainder. Fix: keep amounts in u64 and use a u64 mul-div helper.';
    case '__divdi3':
    case '__moddi3':
    case '__divmoddi4':
      return 'signed 64-bit division or remainder. Fix: divide unsigned values (u64) and handle the sign yourself.';
    case '__mulodi4':
    case '__muloti4':
    case '__mulosi4':
      return 'signed checked/overflowing multiplication (i64::checked_mul…). Fix: multiply unsigned values (u64::checked_mul is supported).';
    case 'memcpy':
    case 'memmove':
    case 'memset':
    case 'memcmp':
      return `the program must define \`${name}\` itself: \`#[no_mangle] pub unsafe extern "C" fn ${name}(…)\` forwarding to the \`sol_${name}_\` syscall (the runtime library provides it; make sure it is linked).`;
    case 'bcmp':
      return 'bcmp is memcmp by another name: define `#[no_mangle] pub unsafe extern "C" fn bcmp` calling memcmp, or compare differently.';
  }
  if (FLOAT_RE.test(name)) return 'floating-point arithmetic. Fix: use integer or fixed-point maths (no f32/f64 in programs).';
  if (name.startsWith('__atomic') || name.startsWith('__sync')) return 'atomics do not exist on this target. Fix: remove atomics; keep state in accounts.';
  return '';
}

export function undefinedSymbolHint(name: string): string {
  return (
    builtinHint(name) ||
    'neither defined in the program or the libraries linked into it, nor a Solana syscall. Fix: check the name of the `extern "C"` declaration, or link the library (extern rlib) that defines it.'
  );
}
