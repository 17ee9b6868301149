import { BN } from '@coral-xyz/anchor';
import type { ConfigParams } from '../fixtures/embedded/params';

/** Every bound of every parameter, on both sides: each breach fails with its own error. */
export const OUT_OF_BOUNDS: { what: string; error: string; edit: (p: ConfigParams) => void }[] = [
  { what: 'worker fee below 50%', error: 'InvalidWorkerFee', edit: (p) => (p.workerFeeBps = 4_999) },
  { what: 'worker fee above 95%', error: 'InvalidWorkerFee', edit: (p) => (p.workerFeeBps = 9_501) },
  { what: 'staker share above 100%', error: 'InvalidStakerShare', edit: (p) => (p.stakerShareBps = 10_001) },
  { what: 'decreasing min bonds', error: 'InvalidMinBond', edit: (p) => (p.minBond[1] = p.minBond[0].subn(1)) },
  { what: 'min bond above MAX_BOND', error: 'InvalidMinBond', edit: (p) => (p.minBond[2] = new BN('1000000000000000001')) },
  { what: 'zero validator bond', error: 'InvalidValidatorBond', edit: (p) => (p.validatorMinBond = new BN(0)) },
  { what: 'zero challenge bond', error: 'InvalidChallengeBond', edit: (p) => (p.challengeBond = new BN(0)) },
  { what: 'cooldown under an hour', error: 'InvalidUnbondCooldown', edit: (p) => (p.unbondCooldownSecs = 3_599) },
  { what: 'cooldown over 30 days', error: 'InvalidUnbondCooldown', edit: (p) => (p.unbondCooldownSecs = 30 * 86_400 + 1) },
  { what: 'claim delay over an hour', error: 'InvalidClaimDelay', edit: (p) => (p.claimDelaySecs = 3_601) },
  { what: 'job timeout under 30 s', error: 'InvalidJobTimeout', edit: (p) => (p.jobTimeoutSecs = 29) },
  { what: 'job timeout over a day', error: 'InvalidJobTimeout', edit: (p) => (p.jobTimeoutSecs = 86_401) },
  { what: 'challenge window under a minute', error: 'InvalidChallengeWindow', edit: (p) => (p.challengeWindowSecs = 59) },
  { what: 'challenge window over 7 days', error: 'InvalidChallengeWindow', edit: (p) => (p.challengeWindowSecs = 7 * 86_400 + 1) },
  { what: 'commit window under a minute', error: 'InvalidVoteWindow', edit: (p) => (p.commitWindowSecs = 59) },
  { what: 'reveal window over 3 days', error: 'InvalidVoteWindow', edit: (p) => (p.revealWindowSecs = 3 * 86_400 + 1) },
  { what: 'zero slash', error: 'InvalidSlashBps', edit: (p) => (p.slashBps = 0) },
  { what: 'slash above 100%', error: 'InvalidSlashBps', edit: (p) => (p.slashBps = 10_001) },
  { what: 'challenger reward above 100%', error: 'InvalidChallengerReward', edit: (p) => (p.challengerRewardBps = 10_001) },
  { what: 'timeout slash above 10%', error: 'InvalidTimeoutSlash', edit: (p) => (p.timeoutSlashBps = 1_001) },
  { what: 'zero quorum', error: 'InvalidVoteQuorum', edit: (p) => (p.voteQuorum = 0) },
  { what: 'quorum above 32', error: 'InvalidVoteQuorum', edit: (p) => (p.voteQuorum = 33) },
  { what: 'zero job attempts', error: 'InvalidMaxJobAttempts', edit: (p) => (p.maxJobAttempts = 0) },
  { what: 'job attempts above 10', error: 'InvalidMaxJobAttempts', edit: (p) => (p.maxJobAttempts = 11) },
];
