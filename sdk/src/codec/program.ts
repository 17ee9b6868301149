/**
 * A program as the SDK sees it: its IDL (camelCase, as Anchor's client uses it), a Borsh coder,
 * and the conversions between Anchor's decoded values (BN, enum objects, number[]) and the SDK's
 * (bigint, variant names, Uint8Array). Everything here is driven by the IDL at runtime, so the
 * same code serves every program and every instruction, account and event they add later.
 */
import { BN, BorshCoder, EventParser, type Idl } from '@coral-xyz/anchor';
import { convertIdlToCamelCase } from '@coral-xyz/anchor/dist/cjs/idl';
import { PublicKey } from '@solana/web3.js';
import { ValidationError } from '../errors';
import type { IdlShape } from './types';

/** An IDL type node (Anchor spec 0.1.0). */
export type IdlTypeNode =
  | string
  | { array: [IdlTypeNode, number] }
  | { vec: IdlTypeNode }
  | { option: IdlTypeNode }
  | { defined: { name: string } };

interface IdlField {
  name: string;
  type: IdlTypeNode;
}

interface IdlTypeDef {
  name: string;
  type: { kind: 'struct'; fields: IdlField[] } | { kind: 'enum'; variants: { name: string; fields?: unknown[] }[] };
}

export interface IdlAccountMeta {
  name: string;
  writable?: boolean;
  signer?: boolean;
  address?: string;
  pda?: {
    seeds: ({ kind: 'const'; value: number[] } | { kind: 'account'; path: string } | { kind: 'arg'; path: string })[];
    program?: { kind: 'const'; value: number[] };
  };
}

export interface IdlInstructionDef {
  name: string;
  discriminator: number[];
  accounts: IdlAccountMeta[];
  args: IdlField[];
}

interface RuntimeIdl {
  address: string;
  metadata: { name: string };
  instructions: IdlInstructionDef[];
  accounts?: { name: string; discriminator: number[] }[];
  events?: { name: string; discriminator: number[] }[];
  errors?: { code: number; name: string; msg?: string }[];
  types?: IdlTypeDef[];
  constants?: { name: string; type: string; value: string }[];
}

const BIG = new Set(['u64', 'i64', 'u128', 'i128']);
const INT_BITS: Record<string, [bigint, bigint]> = {
  u8: [0n, 255n],
  i8: [-128n, 127n],
  u16: [0n, 65_535n],
  i16: [-32_768n, 32_767n],
  u32: [0n, 4_294_967_295n],
  i32: [-2_147_483_648n, 2_147_483_647n],
  u64: [0n, (1n << 64n) - 1n],
  i64: [-(1n << 63n), (1n << 63n) - 1n],
  u128: [0n, (1n << 128n) - 1n],
  i128: [-(1n << 127n), (1n << 127n) - 1n],
};
const FIXED_SIZE: Record<string, number> = {
  bool: 1,
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  u64: 8,
  i64: 8,
  f64: 8,
  u128: 16,
  i128: 16,
  pubkey: 32,
};

/** snake_case → camelCase, as Anchor's client converts IDL names. */
export function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export class ProgramCodec<I extends IdlShape = IdlShape> {
  /** The IDL as generated (snake_case), e.g. for Anchor's `Program`. */
  readonly rawIdl: Idl;
  /** The IDL with camelCase names, as Anchor's client and the type helpers use. */
  readonly idl: RuntimeIdl;
  readonly coder: BorshCoder;
  /** The program id the IDL was generated with. */
  readonly defaultProgramId: PublicKey;
  /** "peer_market", "peer_staking". */
  readonly name: string;
  private readonly types = new Map<string, IdlTypeDef>();

  constructor(rawIdl: unknown) {
    this.rawIdl = rawIdl as Idl;
    this.idl = convertIdlToCamelCase(rawIdl as Idl) as unknown as RuntimeIdl;
    this.coder = new BorshCoder(this.idl as unknown as Idl);
    this.defaultProgramId = new PublicKey(this.idl.address);
    this.name = (rawIdl as RuntimeIdl).metadata.name;
    for (const t of this.idl.types ?? []) this.types.set(t.name, t);
  }

  /** Phantom for type inference. */
  declare readonly __idl?: I;

  instruction(name: string): IdlInstructionDef {
    const ix = this.idl.instructions.find((i) => i.name === name);
    if (!ix) throw new ValidationError(`${this.name} has no instruction ${name}`);
    return ix;
  }

  typeDef(name: string): IdlTypeDef {
    const t = this.types.get(name);
    if (!t) throw new Error(`${this.name}: IDL has no type ${name}`);
    return t;
  }

  accountDiscriminator(name: string): Buffer {
    const acc = (this.idl.accounts ?? []).find((a) => a.name === name);
    if (!acc) throw new Error(`${this.name}: IDL has no account ${name}`);
    return Buffer.from(acc.discriminator);
  }

  // ---- values: Anchor ↔ SDK -------------------------------------------------------------------

  /** Anchor's decoded value of `type` → the SDK's (bigint, variant names, Uint8Array). */
  fromAnchor(value: unknown, type: IdlTypeNode): unknown {
    if (typeof type === 'string') {
      if (BIG.has(type)) return BigInt((value as BN).toString());
      if (type === 'bytes') return Uint8Array.from(value as Buffer);
      return value;
    }
    if ('array' in type) {
      const [inner] = type.array;
      if (inner === 'u8') return Uint8Array.from(value as number[]);
      return (value as unknown[]).map((v) => this.fromAnchor(v, inner));
    }
    if ('vec' in type) return (value as unknown[]).map((v) => this.fromAnchor(v, type.vec));
    if ('option' in type) return value === null || value === undefined ? null : this.fromAnchor(value, type.option);
    const def = this.typeDef(type.defined.name);
    if (def.type.kind === 'enum') {
      const variant = Object.keys(value as object)[0];
      const unit = def.type.variants.every((v) => !v.fields || v.fields.length === 0);
      return unit ? variant : value;
    }
    const out: Record<string, unknown> = {};
    for (const f of def.type.fields) out[f.name] = this.fromAnchor((value as Record<string, unknown>)[f.name], f.type);
    return out;
  }

  /** The SDK's value of `type` → what Anchor's coder encodes; checks ranges and lengths. */
  toAnchor(value: unknown, type: IdlTypeNode, path: string): unknown {
    if (typeof type === 'string') {
      if (type in INT_BITS) {
        const big = toBigInt(value, path);
        const [min, max] = INT_BITS[type];
        if (big < min || big > max) throw new ValidationError(`${path} = ${big} is outside the ${type} range`);
        return BIG.has(type) ? new BN(big.toString()) : Number(big);
      }
      if (type === 'pubkey') {
        try {
          return value instanceof PublicKey ? value : new PublicKey(value as string);
        } catch {
          throw new ValidationError(`${path} is not a valid address`);
        }
      }
      if (type === 'bool') {
        if (typeof value !== 'boolean') throw new ValidationError(`${path} must be true or false`);
        return value;
      }
      if (type === 'bytes') return Buffer.from(value as Uint8Array);
      return value;
    }
    if ('array' in type) {
      const [inner, len] = type.array;
      const list = value instanceof Uint8Array ? [...value] : (value as unknown[]);
      if (!Array.isArray(list) || list.length !== len) throw new ValidationError(`${path} must have ${len} elements`);
      return list.map((v, i) => this.toAnchor(v, inner, `${path}[${i}]`));
    }
    if ('vec' in type) return (value as unknown[]).map((v, i) => this.toAnchor(v, type.vec, `${path}[${i}]`));
    if ('option' in type) return value === null || value === undefined ? null : this.toAnchor(value, type.option, path);
    const def = this.typeDef(type.defined.name);
    if (def.type.kind === 'enum') {
      if (typeof value === 'string') {
        if (!def.type.variants.some((v) => v.name === value)) {
          throw new ValidationError(`${path} must be one of ${def.type.variants.map((v) => v.name).join(', ')}`);
        }
        return { [value]: {} };
      }
      return value;
    }
    if (typeof value !== 'object' || value === null) throw new ValidationError(`${path} must be an object`);
    const out: Record<string, unknown> = {};
    for (const f of def.type.fields) {
      const v = (value as Record<string, unknown>)[f.name];
      if (v === undefined) throw new ValidationError(`${path}.${f.name} is missing`);
      out[f.name] = this.toAnchor(v, f.type, `${path}.${f.name}`);
    }
    return out;
  }

  // ---- layout -----------------------------------------------------------------------------------

  /** Size in bytes of a fixed-size type (all our accounts are fixed size). */
  sizeOf(type: IdlTypeNode): number {
    if (typeof type === 'string') {
      const s = FIXED_SIZE[type];
      if (s === undefined) throw new Error(`${type} has no fixed size`);
      return s;
    }
    if ('array' in type) return this.sizeOf(type.array[0]) * type.array[1];
    if ('defined' in type) {
      const def = this.typeDef(type.defined.name);
      if (def.type.kind === 'enum') {
        if (def.type.variants.some((v) => v.fields && v.fields.length)) throw new Error(`${def.name} has no fixed size`);
        return 1;
      }
      return def.type.fields.reduce((n, f) => n + this.sizeOf(f.type), 0);
    }
    throw new Error('variable-size type');
  }

  /** Byte size of an account including its 8-byte discriminator. */
  accountSize(account: string): number {
    return 8 + this.sizeOf({ defined: { name: account } });
  }

  /**
   * Offset (from the start of the account data, discriminator included) and type of a field,
   * by dotted path: `fieldOffset('job', 'request.tier')`.
   */
  fieldOffset(account: string, path: string): { offset: number; type: IdlTypeNode } {
    let offset = 8;
    let type: IdlTypeNode = { defined: { name: account } };
    for (const part of path.split('.')) {
      if (typeof type === 'string' || !('defined' in type)) throw new Error(`${path}: ${part} is not inside a struct`);
      const def = this.typeDef(type.defined.name);
      if (def.type.kind !== 'struct') throw new Error(`${path}: ${def.name} is not a struct`);
      let found: IdlField | undefined;
      for (const f of def.type.fields) {
        if (f.name === part) {
          found = f;
          break;
        }
        offset += this.sizeOf(f.type);
      }
      if (!found) throw new Error(`${account} has no field ${path}`);
      type = found.type;
    }
    return { offset, type };
  }

  /** The bytes of `value` encoded as `type` (for memcmp filters). */
  encodeValue(value: unknown, type: IdlTypeNode): Buffer {
    if (typeof type === 'string') {
      if (type === 'pubkey') return (this.toAnchor(value, type, 'value') as PublicKey).toBuffer();
      if (type === 'bool') return Buffer.from([value ? 1 : 0]);
      if (type in INT_BITS) {
        const size = FIXED_SIZE[type];
        const big = BigInt.asUintN(size * 8, toBigInt(value, 'value'));
        const out = Buffer.alloc(size);
        for (let i = 0; i < size; i++) out[i] = Number((big >> BigInt(8 * i)) & 0xffn);
        return out;
      }
    } else if ('array' in type && type.array[0] === 'u8') {
      return Buffer.from(value as Uint8Array);
    } else if ('defined' in type) {
      const def = this.typeDef(type.defined.name);
      if (def.type.kind === 'enum') {
        const index = def.type.variants.findIndex((v) => v.name === value);
        if (index < 0) throw new ValidationError(`${String(value)} is not a ${def.name}`);
        return Buffer.from([index]);
      }
    }
    throw new Error('cannot encode this type for a filter');
  }

  // ---- accounts and events ----------------------------------------------------------------------

  /** Decodes account `name` (checks the discriminator) into the SDK's representation. */
  decodeAccount<T>(name: string, data: Uint8Array): T {
    const disc = this.accountDiscriminator(name);
    if (data.length < 8 || !Buffer.from(data.subarray(0, 8)).equals(disc)) {
      throw new ValidationError(`the data is not a ${this.name} ${name} account`);
    }
    const decoded: unknown = this.coder.accounts.decode(name, Buffer.from(data));
    return this.fromAnchor(decoded, { defined: { name } }) as T;
  }

  /** The events this program emitted in a transaction's logs. */
  parseEvents<E>(logs: string[], programId: PublicKey = this.defaultProgramId): E[] {
    const parser = new EventParser(programId, this.coder);
    const out: E[] = [];
    for (const e of parser.parseLogs(logs)) {
      out.push({ name: e.name, data: this.fromAnchor(e.data, { defined: { name: e.name } }) } as E);
    }
    return out;
  }

  /** Error code → name and message (custom errors, from 6000). */
  errorByCode(code: number): { name: string; msg: string } | undefined {
    const raw = (this.rawIdl as unknown as RuntimeIdl).errors ?? [];
    const e = raw.find((x) => x.code === code);
    return e ? { name: e.name, msg: e.msg ?? e.name } : undefined;
  }

  /** Error name (PascalCase) → code, for every custom error. */
  errorCodes(): Record<string, number> {
    const raw = (this.rawIdl as unknown as RuntimeIdl).errors ?? [];
    return Object.fromEntries(raw.map((e) => [e.name, e.code]));
  }
}

function toBigInt(value: unknown, path: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new ValidationError(`${path} must be an integer`);
    return BigInt(value);
  }
  if (value instanceof BN) return BigInt((value as BN).toString());
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new ValidationError(`${path} must be an integer`);
}
