/**
 * Admin flows against the real programs: one-transaction initialization of the pool and the
 * market (the market's staking reward vault is the pool's), show/update parameters, matchers,
 * fee sweeps; only the admin can.
 */
import assert from 'node:assert/strict';
import * as sdk from '../../sdk/src';
import { isPeerMarketError, isPeerStakingError } from '../../sdk/src';
import { defaultParams, sdkConfigParams } from '../fixtures/embedded/params';
import { PEER, sdkFixture, USDC, type SdkFixture } from './helpers';

describe('sdk: admin flows', () => {
  let fx: SdkFixture;

  before(async () => {
    fx = await sdkFixture();
  });

  it('initializes the pool and the market in one transaction with product.md\'s economics', async () => {
    const init = fx.init!;
    assert.ok(init.tx.signature);
    assert.ok(init.stakingRewardVault.equals(sdk.findRewardVaultPda()[0]));
    assert.ok(init.treasury.equals(sdk.associatedTokenAddress(fx.usdcMint, fx.admin.publicKey)));
    const o = await sdk.showConfig(fx.admin.ctx);
    assert.ok(o.config && o.feeLedger && o.pool);
    assert.ok(o.config.data.admin.equals(fx.admin.publicKey));
    assert.ok(o.config.data.stakingRewardVault.equals(o.pool.data.rewardVault));
    assert.deepEqual(o.config.data.params, sdk.defaultMarketParams());
    assert.deepEqual(o.pool.data.params, sdk.defaultPoolParams());
    assert.ok(o.pool.data.treasury.equals(init.treasury));
  });

  it('the fixtures\' Anchor-encoded defaults are the SDK\'s (the one home of the economics)', () => {
    assert.deepEqual(sdkConfigParams(defaultParams()), sdk.defaultMarketParams());
    assert.equal(defaultParams().minBond[1].toString(), (1_000n * PEER).toString());
  });

  it('cannot initialize twice', async () => {
    await assert.rejects(sdk.initializeMarket(fx.admin.ctx, { usdcMint: fx.usdcMint, peerMint: fx.peerMint }), (e: unknown) => e instanceof sdk.ProgramError);
  });

  it('updates some parameters, keeps the others; only the admin may', async () => {
    const r = await sdk.updateConfig(fx.admin.ctx, { workerFeeBps: 7_500, minBond: [1n * PEER, 2n * PEER, 3n * PEER] });
    assert.equal(r.previous.workerFeeBps, 7_000);
    const params = (await sdk.showConfig(fx.admin.ctx)).config!.data.params;
    assert.deepEqual(params, { ...sdk.defaultMarketParams(), workerFeeBps: 7_500, minBond: [1n * PEER, 2n * PEER, 3n * PEER] });
    await assert.rejects(sdk.updateConfig(fx.admin.ctx, { workerFeeBps: 1 }), (e: unknown) => isPeerMarketError(e, 'InvalidWorkerFee'));
    const stranger = await fx.actor();
    await assert.rejects(sdk.updateConfig(stranger.ctx, { workerFeeBps: 7_000 }), (e: unknown) => isPeerMarketError(e, 'Unauthorized'));

    await sdk.updateStakingConfig(fx.admin.ctx, { params: { minStake: 5n * PEER } });
    assert.equal((await sdk.showConfig(fx.admin.ctx)).pool!.data.params.minStake, 5n * PEER);
    await assert.rejects(sdk.updateStakingConfig(stranger.ctx, { params: { minStake: 1n } }), (e: unknown) => isPeerStakingError(e, 'Unauthorized'));
  });

  it('adds and removes matchers; a matcher assigns jobs', async () => {
    const matcher = await fx.actor();
    const added = await sdk.addMatcher(fx.admin.ctx, { matcher: matcher.publicKey });
    assert.deepEqual((await sdk.queryMatchers(fx.transport)).map((m) => m.address.toBase58()), [added.registration.toBase58()]);
    const client = await fx.actor({ usdc: 10n * USDC });
    const w = await fx.actor({ peer: 100n * PEER });
    await sdk.registerWorker(w.ctx, { tiers: ['open'], models: ['m'], prices: { open: 1n }, capacity: 1, endpoint: 'https://w' });
    await sdk.bondWorker(w.ctx, { amount: 10n * PEER });
    await sdk.buyCredits(client.ctx, { credits: 10n });
    const posted = await sdk.postJob(client.ctx, { prompt: 'p', model: 'm', maxPrice: 1n });
    await sdk.assignJob(matcher.ctx, { job: posted.job, worker: posted.worker });
    assert.equal((await sdk.jobState(client.ctx, posted.job)).status, 'assigned');
    await sdk.removeMatcher(fx.admin.ctx, { matcher: matcher.publicKey });
    assert.equal((await sdk.queryMatchers(fx.transport)).length, 0);

    // Settle and sweep: the treasury and the reward vault get exactly their shares.
    await sdk.submitResult(w.ctx, { job: posted.job, output: 'o' });
    await sdk.finalizeJob(client.ctx, { job: posted.job });
    const fees = (await sdk.showConfig(fx.admin.ctx)).feeLedger!.data;
    assert.equal(fees.stakerFees + fees.treasuryFees, 10_000n - (10_000n * 7_500n) / 10_000n);
    const treasury = await fx.balance(fx.init!.treasury);
    await sdk.sweepFees(client.ctx);
    assert.equal(await fx.balance(fx.init!.treasury), treasury + fees.treasuryFees);
    assert.equal(await fx.balance(fx.init!.stakingRewardVault), fees.stakerFees);
    await assert.rejects(sdk.sweepFees(client.ctx), (e: unknown) => isPeerMarketError(e, 'NothingToSweep'));
  });

  it('initializes the market alone when asked (no staking)', async () => {
    const other = await sdkFixture({ initialize: false });
    const vault = await other.actor();
    const r = await sdk.initializeMarket(other.admin.ctx, { usdcMint: other.usdcMint, peerMint: other.peerMint, staking: false, stakingRewardVault: vault.usdc });
    assert.equal(r.pool, null);
    const o = await sdk.showConfig(other.admin.ctx);
    assert.ok(o.config && !o.pool);
    assert.ok(o.config.data.stakingRewardVault.equals(vault.usdc));
    // Only the upgrade authority may initialize.
    const another = await sdkFixture({ initialize: false });
    const stranger = await another.actor({ usdc: USDC });
    await assert.rejects(
      sdk.initializeMarket(stranger.ctx, { usdcMint: another.usdcMint, peerMint: another.peerMint, staking: false, stakingRewardVault: stranger.usdc }),
      (e: unknown) => isPeerMarketError(e, 'NotUpgradeAuthority'),
    );
  });
});
