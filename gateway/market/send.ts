/**
 * Sending one transaction with its signature known before it leaves: simulate for the compute
 * units, sign, hand the signature to `onSigned` (the caller writes it to SQLite), then send and
 * confirm; a fresh blockhash (and a new signature, reported again) when the old one expired. A
 * crash at any point leaves a signature on disk that the reconciler can look up on chain.
 */
import type { TransactionInstruction } from '@solana/web3.js';
import bs58 from 'bs58';
import type { PeerContext } from '../../sdk/src/context';
import { translateFailure } from '../../sdk/src/rpc/errors';
import { buildTransaction, computeUnitLimitFor, MAX_COMPUTE_UNITS } from '../../sdk/src/transactions/build';
import { TransactionExpiredError } from '../../sdk/src/errors';
import { PublicKey } from '@solana/web3.js';

export interface Sent {
  signature: string;
  unitsConsumed: number;
}

export async function sendRecorded(
  ctx: PeerContext,
  instructions: TransactionInstruction[],
  onSigned: (signature: string, lastValidBlockHeight: number) => void,
  maxAttempts = 3,
): Promise<Sent> {
  const payer = ctx.wallet.publicKey;
  const programsOf = instructions.map((ix) => ix.programId);
  const probe = buildTransaction({ payer, blockhash: PublicKey.default.toBase58(), instructions, computeUnitLimit: MAX_COMPUTE_UNITS });
  const sim = await ctx.transport.simulate(probe, 'confirmed');
  if (sim.failure) {
    const idx = sim.failure.instructionIndex === null ? null : sim.failure.instructionIndex - 1;
    throw translateFailure({ ...sim.failure, instructionIndex: idx }, sim.logs, ctx.programs, programsOf);
  }
  const unitsConsumed = sim.unitsConsumed ?? MAX_COMPUTE_UNITS;
  const computeUnitLimit = computeUnitLimitFor(unitsConsumed, 0.2);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const blockhash = await ctx.transport.getLatestBlockhash('confirmed');
    const tx = buildTransaction({ payer, blockhash: blockhash.blockhash, instructions, computeUnitLimit });
    const signed = await ctx.wallet.signTransaction(tx);
    const signature = bs58.encode(signed.signatures[0]);
    onSigned(signature, blockhash.lastValidBlockHeight);
    const res = await ctx.transport.sendAndConfirm(signed, { commitment: 'confirmed', lastValidBlockHeight: blockhash.lastValidBlockHeight });
    if (!res.failure) return { signature, unitsConsumed };
    if (res.failure.kind !== 'blockhashNotFound') {
      const idx = res.failure.instructionIndex === null ? null : res.failure.instructionIndex - 1;
      throw translateFailure({ ...res.failure, instructionIndex: idx }, res.logs, ctx.programs, programsOf);
    }
  }
  throw new TransactionExpiredError(maxAttempts);
}
