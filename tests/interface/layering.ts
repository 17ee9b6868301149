/**
 * The floors of the repository and the check that dependencies point one way:
 * programs ← sdk ← service-kit ← services ← cli. Nothing imports cli/ except tests. tools/ is build
 * tooling: the SDK, the services and the CLI never import it (programs' specs use its spec
 * language, tools/idl). migrations/ and bench/ may use anything below cli/; tests anything.
 * A service reaches another service only through its small public surface (index.ts,
 * protocol.ts).
 *
 * The check reads the import statements of each .ts file (static imports, `export … from`,
 * `import()` and `require()` of relative paths), resolves them to a repository path and compares
 * the floors of the importer and the imported.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, posix, relative, sep } from 'node:path';

export const SERVICES = ['localnet', 'worker', 'keepers', 'gateway', 'dashboard', 'attestation', 'mint', 'relay'] as const;

/** What another service may import from a service (paths inside the service folder, without .ts). */
export const SERVICE_SURFACE = ['', 'index', 'protocol', 'browser'];

export type Area = 'programs' | 'sdk' | 'service-kit' | 'service' | 'cli' | 'tools' | 'migrations' | 'bench' | 'tests';

/** Rank of the floors that form the one-way stack. */
const RANK: Partial<Record<Area, number>> = { programs: 0, sdk: 1, 'service-kit': 2, service: 3, cli: 4 };

export interface Located {
  /** Top-level folder: 'sdk', 'worker', 'tests', ... */
  top: string;
  area: Area | null;
}

export function locate(path: string): Located {
  const top = path.split('/')[0];
  if ((SERVICES as readonly string[]).includes(top)) return { top, area: 'service' };
  const areas: Area[] = ['programs', 'sdk', 'service-kit', 'cli', 'tools', 'migrations', 'bench', 'tests'];
  return { top, area: (areas as string[]).includes(top) ? (top as Area) : null };
}

export interface Violation {
  file: string;
  line: number;
  imported: string;
  rule: string;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]*)\1/gm;

/** Relative import specifiers of a source file, with their 1-based lines. */
export function relativeImports(source: string): { spec: string; line: number }[] {
  const out: { spec: string; line: number }[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const line = source.slice(0, m.index).split('\n').length;
    out.push({ spec: m[2], line });
  }
  return out;
}

/** The rule an import from `from` to `to` (repository paths, '/'-separated) breaks, or null. */
export function brokenRule(from: string, to: string): string | null {
  const a = locate(from);
  const b = locate(to);
  if (b.area === null) return `imports ${b.top}/, which is no known floor (add it to tests/interface/layering.ts)`;
  if (a.area === null) return `${a.top}/ is no known floor (add it to tests/interface/layering.ts)`;
  if (a.top === b.top) return null;
  if (a.area === 'tests') return null;
  if (b.area === 'tests') return a.area === 'bench' ? null : 'only tests/ and bench/ may import tests/';
  if (b.area === 'cli') return a.area === 'bench' ? null : 'only tests/ and bench/ import cli/';
  if (b.area === 'bench') return 'nothing imports bench/';
  if (b.area === 'migrations') return a.area === 'bench' ? null : 'only bench/ and tests/ import migrations/';
  if (a.area === 'migrations' || a.area === 'bench') return null;
  if (a.area === 'tools') return b.area === 'programs' ? null : 'tools/ (build tooling) imports only programs/';
  if (b.area === 'tools') {
    if (a.area === 'programs' && to.startsWith('tools/idl/')) return null;
    return `${a.top}/ must not import the build tooling (tools/)`;
  }
  const ra = RANK[a.area]!;
  const rb = RANK[b.area]!;
  if (rb > ra) return `a lower floor (${a.top}/) imports a higher one (${b.top}/)`;
  if (a.area === 'service' && b.area === 'service') {
    const inside = posix.relative(b.top, to).replace(/\.ts$/, '');
    if (!SERVICE_SURFACE.includes(inside)) return `services meet through ${b.top}/index.ts, ${b.top}/protocol.ts or ${b.top}/browser.ts, not ${to}`;
  }
  return null;
}

/** Checks the given files (repository paths and their sources). */
export function checkLayering(files: { path: string; source: string }[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, source } of files) {
    for (const { spec, line } of relativeImports(source)) {
      const target = posix.normalize(posix.join(posix.dirname(path), spec));
      if (target.startsWith('..')) {
        violations.push({ file: path, line, imported: spec, rule: 'imports from outside the repository' });
        continue;
      }
      const rule = brokenRule(path, target);
      if (rule) violations.push({ file: path, line, imported: spec, rule });
    }
  }
  return violations;
}

const SKIP = new Set(['node_modules', 'target', 'dist']);

/** Every .ts file of the repository (not node_modules, build outputs or dot folders). */
export function repositoryFiles(root: string): { path: string; source: string }[] {
  const out: { path: string; source: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.') || SKIP.has(entry)) continue;
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.ts') && dir !== root) {
        out.push({ path: normalize(relative(root, full)).split(sep).join('/'), source: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(root);
  return out;
}
