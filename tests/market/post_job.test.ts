/**
 * post_job and cancel_job: the job PDA from the credit account's nonce, credits locked in
 * escrow, and their release on cancel with the rent back to the client.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import {
  big,
  findJobPda,
  hash32,
  jobRequest,
  Market,
  MODEL_QWEN,
  statusOf,
  tierOf,
  nextJobNonce,
  nonCanonicalJobNonce,
  type Actor,
} from '../fixtures/embedded/market';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: post_job', () => {
  let m: Market;
  let client: Actor;
  let creditAccount: PublicKey;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: client, creditAccount } = await m.client(1_000n));
  });
  afterEach(() => assertConservation(m));

  it('creates the job at the nonce PDA, locks its max price and bumps the nonce', async () => {
    // Given a client with 1,000 credits and no job yet
    const lamports = await m.lamports(client.publicKey);
    const pinned = Keypair.generate().publicKey;
    const request = jobRequest({ tier: 'verified', model: MODEL_QWEN, maxPrice: 40n, seed: 77n, pinnedWorker: pinned, promptCommitment: hash32('p') });
    // When it posts a job
    const { result, job, nonce, bump } = await m.run(await m.postJobCall(client, request));
    // Then the job is the PDA ["job", client, nonce] for the first nonce whose bump is 255
    const expectedNonce = nextJobNonce(m.programId, client.publicKey, 0n);
    const [pda, canonical] = findJobPda(m.programId, client.publicKey, expectedNonce);
    assert.equal(nonce, expectedNonce);
    assert.equal(canonical, 255);
    assert.ok(job.equals(pda));
    assert.equal(bump, canonical);
    const j = await m.job(job);
    assert.ok(j.client.equals(client.publicKey));
    assert.equal(big(j.nonce), expectedNonce);
    assert.equal(tierOf(j.request.tier), 'verified');
    assert.deepEqual(j.request.model, MODEL_QWEN);
    assert.equal(big(j.request.maxPrice), 40n);
    assert.equal(big(j.request.seed), 77n);
    assert.deepEqual(j.request.promptCommitment, hash32('p'));
    assert.ok(j.request.pinnedWorker.equals(pinned));
    assert.equal(statusOf(j.status), 'open');
    assert.ok(j.worker.equals(PublicKey.default));
    assert.equal(big(j.price), 0n);
    assert.equal(j.attempts, 0);
    const now = await m.now();
    assert.equal(big(j.postedAt), now);
    assert.equal(big(j.openSince), now);
    assert.equal(j.bump, canonical);
    // and 40 credits moved from balance to locked, the nonce advanced
    const c = await m.credits(creditAccount);
    assert.equal(big(c.balance), 960n);
    assert.equal(big(c.locked), 40n);
    assert.equal(big(c.jobsPosted), expectedNonce + 1n);
    // and the client paid exactly the job's rent
    assert.equal(lamports - (await m.lamports(client.publicKey)), await m.rentFor(job));
    const ev = m.event(result, 'jobPosted');
    assert.ok((ev.job as PublicKey).equals(job));
    assert.equal((ev.nonce as BN).toString(), expectedNonce.toString());
    // A second job takes the next usable nonce
    const second = await m.postJob(client, { maxPrice: 1n });
    const secondNonce = nextJobNonce(m.programId, client.publicKey, expectedNonce + 1n);
    assert.equal(second.nonce, secondNonce);
    assert.ok(second.job.equals(findJobPda(m.programId, client.publicKey, secondNonce)[0]));
    await m.cancelJob(client, second.job);
    await m.cancelJob(client, job);
  });

  it('locks up to the whole free balance, and not one credit more (InsufficientCredits)', async () => {
    const { actor, creditAccount: mine } = await m.client(25n);
    await reject(m, await m.postJobCall(actor, jobRequest({ maxPrice: 26n })), 'InsufficientCredits');
    const { job } = await m.postJob(actor, { maxPrice: 25n });
    assert.equal(big((await m.credits(mine)).balance), 0n);
    await reject(m, await m.postJobCall(actor, jobRequest({ maxPrice: 1n })), 'InsufficientCredits');
    await m.cancelJob(actor, job);
  });

  it('refuses new jobs while the market is paused (MarketPaused), before any other check', async () => {
    await m.updateParams((p) => (p.paused = true));
    try {
      await reject(m, await m.postJobCall(client), 'MarketPaused');
      await reject(m, await m.postJobCall(client, jobRequest({ maxPrice: 0n })), 'MarketPaused');
    } finally {
      await m.updateParams((p) => (p.paused = false));
    }
  });

  it('rejects a zero model or a zero max price (InvalidJobRequest)', async () => {
    await reject(m, await m.postJobCall(client, jobRequest({ model: new Array<number>(32).fill(0) })), 'InvalidJobRequest');
    await reject(m, await m.postJobCall(client, jobRequest({ maxPrice: 0n })), 'InvalidJobRequest');
    // checked before the credits
    const { actor: poor } = await m.client(1n);
    const zeroModel = new Array<number>(32).fill(0);
    await reject(m, await m.postJobCall(poor, jobRequest({ model: zeroModel, maxPrice: 50n })), 'InvalidJobRequest');
    await reject(m, await m.postJobCall(client, jobRequest({ model: zeroModel }), { accounts: { creditAccount: m.creditAddress(poor.publicKey) } }), 'InvalidJobRequest');
  });

  it('refuses someone else\'s credit account (NotCreditOwner)', async () => {
    const { creditAccount: victim } = await m.client(100n);
    await reject(m, await m.postJobCall(client, jobRequest(), { accounts: { creditAccount: victim } }), 'NotCreditOwner');
  });

  it('rejects a nonce whose job PDA needs a bump below 255 (ConstraintSeeds)', async () => {
    const { nonce } = await m.postJobCall(client);
    const bad = nonCanonicalJobNonce(m.programId, client.publicKey, nonce);
    await reject(m, await m.postJobCall(client, jobRequest(), { nonce: bad }), 'ConstraintSeeds');
  });

  it('rejects a nonce below jobs_posted (StaleJobNonce)', async () => {
    const { job, nonce } = await m.postJob(client);
    await reject(m, await m.postJobCall(client, jobRequest(), { nonce: nonce, accounts: { job: Keypair.generate().publicKey } }), 'StaleJobNonce');
    await m.cancelJob(client, job);
  });

  it('rejects a job address for another nonce, client or no PDA at all (ConstraintSeeds)', async () => {
    const { nonce } = await m.postJobCall(client);
    const other = await m.actor();
    const cases = [
      findJobPda(m.programId, client.publicKey, nonce + 1n),
      findJobPda(m.programId, other.publicKey, nonce),
      [Keypair.generate().publicKey, findJobPda(m.programId, client.publicKey, nonce)[1]] as [PublicKey, number],
    ];
    if (nonce > 0n) cases.push(findJobPda(m.programId, client.publicKey, nonce - 1n));
    for (const [address] of cases) {
      await reject(m, await m.postJobCall(client, jobRequest(), { nonce, accounts: { job: address } }), 'ConstraintSeeds');
    }
  });

  it('cannot reuse the nonce of an earlier job, even once that job is closed (StaleJobNonce)', async () => {
    const { job, nonce } = await m.postJob(client);
    await m.cancelJob(client, job);
    await reject(m, await m.postJobCall(client, jobRequest(), { nonce, accounts: { job } }), 'StaleJobNonce');
  });

  it('rejects the credit account passed as the job (DuplicateMutableAccount)', async () => {
    await reject(m, await m.postJobCall(client, jobRequest(), { accounts: { job: creditAccount } }), 'DuplicateMutableAccount');
  });

  it('rejects a tier byte that names no tier (InstructionDidNotDeserialize)', async () => {
    const call = await m.postJobCall(client);
    call.ix.data = Buffer.from(call.ix.data);
    call.ix.data[8] = 3; // JobRequest.tier is the first byte after the discriminator
    await reject(m, call, 'InstructionDidNotDeserialize');
  });

  it('rejects an unsigned client, read-only accounts, a wrong config or system program and missing accounts', async () => {
    const unsigned = await m.postJobCall(client);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    for (const index of [0, 2, 3]) {
      const call = await m.postJobCall(client);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    await reject(m, await m.postJobCall(client, jobRequest(), { accounts: { config: m.accounts.feeLedger } }), 'ConstraintSeeds');
    await reject(m, await m.postJobCall(client, jobRequest(), { accounts: { systemProgram: m.programId } }), 'ConstraintAddress');
    const few = await m.postJobCall(client);
    few.ix.keys.splice(4);
    await reject(m, few, 'AccountNotEnoughKeys');
  });

  it('rejects a worker posing as the credit account (AccountDiscriminatorMismatch)', async () => {
    const { worker } = await m.registerWorker(client);
    await reject(m, await m.postJobCall(client, jobRequest(), { accounts: { creditAccount: worker } }), 'AccountDiscriminatorMismatch');
  });
});

describe('peer_market: cancel_job', () => {
  let m: Market;
  let client: Actor;
  let creditAccount: PublicKey;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: client, creditAccount } = await m.client(1_000n));
    matcher = (await m.addMatcher()).matcher;
  });
  afterEach(() => assertConservation(m));

  it('unlocks the credits, closes the job and returns its rent to the client', async () => {
    const lamports = await m.lamports(client.publicKey);
    const before = await m.credits(creditAccount);
    const { job, nonce } = await m.postJob(client, { maxPrice: 33n });
    const { result } = await m.cancelJob(client, job);
    assert.equal(await m.exists(job), false);
    assert.equal(await m.lamports(client.publicKey), lamports, 'every lamport of rent came back');
    const after = await m.credits(creditAccount);
    assert.equal(big(after.balance), big(before.balance));
    assert.equal(big(after.locked), big(before.locked));
    assert.ok(nonce >= big(before.jobsPosted));
    assert.equal(big(after.jobsPosted), nonce + 1n, 'the nonce is never reused');
    const ev = m.event(result, 'jobCancelled');
    assert.ok((ev.job as PublicKey).equals(job));
    assert.equal((ev.refunded as BN).toString(), '33');
  });

  it('refuses a signer who is not the job\'s client (NotJobClient)', async () => {
    const { job } = await m.postJob(client);
    const { actor: intruder } = await m.client(10n);
    await reject(m, await m.cancelJobCall(intruder, job), 'NotJobClient');
    await reject(m, await m.cancelJobCall(intruder, job, { accounts: { creditAccount } }), 'NotJobClient');
    await m.cancelJob(client, job);
  });

  it('refuses another client\'s credit account (NotCreditOwner)', async () => {
    const { job } = await m.postJob(client);
    const { creditAccount: other } = await m.client(10n);
    await reject(m, await m.cancelJobCall(client, job, { accounts: { creditAccount: other } }), 'NotCreditOwner');
    await m.cancelJob(client, job);
  });

  it('refuses a job somebody took (JobNotOpen)', async () => {
    const { actor: w, worker } = await m.readyWorker();
    const { job } = await m.postJob(client);
    await m.assignJob(matcher, job, worker);
    await reject(m, await m.cancelJobCall(client, job), 'JobNotOpen');
    await m.submitResult(w, job);
    await reject(m, await m.cancelJobCall(client, job), 'JobNotOpen');
    await m.finalizeJob(job);
  });

  it('cannot cancel a job twice: a closed job is gone (AccountNotInitialized)', async () => {
    const { job } = await m.postJob(client);
    await m.cancelJob(client, job);
    await reject(m, await m.cancelJobCall(client, job), 'AccountNotInitialized');
  });

  it('rejects accounts of the wrong type (AccountDiscriminatorMismatch)', async () => {
    const { job } = await m.postJob(client);
    const second = await m.postJob(client);
    // a job where the credit account belongs
    await reject(m, await m.cancelJobCall(client, job, { accounts: { creditAccount: second.job } }), 'AccountDiscriminatorMismatch');
    // a credit account where the job belongs
    const { creditAccount: other } = await m.client(1n);
    await reject(m, await m.cancelJobCall(client, other), 'AccountDiscriminatorMismatch');
    await m.cancelJob(client, job);
    await m.cancelJob(client, second.job);
  });

  it('rejects an unsigned client, read-only accounts and the same account twice', async () => {
    const { job } = await m.postJob(client);
    const unsigned = await m.cancelJobCall(client, job);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    for (const index of [0, 1, 2]) {
      const call = await m.cancelJobCall(client, job);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    await reject(m, await m.cancelJobCall(client, job, { accounts: { creditAccount: job } }), 'DuplicateMutableAccount');
    await m.cancelJob(client, job);
  });

  it('rejects missing accounts (AccountNotEnoughKeys)', async () => {
    const { job } = await m.postJob(client);
    const call = await m.cancelJobCall(client, job);
    call.ix.keys.splice(2);
    await reject(m, call, 'AccountNotEnoughKeys');
    await m.cancelJob(client, job);
  });
});
