import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CACHE_DIR,
  COMPILER_BUILTINS_ENV,
  COMPILER_BUILTINS_FLAGS,
  SYSROOT_COMMON_FLAGS,
  TARGET,
} from './config';
import type { HostTools } from './deps';
import { run } from './proc';

/** Bump when the recipe changes in a way the flags below do not show. */
const RECIPE = 'sbf-sysroot-1';
const STAMP = 'sysroot.json';

export function sysrootLibDir(sysroot: string): string {
  return path.join(sysroot, 'lib', 'rustlib', TARGET, 'lib');
}

/** Short hash of everything that shapes the sysroot: rustc build, sources, flags. */
export function sysrootKey(tools: HostTools): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      RECIPE,
      rustc: tools.rustcVersion,
      src: tools.librarySrc,
      common: SYSROOT_COMMON_FLAGS,
      builtins: COMPILER_BUILTINS_FLAGS,
      env: COMPILER_BUILTINS_ENV,
    }),
  );
  return h.digest('hex').slice(0, 12);
}

function isComplete(sysroot: string): boolean {
  const lib = sysrootLibDir(sysroot);
  return (
    fs.existsSync(path.join(sysroot, STAMP)) &&
    fs.existsSync(path.join(lib, 'libcore.rlib')) &&
    fs.existsSync(path.join(lib, 'libcompiler_builtins.rlib'))
  );
}

/**
 * Returns the cached `core` + `compiler_builtins` sysroot for bpfel-unknown-none, building it
 * when missing. The build happens in a temporary directory renamed into place at the end, so an
 * interrupted build never leaves a half sysroot behind.
 */
export async function ensureSysroot(tools: HostTools, log: (s: string) => void, cacheDir = CACHE_DIR): Promise<string> {
  const key = sysrootKey(tools);
  const final = path.join(cacheDir, `sysroot-${key}`);
  if (isComplete(final)) {
    log(`sbf: sysroot ${final} (cached)`);
    return final;
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  removeStaleTemporaries(cacheDir);
  const tmp = path.join(cacheDir, `.tmp-sysroot-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const lib = sysrootLibDir(tmp);
  fs.mkdirSync(lib, { recursive: true });
  const t0 = Date.now();
  try {
    log(`sbf: building the ${TARGET} sysroot (core + compiler_builtins, ~25 s, once)…`);
    const env = { ...process.env, RUSTC_BOOTSTRAP: '1' };
    const coreMs = await compileSysrootCrate(tools, 'core', path.join(tools.librarySrc, 'core', 'src', 'lib.rs'), tmp, [], env);
    const cbMs = await compileSysrootCrate(
      tools,
      'compiler_builtins',
      path.join(tools.librarySrc, 'compiler-builtins', 'compiler-builtins', 'src', 'lib.rs'),
      tmp,
      COMPILER_BUILTINS_FLAGS,
      { ...env, ...COMPILER_BUILTINS_ENV },
    );
    const totalMs = Date.now() - t0;
    fs.writeFileSync(
      path.join(tmp, STAMP),
      JSON.stringify({ key, rustc: tools.rustcVersion, librarySrc: tools.librarySrc, coreMs, compilerBuiltinsMs: cbMs, totalMs, builtAt: new Date().toISOString() }, null, 2) + '\n',
    );
    try {
      fs.renameSync(tmp, final);
    } catch (e) {
      // Another build finished first (the target exists): use it.
      if (!isComplete(final)) {
        // A stale, incomplete directory (not from us): replace it.
        fs.rmSync(final, { recursive: true, force: true });
        fs.renameSync(tmp, final);
      }
    }
    log(`sbf: built sysroot in ${(totalMs / 1000).toFixed(1)} s (core ${(coreMs / 1000).toFixed(1)} s, compiler_builtins ${(cbMs / 1000).toFixed(1)} s) → ${final}`);
    return final;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes temporary sysroots of builds whose process is gone (killed mid-build). */
function removeStaleTemporaries(cacheDir: string): void {
  for (const name of fs.readdirSync(cacheDir)) {
    const m = /^\.tmp-sysroot-[0-9a-f]+-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}

async function compileSysrootCrate(
  tools: HostTools,
  crate: string,
  src: string,
  sysroot: string,
  extra: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const t0 = Date.now();
  const out = path.join(sysrootLibDir(sysroot), `lib${crate}.rlib`);
  const args = [
    '--edition', '2024',
    '--crate-name', crate,
    '--crate-type', 'rlib',
    ...SYSROOT_COMMON_FLAGS,
    '--sysroot', sysroot,
    ...extra,
    src,
    '-o', out,
  ];
  const r = await run(tools.rustc, args, { env });
  if (r.code !== 0) {
    throw new Error(`building ${crate} for the sysroot failed (${tools.rustc} ${args.join(' ')}):\n${r.stderr.trim()}`);
  }
  return Date.now() - t0;
}
