/**
 * The SBPF v0 ELF writer on exact inputs: a hand-built relocatable object with every relocation
 * kind, then the same kinds from a real llc object.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { linkSbpf } from '../../tools/sbf/sbpf-elf';
import { parseElf, readSymbols, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE } from '../../tools/sbf/elf-reader';
import { SbfBuildError } from '../../tools/sbf/errors';
import { LLC_FLAGS, LLVM_BIN } from '../../tools/sbf/config';
import { FailedTransactionMetadata } from 'litesvm';
import { OneProgram } from './helpers/litesvm';
import { buildRelObject, insn, lddw, ObjSection, ObjSymbol } from './helpers/rel-object';

const MM = 0x1_0000_0000n;
const AX = SHF_ALLOC | SHF_EXECINSTR;

function u64(b: Uint8Array, at: number): bigint {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).readBigUInt64LE(at);
}
function bytesAt(b: Uint8Array, at: number, n = 8): number[] {
  return [...b.subarray(at, at + n)];
}

/**
 * .text (0x60 bytes, placed at 0x120):
 *   0  lddw r1, .rodata+0          R_BPF_64_64 vs section symbol ("hello")
 *   2  mov r2, 5
 *   3  call -1                     R_BPF_64_32 vs sol_log_ (undefined: syscall)
 *   4  call -1                     R_BPF_64_32 vs helper (defined function symbol)
 *   5  call 9                      R_BPF_64_32 vs .text section symbol (target insn 10)
 *   6  lddw r3, .text+0x50         R_BPF_64_64 vs .text section symbol, addend 0x50 in imm (fn pointer)
 *   8  callx r3                    (LLVM encoding: register in dst)
 *   9  exit
 *  10  helper: mov r0, 7
 *  11  exit
 * .rodata (align 8, 24 bytes): "hello\0\0\0", ptr → .rodata+0, ptr → helper  (R_BPF_64_ABS64)
 * .rodata.str1.1 (align 1): "abc\0"
 */
function sampleObject(): Uint8Array {
  const text = [
    ...lddw(1, 0n),
    ...insn(0xb7, 2, 0, 0, 5),
    ...insn(0x85, 0, 1, 0, -1),
    ...insn(0x85, 0, 1, 0, -1),
    ...insn(0x85, 0, 1, 0, 9),
    ...lddw(3, 0x50n),
    ...insn(0x8d, 3, 0, 0, 0),
    ...insn(0x95),
    ...insn(0xb7, 0, 0, 0, 7),
    ...insn(0x95),
  ];
  const rodata = [...Buffer.from('hello\0\0\0'), ...new Array(16).fill(0)];
  const sections: ObjSection[] = [
    { name: '.text', flags: AX, data: new Uint8Array(text) },
    { name: '.rodata', flags: SHF_ALLOC, data: new Uint8Array(rodata) },
    { name: '.rodata.str1.1', flags: SHF_ALLOC | 0x30, data: new Uint8Array(Buffer.from('abc\0')), align: 1 },
  ];
  const symbols: ObjSymbol[] = [
    /* 0 */ { name: '.text', section: 0, type: 'section' },
    /* 1 */ { name: '.rodata', section: 1, type: 'section' },
    /* 2 */ { name: 'helper', section: 0, value: 0x50, size: 16, type: 'func' },
    /* 3 */ { name: 'entrypoint', section: 0, value: 0, size: 0x50, type: 'func', global: true },
    /* 4 */ { name: 'sol_log_', section: 'undef', global: true },
  ];
  return buildRelObject(sections, symbols, [
    { section: 0, offset: 0x00, type: 1, symbol: 1 },
    { section: 0, offset: 0x18, type: 10, symbol: 4 },
    { section: 0, offset: 0x20, type: 10, symbol: 2 },
    { section: 0, offset: 0x28, type: 10, symbol: 0 },
    { section: 0, offset: 0x30, type: 1, symbol: 0 },
    { section: 1, offset: 0x08, type: 2, symbol: 1 },
    { section: 1, offset: 0x10, type: 2, symbol: 2 },
  ]);
}

describe('tools/sbf SBPF v0 ELF writer', function () {
  describe('on a hand-built object', function () {
    const img = linkSbpf(sampleObject(), 'sample.rs');
    const so = img.bytes;
    const elf = parseElf(so);

    it('writes the ELF header the v0 loader wants', function () {
      assert.deepEqual(bytesAt(so, 0, 16), [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.equal(elf.type, 3); // ET_DYN
      assert.equal(elf.machine, 247);
      assert.equal(elf.flags, 0);
      assert.equal(elf.entry, 0x120); // file address of entrypoint
      assert.equal(img.text.addr, 0x120);
      assert.equal(img.text.size, 0x60);
      assert.equal(img.rodata.addr, 0x180);
      assert.equal(img.rodata.size, 28); // 24 + "abc\0"
    });

    it('lays out exactly the expected sections, vaddr == offset', function () {
      assert.deepEqual(
        elf.sections.map((s) => [s.name, s.addr, s.offset]),
        [
          ['', 0, 0],
          ['.text', 0x120, 0x120],
          ['.rodata', 0x180, 0x180],
          ['.dynsym', 0x1a0, 0x1a0],
          ['.dynstr', 0x1e8, 0x1e8],
          ['.rel.dyn', 0x200, 0x200],
          ['.dynamic', 0x210, 0x210],
          ['.shstrtab', 0, 0x2c0],
        ],
      );
      assert.deepEqual(
        elf.programHeaders.map((p) => [p.type, p.flags, p.offset, p.vaddr, p.filesz]),
        [
          [1, 5, 0x120, 0x120, 0x60], // LOAD text R+X
          [1, 4, 0x180, 0x180, 28], // LOAD rodata R
          [1, 4, 0x1a0, 0x1a0, 0x210 + 0xb0 - 0x1a0], // LOAD dynsym..dynamic R
          [2, 4, 0x210, 0x210, 0xb0], // DYNAMIC
        ],
      );
    });

    it('resolves lddw of data statically to 0x1_0000_0000 + address', function () {
      assert.deepEqual(bytesAt(so, 0x120, 16), [0x18, 0x01, 0, 0, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0]);
    });

    it('keeps syscall calls as call -1 with an R_BPF_64_32 .rel.dyn entry', function () {
      assert.deepEqual(bytesAt(so, 0x138), [0x85, 0x10, 0, 0, 0xff, 0xff, 0xff, 0xff]);
      const rel = elf.sections.find((s) => s.name === '.rel.dyn');
      assert.ok(rel);
      assert.deepEqual(bytesAt(rel.data, 0, 16), [0x38, 0x01, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0]);
      assert.deepEqual(img.relocations, [{ offset: 0x138, type: 10, symbol: 'sol_log_' }]);
      const dynsym = elf.sections.find((s) => s.name === '.dynsym');
      const dynstr = elf.sections.find((s) => s.name === '.dynstr');
      assert.ok(dynsym && dynstr);
      const syms = readSymbols(dynsym, dynstr);
      assert.deepEqual(
        syms.map((s) => [s.name, s.bind, s.type, s.shndx, s.value]),
        [
          ['', 0, 0, 0, 0],
          ['entrypoint', 1, 2, 1, 0x120],
          ['sol_log_', 1, 0, 0, 0],
        ],
      );
    });

    it('turns internal calls into pc-relative immediates without relocations', function () {
      // helper is at 0x170; the call at 0x140 → imm (0x170 - 0x148) / 8 = 5
      assert.deepEqual(bytesAt(so, 0x140), [0x85, 0x10, 0, 0, 5, 0, 0, 0]);
      // via the section symbol, at 0x148 → imm (0x170 - 0x150) / 8 = 4
      assert.deepEqual(bytesAt(so, 0x148), [0x85, 0x10, 0, 0, 4, 0, 0, 0]);
    });

    it('resolves lddw of a function address (fn pointer) and fixes callx', function () {
      assert.deepEqual(bytesAt(so, 0x150, 16), [0x18, 0x03, 0, 0, 0x70, 0x01, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0]);
      assert.deepEqual(bytesAt(so, 0x160), [0x8d, 0x00, 0, 0, 3, 0, 0, 0]);
    });

    it('resolves pointers stored in .rodata statically', function () {
      assert.equal(u64(so, 0x188), MM + 0x180n);
      assert.equal(u64(so, 0x190), MM + 0x170n);
      assert.deepEqual(bytesAt(so, 0x198, 4), [...Buffer.from('abc\0')]);
    });

    it('writes the dynamic tags', function () {
      const dyn = elf.sections.find((s) => s.name === '.dynamic');
      assert.ok(dyn);
      const tags: [bigint, bigint][] = [];
      for (let o = 0; o < dyn.data.length; o += 16) tags.push([u64(dyn.data, o), u64(dyn.data, o + 8)]);
      assert.deepEqual(tags, [
        [6n, 0x1a0n], // SYMTAB
        [5n, 0x1e8n], // STRTAB
        [10n, 21n], // STRSZ: "\0entrypoint\0sol_log_\0"
        [11n, 24n], // SYMENT
        [17n, 0x200n], // REL
        [18n, 16n], // RELSZ
        [19n, 16n], // RELENT
        [0x6ffffffan, 0n], // RELCOUNT
        [22n, 0n], // TEXTREL
        [30n, 4n], // FLAGS = DF_TEXTREL
        [0n, 0n],
      ]);
    });

    it('disassembles with llvm-objdump as expected', function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbf-elf-'));
      const file = path.join(dir, 'sample.so');
      fs.writeFileSync(file, so);
      const dis = execFileSync(path.join(LLVM_BIN, 'llvm-objdump'), ['-d', file], { encoding: 'utf8' });
      assert.match(dis, /r1 = 0x100000180 ll/);
      assert.match(dis, /r3 = 0x100000170 ll/);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    it('loads and runs in litesvm: logs through the syscall, calls helper, returns 7 via callx', async function () {
      const res = await new OneProgram(so).call(new Uint8Array(0));
      assert.ok(res instanceof FailedTransactionMetadata, 'entrypoint returns 7: the transaction fails with Custom(7)');
      assert.match(res.toString(), /Custom\(7\)/);
      assert.ok(res.meta().logs().includes('Program log: hello'), res.meta().logs().join('\n'));
    });
  });

  describe('rules', function () {
    const entry: ObjSymbol = { name: 'entrypoint', section: 0, value: 0, size: 16, type: 'func', global: true };
    const textOf = (...i: number[][]) => ({ name: '.text', flags: AX, data: new Uint8Array(i.flat()) });

    it('omits DT_REL when there is nothing to relocate (the loader rejects DT_RELSZ 0)', async function () {
      const img = linkSbpf(buildRelObject([textOf(insn(0xb7, 0, 0, 0, 0), insn(0x95))], [entry], []), 'p.rs');
      const elf = parseElf(img.bytes);
      const dyn = elf.sections.find((s) => s.name === '.dynamic');
      assert.ok(dyn);
      const tags: bigint[] = [];
      for (let o = 0; o < dyn.data.length; o += 16) tags.push(u64(dyn.data, o));
      assert.deepEqual(tags, [6n, 5n, 10n, 11n, 0n]);
      assert.equal(elf.sections.find((s) => s.name === '.rel.dyn')?.size, 0);
      const res = await new OneProgram(img.bytes).call(new Uint8Array(0));
      assert.ok(!(res instanceof FailedTransactionMetadata), `the loader accepts it: ${res.toString()}`);
    });

    it('leaves a callx already in v0 form alone', function () {
      const img = linkSbpf(buildRelObject([textOf(insn(0x8d, 0, 0, 0, 4), insn(0x95))], [entry], []), 'p.rs');
      assert.deepEqual(bytesAt(img.bytes, 0x120), [0x8d, 0, 0, 0, 4, 0, 0, 0]);
    });

    it('rejects writable data, naming the symbols', function () {
      const obj = buildRelObject(
        [textOf(insn(0x95)), { name: '.bss', flags: SHF_ALLOC | SHF_WRITE, data: new Uint8Array(8), nobits: true }],
        [entry, { name: '_ZN5hello7COUNTER17h0123456789abcdefE', section: 1, value: 0, size: 8, type: 'object' }],
        [],
      );
      assert.throws(
        () => linkSbpf(obj, 'programs/x/src/lib.rs'),
        (e: unknown) =>
          e instanceof SbfBuildError &&
          e.rule === 'writable-data' &&
          e.file === 'programs/x/src/lib.rs' &&
          e.message.includes('hello::COUNTER (8 bytes in .bss)') &&
          e.message.includes('static mut'),
      );
    });

    it('rejects calls to functions that are neither defined nor syscalls, with the fix', function () {
      const obj = buildRelObject(
        [textOf(insn(0x85, 0, 1, 0, -1), insn(0x85, 0, 1, 0, -1), insn(0x95))],
        [entry, { name: '__multi3', section: 'undef', global: true }, { name: 'mystery', section: 'undef', global: true }],
        [
          { section: 0, offset: 0, type: 10, symbol: 1 },
          { section: 0, offset: 8, type: 10, symbol: 2 },
        ],
      );
      assert.throws(
        () => linkSbpf(obj, 'p.rs'),
        (e: unknown) =>
          e instanceof SbfBuildError &&
          e.rule === 'undefined-symbol' &&
          /`__multi3`: u128\/i128 multiplication/.test(e.message) &&
          /`mystery`: neither defined/.test(e.message),
      );
    });

    it('rejects a program without entrypoint', function () {
      const obj = buildRelObject([textOf(insn(0x95))], [{ name: 'main', section: 0, size: 8, type: 'func', global: true }], []);
      assert.throws(() => linkSbpf(obj, 'p.rs'), (e: unknown) => e instanceof SbfBuildError && e.rule === 'entrypoint');
    });

    it('rejects 32-bit absolute pointers (they cannot hold a program address)', function () {
      const obj = buildRelObject(
        [textOf(insn(0x95)), { name: '.rodata', flags: SHF_ALLOC, data: new Uint8Array(8) }],
        [entry, { name: '.rodata', section: 1, type: 'section' }],
        [{ section: 1, offset: 0, type: 3, symbol: 1 }],
      );
      assert.throws(() => linkSbpf(obj, 'p.rs'), (e: unknown) => e instanceof SbfBuildError && e.rule === 'unsupported' && /32-bit pointer/.test(e.message));
    });
  });

  describe('on a real llc object', function () {
    let dir: string;
    before(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbf-llc-'));
    });
    after(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('resolves lddw, syscall, internal call, callx and .rodata pointers', function () {
      const ll = `
target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
target triple = "bpfel"
@msg = private unnamed_addr constant [5 x i8] c"hello", align 1
@tbl = internal unnamed_addr constant [2 x ptr] [ptr @msg, ptr @helper], align 8
declare void @sol_log_(ptr, i64)
define internal i64 @helper(i64 %x) noinline {
  %y = add i64 %x, 7
  ret i64 %y
}
define i64 @entrypoint(ptr %in) {
  call void @sol_log_(ptr @msg, i64 5)
  %i = load i64, ptr %in
  %slot = getelementptr [2 x ptr], ptr @tbl, i64 0, i64 %i
  %f = load ptr, ptr %slot
  %r = call i64 %f(i64 %i)
  %h = call i64 @helper(i64 %r)
  ret i64 %h
}
`;
      fs.writeFileSync(path.join(dir, 'rel.ll'), ll);
      execFileSync(path.join(LLVM_BIN, 'llc'), [...LLC_FLAGS, path.join(dir, 'rel.ll'), '-o', path.join(dir, 'rel.o')]);
      const obj = new Uint8Array(fs.readFileSync(path.join(dir, 'rel.o')));
      const objElf = parseElf(obj);
      const objText = objElf.sections.find((s) => s.name === '.text');
      assert.ok(objText);
      const helperOff = objElf.symbols.find((s) => s.name === 'helper')?.value;
      const entryOff = objElf.symbols.find((s) => s.name === 'entrypoint')?.value;
      assert.ok(helperOff !== undefined && entryOff !== undefined);

      const img = linkSbpf(obj, 'rel.ll');
      const so = img.bytes;
      const t = img.text.addr;
      assert.equal(img.entry, t + entryOff);
      const helperAddr = t + helperOff;
      assert.equal(img.functions.find((f) => f.name === 'helper')?.addr, helperAddr);

      const lddws: bigint[] = [];
      let callx = 0;
      let syscalls = 0;
      let internal = 0;
      for (let o = t; o < t + img.text.size; o += 8) {
        const op = so[o];
        const imm = Buffer.from(so.buffer, so.byteOffset).readInt32LE(o + 4);
        if (op === 0x18) {
          lddws.push(BigInt(Buffer.from(so.buffer, so.byteOffset).readUInt32LE(o + 4)) | (BigInt(Buffer.from(so.buffer, so.byteOffset).readUInt32LE(o + 12)) << 32n));
          o += 8;
        } else if (op === 0x8d) {
          callx++;
          assert.equal(so[o + 1] & 0x0f, 0, 'callx dst cleared');
          assert.ok(imm >= 1 && imm <= 9, `callx register in imm, got ${imm}`);
        } else if (op === 0x85 && imm === -1) {
          syscalls++;
          assert.ok(img.relocations.some((r) => r.offset === o && r.symbol === 'sol_log_'));
        } else if (op === 0x85) {
          internal++;
          assert.equal(o + 8 + imm * 8, helperAddr, 'pc-relative call lands on helper');
        }
      }
      assert.equal(callx, 1);
      assert.equal(syscalls, 1);
      assert.equal(internal, 1);
      // .rodata: "hello" at its start, the table (msg, helper) after it; lddw loads both addresses
      const r = img.rodata.addr;
      assert.deepEqual(bytesAt(so, r, 5), [...Buffer.from('hello')]);
      const tableAt = r + 8;
      assert.equal(u64(so, tableAt), MM + BigInt(r));
      assert.equal(u64(so, tableAt + 8), MM + BigInt(helperAddr));
      assert.deepEqual(lddws.sort(), [MM + BigInt(r), MM + BigInt(tableAt)].sort());
      // .eh_frame is dropped
      assert.deepEqual(parseElf(so).sections.map((s) => s.name).filter((n) => n.startsWith('.eh')), []);
    });
  });
});
