/**
 * The named build errors: each program breaks one rule the SBPF v0 target imposes, and the link
 * step must say which, where, and how to fix it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LLVM_BIN } from '../../tools/sbf/config';
import { SbfBuildError } from '../../tools/sbf/errors';
import { linkModules } from '../../tools/sbf/link';
import { parseLlcDiagnostics } from '../../tools/sbf/llc-diagnostics';

const HEAD = `target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
target triple = "bpfel"
`;

describe('tools/sbf link step: named errors', function () {
  let dir: string;
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbf-link-'));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function link(name: string, ll: string) {
    const src = path.join(dir, `${name}.ll`);
    fs.writeFileSync(src, HEAD + ll);
    return linkModules({ llvmBin: LLVM_BIN }, { file: `programs/${name}/src/lib.rs`, inputs: [src], outSo: path.join(dir, `${name}.so`), workDir: path.join(dir, `${name}-work`) });
  }

  async function rejects(name: string, ll: string, rule: string, ...mentions: (string | RegExp)[]): Promise<SbfBuildError> {
    try {
      await link(name, ll);
    } catch (e) {
      assert.ok(e instanceof SbfBuildError, `expected SbfBuildError, got ${String(e)}`);
      assert.equal(e.rule, rule, e.message);
      assert.equal(e.file, `programs/${name}/src/lib.rs`);
      assert.ok(e.message.startsWith(`programs/${name}/src/lib.rs: [${rule}] `), e.message);
      for (const m of mentions) {
        if (typeof m === 'string') assert.ok(e.message.includes(m), `message lacks ${JSON.stringify(m)}:\n${e.message}`);
        else assert.match(e.message, m);
      }
      assert.equal(e.stack, `SbfBuildError: ${e.message}`, 'no JavaScript stack trace');
      assert.ok(!fs.existsSync(path.join(dir, `${name}.so`)), 'no .so written');
      return e;
    }
    assert.fail(`${name} linked, but should break rule ${rule}`);
  }

  it('links a valid module and keeps the temporaries in workDir', async function () {
    const r = await link(
      'ok',
      `declare void @sol_log_(ptr, i64)
@m = private unnamed_addr constant [2 x i8] c"ok"
define i64 @entrypoint(ptr %in) {
  call void @sol_log_(ptr @m, i64 2)
  ret i64 0
}`,
    );
    assert.deepEqual(r.syscalls, ['sol_log_']);
    for (const f of ['linked.bc', 'opt.ll', 'rewritten.ll', 'program.o']) assert.ok(fs.existsSync(path.join(dir, 'ok-work', f)), f);
    assert.equal(fs.statSync(r.soPath).size, r.bytes.length);
  });

  it('writable data (static mut / atomics) → writable-data, naming the symbol', async function () {
    await rejects(
      'writable',
      `@_ZN7counter5COUNT17h0123456789abcdefE = internal global i64 0, align 8
define i64 @entrypoint(ptr %in) {
  %v = load volatile i64, ptr @_ZN7counter5COUNT17h0123456789abcdefE
  %w = add i64 %v, 1
  store volatile i64 %w, ptr @_ZN7counter5COUNT17h0123456789abcdefE
  ret i64 %w
}`,
      'writable-data',
      'counter::COUNT (8 bytes in .bss)',
      'static mut',
    );
  });

  it('a call of a function that is neither defined nor a syscall → undefined-symbol', async function () {
    await rejects(
      'undefined',
      `declare i64 @_ZN6helper5magic17h0123456789abcdefE(i64)
define i64 @entrypoint(ptr %in) {
  %r = call i64 @_ZN6helper5magic17h0123456789abcdefE(i64 1)
  ret i64 %r
}`,
      'undefined-symbol',
      '`helper::magic`',
      'neither defined',
    );
  });

  it('a missing memcpy → undefined-symbol with the fix', async function () {
    await rejects(
      'nomemcpy',
      `declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
define i64 @entrypoint(ptr %in) {
  %n = load i64, ptr %in
  %d = getelementptr i8, ptr %in, i64 64
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %in, i64 %n, i1 false)
  ret i64 0
}`,
      'undefined-symbol',
      '`memcpy`',
      'sol_memcpy_',
    );
  });

  it('u128 multiplication → builtin-call naming __multi3 and the fix', async function () {
    await rejects(
      'multi3',
      `define i64 @entrypoint(ptr %in) {
  %a = load i128, ptr %in
  %q = getelementptr i8, ptr %in, i64 16
  %b = load i128, ptr %q
  %p = mul i128 %a, %b
  %h = lshr i128 %p, 64
  %t = trunc i128 %h to i64
  ret i64 %t
}`,
      'builtin-call',
      '__multi3',
      'u128/i128 multiplication',
    );
  });

  it('more than 5 arguments → too-many-arguments, demangled, with #[inline(always)]', async function () {
    await rejects(
      'sixargs',
      `define internal i64 @_ZN4fees3six17h0123456789abcdefE(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f) noinline {
  %x1 = mul i64 %a, %b
  %x2 = mul i64 %x1, %c
  %x3 = mul i64 %x2, %d
  %x4 = mul i64 %x3, %e
  %x5 = mul i64 %x4, %f
  ret i64 %x5
}
define i64 @entrypoint(ptr %in) {
  %a = load volatile i64, ptr %in
  %b = load volatile i64, ptr %in
  %c = load volatile i64, ptr %in
  %d = load volatile i64, ptr %in
  %e = load volatile i64, ptr %in
  %f = load volatile i64, ptr %in
  %r = call i64 @_ZN4fees3six17h0123456789abcdefE(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f)
  %s = call i64 @_ZN4fees3six17h0123456789abcdefE(i64 %f, i64 %e, i64 %d, i64 %c, i64 %b, i64 %r)
  ret i64 %s
}`,
      'too-many-arguments',
      '`fees::six`',
      '#[inline(always)]',
      'struct by reference',
    );
  });

  it('a pair returned by value → aggregate-return with the fix', async function () {
    await rejects(
      'pair',
      `define internal { ptr, i64 } @_ZN4data5slice17h0123456789abcdefE(ptr %p) noinline {
  %l = load volatile i64, ptr %p
  %q = getelementptr i8, ptr %p, i64 %l
  %r = insertvalue { ptr, i64 } poison, ptr %q, 0
  %s = insertvalue { ptr, i64 } %r, i64 %l, 1
  ret { ptr, i64 } %s
}
define i64 @entrypoint(ptr %in) {
  %p = call { ptr, i64 } @_ZN4data5slice17h0123456789abcdefE(ptr %in)
  %d = extractvalue { ptr, i64 } %p, 0
  %n = extractvalue { ptr, i64 } %p, 1
  %p2 = call { ptr, i64 } @_ZN4data5slice17h0123456789abcdefE(ptr %d)
  %n2 = extractvalue { ptr, i64 } %p2, 1
  %d2 = extractvalue { ptr, i64 } %p2, 0
  store volatile i64 %n2, ptr %d2
  ret i64 %n
}`,
      'aggregate-return',
      '`data::slice`',
      'out-parameter',
    );
  });

  it('a stack frame over 4096 bytes → stack-frame', async function () {
    await rejects(
      'bigstack',
      `define i64 @entrypoint(ptr %in) {
  %buf = alloca [5000 x i8]
  %i = load i64, ptr %in
  %p = getelementptr i8, ptr %buf, i64 %i
  store volatile i8 1, ptr %p
  %v = load volatile i8, ptr %buf
  %z = zext i8 %v to i64
  ret i64 %z
}`,
      'stack-frame',
      '`entrypoint`',
      '4096',
    );
  });

  it('a memcpy built on ptr::copy_nonoverlapping (llvm.memcpy in its own body) → builtin-call, not infinite recursion', async function () {
    await rejects(
      'selfcpy',
      `declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
define ptr @memcpy(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  ret ptr %d
}
define i64 @entrypoint(ptr %in) {
  %n = load i64, ptr %in
  %q = getelementptr i8, ptr %in, i64 8
  %r = call ptr @memcpy(ptr %q, ptr %in, i64 %n)
  ret i64 0
}`,
      'builtin-call',
      '`memcpy` would call itself',
      'sol_memcpy_',
    );
  });

  it('no entrypoint → entrypoint', async function () {
    await rejects(
      'noentry',
      `define i64 @memset(ptr %d, i32 %c, i64 %n) {
  ret i64 0
}`,
      'entrypoint',
      'fn entrypoint',
    );
  });

  it('parses llc diagnostics into function + message', function () {
    const d = parseLlcDiagnostics(
      "error: <unknown>:0:0: in function entrypoint i64 (ptr): 0x55: i64 = GlobalAddress<ptr @f> 0 too many arguments\n\nerror: <unknown>:0:0: in function pair { i64, i64 } (i64): aggregate returns are not supported\n",
    );
    assert.deepEqual(d, [
      { fn: 'entrypoint', message: '0x55: i64 = GlobalAddress<ptr @f> 0 too many arguments' },
      { fn: 'pair', message: 'aggregate returns are not supported' },
    ]);
  });
});
