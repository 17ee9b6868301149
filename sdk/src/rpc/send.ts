/**
 * Sending instructions, the one way every flow does it:
 *
 * 1. (optional) the priority fee: a fixed price or a percentile of the recent fees paid for the
 *    transaction's writable accounts, capped so the whole priority fee stays under `maxLamports`;
 * 2. simulate (unsigned, the node supplies a recent blockhash) with the maximum compute-unit
 *    limit; a failure is translated into a named error (ProgramError, InsufficientFundsError...)
 *    before anything is signed;
 * 3. set the compute-unit limit to what the simulation consumed plus a margin
 *    (`ceil(units × (1 + margin)) + 1000`);
 * 4. sign once, send, and wait for the commitment; when the blockhash expires, fetch a new one,
 *    re-sign and resend (up to `maxAttempts`), which is safe since an expired transaction can
 *    never land.
 *
 * `mode: 'simulate'` stops after step 3; `mode: 'print'` returns the unsigned transaction
 * (base64) for another signer; `mode: 'sign'` returns it signed, for sending later (its
 * blockhash must still be valid then). `feePayer` pays the fees instead of the wallet.
 */
import { PublicKey, type Commitment, type Signer, type TransactionInstruction, type VersionedTransaction } from '@solana/web3.js';
import bs58 from 'bs58';
import { TransactionExpiredError } from '../errors';
import type { ProgramIds } from '../programs';
import { buildTransaction, capPriorityFee, computeUnitLimitFor, MAX_COMPUTE_UNITS } from '../transactions/build';
import type { Wallet } from '../wallet';
import { translateFailure } from './errors';
import type { BlockhashInfo, Transport } from './transport';

export interface PriorityFeeOptions {
  /** A fixed price in micro-lamports per compute unit. */
  microLamports?: number;
  /** Or: this percentile (0-100) of the recent fees paid for the writable accounts. */
  percentile?: number;
  /** Upper bound of the whole priority fee (price × limit), in lamports. */
  maxLamports?: number;
}

export interface SendOptions {
  commitment?: Commitment;
  /** Fraction added to the simulated compute units (default 0.2). */
  computeUnitMargin?: number;
  /** A fixed compute-unit limit instead of the simulated one. */
  computeUnitLimit?: number;
  priorityFee?: PriorityFeeOptions;
  /** Send attempts with a fresh blockhash when the previous one expired (default 3). */
  maxAttempts?: number;
  /** 'send' (default), 'simulate' (no transaction is sent), 'print' (return it unsigned) or 'sign' (return it signed, unsent). */
  mode?: 'send' | 'simulate' | 'print' | 'sign';
  /** Pays the fees (and signs) instead of the wallet. */
  feePayer?: Signer;
}

export interface SendContext {
  transport: Transport;
  wallet: Wallet;
  programs: ProgramIds;
  send?: SendOptions;
}

export interface SendResult {
  mode: 'send' | 'simulate' | 'print' | 'sign';
  /** Null unless sent. */
  signature: string | null;
  /** Compute units the simulation consumed (all instructions, compute budget included). */
  unitsConsumed: number;
  computeUnitLimit: number;
  priorityFeeMicroLamports: number;
  /** Send attempts (more than 1 when a blockhash expired). */
  attempts: number;
  /** Logs of the simulation (and of the transaction when the transport returns them). */
  logs: string[];
  /** Base64 of the transaction: unsigned ('print' mode) or signed ('sign' mode). */
  transaction: string | null;
}

async function priorityPrice(transport: Transport, ixs: TransactionInstruction[], fee: PriorityFeeOptions | undefined): Promise<number> {
  if (!fee) return 0;
  if (fee.microLamports !== undefined) return fee.microLamports;
  if (fee.percentile === undefined || !transport.getRecentPrioritizationFees) return 0;
  const writable = new Map<string, PublicKey>();
  for (const ix of ixs) for (const k of ix.keys) if (k.isWritable) writable.set(k.pubkey.toBase58(), k.pubkey);
  const fees = (await transport.getRecentPrioritizationFees([...writable.values()])).sort((a, b) => a - b);
  if (fees.length === 0) return 0;
  const p = Math.min(100, Math.max(0, fee.percentile));
  return fees[Math.min(fees.length - 1, Math.floor((p / 100) * fees.length))];
}

export async function sendInstructions(
  ctx: SendContext,
  instructions: TransactionInstruction[],
  overrides: SendOptions & { signers?: Signer[] } = {},
): Promise<SendResult> {
  const opts: SendOptions = { ...ctx.send, ...overrides };
  const commitment = opts.commitment ?? 'confirmed';
  const mode = opts.mode ?? 'send';
  const payer = opts.feePayer?.publicKey ?? ctx.wallet.publicKey;
  const extraSigners = [...(overrides.signers ?? []), ...(opts.feePayer ? [opts.feePayer] : [])];
  const programsOf = instructions.map((ix) => ix.programId);
  const budgetIxCount = 1;

  const requestedPrice = await priorityPrice(ctx.transport, instructions, opts.priorityFee);
  // The compute-budget instructions precede ours; failures are reported with our indices.
  const shift = (n: number | null, count: number): number | null => (n === null ? null : n - count);

  // 1. Simulate with the maximum limit (and the requested price, so its cost is counted).
  const priceIxCount = requestedPrice > 0 ? 1 : 0;
  const probe = buildTransaction({
    payer,
    blockhash: PublicKey.default.toBase58(),
    instructions,
    computeUnitLimit: MAX_COMPUTE_UNITS,
    priorityFeeMicroLamports: requestedPrice,
  });
  const sim = await ctx.transport.simulate(probe, commitment);
  if (sim.failure) {
    const failure = { ...sim.failure, instructionIndex: shift(sim.failure.instructionIndex, budgetIxCount + priceIxCount) };
    throw translateFailure(failure, sim.logs, ctx.programs, programsOf);
  }
  const unitsConsumed = sim.unitsConsumed ?? MAX_COMPUTE_UNITS;
  const computeUnitLimit = opts.computeUnitLimit ?? computeUnitLimitFor(unitsConsumed, opts.computeUnitMargin ?? 0.2);
  const price = capPriorityFee(requestedPrice, computeUnitLimit, opts.priorityFee?.maxLamports);
  const finalPriceIxCount = price > 0 ? 1 : 0;
  const base = { unitsConsumed, computeUnitLimit, priorityFeeMicroLamports: price, logs: sim.logs };

  let blockhash: BlockhashInfo = sim.replacementBlockhash ?? (await ctx.transport.getLatestBlockhash(commitment));
  const build = (): VersionedTransaction =>
    buildTransaction({ payer, blockhash: blockhash.blockhash, instructions, computeUnitLimit, priorityFeeMicroLamports: price });

  if (mode === 'simulate') return { mode, signature: null, attempts: 0, transaction: null, ...base };
  if (mode === 'print') {
    return { mode, signature: null, attempts: 0, transaction: Buffer.from(build().serialize()).toString('base64'), ...base };
  }

  const sign = async (): Promise<VersionedTransaction> => {
    const tx = build();
    if (extraSigners.length) tx.sign(extraSigners);
    return ctx.wallet.signTransaction(tx);
  };
  if (mode === 'sign') {
    const signed = await sign();
    return { mode, signature: bs58.encode(signed.signatures[0]), attempts: 0, transaction: Buffer.from(signed.serialize()).toString('base64'), ...base };
  }

  const maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const signed = await sign();
    const res = await ctx.transport.sendAndConfirm(signed, { commitment, lastValidBlockHeight: blockhash.lastValidBlockHeight });
    if (!res.failure) {
      return { mode, signature: res.signature || bs58.encode(signed.signatures[0]), attempts: attempt, transaction: null, ...base, logs: res.logs.length ? res.logs : sim.logs };
    }
    if (res.failure.kind !== 'blockhashNotFound') {
      const failure = { ...res.failure, instructionIndex: shift(res.failure.instructionIndex, budgetIxCount + finalPriceIxCount) };
      throw translateFailure(failure, res.logs, ctx.programs, programsOf);
    }
    if (attempt < maxAttempts) blockhash = await ctx.transport.getLatestBlockhash(commitment);
  }
  throw new TransactionExpiredError(maxAttempts);
}
