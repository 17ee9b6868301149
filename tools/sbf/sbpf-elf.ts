/**
 * Our own linker back end: turns the relocatable BPF object llc writes into the SBPF v0 shared
 * object the Solana loader accepts (no external tool).
 *
 * Output layout (virtual address == file offset everywhere):
 *   ELF header, 4 program headers, .text, .rodata, .dynsym, .dynstr, .rel.dyn, .dynamic,
 *   .shstrtab, section headers.
 * Relocations:
 *   - `call` to a Solana syscall (undefined symbol): stays `call -1`, gets R_BPF_64_32 in
 *     .rel.dyn against an undefined .dynsym entry (the loader hashes the name);
 *   - `call` to one of our functions: resolved to a pc-relative immediate, no relocation;
 *   - `lddw` of any address (data or function): resolved statically to 0x1_0000_0000 + address;
 *   - 64-bit pointers stored in .rodata (vtables, &str tables): resolved statically the same way;
 *   - `callx`: the register moves from dst to imm (SBPF v0 reads it from imm).
 */
import { MM_PROGRAM_START } from './config';
import { demangle } from './demangle';
import {
  ElfFile,
  ElfFormatError,
  ElfSection,
  ElfSymbol,
  EM_BPF,
  ET_DYN,
  ET_REL,
  parseElf,
  PF_R,
  PF_X,
  PT_DYNAMIC,
  PT_LOAD,
  R_BPF_64_32,
  R_BPF_64_64,
  R_BPF_64_ABS64,
  R_BPF_NONE,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHN_ABS,
  SHN_COMMON,
  SHN_UNDEF,
  SHT_DYNAMIC,
  SHT_DYNSYM,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  SHT_STRTAB,
  STB_GLOBAL,
  STT_FUNC,
  STT_NOTYPE,
  STT_SECTION,
} from './elf-reader';
import { Rules, SbfBuildError } from './errors';
import { isSyscall } from './syscalls';
import { undefinedSymbolHint } from './hints';

export const OP_LDDW = 0x18;
export const OP_CALL = 0x85;
export const OP_CALLX = 0x8d;

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const PHDR_COUNT = 4;

const DT_NULL = 0;
const DT_STRTAB = 5;
const DT_SYMTAB = 6;
const DT_REL = 17;
const DT_RELSZ = 18;
const DT_RELENT = 19;
const DT_STRSZ = 10;
const DT_SYMENT = 11;
const DT_TEXTREL = 22;
const DT_FLAGS = 30;
const DT_RELCOUNT = 0x6ffffffa;
const DF_TEXTREL = 0x4;

export interface SbpfImage {
  bytes: Uint8Array;
  /** File address (== vaddr) and size of .text / .rodata. */
  text: { addr: number; size: number };
  rodata: { addr: number; size: number };
  entry: number;
  /** Syscalls the program calls (the undefined .dynsym entries), in .dynsym order. */
  syscalls: string[];
  /** .rel.dyn entries (all R_BPF_64_32 on syscall calls). */
  relocations: { offset: number; type: number; symbol: string }[];
  /** Function symbols of the object at their final addresses (for disassembly/debugging). */
  functions: { name: string; addr: number; size: number }[];
}

interface Placed {
  section: ElfSection;
  /** Final file address of the section's first byte. */
  addr: number;
}

const align = (x: number, a: number): number => (a > 1 ? Math.ceil(x / a) * a : x);

/**
 * Links one relocatable BPF object into an SBPF v0 shared object. `file` names the program in
 * the errors (SbfBuildError).
 */
export function linkSbpf(object: Uint8Array, file: string): SbpfImage {
  let elf: ElfFile;
  try {
    elf = parseElf(object);
  } catch (e) {
    if (e instanceof ElfFormatError) throw new SbfBuildError(file, Rules.tool, `llc output is not a valid ELF: ${e.message}`);
    throw e;
  }
  if (elf.type !== ET_REL || elf.machine !== EM_BPF) {
    throw new SbfBuildError(file, Rules.tool, `expected a relocatable BPF object (ET_REL, EM_BPF), got type ${elf.type} machine ${elf.machine}`);
  }

  // ---- classify the allocated sections -------------------------------------------------
  const texts: ElfSection[] = [];
  const rodatas: ElfSection[] = [];
  const writable: ElfSection[] = [];
  const dropped = new Set<number>();
  for (const s of elf.sections) {
    if (!(s.flags & SHF_ALLOC)) continue;
    if (s.name === '.eh_frame' || s.name.startsWith('.eh_frame.')) {
      dropped.add(s.index); // unwind tables: useless with panic=abort, never referenced by code
    } else if (s.flags & SHF_EXECINSTR) {
      texts.push(s);
    } else if (s.flags & SHF_WRITE || s.type === SHT_NOBITS) {
      if (s.size > 0) writable.push(s);
      else dropped.add(s.index);
    } else {
      rodatas.push(s);
    }
  }
  if (writable.length > 0) throw writableDataError(file, elf, writable);

  // ---- layout -------------------------------------------------------------------------
  const placed = new Map<number, Placed>();
  let at = EHDR_SIZE + PHDR_COUNT * PHDR_SIZE;
  const textAddr = at;
  for (const s of texts) {
    at = align(at, Math.max(8, s.addralign));
    placed.set(s.index, { section: s, addr: at });
    at += s.size;
  }
  const textSize = at - textAddr;
  if (textSize % 8 !== 0) throw new SbfBuildError(file, Rules.tool, `.text size ${textSize} is not a multiple of 8`);
  const rodataAlign = Math.max(8, ...rodatas.map((s) => s.addralign));
  at = align(at, rodataAlign);
  const rodataAddr = at;
  for (const s of rodatas) {
    at = align(at, Math.max(1, s.addralign));
    placed.set(s.index, { section: s, addr: at });
    at += s.size;
  }
  const rodataSize = at - rodataAddr;

  const text = new Uint8Array(textSize);
  const rodata = new Uint8Array(rodataSize);
  for (const p of placed.values()) {
    if (p.section.type === SHT_NOBITS) continue;
    if (p.section.flags & SHF_EXECINSTR) text.set(p.section.data, p.addr - textAddr);
    else rodata.set(p.section.data, p.addr - rodataAddr);
  }
  const textView = new DataView(text.buffer);
  const rodataView = new DataView(rodata.buffer);

  const symAddr = (sym: ElfSymbol): number | undefined => {
    if (sym.shndx === SHN_UNDEF || sym.shndx === SHN_COMMON) return undefined;
    if (sym.shndx === SHN_ABS) return sym.value;
    const p = placed.get(sym.shndx);
    if (!p) {
      const sec = elf.sections[sym.shndx];
      throw new SbfBuildError(file, Rules.unsupported, `symbol ${demangle(sym.name) || sec?.name} lives in section ${sec?.name ?? sym.shndx}, which is not loaded`);
    }
    return p.addr + sym.value;
  };
  const symName = (sym: ElfSymbol): string => (sym.type === STT_SECTION ? elf.sections[sym.shndx]?.name ?? '?' : sym.name);

  // ---- relocations --------------------------------------------------------------------
  const undefinedCalls = new Map<string, number>();
  const undefinedData = new Map<string, number>();
  const dynRelocs: { offset: number; symbol: string }[] = [];
  for (const [target, relocs] of elf.relocations) {
    if (dropped.has(target) || !(elf.sections[target].flags & SHF_ALLOC)) continue; // debug info, .eh_frame
    const p = placed.get(target);
    if (!p) continue;
    const isText = (p.section.flags & SHF_EXECINSTR) !== 0;
    for (const r of relocs) {
      const sym = elf.symbols[r.sym];
      if (!sym) throw new SbfBuildError(file, Rules.tool, `relocation against missing symbol #${r.sym}`);
      const where = p.addr + r.offset;
      if (r.type === R_BPF_NONE) continue;
      if (isText && r.type === R_BPF_64_64) {
        const o = where - textAddr;
        if (text[o] !== OP_LDDW) throw new SbfBuildError(file, Rules.unsupported, `R_BPF_64_64 at 0x${where.toString(16)} is not on an lddw`);
        const s = symAddr(sym);
        if (s === undefined) {
          undefinedData.set(sym.name, (undefinedData.get(sym.name) ?? 0) + 1);
          continue;
        }
        const addend = r.addend ?? BigInt(textView.getUint32(o + 4, true));
        const value = MM_PROGRAM_START + BigInt(s) + addend;
        textView.setUint32(o + 4, Number(value & 0xffffffffn), true);
        textView.setUint32(o + 12, Number(value >> 32n), true);
      } else if (isText && r.type === R_BPF_64_32) {
        const o = where - textAddr;
        if (text[o] !== OP_CALL) throw new SbfBuildError(file, Rules.unsupported, `R_BPF_64_32 at 0x${where.toString(16)} is not on a call`);
        const imm = r.addend !== undefined ? Number(r.addend) : textView.getInt32(o + 4, true);
        const s = symAddr(sym);
        if (s === undefined) {
          if (isSyscall(sym.name)) {
            textView.setInt32(o + 4, -1, true);
            dynRelocs.push({ offset: where, symbol: sym.name });
          } else {
            undefinedCalls.set(sym.name, (undefinedCalls.get(sym.name) ?? 0) + 1);
          }
          continue;
        }
        // Target = S + (imm + 1) * 8: imm is -1 against a function symbol, the instruction
        // index - 1 against a section symbol.
        const targetAddr = s + (imm + 1) * 8;
        if (targetAddr < textAddr || targetAddr >= textAddr + textSize || (targetAddr - textAddr) % 8 !== 0) {
          throw new SbfBuildError(file, Rules.unsupported, `call at 0x${where.toString(16)} targets 0x${targetAddr.toString(16)}, outside .text (${symName(sym)})`);
        }
        textView.setInt32(o + 4, (targetAddr - (where + 8)) / 8, true);
      } else if (!isText && r.type === R_BPF_64_ABS64) {
        const o = where - rodataAddr;
        const s = symAddr(sym);
        if (s === undefined) {
          undefinedData.set(sym.name, (undefinedData.get(sym.name) ?? 0) + 1);
          continue;
        }
        const addend = r.addend ?? rodataView.getBigUint64(o, true);
        rodataView.setBigUint64(o, BigInt.asUintN(64, MM_PROGRAM_START + BigInt(s) + addend), true);
      } else {
        throw new SbfBuildError(
          file,
          Rules.unsupported,
          `relocation type ${r.type} in ${p.section.name} at offset 0x${r.offset.toString(16)} (symbol ${demangle(symName(sym))}) cannot be represented in an SBPF v0 program` +
            (r.type === 3 ? ' (a 32-bit pointer cannot hold a program address)' : ''),
        );
      }
    }
  }
  if (undefinedCalls.size > 0 || undefinedData.size > 0) throw undefinedSymbolsError(file, undefinedCalls, undefinedData);

  // ---- callx fix-up: SBPF v0 reads the register from imm --------------------------------
  for (let o = 0; o < textSize; o += 8) {
    const op = text[o];
    if (op === OP_LDDW) {
      o += 8; // second slot of lddw is not an instruction
      continue;
    }
    if (op === OP_CALLX) {
      const dst = text[o + 1] & 0x0f;
      if (dst !== 0) {
        textView.setInt32(o + 4, dst, true);
        text[o + 1] &= 0xf0;
      }
    }
  }

  // ---- entrypoint ---------------------------------------------------------------------
  const entrySym = elf.symbols.find((s) => s.name === 'entrypoint' && s.shndx !== SHN_UNDEF && s.type !== STT_SECTION);
  const entry = entrySym ? symAddr(entrySym) : undefined;
  if (!entrySym || entry === undefined || !(elf.sections[entrySym.shndx].flags & SHF_EXECINSTR)) {
    throw new SbfBuildError(
      file,
      Rules.entrypoint,
      'the program defines no entrypoint: add `#[no_mangle] pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64`',
    );
  }

  const functions = elf.symbols
    .filter((s) => s.type === STT_FUNC && placed.has(s.shndx))
    .map((s) => ({ name: s.name, addr: symAddr(s) as number, size: s.size }))
    .sort((a, b) => a.addr - b.addr);

  return writeImage({ text, textAddr, rodata, rodataAddr, rodataAlign, entry, entrySize: entrySym.size, dynRelocs, functions });
}

function writableDataError(file: string, elf: ElfFile, writable: ElfSection[]): SbfBuildError {
  const idx = new Set(writable.map((s) => s.index));
  const syms = elf.symbols
    .filter((s) => idx.has(s.shndx) && s.type !== STT_SECTION && s.name)
    .map((s) => `${demangle(s.name)} (${s.size} bytes in ${elf.sections[s.shndx].name})`);
  const secs = writable.map((s) => `${s.name} (${s.size} bytes)`).join(', ');
  return new SbfBuildError(
    file,
    Rules.writableData,
    `the program has writable data, which SBPF v0 cannot load: ${syms.length ? syms.join(', ') : secs}. ` +
      'Remove `static mut`, atomics and statics with interior mutability (Cell, UnsafeCell…): keep state in accounts, ' +
      'and make constant tables plain `static`/`const` items.',
  );
}

function undefinedSymbolsError(file: string, calls: Map<string, number>, data: Map<string, number>): SbfBuildError {
  const lines: string[] = [];
  for (const [name] of calls) lines.push(`  - call to \`${demangle(name)}\`${name !== demangle(name) ? ` (${name})` : ''}: ${undefinedSymbolHint(name)}`);
  for (const [name] of data) {
    lines.push(`  - address of \`${demangle(name)}\` taken, but it is defined nowhere: SBPF programs cannot import data, and syscalls cannot be called through pointers`);
  }
  return new SbfBuildError(
    file,
    Rules.undefinedSymbol,
    `the program uses symbols that are neither defined in it (or its libraries) nor Solana syscalls:\n${lines.join('\n')}`,
  );
}

// ---- writer -------------------------------------------------------------------------------

class StrTab {
  private parts: Buffer[] = [Buffer.from([0])];
  private size = 1;
  private index = new Map<string, number>();
  add(s: string): number {
    const hit = this.index.get(s);
    if (hit !== undefined) return hit;
    const off = this.size;
    const b = Buffer.from(s + '\0', 'latin1');
    this.parts.push(b);
    this.size += b.length;
    this.index.set(s, off);
    return off;
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

interface ImageInput {
  text: Uint8Array;
  textAddr: number;
  rodata: Uint8Array;
  rodataAddr: number;
  rodataAlign: number;
  entry: number;
  entrySize: number;
  dynRelocs: { offset: number; symbol: string }[];
  functions: { name: string; addr: number; size: number }[];
}

function writeImage(inp: ImageInput): SbpfImage {
  const { text, textAddr, rodata, rodataAddr } = inp;

  // .dynsym: null, entrypoint, then each syscall once (first use order).
  const dynstr = new StrTab();
  const syscalls: string[] = [];
  for (const r of inp.dynRelocs) if (!syscalls.includes(r.symbol)) syscalls.push(r.symbol);
  const TEXT_SHNDX = 1;
  const dynsymCount = 2 + syscalls.length;
  const dynsym = new Uint8Array(24 * dynsymCount);
  const dsv = new DataView(dynsym.buffer);
  const putSym = (i: number, name: number, info: number, shndx: number, value: number, size: number) => {
    dsv.setUint32(i * 24, name, true);
    dsv.setUint8(i * 24 + 4, info);
    dsv.setUint8(i * 24 + 5, 0);
    dsv.setUint16(i * 24 + 6, shndx, true);
    dsv.setBigUint64(i * 24 + 8, BigInt(value), true);
    dsv.setBigUint64(i * 24 + 16, BigInt(size), true);
  };
  putSym(1, dynstr.add('entrypoint'), (STB_GLOBAL << 4) | STT_FUNC, TEXT_SHNDX, inp.entry, inp.entrySize);
  syscalls.forEach((name, i) => putSym(2 + i, dynstr.add(name), (STB_GLOBAL << 4) | STT_NOTYPE, SHN_UNDEF, 0, 0));
  const dynstrBytes = dynstr.bytes();

  const relocs = [...inp.dynRelocs].sort((a, b) => a.offset - b.offset);
  const reldyn = new Uint8Array(16 * relocs.length);
  const rv = new DataView(reldyn.buffer);
  relocs.forEach((r, i) => {
    rv.setBigUint64(i * 16, BigInt(r.offset), true);
    rv.setBigUint64(i * 16 + 8, (BigInt(2 + syscalls.indexOf(r.symbol)) << 32n) | BigInt(R_BPF_64_32), true);
  });

  // Layout of the dynamic tables (after .rodata). The loader finds .dynsym by address
  // (first section whose sh_addr equals DT_SYMTAB): an empty .rodata must not share it.
  let at = rodataAddr + Math.max(rodata.length, 1);
  const dynsymAddr = (at = align(at, 8));
  at += dynsym.length;
  const dynstrAddr = at;
  at += dynstrBytes.length;
  const reldynAddr = (at = align(at, 8));
  at += reldyn.length;
  const dynamicAddr = (at = align(at, 8));

  const dynEntries: [number, number][] = [
    [DT_SYMTAB, dynsymAddr],
    [DT_STRTAB, dynstrAddr],
    [DT_STRSZ, dynstrBytes.length],
    [DT_SYMENT, 24],
  ];
  if (relocs.length > 0) {
    // The loader rejects DT_REL with DT_RELSZ == 0: only announce a non-empty table.
    dynEntries.push([DT_REL, reldynAddr], [DT_RELSZ, reldyn.length], [DT_RELENT, 16], [DT_RELCOUNT, 0], [DT_TEXTREL, 0], [DT_FLAGS, DF_TEXTREL]);
  }
  dynEntries.push([DT_NULL, 0]);
  const dynamic = new Uint8Array(16 * dynEntries.length);
  const dv = new DataView(dynamic.buffer);
  dynEntries.forEach(([tag, val], i) => {
    dv.setBigUint64(i * 16, BigInt(tag), true);
    dv.setBigUint64(i * 16 + 8, BigInt(val), true);
  });
  at += dynamic.length;

  const shstr = new StrTab();
  interface Sh { name: number; type: number; flags: number; addr: number; offset: number; size: number; link: number; info: number; align: number; entsize: number; }
  const sh: Sh[] = [];
  const IDX = { text: 1, rodata: 2, dynsym: 3, dynstr: 4, reldyn: 5, dynamic: 6, shstrtab: 7 };
  sh.push({ name: 0, type: 0, flags: 0, addr: 0, offset: 0, size: 0, link: 0, info: 0, align: 0, entsize: 0 });
  sh.push({ name: shstr.add('.text'), type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addr: textAddr, offset: textAddr, size: text.length, link: 0, info: 0, align: 8, entsize: 0 });
  sh.push({ name: shstr.add('.rodata'), type: SHT_PROGBITS, flags: SHF_ALLOC, addr: rodataAddr, offset: rodataAddr, size: rodata.length, link: 0, info: 0, align: inp.rodataAlign, entsize: 0 });
  sh.push({ name: shstr.add('.dynsym'), type: SHT_DYNSYM, flags: SHF_ALLOC, addr: dynsymAddr, offset: dynsymAddr, size: dynsym.length, link: IDX.dynstr, info: 1, align: 8, entsize: 24 });
  sh.push({ name: shstr.add('.dynstr'), type: SHT_STRTAB, flags: SHF_ALLOC, addr: dynstrAddr, offset: dynstrAddr, size: dynstrBytes.length, link: 0, info: 0, align: 1, entsize: 0 });
  sh.push({ name: shstr.add('.rel.dyn'), type: SHT_REL, flags: SHF_ALLOC, addr: reldynAddr, offset: reldynAddr, size: reldyn.length, link: IDX.dynsym, info: 0, align: 8, entsize: 16 });
  sh.push({ name: shstr.add('.dynamic'), type: SHT_DYNAMIC, flags: SHF_ALLOC, addr: dynamicAddr, offset: dynamicAddr, size: dynamic.length, link: IDX.dynstr, info: 0, align: 8, entsize: 16 });
  const shstrtabName = shstr.add('.shstrtab');
  const shstrBytes = shstr.bytes();
  const shstrAddr = at;
  sh.push({ name: shstrtabName, type: SHT_STRTAB, flags: 0, addr: 0, offset: shstrAddr, size: shstrBytes.length, link: 0, info: 0, align: 1, entsize: 0 });
  at += shstrBytes.length;
  const shoff = align(at, 8);
  const total = shoff + SHDR_SIZE * sh.length;

  const out = new Uint8Array(total);
  const ov = new DataView(out.buffer);
  // ELF header
  out.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* LE */, 1 /* EV_CURRENT */, 0 /* OSABI none */], 0);
  ov.setUint16(16, ET_DYN, true);
  ov.setUint16(18, EM_BPF, true);
  ov.setUint32(20, 1, true);
  ov.setBigUint64(24, BigInt(inp.entry), true);
  ov.setBigUint64(32, BigInt(EHDR_SIZE), true);
  ov.setBigUint64(40, BigInt(shoff), true);
  ov.setUint32(48, 0, true); // e_flags 0: SBPF v0
  ov.setUint16(52, EHDR_SIZE, true);
  ov.setUint16(54, PHDR_SIZE, true);
  ov.setUint16(56, PHDR_COUNT, true);
  ov.setUint16(58, SHDR_SIZE, true);
  ov.setUint16(60, sh.length, true);
  ov.setUint16(62, IDX.shstrtab, true);
  // Program headers: LOAD text (R+X), LOAD rodata (R), LOAD dynamic tables (R), DYNAMIC.
  const dynTablesEnd = dynamicAddr + dynamic.length;
  const phdrs: [number, number, number, number][] = [
    [PT_LOAD, PF_R | PF_X, textAddr, text.length],
    [PT_LOAD, PF_R, rodataAddr, rodata.length],
    [PT_LOAD, PF_R, dynsymAddr, dynTablesEnd - dynsymAddr],
    [PT_DYNAMIC, PF_R, dynamicAddr, dynamic.length],
  ];
  phdrs.forEach(([type, flags, addr, size], i) => {
    const o = EHDR_SIZE + i * PHDR_SIZE;
    ov.setUint32(o, type, true);
    ov.setUint32(o + 4, flags, true);
    ov.setBigUint64(o + 8, BigInt(addr), true); // p_offset
    ov.setBigUint64(o + 16, BigInt(addr), true); // p_vaddr
    ov.setBigUint64(o + 24, BigInt(addr), true); // p_paddr
    ov.setBigUint64(o + 32, BigInt(size), true); // p_filesz
    ov.setBigUint64(o + 40, BigInt(size), true); // p_memsz
    ov.setBigUint64(o + 48, 8n, true); // p_align
  });
  out.set(text, textAddr);
  out.set(rodata, rodataAddr);
  out.set(dynsym, dynsymAddr);
  out.set(dynstrBytes, dynstrAddr);
  out.set(reldyn, reldynAddr);
  out.set(dynamic, dynamicAddr);
  out.set(shstrBytes, shstrAddr);
  sh.forEach((s, i) => {
    const o = shoff + i * SHDR_SIZE;
    ov.setUint32(o, s.name, true);
    ov.setUint32(o + 4, s.type, true);
    ov.setBigUint64(o + 8, BigInt(s.flags), true);
    ov.setBigUint64(o + 16, BigInt(s.addr), true);
    ov.setBigUint64(o + 24, BigInt(s.offset), true);
    ov.setBigUint64(o + 32, BigInt(s.size), true);
    ov.setUint32(o + 40, s.link, true);
    ov.setUint32(o + 44, s.info, true);
    ov.setBigUint64(o + 48, BigInt(s.align), true);
    ov.setBigUint64(o + 56, BigInt(s.entsize), true);
  });

  return {
    bytes: out,
    text: { addr: textAddr, size: text.length },
    rodata: { addr: rodataAddr, size: rodata.length },
    entry: inp.entry,
    syscalls,
    relocations: relocs.map((r) => ({ offset: r.offset, type: R_BPF_64_32, symbol: r.symbol })),
    functions: inp.functions,
  };
}
