/**
 * Verification: bonded validators, challenges with commit–reveal voting and slashing, and the
 * attested enclaves of the confidential tier.
 */
import type { AccountParamDef, InstructionDef, TypeDef } from '../../../tools/idl/spec';
import { INSTRUCTIONS_SYSVAR, SYSTEM_PROGRAM, TOKEN_PROGRAM } from './programs';

export const verificationTypes: Record<string, TypeDef> = {
  Validator: {
    kind: 'struct',
    docs: 'A bonded validator (PDA ["validator", authority]); its $PEER sits in ["validator_vault", validator].',
    fields: [
      { name: 'authority', type: 'pubkey' },
      { name: 'bond', type: 'u64', docs: '$PEER in the validator vault.' },
      { name: 'locked', type: 'u64', docs: 'Part of the bond posted as challenge bonds.' },
      { name: 'open_challenges', type: 'u16', docs: 'Challenges this validator opened that are not resolved.' },
      { name: 'open_votes', type: 'u16', docs: 'Votes not closed yet: while any is open the bond cannot leave (it backs the vote weight).' },
      { name: 'deregister_available_at', type: 'i64', docs: 'Zero while active; otherwise when the bond may leave.' },
      { name: 'challenges_won', type: 'u64' },
      { name: 'challenges_lost', type: 'u64' },
      { name: 'votes_revealed', type: 'u64' },
      { name: 'registered_at', type: 'i64' },
      { name: 'bump', type: 'u8' },
      { name: 'vault_bump', type: 'u8' },
      { name: 'reserved', type: { array: ['u8', 30] } },
    ],
  },
  Challenge: {
    kind: 'struct',
    docs: 'A dispute of one job\'s result (PDA ["challenge", job]).',
    fields: [
      { name: 'job', type: 'pubkey' },
      { name: 'challenger', type: 'pubkey', docs: 'Validator account that opened it.' },
      { name: 'challenger_authority', type: 'pubkey', docs: 'Paid the rent; gets it back.' },
      { name: 'worker', type: 'pubkey' },
      { name: 'worker_authority', type: 'pubkey' },
      { name: 'challenger_output_hash', type: { array: ['u8', 32] } },
      { name: 'worker_output_hash', type: { array: ['u8', 32] } },
      { name: 'bond', type: 'u64', docs: 'Challenge bond locked from the challenger\'s stake.' },
      { name: 'opened_at', type: 'i64' },
      { name: 'commit_deadline', type: 'i64' },
      { name: 'reveal_deadline', type: 'i64' },
      { name: 'commits', type: 'u16' },
      { name: 'reveals', type: 'u16' },
      { name: 'votes_for_challenger', type: 'u16' },
      { name: 'votes_for_worker', type: 'u16' },
      { name: 'bump', type: 'u8' },
      { name: 'total_stake', type: 'u64', docs: 'Active validator stake when it opened, the challenger\'s excluded; the quorum base is the larger of this and the same total at resolution.' },
      { name: 'committed_weight', type: 'u64', docs: 'Sum of the committed votes\' weights.' },
      { name: 'revealed_weight', type: 'u64' },
      { name: 'weight_for_challenger', type: 'u64' },
      { name: 'weight_for_worker', type: 'u64' },
      { name: 'resolved', type: 'bool', docs: 'Set by resolve_challenge; the account then lives until its last vote is closed.' },
      { name: 'resolved_at', type: 'i64', docs: 'Before reveal_deadline for an early decision: votes not revealed by then are neither paid nor penalized.' },
      { name: 'outcome', type: { defined: 'ChallengeOutcome' }, docs: 'Meaningful once resolved.' },
      { name: 'voter_pot', type: 'u64', docs: '$PEER in the vote vault for the winning voters, shared by weight.' },
      { name: 'votes_open', type: 'u16', docs: 'Votes not closed yet.' },
    ],
  },
  Vote: {
    kind: 'struct',
    docs: 'One validator\'s vote on one challenge (PDA ["vote", challenge, validator]): one vote each.',
    fields: [
      { name: 'challenge', type: 'pubkey' },
      { name: 'validator', type: 'pubkey' },
      { name: 'commitment', type: { array: ['u8', 32] }, docs: 'sha256(output_hash || salt).' },
      { name: 'revealed', type: 'bool' },
      { name: 'output_hash', type: { array: ['u8', 32] } },
      { name: 'bump', type: 'u8' },
      { name: 'weight', type: 'u64', docs: 'The validator\'s free bond when it committed: what the vote weighs, and what it risks.' },
    ],
  },
  ChallengeOutcome: {
    kind: 'enum',
    variants: ['ChallengerWon', 'WorkerWon', 'Lapsed'],
  },
  ValidatorChanged: {
    kind: 'struct',
    fields: [
      { name: 'validator', type: 'pubkey' },
      { name: 'authority', type: 'pubkey' },
      { name: 'bond', type: 'u64' },
      { name: 'deregister_available_at', type: 'i64' },
      { name: 'closed', type: 'bool' },
    ],
  },
  ChallengeOpened: {
    kind: 'struct',
    fields: [
      { name: 'challenge', type: 'pubkey' },
      { name: 'job', type: 'pubkey' },
      { name: 'challenger', type: 'pubkey' },
      { name: 'output_hash', type: { array: ['u8', 32] } },
      { name: 'commit_deadline', type: 'i64' },
      { name: 'reveal_deadline', type: 'i64' },
    ],
  },
  VoteCommitted: {
    kind: 'struct',
    fields: [
      { name: 'challenge', type: 'pubkey' },
      { name: 'validator', type: 'pubkey' },
    ],
  },
  VoteRevealed: {
    kind: 'struct',
    fields: [
      { name: 'challenge', type: 'pubkey' },
      { name: 'validator', type: 'pubkey' },
      { name: 'output_hash', type: { array: ['u8', 32] } },
      { name: 'votes_for_challenger', type: 'u16' },
      { name: 'votes_for_worker', type: 'u16' },
      { name: 'weight', type: 'u64' },
      { name: 'weight_for_challenger', type: 'u64' },
      { name: 'weight_for_worker', type: 'u64' },
    ],
  },
  VoteClosed: {
    kind: 'struct',
    fields: [
      { name: 'challenge', type: 'pubkey' },
      { name: 'validator', type: 'pubkey' },
      { name: 'reward', type: 'u64', docs: '$PEER paid from the vote vault into the validator\'s bond.' },
      { name: 'penalty', type: 'u64', docs: '$PEER burned from the validator\'s bond.' },
    ],
  },
  ChallengeResolved: {
    kind: 'struct',
    fields: [
      { name: 'challenge', type: 'pubkey' },
      { name: 'job', type: 'pubkey' },
      { name: 'outcome', type: { defined: 'ChallengeOutcome' } },
      { name: 'slashed', type: 'u64', docs: '$PEER taken from the worker.' },
      { name: 'challenger_reward', type: 'u64', docs: '$PEER paid to the challenger.' },
      { name: 'burned', type: 'u64', docs: '$PEER burned (slash remainder, or the losing challenger\'s bond).' },
      { name: 'refunded', type: 'u64', docs: 'Credits returned to the client.' },
      { name: 'voter_pot', type: 'u64', docs: '$PEER moved to the vote vault for the winning voters.' },
      { name: 'lapse_fee', type: 'u64', docs: '$PEER of the challenge bond paid to the worker for a lapsed challenge.' },
    ],
  },
  EnclaveRegistered: {
    kind: 'struct',
    fields: [
      { name: 'worker', type: 'pubkey' },
      { name: 'enclave_key', type: { array: ['u8', 32] } },
      { name: 'measurement', type: { array: ['u8', 32] } },
      { name: 'expires_at', type: 'i64' },
    ],
  },
};

const config: AccountParamDef = { name: 'config', pda: [{ kind: 'const', constant: 'SEED_CONFIG' }] };
const configMut: AccountParamDef = { ...config, writable: true, docs: 'Writable: it keeps the total active validator stake.' };
const voteVault: AccountParamDef = { name: 'vote_vault', writable: true, pda: [{ kind: 'const', constant: 'SEED_VOTE_VAULT' }] };
const peerMint: AccountParamDef = { name: 'peer_mint', writable: true };
const validator: AccountParamDef = {
  name: 'validator',
  writable: true,
  pda: [
    { kind: 'const', constant: 'SEED_VALIDATOR' },
    { kind: 'account', path: 'authority' },
  ],
};
const validatorVault: AccountParamDef = {
  name: 'validator_vault',
  writable: true,
  pda: [
    { kind: 'const', constant: 'SEED_VALIDATOR_VAULT' },
    { kind: 'account', path: 'validator' },
  ],
};
const tokenProgram: AccountParamDef = { name: 'token_program', address: TOKEN_PROGRAM };
const instructionsSysvar: AccountParamDef = {
  name: 'instructions_sysvar',
  address: INSTRUCTIONS_SYSVAR,
  docs: 'Read to find the Ed25519 verification instruction just before this one.',
};

export const verificationInstructions: InstructionDef[] = [
  {
    name: 'register_validator',
    docs: 'Creates a validator with a $PEER bond of at least validator_min_bond.',
    accounts: [
      { name: 'authority', signer: true, writable: true },
      configMut,
      validator,
      { name: 'peer_mint' },
      validatorVault,
      { name: 'source', writable: true, docs: '$PEER token account of the authority.' },
      tokenProgram,
      { name: 'system_program', address: SYSTEM_PROGRAM },
    ],
    args: [{ name: 'amount', type: 'u64' }],
  },
  {
    name: 'deregister_validator',
    docs: 'Stops challenging and voting, and starts the bond cooldown (unbond_cooldown_secs).',
    accounts: [{ name: 'authority', signer: true }, configMut, validator],
    args: [],
  },
  {
    name: 'close_validator',
    docs: 'After the cooldown, with no open challenge or vote: the bond leaves and the accounts close.',
    accounts: [
      { name: 'authority', signer: true, writable: true, docs: 'Receives the rent.' },
      validator,
      validatorVault,
      { name: 'destination', writable: true, docs: '$PEER token account.' },
      tokenProgram,
    ],
    args: [],
  },
  {
    name: 'challenge_job',
    docs: 'A bonded validator disputes a verified or confidential result inside its window, locking challenge_bond plus the job\'s value in $PEER.',
    accounts: [
      { name: 'authority', signer: true, writable: true, docs: 'The validator\'s key; pays the challenge rent.' },
      config,
      { name: 'validator', writable: true },
      { name: 'job', writable: true },
      { name: 'worker', writable: true },
      {
        name: 'challenge',
        writable: true,
        pda: [
          { kind: 'const', constant: 'SEED_CHALLENGE' },
          { kind: 'account', path: 'job' },
        ],
      },
      { name: 'system_program', address: SYSTEM_PROGRAM },
    ],
    args: [{ name: 'output_hash', type: { array: ['u8', 32] } }],
  },
  {
    name: 'commit_vote',
    docs: 'A bonded validator other than the challenger and the worker commits sha256(output_hash || salt); its free bond is the vote\'s weight and stays locked until the vote is closed.',
    accounts: [
      { name: 'authority', signer: true, writable: true, docs: 'The voter\'s key; pays the vote rent.' },
      config,
      { name: 'validator', writable: true, docs: 'Counts its open votes (they lock its bond).' },
      { name: 'challenge', writable: true },
      {
        name: 'vote',
        writable: true,
        pda: [
          { kind: 'const', constant: 'SEED_VOTE' },
          { kind: 'account', path: 'challenge' },
          { kind: 'account', path: 'validator' },
        ],
      },
      { name: 'system_program', address: SYSTEM_PROGRAM },
    ],
    args: [{ name: 'commitment', type: { array: ['u8', 32] } }],
  },
  {
    name: 'reveal_vote',
    docs: 'After the commit phase, the voter reveals the output hash and salt behind its commitment.',
    accounts: [{ name: 'authority', signer: true }, { name: 'validator', writable: true }, { name: 'challenge', writable: true }, { name: 'vote', writable: true }],
    args: [
      { name: 'output_hash', type: { array: ['u8', 32] } },
      { name: 'salt', type: { array: ['u8', 32] } },
    ],
  },
  {
    name: 'resolve_challenge',
    docs: 'Anyone, once the outcome is certain or the reveal phase ended: slash (challenger, voters, burn), or forfeit the challenger\'s bond (voters, burn), or a lapse (the worker gets lapse_fee_bps of the bond).',
    accounts: [
      configMut,
      { name: 'challenge', writable: true },
      { name: 'job', writable: true },
      { name: 'worker', writable: true },
      { name: 'worker_bond_vault', writable: true },
      { name: 'challenger', writable: true, docs: 'The challenger\'s validator account.' },
      { name: 'challenger_vault', writable: true, docs: 'Receives the challenger\'s reward when it wins (added to its bond).' },
      { name: 'challenger_authority', writable: true, mayAlias: true, docs: 'Receives the challenge rent.' },
      { name: 'credit_account', writable: true, docs: 'The job client\'s credit account.' },
      { name: 'client', writable: true, mayAlias: true, docs: 'Receives the job rent when the job is refunded.' },
      peerMint,
      voteVault,
      tokenProgram,
    ],
    args: [],
  },
  {
    name: 'close_vote',
    docs: 'After its challenge is resolved, the voter closes its vote: a winning vote is paid its share of the voter pot, a losing, neutral or unrevealed one loses voter_slash_bps of its weight; the rent comes back, and the last vote closes the challenge.',
    accounts: [
      { name: 'authority', signer: true, writable: true },
      configMut,
      validator,
      validatorVault,
      { name: 'vote', writable: true },
      { name: 'challenge', writable: true, docs: 'The resolved challenge the vote belongs to.' },
      { name: 'challenger_authority', writable: true, mayAlias: true, docs: 'Receives the challenge rent when the last vote closes.' },
      peerMint,
      voteVault,
      tokenProgram,
    ],
    args: [],
  },
  {
    name: 'register_enclave',
    docs: 'Records the worker\'s attested enclave key: the Ed25519 instruction before this one must carry the attestation authority\'s signature over (worker, enclave_key, measurement, expires_at).',
    accounts: [{ name: 'authority', signer: true }, config, { name: 'worker', writable: true }, instructionsSysvar],
    args: [
      { name: 'enclave_key', type: { array: ['u8', 32] } },
      { name: 'measurement', type: { array: ['u8', 32] } },
      { name: 'expires_at', type: 'i64' },
    ],
  },
  {
    name: 'submit_confidential_result',
    docs: 'submit_result for the confidential tier: the Ed25519 instruction before this one must carry the worker\'s enclave signature over (job, output_hash).',
    accounts: [{ name: 'authority', signer: true }, config, { name: 'job', writable: true }, { name: 'worker', writable: true }, instructionsSysvar],
    args: [{ name: 'result', type: { defined: 'ResultCommitment' } }],
  },
];
