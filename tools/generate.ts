/**
 * Everything derived from the interface specs, without a compiler: for each program the
 * Anchor IDL (`target/idl`), the TS type helper (`target/types`), the SDK's copies
 * (`sdk/src/idl`), `programs/<name>/src/interface.rs`, the stable program keypair
 * (`target/deploy/<name>-keypair.json`, from the committed `program-keypair.json`) and the
 * `[programs.localnet]` ids of Anchor.toml. `npm run generate` runs just this.
 */
import { Keypair } from '@solana/web3.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildIdl, buildTypesFile } from './idl/idl';
import { validateSpec } from './idl/layout';
import { buildRustInterface } from './idl/rust';
import type { ProgramSpec } from './idl/spec';
import { REPO_ROOT } from './workspace';

const TARGET = join(REPO_ROOT, 'target');

export interface ProgramSource {
  name: string;
  dir: string;
  spec: ProgramSpec;
  keypairFile: string;
}

/** Programs are the folders of `programs/` that have an `interface.ts`. */
export function discoverPrograms(): ProgramSource[] {
  const root = join(REPO_ROOT, 'programs');
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'interface.ts')))
    .sort()
    .map((d) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(root, d, 'interface.ts')) as { default: ProgramSpec };
      if (mod.default.name !== d) throw new Error(`programs/${d}/interface.ts names program '${mod.default.name}'`);
      return { name: d, dir: join(root, d), spec: mod.default, keypairFile: join(root, d, 'program-keypair.json') };
    });
}

/** The program keypair, created once and committed so the program id is stable. */
export function programKeypair(p: ProgramSource): Keypair {
  if (!existsSync(p.keypairFile)) {
    writeFileSync(p.keypairFile, JSON.stringify([...Keypair.generate().secretKey]) + '\n');
    console.log(`created ${relative(REPO_ROOT, p.keypairFile)} (commit it: it fixes the program id)`);
  }
  return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(p.keypairFile, 'utf8')) as number[]));
}

function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  writeFileSync(path, content);
  return true;
}

/** Keeps `[programs.localnet]` in Anchor.toml equal to the program ids. */
export function syncAnchorToml(ids: Record<string, string>): void {
  const path = join(REPO_ROOT, 'Anchor.toml');
  const toml = readFileSync(path, 'utf8');
  const section = Object.entries(ids)
    .map(([name, id]) => `${name} = "${id}"`)
    .join('\n');
  const next = toml.replace(/\[programs\.localnet\]\n(?:[^\n[]*\n)*/, `[programs.localnet]\n${section}\n\n`);
  writeIfChanged(path, next);
}

/** Generates every artefact derived from the interface spec (no compiler needed). */
export function generateInterface(p: ProgramSource): { idlPath: string; programId: string } {
  validateSpec(p.spec);
  const keypair = programKeypair(p);
  const programId = keypair.publicKey;
  for (const dir of ['deploy', 'idl', 'types']) mkdirSync(join(TARGET, dir), { recursive: true });
  mkdirSync(join(REPO_ROOT, 'sdk/src/idl'), { recursive: true });

  writeIfChanged(join(TARGET, 'deploy', `${p.name}-keypair.json`), JSON.stringify([...keypair.secretKey]) + '\n');
  const idl = buildIdl(p.spec, programId.toBase58());
  const idlJson = JSON.stringify(idl, null, 2) + '\n';
  const typesTs = buildTypesFile(idl);
  const idlPath = join(TARGET, 'idl', `${p.name}.json`);
  writeIfChanged(idlPath, idlJson);
  writeIfChanged(join(TARGET, 'types', `${p.name}.ts`), typesTs);
  writeIfChanged(join(REPO_ROOT, 'sdk/src/idl', `${p.name}.json`), idlJson);
  writeIfChanged(join(REPO_ROOT, 'sdk/src/idl', `${p.name}.ts`), typesTs);
  writeIfChanged(join(p.dir, 'src/interface.rs'), buildRustInterface(p.spec, programId) + '\n');
  return { idlPath, programId: programId.toBase58() };
}

/** Generates the interface artefacts of every program; returns name → program id. */
export function generateAll(): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const p of discoverPrograms()) ids[p.name] = generateInterface(p).programId;
  syncAnchorToml(ids);
  return ids;
}

if (require.main === module) {
  try {
    const ids = generateAll();
    for (const [name, id] of Object.entries(ids)) console.log(`generated ${name} (${id})`);
  } catch (err) {
    console.error(`generate failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
