/**
 * Seeds and constants of the programs, read from their IDLs (which the build generates from
 * `programs/<name>/interface.ts`), so the SDK can never drift from the on-chain code.
 */
import { PublicKey } from '@solana/web3.js';
import peerMarketIdl from './idl/peer_market.json';
import peerStakingIdl from './idl/peer_staking.json';

interface IdlConstant {
  name: string;
  type: string;
  value: string;
}

function constant(idl: { constants: IdlConstant[] }, name: string): IdlConstant {
  const c = idl.constants.find((k) => k.name === name);
  if (!c) throw new Error(`IDL has no constant ${name}`);
  return c;
}

export function bytesConstant(idl: { constants: IdlConstant[] }, name: string): Buffer {
  const c = constant(idl, name);
  if (c.type !== 'bytes') throw new Error(`IDL constant ${name} is ${c.type}, not bytes`);
  return Buffer.from(JSON.parse(c.value) as number[]);
}

export function numberConstant(idl: { constants: IdlConstant[] }, name: string): bigint {
  return BigInt(constant(idl, name).value);
}

export const PEER_MARKET_PROGRAM_ID = new PublicKey(peerMarketIdl.address);

export const MARKET = {
  SEED_CONFIG: bytesConstant(peerMarketIdl, 'SEED_CONFIG'),
  SEED_USDC_VAULT: bytesConstant(peerMarketIdl, 'SEED_USDC_VAULT'),
  SEED_FEE_LEDGER: bytesConstant(peerMarketIdl, 'SEED_FEE_LEDGER'),
  SEED_WORKER: bytesConstant(peerMarketIdl, 'SEED_WORKER'),
  SEED_BOND_VAULT: bytesConstant(peerMarketIdl, 'SEED_BOND_VAULT'),
  SEED_CREDITS: bytesConstant(peerMarketIdl, 'SEED_CREDITS'),
  SEED_JOB: bytesConstant(peerMarketIdl, 'SEED_JOB'),
  JOB_BUMP: Number(numberConstant(peerMarketIdl, 'JOB_BUMP')),
  SEED_MATCHER: bytesConstant(peerMarketIdl, 'SEED_MATCHER'),
  SEED_VALIDATOR: bytesConstant(peerMarketIdl, 'SEED_VALIDATOR'),
  SEED_VALIDATOR_VAULT: bytesConstant(peerMarketIdl, 'SEED_VALIDATOR_VAULT'),
  SEED_CHALLENGE: bytesConstant(peerMarketIdl, 'SEED_CHALLENGE'),
  SEED_VOTE: bytesConstant(peerMarketIdl, 'SEED_VOTE'),
  USDC_DECIMALS: Number(numberConstant(peerMarketIdl, 'USDC_DECIMALS')),
  CREDIT_BASE_UNITS: numberConstant(peerMarketIdl, 'CREDIT_BASE_UNITS'),
  BPS_DENOMINATOR: Number(numberConstant(peerMarketIdl, 'BPS_DENOMINATOR')),
  TIER_COUNT: Number(numberConstant(peerMarketIdl, 'TIER_COUNT')),
  MAX_MODELS: Number(numberConstant(peerMarketIdl, 'MAX_MODELS')),
  MAX_ENDPOINT_LEN: Number(numberConstant(peerMarketIdl, 'MAX_ENDPOINT_LEN')),
  MAX_CAPACITY: Number(numberConstant(peerMarketIdl, 'MAX_CAPACITY')),
  ALL_TIERS_MASK: Number(numberConstant(peerMarketIdl, 'ALL_TIERS_MASK')),
} as const;

export const PEER_STAKING_PROGRAM_ID = new PublicKey(peerStakingIdl.address);

export const STAKING = {
  SEED_POOL: bytesConstant(peerStakingIdl, 'SEED_POOL'),
  SEED_STAKE_VAULT: bytesConstant(peerStakingIdl, 'SEED_STAKE_VAULT'),
  SEED_REWARD_VAULT: bytesConstant(peerStakingIdl, 'SEED_REWARD_VAULT'),
  SEED_STAKER: bytesConstant(peerStakingIdl, 'SEED_STAKER'),
  USDC_DECIMALS: Number(numberConstant(peerStakingIdl, 'USDC_DECIMALS')),
  MIN_UNSTAKE_COOLDOWN_SECS: Number(numberConstant(peerStakingIdl, 'MIN_UNSTAKE_COOLDOWN_SECS')),
  MAX_UNSTAKE_COOLDOWN_SECS: Number(numberConstant(peerStakingIdl, 'MAX_UNSTAKE_COOLDOWN_SECS')),
  MAX_MIN_STAKE: numberConstant(peerStakingIdl, 'MAX_MIN_STAKE'),
} as const;
