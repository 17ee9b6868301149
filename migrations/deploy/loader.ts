/**
 * The BPF Upgradeable Loader (BPFLoaderUpgradeab1e11111111111111111111111): its instructions
 * (bincode, u32 little-endian tags) and account layouts, as the Solana CLI uses them.
 */
import { PublicKey, SystemProgram, SYSVAR_CLOCK_PUBKEY, SYSVAR_RENT_PUBKEY, TransactionInstruction } from '@solana/web3.js';

export const UPGRADEABLE_LOADER = new PublicKey('BPFLoaderUpgradeab1e11111111111111111111111');

/** Buffer: tag u32 (1) + Option<Pubkey> authority. */
export const BUFFER_HEADER = 37;
/** ProgramData: tag u32 (3) + slot u64 + Option<Pubkey> upgrade authority. */
export const PROGRAM_DATA_HEADER = 45;
/** Program: tag u32 (2) + ProgramData address. */
export const PROGRAM_ACCOUNT_SIZE = 36;

const enum Tag {
  InitializeBuffer = 0,
  Write = 1,
  DeployWithMaxDataLen = 2,
  Upgrade = 3,
  SetAuthority = 4,
  Close = 5,
  ExtendProgram = 6,
  ExtendProgramChecked = 9,
}

function tag(t: Tag, extra = 0): Buffer {
  const b = Buffer.alloc(4 + extra);
  b.writeUInt32LE(t, 0);
  return b;
}

export function programDataAddress(programId: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([programId.toBuffer()], UPGRADEABLE_LOADER)[0];
}

export function initializeBuffer(buffer: PublicKey, authority: PublicKey): TransactionInstruction {
  return new TransactionInstruction({
    programId: UPGRADEABLE_LOADER,
    keys: [
      { pubkey: buffer, isSigner: false, isWritable: true },
      { pubkey: authority, isSigner: false, isWritable: false },
    ],
    data: tag(Tag.InitializeBuffer),
  });
}

/** Write { offset: u32, bytes: Vec<u8> (u64 length prefix) }. */
export function write(buffer: PublicKey, authority: PublicKey, offset: number, bytes: Uint8Array): TransactionInstruction {
  const data = tag(Tag.Write, 4 + 8 + bytes.length);
  data.writeUInt32LE(offset, 4);
  data.writeBigUInt64LE(BigInt(bytes.length), 8);
  data.set(bytes, 16);
  return new TransactionInstruction({
    programId: UPGRADEABLE_LOADER,
    keys: [
      { pubkey: buffer, isSigner: false, isWritable: true },
      { pubkey: authority, isSigner: true, isWritable: false },
    ],
    data,
  });
}

export function deployWithMaxDataLen(p: { payer: PublicKey; programId: PublicKey; buffer: PublicKey; authority: PublicKey; maxDataLen: number }): TransactionInstruction {
  const data = tag(Tag.DeployWithMaxDataLen, 8);
  data.writeBigUInt64LE(BigInt(p.maxDataLen), 4);
  return new TransactionInstruction({
    programId: UPGRADEABLE_LOADER,
    keys: [
      { pubkey: p.payer, isSigner: true, isWritable: true },
      { pubkey: programDataAddress(p.programId), isSigner: false, isWritable: true },
      { pubkey: p.programId, isSigner: false, isWritable: true },
      { pubkey: p.buffer, isSigner: false, isWritable: true },
      { pubkey: SYSVAR_RENT_PUBKEY, isSigner: false, isWritable: false },
      { pubkey: SYSVAR_CLOCK_PUBKEY, isSigner: false, isWritable: false },
      { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
      { pubkey: p.authority, isSigner: true, isWritable: false },
    ],
    data,
  });
}

export function upgrade(p: { programId: PublicKey; buffer: PublicKey; spill: PublicKey; authority: PublicKey }): TransactionInstruction {
  return new TransactionInstruction({
    programId: UPGRADEABLE_LOADER,
    keys: [
      { pubkey: programDataAddress(p.programId), isSigner: false, isWritable: true },
      { pubkey: p.programId, isSigner: false, isWritable: true },
      { pubkey: p.buffer, isSigner: false, isWritable: true },
      { pubkey: p.spill, isSigner: false, isWritable: true },
      { pubkey: SYSVAR_RENT_PUBKEY, isSigner: false, isWritable: false },
      { pubkey: SYSVAR_CLOCK_PUBKEY, isSigner: false, isWritable: false },
      { pubkey: p.authority, isSigner: true, isWritable: false },
    ],
    data: tag(Tag.Upgrade),
  });
}

/** Closes a buffer (returning its lamports to `recipient`). */
export function closeBuffer(buffer: PublicKey, recipient: PublicKey, authority: PublicKey): TransactionInstruction {
  return new TransactionInstruction({
    programId: UPGRADEABLE_LOADER,
    keys: [
      { pubkey: buffer, isSigner: false, isWritable: true },
      { pubkey: recipient, isSigner: false, isWritable: true },
      { pubkey: authority, isSigner: true, isWritable: false },
    ],
    data: tag(Tag.Close),
  });
}

/**
 * Grows a program's ProgramData by `additional` bytes. `checked` is ExtendProgramChecked (the
 * upgrade authority signs; required once the cluster enables it), otherwise ExtendProgram.
 */
export function extendProgram(p: { programId: PublicKey; payer: PublicKey; authority: PublicKey; additional: number; checked: boolean }): TransactionInstruction {
  const data = tag(p.checked ? Tag.ExtendProgramChecked : Tag.ExtendProgram, 4);
  data.writeUInt32LE(p.additional, 4);
  const keys = p.checked
    ? [
        { pubkey: programDataAddress(p.programId), isSigner: false, isWritable: true },
        { pubkey: p.programId, isSigner: false, isWritable: true },
        { pubkey: p.authority, isSigner: true, isWritable: false },
        { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
        { pubkey: p.payer, isSigner: true, isWritable: true },
      ]
    : [
        { pubkey: programDataAddress(p.programId), isSigner: false, isWritable: true },
        { pubkey: p.programId, isSigner: false, isWritable: true },
        { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
        { pubkey: p.payer, isSigner: true, isWritable: true },
      ];
  return new TransactionInstruction({ programId: UPGRADEABLE_LOADER, keys, data });
}

export interface ProgramDataState {
  slot: bigint;
  upgradeAuthority: PublicKey | null;
  /** The ELF area: everything after the header (the ELF, then zero padding up to the max length). */
  elfArea: Buffer;
}

export function parseProgramData(data: Buffer): ProgramDataState | null {
  if (data.length < PROGRAM_DATA_HEADER || data.readUInt32LE(0) !== 3) return null;
  return {
    slot: data.readBigUInt64LE(4),
    upgradeAuthority: data[12] === 1 ? new PublicKey(data.subarray(13, 45)) : null,
    elfArea: data.subarray(PROGRAM_DATA_HEADER),
  };
}

/** The ProgramData address a Program account points to, or null if it is not one. */
export function parseProgramAccount(data: Buffer): PublicKey | null {
  if (data.length < PROGRAM_ACCOUNT_SIZE || data.readUInt32LE(0) !== 2) return null;
  return new PublicKey(data.subarray(4, 36));
}

/** Whether the deployed ELF area holds exactly `elf` (the rest zero-filled, as Upgrade leaves it). */
export function sameProgram(elfArea: Buffer, elf: Buffer): boolean {
  if (elfArea.length < elf.length || !elfArea.subarray(0, elf.length).equals(elf)) return false;
  for (let i = elf.length; i < elfArea.length; i++) if (elfArea[i] !== 0) return false;
  return true;
}
