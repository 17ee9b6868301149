import * as fs from 'node:fs';
import * as path from 'node:path';
import { APT_PACKAGES, LLVM_BIN, LLVM_MAJOR, LLVM_TOOLS, RUSTC, RUSTC_RELEASE_PREFIX } from './config';
import { run, runChecked } from './proc';

export interface HostTools {
  rustc: string;
  llvmBin: string;
  /** `rustc -vV` verbatim (release, commit, LLVM version): part of the sysroot cache key. */
  rustcVersion: string;
  /** `library/` of the rust sources matching rustc (core, compiler-builtins). */
  librarySrc: string;
}

/** What is missing, in words a user can act on; empty when everything is in place. */
export async function findMissing(): Promise<{ problems: string[]; tools?: HostTools }> {
  const problems: string[] = [];
  let rustcVersion = '';
  let release = '';
  if (!fs.existsSync(RUSTC)) {
    problems.push(`${RUSTC} not found (Debian package rustc-web)`);
  } else {
    const r = await run(RUSTC, ['-vV']);
    rustcVersion = r.stdout.trim();
    release = /^release:\s*(\S+)/m.exec(rustcVersion)?.[1] ?? '';
    const llvm = /^LLVM version:\s*(\d+)/m.exec(rustcVersion)?.[1] ?? '';
    if (r.code !== 0 || !release.startsWith(RUSTC_RELEASE_PREFIX)) {
      problems.push(`${RUSTC} is ${release || 'unusable'}, need ${RUSTC_RELEASE_PREFIX}x (Debian package rustc-web)`);
    } else if (llvm !== LLVM_MAJOR) {
      problems.push(`${RUSTC} is built on LLVM ${llvm || '?'}, need LLVM ${LLVM_MAJOR}`);
    }
  }
  const librarySrc = findLibrarySrc(release);
  if (!librarySrc) {
    problems.push(`rust library sources for ${release || 'rustc'} not found (Debian package rust-web-src)`);
  }
  for (const t of LLVM_TOOLS) {
    if (!fs.existsSync(path.join(LLVM_BIN, t))) problems.push(`${path.join(LLVM_BIN, t)} not found (Debian package llvm-22)`);
  }
  if (problems.length > 0 || !librarySrc) return { problems };
  return { problems, tools: { rustc: RUSTC, llvmBin: LLVM_BIN, rustcVersion, librarySrc } };
}

function findLibrarySrc(release: string): string | undefined {
  const candidates = [
    ...(release ? [`/usr/src/rustc-${release}/library`] : []),
    '/usr/lib/rustlib/src/rust/library',
  ];
  return candidates.find(
    (dir) =>
      fs.existsSync(path.join(dir, 'core', 'src', 'lib.rs')) &&
      fs.existsSync(path.join(dir, 'compiler-builtins', 'compiler-builtins', 'src', 'lib.rs')),
  );
}

export const APT_COMMAND = `apt-get update && apt-get install -y ${APT_PACKAGES.join(' ')}`;

/**
 * Checks rustc-web 1.96 + its sources + LLVM 22; installs them with apt-get when running as
 * root (CI on a fresh machine), otherwise throws an error naming the command to run.
 */
export async function ensureHostTools(log: (s: string) => void): Promise<HostTools> {
  let found = await findMissing();
  if (found.tools) return found.tools;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `The Solana program toolchain is incomplete:\n  - ${found.problems.join('\n  - ')}\n` +
        `Install it with:\n  sudo ${APT_COMMAND.replace('&& apt-get', '&& sudo apt-get')}`,
    );
  }
  log(`sbf: installing ${APT_PACKAGES.join(' ')} (${found.problems.join('; ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runChecked('apt-get', ['update'], { inherit: true, env });
  await runChecked('apt-get', ['install', '-y', ...APT_PACKAGES], { inherit: true, env });
  found = await findMissing();
  if (!found.tools) {
    throw new Error(`apt-get install ran, but the toolchain is still incomplete:\n  - ${found.problems.join('\n  - ')}`);
  }
  return found.tools;
}
