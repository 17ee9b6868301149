/**
 * Worker bonds and lifecycle: bond, request_unbond, withdraw_unbonded, pause/resume and
 * close_worker — every check with its named error and no state change.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { defaultParams } from '../fixtures/embedded/params';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, DEFAULT_PRICES, Market, PEER, workerSettings, type Actor } from '../fixtures/embedded/market';
import { mintSupply, tokenBalance } from '../fixtures/embedded/tokens';
import { cloneAccount, otherProgram } from '../harness/accounts';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: bond', () => {
  let m: Market;
  let a: Actor;
  let worker: PublicKey;
  let bondVault: PublicKey;

  before(async () => {
    m = await Market.create(await startEmbedded());
    a = await m.actor({ peer: 10_000n * PEER });
    ({ worker, bondVault } = await m.registerWorker(a));
  });
  afterEach(() => assertConservation(m));

  it('moves $PEER from the authority into the vault and adds it to the bond', async () => {
    const { result } = await m.run(await m.bondCall(a, 300n * PEER));
    await m.run(await m.bondCall(a, 7n));
    const w = await m.worker(worker);
    assert.equal(big(w.bond), 300n * PEER + 7n);
    assert.equal(await tokenBalance(m.context, bondVault), 300n * PEER + 7n);
    assert.equal(await tokenBalance(m.context, a.peer), 10_000n * PEER - 300n * PEER - 7n);
    const ev = m.event(result, 'bondChanged');
    assert.ok((ev.worker as PublicKey).equals(worker));
    assert.equal((ev.deposited as BN).toString(), (300n * PEER).toString());
    assert.equal((ev.withdrawn as BN).toString(), '0');
    assert.equal((ev.bond as BN).toString(), (300n * PEER).toString());
  });

  it('rejects a zero amount (InvalidAmount)', async () => {
    await reject(m, await m.bondCall(a, 0n), 'InvalidAmount');
  });

  it('refuses a signer that is not the authority (NotWorkerAuthority)', async () => {
    const intruder = await m.actor({ peer: 100n * PEER });
    await reject(m, await m.bondCall(intruder, 5n, { accounts: { worker, bondVault } }), 'NotWorkerAuthority');
  });

  it('rejects another worker\'s vault (ConstraintSeeds)', async () => {
    const b = await m.actor();
    const other = await m.registerWorker(b);
    await reject(m, await m.bondCall(a, 5n, { accounts: { bondVault: other.bondVault } }), 'ConstraintSeeds');
  });

  it('rejects a vault that is not the PDA: a $PEER account the attacker owns (ConstraintSeeds)', async () => {
    const fake = await m.tokenAccount(m.env.peerMint, a.publicKey);
    await reject(m, await m.bondCall(a, 5n, { accounts: { bondVault: fake } }), 'ConstraintSeeds');
  });

  it('rejects a source of another mint (WrongMint)', async () => {
    await m.mintUsdc(a.usdc, 1_000n);
    await reject(m, await m.bondCall(a, 5n, { accounts: { source: a.usdc } }), 'WrongMint');
  });

  it('rejects the vault as its own source (DuplicateMutableAccount)', async () => {
    await reject(m, await m.bondCall(a, 5n, { accounts: { source: bondVault } }), 'DuplicateMutableAccount');
  });

  it('rejects a credit account passed as the worker (AccountDiscriminatorMismatch)', async () => {
    const { creditAccount } = await m.buyCredits(a, 1n);
    await reject(m, await m.bondCall(a, 5n, { accounts: { worker: creditAccount } }), 'AccountDiscriminatorMismatch');
  });

  it('rejects a copy of the worker owned by another program (AccountOwnedByWrongProgram)', async () => {
    const forged = await cloneAccount(m, worker, { owner: otherProgram() });
    await reject(m, await m.bondCall(a, 5n, { accounts: { worker: forged } }), 'AccountOwnedByWrongProgram');
  });

  it('rejects an authority that did not sign, read-only accounts and a wrong token program', async () => {
    const unsigned = await m.bondCall(a, 5n);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    for (const index of [1, 2, 3]) {
      const call = await m.bondCall(a, 5n);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    await reject(m, await m.bondCall(a, 5n, { accounts: { tokenProgram: Keypair.generate().publicKey } }), 'ConstraintAddress');
  });
});

describe('peer_market: request_unbond and withdraw_unbonded', () => {
  let m: Market;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  it('starts the cooldown; a new request adds to the amount and restarts it', async () => {
    const { actor } = await m.readyWorker({}, 1_000n * PEER);
    const worker = m.workerAddress(actor.publicKey);
    const { result } = await m.requestUnbond(actor, 100n * PEER);
    let w = await m.worker(worker);
    assert.equal(big(w.unbonding), 100n * PEER);
    assert.equal(big(w.bond), 1_000n * PEER, 'the bond stays in the vault');
    const first = big(w.unbondAvailableAt);
    assert.equal(first, (await m.now()) + BigInt(m.params.unbondCooldownSecs));
    const ev = m.event(result, 'bondChanged');
    assert.equal((ev.unbonding as BN).toString(), (100n * PEER).toString());
    await m.warp(1_000);
    await m.requestUnbond(actor, 50n * PEER);
    w = await m.worker(worker);
    assert.equal(big(w.unbonding), 150n * PEER);
    assert.equal(big(w.unbondAvailableAt), first + 1_000n);
  });

  it('rejects zero (InvalidAmount), a stranger (NotWorkerAuthority) and more than the bond not already unbonding (InsufficientBond)', async () => {
    const { actor, worker } = await m.readyWorker({}, 500n * PEER);
    await reject(m, await m.requestUnbondCall(actor, 0n), 'InvalidAmount');
    const intruder = await m.actor();
    await m.registerWorker(intruder);
    await reject(m, await m.requestUnbondCall(intruder, 1n, { accounts: { worker } }), 'NotWorkerAuthority');
    await reject(m, await m.requestUnbondCall(actor, 500n * PEER + 1n), 'InsufficientBond');
    await m.requestUnbond(actor, 400n * PEER);
    await reject(m, await m.requestUnbondCall(actor, 100n * PEER + 1n), 'InsufficientBond');
    await m.requestUnbond(actor, 100n * PEER);
    await reject(m, await m.requestUnbondCall(actor, 1n), 'InsufficientBond');
  });

  it('checks the amount before the authority (InvalidAmount first)', async () => {
    const { worker } = await m.readyWorker({}, 500n * PEER);
    const intruder = await m.actor();
    await reject(m, await m.requestUnbondCall(intruder, 0n, { accounts: { worker } }), 'InvalidAmount');
  });

  it('rejects a job passed as the worker (AccountDiscriminatorMismatch) and an unsigned authority', async () => {
    const { actor } = await m.readyWorker({}, 500n * PEER);
    const { actor: client } = await m.client();
    const { job } = await m.postJob(client);
    await reject(m, await m.requestUnbondCall(actor, 1n, { accounts: { worker: job } }), 'AccountDiscriminatorMismatch');
    const call = await m.requestUnbondCall(actor, 1n);
    call.ix.keys[0].isSigner = false;
    call.signers = [];
    await reject(m, call, 'AccountNotSigner');
    await m.cancelJob(client, job);
  });

  it('withdraws nothing before a request (NothingUnbonding) nor before the cooldown (CooldownNotElapsed)', async () => {
    const { actor } = await m.readyWorker({}, 500n * PEER);
    await reject(m, await m.withdrawUnbondedCall(actor), 'NothingUnbonding');
    await m.requestUnbond(actor, 200n * PEER);
    await m.warp(m.params.unbondCooldownSecs - 1);
    await reject(m, await m.withdrawUnbondedCall(actor), 'CooldownNotElapsed');
  });

  it('withdraws exactly the unbonding amount once the cooldown has elapsed', async () => {
    const { actor, worker, bondVault } = await m.readyWorker({}, 500n * PEER);
    await m.requestUnbond(actor, 200n * PEER);
    const availableAt = big((await m.worker(worker)).unbondAvailableAt);
    await m.warp(Number(availableAt - (await m.now())));
    assert.equal(await m.now(), availableAt);
    const before = await tokenBalance(m.context, actor.peer);
    const { result } = await m.withdrawUnbonded(actor);
    const w = await m.worker(worker);
    assert.equal(big(w.bond), 300n * PEER);
    assert.equal(big(w.unbonding), 0n);
    assert.equal(await tokenBalance(m.context, bondVault), 300n * PEER);
    assert.equal((await tokenBalance(m.context, actor.peer)) - before, 200n * PEER);
    const ev = m.event(result, 'bondChanged');
    assert.equal((ev.withdrawn as BN).toString(), (200n * PEER).toString());
    await reject(m, await m.withdrawUnbondedCall(actor), 'NothingUnbonding');
  });

  it('keeps the bond its open jobs require (BondLocked), assigned or in their window', async () => {
    // Given a verified-tier worker 10 $PEER above the minimum, with one job assigned and one submitted
    const min = big(m.params.minBond[1]);
    const { actor, worker } = await m.readyWorker({ tiers: ['verified'] }, min + 10n * PEER);
    const { actor: client } = await m.client();
    const assigned = (await m.postJob(client, { tier: 'verified' })).job;
    const submitted = (await m.postJob(client, { tier: 'verified' })).job;
    await m.assignJob(matcher, assigned, worker);
    await m.assignJob(matcher, submitted, worker);
    await m.submitResult(actor, submitted);
    // When it asks for one base unit more than the surplus and the cooldown passes
    await m.requestUnbond(actor, 10n * PEER + 1n);
    await m.warp(m.params.unbondCooldownSecs);
    // Then the bond is locked by both jobs
    await reject(m, await m.withdrawUnbondedCall(actor), 'BondLocked');
    // and still locked by the submitted one once the assigned one expired
    await m.expireJob(assigned);
    assert.deepEqual((await m.worker(worker)).openJobs, [0, 1, 0]);
    await reject(m, await m.withdrawUnbondedCall(actor), 'BondLocked');
    // Once that job is finalized the whole request can leave
    await m.finalizeJob(submitted);
    await m.withdrawUnbonded(actor);
    // the expiry burned the job's value in $PEER (price × peer_per_credit)
    const expiryCost = DEFAULT_PRICES.verified * big(m.params.peerPerCredit);
    assert.equal(big((await m.worker(worker)).bond), min - 1n - expiryCost);
    await m.cancelJob(client, assigned);
  });

  it('lets a worker with an open job withdraw down to exactly the tier minimum', async () => {
    const min = big(m.params.minBond[0]);
    const { actor, worker } = await m.readyWorker({ tiers: ['open'] }, min + 10n * PEER);
    const { actor: client } = await m.client();
    const { job } = await m.postJob(client, { tier: 'open' });
    await m.assignJob(matcher, job, worker);
    await m.submitResult(actor, job);
    await m.requestUnbond(actor, 10n * PEER);
    await m.warp(m.params.unbondCooldownSecs);
    await m.withdrawUnbonded(actor);
    assert.equal(big((await m.worker(worker)).bond), min);
    await m.finalizeJob(job);
  });

  it('rejects a stranger, another worker\'s vault and a destination of another mint', async () => {
    const { actor, worker } = await m.readyWorker({}, 500n * PEER);
    const other = await m.readyWorker({}, 500n * PEER);
    await m.requestUnbond(actor, 100n * PEER);
    await m.requestUnbond(other.actor, 100n * PEER);
    await m.warp(m.params.unbondCooldownSecs);
    await reject(m, await m.withdrawUnbondedCall(other.actor, { accounts: { worker, bondVault: m.bondVaultAddress(worker) } }), 'NotWorkerAuthority');
    await reject(m, await m.withdrawUnbondedCall(actor, { accounts: { bondVault: other.bondVault } }), 'ConstraintSeeds');
    await reject(m, await m.withdrawUnbondedCall(actor, { accounts: { destination: actor.usdc } }), 'WrongMint');
    await reject(m, await m.withdrawUnbondedCall(actor, { accounts: { destination: m.bondVaultAddress(worker) } }), 'DuplicateMutableAccount');
  });
});

describe('peer_market: pause_worker and resume_worker', () => {
  let m: Market;
  let a: Actor;
  let worker: PublicKey;

  before(async () => {
    m = await Market.create(await startEmbedded());
    a = await m.actor();
    worker = (await m.registerWorker(a)).worker;
  });
  afterEach(() => assertConservation(m));

  it('pauses and resumes, idempotently, with WorkerPauseChanged', async () => {
    const { result } = await m.pauseWorker(a);
    assert.equal((await m.worker(worker)).paused, true);
    assert.equal(m.event(result, 'workerPauseChanged').paused, true);
    await m.pauseWorker(a);
    assert.equal((await m.worker(worker)).paused, true);
    const resumed = await m.resumeWorker(a);
    assert.equal((await m.worker(worker)).paused, false);
    assert.equal(m.event(resumed.result, 'workerPauseChanged').paused, false);
    await m.resumeWorker(a);
    assert.equal((await m.worker(worker)).paused, false);
  });

  it('refuses a stranger (NotWorkerAuthority) and an unsigned authority', async () => {
    const intruder = await m.actor();
    await reject(m, await m.pauseWorkerCall(intruder, { accounts: { worker } }), 'NotWorkerAuthority');
    await reject(m, await m.resumeWorkerCall(intruder, { accounts: { worker } }), 'NotWorkerAuthority');
    const call = await m.pauseWorkerCall(a);
    call.ix.keys[0].isSigner = false;
    call.signers = [];
    await reject(m, call, 'AccountNotSigner');
  });

  it('rejects a credit account posing as the worker (AccountDiscriminatorMismatch)', async () => {
    const { creditAccount } = await m.buyCredits(a, 1n);
    await reject(m, await m.pauseWorkerCall(a, { accounts: { worker: creditAccount } }), 'AccountDiscriminatorMismatch');
    await reject(m, await m.resumeWorkerCall(a, { accounts: { worker: creditAccount } }), 'AccountDiscriminatorMismatch');
  });
});

describe('peer_market: close_worker', () => {
  let m: Market;
  let matcher: Keypair;

  before(async () => {
    // A zero open-tier minimum, so a worker without any bond can still hold jobs.
    const params = defaultParams();
    params.minBond[0] = new BN(0);
    m = await Market.create(await startEmbedded(), params);
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  it('refuses while any bond, unbonding, job or earnings remain (WorkerBusy)', async () => {
    const { actor, worker } = await m.readyWorker({ tiers: ['open'] }, 0n);
    // a bond
    await m.bond(actor, 10n);
    await reject(m, await m.closeWorkerCall(actor), 'WorkerBusy');
    // all of it unbonding
    await m.requestUnbond(actor, 10n);
    await reject(m, await m.closeWorkerCall(actor), 'WorkerBusy');
    await m.warp(m.params.unbondCooldownSecs);
    await m.withdrawUnbonded(actor);
    // an assigned job
    const { actor: client } = await m.client();
    const { job } = await m.postJob(client, { tier: 'open' });
    await m.assignJob(matcher, job, worker);
    await reject(m, await m.closeWorkerCall(actor), 'WorkerBusy');
    // a submitted job in its window (open tier: finalizable at once, but not yet finalized)
    await m.submitResult(actor, job);
    await reject(m, await m.closeWorkerCall(actor), 'WorkerBusy');
    // unclaimed earnings
    await m.finalizeJob(job);
    assert.ok(big((await m.worker(worker)).earnings) > 0n);
    await reject(m, await m.closeWorkerCall(actor), 'WorkerBusy');
    // nothing left: it closes
    await m.claimEarnings(actor);
    await m.closeWorker(actor);
    assert.equal(await m.exists(worker), false);
  });

  it('closes worker and vault, returns both rents to the authority and any stray $PEER to the destination', async () => {
    const a = await m.actor();
    const { worker, bondVault } = await m.registerWorker(a);
    await m.mintPeer(bondVault, 42n); // a stray deposit, not part of any bond
    const rents = (await m.rentFor(worker)) + (await m.rentFor(bondVault));
    const lamports = await m.lamports(a.publicKey);
    const supply = await mintSupply(m.context, m.env.peerMint);
    const { result } = await m.closeWorker(a);
    assert.equal(await m.exists(worker), false);
    assert.equal(await m.exists(bondVault), false);
    assert.equal((await m.lamports(a.publicKey)) - lamports, rents);
    assert.equal(await tokenBalance(m.context, a.peer), 42n);
    assert.equal(await mintSupply(m.context, m.env.peerMint), supply, 'nothing burned');
    const ev = m.event(result, 'workerClosed');
    assert.ok((ev.worker as PublicKey).equals(worker));
    assert.ok((ev.authority as PublicKey).equals(a.publicKey));
  });

  it('re-registers a closed worker fresh, and the closed account is gone meanwhile', async () => {
    const { actor, worker } = await m.readyWorker({ tiers: ['open'] }, 0n);
    const { actor: client } = await m.client();
    const { job } = await m.postJob(client, { tier: 'open' });
    await m.assignJob(matcher, job, worker);
    await m.submitResult(actor, job);
    await m.finalizeJob(job);
    await m.claimEarnings(actor);
    assert.equal((await m.worker(worker)).reputation.jobsCompleted.toString(), '1');
    await m.closeWorker(actor);
    // a closed worker is not an account any more
    await reject(m, await m.pauseWorkerCall(actor), 'AccountNotInitialized');
    await reject(m, await m.bondCall(actor, 1n), 'AccountNotInitialized');
    // registering again starts from scratch
    await m.warp(100);
    await m.registerWorker(actor, workerSettings({ capacity: 2 }));
    const w = await m.worker(worker);
    assert.equal(w.reputation.jobsCompleted.toString(), '0');
    assert.equal(w.earnings.toString(), '0');
    assert.equal(w.settings.capacity, 2);
    assert.equal(w.registeredAt.toString(), (await m.now()).toString());
  });

  it('rejects a stranger, another worker\'s vault and a destination of another mint', async () => {
    const a = await m.actor();
    const { worker, bondVault } = await m.registerWorker(a);
    const b = await m.actor();
    const other = await m.registerWorker(b);
    await m.mintPeer(bondVault, 5n);
    await reject(m, await m.closeWorkerCall(b, { accounts: { worker, bondVault } }), 'NotWorkerAuthority');
    await reject(m, await m.closeWorkerCall(a, { accounts: { bondVault: other.bondVault } }), 'ConstraintSeeds');
    await reject(m, await m.closeWorkerCall(a, { accounts: { destination: a.usdc } }), 'WrongMint');
    await reject(m, await m.closeWorkerCall(a, { accounts: { destination: bondVault } }), 'DuplicateMutableAccount');
    const unsigned = await m.closeWorkerCall(a);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    await m.closeWorker(a);
    assert.equal(await tokenBalance(m.context, a.peer), 5n);
  });
});
