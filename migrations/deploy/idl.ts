/**
 * Publishes a program's Anchor IDL on-chain the way `anchor idl init` / `anchor idl upgrade`
 * do, through the IDL instructions every program answers (programs/runtime/src/idl.rs): Create
 * the account at the canonical address, Resize it up to the compressed size, then Write the
 * zlib-compressed JSON in order. An account that already holds the same IDL is left alone; a
 * different one is closed and published again. `Program.at()`, `anchor idl fetch` and explorers
 * read it from there.
 */
import { PublicKey, SystemProgram, TransactionInstruction, type Connection, type Keypair } from '@solana/web3.js';
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import type { TxSender } from './send';

/** `sha256("anchor:idl")[..8]`, as stored little-endian at the start of instruction data. */
export const IDL_IX_TAG = Buffer.from('40f4bc78a7e9690a', 'hex');
const HEADER = 8 + 32 + 4;
const MAX_STEP = 10_000;
const WRITE_CHUNK = 900;

/** `createWithSeed(findProgramAddress([], program), "anchor:idl", program)`: sha256(base | seed | owner). */
export function idlAddress(programId: PublicKey): PublicKey {
  const [base] = PublicKey.findProgramAddressSync([], programId);
  return new PublicKey(createHash('sha256').update(base.toBuffer()).update('anchor:idl').update(programId.toBuffer()).digest());
}

function ix(programId: PublicKey, variant: number, args: Buffer, keys: TransactionInstruction['keys']): TransactionInstruction {
  return new TransactionInstruction({ programId, keys, data: Buffer.concat([IDL_IX_TAG, Buffer.from([variant]), args]) });
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

export function createIdlInstruction(programId: PublicKey, payer: PublicKey, dataLen: number): TransactionInstruction {
  const [base] = PublicKey.findProgramAddressSync([], programId);
  return ix(programId, 0, u64(dataLen), [
    { pubkey: payer, isSigner: true, isWritable: true },
    { pubkey: idlAddress(programId), isSigner: false, isWritable: true },
    { pubkey: base, isSigner: false, isWritable: false },
    { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
    { pubkey: programId, isSigner: false, isWritable: false },
  ]);
}

export function resizeIdlInstruction(programId: PublicKey, authority: PublicKey, dataLen: number): TransactionInstruction {
  return ix(programId, 6, u64(dataLen), [
    { pubkey: idlAddress(programId), isSigner: false, isWritable: true },
    { pubkey: authority, isSigner: true, isWritable: true },
    { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
  ]);
}

export function writeIdlInstruction(programId: PublicKey, authority: PublicKey, chunk: Buffer, target = idlAddress(programId)): TransactionInstruction {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(chunk.length);
  return ix(programId, 2, Buffer.concat([len, chunk]), [
    { pubkey: target, isSigner: false, isWritable: true },
    { pubkey: authority, isSigner: true, isWritable: false },
  ]);
}

export function closeIdlInstruction(programId: PublicKey, authority: PublicKey, destination: PublicKey): TransactionInstruction {
  return ix(programId, 5, Buffer.alloc(0), [
    { pubkey: idlAddress(programId), isSigner: false, isWritable: true },
    { pubkey: authority, isSigner: true, isWritable: false },
    { pubkey: destination, isSigner: false, isWritable: true },
  ]);
}

/** The IDL JSON an IDL account holds, or null when there is none (or it does not decode). */
export function decodeIdlAccount(data: Buffer): { authority: PublicKey; idl: unknown } | null {
  if (data.length < HEADER) return null;
  const len = data.readUInt32LE(40);
  if (HEADER + len > data.length) return null;
  try {
    return { authority: new PublicKey(data.subarray(8, 40)), idl: JSON.parse(inflateSync(data.subarray(HEADER, HEADER + len)).toString('utf8')) };
  } catch {
    return null;
  }
}

export type IdlAction = 'published' | 'republished' | 'unchanged';

export async function publishIdl(connection: Connection, sender: TxSender, authority: Keypair, programId: PublicKey, idl: unknown): Promise<{ action: IdlAction; address: PublicKey; bytes: number }> {
  const address = idlAddress(programId);
  const compressed = deflateSync(Buffer.from(JSON.stringify(idl)));
  const existing = await connection.getAccountInfo(address, 'confirmed');
  let action: IdlAction = 'published';
  if (existing) {
    const current = decodeIdlAccount(existing.data);
    if (current && JSON.stringify(current.idl) === JSON.stringify(idl)) return { action: 'unchanged', address, bytes: compressed.length };
    if (current && !current.authority.equals(authority.publicKey)) throw new Error(`${programId.toBase58()}: its IDL authority is ${current.authority.toBase58()}, not ${authority.publicKey.toBase58()}`);
    await sender.sendAll([{ label: 'idl close', instructions: [closeIdlInstruction(programId, authority.publicKey, authority.publicKey)] }]);
    action = 'republished';
  }
  await sender.sendAll([{ label: 'idl create', instructions: [createIdlInstruction(programId, authority.publicKey, compressed.length)] }]);
  let space = Math.min(HEADER + compressed.length * 2, MAX_STEP);
  while (space < HEADER + compressed.length) {
    await sender.sendAll([{ label: 'idl resize', instructions: [resizeIdlInstruction(programId, authority.publicKey, HEADER + compressed.length)] }]);
    space = Math.min(HEADER + compressed.length, space + MAX_STEP);
  }
  // Writes append: one at a time, in order.
  for (let at = 0; at < compressed.length; at += WRITE_CHUNK) {
    await sender.sendAll([{ label: `idl write ${at}`, instructions: [writeIdlInstruction(programId, authority.publicKey, compressed.subarray(at, at + WRITE_CHUNK))] }]);
  }
  return { action, address, bytes: compressed.length };
}
