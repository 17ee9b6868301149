/** ensureToolchain, compileRlib and buildProgram with a library, and rustc's own errors. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FailedTransactionMetadata } from 'litesvm';
import { buildProgram, compileRlib, ensureToolchain, SbfBuildError, Toolchain } from '../../tools/sbf';
import { CACHE_DIR } from '../../tools/sbf/config';
import { findMissing } from '../../tools/sbf/deps';
import { sysrootLibDir } from '../../tools/sbf/sysroot';
import { OneProgram } from './helpers/litesvm';

const DIR = path.join(CACHE_DIR, 'test', 'toolchain');

/** A library crate the way programs/runtime is one: mem functions + helpers, no_std, no crates. */
const LIB = `#![no_std]
extern "C" {
    fn sol_memcpy_(dst: *mut u8, src: *const u8, n: u64);
    fn sol_memset_(dst: *mut u8, c: u8, n: u64);
    fn sol_set_return_data(data: *const u8, len: u64);
}
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    sol_memcpy_(dst, src, n as u64);
    dst
}
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    sol_memset_(dst, c as u8, n as u64);
    dst
}
/// a * b / c without u128: None on overflow or c == 0.
pub fn mul_div(a: u64, b: u64, c: u64) -> Option<u64> {
    if c == 0 { return None; }
    a.checked_mul(b).map(|p| p / c)
}
pub fn set_return(data: &[u8]) {
    unsafe { sol_set_return_data(data.as_ptr(), data.len() as u64) }
}
`;

const PROGRAM = `#![no_std]
use mathlib::{mul_div, set_return};
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    // no accounts: [0u64][len u64][data]
    let len = *(input.add(8) as *const u64) as usize;
    let data = core::slice::from_raw_parts(input.add(16), len);
    if data.len() < 24 { return 9; }
    let mut w = [0u8; 8];
    w.copy_from_slice(&data[0..8]); let a = u64::from_le_bytes(w);
    w.copy_from_slice(&data[8..16]); let b = u64::from_le_bytes(w);
    w.copy_from_slice(&data[16..24]); let c = u64::from_le_bytes(w);
    match mul_div(a, b, c) {
        Some(r) => { set_return(&r.to_le_bytes()); 0 }
        None => 8,
    }
}
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
`;

function write(rel: string, text: string): string {
  const f = path.join(DIR, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

describe('tools/sbf toolchain', function () {
  let tc: Toolchain;
  before(async function () {
    this.timeout(600_000);
    tc = await ensureToolchain();
    fs.rmSync(DIR, { recursive: true, force: true });
  });

  it('finds Debian rustc 1.96 with sources and LLVM 22', async function () {
    const found = await findMissing();
    assert.deepEqual(found.problems, []);
    assert.equal(tc.rustc, '/usr/bin/rustc');
    assert.equal(tc.llvmBin, '/usr/lib/llvm-22/bin');
    assert.match(tc.rustcVersion, /^rustc 1\.96\./);
  });

  it('caches the sysroot under .cache/sbf/sysroot-<hash> and reuses it', async function () {
    assert.match(tc.sysroot, /[/]\.cache[/]sbf[/]sysroot-[0-9a-f]{12}$/);
    for (const f of ['libcore.rlib', 'libcompiler_builtins.rlib']) assert.ok(fs.existsSync(path.join(sysrootLibDir(tc.sysroot), f)), f);
    const stamp = JSON.parse(fs.readFileSync(path.join(tc.sysroot, 'sysroot.json'), 'utf8')) as { totalMs: number };
    assert.ok(stamp.totalMs > 0);
    const t0 = Date.now();
    const again = await ensureToolchain();
    assert.equal(again.sysroot, tc.sysroot);
    assert.ok(Date.now() - t0 < 1000, 'second call is cached');
    // (other processes sharing the cache may be mid-build: only ours must be gone)
    assert.deepEqual(
      fs.readdirSync(CACHE_DIR).filter((n) => n.startsWith('.tmp-sysroot') && n.includes(`-${process.pid}-`)),
      [],
      'no temporary sysroot of this process left behind',
    );
  });

  it('builds a program against a library rlib that provides memcpy/memset, and it runs', async function () {
    const rlib = await compileRlib(tc, { crateName: 'mathlib', rootFile: write('mathlib/src/lib.rs', LIB), outDir: path.join(DIR, 'out') });
    assert.equal(rlib, path.join(DIR, 'out', 'libmathlib.rlib'));
    const r = await buildProgram(tc, {
      crateName: 'muldiv',
      rootFile: write('muldiv/src/lib.rs', PROGRAM),
      outSo: path.join(DIR, 'out', 'muldiv.so'),
      externs: [{ name: 'mathlib', rlib }],
      workDir: path.join(DIR, 'work'),
    });
    assert.equal(fs.statSync(r.soPath).size, r.soBytes);
    const p = new OneProgram(fs.readFileSync(r.soPath));
    const args = (a: bigint, b: bigint, c: bigint) => {
      const d = Buffer.alloc(24);
      d.writeBigUInt64LE(a, 0);
      d.writeBigUInt64LE(b, 8);
      d.writeBigUInt64LE(c, 16);
      return new Uint8Array(d);
    };
    const ok = await p.call(args(1_000_000n, 700n, 1000n));
    assert.ok(!(ok instanceof FailedTransactionMetadata), ok.toString());
    assert.equal(Buffer.from(ok.returnData().data()).readBigUInt64LE(0), 700_000n);
    const overflow = await p.call(args(1n << 40n, 1n << 40n, 3n));
    assert.ok(overflow instanceof FailedTransactionMetadata);
    assert.match(overflow.toString(), /Custom\(8\)/);
  });

  it('reports rustc errors with rustc\'s own message', async function () {
    const file = write('broken/src/lib.rs', '#![no_std]\npub fn f() -> u64 { undefined_thing }\n');
    await assert.rejects(
      buildProgram(tc, { crateName: 'broken', rootFile: file, outSo: path.join(DIR, 'out', 'broken.so'), workDir: path.join(DIR, 'broken-work') }),
      (e: unknown) =>
        e instanceof SbfBuildError &&
        e.rule === 'rustc' &&
        e.file === file &&
        /error\[E0425\]: cannot find value `undefined_thing` in this scope/.test(e.message) &&
        e.stack === `SbfBuildError: ${e.message}`,
    );
  });

  it('reports a symbol defined twice (memcpy in the program and in a library)', async function () {
    const rlib = path.join(DIR, 'out', 'libmathlib.rlib');
    const file = write('twice/src/lib.rs', `#![no_std]
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, _src: *const u8, _n: usize) -> *mut u8 { dst }
#[no_mangle]
pub unsafe extern "C" fn entrypoint(_input: *mut u8) -> u64 { mathlib::mul_div(1, 2, 3).unwrap_or(0) }
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
`);
    await assert.rejects(
      buildProgram(tc, { crateName: 'twice', rootFile: file, outSo: path.join(DIR, 'out', 'twice.so'), externs: [{ name: 'mathlib', rlib }], workDir: path.join(DIR, 'twice-work') }),
      (e: unknown) => e instanceof SbfBuildError && e.rule === 'duplicate-symbol' && /memcpy/.test(e.message),
    );
  });
});
