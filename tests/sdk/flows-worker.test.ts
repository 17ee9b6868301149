/**
 * Worker flows against the real programs: register (key derived from the wallet), update,
 * bond/unbond/withdraw with the cooldown, pause/resume, find and claim jobs, submit, claim
 * the exact earnings, status, close.
 */
import type { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import * as sdk from '../../sdk/src';
import { isPeerMarketError } from '../../sdk/src';
import { PEER, sdkFixture, USDC, type Actor, type SdkFixture } from './helpers';

const MODEL = 'qwen2.5-7b-instruct';

describe('sdk: worker flows', () => {
  let fx: SdkFixture;
  let w: Actor;
  let client: Actor;
  let workerAddr: PublicKey;

  before(async () => {
    fx = await sdkFixture();
    w = await fx.actor({ peer: 5_000n * PEER });
    client = await fx.actor({ usdc: 100n * USDC });
    await sdk.buyCredits(client.ctx, { credits: 5_000n });
  });

  it('registers with the encryption key derived from the wallet', async () => {
    const r = await sdk.registerWorker(w.ctx, { tiers: ['open', 'verified'], models: [MODEL, 'mistral'], prices: { open: 4n, verified: 10n }, capacity: 2, endpoint: 'https://w.example/v1' });
    workerAddr = r.worker;
    assert.ok(r.worker.equals(sdk.findWorkerPda(w.publicKey)[0]));
    assert.deepEqual(r.encryptionKey, sdk.workerEncryptionKeypair(w.keypair.secretKey).publicKey);
    const s = await sdk.workerStatus(w.ctx);
    assert.equal(s.exists, true);
    const d = sdk.describeSettings(s.data!.settings);
    assert.deepEqual(d.tiers, ['open', 'verified']);
    assert.deepEqual(d.prices, { open: 4n, verified: 10n });
    assert.equal(d.endpoint, 'https://w.example/v1');
    assert.deepEqual(d.modelIds, [sdk.toHex(sdk.modelId(MODEL)), sdk.toHex(sdk.modelId('mistral'))]);
    assert.deepEqual(s.bondedTiers, [], 'no bond yet');
    await assert.rejects(
      sdk.registerWorker(w.ctx, { tiers: ['open'], models: [MODEL], prices: { open: 1n }, capacity: 1, endpoint: 'x' }),
      (e: unknown) => e instanceof sdk.ProgramError,
      'registered twice',
    );
  });

  it('validates settings locally with the program\'s rules', async () => {
    const base = { tiers: ['open'] as sdk.Tier[], models: [MODEL], prices: { open: 1n }, capacity: 1, endpoint: 'x' };
    await assert.rejects(sdk.updateWorker(w.ctx, { ...base, tiers: [] }), /at least one tier/);
    await assert.rejects(sdk.updateWorker(w.ctx, { ...base, capacity: 99 }), /capacity/);
    await assert.rejects(sdk.updateWorker(w.ctx, { ...base, models: [MODEL, MODEL] }), /distinct/);
    await assert.rejects(sdk.updateWorker(w.ctx, { ...base, endpoint: 'x'.repeat(129) }), /endpoint/);
    await assert.rejects(sdk.updateWorker(w.ctx, { ...base, prices: {} }), /price for the open tier/);
  });

  it('updates some settings and keeps the others', async () => {
    await sdk.updateWorker(w.ctx, { capacity: 3, prices: { open: 4n, verified: 9n } });
    const d = sdk.describeSettings((await sdk.fetchWorker(fx.transport, workerAddr)).data.settings);
    assert.equal(d.capacity, 3);
    assert.deepEqual(d.prices, { open: 4n, verified: 9n });
    assert.equal(d.endpoint, 'https://w.example/v1');
    assert.equal(d.models.length, 2);
  });

  it('bonds, unbonds and withdraws after the cooldown', async () => {
    await sdk.bondWorker(w.ctx, { amount: 1_500n * PEER });
    let s = await sdk.workerStatus(w.ctx);
    assert.equal(s.vaultBalance, 1_500n * PEER);
    assert.deepEqual(s.bondedTiers, ['open', 'verified']);
    await sdk.unbondWorker(w.ctx, { amount: 600n * PEER });
    s = await sdk.workerStatus(w.ctx);
    assert.equal(s.effectiveBond, 900n * PEER);
    assert.deepEqual(s.bondedTiers, ['open']);
    assert.equal(s.unbondReadyIn, BigInt(sdk.defaultMarketParams().unbondCooldownSecs));
    await assert.rejects(sdk.withdrawUnbonded(w.ctx), (e: unknown) => isPeerMarketError(e, 'CooldownNotElapsed'));
    await fx.warp(sdk.defaultMarketParams().unbondCooldownSecs);
    const before = await fx.balance(w.peer);
    await sdk.withdrawUnbonded(w.ctx);
    assert.equal(await fx.balance(w.peer), before + 600n * PEER);
    s = await sdk.workerStatus(w.ctx);
    assert.deepEqual([s.data!.bond, s.data!.unbonding, s.unbondReadyIn], [900n * PEER, 0n, null]);
  });

  it('lists the open jobs it may take, claims one after the delay, submits and earns exactly 70%', async () => {
    const posted = await sdk.postJob(client.ctx, { prompt: 'p', model: MODEL, maxPrice: 50n, worker: workerAddr });
    const other = await sdk.postJob(client.ctx, { prompt: 'p', model: MODEL, maxPrice: 50n, worker: workerAddr, tier: 'verified' });
    const open = await sdk.listOpenJobs(w.ctx);
    assert.deepEqual(open.map((j) => j.job.address.toBase58()), [posted.job.toBase58()], 'the verified job needs a bigger bond');
    const all = await sdk.listOpenJobs(w.ctx, { includeIneligible: true });
    assert.match(all.find((j) => j.job.address.equals(other.job))!.ineligible!, /bond/);
    assert.ok(open[0].claimableIn > 0n);
    await assert.rejects(sdk.claimJob(w.ctx, { job: posted.job }), (e: unknown) => isPeerMarketError(e, 'ClaimDelayNotElapsed'));
    await fx.warp(Number(open[0].claimableIn));
    await sdk.claimJob(w.ctx, { job: posted.job });
    const sub = await sdk.submitResult(w.ctx, { job: posted.job, output: 'answer' });
    assert.equal(sub.envelope, null, 'no reply key given: nothing sealed');
    assert.deepEqual((await sdk.fetchJob(fx.transport, posted.job)).data.outputHash, sdk.outputHash('answer'));
    await sdk.finalizeJob(w.ctx, { job: posted.job });
    const s = await sdk.workerStatus(w.ctx);
    assert.equal(s.data!.earnings, (4n * 10_000n * 7_000n) / 10_000n);
    assert.equal(s.data!.reputation.jobsCompleted, 1n);
    const claimed = await sdk.claimEarnings(w.ctx);
    assert.equal(await fx.balance(claimed.destination), 28_000n);
    await assert.rejects(sdk.claimEarnings(w.ctx), (e: unknown) => isPeerMarketError(e, 'NothingToClaim'));
    await sdk.cancelJob(client.ctx, { job: other.job });
  });

  it('pauses and resumes; a paused worker cannot claim', async () => {
    await sdk.pauseWorker(w.ctx);
    assert.equal((await sdk.workerStatus(w.ctx)).data!.paused, true);
    const posted = await sdk.postJob(client.ctx, { prompt: 'p', model: MODEL, maxPrice: 50n, worker: workerAddr });
    await fx.warp(60);
    await assert.rejects(sdk.claimJob(w.ctx, { job: posted.job }), (e: unknown) => isPeerMarketError(e, 'WorkerPaused'));
    await sdk.resumeWorker(w.ctx);
    await sdk.claimJob(w.ctx, { job: posted.job });
    await sdk.submitResult(w.ctx, { job: posted.job, output: 'x' });
    await sdk.finalizeJob(client.ctx, { job: posted.job });
    await sdk.claimEarnings(w.ctx);
  });

  it('expired assignments are requeued by anyone', async () => {
    const posted = await sdk.postJob(client.ctx, { prompt: 'p', model: MODEL, maxPrice: 50n, worker: workerAddr });
    await fx.warp(60);
    await sdk.claimJob(w.ctx, { job: posted.job });
    await assert.rejects(sdk.expireJob(client.ctx, { job: posted.job }), (e: unknown) => isPeerMarketError(e, 'DeadlineNotReached'));
    await fx.warp(sdk.defaultMarketParams().jobTimeoutSecs + 1);
    await sdk.expireJob(client.ctx, { job: posted.job });
    assert.equal((await sdk.jobState(client.ctx, posted.job)).status, 'open');
    await sdk.cancelJob(client.ctx, { job: posted.job });
  });

  it('closes once unbonded, with the rent back', async () => {
    await assert.rejects(sdk.closeWorker(w.ctx), (e: unknown) => isPeerMarketError(e, 'WorkerBusy'));
    // The expiry above burned the job's value in $PEER from the bond: unbond what is left.
    const { vaultBalance } = await sdk.workerStatus(w.ctx);
    assert.ok(vaultBalance < 900n * PEER);
    await sdk.unbondWorker(w.ctx, { amount: vaultBalance });
    await fx.warp(sdk.defaultMarketParams().unbondCooldownSecs);
    await sdk.withdrawUnbonded(w.ctx);
    const lamports = await fx.lamports(w.publicKey);
    await sdk.closeWorker(w.ctx);
    assert.equal((await sdk.workerStatus(w.ctx)).exists, false);
    assert.ok((await fx.lamports(w.publicKey)) > lamports);
  });
});
