/** The market's default economics (product.md), used by deployment, the main job and tests. */
import { BN } from '@coral-xyz/anchor';
import { PublicKey } from '@solana/web3.js';

/** ConfigParams as the Anchor client encodes them (camelCase, BN for u64). */
export interface ConfigParams {
  workerFeeBps: number;
  stakerShareBps: number;
  minBond: BN[];
  validatorMinBond: BN;
  challengeBond: BN;
  unbondCooldownSecs: number;
  claimDelaySecs: number;
  jobTimeoutSecs: number;
  challengeWindowSecs: number;
  commitWindowSecs: number;
  revealWindowSecs: number;
  slashBps: number;
  challengerRewardBps: number;
  timeoutSlashBps: number;
  voteQuorum: number;
  maxJobAttempts: number;
  paused: boolean;
  /** Signs enclave attestations; the default key disables the confidential tier. */
  attestationAuthority: PublicKey;
}

const PEER = 1_000_000_000; // 1 $PEER in base units (9 decimals)

/** product.md's economics: 70% to workers, of the 30% margin 80% to stakers. */
export function defaultParams(): ConfigParams {
  return {
    workerFeeBps: 7_000,
    stakerShareBps: 8_000,
    minBond: [new BN(100 * PEER), new BN(1_000 * PEER), new BN(5_000 * PEER)],
    validatorMinBond: new BN(1_000 * PEER),
    challengeBond: new BN(100 * PEER),
    unbondCooldownSecs: 7 * 86_400,
    claimDelaySecs: 30,
    jobTimeoutSecs: 300,
    challengeWindowSecs: 3_600,
    commitWindowSecs: 1_800,
    revealWindowSecs: 1_800,
    slashBps: 1_000,
    challengerRewardBps: 5_000,
    timeoutSlashBps: 0,
    voteQuorum: 3,
    maxJobAttempts: 3,
    paused: false,
    attestationAuthority: PublicKey.default,
  };
}
