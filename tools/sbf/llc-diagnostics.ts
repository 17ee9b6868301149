/** Turns the BPF backend's refusals (llc stderr) into SbfBuildErrors that say what to change. */
import { demangle } from './demangle';
import { Rules, SbfBuildError } from './errors';
import { builtinHint } from './hints';

export interface LlcDiagnostic {
  /** Function being compiled when the backend gave up (mangled). */
  fn: string;
  message: string;
}

export function parseLlcDiagnostics(stderr: string): LlcDiagnostic[] {
  const out: LlcDiagnostic[] = [];
  const seen = new Set<string>();
  const re = /error: [^\n]*?in function (\S+) [^\n]*?: ([^\n]*)/g;
  for (let m = re.exec(stderr); m; m = re.exec(stderr)) {
    const d = { fn: m[1], message: m[2].trim() };
    const key = `${d.fn}\n${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

const ARGS_FIX =
  'BPF passes at most 5 arguments in registers (a slice counts as two, `#[track_caller]` adds a hidden one). ' +
  'Fix: mark it `#[inline(always)]`, or pass the arguments in a struct by reference.';
const AGGREGATE_FIX =
  'BPF cannot return a pair/aggregate by value (`&[u8]`, `(Pubkey, u8)`, `Result<&mut [u8], E>`…) from a function that is not inlined. ' +
  'Fix: mark it `#[inline(always)]`, or return through an out-parameter (`&mut T`).';
const STACK_FIX =
  'an SBPF stack frame is 4096 bytes. Fix: keep large buffers/structs out of locals (work in account data or pass references), or split the function.';

/** Builds the error for a failed llc run; `file` is the program's root source. */
export function llcError(file: string, stderr: string): SbfBuildError {
  const diags = parseLlcDiagnostics(stderr);
  const builtinFns = new Set<string>();
  const lines: { rule: string; text: string }[] = [];
  const tooManySeen = new Set<string>();
  const aggregateSeen = new Set<string>();
  for (const d of diags) {
    const b = /A call to built-in function '([^']+)' is not supported/.exec(d.message);
    if (b) {
      builtinFns.add(d.fn);
      lines.push({ rule: Rules.builtinCall, text: `\`${demangle(d.fn)}\` needs the runtime function \`${b[1]}\`, which the BPF backend refuses: ${builtinHint(b[1]) || 'avoid the operation that needs it.'}` });
    }
  }
  for (const d of diags) {
    const m = d.message;
    if (/stack arguments are not supported|too many arg/.test(m)) {
      const callee = /GlobalAddress<[^>]*@("[^"]+"|[^\s>]+)>/.exec(m)?.[1]?.replace(/^"|"$/g, '') ?? d.fn;
      if (tooManySeen.has(callee)) continue;
      tooManySeen.add(callee);
      const where = callee !== d.fn ? ` (called from \`${demangle(d.fn)}\`)` : '';
      lines.push({ rule: Rules.tooManyArguments, text: `\`${demangle(callee)}\`${where} takes more than 5 arguments and is not inlined: ${ARGS_FIX}` });
    } else if (/aggregate returns are not supported/.test(m)) {
      aggregateSeen.add(d.fn);
      lines.push({ rule: Rules.aggregateReturn, text: `\`${demangle(d.fn)}\` returns an aggregate by value: ${AGGREGATE_FIX}` });
    } else if (/only small returns supported/.test(m)) {
      if (builtinFns.has(d.fn)) continue; // the i128 result of the refused builtin call
      lines.push({ rule: Rules.aggregateReturn, text: `\`${demangle(d.fn)}\` calls a function that returns an aggregate by value: ${AGGREGATE_FIX}` });
    } else if (/stack limit is exceeded/.test(m)) {
      lines.push({ rule: Rules.stackFrame, text: `\`${demangle(d.fn)}\` needs a stack frame over 4096 bytes: ${STACK_FIX}` });
    } else if (!/A call to built-in function/.test(m)) {
      lines.push({ rule: Rules.codegen, text: `\`${demangle(d.fn)}\`: ${m}` });
    }
  }
  // A caller-side "only small returns" is redundant when the callee's definition was reported.
  const filtered = aggregateSeen.size > 0 ? lines.filter((l) => !(l.rule === Rules.aggregateReturn && l.text.includes('calls a function that returns'))) : lines;
  if (filtered.length === 0) {
    return new SbfBuildError(file, Rules.codegen, `llc failed:\n${stderr.trim()}`);
  }
  const order = [Rules.builtinCall, Rules.tooManyArguments, Rules.aggregateReturn, Rules.stackFrame, Rules.codegen];
  const rule = order.find((r) => filtered.some((l) => l.rule === r)) ?? Rules.codegen;
  const uniq = [...new Set(filtered.map((l) => `  - ${l.text}`))];
  return new SbfBuildError(file, rule, `the BPF backend cannot compile this program:\n${uniq.join('\n')}`);
}
