/** A small ELF64 little-endian reader: headers, sections, symbols, relocations. */

export const ET_REL = 1;
export const ET_DYN = 3;
export const EM_BPF = 247;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_DYNAMIC = 6;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const R_BPF_NONE = 0;
export const R_BPF_64_64 = 1;
export const R_BPF_64_ABS64 = 2;
export const R_BPF_64_ABS32 = 3;
export const R_BPF_64_NODYLD32 = 4;
export const R_BPF_64_RELATIVE = 8;
export const R_BPF_64_32 = 10;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** File bytes (empty for SHT_NOBITS). */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  shndx: number;
}

export interface ElfRelocation {
  offset: number;
  type: number;
  sym: number;
  /** Explicit addend (SHT_RELA only). */
  addend?: bigint;
}

export interface ElfProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfFile {
  bytes: Uint8Array;
  type: number;
  machine: number;
  flags: number;
  entry: number;
  osabi: number;
  sections: ElfSection[];
  programHeaders: ElfProgramHeader[];
  /** `.symtab` (or `.dynsym` when there is no `.symtab`). */
  symbols: ElfSymbol[];
  /** Relocations by the index of the section they apply to. */
  relocations: Map<number, ElfRelocation[]>;
}

export class ElfFormatError extends Error {}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function num(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfFormatError(`${what} too large`);
  return Number(v);
}

export function cString(b: Uint8Array, at: number): string {
  let end = at;
  while (end < b.length && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + at, end - at).toString('latin1');
}

export function parseElf(bytes: Uint8Array): ElfFile {
  const dv = view(bytes);
  if (bytes.length < 64 || dv.getUint32(0, false) !== 0x7f454c46) throw new ElfFormatError('not an ELF file');
  if (bytes[4] !== 2) throw new ElfFormatError('not ELF64');
  if (bytes[5] !== 1) throw new ElfFormatError('not little-endian');
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  const entry = num(dv.getBigUint64(24, true), 'e_entry');
  const phoff = num(dv.getBigUint64(32, true), 'e_phoff');
  const shoff = num(dv.getBigUint64(40, true), 'e_shoff');
  const flags = dv.getUint32(48, true);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);

  const programHeaders: ElfProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    programHeaders.push({
      type: dv.getUint32(o, true),
      flags: dv.getUint32(o + 4, true),
      offset: num(dv.getBigUint64(o + 8, true), 'p_offset'),
      vaddr: num(dv.getBigUint64(o + 16, true), 'p_vaddr'),
      paddr: num(dv.getBigUint64(o + 24, true), 'p_paddr'),
      filesz: num(dv.getBigUint64(o + 32, true), 'p_filesz'),
      memsz: num(dv.getBigUint64(o + 40, true), 'p_memsz'),
      align: num(dv.getBigUint64(o + 48, true), 'p_align'),
    });
  }

  const raw: Omit<ElfSection, 'name' | 'data'>[] = [];
  const nameOffs: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    if (o + 64 > bytes.length) throw new ElfFormatError('section header table out of bounds');
    nameOffs.push(dv.getUint32(o, true));
    raw.push({
      index: i,
      type: dv.getUint32(o + 4, true),
      flags: num(dv.getBigUint64(o + 8, true), 'sh_flags'),
      addr: num(dv.getBigUint64(o + 16, true), 'sh_addr'),
      offset: num(dv.getBigUint64(o + 24, true), 'sh_offset'),
      size: num(dv.getBigUint64(o + 32, true), 'sh_size'),
      link: dv.getUint32(o + 40, true),
      info: dv.getUint32(o + 44, true),
      addralign: num(dv.getBigUint64(o + 48, true), 'sh_addralign'),
      entsize: num(dv.getBigUint64(o + 56, true), 'sh_entsize'),
    });
  }
  const sections: ElfSection[] = raw.map((s) => {
    if (s.type !== SHT_NOBITS && s.type !== SHT_NULL && s.offset + s.size > bytes.length) {
      throw new ElfFormatError(`section ${s.index} out of bounds`);
    }
    return {
      ...s,
      name: '',
      data: s.type === SHT_NOBITS || s.type === SHT_NULL ? new Uint8Array(0) : bytes.subarray(s.offset, s.offset + s.size),
    };
  });
  if (shstrndx < sections.length) {
    const strtab = sections[shstrndx].data;
    sections.forEach((s, i) => (s.name = cString(strtab, nameOffs[i])));
  }

  const symtab = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
  const symbols = symtab ? readSymbols(symtab, sections[symtab.link]) : [];

  const relocations = new Map<number, ElfRelocation[]>();
  for (const s of sections) {
    if (s.type !== SHT_REL && s.type !== SHT_RELA) continue;
    const rela = s.type === SHT_RELA;
    const ent = rela ? 24 : 16;
    const d = view(s.data);
    const list: ElfRelocation[] = [];
    for (let o = 0; o + ent <= s.data.length; o += ent) {
      const info = d.getBigUint64(o + 8, true);
      list.push({
        offset: num(d.getBigUint64(o, true), 'r_offset'),
        type: Number(info & 0xffffffffn),
        sym: Number(info >> 32n),
        ...(rela ? { addend: d.getBigInt64(o + 16, true) } : {}),
      });
    }
    // In an executable the target is given by r_offset; in an object by sh_info.
    const key = type === ET_REL ? s.info : s.index;
    relocations.set(key, [...(relocations.get(key) ?? []), ...list]);
  }

  return { bytes, type, machine, flags, entry, osabi: bytes[7], sections, programHeaders, symbols, relocations };
}

export function readSymbols(symtab: ElfSection, strtab: ElfSection | undefined): ElfSymbol[] {
  const d = view(symtab.data);
  const out: ElfSymbol[] = [];
  for (let o = 0, i = 0; o + 24 <= symtab.data.length; o += 24, i++) {
    const info = d.getUint8(o + 4);
    out.push({
      index: i,
      name: strtab ? cString(strtab.data, d.getUint32(o, true)) : '',
      type: info & 0xf,
      bind: info >> 4,
      shndx: d.getUint16(o + 6, true),
      value: num(d.getBigUint64(o + 8, true), 'st_value'),
      size: num(d.getBigUint64(o + 16, true), 'st_size'),
    });
  }
  return out;
}
