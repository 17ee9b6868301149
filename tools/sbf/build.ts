import * as fs from 'node:fs';
import * as path from 'node:path';
import { linkModules } from './link';
import { emitProgramBitcode, Extern } from './rustc';
import { sysrootLibDir } from './sysroot';
import type { Toolchain } from './toolchain';

export interface BuildProgramOptions {
  crateName: string;
  rootFile: string;
  outSo: string;
  /** Library crates (compiled with compileRlib) the program uses; all are linked in. */
  externs?: Extern[];
  /** Temporaries of the link step (kept for debugging). */
  workDir: string;
  edition?: string;
}

export interface BuildProgramResult {
  soPath: string;
  soBytes: number;
  ms: number;
}

/** The rlibs every program links: the sysroot's core and compiler_builtins. */
export function sysrootRlibs(tc: Toolchain): string[] {
  const lib = sysrootLibDir(tc.sysroot);
  return ['libcore.rlib', 'libcompiler_builtins.rlib'].map((f) => path.join(lib, f));
}

/**
 * Compiles a `#![no_std]` program crate and links it into an SBPF v0 `.so`:
 * rustc (cdylib, bitcode) → llvm-link with the rlibs → opt → IR rewrites → llc → our ELF writer.
 */
export async function buildProgram(tc: Toolchain, o: BuildProgramOptions): Promise<BuildProgramResult> {
  const t0 = Date.now();
  fs.mkdirSync(o.workDir, { recursive: true });
  const bc = await emitProgramBitcode(tc, o);
  const image = await linkModules(tc, {
    file: o.rootFile,
    inputs: [bc],
    rlibs: [...(o.externs ?? []).map((e) => e.rlib), ...sysrootRlibs(tc)],
    outSo: o.outSo,
    workDir: o.workDir,
  });
  return { soPath: image.soPath, soBytes: image.bytes.length, ms: Date.now() - t0 };
}
