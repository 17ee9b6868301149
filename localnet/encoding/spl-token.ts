/**
 * SPL Token (and Token-2022 base layout) accounts and mints: decoding, and the `jsonParsed`
 * shape agave returns for them (what web3.js' getParsedAccountInfo / getParsedTokenAccountsByOwner
 * and spl-token read).
 */
import { encodeBase58 } from './base58';

export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';

export const TOKEN_ACCOUNT_SIZE = 165;
export const MINT_SIZE = 82;
const ACCOUNT_TYPE_MINT = 1;
const ACCOUNT_TYPE_ACCOUNT = 2;

export function isTokenProgram(owner: string): boolean {
  return owner === TOKEN_PROGRAM || owner === TOKEN_2022_PROGRAM;
}

export interface TokenAccountState {
  mint: string;
  owner: string;
  amount: bigint;
  delegate: string | null;
  state: 'uninitialized' | 'initialized' | 'frozen';
  isNative: bigint | null;
  delegatedAmount: bigint;
  closeAuthority: string | null;
}

export interface MintState {
  mintAuthority: string | null;
  supply: bigint;
  decimals: number;
  isInitialized: boolean;
  freezeAuthority: string | null;
}

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

function optionKey(data: Uint8Array, at: number): string | null {
  const dv = view(data);
  return dv.getUint32(at, true) === 1 ? encodeBase58(data.subarray(at + 4, at + 36)) : null;
}

export type TokenKind = 'account' | 'mint' | null;

export function tokenKind(data: Uint8Array): TokenKind {
  if (data.length === TOKEN_ACCOUNT_SIZE) return 'account';
  if (data.length === MINT_SIZE) return 'mint';
  if (data.length > TOKEN_ACCOUNT_SIZE) {
    if (data[TOKEN_ACCOUNT_SIZE] === ACCOUNT_TYPE_ACCOUNT) return 'account';
    if (data[TOKEN_ACCOUNT_SIZE] === ACCOUNT_TYPE_MINT) return 'mint';
  }
  return null;
}

export function decodeTokenAccount(data: Uint8Array): TokenAccountState | null {
  if (tokenKind(data) !== 'account') return null;
  const dv = view(data);
  const stateByte = data[108];
  if (stateByte > 2) return null;
  return {
    mint: encodeBase58(data.subarray(0, 32)),
    owner: encodeBase58(data.subarray(32, 64)),
    amount: dv.getBigUint64(64, true),
    delegate: optionKey(data, 72),
    state: (['uninitialized', 'initialized', 'frozen'] as const)[stateByte],
    isNative: dv.getUint32(109, true) === 1 ? dv.getBigUint64(113, true) : null,
    delegatedAmount: dv.getBigUint64(121, true),
    closeAuthority: optionKey(data, 129),
  };
}

export function decodeMint(data: Uint8Array): MintState | null {
  if (tokenKind(data) !== 'mint') return null;
  const dv = view(data);
  return {
    mintAuthority: optionKey(data, 0),
    supply: dv.getBigUint64(36, true),
    decimals: data[44],
    isInitialized: data[45] === 1,
    freezeAuthority: optionKey(data, 46),
  };
}

/** The exact decimal string of `amount` base units (agave's `uiAmountString`). */
export function uiAmountString(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString();
  const s = amount.toString().padStart(decimals + 1, '0');
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

export interface UiTokenAmount {
  amount: string;
  decimals: number;
  uiAmount: number | null;
  uiAmountString: string;
}

export function uiTokenAmount(amount: bigint, decimals: number): UiTokenAmount {
  const text = uiAmountString(amount, decimals);
  return { amount: amount.toString(), decimals, uiAmount: Number(text), uiAmountString: text };
}

/** `decimalsOf(mint)` looks a mint up (null when it does not exist or is not a mint). */
export type DecimalsLookup = (mint: string) => number | null;

export interface ParsedAccountData {
  program: 'spl-token' | 'spl-token-2022';
  parsed: { type: 'account' | 'mint'; info: Record<string, unknown> };
  space: number;
}

/** Agave's jsonParsed form for a token account or mint, or null when it does not parse. */
export function parseTokenAccountData(owner: string, data: Uint8Array, decimalsOf: DecimalsLookup): ParsedAccountData | null {
  if (!isTokenProgram(owner)) return null;
  const program = owner === TOKEN_PROGRAM ? 'spl-token' : 'spl-token-2022';
  const kind = tokenKind(data);
  if (kind === 'account') {
    const acc = decodeTokenAccount(data);
    if (!acc || acc.state === 'uninitialized') return null;
    const decimals = decimalsOf(acc.mint);
    if (decimals === null) return null;
    const info: Record<string, unknown> = {
      isNative: acc.isNative !== null,
      mint: acc.mint,
      owner: acc.owner,
      state: acc.state,
      tokenAmount: uiTokenAmount(acc.amount, decimals),
    };
    if (acc.delegate) {
      info.delegate = acc.delegate;
      info.delegatedAmount = uiTokenAmount(acc.delegatedAmount, decimals);
    }
    if (acc.isNative !== null) info.rentExemptReserve = uiTokenAmount(acc.isNative, 9);
    if (acc.closeAuthority) info.closeAuthority = acc.closeAuthority;
    return { program, parsed: { type: 'account', info }, space: data.length };
  }
  if (kind === 'mint') {
    const mint = decodeMint(data);
    if (!mint || !mint.isInitialized) return null;
    return {
      program,
      parsed: {
        type: 'mint',
        info: {
          decimals: mint.decimals,
          freezeAuthority: mint.freezeAuthority,
          isInitialized: mint.isInitialized,
          mintAuthority: mint.mintAuthority,
          supply: mint.supply.toString(),
        },
      },
      space: data.length,
    };
  }
  return null;
}
