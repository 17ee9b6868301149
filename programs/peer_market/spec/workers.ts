/** Workers: registration, settings, $PEER bonds, reputation. */
import type { AccountParamDef, InstructionDef, TypeDef } from '../../../tools/idl/spec';
import { SYSTEM_PROGRAM, TOKEN_PROGRAM } from './programs';

export const workerTypes: Record<string, TypeDef> = {
  WorkerSettings: {
    kind: 'struct',
    docs: 'What a worker serves and where; set at registration and by update_worker.',
    fields: [
      { name: 'tiers', type: 'u8', docs: 'Tier bits served: 1 open, 2 verified, 4 confidential.' },
      { name: 'capacity', type: 'u8', docs: 'Maximum concurrent assigned jobs (1..=MAX_CAPACITY).' },
      { name: 'model_count', type: 'u8', docs: 'Number of used entries in `models` (1..=MAX_MODELS).' },
      { name: 'models', type: { array: [{ array: ['u8', 32] }, 8] }, docs: 'sha256 ids of the models served; unused entries zero.' },
      { name: 'prices', type: { array: ['u64', 3] }, docs: 'Price in credits per job, per tier; zero exactly for tiers not served.' },
      { name: 'encryption_key', type: { array: ['u8', 32] }, docs: 'x25519 key clients encrypt prompts to.' },
      { name: 'endpoint_len', type: 'u8' },
      { name: 'endpoint', type: { array: ['u8', 128] }, docs: 'UTF-8 URL of the worker node; bytes past endpoint_len zero.' },
    ],
  },
  Reputation: {
    kind: 'struct',
    fields: [
      { name: 'jobs_completed', type: 'u64' },
      { name: 'jobs_expired', type: 'u64' },
      { name: 'challenges_lost', type: 'u64' },
      { name: 'latency_slots_sum', type: 'u64', docs: 'Sum of assignment-to-submission latencies, in slots.' },
      { name: 'latency_samples', type: 'u64' },
      {
        name: 'paid_volume',
        type: 'u64',
        docs: 'Credits paid for this worker\'s finalized jobs: reputation weighted by value (a job of 1 credit counts 1, not a whole job).',
      },
    ],
  },
  Worker: {
    kind: 'struct',
    docs: 'A worker node (PDA ["worker", authority]).',
    fields: [
      { name: 'authority', type: 'pubkey' },
      { name: 'settings', type: { defined: 'WorkerSettings' } },
      { name: 'paused', type: 'bool' },
      { name: 'active_jobs', type: 'u8', docs: 'Assigned jobs without a submitted result (bounded by capacity).' },
      { name: 'open_jobs', type: { array: ['u16', 3] }, docs: 'Per tier: jobs assigned or in their challenge window; they lock the bond.' },
      { name: 'open_challenges', type: 'u16', docs: 'Challenges against this worker not yet resolved; they lock the bond.' },
      { name: 'bond', type: 'u64', docs: '$PEER in the bond vault that belongs to this worker.' },
      { name: 'unbonding', type: 'u64', docs: 'Part of `bond` requested for withdrawal; it no longer counts for eligibility.' },
      { name: 'unbond_available_at', type: 'i64' },
      { name: 'earnings', type: 'u64', docs: 'Unclaimed USDC earnings, base units.' },
      { name: 'reputation', type: { defined: 'Reputation' } },
      { name: 'registered_at', type: 'i64' },
      { name: 'enclave_key', type: { array: ['u8', 32] }, docs: 'Attested enclave ed25519 key (zero: none).' },
      { name: 'enclave_measurement', type: { array: ['u8', 32] }, docs: 'Hash of the model weights and serving code the enclave runs.' },
      { name: 'enclave_expires_at', type: 'i64' },
      { name: 'bump', type: 'u8' },
      { name: 'bond_vault_bump', type: 'u8' },
      { name: 'reserved', type: { array: ['u8', 64] } },
    ],
  },
  WorkerRegistered: {
    kind: 'struct',
    fields: [
      { name: 'worker', type: 'pubkey' },
      { name: 'authority', type: 'pubkey' },
      { name: 'settings', type: { defined: 'WorkerSettings' } },
    ],
  },
  WorkerUpdated: {
    kind: 'struct',
    fields: [
      { name: 'worker', type: 'pubkey' },
      { name: 'settings', type: { defined: 'WorkerSettings' } },
    ],
  },
  WorkerPauseChanged: {
    kind: 'struct',
    fields: [
      { name: 'worker', type: 'pubkey' },
      { name: 'paused', type: 'bool' },
    ],
  },
  BondChanged: {
    kind: 'struct',
    docs: 'Emitted by bond, request_unbond and withdraw_unbonded.',
    fields: [
      { name: 'worker', type: 'pubkey' },
      { name: 'bond', type: 'u64' },
      { name: 'unbonding', type: 'u64' },
      { name: 'unbond_available_at', type: 'i64' },
      { name: 'deposited', type: 'u64' },
      { name: 'withdrawn', type: 'u64' },
    ],
  },
  WorkerClosed: {
    kind: 'struct',
    fields: [
      { name: 'worker', type: 'pubkey' },
      { name: 'authority', type: 'pubkey' },
    ],
  },
  EarningsClaimed: {
    kind: 'struct',
    fields: [
      { name: 'worker', type: 'pubkey' },
      { name: 'destination', type: 'pubkey' },
      { name: 'amount', type: 'u64' },
    ],
  },
};

const authority: AccountParamDef = { name: 'authority', signer: true };
const config: AccountParamDef = { name: 'config', pda: [{ kind: 'const', constant: 'SEED_CONFIG' }] };
const worker: AccountParamDef = {
  name: 'worker',
  writable: true,
  pda: [
    { kind: 'const', constant: 'SEED_WORKER' },
    { kind: 'account', path: 'authority' },
  ],
};
const bondVault: AccountParamDef = {
  name: 'bond_vault',
  writable: true,
  pda: [
    { kind: 'const', constant: 'SEED_BOND_VAULT' },
    { kind: 'account', path: 'worker' },
  ],
};
const tokenProgram: AccountParamDef = { name: 'token_program', address: TOKEN_PROGRAM };

export const workerInstructions: InstructionDef[] = [
  {
    name: 'register_worker',
    docs: 'Creates the worker account and its empty $PEER bond vault.',
    accounts: [
      { ...authority, writable: true, docs: 'The worker\'s key; pays rent.' },
      config,
      worker,
      { name: 'peer_mint', docs: 'The config\'s $PEER mint.' },
      bondVault,
      tokenProgram,
      { name: 'system_program', address: SYSTEM_PROGRAM },
    ],
    args: [{ name: 'settings', type: { defined: 'WorkerSettings' } }],
  },
  {
    name: 'update_worker',
    docs: 'Replaces tiers, models, prices, capacity, key and endpoint. Jobs already assigned keep their price.',
    accounts: [authority, worker],
    args: [{ name: 'settings', type: { defined: 'WorkerSettings' } }],
  },
  {
    name: 'bond',
    docs: 'Moves $PEER from the authority\'s token account into the worker\'s bond vault.',
    accounts: [authority, worker, { name: 'source', writable: true, docs: '$PEER token account of the authority.' }, bondVault, tokenProgram],
    args: [{ name: 'amount', type: 'u64' }],
  },
  {
    name: 'request_unbond',
    docs: 'Starts the cooldown for `amount` of the bond; it stops counting for eligibility at once.',
    accounts: [authority, config, worker],
    args: [{ name: 'amount', type: 'u64' }],
  },
  {
    name: 'withdraw_unbonded',
    docs: 'After the cooldown, moves the unbonding amount out, never below what open jobs and challenges require.',
    accounts: [
      authority,
      config,
      worker,
      bondVault,
      { name: 'destination', writable: true, docs: '$PEER token account.' },
      tokenProgram,
    ],
    args: [],
  },
  {
    name: 'pause_worker',
    docs: 'Stops new assignments to this worker; jobs already assigned continue.',
    accounts: [authority, worker],
    args: [],
  },
  {
    name: 'resume_worker',
    docs: 'Accepts new assignments again.',
    accounts: [authority, worker],
    args: [],
  },
  {
    name: 'close_worker',
    docs: 'Closes a worker with no bond, earnings, jobs or challenges; rent (and any stray $PEER) goes back.',
    accounts: [
      { ...authority, writable: true, docs: 'Receives the rent.' },
      worker,
      bondVault,
      { name: 'destination', writable: true, docs: '$PEER token account for any stray balance in the vault.' },
      tokenProgram,
    ],
    args: [],
  },
  {
    name: 'claim_earnings',
    docs: 'Pays the worker\'s unclaimed USDC earnings from the vault.',
    accounts: [
      authority,
      config,
      worker,
      { name: 'usdc_vault', writable: true, pda: [{ kind: 'const', constant: 'SEED_USDC_VAULT' }] },
      { name: 'destination', writable: true, docs: 'USDC token account.' },
      tokenProgram,
    ],
    args: [],
  },
];
