/**
 * Textual rewrites of the optimised LLVM IR (`opt -S` output) before `llc`.
 *
 * The upstream BPF backend refuses every runtime-library call ("A call to built-in function
 * 'memcpy' is not supported"), so:
 * - `llvm.memcpy/memmove/memset` with a runtime length, or a constant length ≥ 64, become
 *   direct calls of the program's own `memcpy`/`memmove`/`memset` (shorter constant copies are
 *   expanded inline by llc and stay intrinsics);
 * - `llvm.umul.with.overflow.i64` (what `u64::checked_mul` becomes, lowered by llc to
 *   `__multi3`) becomes an inlined overflow check: a compare against `u64::MAX / c` when one
 *   operand is a constant, otherwise the division check `a != 0 && (a*b)/a != b`.
 * Nothing may run InstCombine after this: it folds the check back into the intrinsic.
 */

export const MEM_CALL_MIN_CONSTANT_LENGTH = 64n;

export interface RewriteStats {
  memcpy: number;
  memmove: number;
  memset: number;
  umul: number;
}

/** Index of the bracket closing the one at `open` (quotes and nesting aware). */
export function matchingParen(s: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };
  const stack: string[] = [];
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      i = s.indexOf('"', i + 1);
      if (i < 0) break;
      continue;
    }
    if (c in pairs) stack.push(pairs[c]);
    else if (stack.length > 0 && c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  throw new Error(`unbalanced brackets in IR: ${s}`);
}

/** Splits at `sep` outside brackets and quotes; trims the parts. */
export function splitTopLevel(s: string, sep: ',' | ' '): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      const j = s.indexOf('"', i + 1);
      i = j < 0 ? s.length : j;
    } else if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') depth--;
    else if (depth === 0 && c === sep) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out.filter((p) => p.length > 0);
}

const CONSTEXPR_HEADS = new Set([
  'getelementptr', 'inttoptr', 'ptrtoint', 'bitcast', 'addrspacecast', 'trunc', 'zext', 'sext',
  'add', 'sub', 'mul', 'shl', 'lshr', 'ashr', 'and', 'or', 'xor', 'select', 'icmp',
]);

/**
 * The value of a call argument such as `ptr noundef nonnull align 8 dereferenceable(64) %12`
 * or `i64 range(i64 0, 65) %n`: everything after the type and the attributes.
 */
export function argValue(arg: string): string {
  const toks = splitTopLevel(arg, ' ');
  for (let i = toks.length - 1; i >= 1; i--) {
    const t = toks[i];
    if (/^[%@]/.test(t) || /^-?\d+$/.test(t) || /^(true|false|null|undef|poison|zeroinitializer)$/.test(t)) {
      return toks.slice(i).join(' ');
    }
    if (CONSTEXPR_HEADS.has(t)) return toks.slice(i).join(' ');
  }
  throw new Error(`cannot find the value of IR argument '${arg}'`);
}

export function argType(arg: string): string {
  return splitTopLevel(arg, ' ')[0];
}

function intLiteral(v: string): bigint | undefined {
  return /^-?\d+$/.test(v) ? BigInt.asUintN(64, BigInt(v)) : undefined;
}

const MEM_RE =
  /^(\s*)(?:(?:tail|musttail|notail)\s+)?call\s+void\s+@llvm\.(memcpy|memmove|memset)\.(p0\.p0\.i(?:32|64)|p0\.i(?:32|64))\(/;
const UMUL_RE =
  /^(\s*)(%[-\w.$]+|%"[^"]*")\s*=\s*(?:(?:tail|musttail|notail)\s+)?call\s+\{\s*i64,\s*i1\s*\}\s+@llvm\.umul\.with\.overflow\.i64\(/;

const DECLS: Record<'memcpy' | 'memmove' | 'memset', string> = {
  memcpy: 'declare ptr @memcpy(ptr, ptr, i64)',
  memmove: 'declare ptr @memmove(ptr, ptr, i64)',
  memset: 'declare ptr @memset(ptr, i32, i64)',
};

export interface RewriteResult {
  ir: string;
  stats: RewriteStats;
  /**
   * Mem functions whose own body needs the intrinsic they implement (e.g. a byte loop in
   * `memcpy` that LLVM recognised as a memcpy): rewriting would make them call themselves.
   * Those calls are left alone; the caller should report them.
   */
  selfCalls: string[];
}

const DEFINE_RE = /^define\b[^@]*@("[^"]+"|[-\w.$]+)\(/;

export function rewriteIr(ir: string): RewriteResult {
  const stats: RewriteStats = { memcpy: 0, memmove: 0, memset: 0, umul: 0 };
  const selfCalls = new Set<string>();
  let n = 0;
  let currentFn = '';
  const out: string[] = [];
  for (const line of ir.split('\n')) {
    const def = DEFINE_RE.exec(line);
    if (def) currentFn = def[1].replace(/^"|"$/g, '');
    else if (line === '}') currentFn = '';
    const mem = MEM_RE.exec(line);
    if (mem && mem[2] === currentFn) {
      selfCalls.add(currentFn);
    } else if (mem) {
      const replaced = rewriteMemIntrinsic(line, mem, n);
      if (replaced) {
        n++;
        stats[mem[2] as keyof RewriteStats]++;
        out.push(...replaced);
        continue;
      }
    }
    const umul = UMUL_RE.exec(line);
    if (umul) {
      out.push(...rewriteUmul(line, umul, n++));
      stats.umul++;
      continue;
    }
    out.push(line);
  }
  let text = out.join('\n');
  for (const fn of ['memcpy', 'memmove', 'memset'] as const) {
    if (stats[fn] > 0 && !new RegExp(`^(define|declare)\\b[^\\n]*@${fn}\\(`, 'm').test(text)) {
      text = text.replace(/\n*$/, `\n\n${DECLS[fn]}\n`);
    }
  }
  return { ir: text, stats, selfCalls: [...selfCalls] };
}

function callParts(line: string, head: RegExpExecArray): { args: string[]; rest: string } {
  const open = head.index + head[0].length - 1;
  const close = matchingParen(line, open);
  return { args: splitTopLevel(line.slice(open + 1, close), ','), rest: line.slice(close + 1) };
}

function rewriteMemIntrinsic(line: string, m: RegExpExecArray, n: number): string[] | undefined {
  const [, indent, fn] = m;
  const { args, rest } = callParts(line, m);
  if (args.length !== 4) throw new Error(`unexpected llvm.${fn} call: ${line}`);
  const lenType = argType(args[2]);
  const len = argValue(args[2]);
  const constLen = intLiteral(len);
  if (constLen !== undefined && constLen < MEM_CALL_MIN_CONSTANT_LENGTH) return undefined;
  const pre: string[] = [];
  const name = `%__sbf.${fn}.${n}`;
  let lenArg = args[2];
  if (lenType !== 'i64') {
    pre.push(`${indent}${name}.len = zext ${lenType} ${len} to i64`);
    lenArg = `i64 ${name}.len`;
  }
  let second = args[1];
  if (fn === 'memset') {
    const v = argValue(args[1]);
    const lit = intLiteral(v);
    if (lit !== undefined) {
      second = `i32 ${lit & 0xffn}`;
    } else {
      pre.push(`${indent}${name}.c = zext i8 ${v} to i32`);
      second = `i32 ${name}.c`;
    }
  }
  return [...pre, `${indent}${name} = call ptr @${fn}(${args[0]}, ${second}, ${lenArg})${rest}`];
}

function rewriteUmul(line: string, m: RegExpExecArray, n: number): string[] {
  const [, indent, result] = m;
  const { args } = callParts(line, m);
  if (args.length !== 2) throw new Error(`unexpected llvm.umul.with.overflow.i64 call: ${line}`);
  const a = argValue(args[0]);
  const b = argValue(args[1]);
  const t = `%__sbf.umul.${n}`;
  const lines = [`${indent}${t}.p = mul i64 ${a}, ${b}`];
  const ca = intLiteral(a);
  const cb = intLiteral(b);
  const c = cb ?? ca;
  if (c !== undefined) {
    // One constant operand: overflow iff the other exceeds u64::MAX / c (folded here).
    const other = cb !== undefined ? a : b;
    if (c === 0n) {
      lines.push(`${indent}${t}.o = icmp ne i64 0, 0`);
    } else {
      const limit = BigInt.asIntN(64, (2n ** 64n - 1n) / c);
      lines.push(`${indent}${t}.o = icmp ugt i64 ${other}, ${limit}`);
    }
  } else {
    lines.push(
      `${indent}${t}.nz = icmp ne i64 ${a}, 0`,
      `${indent}${t}.d = select i1 ${t}.nz, i64 ${a}, i64 1`,
      `${indent}${t}.q = udiv i64 ${t}.p, ${t}.d`,
      `${indent}${t}.ne = icmp ne i64 ${t}.q, ${b}`,
      `${indent}${t}.o = and i1 ${t}.nz, ${t}.ne`,
    );
  }
  lines.push(
    `${indent}${t}.r = insertvalue { i64, i1 } poison, i64 ${t}.p, 0`,
    `${indent}${result} = insertvalue { i64, i1 } ${t}.r, i1 ${t}.o, 1`,
  );
  return lines;
}
