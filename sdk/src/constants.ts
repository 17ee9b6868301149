/**
 * Seeds and constants of the programs, read from their IDLs (which the build generates from
 * `programs/<name>/interface.ts`), so the SDK can never drift from the on-chain code.
 */
import { PublicKey } from '@solana/web3.js';
import peerMarketIdl from './idl/peer_market.json';

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
  USDC_DECIMALS: Number(numberConstant(peerMarketIdl, 'USDC_DECIMALS')),
  CREDIT_BASE_UNITS: numberConstant(peerMarketIdl, 'CREDIT_BASE_UNITS'),
  BPS_DENOMINATOR: Number(numberConstant(peerMarketIdl, 'BPS_DENOMINATOR')),
} as const;
