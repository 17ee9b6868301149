/**
 * peer_market instruction builders, one per instruction (pure: no RPC). Accounts the IDL can
 * derive (config, vaults, the fee ledger, worker/credit/matcher PDAs, program addresses) may be
 * omitted. Instructions added to the IDL later are available at once through
 * `marketInstruction(name, accounts, args)`.
 */
import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import type { InstructionAccounts, InstructionArgs, InstructionName } from '../codec/types';
import { peerMarket, type PeerMarket } from '../programs';
import { buildInstruction, instructionBuilder } from './build';

export type MarketInstructionName = InstructionName<PeerMarket>;
export type MarketInstructionAccounts<N extends MarketInstructionName> = InstructionAccounts<PeerMarket, N>;
export type MarketInstructionArgs<N extends MarketInstructionName> = InstructionArgs<PeerMarket, N>;

export function marketInstruction<N extends MarketInstructionName>(
  name: N,
  accounts: MarketInstructionAccounts<N>,
  args: MarketInstructionArgs<N>,
  programId?: PublicKey,
): TransactionInstruction {
  return buildInstruction(peerMarket, name, accounts as never, args as never, programId);
}

const b = <N extends MarketInstructionName>(name: N) => instructionBuilder(peerMarket, name);

// config (spec/config.ts)
export const initializeConfig = b('initializeConfig');
export const updateConfig = b('updateConfig');
// workers (spec/workers.ts)
export const registerWorker = b('registerWorker');
export const updateWorker = b('updateWorker');
export const bond = b('bond');
export const requestUnbond = b('requestUnbond');
export const withdrawUnbonded = b('withdrawUnbonded');
export const pauseWorker = b('pauseWorker');
export const resumeWorker = b('resumeWorker');
export const closeWorker = b('closeWorker');
export const claimEarnings = b('claimEarnings');
// credits (spec/credits.ts)
export const buyCredits = b('buyCredits');
export const redeemCredits = b('redeemCredits');
// jobs (spec/jobs.ts)
export const postJob = b('postJob');
export const cancelJob = b('cancelJob');
export const assignJob = b('assignJob');
export const claimJob = b('claimJob');
export const submitResult = b('submitResult');
export const expireJob = b('expireJob');
export const finalizeJob = b('finalizeJob');
export const sweepFees = b('sweepFees');
export const addMatcher = b('addMatcher');
export const removeMatcher = b('removeMatcher');
// verification (spec/verification.ts)
export const registerValidator = b('registerValidator');
export const deregisterValidator = b('deregisterValidator');
export const closeValidator = b('closeValidator');
export const challengeJob = b('challengeJob');
export const commitVote = b('commitVote');
export const revealVote = b('revealVote');
export const resolveChallenge = b('resolveChallenge');
export const closeVote = b('closeVote');
export const registerEnclave = b('registerEnclave');
export const submitConfidentialResult = b('submitConfidentialResult');
