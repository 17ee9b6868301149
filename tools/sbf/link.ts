/**
 * The link step: bitcode of the program + bitcode members of its rlibs → one optimised,
 * rewritten module → BPF object (llc) → SBPF v0 shared object (our ELF writer).
 * Every intermediate file stays in `workDir` for debugging.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXPORTED_SYMBOLS, LLC_FLAGS, OPT_PASSES } from './config';
import { Rules, SbfBuildError } from './errors';
import { rewriteIr, RewriteStats } from './ir-rewrite';
import { llcError } from './llc-diagnostics';
import { run } from './proc';
import { linkSbpf, SbpfImage } from './sbpf-elf';

export interface LinkTools {
  llvmBin: string;
}

export interface LinkOptions {
  /** The program's root source: named in errors. */
  file: string;
  /** The program's own modules (.bc or .ll). */
  inputs: string[];
  /** Libraries whose bitcode members are linked in (externs, core, compiler_builtins). */
  rlibs?: string[];
  outSo: string;
  workDir: string;
}

export interface LinkResult extends SbpfImage {
  soPath: string;
  rewrites: RewriteStats;
}

const tool = (tc: LinkTools, name: string): string => path.join(tc.llvmBin, name);

function isBitcode(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    // raw bitcode 'BC' 0xC0DE, or the bitcode wrapper 0x0B17C0DE
    return b.equals(Buffer.from([0x42, 0x43, 0xc0, 0xde])) || b.readUInt32LE(0) === 0x0b17c0de;
  } finally {
    fs.closeSync(fd);
  }
}

/** Extracts the bitcode members of an rlib into `dir`; returns their paths. */
export async function extractBitcode(tc: LinkTools, rlib: string, dir: string): Promise<string[]> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const list = await run(tool(tc, 'llvm-ar'), ['t', rlib]);
  if (list.code !== 0) throw new SbfBuildError(rlib, Rules.tool, `llvm-ar cannot read the library:\n${list.stderr.trim()}`);
  const members = list.stdout.split('\n').map((s) => s.trim()).filter((s) => s.endsWith('.o'));
  if (members.length === 0) return [];
  const x = await run(tool(tc, 'llvm-ar'), ['x', `--output=${dir}`, rlib, ...members]);
  if (x.code !== 0) throw new SbfBuildError(rlib, Rules.tool, `llvm-ar cannot extract the library:\n${x.stderr.trim()}`);
  const files = members.map((m) => path.join(dir, m)).filter((f) => fs.existsSync(f));
  const notBitcode = files.filter((f) => !isBitcode(f));
  if (notBitcode.length > 0) {
    throw new SbfBuildError(rlib, Rules.tool, `expected LLVM bitcode members (the target emits bitcode objects), found: ${notBitcode.map((f) => path.basename(f)).join(', ')}`);
  }
  return files;
}

export async function linkModules(tc: LinkTools, o: LinkOptions): Promise<LinkResult> {
  fs.mkdirSync(o.workDir, { recursive: true });
  const w = (name: string): string => path.join(o.workDir, name);

  // 1. bitcode members of the libraries
  const members: string[] = [];
  for (const [i, rlib] of (o.rlibs ?? []).entries()) {
    members.push(...(await extractBitcode(tc, rlib, w(`rlib-${i}-${path.basename(rlib, '.rlib')}`))));
  }

  // 2. one module
  const linked = w('linked.bc');
  const l = await run(tool(tc, 'llvm-link'), [...o.inputs, ...members, '-o', linked]);
  if (l.code !== 0) {
    const dup = /symbol multiply defined!?|multiple definition/i.test(l.stderr);
    const sym = /'([^']+)'[^\n]*symbol multiply defined|symbol multiply defined[^\n]*'([^']+)'/.exec(l.stderr);
    throw new SbfBuildError(
      o.file,
      dup ? Rules.duplicateSymbol : Rules.tool,
      dup
        ? `a symbol is defined twice (${sym?.[1] ?? sym?.[2] ?? 'see below'}): define memcpy & co. and other #[no_mangle] functions in one crate only.\n${l.stderr.trim()}`
        : `llvm-link failed:\n${l.stderr.trim()}`,
    );
  }

  // 3. internalize everything but the entrypoint and the mem functions, optimise
  const optimised = w('opt.ll');
  const op = await run(tool(tc, 'opt'), [
    `-passes=${OPT_PASSES}`,
    `-internalize-public-api-list=${EXPORTED_SYMBOLS.join(',')}`,
    linked,
    '-S',
    '-o',
    optimised,
  ]);
  if (op.code !== 0) throw new SbfBuildError(o.file, Rules.tool, `opt failed:\n${op.stderr.trim()}`);

  // 4. rewrites the BPF backend needs (no InstCombine after this point)
  const { ir, stats, selfCalls } = rewriteIr(fs.readFileSync(optimised, 'utf8'));
  const rewritten = w('rewritten.ll');
  fs.writeFileSync(rewritten, ir);
  if (selfCalls.length > 0) {
    throw new SbfBuildError(
      o.file,
      Rules.builtinCall,
      `${selfCalls.map((f) => `\`${f}\``).join(', ')} would call itself: its body copies/fills memory the way it implements ` +
        '(`ptr::copy_nonoverlapping`, `ptr::write_bytes`, a slice copy…), which becomes a call of itself on BPF. ' +
        'Fix: forward to the matching syscall (`sol_memcpy_`, `sol_memmove_`, `sol_memset_`) instead.',
    );
  }

  // 5. codegen
  const obj = w('program.o');
  const lc = await run(tool(tc, 'llc'), [...LLC_FLAGS, rewritten, '-o', obj]);
  if (lc.code !== 0) throw llcError(o.file, lc.stderr);

  // 6. SBPF v0 shared object
  const image = linkSbpf(new Uint8Array(fs.readFileSync(obj)), o.file);
  fs.mkdirSync(path.dirname(path.resolve(o.outSo)), { recursive: true });
  const tmp = `${o.outSo}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, image.bytes);
  fs.renameSync(tmp, o.outSo);
  return { ...image, soPath: o.outSo, rewrites: stats };
}
