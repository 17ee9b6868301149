/**
 * expire_job (anyone, after a missed deadline): the job returns to the queue, or once out of
 * attempts is refunded and closed; an optional timeout slash burns part of the worker's bond.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { defaultParams } from '../fixtures/embedded/params';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, BPS, DEFAULT_PRICES, Market, PEER, statusOf, type Actor } from '../fixtures/embedded/market';
import { mintSupply, tokenBalance } from '../fixtures/embedded/tokens';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: expire_job', () => {
  let m: Market;
  let client: Actor;
  let creditAccount: PublicKey;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: client, creditAccount } = await m.client(100_000n));
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  async function assigned(maxPrice = 50n): Promise<{ actor: Actor; worker: PublicKey; job: PublicKey }> {
    const { actor, worker } = await m.readyWorker();
    const { job } = await m.postJob(client, { maxPrice });
    await m.assignJob(matcher, job, worker);
    return { actor, worker, job };
  }

  it('returns a job whose deadline passed to the queue, keeping its credits locked', async () => {
    const { worker, job } = await assigned();
    await m.warp(m.params.jobTimeoutSecs + 1);
    const locked = big((await m.credits(creditAccount)).locked);
    const { result } = await m.expireJob(job);
    const j = await m.job(job);
    assert.equal(statusOf(j.status), 'open');
    assert.ok(j.worker.equals(PublicKey.default));
    assert.equal(big(j.price), 0n);
    assert.equal(j.attempts, 1);
    assert.equal(big(j.openSince), await m.now());
    const w = await m.worker(worker);
    assert.equal(w.activeJobs, 0);
    assert.deepEqual(w.openJobs, [0, 0, 0]);
    assert.equal(big(w.reputation.jobsExpired), 1n);
    assert.equal(big((await m.credits(creditAccount)).locked), locked);
    const ev = m.event(result, 'jobExpired');
    assert.ok((ev.job as PublicKey).equals(job));
    assert.ok((ev.worker as PublicKey).equals(worker));
    assert.equal(ev.requeued, true);
    assert.equal((ev.refunded as BN).toString(), '0');
    // timeout_slash_bps is 0 by default: the expiry costs the job's value in $PEER (price × peer_per_credit)
    const jobValue = DEFAULT_PRICES.open * big(m.params.peerPerCredit);
    assert.equal((ev.slashed as BN).toString(), jobValue.toString());
    // and this worker may never take the job again
    assert.equal(big(j.excludedWorkers[0]), worker.toBuffer().readBigUInt64LE(0));
    await reject(m, await m.assignJobCall(matcher, job, worker), 'WorkerExcluded');
    await m.cancelJob(client, job);
  });

  it('refunds and closes the job after max_job_attempts assignments, rent back to the client', async () => {
    const lamports = await m.lamports(client.publicKey);
    const before = await m.credits(creditAccount);
    const { job } = await m.postJob(client, { maxPrice: 21n });
    const workers = [];
    for (let i = 0; i < m.params.maxJobAttempts; i++) workers.push((await m.readyWorker()).worker);
    let last;
    for (let attempt = 1; attempt <= m.params.maxJobAttempts; attempt++) {
      await m.assignJob(matcher, job, workers[attempt - 1]);
      assert.equal((await m.job(job)).attempts, attempt);
      await m.warp(m.params.jobTimeoutSecs + 1);
      last = await m.expireJob(job);
    }
    assert.equal(await m.exists(job), false);
    assert.equal(await m.lamports(client.publicKey), lamports, 'the rent came back in full');
    const after = await m.credits(creditAccount);
    assert.equal(big(after.balance), big(before.balance));
    assert.equal(big(after.locked), big(before.locked));
    const ev = m.event(last!.result, 'jobExpired');
    assert.equal(ev.requeued, false);
    assert.equal((ev.refunded as BN).toString(), '21');
    for (const w of workers) assert.equal(big((await m.worker(w)).reputation.jobsExpired), 1n);
    // a refunded job is gone for good
    await reject(m, await m.expireJobCall(job, { accounts: { worker: workers[2], bondVault: m.bondVaultAddress(workers[2]), client: client.publicKey } }), 'AccountNotInitialized');
  });

  it('refuses a job that is not assigned (JobNotAssigned): open or submitted', async () => {
    const { job: open } = await m.postJob(client);
    const { worker } = await m.readyWorker();
    await reject(m, await m.expireJobCall(open, { accounts: { worker, bondVault: m.bondVaultAddress(worker) } }), 'JobNotAssigned');
    const done = await assigned();
    await m.submitResult(done.actor, done.job);
    await m.warp(m.params.jobTimeoutSecs + 1);
    await reject(m, await m.expireJobCall(done.job), 'JobNotAssigned');
    await m.cancelJob(client, open);
  });

  it('refuses before the deadline has passed, even at the deadline itself (DeadlineNotReached)', async () => {
    const { job } = await assigned();
    await reject(m, await m.expireJobCall(job), 'DeadlineNotReached');
    await m.warp(m.params.jobTimeoutSecs);
    assert.equal(await m.now(), big((await m.job(job)).deadline));
    await reject(m, await m.expireJobCall(job), 'DeadlineNotReached');
    await m.warp(1);
    await m.expireJob(job);
    await m.cancelJob(client, job);
  });

  it('refuses a worker other than the job\'s (WrongWorker)', async () => {
    const { job } = await assigned();
    const { worker: other } = await m.readyWorker();
    await m.warp(m.params.jobTimeoutSecs + 1);
    await reject(m, await m.expireJobCall(job, { accounts: { worker: other, bondVault: m.bondVaultAddress(other) } }), 'WrongWorker');
  });

  it('refuses a rent receiver that is not the job\'s client (NotJobClient)', async () => {
    const { job } = await assigned();
    const { actor: other, creditAccount: otherCredits } = await m.client(10n);
    await m.warp(m.params.jobTimeoutSecs + 1);
    await reject(m, await m.expireJobCall(job, { accounts: { client: other.publicKey } }), 'NotJobClient');
    await reject(m, await m.expireJobCall(job, { accounts: { creditAccount: otherCredits, client: other.publicKey } }), 'NotJobClient');
  });

  it('refuses a credit account that is not the job\'s client\'s (NotJobClient)', async () => {
    const { job } = await assigned();
    const { creditAccount: otherCredits } = await m.client(10n);
    await m.warp(m.params.jobTimeoutSecs + 1);
    await reject(m, await m.expireJobCall(job, { accounts: { creditAccount: otherCredits } }), 'NotJobClient');
  });

  it('refuses a $PEER mint other than the config\'s (WrongMint) and a vault other than the worker\'s (ConstraintSeeds)', async () => {
    const { job } = await assigned();
    const { bondVault: otherVault } = await m.readyWorker();
    await m.warp(m.params.jobTimeoutSecs + 1);
    await reject(m, await m.expireJobCall(job, { accounts: { peerMint: m.env.usdcMint } }), 'WrongMint');
    await reject(m, await m.expireJobCall(job, { accounts: { bondVault: otherVault } }), 'ConstraintSeeds');
  });

  it('rejects read-only accounts, accounts of the wrong type and the same account twice', async () => {
    const { job, worker } = await assigned();
    await m.warp(m.params.jobTimeoutSecs + 1);
    for (const index of [1, 2, 3, 4, 5, 6]) {
      const call = await m.expireJobCall(job);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    await reject(m, await m.expireJobCall(job, { accounts: { worker: creditAccount } }), 'DuplicateMutableAccount');
    // the job names its worker, so another account there is WrongWorker whatever its type
    const { creditAccount: other } = await m.client(1n);
    await reject(m, await m.expireJobCall(job, { accounts: { worker: other } }), 'WrongWorker');
    // a Worker where the CreditAccount belongs, a CreditAccount where the Job belongs
    const stranger = (await m.registerWorker(await m.actor())).worker;
    await reject(m, await m.expireJobCall(job, { accounts: { creditAccount: stranger } }), 'AccountDiscriminatorMismatch');
    await reject(m, await m.expireJobCall(other, { accounts: { worker, bondVault: m.bondVaultAddress(worker), client: client.publicKey } }), 'AccountDiscriminatorMismatch');
    await reject(m, await m.expireJobCall(job, { accounts: { config: m.accounts.feeLedger } }), 'ConstraintSeeds');
    await reject(m, await m.expireJobCall(job, { accounts: { tokenProgram: Keypair.generate().publicKey } }), 'ConstraintAddress');
  });

  it('checks in order: JobNotAssigned, DeadlineNotReached, WrongWorker, NotJobClient, WrongMint, ConstraintSeeds', async () => {
    const { job } = await assigned();
    const { worker: other, bondVault: otherVault } = await m.readyWorker();
    const { actor: stranger } = await m.client(1n);
    const everythingWrong = { worker: other, client: stranger.publicKey, peerMint: m.env.usdcMint, bondVault: otherVault };
    await reject(m, await m.expireJobCall(job, { accounts: everythingWrong }), 'DeadlineNotReached');
    await m.warp(m.params.jobTimeoutSecs + 1);
    await reject(m, await m.expireJobCall(job, { accounts: everythingWrong }), 'WrongWorker');
    await reject(m, await m.expireJobCall(job, { accounts: { client: stranger.publicKey, peerMint: m.env.usdcMint, bondVault: otherVault } }), 'NotJobClient');
    await reject(m, await m.expireJobCall(job, { accounts: { peerMint: m.env.usdcMint, bondVault: otherVault } }), 'WrongMint');
    await reject(m, await m.expireJobCall(job, { accounts: { bondVault: otherVault } }), 'ConstraintSeeds');
    const { job: open } = await m.postJob(client);
    await reject(m, await m.expireJobCall(open, { accounts: everythingWrong }), 'JobNotAssigned');
    await m.expireJob(job);
    await m.cancelJob(client, job);
    await m.cancelJob(client, open);
  });

  it('needs no signer: anyone may expire', async () => {
    const { job } = await assigned();
    await m.warp(m.params.jobTimeoutSecs + 1);
    const call = await m.expireJobCall(job);
    assert.equal(call.signers.length, 0);
    assert.ok(call.ix.keys.every((k) => !k.isSigner));
    await m.run(call);
    await m.cancelJob(client, job);
  });
});

describe('peer_market: expire_job timeout slash', () => {
  let m: Market;
  let client: Actor;
  let matcher: Keypair;

  before(async () => {
    const params = defaultParams();
    params.minBond[0] = new BN(0);
    m = await Market.create(await startEmbedded(), params);
    ({ actor: client } = await m.client(10_000n));
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  it('burns floor(bond × timeout_slash_bps / 10000) from the vault: the $PEER supply falls by exactly that', async () => {
    await m.updateParams((p) => (p.timeoutSlashBps = 250));
    const bond = 5_000n * PEER + 1_234_567n;
    const { worker, bondVault } = await m.readyWorker({ tiers: ['open'] }, bond);
    const { job } = await m.postJob(client);
    await m.assignJob(matcher, job, worker);
    await m.warp(m.params.jobTimeoutSecs + 1);
    const supply = await mintSupply(m.context, m.env.peerMint);
    const { result } = await m.expireJob(job);
    const share = (bond * 250n) / BPS;
    assert.equal(share, 125n * PEER + 30_864n, 'floor of 2.5% of the bond');
    const slash = share + DEFAULT_PRICES.open * big(m.params.peerPerCredit);
    assert.equal(supply - (await mintSupply(m.context, m.env.peerMint)), slash);
    assert.equal(await tokenBalance(m.context, bondVault), bond - slash);
    assert.equal(big((await m.worker(worker)).bond), bond - slash);
    assert.equal((m.event(result, 'jobExpired').slashed as BN).toString(), slash.toString());
    await m.cancelJob(client, job);
  });

  it('keeps unbonding within the slashed bond', async () => {
    await m.updateParams((p) => (p.timeoutSlashBps = 1_000));
    const { actor, worker } = await m.readyWorker({ tiers: ['open'] }, 999n);
    const { job } = await m.postJob(client);
    await m.assignJob(matcher, job, worker);
    await m.requestUnbond(actor, 999n);
    await m.warp(m.params.jobTimeoutSecs + 1);
    await m.expireJob(job);
    const w = await m.worker(worker);
    // 10% of 999 plus the job's value (far more than the bond): the whole bond
    assert.equal(big(w.bond), 0n);
    assert.equal(big(w.unbonding), 0n);
    await m.cancelJob(client, job);
  });

  it('burns nothing from a worker without a bond, and only the job\'s value when timeout_slash_bps is 0', async () => {
    await m.updateParams((p) => (p.timeoutSlashBps = 1_000));
    const { worker } = await m.readyWorker({ tiers: ['open'] }, 0n);
    const { job } = await m.postJob(client);
    await m.assignJob(matcher, job, worker);
    await m.warp(m.params.jobTimeoutSecs + 1);
    const supply = await mintSupply(m.context, m.env.peerMint);
    const { result } = await m.expireJob(job);
    assert.equal((m.event(result, 'jobExpired').slashed as BN).toString(), '0');
    assert.equal(await mintSupply(m.context, m.env.peerMint), supply);

    await m.updateParams((p) => (p.timeoutSlashBps = 0));
    const bonded = await m.readyWorker({ tiers: ['open'] }, 1_000n * PEER);
    const supplyBefore = await mintSupply(m.context, m.env.peerMint);
    await m.assignJob(matcher, job, bonded.worker);
    await m.warp(m.params.jobTimeoutSecs + 1);
    await m.expireJob(job);
    // with timeout_slash_bps 0, only the job's value is burned
    const jobValue = DEFAULT_PRICES.open * big(m.params.peerPerCredit);
    assert.equal(big((await m.worker(bonded.worker)).bond), 1_000n * PEER - jobValue);
    assert.equal(await mintSupply(m.context, m.env.peerMint), supplyBefore - jobValue);
    await m.cancelJob(client, job);
  });
});
