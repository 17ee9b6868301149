/** One function per PDA, with the seeds the programs use (see constants.ts). */
import { PublicKey } from '@solana/web3.js';
import { MARKET, PEER_MARKET_PROGRAM_ID } from './constants';

export const BPF_UPGRADEABLE_LOADER = new PublicKey('BPFLoaderUpgradeab1e11111111111111111111111');

export function findConfigPda(programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_CONFIG], programId);
}

export function findUsdcVaultPda(programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_USDC_VAULT], programId);
}

/** The ProgramData account of an upgradeable program (holds its upgrade authority). */
export function findProgramDataAddress(programId: PublicKey): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([programId.toBuffer()], BPF_UPGRADEABLE_LOADER);
}
