/** The market config: parameters, the config account and its instructions. */
import type { InstructionDef, TypeDef } from '../../../tools/idl/spec';
import { SYSTEM_PROGRAM, TOKEN_PROGRAM } from './programs';

export const configTypes: Record<string, TypeDef> = {
  Tier: {
    kind: 'enum',
    docs: 'Service tier of a job: no guarantee, optimistic re-execution, or TEE attested.',
    variants: ['Open', 'Verified', 'Confidential'],
  },
  ConfigParams: {
    kind: 'struct',
    docs: 'Economic parameters, each bounded by the MIN_/MAX_ constants.',
    fields: [
      { name: 'worker_fee_bps', type: 'u16', docs: 'Worker share of a finalized job fee (70% = 7000).' },
      { name: 'staker_share_bps', type: 'u16', docs: 'Stakers\' share of the network margin; the treasury gets the rest.' },
      { name: 'min_bond', type: { array: ['u64', 3] }, docs: 'Minimum worker bond per tier ($PEER base units), non-decreasing.' },
      { name: 'validator_min_bond', type: 'u64', docs: 'Minimum validator bond ($PEER base units).' },
      { name: 'challenge_bond', type: 'u64', docs: 'Bond a challenger posts ($PEER base units).' },
      { name: 'unbond_cooldown_secs', type: 'u32', docs: 'Delay between requesting an unbond and withdrawing it.' },
      { name: 'claim_delay_secs', type: 'u32', docs: 'After this long unassigned, an eligible worker may claim a job itself.' },
      { name: 'job_timeout_secs', type: 'u32', docs: 'Time an assigned worker has to submit a result.' },
      { name: 'challenge_window_secs', type: 'u32', docs: 'Time after a result during which it can be challenged.' },
      { name: 'commit_window_secs', type: 'u32', docs: 'Vote commit phase of a challenge.' },
      { name: 'reveal_window_secs', type: 'u32', docs: 'Vote reveal phase of a challenge.' },
      { name: 'slash_bps', type: 'u16', docs: 'Fraction of its bond a worker loses on a lost challenge.' },
      { name: 'challenger_reward_bps', type: 'u16', docs: 'Fraction of a slash paid to the challenger; the rest is burned.' },
      { name: 'timeout_slash_bps', type: 'u16', docs: 'Fraction of its bond a worker loses when its job expires (0 = none).' },
      { name: 'vote_quorum', type: 'u8', docs: 'Matching revealed votes that decide a challenge.' },
      { name: 'max_job_attempts', type: 'u8', docs: 'Assignments a job gets before an expiry refunds it.' },
      { name: 'paused', type: 'bool', docs: 'Emergency stop for new jobs and assignments.' },
      {
        name: 'attestation_authority',
        type: 'pubkey',
        docs: 'Ed25519 key of the off-chain attestation verifier (TDX / SEV-SNP / GPU reports); zero disables the confidential tier.',
      },
      {
        name: 'peer_per_credit',
        type: 'u64',
        docs: 'Reference rate: $PEER base units worth one credit. Sizes what depends on a job\'s value: the expiry slash and the challenge bond.',
      },
      {
        name: 'quorum_stake_bps',
        type: 'u16',
        docs: 'Share of the validator stake (snapshotted when the challenge opens, challenger excluded) the winning side\'s revealed votes must exceed.',
      },
      { name: 'voter_slash_bps', type: 'u16', docs: 'Fraction of its vote weight a voter loses when it voted for the losing side, for neither, or never revealed.' },
      { name: 'voter_reward_bps', type: 'u16', docs: 'Fraction of the loser\'s forfeit (worker slash or challenge bond) paid to the winning voters by weight.' },
      { name: 'lapse_fee_bps', type: 'u16', docs: 'Fraction of the challenge bond paid to the worker when a challenge lapses (it waited for nothing).' },
    ],
  },
  Config: {
    kind: 'struct',
    docs: 'The market\'s singleton configuration (PDA ["config"]).',
    fields: [
      { name: 'admin', type: 'pubkey' },
      { name: 'pending_admin', type: 'pubkey', docs: 'Proposed next admin (all zero when none).' },
      { name: 'usdc_mint', type: 'pubkey' },
      { name: 'peer_mint', type: 'pubkey' },
      { name: 'usdc_vault', type: 'pubkey', docs: 'The program\'s USDC vault (PDA ["usdc_vault"], owned by the config PDA).' },
      { name: 'treasury', type: 'pubkey', docs: 'USDC token account that receives the treasury share.' },
      { name: 'staking_reward_vault', type: 'pubkey', docs: 'USDC token account that receives the stakers\' share.' },
      { name: 'params', type: { defined: 'ConfigParams' } },
      { name: 'peer_decimals', type: 'u8' },
      { name: 'bump', type: 'u8' },
      { name: 'usdc_vault_bump', type: 'u8' },
      { name: 'fee_ledger_bump', type: 'u8' },
      { name: 'total_validator_stake', type: 'u64', docs: 'Sum of the bonds of active (not deregistering) validators: the base of the vote quorum.' },
      { name: 'vote_vault_bump', type: 'u8' },
      { name: 'reserved', type: { array: ['u8', 119] }, docs: 'Room for later fields without a migration.' },
    ],
  },
  FeeLedger: {
    kind: 'struct',
    docs: 'Fees owed to stakers and the treasury, moved by sweep_fees (PDA ["fee_ledger"]).',
    fields: [
      { name: 'staker_fees', type: 'u64', docs: 'Unswept stakers\' share, USDC base units.' },
      { name: 'treasury_fees', type: 'u64', docs: 'Unswept treasury share, USDC base units.' },
      { name: 'total_staker_fees', type: 'u64' },
      { name: 'total_treasury_fees', type: 'u64' },
      { name: 'jobs_finalized', type: 'u64' },
      { name: 'bump', type: 'u8' },
      { name: 'reserved', type: { array: ['u8', 64] } },
    ],
  },
  ConfigInitialized: {
    kind: 'struct',
    fields: [
      { name: 'admin', type: 'pubkey' },
      { name: 'usdc_mint', type: 'pubkey' },
      { name: 'peer_mint', type: 'pubkey' },
      { name: 'usdc_vault', type: 'pubkey' },
      { name: 'treasury', type: 'pubkey' },
      { name: 'staking_reward_vault', type: 'pubkey' },
      { name: 'params', type: { defined: 'ConfigParams' } },
    ],
  },
  ConfigUpdated: {
    kind: 'struct',
    fields: [
      { name: 'admin', type: 'pubkey' },
      { name: 'previous', type: { defined: 'ConfigParams' } },
      { name: 'params', type: { defined: 'ConfigParams' } },
    ],
  },
};

export const configInstructions: InstructionDef[] = [
  {
    name: 'initialize_config',
    docs: 'Creates the config, the USDC vault, the fee ledger and the voters\' $PEER reward vault. Only the program\'s upgrade authority may call it, once.',
    accounts: [
      { name: 'admin', signer: true, writable: true, docs: 'Pays rent; must be the program\'s upgrade authority.' },
      { name: 'config', writable: true, pda: [{ kind: 'const', constant: 'SEED_CONFIG' }] },
      { name: 'program_data', programData: true, docs: 'This program\'s ProgramData account (BPF upgradeable loader).' },
      { name: 'usdc_mint' },
      { name: 'peer_mint' },
      { name: 'usdc_vault', writable: true, pda: [{ kind: 'const', constant: 'SEED_USDC_VAULT' }] },
      { name: 'fee_ledger', writable: true, pda: [{ kind: 'const', constant: 'SEED_FEE_LEDGER' }] },
      { name: 'vote_vault', writable: true, pda: [{ kind: 'const', constant: 'SEED_VOTE_VAULT' }], docs: '$PEER escrow of the winning voters\' rewards.' },
      { name: 'treasury', docs: 'USDC token account.' },
      { name: 'staking_reward_vault', docs: 'USDC token account.' },
      { name: 'token_program', address: TOKEN_PROGRAM },
      { name: 'system_program', address: SYSTEM_PROGRAM },
    ],
    args: [{ name: 'params', type: { defined: 'ConfigParams' } }],
  },
  {
    name: 'update_config',
    docs: 'Replaces the economic parameters (admin only, same bounds as initialization).',
    accounts: [
      { name: 'admin', signer: true },
      { name: 'config', writable: true, pda: [{ kind: 'const', constant: 'SEED_CONFIG' }] },
    ],
    args: [{ name: 'params', type: { defined: 'ConfigParams' } }],
  },
];
