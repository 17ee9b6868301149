/**
 * The interface description language of our programs.
 *
 * Each program has one `programs/<name>/interface.ts` written in these types. It is the single
 * source of truth: the build turns it into the Anchor IDL (`target/idl`), the TypeScript type
 * helper (`target/types`), the SDK's copy of both, and the Rust module the program compiles
 * against (`programs/<name>/src/interface.rs`: discriminators, seeds, errors, zero-copy
 * layouts, account-list parsing with signer/writable/address checks).
 *
 * Only fixed-size types exist here. Every account, argument and event therefore has one
 * layout whose Borsh encoding is the plain concatenation of its fields, which lets the
 * program read them zero-copy while Anchor clients encode and decode them as usual.
 */

export type PrimitiveType = 'u8' | 'u16' | 'u32' | 'u64' | 'i64' | 'bool' | 'pubkey';

export type FieldType =
  | PrimitiveType
  | { array: [FieldType, number] }
  | { defined: string };

export interface FieldDef {
  name: string;
  type: FieldType;
  docs?: string;
}

export interface StructDef {
  kind: 'struct';
  docs?: string;
  fields: FieldDef[];
}

/** A Borsh enum with unit variants only: one byte holding the variant index. */
export interface EnumDef {
  kind: 'enum';
  docs?: string;
  variants: string[];
}

export type TypeDef = StructDef | EnumDef;

export type SeedDef =
  /** A constant seed, named from `constants` (its value must be of kind `bytes`). */
  | { kind: 'const'; constant: string }
  /** The address of another account of the same instruction. */
  | { kind: 'account'; path: string }
  /** An instruction argument (a pubkey or fixed-size integer). */
  | { kind: 'arg'; path: string };

export interface AccountParamDef {
  name: string;
  docs?: string;
  signer?: boolean;
  writable?: boolean;
  /** A fixed address (a program id or sysvar), checked by the generated parser. */
  address?: string;
  /**
   * PDA seeds (without the bump), emitted to the IDL so clients resolve the address. When every
   * seed is a constant the build precomputes the address and the generated parser checks it.
   */
  pda?: SeedDef[];
  /** This program's ProgramData account (BPF upgradeable loader); address checked by the parser. */
  programData?: boolean;
  /**
   * A writable account that only receives lamports (a rent refund); it may be the same
   * account as another writable one, so the no-duplicates check leaves it out.
   */
  mayAlias?: boolean;
}

export interface InstructionDef {
  name: string;
  docs: string;
  accounts: AccountParamDef[];
  args: FieldDef[];
}

export type ConstantDef =
  | { name: string; docs?: string; kind: 'bytes'; value: string }
  | { name: string; docs?: string; kind: 'u8' | 'u16' | 'u32' | 'u64' | 'i64'; value: bigint };

export interface ErrorDef {
  name: string;
  msg: string;
}

export interface ProgramSpec {
  name: string;
  version: string;
  description: string;
  constants: ConstantDef[];
  /** Every struct and enum, including those used as accounts and events. */
  types: Record<string, TypeDef>;
  /** Names of `types` entries that are program accounts (8-byte discriminator prefix). */
  accounts: string[];
  /** Names of `types` entries that are events (emitted with `sol_log_data`). */
  events: string[];
  instructions: InstructionDef[];
  /** Custom errors; codes are assigned from 6000 in order, so only ever append. */
  errors: ErrorDef[];
}

export const FIRST_CUSTOM_ERROR_CODE = 6000;
