/**
 * Compute units of peer_market's marketplace instructions (issue 3) in solana-bankrun 0.4.0,
 * the whole job lifecycle per tier (post → assign → submit → finalize), transactions and
 * signatures per job, and the rent a job locks and gets back. Reported, never asserted.
 */
import { defaultParams } from '../tests/fixtures/embedded/params';
import { startEmbedded } from '../tests/fixtures/embedded/env';
import { Market, TIERS, type TierName } from '../tests/fixtures/embedded/market';
import { unitsOf, type TxResult } from '../tests/fixtures/embedded/tx';

export interface CuRow {
  program: string;
  instruction: string;
  case: string;
  computeUnits: number;
}

export interface JobLifecycle {
  tier: TierName;
  post: number;
  assign: number;
  submit: number;
  finalize: number;
  total: number;
  transactions: number;
  signatures: number;
  rentLamports: bigint;
  rentReturned: boolean;
}

export async function measureMarket(rows: CuRow[]): Promise<JobLifecycle[]> {
  const m = await Market.create(await startEmbedded(), defaultParams());
  const units = (r: TxResult) => unitsOf(r, m.programId);
  const push = (instruction: string, c: string, r: TxResult) => rows.push({ program: 'peer_market', instruction, case: c, computeUnits: units(r) });

  const { matcher, result: added } = await m.addMatcher();
  push('add_matcher', 'ok', added);
  const owner = await m.actor();
  push('buy_credits', 'first purchase (creates the credit account)', (await m.buyCredits(owner, 1_000n)).result);
  push('buy_credits', 'repeat', (await m.buyCredits(owner, 1_000n)).result);
  push('redeem_credits', 'ok', (await m.redeemCredits(owner, 10n)).result);

  const authority = await m.actor();
  const registered = await m.registerWorker(authority);
  push('register_worker', 'ok (creates worker + $PEER bond vault)', registered.result);
  push('bond', 'ok', (await m.bond(authority, 10_000_000_000_000n)).result);
  push('pause_worker', 'ok', (await m.pauseWorker(authority)).result);
  push('resume_worker', 'ok', (await m.resumeWorker(authority)).result);
  push('request_unbond', 'ok', (await m.requestUnbond(authority, 1_000n)).result);
  await m.warp(m.params.unbondCooldownSecs + 1);
  push('withdraw_unbonded', 'ok', (await m.withdrawUnbonded(authority)).result);
  if (m.attestationAuthority) push('register_enclave', 'ok (Ed25519 not verified by bankrun)', (await m.registerEnclave(authority)).result);

  const lifecycles: JobLifecycle[] = [];
  for (const tier of TIERS) {
    const before = await m.lamports(owner.publicKey);
    const posted = await m.postJob(owner, { tier });
    const rent = await m.lamports(posted.job);
    const assigned = await m.assignJob(matcher, posted.job, registered.worker);
    const submitted = await m.submitResult(authority, posted.job);
    if (tier !== 'open') await m.warp(m.params.challengeWindowSecs);
    const finalized = await m.finalizeJob(posted.job);
    const after = await m.lamports(owner.publicKey);
    const cu = [posted, assigned, submitted, finalized].map((s) => units(s.result));
    push('post_job', `${tier} tier`, posted.result);
    push('assign_job', `${tier} tier`, assigned.result);
    push(tier === 'confidential' ? 'submit_confidential_result' : 'submit_result', `${tier} tier`, submitted.result);
    push('finalize_job', `${tier} tier`, finalized.result);
    lifecycles.push({
      tier,
      post: cu[0],
      assign: cu[1],
      submit: cu[2],
      finalize: cu[3],
      total: cu.reduce((a, b) => a + b, 0),
      transactions: 4,
      // client signs post_job; matcher, worker and any cranker sign one each
      signatures: 4,
      rentLamports: rent,
      // the harness's payer pays fees, so the client's balance shows only the job rent
      rentReturned: before === after,
    });
  }

  const claimed = await m.postJob(owner, { tier: 'open' });
  await m.warp(m.params.claimDelaySecs);
  push('claim_job', 'worker self-claims after the claim delay', (await m.claimJob(authority, claimed.job)).result);
  await m.warp(m.params.jobTimeoutSecs + 1);
  push('expire_job', 'requeued', (await m.expireJob(claimed.job)).result);
  const cancelled = await m.postJob(owner, { tier: 'open' });
  push('cancel_job', 'ok', (await m.cancelJob(owner, cancelled.job)).result);
  push('claim_earnings', 'ok', (await m.claimEarnings(authority)).result);
  push('sweep_fees', 'ok (two transfers)', (await m.sweepFees()).result);
  push('remove_matcher', 'ok', (await m.removeMatcher(matcher.publicKey)).result);
  return lifecycles;
}
