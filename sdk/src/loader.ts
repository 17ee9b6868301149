/**
 * Accounts of a program deployed through the BPF upgradeable loader (the layout the real
 * loader writes), so tests and the embedded runtime see a real ProgramData account with an
 * upgrade authority, exactly as on a cluster.
 */
import { PublicKey } from '@solana/web3.js';
import { BPF_UPGRADEABLE_LOADER, findProgramDataAddress } from './pda';

export { BPF_UPGRADEABLE_LOADER };
/** bincode header of UpgradeableLoaderState::ProgramData: tag u32, slot u64, Option<Pubkey>. */
export const PROGRAM_DATA_HEADER_LEN = 45;

export interface UpgradeableProgramAccounts {
  program: { address: PublicKey; data: Buffer };
  programData: { address: PublicKey; data: Buffer };
}

export function upgradeableProgramAccounts(
  programId: PublicKey,
  elf: Buffer,
  upgradeAuthority: PublicKey | null,
): UpgradeableProgramAccounts {
  const [programDataAddr] = findProgramDataAddress(programId);
  const program = Buffer.alloc(36);
  program.writeUInt32LE(2, 0); // UpgradeableLoaderState::Program
  programDataAddr.toBuffer().copy(program, 4);
  const header = Buffer.alloc(PROGRAM_DATA_HEADER_LEN);
  header.writeUInt32LE(3, 0); // UpgradeableLoaderState::ProgramData
  header.writeBigUInt64LE(0n, 4); // deployment slot
  if (upgradeAuthority) {
    header.writeUInt8(1, 12);
    upgradeAuthority.toBuffer().copy(header, 13);
  }
  return {
    program: { address: programId, data: program },
    programData: { address: programDataAddr, data: Buffer.concat([header, elf]) },
  };
}
