/** Rejected instructions: the named error, and not one known account changed. */
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { SystemProgram, type PublicKey } from '@solana/web3.js';
import type { Call, Market } from '../fixtures/embedded/market';
import { expectError, type TxResult } from '../fixtures/embedded/tx';
import { expectUnchanged, snapshot } from './state';

/**
 * Sends `call`, asserts it failed with `name` (Anchor's framework name, or ours from 6000) and
 * that no account the market knows of — config, vault, fee ledger, wallets, token accounts,
 * workers, bond vaults, credit accounts, jobs, matcher registrations — nor any account the
 * instruction names, nor `extra`, changed.
 */
export async function reject(m: Market, call: Call, name: string, extra: PublicKey[] = []): Promise<TxResult> {
  const programs = new Set([TOKEN_PROGRAM_ID.toBase58(), SystemProgram.programId.toBase58(), m.programId.toBase58()]);
  const named = call.ix.keys.map((k) => k.pubkey).filter((k) => !programs.has(k.toBase58()));
  const before = await snapshot(m.context, [...m.knownAddresses(), ...extra, ...named]);
  const { result } = await m.send(call);
  expectError(result, name);
  await expectUnchanged(m.context, before);
  return result;
}
