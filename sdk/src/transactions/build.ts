/**
 * Transactions from instructions: a v0 message with the compute-budget instructions first
 * (limit, then price when a priority fee is set).
 */
import { ComputeBudgetProgram, TransactionMessage, VersionedTransaction, type PublicKey, type TransactionInstruction } from '@solana/web3.js';

/** The most compute units a transaction may request. */
export const MAX_COMPUTE_UNITS = 1_400_000;

export interface BuildTransactionArgs {
  payer: PublicKey;
  blockhash: string;
  instructions: TransactionInstruction[];
  /** Omitted: no SetComputeUnitLimit instruction. */
  computeUnitLimit?: number;
  /** Micro-lamports per compute unit; 0 or omitted: no SetComputeUnitPrice instruction. */
  priorityFeeMicroLamports?: number;
}

export function computeBudgetInstructions(limit?: number, microLamports?: number): TransactionInstruction[] {
  const out: TransactionInstruction[] = [];
  if (limit !== undefined) out.push(ComputeBudgetProgram.setComputeUnitLimit({ units: limit }));
  if (microLamports && microLamports > 0) out.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports }));
  return out;
}

export function buildTransaction(args: BuildTransactionArgs): VersionedTransaction {
  const message = new TransactionMessage({
    payerKey: args.payer,
    recentBlockhash: args.blockhash,
    instructions: [...computeBudgetInstructions(args.computeUnitLimit, args.priorityFeeMicroLamports), ...args.instructions],
  }).compileToV0Message();
  return new VersionedTransaction(message);
}

/** The compute-unit limit for a simulated consumption: `ceil(units × (1 + margin)) + 1000`, capped. */
export function computeUnitLimitFor(unitsConsumed: number, margin: number): number {
  return Math.min(MAX_COMPUTE_UNITS, Math.ceil(unitsConsumed * (1 + margin)) + 1_000);
}

/** Caps a price (micro-lamports per CU) so the priority fee of `limit` units stays within `maxLamports`. */
export function capPriorityFee(microLamports: number, limit: number, maxLamports?: number): number {
  const requested = Math.max(0, Math.floor(microLamports));
  if (maxLamports === undefined) return requested;
  const cap = Math.floor((maxLamports * 1_000_000) / Math.max(1, limit));
  return Math.min(requested, cap);
}
