import { ensureHostTools } from './deps';
import { ensureSysroot } from './sysroot';

export interface Toolchain {
  /** Debian's rustc, called by absolute path. */
  rustc: string;
  /** Directory of llvm-link, opt, llc, llvm-ar (LLVM 22, matching rustc). */
  llvmBin: string;
  /** Sysroot holding core + compiler_builtins rlibs for bpfel-unknown-none. */
  sysroot: string;
  /** First line of `rustc -vV`. */
  rustcVersion: string;
}

let pending: Promise<Toolchain> | undefined;

/**
 * Makes sure the host tools are installed (installing them with apt-get when root) and the
 * sysroot is built (cached under .cache/sbf). Cheap after the first call of a process.
 */
export function ensureToolchain(log: (s: string) => void = () => {}): Promise<Toolchain> {
  if (!pending) {
    pending = (async () => {
      const t0 = Date.now();
      const tools = await ensureHostTools(log);
      const sysroot = await ensureSysroot(tools, log);
      log(`sbf: toolchain ready in ${Date.now() - t0} ms (${tools.rustcVersion.split('\n')[0]})`);
      return {
        rustc: tools.rustc,
        llvmBin: tools.llvmBin,
        sysroot,
        rustcVersion: tools.rustcVersion.split('\n')[0],
      };
    })();
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}
