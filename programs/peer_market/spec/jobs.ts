/** Jobs: posting, matching, results, expiry, settlement, and the matchers allowed to assign. */
import type { AccountParamDef, InstructionDef, TypeDef } from '../../../tools/idl/spec';
import { SYSTEM_PROGRAM, TOKEN_PROGRAM } from './programs';

export const jobTypes: Record<string, TypeDef> = {
  JobStatus: {
    kind: 'enum',
    docs: 'Open: waiting for a worker. Assigned: a worker must submit before the deadline. Submitted: in its challenge window. Disputed: under challenge.',
    variants: ['Open', 'Assigned', 'Submitted', 'Disputed'],
  },
  JobRequest: {
    kind: 'struct',
    docs: 'What a client asks for when posting a job.',
    fields: [
      { name: 'tier', type: { defined: 'Tier' } },
      { name: 'model', type: { array: ['u8', 32] }, docs: 'sha256 id of the model.' },
      { name: 'max_price', type: 'u64', docs: 'Most credits the client pays; locked until the job ends.' },
      { name: 'seed', type: 'u64', docs: 'Sampling seed, so a validator can re-execute deterministically.' },
      { name: 'prompt_commitment', type: { array: ['u8', 32] }, docs: 'sha256 of the encrypted prompt.' },
      { name: 'pinned_worker', type: 'pubkey', docs: 'Only this worker account may take the job (all zero: any).' },
      {
        name: 'measurement',
        type: { array: ['u8', 32] },
        docs: 'Confidential tier: the attested enclave measurement (model weights and serving code) the worker must run; required non-zero. Ignored by the other tiers.',
      },
    ],
  },
  ResultCommitment: {
    kind: 'struct',
    docs: 'What a worker submits: the output hash, and the model and seed it ran (must match the job).',
    fields: [
      { name: 'output_hash', type: { array: ['u8', 32] } },
      { name: 'model', type: { array: ['u8', 32] } },
      { name: 'seed', type: 'u64' },
    ],
  },
  Job: {
    kind: 'struct',
    docs: 'A job (PDA ["job", client, nonce]); closed when it ends, rent back to the client.',
    fields: [
      { name: 'client', type: 'pubkey' },
      { name: 'nonce', type: 'u64' },
      { name: 'request', type: { defined: 'JobRequest' } },
      { name: 'status', type: { defined: 'JobStatus' } },
      { name: 'worker', type: 'pubkey', docs: 'Assigned worker account (zero while open).' },
      { name: 'price', type: 'u64', docs: 'The assigned worker\'s price for the tier, in credits.' },
      { name: 'attempts', type: 'u8', docs: 'Assignments so far.' },
      { name: 'posted_at', type: 'i64' },
      { name: 'open_since', type: 'i64', docs: 'When the job last became open (post or requeue).' },
      { name: 'assigned_at', type: 'i64' },
      { name: 'assigned_slot', type: 'u64' },
      { name: 'deadline', type: 'i64', docs: 'Submission deadline of the current assignment.' },
      { name: 'submitted_at', type: 'i64' },
      { name: 'submitted_slot', type: 'u64' },
      { name: 'challenge_deadline', type: 'i64', docs: 'Finalizable from this time on (equal to submitted_at for the open tier).' },
      { name: 'output_hash', type: { array: ['u8', 32] } },
      {
        name: 'excluded_workers',
        type: { array: ['u64', 10] },
        docs: 'First 8 bytes (LE) of each worker account that let this job expire; they cannot take it again (one per attempt).',
      },
      { name: 'bump', type: 'u8' },
      { name: 'reserved', type: { array: ['u8', 32] } },
    ],
  },
  MatcherRegistration: {
    kind: 'struct',
    docs: 'A key the admin allows to assign jobs (PDA ["matcher", matcher]).',
    fields: [
      { name: 'matcher', type: 'pubkey' },
      { name: 'added_at', type: 'i64' },
      { name: 'bump', type: 'u8' },
    ],
  },
  JobPosted: {
    kind: 'struct',
    fields: [
      { name: 'job', type: 'pubkey' },
      { name: 'client', type: 'pubkey' },
      { name: 'nonce', type: 'u64' },
      { name: 'request', type: { defined: 'JobRequest' } },
    ],
  },
  JobCancelled: {
    kind: 'struct',
    fields: [
      { name: 'job', type: 'pubkey' },
      { name: 'refunded', type: 'u64' },
    ],
  },
  JobAssigned: {
    kind: 'struct',
    fields: [
      { name: 'job', type: 'pubkey' },
      { name: 'worker', type: 'pubkey' },
      { name: 'price', type: 'u64' },
      { name: 'deadline', type: 'i64' },
      { name: 'attempt', type: 'u8' },
      { name: 'self_claimed', type: 'bool', docs: 'True when the worker claimed it after the claim delay.' },
    ],
  },
  ResultSubmitted: {
    kind: 'struct',
    fields: [
      { name: 'job', type: 'pubkey' },
      { name: 'worker', type: 'pubkey' },
      { name: 'output_hash', type: { array: ['u8', 32] } },
      { name: 'latency_slots', type: 'u64' },
      { name: 'challenge_deadline', type: 'i64' },
    ],
  },
  JobExpired: {
    kind: 'struct',
    fields: [
      { name: 'job', type: 'pubkey' },
      { name: 'worker', type: 'pubkey' },
      { name: 'requeued', type: 'bool', docs: 'False when the job ran out of attempts and was refunded.' },
      { name: 'refunded', type: 'u64' },
      { name: 'slashed', type: 'u64', docs: '$PEER burned from the worker\'s bond.' },
    ],
  },
  JobFinalized: {
    kind: 'struct',
    fields: [
      { name: 'job', type: 'pubkey' },
      { name: 'worker', type: 'pubkey' },
      { name: 'price', type: 'u64', docs: 'Credits consumed.' },
      { name: 'refunded', type: 'u64', docs: 'Credits returned (max price minus price).' },
      { name: 'worker_amount', type: 'u64', docs: 'USDC base units credited to the worker.' },
      { name: 'staker_amount', type: 'u64' },
      { name: 'treasury_amount', type: 'u64' },
    ],
  },
  FeesSwept: {
    kind: 'struct',
    fields: [
      { name: 'staker_amount', type: 'u64' },
      { name: 'treasury_amount', type: 'u64' },
    ],
  },
  MatcherChanged: {
    kind: 'struct',
    fields: [
      { name: 'matcher', type: 'pubkey' },
      { name: 'allowed', type: 'bool' },
    ],
  },
};

const config: AccountParamDef = { name: 'config', pda: [{ kind: 'const', constant: 'SEED_CONFIG' }] };
const job: AccountParamDef = { name: 'job', writable: true };
const worker: AccountParamDef = { name: 'worker', writable: true };
const creditAccount: AccountParamDef = { name: 'credit_account', writable: true, docs: 'The job client\'s credit account.' };
const tokenProgram: AccountParamDef = { name: 'token_program', address: TOKEN_PROGRAM };

export const jobInstructions: InstructionDef[] = [
  {
    name: 'post_job',
    docs: 'Creates a job and locks its max price in credits, at the PDA ["job", client, nonce] whose bump must be 255 (so canonical by construction, for one syscall).',
    accounts: [
      { name: 'client', signer: true, writable: true, docs: 'Pays the job rent (returned when the job ends).' },
      config,
      {
        name: 'credit_account',
        writable: true,
        pda: [
          { kind: 'const', constant: 'SEED_CREDITS' },
          { kind: 'account', path: 'client' },
        ],
      },
      { name: 'job', writable: true, docs: 'PDA ["job", client, nonce as u64 LE] with bump 255.' },
      { name: 'system_program', address: SYSTEM_PROGRAM },
    ],
    args: [
      { name: 'request', type: { defined: 'JobRequest' } },
      {
        name: 'nonce',
        type: 'u64',
        docs: 'The first nonce >= credit_account.jobs_posted whose job PDA has bump 255 (clients find it off-chain, ~2 tries); jobs_posted becomes nonce + 1.',
      },
    ],
  },
  {
    name: 'cancel_job',
    docs: 'The client cancels a job nobody took yet; its credits unlock and its rent returns.',
    accounts: [{ name: 'client', signer: true, writable: true }, creditAccount, job],
    args: [],
  },
  {
    name: 'assign_job',
    docs: 'A registered matcher assigns an open job to an eligible worker.',
    accounts: [{ name: 'matcher', signer: true }, { name: 'matcher_registration' }, config, job, worker],
    args: [],
  },
  {
    name: 'claim_job',
    docs: 'An eligible worker takes an open job itself once it has waited claim_delay_secs (liveness without keepers).',
    accounts: [{ name: 'authority', signer: true }, config, job, worker],
    args: [],
  },
  {
    name: 'submit_result',
    docs: 'The assigned worker commits to its output before the deadline; the challenge window opens.',
    accounts: [{ name: 'authority', signer: true }, config, job, worker],
    args: [{ name: 'result', type: { defined: 'ResultCommitment' } }],
  },
  {
    name: 'expire_job',
    docs: 'Anyone, after a missed deadline: the job is requeued, or refunded once out of attempts.',
    accounts: [
      config,
      job,
      worker,
      creditAccount,
      { name: 'client', writable: true, mayAlias: true, docs: 'Receives the job rent if the job is refunded.' },
      { name: 'bond_vault', writable: true, docs: 'The worker\'s bond vault (for a timeout slash).' },
      { name: 'peer_mint', writable: true },
      tokenProgram,
    ],
    args: [],
  },
  {
    name: 'finalize_job',
    docs: 'Anyone, after the challenge window: the fee is split, credits are consumed, the job closes.',
    accounts: [
      config,
      job,
      worker,
      creditAccount,
      { name: 'client', writable: true, mayAlias: true, docs: 'Receives the job rent.' },
      { name: 'fee_ledger', writable: true, pda: [{ kind: 'const', constant: 'SEED_FEE_LEDGER' }] },
    ],
    args: [],
  },
  {
    name: 'sweep_fees',
    docs: 'Anyone: moves the unswept fees to the staking reward vault and the treasury.',
    accounts: [
      config,
      { name: 'fee_ledger', writable: true, pda: [{ kind: 'const', constant: 'SEED_FEE_LEDGER' }] },
      { name: 'usdc_vault', writable: true, pda: [{ kind: 'const', constant: 'SEED_USDC_VAULT' }] },
      { name: 'staking_reward_vault', writable: true },
      { name: 'treasury', writable: true },
      tokenProgram,
    ],
    args: [],
  },
  {
    name: 'add_matcher',
    docs: 'The admin allows a key to assign jobs.',
    accounts: [
      { name: 'admin', signer: true, writable: true },
      config,
      {
        name: 'matcher_registration',
        writable: true,
        pda: [
          { kind: 'const', constant: 'SEED_MATCHER' },
          { kind: 'arg', path: 'matcher' },
        ],
      },
      { name: 'system_program', address: SYSTEM_PROGRAM },
    ],
    args: [{ name: 'matcher', type: 'pubkey' }],
  },
  {
    name: 'remove_matcher',
    docs: 'The admin revokes a matcher; the registration\'s rent goes to the admin.',
    accounts: [{ name: 'admin', signer: true, writable: true }, config, { name: 'matcher_registration', writable: true }],
    args: [],
  },
];
