/**
 * Dependencies point one way (programs ← sdk ← service-kit ← services ← cli), checked over the
 * import statements of every .ts file; and the README's layout table matches the tree.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brokenRule, checkLayering, relativeImports, repositoryFiles } from './layering';

const ROOT = join(__dirname, '..', '..');
const q = (spec: string) => `'${spec}'`;

describe('layering: dependencies point one way', () => {
  it('no file of the repository imports a higher floor', () => {
    const files = repositoryFiles(ROOT);
    assert.ok(files.some((f) => f.path === 'cli/main.ts') && files.some((f) => f.path.startsWith('sdk/src/')), 'the walk found the tree');
    const violations = checkLayering(files).map((v) => `${v.file}:${v.line} imports ${v.imported}: ${v.rule}`);
    assert.deepEqual(violations, []);
  });

  it('flags a synthetic violation of each rule', () => {
    // The quotes come from q() so that this file's own text holds none of these imports.
    const bad = [
      { path: 'sdk/src/flows/x.ts', source: `import { runCli } from ${q('../../../cli/program')};` },
      { path: 'sdk/src/y.ts', source: `import type { Logger } from ${q('../../service-kit/log')};` },
      { path: 'sdk/src/z.ts', source: `export { startLocalnet } from ${q('../../localnet')};` },
      { path: 'service-kit/a.ts', source: `const w = require(${q('../worker/main')});` },
      { path: 'localnet/b.ts', source: `const m = await import(${q('../cli/main')});` },
      { path: 'worker/c.ts', source: `import { REPO_ROOT } from ${q('../tools/workspace')};` },
      { path: 'worker/d.ts', source: `import { internal } from ${q('../keepers/matcher')};` },
      { path: 'migrations/e.ts', source: `import { Market } from ${q('../tests/fixtures/embedded/market')};` },
      { path: 'programs/peer_market/f.ts', source: `import * as sdk from ${q('../../sdk/src')};` },
      { path: 'cli/g.ts', source: `import ${q('../bench/bench')};` },
      { path: 'newfolder/h.ts', source: `import ${q('../sdk/src')};` },
    ];
    const found = checkLayering(bad);
    assert.deepEqual(
      found.map((v) => v.file),
      bad.map((b) => b.path),
      found.map((v) => `${v.file}: ${v.rule}`).join('\n'),
    );
    assert.match(found[0].rule, /only tests\/ and bench\/ import cli\//);
    assert.match(found[1].rule, /lower floor \(sdk\/\) imports a higher one \(service-kit\/\)/);
    assert.match(found[6].rule, /services meet through keepers\/index.ts/);
  });

  it('accepts the allowed directions', () => {
    const good: [string, string][] = [
      ['cli/commands/x.ts', 'sdk/src/flows/client'],
      ['cli/commands/worker/start.ts', 'worker/main'],
      ['worker/service.ts', 'service-kit/http'],
      ['worker/service.ts', 'sdk/src/index'],
      ['gateway/route.ts', 'worker/protocol'],
      ['gateway/route.ts', 'localnet'],
      ['service-kit/x.ts', 'sdk/src/errors'],
      ['migrations/main.ts', 'localnet'],
      ['migrations/deploy.ts', 'tools/workspace'],
      ['bench/sdk.ts', 'tests/sdk/helpers'],
      ['tests/cli/helpers.ts', 'cli/program'],
      ['programs/peer_market/interface.ts', 'tools/idl/spec'],
      ['tools/generate.ts', 'programs/peer_market/interface'],
    ];
    for (const [from, to] of good) assert.equal(brokenRule(from, to), null, `${from} → ${to}`);
  });

  it('reads every form of relative import, with its line', () => {
    const src = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "export * from './c';",
      "import './d';",
      "const e = require('./e');",
      "const f = await import('../f');",
      "import { g } from 'node:fs';",
    ].join('\n');
    assert.deepEqual(relativeImports(src), [
      { spec: './a', line: 1 },
      { spec: '../b', line: 2 },
      { spec: './c', line: 3 },
      { spec: './d', line: 4 },
      { spec: './e', line: 5 },
      { spec: '../f', line: 6 },
    ]);
  });
});

describe('layering: the README layout table matches the tree', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
  const rows = [...section.matchAll(/^\| `([^`]+)` \|(.*)\|$/gm)].map((m) => ({ path: m[1], text: m[2] }));

  it('every path the table lists exists (rows marked *(next)* are folders still to come)', () => {
    assert.ok(rows.length > 10, 'found the table');
    const missing = rows.filter((r) => !r.text.includes('*(next)*') && !existsSync(join(ROOT, r.path))).map((r) => r.path);
    assert.deepEqual(missing, []);
  });

  it('every top-level folder with code is in the table', () => {
    const tops = readdirSync(ROOT).filter(
      (e) => !e.startsWith('.') && !['node_modules', 'target'].includes(e) && statSync(join(ROOT, e)).isDirectory(),
    );
    const listed = new Set(rows.map((r) => r.path.split('/')[0]));
    assert.deepEqual(tops.filter((t) => !listed.has(t)), []);
  });
});
