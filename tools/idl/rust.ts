/**
 * Spec → `programs/<name>/src/interface.rs`.
 *
 * Every type becomes a `#[repr(C)]`, alignment-1 struct of byte arrays (p-token style) whose
 * bytes are exactly its Borsh encoding, with getters and setters. Instruction arguments are
 * read zero-copy after an exact length check; account lists are unpacked with the signer,
 * writable, fixed-address and no-duplicate-writable checks the spec declares, each failing
 * with the Anchor framework error that names the account.
 */
import { PublicKey } from '@solana/web3.js';
import { BPF_UPGRADEABLE_LOADER } from './idl';
import { discriminator, lookupType, pascal, PRIMITIVE_SIZE, screamingSnake, structSize, typeSize } from './layout';
import type { AccountParamDef, ConstantDef, FieldDef, FieldType, InstructionDef, ProgramSpec, SeedDef, StructDef } from './spec';

/** The error every program spec must declare for the no-duplicate-writable-accounts check. */
export const DUPLICATE_ACCOUNT_ERROR = 'DuplicateMutableAccount';

const INT_TYPES: Record<string, string> = { u16: 'u16', u32: 'u32', u64: 'u64', i64: 'i64' };

function bytesLiteral(bytes: number[]): string {
  return `[${bytes.join(', ')}]`;
}

/** The storage type of a field inside a zero-copy struct. */
function storage(spec: ProgramSpec, t: FieldType): string {
  if (typeof t === 'string') {
    if (t === 'u8' || t === 'bool') return 'u8';
    if (t === 'pubkey') return '[u8; 32]';
    return `[u8; ${PRIMITIVE_SIZE[t]}]`;
  }
  if ('array' in t) return `[${storage(spec, t.array[0])}; ${t.array[1]}]`;
  return lookupType(spec, t.defined).kind === 'enum' ? 'u8' : t.defined;
}

function accessors(spec: ProgramSpec, f: FieldDef): string[] {
  const n = f.name;
  const t = f.type;
  const out: string[] = [];
  const doc = f.docs ? [`    /// ${f.docs}`] : [];
  const fn = (sig: string, body: string) => out.push(...doc, '    #[inline(always)]', `    pub fn ${sig} { ${body} }`);
  if (typeof t === 'string') {
    if (t === 'u8') {
      fn(`${n}(&self) -> u8`, `self.${n}`);
      fn(`set_${n}(&mut self, value: u8)`, `self.${n} = value;`);
    } else if (t === 'bool') {
      fn(`${n}(&self) -> bool`, `self.${n} != 0`);
      fn(`set_${n}(&mut self, value: bool)`, `self.${n} = value as u8;`);
    } else if (t === 'pubkey') {
      fn(`${n}(&self) -> &Pubkey`, `&self.${n}`);
      fn(`set_${n}(&mut self, value: &Pubkey)`, `self.${n} = *value;`);
    } else {
      const rt = INT_TYPES[t];
      fn(`${n}(&self) -> ${rt}`, `${rt}::from_le_bytes(self.${n})`);
      fn(`set_${n}(&mut self, value: ${rt})`, `self.${n} = value.to_le_bytes();`);
    }
    return out;
  }
  if ('array' in t) {
    const [elem, len] = t.array;
    if (typeof elem === 'string' && INT_TYPES[elem]) {
      const rt = INT_TYPES[elem];
      fn(`${n}(&self, index: usize) -> ${rt}`, `${rt}::from_le_bytes(self.${n}[index])`);
      fn(`set_${n}(&mut self, index: usize, value: ${rt})`, `self.${n}[index] = value.to_le_bytes();`);
    } else {
      const st = storage(spec, t);
      fn(`${n}(&self) -> &${st}`, `&self.${n}`);
      fn(`${n}_mut(&mut self) -> &mut ${st}`, `&mut self.${n}`);
      fn(`set_${n}(&mut self, value: &${st})`, `self.${n} = *value;`);
    }
    void len;
    return out;
  }
  const def = lookupType(spec, t.defined);
  if (def.kind === 'enum') {
    fn(`${n}(&self) -> ${t.defined}`, `${t.defined}::from_stored(self.${n})`);
    fn(`set_${n}(&mut self, value: ${t.defined})`, `self.${n} = value as u8;`);
  } else {
    fn(`${n}(&self) -> &${t.defined}`, `&self.${n}`);
    fn(`${n}_mut(&mut self) -> &mut ${t.defined}`, `&mut self.${n}`);
  }
  return out;
}

/** A boolean Rust expression that is true when the field holds a valid Borsh value. */
function validity(spec: ProgramSpec, expr: string, t: FieldType): string | null {
  if (typeof t === 'string') return t === 'bool' ? `${expr} <= 1` : null;
  if ('array' in t) {
    const inner = validity(spec, '(*v)', t.array[0]);
    return inner ? `${expr}.iter().all(|v| ${inner})` : null;
  }
  const def = lookupType(spec, t.defined);
  if (def.kind === 'enum') return `(${expr} as usize) < ${t.defined}::COUNT`;
  return structHasValidity(spec, def) ? `${expr}.is_valid()` : null;
}

function structHasValidity(spec: ProgramSpec, def: StructDef): boolean {
  return def.fields.some((f) => validity(spec, 'x', f.type) !== null);
}

function structBlock(spec: ProgramSpec, name: string, def: StructDef, prefix: FieldDef[]): string[] {
  const fields = [...prefix, ...def.fields];
  const size = structSize(spec, name) + prefix.reduce((s, f) => s + typeSize(spec, f.type), 0);
  const lines: string[] = [];
  if (def.docs) lines.push(`/// ${def.docs}`);
  lines.push('#[repr(C)]', '#[derive(Clone, Copy)]', `pub struct ${name} {`);
  for (const f of fields) lines.push(`    ${f.name}: ${storage(spec, f.type)},`);
  lines.push('}', '', `impl ${name} {`, `    pub const LEN: usize = ${size};`, '');
  lines.push(
    '    /// All bytes zero (a fresh value to fill in with the setters).',
    '    #[inline(always)]',
    '    pub const fn zeroed() -> Self {',
    '        // SAFETY: every field is a byte array or u8; all-zero bytes are a valid value.',
    '        unsafe { core::mem::zeroed() }',
    '    }',
    '',
    '    /// The Borsh encoding of this value (its in-memory bytes).',
    '    #[inline(always)]',
    '    pub fn as_bytes(&self) -> &[u8] {',
    '        // SAFETY: repr(C) with alignment 1 and no padding (checked below).',
    '        unsafe { core::slice::from_raw_parts(self as *const Self as *const u8, Self::LEN) }',
    '    }',
    '',
    '    /// Views exactly `LEN` bytes as this type; `None` when the length differs.',
    '    #[inline(always)]',
    '    pub fn from_bytes(data: &[u8]) -> Option<&Self> {',
    '        if data.len() != Self::LEN { return None; }',
    '        // SAFETY: length checked; alignment is 1; any byte pattern is a valid value.',
    '        Some(unsafe { &*(data.as_ptr() as *const Self) })',
    '    }',
    '',
    '    #[inline(always)]',
    '    pub fn from_bytes_mut(data: &mut [u8]) -> Option<&mut Self> {',
    '        if data.len() != Self::LEN { return None; }',
    '        // SAFETY: as in from_bytes, and the borrow is unique.',
    '        Some(unsafe { &mut *(data.as_mut_ptr() as *mut Self) })',
    '    }',
  );
  const checks = def.fields
    .map((f) => validity(spec, `self.${f.name}`, f.type))
    .filter((c): c is string => c !== null);
  lines.push(
    '',
    '    /// True when every bool is 0 or 1 and every enum byte names a variant.',
    '    #[inline(always)]',
    `    pub fn is_valid(&self) -> bool { ${checks.length ? checks.join(' && ') : 'true'} }`,
  );
  for (const f of def.fields) lines.push('', ...accessors(spec, f));
  lines.push('}', '');
  lines.push(`const _: () = assert!(core::mem::size_of::<${name}>() == ${name}::LEN);`);
  lines.push(`const _: () = assert!(core::mem::align_of::<${name}>() == 1);`, '');
  return lines;
}

function constantLine(c: ConstantDef): string[] {
  const doc = c.docs ? [`/// ${c.docs}`] : [];
  if (c.kind === 'bytes') return [...doc, `pub const ${c.name}: &[u8] = b"${c.value}";`];
  return [...doc, `pub const ${c.name}: ${c.kind} = ${c.value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '_')};`];
}

/** Name of the precomputed address of a PDA whose seeds are all constants, e.g. CONFIG_ADDRESS. */
function constPdaName(seeds: SeedDef[]): string | null {
  if (!seeds.every((s) => s.kind === 'const')) return null;
  return seeds.map((s) => (s as { constant: string }).constant.replace(/^SEED_/, '')).join('_');
}

function constantPdas(spec: ProgramSpec, programId: PublicKey): string[] {
  const lines: string[] = [];
  const done = new Set<string>();
  for (const ix of spec.instructions) {
    for (const a of ix.accounts) {
      const name = a.pda ? constPdaName(a.pda) : null;
      if (!a.pda || !name || done.has(name)) continue;
      done.add(name);
      const seeds = a.pda.map((s) => {
        const c = spec.constants.find((k) => k.name === (s as { constant: string }).constant);
        return Buffer.from((c as { value: string }).value, 'utf8');
      });
      const [address, bump] = PublicKey.findProgramAddressSync(seeds, programId);
      lines.push(`/// PDA [${a.pda.map((s) => (s as { constant: string }).constant).join(', ')}] of this program.`);
      lines.push(`pub const ${name}_ADDRESS: Pubkey = ${bytesLiteral([...address.toBytes()])};`);
      lines.push(`pub const ${name}_BUMP: u8 = ${bump};`);
    }
  }
  const [programData] = PublicKey.findProgramAddressSync([programId.toBytes()], BPF_UPGRADEABLE_LOADER);
  lines.push('/// This program\'s ProgramData account under the BPF upgradeable loader.');
  lines.push(`pub const PROGRAM_DATA_ADDRESS: Pubkey = ${bytesLiteral([...programData.toBytes()])};`);
  return lines;
}

function contextBlock(spec: ProgramSpec, ix: InstructionDef): string[] {
  const name = pascal(ix.name);
  const lines: string[] = [];
  lines.push(`/// Accounts of \`${ix.name}\`, in order, after the checks the interface declares.`);
  lines.push(`pub struct ${name}Accounts<'a> {`);
  for (const a of ix.accounts) {
    if (a.docs) lines.push(`    /// ${a.docs}`);
    lines.push(`    pub ${a.name}: &'a AccountInfo,`);
  }
  lines.push('}', '', `impl<'a> ${name}Accounts<'a> {`);
  lines.push('    #[inline(always)]');
  lines.push(`    pub fn parse(accounts: &'a [AccountInfo]) -> Result<Self, ProgramError> {`);
  const names = ix.accounts.map((a) => a.name);
  lines.push(`        let [${names.join(', ')}, ..] = accounts else {`);
  lines.push('            return Err(fail(&anchor::ACCOUNT_NOT_ENOUGH_KEYS));');
  lines.push('        };');
  for (const a of ix.accounts) {
    if (a.signer) {
      lines.push(`        if !${a.name}.is_signer() { return Err(fail_account(&anchor::ACCOUNT_NOT_SIGNER, "${a.name}")); }`);
    }
    if (a.writable) {
      lines.push(`        if !${a.name}.is_writable() { return Err(fail_account(&anchor::CONSTRAINT_MUT, "${a.name}")); }`);
    }
    const pdaName = a.pda ? constPdaName(a.pda) : null;
    if (pdaName) {
      lines.push(
        `        if !pubkey_eq(${a.name}.key(), &${pdaName}_ADDRESS) { return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "${a.name}")); }`,
      );
    }
    if (a.programData) {
      lines.push(
        `        if !pubkey_eq(${a.name}.key(), &PROGRAM_DATA_ADDRESS) { return Err(fail_account(&anchor::CONSTRAINT_SEEDS, "${a.name}")); }`,
      );
    }
    if (a.address) {
      const bytes = [...new PublicKey(a.address).toBytes()];
      lines.push(`        const ${a.name.toUpperCase()}_ADDRESS: Pubkey = ${bytesLiteral(bytes)};`);
      lines.push(
        `        if !pubkey_eq(${a.name}.key(), &${a.name.toUpperCase()}_ADDRESS) { return Err(fail_account(&anchor::CONSTRAINT_ADDRESS, "${a.name}")); }`,
      );
    }
  }
  // Two writable accounts must differ, except where that is already implied: both have
  // fixed addresses, or one is a signer and the other a fixed PDA (a PDA cannot sign).
  const fixed = (a: AccountParamDef) => Boolean(a.address || a.programData || (a.pda && constPdaName(a.pda)));
  const implied = (a: AccountParamDef, b: AccountParamDef) =>
    (fixed(a) && fixed(b)) || (a.signer && fixed(b)) || (b.signer && fixed(a));
  const writable = ix.accounts.filter((a) => a.writable && !a.mayAlias);
  for (let i = 1; i < writable.length; i++) {
    for (let j = 0; j < i; j++) {
      if (implied(writable[i], writable[j])) continue;
      lines.push(
        `        if pubkey_eq(${writable[i].name}.key(), ${writable[j].name}.key()) { return Err(fail_account(&errors::${screamingSnake(DUPLICATE_ACCOUNT_ERROR)}, "${writable[i].name}")); }`,
      );
    }
  }
  lines.push(`        Ok(Self { ${names.join(', ')} })`, '    }', '}', '');

  // Arguments: one zero-copy struct, read after an exact length check.
  const argsDef: StructDef = { kind: 'struct', fields: ix.args };
  const argsName = `${name}Args`;
  spec.types[argsName] = argsDef; // temporarily, so the struct helpers can size it
  try {
    lines.push(`/// Arguments of \`${ix.name}\` (the instruction data after the discriminator).`);
    lines.push(...structBlock(spec, argsName, argsDef, []));
  } finally {
    delete spec.types[argsName];
  }
  lines.push(`impl ${argsName} {`);
  lines.push('    /// Reads the arguments; wrong length or an invalid bool/enum byte is InstructionDidNotDeserialize.');
  lines.push('    #[inline(always)]');
  lines.push('    pub fn parse(data: &[u8]) -> Result<&Self, ProgramError> {');
  lines.push('        match Self::from_bytes(data) {');
  lines.push('            Some(args) if args.is_valid() => Ok(args),');
  lines.push('            _ => Err(fail(&anchor::INSTRUCTION_DID_NOT_DESERIALIZE)),');
  lines.push('        }', '    }', '}', '');
  return lines;
}

export function buildRustInterface(spec: ProgramSpec, programId: PublicKey): string {
  if (!spec.errors.some((e) => e.name === DUPLICATE_ACCOUNT_ERROR)) {
    throw new Error(`${spec.name}/interface.ts: errors must include '${DUPLICATE_ACCOUNT_ERROR}'`);
  }
  const L: string[] = [];
  L.push(
    `//! The interface of \`${spec.name}\`: generated by tools/build.ts from`,
    `//! programs/${spec.name}/interface.ts. Do not edit; change the spec and rebuild.`,
    '#![allow(dead_code)]',
    '',
    'use peer_runtime::error::anchor;',
    'use peer_runtime::state::AccountData;',
    'use peer_runtime::{fail, fail_account, pubkey_eq, AccountInfo, ProgramError, Pubkey};',
    '',
    '/// The program id (from the program keypair); the entrypoint rejects any other.',
    `pub const ID: Pubkey = ${bytesLiteral([...programId.toBytes()])};`,
    '',
    '// ---- Constants (mirrored by the SDK through the IDL) ----',
    '',
  );
  for (const c of spec.constants) L.push(...constantLine(c));
  L.push('', ...constantPdas(spec, programId));
  L.push('', '/// Instruction discriminators: `sha256("global:<name>")[..8]` as little-endian u64.');
  L.push('pub mod instruction {');
  for (const ix of spec.instructions) {
    const d = Buffer.from(discriminator('global', ix.name)).readBigUInt64LE();
    L.push(`    pub const ${screamingSnake(ix.name)}: u64 = 0x${d.toString(16).padStart(16, '0')};`);
  }
  // Anchor's dispatch logs the instruction's name first; explorers and log parsers key on it.
  L.push('', '    /// Logs `Instruction: <Name>` for a known discriminator, as Anchor\'s dispatch does.');
  L.push('    #[inline(always)]', '    pub fn log_name(discriminator: u64) {', '        let line = match discriminator {');
  for (const ix of spec.instructions) L.push(`            ${screamingSnake(ix.name)} => "Instruction: ${ix.name.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}",`);
  L.push('            _ => return,', '        };', '        peer_runtime::log::log(line);', '    }');
  L.push('}', '', '/// Custom errors, codes from 6000 (logged the way Anchor logs them).', 'pub mod errors {');
  L.push('    use peer_runtime::ErrorInfo;');
  spec.errors.forEach((e, i) => {
    L.push(
      `    pub const ${screamingSnake(e.name)}: ErrorInfo = ErrorInfo { code: ${6000 + i}, name: "${e.name}", message: ${JSON.stringify(e.msg)} };`,
    );
  });
  L.push('}', '', '// ---- Types ----', '');
  for (const [name, def] of Object.entries(spec.types)) {
    if (def.kind === 'enum') {
      if (def.docs) L.push(`/// ${def.docs}`);
      L.push('#[repr(u8)]', '#[derive(Clone, Copy, PartialEq, Eq)]', `pub enum ${name} {`);
      def.variants.forEach((v, i) => L.push(`    ${v} = ${i},`));
      L.push('}', '', `impl ${name} {`, `    pub const COUNT: usize = ${def.variants.length};`, '');
      L.push('    #[inline(always)]', '    pub fn from_u8(value: u8) -> Option<Self> {', '        match value {');
      def.variants.forEach((v, i) => L.push(`            ${i} => Some(Self::${v}),`));
      L.push('            _ => None,', '        }', '    }', '');
      L.push('    /// For bytes this program wrote itself (always a valid variant).');
      L.push('    #[inline(always)]', '    pub fn from_stored(value: u8) -> Self {');
      L.push('        match Self::from_u8(value) { Some(v) => v, None => panic!("corrupt enum byte") }', '    }', '}', '');
      continue;
    }
    const isAccount = spec.accounts.includes(name);
    const prefix: FieldDef[] = isAccount ? [{ name: 'discriminator', type: { array: ['u8', 8] } }] : [];
    L.push(...structBlock(spec, name, def, prefix));
    if (isAccount) {
      const d = discriminator('account', name);
      L.push(`impl AccountData for ${name} {`);
      L.push(`    const DISCRIMINATOR: [u8; 8] = ${bytesLiteral(d)};`);
      L.push(`    const LEN: usize = ${name}::LEN;`, '}', '');
      L.push(`impl ${name} {`);
      L.push('    /// Writes the discriminator of a freshly created account.');
      L.push('    #[inline(always)]');
      L.push(`    pub fn init_discriminator(&mut self) { self.discriminator = <Self as AccountData>::DISCRIMINATOR; }`);
      L.push('}', '');
    }
    if (spec.events.includes(name)) {
      const d = discriminator('event', name);
      L.push(`impl ${name} {`, `    pub const EVENT_DISCRIMINATOR: [u8; 8] = ${bytesLiteral(d)};`, '');
      L.push('    /// Emits the event with `sol_log_data` (Anchor\'s "Program data:" line).');
      L.push('    #[inline(always)]');
      L.push('    pub fn emit(&self) { peer_runtime::event::emit(&Self::EVENT_DISCRIMINATOR, self.as_bytes()); }');
      L.push('}', '');
    }
  }
  L.push('// ---- Instruction accounts and arguments ----', '');
  for (const ix of spec.instructions) L.push(...contextBlock(spec, ix));
  return L.join('\n').replace(/\n{3,}/g, '\n\n');
}
