/**
 * Flows anyone may run (keepers, or a client/worker who wants its job settled): finalize a job
 * after its challenge window, expire one whose worker missed the deadline, sweep the fees; and
 * the matcher's assignment.
 */
import type { PublicKey } from '@solana/web3.js';
import { jobAccount } from '../accounts/market';
import { marketInfo, readWithMarketInfo, type PeerContext } from '../context';
import { AccountNotFoundError } from '../errors';
import * as ix from '../instructions/market';
import { findBondVaultPda, findCreditAccountPda, findMatcherPda } from '../pda';
import { sendInstructions, type SendOptions, type SendResult } from '../rpc/send';

export interface JobTx {
  job: PublicKey;
  tx: SendResult;
}

/** Settles a submitted job whose challenge window passed. One read (the job), one transaction. */
export async function finalizeJob(ctx: PeerContext, input: { job: PublicKey }, opts?: SendOptions): Promise<JobTx> {
  const programId = ctx.programs.market;
  const job = (await jobAccount.fetch(ctx.transport, input.job, { programId })).data;
  const creditAccount = findCreditAccountPda(job.client, programId)[0];
  const instruction = ix.finalizeJob({ job: input.job, worker: job.worker, creditAccount, client: job.client }, {}, programId);
  return { job: input.job, tx: await sendInstructions(ctx, [instruction], opts) };
}

/** Expires an assigned job past its deadline (requeued or refunded). One read (job and config), one transaction. */
export async function expireJob(ctx: PeerContext, input: { job: PublicKey }, opts?: SendOptions): Promise<JobTx> {
  const programId = ctx.programs.market;
  const { info, records } = await readWithMarketInfo(ctx, [input.job]);
  if (!records[0]) throw new AccountNotFoundError('job', input.job, 'it never existed or has ended');
  const job = jobAccount.fromRecord(records[0], { programId }).data;
  const instruction = ix.expireJob(
    {
      job: input.job,
      worker: job.worker,
      creditAccount: findCreditAccountPda(job.client, programId)[0],
      client: job.client,
      bondVault: findBondVaultPda(job.worker, programId)[0],
      peerMint: info.peerMint,
    },
    {},
    programId,
  );
  return { job: input.job, tx: await sendInstructions(ctx, [instruction], opts) };
}

/** The wallet, a registered matcher, assigns an open job to an eligible worker. One transaction. */
export async function assignJob(ctx: PeerContext, input: { job: PublicKey; worker: PublicKey }, opts?: SendOptions): Promise<JobTx> {
  const programId = ctx.programs.market;
  const matcher = ctx.wallet.publicKey;
  const instruction = ix.assignJob(
    { matcher, matcherRegistration: findMatcherPda(matcher, programId)[0], job: input.job, worker: input.worker },
    {},
    programId,
  );
  return { job: input.job, tx: await sendInstructions(ctx, [instruction], opts) };
}

/** Moves the unswept fees to the staking reward vault and the treasury. One read (cached), one transaction. */
export async function sweepFees(ctx: PeerContext, opts?: SendOptions): Promise<{ tx: SendResult }> {
  const info = await marketInfo(ctx);
  const instruction = ix.sweepFees({ stakingRewardVault: info.stakingRewardVault, treasury: info.treasury }, {}, ctx.programs.market);
  return { tx: await sendInstructions(ctx, [instruction], opts) };
}
