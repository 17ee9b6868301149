/**
 * What solana-test-validator loads at start: `--bpf-program <id> <file.so>` (an upgradeable
 * program with no upgrade authority) and `--account <address> <file.json>` (an account in the
 * JSON form `solana account --output json` writes, placed at `address`). Each file is checked
 * whole before anything is written; a bad one is one clear error and the network starts with
 * none of them.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { PublicKey } from '@solana/web3.js';
import { ConfigError } from '../service-kit/config';
import type { Bank } from './bank/bank';
import type { AccountState } from './bank/types';
import { decodeBase58 } from './encoding/base58';

const UPGRADEABLE_LOADER = new PublicKey('BPFLoaderUpgradeab1e11111111111111111111111');
const PROGRAM_DATA_HEADER = 45;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** A bad --bpf-program or --account: a configuration error (one line, exit 2). */
export class PreloadError extends ConfigError {}

function address(text: string, what: string): PublicKey {
  const bytes = decodeBase58(text.trim());
  if (!bytes || bytes.length !== 32) throw new PreloadError(`${what}: not an address: ${text}`);
  return new PublicKey(bytes);
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new PreloadError(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** "<address>=<path>" (the form config lists use) → both parts. */
export function splitPair(entry: string, what: string): { address: string; path: string } {
  const at = entry.indexOf('=');
  if (at <= 0 || at === entry.length - 1) throw new PreloadError(`${what}: expected <address>=<path>, got "${entry}"`);
  return { address: entry.slice(0, at), path: entry.slice(at + 1) };
}

/** The program and ProgramData accounts of an upgradeable program with no upgrade authority. */
export function programAccounts(programIdText: string, path: string, bank: Bank): { address: string; state: AccountState }[] {
  const what = `--bpf-program ${programIdText}`;
  const programId = address(programIdText, what);
  const elf = readFile(path, what);
  if (elf.length < 64 || !elf.subarray(0, 4).equals(ELF_MAGIC)) throw new PreloadError(`${what}: ${path} is not an ELF shared object`);
  const [programData] = PublicKey.findProgramAddressSync([programId.toBuffer()], UPGRADEABLE_LOADER);
  const data = Buffer.alloc(PROGRAM_DATA_HEADER + elf.length);
  data.writeUInt32LE(3, 0); // ProgramData; slot 0; authority None (byte 12 stays 0)
  elf.copy(data, PROGRAM_DATA_HEADER);
  const program = Buffer.alloc(36);
  program.writeUInt32LE(2, 0);
  programData.toBuffer().copy(program, 4);
  const loader = UPGRADEABLE_LOADER.toBase58();
  return [
    { address: programData.toBase58(), state: { lamports: bank.minimumBalanceForRentExemption(data.length), owner: loader, executable: false, data } },
    { address: programId.toBase58(), state: { lamports: bank.minimumBalanceForRentExemption(36), owner: loader, executable: true, data: program } },
  ];
}

/** An account from `solana account <address> --output json` output, placed at `addressText`. */
export function accountFromJson(addressText: string, path: string): { address: string; state: AccountState } {
  const what = `--account ${addressText}`;
  const target = address(addressText, what);
  let json: unknown;
  try {
    json = JSON.parse(readFile(path, what).toString('utf8'));
  } catch (err) {
    if (err instanceof PreloadError) throw err;
    throw new PreloadError(`${what}: ${path} is not JSON`);
  }
  const account = (json as { account?: unknown })?.account;
  if (!account || typeof account !== 'object') throw new PreloadError(`${what}: ${path} has no "account" object (expected solana account --output json)`);
  const a = account as Record<string, unknown>;
  const lamports = typeof a.lamports === 'number' && Number.isSafeInteger(a.lamports) && a.lamports >= 0 ? BigInt(a.lamports) : null;
  if (lamports === null) throw new PreloadError(`${what}: account.lamports must be a non-negative integer`);
  if (typeof a.owner !== 'string') throw new PreloadError(`${what}: account.owner must be an address`);
  const owner = address(a.owner, `${what} owner`).toBase58();
  if (typeof a.executable !== 'boolean') throw new PreloadError(`${what}: account.executable must be true or false`);
  const d = a.data;
  let data: Buffer;
  if (Array.isArray(d) && d.length === 2 && typeof d[0] === 'string' && d[1] === 'base64') data = Buffer.from(d[0], 'base64');
  else if (Array.isArray(d) && d.length === 2 && typeof d[0] === 'string' && d[1] === 'base58') {
    const bytes = decodeBase58(d[0]);
    if (!bytes) throw new PreloadError(`${what}: account.data is not valid base58`);
    data = Buffer.from(bytes);
  } else throw new PreloadError(`${what}: account.data must be ["<base64>", "base64"]`);
  if (typeof a.space === 'number' && a.space !== data.length) throw new PreloadError(`${what}: account.space (${a.space}) does not match its data (${data.length} bytes)`);
  return { address: target.toBase58(), state: { lamports, owner, executable: a.executable, data } };
}

/** Checks every file, then writes all accounts at once (journaled when there is a ledger). */
export async function preload(bank: Bank, opts: { programs: string[]; accounts: string[] }): Promise<{ programs: number; accounts: number; digest: string }> {
  const writes: { address: string; state: AccountState }[] = [];
  for (const entry of opts.accounts) {
    const { address: a, path } = splitPair(entry, '--account');
    writes.push(accountFromJson(a, path));
  }
  for (const entry of opts.programs) {
    const { address: a, path } = splitPair(entry, '--bpf-program');
    writes.push(...programAccounts(a, path, bank));
  }
  // Programs last: the loader reads their ProgramData when the program account is written.
  if (writes.length) await bank.setAccounts(writes);
  const digest = createHash('sha256');
  for (const w of writes) digest.update(w.address).update(w.state.data);
  return { programs: opts.programs.length, accounts: opts.accounts.length, digest: digest.digest('hex').slice(0, 16) };
}
