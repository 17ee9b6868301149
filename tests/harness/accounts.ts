/** Forged accounts for attack tests: copies of real accounts under other owners or with edits. */
import { Keypair, PublicKey } from '@solana/web3.js';
import type { Market } from '../fixtures/embedded/market';

/** Copies `source` (lamports, data, owner) to a fresh address, optionally changing its owner or data. */
export async function cloneAccount(
  m: Market,
  source: PublicKey,
  opts: { owner?: PublicKey; edit?: (data: Buffer) => void; address?: PublicKey } = {},
): Promise<PublicKey> {
  const info = await m.context.banksClient.getAccount(source);
  if (!info) throw new Error(`${source.toBase58()} does not exist`);
  const data = Buffer.from(info.data);
  opts.edit?.(data);
  const address = opts.address ?? Keypair.generate().publicKey;
  await m.context.setAccount(address, { lamports: info.lamports, data, owner: opts.owner ?? info.owner, executable: false });
  return address;
}

/** Rewrites an existing account's data in place (keeping owner and lamports). */
export async function editAccount(m: Market, address: PublicKey, edit: (data: Buffer) => void): Promise<void> {
  const info = await m.context.banksClient.getAccount(address);
  if (!info) throw new Error(`${address.toBase58()} does not exist`);
  const data = Buffer.from(info.data);
  edit(data);
  await m.context.setAccount(address, { ...info, data });
}

/** A random program id (owner of forged accounts). */
export function otherProgram(): PublicKey {
  return Keypair.generate().publicKey;
}
