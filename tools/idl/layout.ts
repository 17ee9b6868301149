/** Sizes, discriminators and name conversions shared by the IDL, Rust and TS generators. */
import { createHash } from 'node:crypto';
import type { FieldType, ProgramSpec, TypeDef } from './spec';

export const PRIMITIVE_SIZE: Record<string, number> = {
  u8: 1,
  u16: 2,
  u32: 4,
  u64: 8,
  i64: 8,
  bool: 1,
  pubkey: 32,
};

export const DISCRIMINATOR_LEN = 8;

export function discriminator(namespace: 'global' | 'account' | 'event', name: string): number[] {
  const digest = createHash('sha256').update(`${namespace}:${name}`).digest();
  return [...digest.subarray(0, DISCRIMINATOR_LEN)];
}

export function typeSize(spec: ProgramSpec, type: FieldType): number {
  if (typeof type === 'string') return PRIMITIVE_SIZE[type];
  if ('array' in type) return typeSize(spec, type.array[0]) * type.array[1];
  const def = lookupType(spec, type.defined);
  if (def.kind === 'enum') return 1;
  return def.fields.reduce((sum, f) => sum + typeSize(spec, f.type), 0);
}

export function structSize(spec: ProgramSpec, name: string): number {
  return typeSize(spec, { defined: name });
}

export function lookupType(spec: ProgramSpec, name: string): TypeDef {
  const def = spec.types[name];
  if (!def) throw new Error(`${spec.name}: unknown type '${name}'`);
  return def;
}

/** `initialize_config` → `InitializeConfig`. */
export function pascal(snake: string): string {
  return snake
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/** `InitializeConfig` / `initialize_config` → `INITIALIZE_CONFIG`. */
export function screamingSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/** `InitializeConfig` → `initialize_config`. */
export function snake(name: string): string {
  return screamingSnake(name).toLowerCase();
}

/** Checks the spec for mistakes the generators would otherwise turn into confusing output. */
export function validateSpec(spec: ProgramSpec): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  const unique = (kind: string, name: string) => {
    const key = `${kind}:${name}`;
    if (seen.has(key)) problems.push(`duplicate ${kind} '${name}'`);
    seen.add(key);
  };
  const checkType = (where: string, t: FieldType): void => {
    if (typeof t === 'string') return;
    if ('array' in t) {
      if (!Number.isInteger(t.array[1]) || t.array[1] <= 0) problems.push(`${where}: bad array length`);
      return checkType(where, t.array[0]);
    }
    if (!spec.types[t.defined]) problems.push(`${where}: unknown type '${t.defined}'`);
  };
  for (const [name, def] of Object.entries(spec.types)) {
    if (def.kind === 'struct') def.fields.forEach((f) => checkType(`${name}.${f.name}`, f.type));
    if (def.kind === 'enum' && (def.variants.length === 0 || def.variants.length > 255)) {
      problems.push(`enum ${name}: needs 1..255 variants`);
    }
  }
  for (const name of [...spec.accounts, ...spec.events]) {
    if (spec.types[name]?.kind !== 'struct') problems.push(`'${name}' must be a struct in types`);
  }
  const constants = new Map(spec.constants.map((c) => [c.name, c]));
  for (const c of spec.constants) unique('constant', c.name);
  for (const ix of spec.instructions) {
    unique('instruction', ix.name);
    const names = new Set<string>();
    for (const a of ix.accounts) {
      if (names.has(a.name)) problems.push(`${ix.name}: duplicate account '${a.name}'`);
      names.add(a.name);
      for (const s of a.pda ?? []) {
        if (s.kind === 'const' && constants.get(s.constant)?.kind !== 'bytes') {
          problems.push(`${ix.name}.${a.name}: seed constant '${s.constant}' must be a bytes constant`);
        }
        if (s.kind === 'account' && !ix.accounts.some((o) => o.name === s.path)) {
          problems.push(`${ix.name}.${a.name}: seed account '${s.path}' is not an account of the instruction`);
        }
      }
    }
    ix.args.forEach((f) => checkType(`${ix.name}(${f.name})`, f.type));
  }
  spec.errors.forEach((e) => unique('error', e.name));
  if (problems.length) throw new Error(`${spec.name}/interface.ts:\n  ${problems.join('\n  ')}`);
}
