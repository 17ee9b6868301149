/** Credits: USDC in, credits out, 1 credit = CREDIT_BASE_UNITS USDC base units. */
import type { InstructionDef, TypeDef } from '../../../tools/idl/spec';
import { SYSTEM_PROGRAM, TOKEN_PROGRAM } from './programs';

export const creditTypes: Record<string, TypeDef> = {
  CreditAccount: {
    kind: 'struct',
    docs: 'A client\'s credits (PDA ["credits", owner]).',
    fields: [
      { name: 'owner', type: 'pubkey' },
      { name: 'balance', type: 'u64', docs: 'Credits free to spend or redeem.' },
      { name: 'locked', type: 'u64', docs: 'Credits locked by open jobs (their max price).' },
      { name: 'jobs_posted', type: 'u64', docs: 'Nonce of the next job PDA.' },
      { name: 'bump', type: 'u8' },
      { name: 'reserved', type: { array: ['u8', 32] } },
    ],
  },
  CreditsChanged: {
    kind: 'struct',
    docs: 'Emitted by buy_credits and redeem_credits.',
    fields: [
      { name: 'owner', type: 'pubkey' },
      { name: 'bought', type: 'u64' },
      { name: 'redeemed', type: 'u64' },
      { name: 'balance', type: 'u64' },
      { name: 'locked', type: 'u64' },
    ],
  },
};

// Named `client` as in post_job, so the credit account PDA has one seed path everywhere (Codama).
const client = { name: 'client', signer: true };
const config = { name: 'config', pda: [{ kind: 'const' as const, constant: 'SEED_CONFIG' }] };
const creditAccount = {
  name: 'credit_account',
  writable: true,
  pda: [
    { kind: 'const' as const, constant: 'SEED_CREDITS' },
    { kind: 'account' as const, path: 'client' },
  ],
};
const usdcVault = { name: 'usdc_vault', writable: true, pda: [{ kind: 'const' as const, constant: 'SEED_USDC_VAULT' }] };

export const creditInstructions: InstructionDef[] = [
  {
    name: 'buy_credits',
    docs: 'Moves credits × CREDIT_BASE_UNITS USDC into the vault; creates the credit account on first use.',
    accounts: [
      { ...client, writable: true, docs: 'Pays the USDC and, the first time, the rent.' },
      config,
      creditAccount,
      { name: 'source', writable: true, docs: 'The client\'s USDC token account.' },
      usdcVault,
      { name: 'token_program', address: TOKEN_PROGRAM },
      { name: 'system_program', address: SYSTEM_PROGRAM },
    ],
    args: [{ name: 'credits', type: 'u64' }],
  },
  {
    name: 'redeem_credits',
    docs: 'Turns unspent credits back into USDC.',
    accounts: [
      client,
      config,
      creditAccount,
      usdcVault,
      { name: 'destination', writable: true, docs: 'USDC token account.' },
      { name: 'token_program', address: TOKEN_PROGRAM },
    ],
    args: [{ name: 'credits', type: 'u64' }],
  },
];
