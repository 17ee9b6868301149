/**
 * Every command through its function, against the real programs in bankrun: what it does on
 * chain, the human units it reads and prints, and the exact JSON shape of its output (the
 * stable contract of `--output json`).
 */
import { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sdk from '../../sdk/src';
import { adminConfigShowCommand } from '../../cli/commands/admin/config-show';
import { adminConfigUpdateCommand } from '../../cli/commands/admin/config-update';
import { adminInitCommand } from '../../cli/commands/admin/init';
import { claimCommand } from '../../cli/commands/claim';
import { creditsBalanceCommand } from '../../cli/commands/credits/balance';
import { creditsBuyCommand } from '../../cli/commands/credits/buy';
import { creditsRedeemCommand } from '../../cli/commands/credits/redeem';
import { jobCancelCommand } from '../../cli/commands/job/cancel';
import { jobPostCommand } from '../../cli/commands/job/post';
import { jobStatusCommand } from '../../cli/commands/job/status';
import { stakeCommand } from '../../cli/commands/stake';
import { statusCommand } from '../../cli/commands/status';
import { unstakeCommand } from '../../cli/commands/unstake';
import { validatorChallengeCommand } from '../../cli/commands/validator/challenge';
import { validatorRegisterCommand } from '../../cli/commands/validator/register';
import { validatorStatusCommand } from '../../cli/commands/validator/status';
import { validatorVoteCommand } from '../../cli/commands/validator/vote';
import { withdrawCommand } from '../../cli/commands/withdraw';
import { workerBondCommand } from '../../cli/commands/worker/bond';
import { workerClaimCommand } from '../../cli/commands/worker/claim';
import { workerPauseCommand, workerResumeCommand } from '../../cli/commands/worker/pause';
import { workerRegisterCommand } from '../../cli/commands/worker/register';
import { workerStatusCommand } from '../../cli/commands/worker/status';
import { workerUnbondCommand } from '../../cli/commands/worker/unbond';
import { workerUpdateCommand } from '../../cli/commands/worker/update';
import { workerWithdrawCommand } from '../../cli/commands/worker/withdraw';
import { PEER, USDC, type Actor } from '../sdk/helpers';
import { cliFixture, shape, type CliFixture } from './helpers';

const TX = { signature: 'string', mode: 'string', computeUnits: 'number', computeUnitLimit: 'number', priorityFeeMicroLamports: 'number', transaction: 'null', logs: 'null' };

describe('cli: commands (as functions)', () => {
  let fx: CliFixture;
  let staker: Actor;
  let worker: Actor;
  let client: Actor;
  let jobAddress: string;

  before(async () => {
    fx = await cliFixture();
    staker = await fx.actor({ peer: 1_000n * PEER });
    worker = await fx.actor({ peer: 10_000n * PEER });
    client = await fx.actor({ usdc: 100n * USDC });
  });

  it('admin init: pool and market in one transaction, parameters overridable', async () => {
    const other = await cliFixture({ initialize: false });
    const out = await adminInitCommand(other.cmd(other.admin), {
      usdcMint: other.usdcMint.toBase58(),
      peerMint: other.peerMint.toBase58(),
      params: { workerFeeBps: '7500', minBond: '1,2,3.5', poolMinStake: '0.5' },
    });
    assert.equal(out.params.workerFeeBps, '7500');
    assert.equal(out.params.minBond, '1,2,3.5');
    assert.equal(out.poolParams!.minStake, '0.5');
    assert.equal((await sdk.fetchConfig(other.transport, sdk.findConfigPda()[0])).data.params.minBond[2], 3_500_000_000n);
    assert.deepEqual(Object.keys(out), ['config', 'pool', 'treasury', 'stakingRewardVault', 'params', 'poolParams', 'tx']);
    assert.deepEqual(shape(out.tx), TX);
    assert.deepEqual(Object.keys(out.params).sort(), Object.keys(sdk.defaultMarketParams()).sort());
  });

  it('admin config show / update', async () => {
    const show = await adminConfigShowCommand(fx.cmd(client));
    assert.equal(show.params.workerFeeBps, '7000');
    assert.equal(show.params.minBond, '100,1000,5000');
    assert.equal(show.pool!.params.unstakeCooldownSecs, '604800');
    assert.deepEqual(shape(show), {
      config: 'string', admin: 'string', usdcMint: 'string', peerMint: 'string', peerDecimals: 'number', usdcVault: 'string', treasury: 'string', stakingRewardVault: 'string',
      params: Object.fromEntries(Object.keys(show.params).map((k) => [k, 'string'])),
      fees: { unsweptStakerFees: 'string', unsweptTreasuryFees: 'string', totalStakerFees: 'string', totalTreasuryFees: 'string', jobsFinalized: 'string' },
      pool: { address: 'string', admin: 'string', treasury: 'string', totalStaked: 'string', stakers: 'string', params: { unstakeCooldownSecs: 'string', minStake: 'string', rewardStreamSecs: 'string' } },
    });
    const up = await adminConfigUpdateCommand(fx.cmd(fx.admin), { params: { claimDelaySecs: '60', validatorMinBond: '900', poolUnstakeCooldownSecs: '7200' } });
    assert.deepEqual(up.changed, {
      claimDelaySecs: { from: '30', to: '60' },
      validatorMinBond: { from: '1000', to: '900' },
      poolUnstakeCooldownSecs: { from: '604800', to: '7200' },
    });
    assert.deepEqual(shape(up), { changed: shape(up.changed), marketTx: TX, poolTx: TX });
    await assert.rejects(adminConfigUpdateCommand(fx.cmd(fx.admin), { params: {} }), /nothing to update/);
    await assert.rejects(adminConfigUpdateCommand(fx.cmd(fx.admin), { params: { paused: 'yes' } }), /--paused must be true or false/);
    await assert.rejects(adminConfigUpdateCommand(fx.cmd(fx.admin), { params: { minBond: '1,2' } }), /--min-bond takes 3 comma-separated values/);
    await assert.rejects(adminConfigUpdateCommand(fx.cmd(client), { params: { claimDelaySecs: '30' } }), (e: unknown) => sdk.isPeerMarketError(e, 'Unauthorized'));
    await adminConfigUpdateCommand(fx.cmd(fx.admin), { params: { claimDelaySecs: '30' } });
  });

  it('stake / unstake / status / withdraw / claim', async () => {
    const st = await stakeCommand(fx.cmd(staker), { amount: '250.5' });
    assert.equal(st.amountBaseUnits, '250500000000');
    assert.equal(st.openedStaker, true);
    assert.deepEqual(shape(st), { staker: 'string', amount: 'string', amountBaseUnits: 'string', openedStaker: 'boolean', tx: TX });
    await assert.rejects(stakeCommand(fx.cmd(staker), { amount: '0.0000000001' }), /too many decimal places \(at most 9 for PEER\)/);
    await assert.rejects(stakeCommand(fx.cmd(staker), { amount: '-1' }), /must not be negative/);
    await assert.rejects(stakeCommand(fx.cmd(staker), { amount: '5000' }), (e: unknown) => sdk.isPeerStakingError(e, 'InsufficientFunds'));

    const un = await unstakeCommand(fx.cmd(staker), { amount: '0.5' });
    assert.deepEqual(shape(un), { staker: 'string', amount: 'string', amountBaseUnits: 'string', tx: TX });
    const s = await statusCommand(fx.cmd(staker), {});
    assert.deepEqual([s.active, s.cooling, s.withdrawableInSecs, s.claimable, s.shareBps], ['250', '0.5', '7200', '0', 10_000]);
    assert.deepEqual(shape(s), {
      owner: 'string', staker: 'string', exists: 'boolean', active: 'string', cooling: 'string', withdrawableInSecs: 'string', claimable: 'string', totalClaimed: 'string', shareBps: 'number',
      pool: { totalStaked: 'string', totalCooling: 'string', stakers: 'string', unstakeCooldownSecs: 'number', minStake: 'string' },
    });
    await assert.rejects(withdrawCommand(fx.cmd(staker)), (e: unknown) => sdk.isPeerStakingError(e, 'CooldownNotElapsed'));
    await fx.warp(7200);
    const w = await withdrawCommand(fx.cmd(staker));
    assert.deepEqual(shape(w), { staker: 'string', destination: 'string', tx: TX });
    assert.equal(await fx.balance(staker.peer), 750n * PEER);
    await assert.rejects(claimCommand(fx.cmd(staker)), (e: unknown) => sdk.isPeerStakingError(e, 'NothingToClaim'));
    const stranger = await statusCommand(fx.cmd(client), {});
    assert.equal(stranger.exists, false);
    assert.equal(stranger.withdrawableInSecs, null);
  });

  it('worker register / update / bond / unbond / pause / resume / status', async () => {
    const reg = await workerRegisterCommand(fx.cmd(worker), { tiers: 'open,verified', models: ['llama'], prices: ['open=0.05', 'verified=0.12'], capacity: '2', endpoint: 'https://w.example' });
    assert.deepEqual(shape(reg), { worker: 'string', bondVault: 'string', encryptionKey: 'string', tx: TX });
    await assert.rejects(workerRegisterCommand(fx.cmd(client), { tiers: 'open', models: ['x'], prices: ['open=0.001'], endpoint: 'e' }), /too many decimal places/);
    await assert.rejects(workerRegisterCommand(fx.cmd(client), { tiers: 'gold', models: ['x'], prices: ['open=1'], endpoint: 'e' }), /unknown tier "gold"/);
    await assert.rejects(workerRegisterCommand(fx.cmd(client), { tiers: 'open', models: ['x'], prices: ['open=1'] }), /--endpoint is required/);
    const up = await workerUpdateCommand(fx.cmd(worker), { capacity: '3', prices: ['open=0.04', 'verified=0.1'] });
    assert.deepEqual(up.changed, ['prices', 'capacity']);
    await assert.rejects(workerUpdateCommand(fx.cmd(worker), {}), /nothing to update/);
    const bond = await workerBondCommand(fx.cmd(worker), { amount: '1500' });
    assert.deepEqual(shape(bond), { worker: 'string', amount: 'string', amountBaseUnits: 'string', tx: TX });
    const unbond = await workerUnbondCommand(fx.cmd(worker), { amount: '100' });
    assert.equal(unbond.amountBaseUnits, '100000000000');
    assert.equal((await workerPauseCommand(fx.cmd(worker))).paused, true);
    assert.equal((await workerResumeCommand(fx.cmd(worker))).paused, false);
    const s = await workerStatusCommand(fx.cmd(worker));
    assert.deepEqual([s.bond, s.unbonding, s.bondedTiers, s.earnings, s.settings!.prices], ['1500', '100', ['open', 'verified'], '0', { open: '0.04', verified: '0.1' }]);
    assert.deepEqual(shape(s), {
      authority: 'string', worker: 'string', exists: 'boolean', paused: 'boolean', bond: 'string', unbonding: 'string', unbondReadyInSecs: 'string', bondedTiers: ['string'], earnings: 'string', activeJobs: 'number',
      reputation: { jobsCompleted: 'string', jobsExpired: 'string', challengesLost: 'string', averageLatencySlots: 'null' },
      settings: { tiers: ['string'], modelIds: ['string'], prices: { open: 'string', verified: 'string' }, capacity: 'number', endpoint: 'string', encryptionKey: 'string' },
    });
    assert.equal((await workerStatusCommand(fx.cmd(client))).exists, false);
    await assert.rejects(workerWithdrawCommand(fx.cmd(worker)), (e: unknown) => sdk.isPeerMarketError(e, 'CooldownNotElapsed'));
  });

  it('credits buy / redeem / balance', async () => {
    const buy = await creditsBuyCommand(fx.cmd(client), { amount: '12.5' });
    assert.deepEqual([buy.credits, buy.usd, buy.usdc], ['1250', '12.5', '12.5']);
    assert.deepEqual(shape(buy), { creditAccount: 'string', credits: 'string', usd: 'string', usdc: 'string', tx: TX });
    assert.equal(await fx.balance(client.usdc), 87_500_000n);
    await assert.rejects(creditsBuyCommand(fx.cmd(client), { amount: '12.505' }), /at most 2 for USD/);
    await assert.rejects(creditsBuyCommand(fx.cmd(client), { amount: '1000' }), (e: unknown) => e instanceof sdk.InsufficientFundsError);
    const red = await creditsRedeemCommand(fx.cmd(client), { amount: '2.5' });
    assert.equal(red.credits, '250');
    const bal = await creditsBalanceCommand(fx.cmd(client));
    assert.deepEqual(bal, {
      owner: client.publicKey.toBase58(), creditAccount: sdk.findCreditAccountPda(client.publicKey)[0].toBase58(), exists: true,
      credits: '1000', usd: '10', lockedCredits: '0', lockedUsd: '0', jobsPosted: '0',
    });
  });

  it('job post / status (with the result verified) / cancel', async () => {
    writeFileSync(join(fx.home, 'prompt.txt'), 'Translate "bonjour"');
    const post = await jobPostCommand(fx.cmd(client), { model: 'llama', maxPrice: '0.5', promptFile: 'prompt.txt', envelopeOut: 'envelope.bin' });
    jobAddress = post.job;
    assert.equal(post.maxPriceCredits, '50');
    assert.equal(post.envelope, null);
    assert.equal(post.envelopeFile, join(fx.home, 'envelope.bin'));
    assert.deepEqual(shape(post), {
      job: 'string', worker: 'string', nonce: 'string', tier: 'string', modelId: 'string', maxPriceCredits: 'string', maxPriceUsd: 'string', seed: 'string', promptCommitment: 'string',
      envelopeFile: 'string', envelope: 'null', tx: TX,
    });
    const open = await jobStatusCommand(fx.cmd(client), { job: post.job });
    assert.equal(open.status, 'open');
    assert.equal(open.worker, null);

    // The worker takes it and answers; the client verifies the result file.
    const envelope = new Uint8Array(readFileSync(join(fx.home, 'envelope.bin')));
    assert.equal(sdk.decryptPrompt(worker.ctx, envelope).prompt, 'Translate "bonjour"');
    await fx.warp(31);
    await sdk.claimJob(worker.ctx, { job: new PublicKey(post.job) });
    const sub = await sdk.submitResult(worker.ctx, { job: new PublicKey(post.job), output: 'hello', promptEnvelope: envelope });
    writeFileSync(join(fx.home, 'result.bin'), sub.envelope!);
    assert.equal((await jobStatusCommand(fx.cmd(client), { job: post.job, wait: true })).status, 'submitted');
    const done = await jobStatusCommand(fx.cmd(client), { job: post.job, resultFile: 'result.bin' });
    assert.equal(done.status, 'submitted');
    assert.deepEqual(done.result, { text: 'hello', outputHash: sdk.toHex(sdk.outputHash('hello')), verified: true, enclaveVerified: null });
    assert.deepEqual(shape(done), {
      job: 'string', status: 'string', client: 'string', worker: 'string', tier: 'string', modelId: 'string', maxPriceUsd: 'string', priceUsd: 'string', attempts: 'number',
      postedAt: 'string', deadline: 'null', challengeDeadline: 'string', outputHash: 'string',
      result: { text: 'string', outputHash: 'string', verified: 'boolean', enclaveVerified: 'null' },
    });
    await assert.rejects(jobStatusCommand(fx.cmd(client), { job: post.job, resultFile: 'missing.bin' }), /result file not found/);
    await sdk.finalizeJob(client.ctx, { job: sub.job });
    assert.equal((await jobStatusCommand(fx.cmd(client), { job: post.job })).status, 'closed');

    const inline = await jobPostCommand(fx.cmd(client), { model: 'llama', maxPrice: '0.5', prompt: 'x', tier: 'open', seed: '7' });
    assert.ok(inline.envelope && Buffer.from(inline.envelope, 'base64').length > 58);
    assert.equal(inline.seed, '7');
    await assert.rejects(jobStatusCommand(fx.cmd(client), { job: inline.job, wait: true, timeout: '0' }), /is still open after 0 ms/);
    const cancel = await jobCancelCommand(fx.cmd(client), { job: inline.job });
    assert.deepEqual(shape(cancel), { job: 'string', tx: TX });
    await assert.rejects(jobPostCommand(fx.cmd(client), { model: 'llama', maxPrice: '0.5' }), /exactly one of --prompt and --prompt-file/);
    await assert.rejects(jobPostCommand(fx.cmd(client), { model: 'llama', maxPrice: '0.5', prompt: 'x', seed: '-1' }), /--seed/);
    await assert.rejects(jobStatusCommand(fx.cmd(client), { job: 'not-an-address' }), /job is not a valid address/);
  });

  it('worker claim / withdraw', async () => {
    const claim = await workerClaimCommand(fx.cmd(worker));
    assert.deepEqual(shape(claim), { worker: 'string', destination: 'string', tx: TX });
    assert.equal(await fx.balance(worker.usdc), 28_000n, '70% of 4 credits');
    await fx.warp(7 * 86_400);
    const w = await workerWithdrawCommand(fx.cmd(worker));
    assert.deepEqual(shape(w), { worker: 'string', tx: TX });
  });

  it('validator register / challenge / vote (commit and reveal) / status', async () => {
    const vs: Actor[] = [];
    for (let i = 0; i < 4; i++) vs.push(await fx.actor({ peer: 2_000n * PEER }));
    for (const v of vs) {
      const r = await validatorRegisterCommand(fx.cmd(v), { amount: '1200' });
      assert.deepEqual(shape(r), { validator: 'string', vault: 'string', bond: 'string', bondBaseUnits: 'string', tx: TX });
    }
    await sdk.updateWorker(worker.ctx, { tiers: ['open', 'verified'] });
    await sdk.bondWorker(worker.ctx, { amount: 1_000n * PEER });
    const posted = await sdk.postJob(client.ctx, { prompt: 'q', model: 'llama', maxPrice: 50n, tier: 'verified' });
    await fx.warp(31);
    await sdk.claimJob(worker.ctx, { job: posted.job });
    await sdk.submitResult(worker.ctx, { job: posted.job, output: 'a1' });
    writeFileSync(join(fx.home, 'mine.txt'), 'a2');
    const ch = await validatorChallengeCommand(fx.cmd(vs[0]), { job: posted.job.toBase58(), outputFile: 'mine.txt' });
    assert.equal(ch.outputHash, sdk.toHex(sdk.outputHash('a2')));
    assert.deepEqual(shape(ch), { validator: 'string', challenge: 'string', job: 'string', outputHash: 'string', tx: TX });
    for (const v of vs.slice(1)) {
      const c = await validatorVoteCommand(fx.cmd(v), { challenge: ch.challenge, outputHash: sdk.toHex(sdk.outputHash('a1')) });
      assert.equal(c.phase, 'commit');
      assert.deepEqual(shape(c), { validator: 'string', challenge: 'string', vote: 'string', phase: 'string', outputHash: 'string', commitment: 'string', tx: TX });
    }
    await fx.warp(1801);
    for (const v of vs.slice(1)) {
      const r = await validatorVoteCommand(fx.cmd(v), { challenge: ch.challenge, outputHash: sdk.toHex(sdk.outputHash('a1')), reveal: true });
      assert.equal(r.commitment, null);
    }
    await assert.rejects(validatorVoteCommand(fx.cmd(vs[1]), { challenge: ch.challenge }), /exactly one of --output-hash and --output-file/);
    await assert.rejects(validatorVoteCommand(fx.cmd(vs[1]), { challenge: ch.challenge, outputHash: 'abc' }), /64 hex digits/);
    await sdk.resolveChallenge(client.ctx, { challenge: new PublicKey(ch.challenge) });
    const s = await validatorStatusCommand(fx.cmd(vs[0]));
    // The lost challenge forfeits its bond: challenge_bond (100) plus the job's value in $PEER (1).
    assert.deepEqual([s.bond, s.challengesLost, s.openChallenges], ['1099', '1', 0]);
    assert.deepEqual(shape(s), {
      authority: 'string', validator: 'string', exists: 'boolean', bond: 'string', locked: 'string', openChallenges: 'number', challengesWon: 'string', challengesLost: 'string', votesRevealed: 'string', closableInSecs: 'null',
    });
  });
});
