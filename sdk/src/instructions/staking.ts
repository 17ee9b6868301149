/** peer_staking instruction builders, one per instruction (pure: no RPC). */
import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import type { InstructionAccounts, InstructionArgs, InstructionName } from '../codec/types';
import { peerStaking, type PeerStaking } from '../programs';
import { buildInstruction, instructionBuilder } from './build';

export type StakingInstructionName = InstructionName<PeerStaking>;
export type StakingInstructionAccounts<N extends StakingInstructionName> = InstructionAccounts<PeerStaking, N>;
export type StakingInstructionArgs<N extends StakingInstructionName> = InstructionArgs<PeerStaking, N>;

export function stakingInstruction<N extends StakingInstructionName>(
  name: N,
  accounts: StakingInstructionAccounts<N>,
  args: StakingInstructionArgs<N>,
  programId?: PublicKey,
): TransactionInstruction {
  return buildInstruction(peerStaking, name, accounts as never, args as never, programId);
}

const b = <N extends StakingInstructionName>(name: N) => instructionBuilder(peerStaking, name);

export const initialize = b('initialize');
export const updateConfig = b('updateConfig');
export const openStaker = b('openStaker');
export const stake = b('stake');
export const requestUnstake = b('requestUnstake');
export const withdraw = b('withdraw');
export const claimRewards = b('claimRewards');
export const closeStaker = b('closeStaker');
export const updateRewards = b('updateRewards');
export const sweepUnallocated = b('sweepUnallocated');
