/**
 * `npm run build`: builds every program in `programs/` (each folder with an `interface.ts`).
 *
 * For each program: the interface spec → Anchor IDL (`target/idl`), TS type helper
 * (`target/types`), the SDK's copies (`sdk/src/idl`) and `src/interface.rs`; then rustc +
 * our SBPF linker → `target/deploy/<name>.so`, with `target/deploy/<name>-keypair.json` copied
 * from the program's committed keypair so program ids never change between builds or machines.
 */
import { join } from 'node:path';
import { discoverPrograms, generateAll } from './generate';
import { buildProgram, compileRlib, ensureToolchain } from './sbf';
import { REPO_ROOT } from './workspace';

const TARGET = join(REPO_ROOT, 'target');
const RUNTIME_CRATE = { crateName: 'peer_runtime', rootFile: join(REPO_ROOT, 'programs/runtime/src/lib.rs') };

export interface BuildSummary {
  toolchainMs: number;
  runtimeMs: number;
  programs: { name: string; programId: string; soPath: string; soBytes: number; ms: number }[];
}

export async function buildAll(log: (s: string) => void = console.log): Promise<BuildSummary> {
  const ids = generateAll();
  const programs = discoverPrograms();

  let t = Date.now();
  const tc = await ensureToolchain(log);
  const toolchainMs = Date.now() - t;

  t = Date.now();
  const workRoot = join(TARGET, 'sbf');
  const runtimeRlib = await compileRlib(tc, { ...RUNTIME_CRATE, outDir: join(workRoot, 'peer_runtime') });
  const runtimeMs = Date.now() - t;

  const summary: BuildSummary = { toolchainMs, runtimeMs, programs: [] };
  for (const p of programs) {
    const soPath = join(TARGET, 'deploy', `${p.name}.so`);
    const r = await buildProgram(tc, {
      crateName: p.name,
      rootFile: join(p.dir, 'src/lib.rs'),
      outSo: soPath,
      externs: [{ name: 'peer_runtime', rlib: runtimeRlib }],
      workDir: join(workRoot, p.name),
    });
    summary.programs.push({ name: p.name, programId: ids[p.name], soPath, soBytes: r.soBytes, ms: r.ms });
    log(`built ${p.name} (${ids[p.name]}): ${r.soBytes} bytes in ${r.ms} ms`);
  }
  return summary;
}

if (require.main === module) {
  buildAll().catch((err: unknown) => {
    // SbfBuildError messages already read "<file>: [<rule>] <detail>".
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
