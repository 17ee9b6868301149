/**
 * Types computed from the IDLs' TypeScript type helpers (`idl/<name>.ts`, camelCase), so every
 * account, argument and event the SDK exposes is checked against the programs' interface at
 * compile time: rename a field in `programs/<name>/interface.ts`, rebuild, and `tsc` points at
 * every use.
 *
 * The SDK's representation (the same for decoded accounts, events and instruction arguments):
 * - u64/i64/u128 → `bigint` (never a float; never BN);
 * - u8/u16/u32/i32 → `number`; bool → `boolean`; pubkey → `PublicKey`;
 * - `[u8; N]` (hashes, keys, model ids) → `Uint8Array`; other arrays → arrays;
 * - enums whose variants carry no data → the variant name (`'open'`, `'assigned'`, ...).
 */
import type { PublicKey } from '@solana/web3.js';

/** The parts of an Anchor IDL (spec 0.1.0, camelCase type helper) these types read. */
export interface IdlShape {
  address: string;
  instructions: readonly {
    name: string;
    accounts: readonly { name: string; address?: string; pda?: unknown; signer?: boolean; writable?: boolean }[];
    args: readonly { name: string; type: unknown }[];
  }[];
  accounts?: readonly { name: string }[];
  events?: readonly { name: string }[];
  errors?: readonly { code: number; name: string; msg?: string }[];
  types?: readonly { name: string; type: unknown }[];
}

interface Primitives {
  pubkey: PublicKey;
  bool: boolean;
  string: string;
  bytes: Uint8Array;
  u8: number;
  i8: number;
  u16: number;
  i16: number;
  u32: number;
  i32: number;
  f32: number;
  f64: number;
  u64: bigint;
  i64: bigint;
  u128: bigint;
  i128: bigint;
}

type Depth = [never, 0, 1, 2, 3, 4, 5, 6, 7];

type TypeNamed<I extends IdlShape, N> = Extract<NonNullable<I['types']>[number], { name: N }>;

/** The SDK value of IDL type `T`. */
export type Decoded<I extends IdlShape, T, D extends number = 7> = [D] extends [never]
  ? unknown
  : T extends keyof Primitives
    ? Primitives[T]
    : T extends { array: readonly ['u8', number] }
      ? Uint8Array
      : T extends { array: readonly [infer E, number] }
        ? Decoded<I, E, Depth[D]>[]
        : T extends { vec: infer E }
          ? Decoded<I, E, Depth[D]>[]
          : T extends { option: infer E }
            ? Decoded<I, E, Depth[D]> | null
            : T extends { defined: { name: infer N } }
              ? DecodedDefined<I, TypeNamed<I, N>, Depth[D]>
              : unknown;

type FieldsOf<I extends IdlShape, F, D extends number> = {
  [K in F as K extends { name: infer FN extends string } ? FN : never]: K extends { type: infer FT } ? Decoded<I, FT, D> : never;
};

type DecodedDefined<I extends IdlShape, Def, D extends number> = [D] extends [never]
  ? unknown
  : Def extends { type: { kind: 'enum'; variants: readonly (infer V)[] } }
    ? V extends { fields: readonly unknown[] }
      ? { [K in V extends { name: infer VN extends string } ? VN : never]: unknown }
      : V extends { name: infer VN }
        ? VN
        : never
    : Def extends { type: { kind: 'struct'; fields: readonly (infer F)[] } }
      ? FieldsOf<I, F, D>
      : unknown;

/** A named type of the IDL (struct or enum) in the SDK's representation. */
export type DefinedType<I extends IdlShape, N extends string> = DecodedDefined<I, TypeNamed<I, N>, 7>;

// ---- instructions -----------------------------------------------------------------------------

export type InstructionName<I extends IdlShape> = I['instructions'][number]['name'];
type InstructionNamed<I extends IdlShape, N> = Extract<I['instructions'][number], { name: N }>;
type AccountItem<I extends IdlShape, N> = InstructionNamed<I, N>['accounts'][number];
/** Accounts the builder can fill in itself: fixed addresses and PDAs. */
type Resolvable<A> = A extends { address: string } ? A['name' & keyof A] : A extends { pda: unknown } ? A['name' & keyof A] : never;
type Required_<I extends IdlShape, N> = Exclude<AccountItem<I, N>['name'], Resolvable<AccountItem<I, N>>>;

/**
 * The accounts of instruction `N`: the ones the builder cannot derive are required; fixed
 * program addresses and PDAs are optional (derived from the IDL's seeds when omitted).
 */
export type InstructionAccounts<I extends IdlShape, N extends InstructionName<I>> = {
  [K in Required_<I, N>]: PublicKey;
} & {
  [K in Resolvable<AccountItem<I, N>>]?: PublicKey;
};

/** The arguments of instruction `N`, by name. */
export type InstructionArgs<I extends IdlShape, N extends InstructionName<I>> = {
  [A in InstructionNamed<I, N>['args'][number] as A['name']]: Decoded<I, A['type']>;
};

// ---- accounts, events, errors ---------------------------------------------------------------

export type AccountName<I extends IdlShape> = NonNullable<I['accounts']>[number]['name'];
export type AccountData<I extends IdlShape, N extends string> = DefinedType<I, N>;

export type EventName<I extends IdlShape> = NonNullable<I['events']>[number]['name'];
/** One decoded event: `{ name: 'jobPosted', data: {...} }`, discriminated by name. */
export type EventOf<I extends IdlShape> = {
  [N in EventName<I>]: { name: N; data: DefinedType<I, N> };
}[EventName<I>];

/** Error names as the program logs them (PascalCase), e.g. `'InsufficientCredits'`. */
export type ErrorName<I extends IdlShape> = Capitalize<NonNullable<I['errors']>[number]['name']>;
/** Error name → code, with the literal codes of the IDL. */
export type ErrorCodes<I extends IdlShape> = {
  [E in NonNullable<I['errors']>[number] as Capitalize<E['name']>]: E['code'];
};
