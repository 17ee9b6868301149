/**
 * Builds small relocatable BPF ELF objects (ET_REL, EM_BPF) byte by byte, so the SBPF writer
 * can be tested on exact inputs without LLVM.
 */

export interface ObjSection {
  name: string;
  /** SHF_* flags */
  flags: number;
  data: Uint8Array;
  align?: number;
  nobits?: boolean;
}

export interface ObjSymbol {
  name: string;
  /** Index into `sections` (0-based, i.e. object section index - 1), or 'undef' / 'abs'. */
  section: number | 'undef' | 'abs';
  value?: number;
  size?: number;
  type?: 'notype' | 'object' | 'func' | 'section';
  global?: boolean;
}

export interface ObjReloc {
  /** Index into `sections` the relocation applies to. */
  section: number;
  offset: number;
  type: number;
  /** Index into `symbols` (0-based; the null symbol is added automatically). */
  symbol: number;
}

const TYPES = { notype: 0, object: 1, func: 2, section: 3 } as const;

/** Instruction bytes: opcode, dst, src, off, imm. */
export function insn(op: number, dst = 0, src = 0, off = 0, imm = 0): number[] {
  const b = Buffer.alloc(8);
  b[0] = op;
  b[1] = (src << 4) | dst;
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm, 4);
  return [...b];
}

export function lddw(dst: number, value: bigint): number[] {
  return [...insn(0x18, dst, 0, 0, Number(BigInt.asIntN(32, value & 0xffffffffn))), ...insn(0, 0, 0, 0, Number(BigInt.asIntN(32, value >> 32n)))];
}

export function buildRelObject(sections: ObjSection[], symbols: ObjSymbol[], relocs: ObjReloc[]): Uint8Array {
  // Section order: NULL, user sections..., .rel.* ..., .symtab, .strtab, .shstrtab
  const shstr: string[] = [''];
  const shName = (n: string) => {
    const off = shstr.join('\0').length + 1;
    shstr.push(n);
    return off;
  };
  const strtab: number[] = [0];
  const strName = (n: string) => {
    if (!n) return 0;
    const off = strtab.length;
    strtab.push(...Buffer.from(n, 'latin1'), 0);
    return off;
  };

  // Locals first, as ELF requires.
  const order = symbols.map((s, i) => ({ s, i })).sort((a, b) => Number(!!a.s.global) - Number(!!b.s.global));
  const newIndex = new Map<number, number>();
  order.forEach((o, k) => newIndex.set(o.i, k + 1));
  const firstGlobal = 1 + order.filter((o) => !o.s.global).length;

  const symtab = Buffer.alloc(24 * (symbols.length + 1));
  order.forEach(({ s }, k) => {
    const o = 24 * (k + 1);
    symtab.writeUInt32LE(s.type === 'section' ? 0 : strName(s.name), o);
    symtab[o + 4] = ((s.global ? 1 : 0) << 4) | TYPES[s.type ?? 'notype'];
    const shndx = s.section === 'undef' ? 0 : s.section === 'abs' ? 0xfff1 : s.section + 1;
    symtab.writeUInt16LE(shndx, o + 6);
    symtab.writeBigUInt64LE(BigInt(s.value ?? 0), o + 8);
    symtab.writeBigUInt64LE(BigInt(s.size ?? 0), o + 16);
  });

  const relSections = new Map<number, Buffer>();
  for (const r of relocs) {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(BigInt(r.offset), 0);
    b.writeBigUInt64LE((BigInt(newIndex.get(r.symbol) as number) << 32n) | BigInt(r.type), 8);
    relSections.set(r.section, Buffer.concat([relSections.get(r.section) ?? Buffer.alloc(0), b]));
  }

  interface Sh { name: number; type: number; flags: number; data: Uint8Array; size: number; link: number; info: number; align: number; entsize: number; }
  const sh: Sh[] = [{ name: 0, type: 0, flags: 0, data: new Uint8Array(0), size: 0, link: 0, info: 0, align: 0, entsize: 0 }];
  for (const s of sections) {
    sh.push({ name: shName(s.name), type: s.nobits ? 8 : 1, flags: s.flags, data: s.nobits ? new Uint8Array(0) : s.data, size: s.data.length, link: 0, info: 0, align: s.align ?? 8, entsize: 0 });
  }
  const symtabIndex = sh.length + relSections.size;
  for (const [target, data] of relSections) {
    sh.push({ name: shName(`.rel${sections[target].name}`), type: 9, flags: 0x40, data, size: data.length, link: symtabIndex, info: target + 1, align: 8, entsize: 16 });
  }
  sh.push({ name: shName('.symtab'), type: 2, flags: 0, data: symtab, size: symtab.length, link: symtabIndex + 1, info: firstGlobal, align: 8, entsize: 24 });
  const strtabBytes = Buffer.from(strtab);
  sh.push({ name: shName('.strtab'), type: 3, flags: 0, data: strtabBytes, size: strtabBytes.length, link: 0, info: 0, align: 1, entsize: 0 });
  const shstrtabIndex = sh.length;
  const nameOfShstrtab = shName('.shstrtab');
  const shstrBytes = Buffer.from(shstr.join('\0') + '\0', 'latin1');
  sh.push({ name: nameOfShstrtab, type: 3, flags: 0, data: shstrBytes, size: shstrBytes.length, link: 0, info: 0, align: 1, entsize: 0 });

  const offsets: number[] = [];
  let at = 64;
  for (const s of sh) {
    at = Math.ceil(at / Math.max(1, s.align)) * Math.max(1, s.align);
    offsets.push(at);
    at += s.data.length;
  }
  const shoff = Math.ceil(at / 8) * 8;
  const out = Buffer.alloc(shoff + 64 * sh.length);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  out.writeUInt16LE(1, 16); // ET_REL
  out.writeUInt16LE(247, 18);
  out.writeUInt32LE(1, 20);
  out.writeBigUInt64LE(BigInt(shoff), 40);
  out.writeUInt16LE(64, 52);
  out.writeUInt16LE(64, 58);
  out.writeUInt16LE(sh.length, 60);
  out.writeUInt16LE(shstrtabIndex, 62);
  sh.forEach((s, i) => {
    out.set(s.data, offsets[i]);
    const o = shoff + 64 * i;
    out.writeUInt32LE(s.name, o);
    out.writeUInt32LE(s.type, o + 4);
    out.writeBigUInt64LE(BigInt(s.flags), o + 8);
    out.writeBigUInt64LE(BigInt(i === 0 ? 0 : offsets[i]), o + 24);
    out.writeBigUInt64LE(BigInt(s.size), o + 32);
    out.writeUInt32LE(s.link, o + 40);
    out.writeUInt32LE(s.info, o + 44);
    out.writeBigUInt64LE(BigInt(s.align), o + 48);
    out.writeBigUInt64LE(BigInt(s.entsize), o + 56);
  });
  return new Uint8Array(out);
}
