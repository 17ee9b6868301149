/** SPL Token accounts and mints (balances, decimals, associated token accounts) and the clock. */
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  getAssociatedTokenAddressSync,
  TOKEN_PROGRAM_ID,
  unpackAccount,
  unpackMint,
} from '@solana/spl-token';
import { SYSVAR_CLOCK_PUBKEY, type PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { AccountNotFoundError } from '../errors';
import type { AccountRecord, Transport } from '../rpc/transport';

export { ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID };

export interface TokenAccountInfo {
  address: PublicKey;
  mint: PublicKey;
  owner: PublicKey;
  amount: bigint;
}

export function decodeTokenAccount(record: AccountRecord): TokenAccountInfo {
  const acc = unpackAccount(record.address, { ...record, data: record.data }, TOKEN_PROGRAM_ID);
  return { address: record.address, mint: acc.mint, owner: acc.owner, amount: acc.amount };
}

export async function fetchMaybeTokenAccount(transport: Transport, address: PublicKey): Promise<TokenAccountInfo | null> {
  const rec = await transport.getAccount(address);
  return rec ? decodeTokenAccount(rec) : null;
}

export async function fetchMintDecimals(transport: Transport, mint: PublicKey): Promise<number> {
  const rec = await transport.getAccount(mint);
  if (!rec) throw new AccountNotFoundError('mint', mint);
  return unpackMint(mint, { ...rec, data: rec.data }, TOKEN_PROGRAM_ID).decimals;
}

/** The owner's associated token account of `mint` (off-curve owners such as PDAs allowed). */
export function associatedTokenAddress(mint: PublicKey, owner: PublicKey): PublicKey {
  return getAssociatedTokenAddressSync(mint, owner, true);
}

/** Creates the owner's associated token account if missing (a no-op when it exists). */
export function createAssociatedTokenAccountIdempotent(payer: PublicKey, mint: PublicKey, owner: PublicKey): TransactionInstruction {
  return createAssociatedTokenAccountIdempotentInstruction(payer, associatedTokenAddress(mint, owner), owner, mint);
}

/** The cluster's clock: slot and unix time (from the Clock sysvar). */
export interface ClockInfo {
  slot: bigint;
  unixTimestamp: bigint;
}

export function decodeClock(record: AccountRecord): ClockInfo {
  return { slot: record.data.readBigUInt64LE(0), unixTimestamp: record.data.readBigInt64LE(32) };
}

export async function fetchClock(transport: Transport): Promise<ClockInfo> {
  const rec = await transport.getAccount(SYSVAR_CLOCK_PUBKEY);
  if (!rec) throw new AccountNotFoundError('clock sysvar', SYSVAR_CLOCK_PUBKEY);
  return decodeClock(rec);
}

export { SYSVAR_CLOCK_PUBKEY };
