/**
 * Flows anyone may run (keepers, or a client/worker who wants its job settled): finalize a job
 * after its challenge window, expire one whose worker missed the deadline, sweep the fees; and
 * the matcher's assignment. The `*Instruction` builders take a job already read, so a keeper
 * that read many jobs at once can pack several instructions into one transaction.
 */
import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import type { Account } from '../accounts/fetch';
import { jobAccount, type Job } from '../accounts/market';
import { marketInfo, readWithMarketInfo, type MarketInfo, type PeerContext } from '../context';
import { AccountNotFoundError } from '../errors';
import * as ix from '../instructions/market';
import * as stakingIx from '../instructions/staking';
import { findBondVaultPda, findCreditAccountPda, findMatcherPda, findRewardVaultPda } from '../pda';
import type { ProgramIds } from '../programs';
import { sendInstructions, type SendOptions, type SendResult } from '../rpc/send';

/** finalize_job for a job already read (no RPC). */
export function finalizeJobInstruction(job: Account<Job>, programId: PublicKey): TransactionInstruction {
  const { client, worker } = job.data;
  return ix.finalizeJob({ job: job.address, worker, creditAccount: findCreditAccountPda(client, programId)[0], client }, {}, programId);
}

/** expire_job for a job already read (no RPC); `peerMint` from `marketInfo`. */
export function expireJobInstruction(job: Account<Job>, peerMint: PublicKey, programId: PublicKey): TransactionInstruction {
  const { client, worker } = job.data;
  return ix.expireJob(
    {
      job: job.address,
      worker,
      creditAccount: findCreditAccountPda(client, programId)[0],
      client,
      bondVault: findBondVaultPda(worker, programId)[0],
      peerMint,
    },
    {},
    programId,
  );
}

/** assign_job signed by `matcher` (a registered matcher), no RPC. */
export function assignJobInstruction(matcher: PublicKey, job: PublicKey, worker: PublicKey, programId: PublicKey): TransactionInstruction {
  return ix.assignJob({ matcher, matcherRegistration: findMatcherPda(matcher, programId)[0], job, worker }, {}, programId);
}

/**
 * sweep_fees, followed by the staking pool's update_rewards when the market's reward vault is
 * the pool's (so the swept USDC is accrued in the same transaction). No RPC.
 */
export function sweepFeesInstructions(info: MarketInfo, programs: ProgramIds): TransactionInstruction[] {
  const out = [ix.sweepFees({ stakingRewardVault: info.stakingRewardVault, treasury: info.treasury }, {}, programs.market)];
  if (info.stakingRewardVault.equals(findRewardVaultPda(programs.staking)[0])) out.push(stakingIx.updateRewards({}, {}, programs.staking));
  return out;
}

export interface JobTx {
  job: PublicKey;
  tx: SendResult;
}

/** Settles a submitted job whose challenge window passed. One read (the job), one transaction. */
export async function finalizeJob(ctx: PeerContext, input: { job: PublicKey }, opts?: SendOptions): Promise<JobTx> {
  const programId = ctx.programs.market;
  const job = await jobAccount.fetch(ctx.transport, input.job, { programId });
  return { job: input.job, tx: await sendInstructions(ctx, [finalizeJobInstruction(job, programId)], opts) };
}

/** Expires an assigned job past its deadline (requeued or refunded). One read (job and config), one transaction. */
export async function expireJob(ctx: PeerContext, input: { job: PublicKey }, opts?: SendOptions): Promise<JobTx> {
  const programId = ctx.programs.market;
  const { info, records } = await readWithMarketInfo(ctx, [input.job]);
  if (!records[0]) throw new AccountNotFoundError('job', input.job, 'it never existed or has ended');
  const job = jobAccount.fromRecord(records[0], { programId });
  return { job: input.job, tx: await sendInstructions(ctx, [expireJobInstruction(job, info.peerMint, programId)], opts) };
}

/** The wallet, a registered matcher, assigns an open job to an eligible worker. One transaction. */
export async function assignJob(ctx: PeerContext, input: { job: PublicKey; worker: PublicKey }, opts?: SendOptions): Promise<JobTx> {
  const programId = ctx.programs.market;
  const instruction = assignJobInstruction(ctx.wallet.publicKey, input.job, input.worker, programId);
  return { job: input.job, tx: await sendInstructions(ctx, [instruction], opts) };
}

/**
 * Moves the unswept fees to the staking reward vault and the treasury, and (when the vault is
 * the staking pool's) accrues them in the same transaction so their reward stream starts now.
 * One read (cached), one transaction.
 */
export async function sweepFees(ctx: PeerContext, opts?: SendOptions): Promise<{ tx: SendResult }> {
  const info = await marketInfo(ctx);
  return { tx: await sendInstructions(ctx, sweepFeesInstructions(info, ctx.programs), opts) };
}
