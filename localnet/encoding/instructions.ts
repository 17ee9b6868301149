/**
 * jsonParsed instructions, as agave's transaction-status parsers render them: System, SPL Token
 * (and the Token-2022 instructions it shares), the associated token account program and Memo.
 * `{program, programId, parsed: {type, info}, stackHeight}`; anything else (or anything that
 * does not decode) stays partially decoded: `{programId, accounts, data, stackHeight}`.
 */
import { encodeBase58 } from './base58';
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM, uiTokenAmount } from './spl-token';

const SYSTEM_PROGRAM = '11111111111111111111111111111111';
const ATA_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
const MEMO_PROGRAMS = new Set(['MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr', 'Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo']);

type Info = Record<string, unknown>;

class Reader {
  private at = 0;
  constructor(private readonly data: Uint8Array) {}
  private need(n: number): void {
    if (this.at + n > this.data.length) throw new RangeError('instruction data too short');
  }
  u8(): number {
    this.need(1);
    return this.data[this.at++];
  }
  u32(): number {
    this.need(4);
    const v = Buffer.from(this.data.buffer, this.data.byteOffset + this.at, 4).readUInt32LE(0);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = Buffer.from(this.data.buffer, this.data.byteOffset + this.at, 8).readBigUInt64LE(0);
    this.at += 8;
    return v;
  }
  key(): string {
    this.need(32);
    const k = encodeBase58(this.data.subarray(this.at, this.at + 32));
    this.at += 32;
    return k;
  }
  /** bincode String: u64 length + UTF-8. */
  string(): string {
    const n = Number(this.u64());
    this.need(n);
    const s = Buffer.from(this.data.subarray(this.at, this.at + n)).toString('utf8');
    this.at += n;
    return s;
  }
  /** SPL's COption<Pubkey> in instruction data: a u8 tag, then the key when 1. */
  optionKey(): string | null {
    return this.u8() === 1 ? this.key() : null;
  }
}

function need(accounts: string[], n: number): void {
  if (accounts.length < n) throw new RangeError('too few accounts');
}

function system(data: Uint8Array, a: string[]): { type: string; info: Info } {
  const r = new Reader(data);
  const tag = r.u32();
  switch (tag) {
    case 0: need(a, 2); return { type: 'createAccount', info: { source: a[0], newAccount: a[1], lamports: r.u64(), space: r.u64(), owner: r.key() } };
    case 1: need(a, 1); return { type: 'assign', info: { account: a[0], owner: r.key() } };
    case 2: need(a, 2); return { type: 'transfer', info: { source: a[0], destination: a[1], lamports: r.u64() } };
    case 3: {
      need(a, 2);
      const base = r.key();
      const seed = r.string();
      return { type: 'createAccountWithSeed', info: { source: a[0], newAccount: a[1], base, seed, lamports: r.u64(), space: r.u64(), owner: r.key() } };
    }
    case 4: need(a, 3); return { type: 'advanceNonce', info: { nonceAccount: a[0], recentBlockhashesSysvar: a[1], nonceAuthority: a[2] } };
    case 5: need(a, 5); return { type: 'withdrawFromNonce', info: { nonceAccount: a[0], destination: a[1], recentBlockhashesSysvar: a[2], rentSysvar: a[3], nonceAuthority: a[4], lamports: r.u64() } };
    case 6: need(a, 3); return { type: 'initializeNonce', info: { nonceAccount: a[0], recentBlockhashesSysvar: a[1], rentSysvar: a[2], nonceAuthority: r.key() } };
    case 7: need(a, 2); return { type: 'authorizeNonce', info: { nonceAccount: a[0], nonceAuthority: a[1], newAuthorized: r.key() } };
    case 8: need(a, 1); return { type: 'allocate', info: { account: a[0], space: r.u64() } };
    case 9: need(a, 2); return { type: 'allocateWithSeed', info: { account: a[0], base: r.key(), seed: r.string(), space: r.u64(), owner: r.key() } };
    case 10: need(a, 2); return { type: 'assignWithSeed', info: { account: a[0], base: r.key(), seed: r.string(), owner: r.key() } };
    case 11: {
      need(a, 3);
      const lamports = r.u64();
      return { type: 'transferWithSeed', info: { source: a[0], sourceBase: a[1], destination: a[2], lamports, sourceSeed: r.string(), sourceOwner: r.key() } };
    }
    case 12: need(a, 1); return { type: 'upgradeNonce', info: { nonceAccount: a[0] } };
    default: throw new RangeError(`unknown System instruction ${tag}`);
  }
}

/** The signing authority: one key, or a multisig and its signers (accounts after `at`). */
function authority(a: string[], at: number, name: string): Info {
  if (a.length > at + 1) return { [`multisig${name[0].toUpperCase()}${name.slice(1)}`]: a[at], signers: a.slice(at + 1) };
  return { [name]: a[at] };
}

const AUTHORITY_TYPES = ['mintTokens', 'freezeAccount', 'accountOwner', 'closeAccount'];

function token(data: Uint8Array, a: string[]): { type: string; info: Info } {
  const r = new Reader(data);
  const tag = r.u8();
  const checked = (amount: bigint) => uiTokenAmount(amount, r.u8());
  switch (tag) {
    case 0:
    case 20: {
      need(a, 1);
      const decimals = r.u8();
      const mintAuthority = r.key();
      const freeze = r.optionKey();
      const info: Info = { mint: a[0], decimals, mintAuthority };
      if (tag === 0) info.rentSysvar = a[1];
      if (freeze) info.freezeAuthority = freeze;
      return { type: tag === 0 ? 'initializeMint' : 'initializeMint2', info };
    }
    case 1: need(a, 4); return { type: 'initializeAccount', info: { account: a[0], mint: a[1], owner: a[2], rentSysvar: a[3] } };
    case 2: need(a, 2); return { type: 'initializeMultisig', info: { multisig: a[0], rentSysvar: a[1], signers: a.slice(2), m: r.u8() } };
    case 3: need(a, 3); return { type: 'transfer', info: { source: a[0], destination: a[1], amount: r.u64().toString(), ...authority(a, 2, 'authority') } };
    case 4: need(a, 3); return { type: 'approve', info: { source: a[0], delegate: a[1], amount: r.u64().toString(), ...authority(a, 2, 'owner') } };
    case 5: need(a, 2); return { type: 'revoke', info: { source: a[0], ...authority(a, 1, 'owner') } };
    case 6: {
      need(a, 2);
      const kind = AUTHORITY_TYPES[r.u8()];
      if (!kind) throw new RangeError('unknown authority type');
      const owned = kind === 'mintTokens' || kind === 'freezeAccount' ? 'mint' : 'account';
      return { type: 'setAuthority', info: { [owned]: a[0], authorityType: kind, newAuthority: r.optionKey(), ...authority(a, 1, 'authority') } };
    }
    case 7: need(a, 3); return { type: 'mintTo', info: { mint: a[0], account: a[1], amount: r.u64().toString(), ...authority(a, 2, 'mintAuthority') } };
    case 8: need(a, 3); return { type: 'burn', info: { account: a[0], mint: a[1], amount: r.u64().toString(), ...authority(a, 2, 'authority') } };
    case 9: need(a, 3); return { type: 'closeAccount', info: { account: a[0], destination: a[1], ...authority(a, 2, 'owner') } };
    case 10:
    case 11: need(a, 3); return { type: tag === 10 ? 'freezeAccount' : 'thawAccount', info: { account: a[0], mint: a[1], ...authority(a, 2, 'freezeAuthority') } };
    case 12: need(a, 4); return { type: 'transferChecked', info: { source: a[0], mint: a[1], destination: a[2], tokenAmount: checked(r.u64()), ...authority(a, 3, 'authority') } };
    case 13: need(a, 4); return { type: 'approveChecked', info: { source: a[0], mint: a[1], delegate: a[2], tokenAmount: checked(r.u64()), ...authority(a, 3, 'owner') } };
    case 14: need(a, 3); return { type: 'mintToChecked', info: { mint: a[0], account: a[1], tokenAmount: checked(r.u64()), ...authority(a, 2, 'mintAuthority') } };
    case 15: need(a, 3); return { type: 'burnChecked', info: { account: a[0], mint: a[1], tokenAmount: checked(r.u64()), ...authority(a, 2, 'authority') } };
    case 16: need(a, 3); return { type: 'initializeAccount2', info: { account: a[0], mint: a[1], owner: r.key(), rentSysvar: a[2] } };
    case 17: need(a, 1); return { type: 'syncNative', info: { account: a[0] } };
    case 18: need(a, 2); return { type: 'initializeAccount3', info: { account: a[0], mint: a[1], owner: r.key() } };
    case 19: need(a, 1); return { type: 'initializeMultisig2', info: { multisig: a[0], signers: a.slice(1), m: r.u8() } };
    case 21: need(a, 1); return { type: 'getAccountDataSize', info: { mint: a[0] } };
    case 22: need(a, 1); return { type: 'initializeImmutableOwner', info: { account: a[0] } };
    case 23: need(a, 1); return { type: 'amountToUiAmount', info: { mint: a[0], amount: r.u64().toString() } };
    case 24: need(a, 1); return { type: 'uiAmountToAmount', info: { mint: a[0], uiAmount: Buffer.from(data.subarray(1)).toString('utf8') } };
    default: throw new RangeError(`unknown Token instruction ${tag}`);
  }
}

function associatedToken(data: Uint8Array, a: string[]): { type: string; info: Info } {
  const tag = data.length === 0 ? 0 : data[0];
  if (tag > 1) throw new RangeError('unknown associated token instruction');
  need(a, 6);
  return { type: tag === 0 ? 'create' : 'createIdempotent', info: { source: a[0], account: a[1], wallet: a[2], mint: a[3], systemProgram: a[4], tokenProgram: a[5] } };
}

/** One instruction in the jsonParsed encoding. */
export function parsedInstruction(programId: string, accounts: string[], data: Uint8Array, stackHeight: number | null): Record<string, unknown> {
  const raw = { programId, accounts, data: encodeBase58(data), stackHeight };
  try {
    if (programId === SYSTEM_PROGRAM) return { program: 'system', programId, parsed: system(data, accounts), stackHeight };
    if (programId === TOKEN_PROGRAM || programId === TOKEN_2022_PROGRAM) return { program: 'spl-token', programId, parsed: token(data, accounts), stackHeight };
    if (programId === ATA_PROGRAM) return { program: 'spl-associated-token-account', programId, parsed: associatedToken(data, accounts), stackHeight };
    if (MEMO_PROGRAMS.has(programId)) {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(data);
      return { program: 'spl-memo', programId, parsed: text, stackHeight };
    }
  } catch {
    // Data this parser cannot read is shown partially decoded, as agave does.
  }
  return raw;
}
