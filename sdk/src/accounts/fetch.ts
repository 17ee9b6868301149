/**
 * Codama-style account access, generic over our programs' accounts:
 * `decodeX(data)`, `fetchX(transport, address)` (throws AccountNotFoundError),
 * `fetchMaybeX` (null when missing), `fetchAllX(transport, addresses)` / `fetchAllMaybeX` (one
 * request), and `queryX(transport, filters)`: every account of the type, filtered on the node by
 * field values (memcmp at the field's offset, computed from the IDL layout).
 */
import type { Commitment, PublicKey } from '@solana/web3.js';
import bs58 from 'bs58';
import type { ProgramCodec } from '../codec/program';
import { AccountNotFoundError, ValidationError } from '../errors';
import type { AccountFilter, AccountRecord, Transport } from '../rpc/transport';

export interface Account<T> {
  address: PublicKey;
  lamports: number;
  data: T;
}

/** A filter on a field's value (dotted path, e.g. `request.tier`), or a raw RPC filter. */
export type FieldFilter = { field: string; equals: unknown } | AccountFilter;

export interface FetchOptions {
  /** The program that must own the account (default: the IDL's program id). */
  programId?: PublicKey;
  commitment?: Commitment;
}

export interface AccountApi<T> {
  /** The account type's name in the IDL (camelCase). */
  readonly name: string;
  /** Size in bytes, discriminator included. */
  readonly size: number;
  decode(data: Uint8Array): T;
  fetch(transport: Transport, address: PublicKey, opts?: FetchOptions): Promise<Account<T>>;
  fetchMaybe(transport: Transport, address: PublicKey, opts?: FetchOptions): Promise<Account<T> | null>;
  fetchAll(transport: Transport, addresses: PublicKey[], opts?: FetchOptions): Promise<Account<T>[]>;
  fetchAllMaybe(transport: Transport, addresses: PublicKey[], opts?: FetchOptions): Promise<(Account<T> | null)[]>;
  query(transport: Transport, filters?: FieldFilter[], opts?: FetchOptions): Promise<Account<T>[]>;
  /** Decodes an already fetched record (checks the owner). */
  fromRecord(record: AccountRecord, opts?: FetchOptions): Account<T>;
  /** The RPC filters for `filters` (discriminator and size included). */
  filters(filters?: FieldFilter[]): AccountFilter[];
}

export function accountApi<T>(program: ProgramCodec, name: string, label: string, hint = ''): AccountApi<T> {
  const size = program.accountSize(name);
  const disc = program.accountDiscriminator(name);
  const owner = (opts?: FetchOptions): PublicKey => opts?.programId ?? program.defaultProgramId;

  const api: AccountApi<T> = {
    name,
    size,
    decode: (data) => program.decodeAccount<T>(name, data),
    fromRecord(record, opts) {
      if (!record.owner.equals(owner(opts))) {
        throw new ValidationError(`${record.address.toBase58()} is not a ${label} account (owned by ${record.owner.toBase58()})`);
      }
      return { address: record.address, lamports: record.lamports, data: api.decode(record.data) };
    },
    async fetchMaybe(transport, address, opts) {
      const rec = await transport.getAccount(address, opts?.commitment);
      return rec ? api.fromRecord(rec, opts) : null;
    },
    async fetch(transport, address, opts) {
      const acc = await api.fetchMaybe(transport, address, opts);
      if (!acc) throw new AccountNotFoundError(label, address, hint);
      return acc;
    },
    async fetchAllMaybe(transport, addresses, opts) {
      if (addresses.length === 0) return [];
      const recs = await transport.getAccounts(addresses, opts?.commitment);
      return recs.map((r) => (r ? api.fromRecord(r, opts) : null));
    },
    async fetchAll(transport, addresses, opts) {
      const all = await api.fetchAllMaybe(transport, addresses, opts);
      return all.map((a, i) => {
        if (!a) throw new AccountNotFoundError(label, addresses[i], hint);
        return a;
      });
    },
    filters(filters = []) {
      const out: AccountFilter[] = [{ memcmp: { offset: 0, bytes: bs58.encode(disc) } }, { dataSize: size }];
      for (const f of filters) {
        if ('field' in f) {
          const { offset, type } = program.fieldOffset(name, f.field);
          out.push({ memcmp: { offset, bytes: bs58.encode(program.encodeValue(f.equals, type)) } });
        } else {
          out.push(f);
        }
      }
      return out;
    },
    async query(transport, filters = [], opts) {
      const recs = await transport.getProgramAccounts(owner(opts), api.filters(filters), opts?.commitment);
      return recs.map((r) => api.fromRecord(r, opts));
    },
  };
  return api;
}
