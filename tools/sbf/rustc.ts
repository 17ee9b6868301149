import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROGRAM_FLAGS } from './config';
import { Rules, SbfBuildError } from './errors';
import { run } from './proc';
import type { Toolchain } from './toolchain';

export interface Extern {
  name: string;
  rlib: string;
}

export interface CompileRlibOptions {
  crateName: string;
  rootFile: string;
  outDir: string;
  externs?: Extern[];
  edition?: string;
}

/** `--extern` flags plus `-L dependency=` for their directories (transitive dependencies). */
export function externFlags(externs: readonly Extern[] = []): string[] {
  const args: string[] = [];
  const dirs = new Set<string>();
  for (const e of externs) {
    args.push('--extern', `${e.name}=${path.resolve(e.rlib)}`);
    dirs.add(path.dirname(path.resolve(e.rlib)));
  }
  for (const d of dirs) args.push('-L', `dependency=${d}`);
  return args;
}

/** Runs rustc; a failure becomes an SbfBuildError carrying rustc's own message. */
async function rustc(tc: Toolchain, rootFile: string, args: string[]): Promise<void> {
  if (!fs.existsSync(rootFile)) {
    throw new SbfBuildError(rootFile, Rules.rustc, 'source file not found');
  }
  const r = await run(tc.rustc, args);
  const diagnostics = r.stderr.trim();
  if (r.code !== 0) {
    throw new SbfBuildError(rootFile, Rules.rustc, `rustc failed:\n${diagnostics || `exit code ${r.code}`}`);
  }
  // Warnings go where cargo would put them.
  if (diagnostics) process.stderr.write(diagnostics + '\n');
}

/** Compiles a library crate for the program target; returns `<outDir>/lib<crateName>.rlib`. */
export async function compileRlib(tc: Toolchain, o: CompileRlibOptions): Promise<string> {
  fs.mkdirSync(o.outDir, { recursive: true });
  const out = path.join(o.outDir, `lib${o.crateName}.rlib`);
  await rustc(tc, o.rootFile, [
    '--edition', o.edition ?? '2021',
    '--crate-name', o.crateName,
    '--crate-type', 'rlib',
    ...PROGRAM_FLAGS,
    '--sysroot', tc.sysroot,
    ...externFlags(o.externs),
    o.rootFile,
    '-o', out,
  ]);
  return out;
}

/**
 * Compiles a program crate as a cdylib but stops at its (optimised) LLVM bitcode: the link step
 * is ours (see link.ts). Returns the `.bc` path.
 */
export async function emitProgramBitcode(
  tc: Toolchain,
  o: { crateName: string; rootFile: string; workDir: string; externs?: Extern[]; edition?: string },
): Promise<string> {
  fs.mkdirSync(o.workDir, { recursive: true });
  const out = path.join(o.workDir, `${o.crateName}.bc`);
  await rustc(tc, o.rootFile, [
    '--edition', o.edition ?? '2021',
    '--crate-name', o.crateName,
    '--crate-type', 'cdylib',
    ...PROGRAM_FLAGS,
    '--sysroot', tc.sysroot,
    ...externFlags(o.externs),
    '--emit', 'llvm-bc',
    o.rootFile,
    '-o', out,
  ]);
  return out;
}
