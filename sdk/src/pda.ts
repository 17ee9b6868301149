/** One function per PDA, with the seeds the programs use (see constants.ts). */
import { PublicKey } from '@solana/web3.js';
import { MARKET, PEER_MARKET_PROGRAM_ID, PEER_STAKING_PROGRAM_ID, STAKING } from './constants';

export const BPF_UPGRADEABLE_LOADER = new PublicKey('BPFLoaderUpgradeab1e11111111111111111111111');

export function findConfigPda(programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_CONFIG], programId);
}

export function findUsdcVaultPda(programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_USDC_VAULT], programId);
}

/** peer_market's fee ledger (unswept staker and treasury fees). */
export function findFeeLedgerPda(programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_FEE_LEDGER], programId);
}

/** A worker: ["worker", authority]. */
export function findWorkerPda(authority: PublicKey, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_WORKER, authority.toBuffer()], programId);
}

/** A worker's $PEER bond vault (a token account owned by the worker PDA): ["bond_vault", worker]. */
export function findBondVaultPda(worker: PublicKey, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_BOND_VAULT, worker.toBuffer()], programId);
}

/** A client's credit account: ["credits", owner]. */
export function findCreditAccountPda(owner: PublicKey, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_CREDITS, owner.toBuffer()], programId);
}

/** The little-endian u64 of a job nonce (a seed of the job PDA). */
export function nonceSeed(nonce: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(nonce));
  return b;
}

/** A job: ["job", client, nonce as u64 LE] (for a nonce post_job accepted, the bump is JOB_BUMP). */
export function findJobPda(client: PublicKey, nonce: bigint | number, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_JOB, client.toBuffer(), nonceSeed(nonce)], programId);
}

/** The job address for `nonce` with bump JOB_BUMP, or null when that is not a valid PDA. */
export function jobAddress(client: PublicKey, nonce: bigint | number, programId: PublicKey = PEER_MARKET_PROGRAM_ID): PublicKey | null {
  try {
    return PublicKey.createProgramAddressSync([MARKET.SEED_JOB, client.toBuffer(), nonceSeed(nonce), Buffer.from([MARKET.JOB_BUMP])], programId);
  } catch {
    return null;
  }
}

/**
 * The nonce and address of a client's next job: the first nonce at or after `jobsPosted` (the
 * credit account's counter) whose address is valid with bump JOB_BUMP, as post_job requires.
 */
export function nextJobAddress(client: PublicKey, jobsPosted: bigint, programId: PublicKey = PEER_MARKET_PROGRAM_ID): { nonce: bigint; address: PublicKey } {
  for (let nonce = jobsPosted; ; nonce++) {
    const address = jobAddress(client, nonce, programId);
    if (address) return { nonce, address };
  }
}

/** A matcher registration: ["matcher", matcher]. */
export function findMatcherPda(matcher: PublicKey, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_MATCHER, matcher.toBuffer()], programId);
}

/** A validator: ["validator", authority]. */
export function findValidatorPda(authority: PublicKey, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_VALIDATOR, authority.toBuffer()], programId);
}

/** A validator's $PEER vault (a token account owned by the validator PDA): ["validator_vault", validator]. */
export function findValidatorVaultPda(validator: PublicKey, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_VALIDATOR_VAULT, validator.toBuffer()], programId);
}

/** The challenge of a job: ["challenge", job]. */
export function findChallengePda(job: PublicKey, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_CHALLENGE, job.toBuffer()], programId);
}

/** A validator's vote on a challenge: ["vote", challenge, validator]. */
export function findVotePda(challenge: PublicKey, validator: PublicKey, programId: PublicKey = PEER_MARKET_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([MARKET.SEED_VOTE, challenge.toBuffer(), validator.toBuffer()], programId);
}

/** The ProgramData account of an upgradeable program (holds its upgrade authority). */
export function findProgramDataAddress(programId: PublicKey): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([programId.toBuffer()], BPF_UPGRADEABLE_LOADER);
}

/** peer_staking's pool (singleton). */
export function findStakingPoolPda(programId: PublicKey = PEER_STAKING_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([STAKING.SEED_POOL], programId);
}

/** peer_staking's $PEER stake vault (a token account owned by the pool PDA). */
export function findStakeVaultPda(programId: PublicKey = PEER_STAKING_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([STAKING.SEED_STAKE_VAULT], programId);
}

/**
 * peer_staking's USDC reward vault (a token account owned by the pool PDA): the address the
 * market config's `staking_reward_vault` must name.
 */
export function findRewardVaultPda(programId: PublicKey = PEER_STAKING_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([STAKING.SEED_REWARD_VAULT], programId);
}

/** A staker's account in peer_staking: ["staker", owner]. */
export function findStakerPda(owner: PublicKey, programId: PublicKey = PEER_STAKING_PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([STAKING.SEED_STAKER, owner.toBuffer()], programId);
}
