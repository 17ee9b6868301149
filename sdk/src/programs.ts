/**
 * Our programs as the SDK uses them: a codec per IDL, their error codes (Codama-style constants
 * and `isXError`), and the program ids a context talks to.
 */
import { PublicKey } from '@solana/web3.js';
import { ProgramCodec } from './codec/program';
import type { ErrorCodes, ErrorName } from './codec/types';
import { ProgramError } from './errors';
import peerMarketIdlJson from './idl/peer_market.json';
import type { PeerMarket } from './idl/peer_market';
import peerStakingIdlJson from './idl/peer_staking.json';
import type { PeerStaking } from './idl/peer_staking';

export type { PeerMarket, PeerStaking };

export const peerMarket = new ProgramCodec<PeerMarket>(peerMarketIdlJson);
export const peerStaking = new ProgramCodec<PeerStaking>(peerStakingIdlJson);

/** The program ids a context talks to (defaults: the ids in the IDLs, i.e. the committed keypairs). */
export interface ProgramIds {
  market: PublicKey;
  staking: PublicKey;
}

export function defaultProgramIds(): ProgramIds {
  return { market: peerMarket.defaultProgramId, staking: peerStaking.defaultProgramId };
}

/** peer_market's custom errors: name → code (`PEER_MARKET_ERRORS.InsufficientCredits === 6043`). */
export const PEER_MARKET_ERRORS = Object.freeze(peerMarket.errorCodes()) as Readonly<ErrorCodes<PeerMarket>>;
/** peer_staking's custom errors: name → code. */
export const PEER_STAKING_ERRORS = Object.freeze(peerStaking.errorCodes()) as Readonly<ErrorCodes<PeerStaking>>;

export type PeerMarketErrorName = ErrorName<PeerMarket>;
export type PeerStakingErrorName = ErrorName<PeerStaking>;

/** True when `err` is a peer_market ProgramError (optionally: the named one). */
export function isPeerMarketError(err: unknown, name?: PeerMarketErrorName | string): err is ProgramError {
  return err instanceof ProgramError && err.program === 'peer_market' && (name === undefined || err.errorName === name);
}

/** True when `err` is a peer_staking ProgramError (optionally: the named one). */
export function isPeerStakingError(err: unknown, name?: PeerStakingErrorName | string): err is ProgramError {
  return err instanceof ProgramError && err.program === 'peer_staking' && (name === undefined || err.errorName === name);
}
