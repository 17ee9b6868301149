/** The sysroot cache: atomic builds, reuse, cleanup — with a fake rustc, so it runs in milliseconds. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HostTools } from '../../tools/sbf/deps';
import { ensureSysroot, sysrootKey, sysrootLibDir } from '../../tools/sbf/sysroot';

describe('tools/sbf sysroot cache', function () {
  let dir: string;
  let cache: string;
  let tools: HostTools;
  let calls: string;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbf-sysroot-'));
    cache = path.join(dir, 'cache');
    calls = path.join(dir, 'calls.txt');
    const fake = path.join(dir, 'rustc');
    // A stand-in for rustc: records the crate, fails on request, else writes the -o file.
    fs.writeFileSync(
      fake,
      `#!${process.execPath}
const fs = require('fs');
const a = process.argv.slice(2);
const crate = a[a.indexOf('--crate-name') + 1];
fs.appendFileSync(${JSON.stringify(calls)}, crate + ' ' + (process.env.RUSTC_BOOTSTRAP || '') + ' ' + (process.env.CFG_OPT_LEVEL || '') + '\\n');
if (process.env.SBF_FAKE_FAIL === crate) { console.error('error: boom in ' + crate); process.exit(1); }
fs.writeFileSync(a[a.indexOf('-o') + 1], 'rlib of ' + crate);
`,
      { mode: 0o755 },
    );
    tools = { rustc: fake, llvmBin: '/usr/lib/llvm-22/bin', rustcVersion: 'rustc 0.0.0-fake', librarySrc: '/nonexistent/library' };
  });
  afterEach(function () {
    delete process.env.SBF_FAKE_FAIL;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds core then compiler_builtins with the right environment, then reuses the result', async function () {
    const logs: string[] = [];
    const root = await ensureSysroot(tools, (s) => logs.push(s), cache);
    assert.equal(root, path.join(cache, `sysroot-${sysrootKey(tools)}`));
    assert.equal(fs.readFileSync(path.join(sysrootLibDir(root), 'libcore.rlib'), 'utf8'), 'rlib of core');
    assert.equal(fs.readFileSync(path.join(sysrootLibDir(root), 'libcompiler_builtins.rlib'), 'utf8'), 'rlib of compiler_builtins');
    assert.deepEqual(fs.readFileSync(calls, 'utf8').trim().split('\n'), ['core 1 ', 'compiler_builtins 1 3']);
    assert.ok(logs.some((l) => /built sysroot in \d+\.\d s/.test(l)), logs.join('\n'));

    const again: string[] = [];
    assert.equal(await ensureSysroot(tools, (s) => again.push(s), cache), root);
    assert.equal(fs.readFileSync(calls, 'utf8').trim().split('\n').length, 2, 'not rebuilt');
    assert.ok(again.some((l) => l.includes('(cached)')));
  });

  it('leaves nothing behind when a build fails', async function () {
    process.env.SBF_FAKE_FAIL = 'compiler_builtins';
    await assert.rejects(ensureSysroot(tools, () => {}, cache), /building compiler_builtins for the sysroot failed[\s\S]*boom in compiler_builtins/);
    assert.deepEqual(fs.readdirSync(cache), []);
  });

  it('changes key with the rustc build', function () {
    assert.notEqual(sysrootKey(tools), sysrootKey({ ...tools, rustcVersion: 'rustc 0.0.1-fake' }));
    assert.match(sysrootKey(tools), /^[0-9a-f]{12}$/);
  });

  it('does not reuse an incomplete sysroot, and removes temporaries of dead builds', async function () {
    const final = path.join(cache, `sysroot-${sysrootKey(tools)}`);
    fs.mkdirSync(sysrootLibDir(final), { recursive: true });
    fs.writeFileSync(path.join(sysrootLibDir(final), 'libcore.rlib'), 'half');
    const stale = path.join(cache, '.tmp-sysroot-0123456789ab-999999999-deadbeef');
    fs.mkdirSync(stale);
    await ensureSysroot(tools, () => {}, cache);
    assert.equal(fs.readFileSync(path.join(sysrootLibDir(final), 'libcore.rlib'), 'utf8'), 'rlib of core');
    assert.ok(!fs.existsSync(stale));
    assert.deepEqual(fs.readdirSync(cache), [path.basename(final)]);
  });
});
