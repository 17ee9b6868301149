/** The IR rewrites that keep the BPF backend away from runtime-library calls. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LLC_FLAGS, LLVM_BIN } from '../../tools/sbf/config';
import { argValue, rewriteIr, splitTopLevel } from '../../tools/sbf/ir-rewrite';

const HEAD = `target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
target triple = "bpfel"
`;

function fn(body: string, extra = ''): string {
  return `${HEAD}
define i64 @entrypoint(ptr %dst, ptr %src, i64 %n, i8 %c, i32 %n32) {
start:
${body}
  ret i64 0
}
${extra}
declare void @llvm.memcpy.p0.p0.i64(ptr noalias writeonly captures(none), ptr noalias readonly captures(none), i64, i1 immarg)
declare void @llvm.memmove.p0.p0.i64(ptr writeonly captures(none), ptr readonly captures(none), i64, i1 immarg)
declare void @llvm.memset.p0.i64(ptr writeonly captures(none), i8, i64, i1 immarg)
declare void @llvm.memcpy.p0.p0.i32(ptr noalias writeonly captures(none), ptr noalias readonly captures(none), i32, i1 immarg)
declare { i64, i1 } @llvm.umul.with.overflow.i64(i64, i64)
`;
}

/** The rewritten lines between `start:` and the `ret`. */
function bodyOf(ir: string): string[] {
  const lines = ir.split('\n');
  const from = lines.indexOf('start:') + 1;
  const to = lines.indexOf('  ret i64 0');
  return lines.slice(from, to);
}

describe('tools/sbf IR rewrites', function () {
  describe('helpers', function () {
    it('splits call arguments at top-level commas only', function () {
      assert.deepEqual(splitTopLevel('ptr nonnull align 8 %a, i64 range(i64 0, 65) %n, i1 false', ','), [
        'ptr nonnull align 8 %a',
        'i64 range(i64 0, 65) %n',
        'i1 false',
      ]);
    });
    it('finds the value after the attributes', function () {
      assert.equal(argValue('ptr noundef nonnull align 8 dereferenceable(64) %12'), '%12');
      assert.equal(argValue('i64 range(i64 0, 65) %n.sroa.0.0'), '%n.sroa.0.0');
      assert.equal(argValue('i64 noundef 64'), '64');
      assert.equal(argValue('ptr getelementptr inbounds nuw (i8, ptr @x, i64 16)'), 'getelementptr inbounds nuw (i8, ptr @x, i64 16)');
      assert.equal(argValue('ptr %"odd name"'), '%"odd name"');
    });
  });

  describe('mem intrinsics', function () {
    it('turns memcpy with a runtime length into a call of our memcpy (keeping attributes and metadata)', function () {
      const { ir, stats } = rewriteIr(
        fn('  call void @llvm.memcpy.p0.p0.i64(ptr nonnull align 8 %dst, ptr nonnull readonly align 1 %src, i64 range(i64 0, 65) %n, i1 false), !noalias !0', '!0 = !{}'),
      );
      assert.deepEqual(bodyOf(ir), [
        '  %__sbf.memcpy.0 = call ptr @memcpy(ptr nonnull align 8 %dst, ptr nonnull readonly align 1 %src, i64 range(i64 0, 65) %n), !noalias !0',
      ]);
      assert.deepEqual(stats, { memcpy: 1, memmove: 0, memset: 0, umul: 0 });
      assert.match(ir, /\ndeclare ptr @memcpy\(ptr, ptr, i64\)\n$/);
    });

    it('leaves constant lengths under 64 to llc and rewrites 64 and more', function () {
      const { ir } = rewriteIr(
        fn(
          [
            '  call void @llvm.memcpy.p0.p0.i64(ptr align 8 %dst, ptr align 8 %src, i64 63, i1 false)',
            '  tail call void @llvm.memmove.p0.p0.i64(ptr align 8 %dst, ptr align 8 %src, i64 64, i1 false)',
            '  call void @llvm.memset.p0.i64(ptr align 8 %dst, i8 0, i64 32, i1 false)',
          ].join('\n'),
        ),
      );
      assert.deepEqual(bodyOf(ir), [
        '  call void @llvm.memcpy.p0.p0.i64(ptr align 8 %dst, ptr align 8 %src, i64 63, i1 false)',
        '  %__sbf.memmove.0 = call ptr @memmove(ptr align 8 %dst, ptr align 8 %src, i64 64)',
        '  call void @llvm.memset.p0.i64(ptr align 8 %dst, i8 0, i64 32, i1 false)',
      ]);
    });

    it('widens memset values to i32 and i32 lengths to i64', function () {
      const { ir, stats } = rewriteIr(
        fn(
          [
            '  call void @llvm.memset.p0.i64(ptr noundef nonnull align 8 dereferenceable(64) %dst, i8 0, i64 64, i1 false)',
            '  call void @llvm.memset.p0.i64(ptr align 1 %dst, i8 -1, i64 %n, i1 false)',
            '  call void @llvm.memset.p0.i64(ptr align 1 %dst, i8 %c, i64 %n, i1 false)',
            '  call void @llvm.memcpy.p0.p0.i32(ptr align 1 %dst, ptr align 1 %src, i32 %n32, i1 false)',
          ].join('\n'),
        ),
      );
      assert.deepEqual(bodyOf(ir), [
        '  %__sbf.memset.0 = call ptr @memset(ptr noundef nonnull align 8 dereferenceable(64) %dst, i32 0, i64 64)',
        '  %__sbf.memset.1 = call ptr @memset(ptr align 1 %dst, i32 255, i64 %n)',
        '  %__sbf.memset.2.c = zext i8 %c to i32',
        '  %__sbf.memset.2 = call ptr @memset(ptr align 1 %dst, i32 %__sbf.memset.2.c, i64 %n)',
        '  %__sbf.memcpy.3.len = zext i32 %n32 to i64',
        '  %__sbf.memcpy.3 = call ptr @memcpy(ptr align 1 %dst, ptr align 1 %src, i64 %__sbf.memcpy.3.len)',
      ]);
      assert.deepEqual(stats, { memcpy: 1, memmove: 0, memset: 3, umul: 0 });
    });

    it('never makes memcpy/memmove/memset call themselves (reported in selfCalls instead)', function () {
      const src = `${HEAD}
define ptr @memcpy(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  ret ptr %d
}
define ptr @other(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  ret ptr %d
}
`;
      const r = rewriteIr(src);
      assert.deepEqual(r.selfCalls, ['memcpy']);
      assert.equal(r.stats.memcpy, 1);
      assert.match(r.ir, /define ptr @memcpy\(ptr %d, ptr %s, i64 %n\) \{\n  call void @llvm\.memcpy/);
      assert.match(r.ir, /define ptr @other\(ptr %d, ptr %s, i64 %n\) \{\n  %__sbf\.memcpy\.0 = call ptr @memcpy/);
    });

    it('does not declare functions the program already defines', function () {
      const { ir } = rewriteIr(
        fn(
          '  call void @llvm.memcpy.p0.p0.i64(ptr %dst, ptr %src, i64 %n, i1 false)',
          'define ptr @memcpy(ptr %d, ptr %s, i64 %n) {\n  ret ptr %d\n}',
        ),
      );
      assert.equal(ir.match(/@memcpy\(/g)?.length, 2); // the call and the definition
      assert.doesNotMatch(ir, /declare ptr @memcpy/);
    });
  });

  describe('umul.with.overflow.i64 (u64::checked_mul)', function () {
    it('becomes a division-based check for two runtime operands', function () {
      const { ir, stats } = rewriteIr(fn('  %7 = tail call { i64, i1 } @llvm.umul.with.overflow.i64(i64 %n, i64 %x)\n  %o = extractvalue { i64, i1 } %7, 1'));
      assert.deepEqual(bodyOf(ir), [
        '  %__sbf.umul.0.p = mul i64 %n, %x',
        '  %__sbf.umul.0.nz = icmp ne i64 %n, 0',
        '  %__sbf.umul.0.d = select i1 %__sbf.umul.0.nz, i64 %n, i64 1',
        '  %__sbf.umul.0.q = udiv i64 %__sbf.umul.0.p, %__sbf.umul.0.d',
        '  %__sbf.umul.0.ne = icmp ne i64 %__sbf.umul.0.q, %x',
        '  %__sbf.umul.0.o = and i1 %__sbf.umul.0.nz, %__sbf.umul.0.ne',
        '  %__sbf.umul.0.r = insertvalue { i64, i1 } poison, i64 %__sbf.umul.0.p, 0',
        '  %7 = insertvalue { i64, i1 } %__sbf.umul.0.r, i1 %__sbf.umul.0.o, 1',
        '  %o = extractvalue { i64, i1 } %7, 1',
      ]);
      assert.equal(stats.umul, 1);
    });

    it('becomes a compare against u64::MAX / c for a constant operand', function () {
      const { ir } = rewriteIr(fn('  %r = call { i64, i1 } @llvm.umul.with.overflow.i64(i64 %n, i64 10000)'));
      assert.deepEqual(bodyOf(ir), [
        '  %__sbf.umul.0.p = mul i64 %n, 10000',
        '  %__sbf.umul.0.o = icmp ugt i64 %n, 1844674407370955',
        '  %__sbf.umul.0.r = insertvalue { i64, i1 } poison, i64 %__sbf.umul.0.p, 0',
        '  %r = insertvalue { i64, i1 } %__sbf.umul.0.r, i1 %__sbf.umul.0.o, 1',
      ]);
      const { ir: ir2 } = rewriteIr(fn('  %r = call { i64, i1 } @llvm.umul.with.overflow.i64(i64 3, i64 %n)'));
      assert.ok(bodyOf(ir2).includes('  %__sbf.umul.0.o = icmp ugt i64 %n, 6148914691236517205'));
    });

    it('produces IR that llc compiles for BPF without __multi3 or libcalls', function () {
      const src = fn(
        [
          '  %m = call { i64, i1 } @llvm.umul.with.overflow.i64(i64 %n, i64 %n)',
          '  %k = call { i64, i1 } @llvm.umul.with.overflow.i64(i64 %n, i64 7)',
          '  %mv = extractvalue { i64, i1 } %m, 0',
          '  %mo = extractvalue { i64, i1 } %m, 1',
          '  %ko = extractvalue { i64, i1 } %k, 1',
          '  %any = or i1 %mo, %ko',
          '  %anyw = zext i1 %any to i64',
          '  store volatile i64 %mv, ptr %src',
          '  store volatile i64 %anyw, ptr %src',
          '  call void @llvm.memcpy.p0.p0.i64(ptr %dst, ptr %src, i64 %n, i1 false)',
          '  call void @llvm.memset.p0.i64(ptr %dst, i8 %c, i64 100, i1 false)',
        ].join('\n'),
        'define ptr @memcpy(ptr %d, ptr %s, i64 %n) {\n  ret ptr %d\n}\ndefine ptr @memset(ptr %d, i32 %c, i64 %n) {\n  ret ptr %d\n}',
      );
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbf-ir-'));
      try {
        fs.writeFileSync(path.join(dir, 'before.ll'), src);
        const before = (() => {
          try {
            execFileSync(path.join(LLVM_BIN, 'llc'), [...LLC_FLAGS, path.join(dir, 'before.ll'), '-o', path.join(dir, 'before.o')], { stdio: 'pipe' });
            return '';
          } catch (e) {
            return String((e as { stderr?: Buffer }).stderr);
          }
        })();
        assert.match(before, /__multi3/, 'without the rewrite llc refuses the multiply');
        fs.writeFileSync(path.join(dir, 'after.ll'), rewriteIr(src).ir);
        execFileSync(path.join(LLVM_BIN, 'llc'), [...LLC_FLAGS, path.join(dir, 'after.ll'), '-o', path.join(dir, 'after.o')], { stdio: 'pipe' });
        assert.ok(fs.statSync(path.join(dir, 'after.o')).size > 0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
