/**
 * The confidential tier end to end on litesvm (Ed25519 really verified): the admin sets the
 * attestation authority with update_config, a worker registers its attested enclave, a
 * confidential job is assigned (or claimed) only by a worker with a live enclave, the result
 * is submitted with the enclave's signature, and the job finalizes — or is challenged and the
 * worker slashed. Conservation holds throughout.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startLiteSvm } from '../fixtures/embedded/litesvm';
import { BPS, big, CREDIT_BASE_UNITS, hash32, statusOf, tierIndex, type Actor } from '../fixtures/embedded/market';
import { mintSupply, tokenBalance } from '../fixtures/embedded/tokens';
import { outcomeOf, Verification, type Enclave } from '../fixtures/embedded/verification';
import { reject } from '../harness/reject';
import { assertVerificationConservation, rejectV } from '../harness/verification';
import { n } from './helpers';

describe('peer_market confidential tier end to end (litesvm)', () => {
  let v: Verification;
  let attestor: Keypair;
  let client: Actor;
  let matcher: Keypair;

  before(async () => {
    v = await Verification.create(await startLiteSvm(), undefined, { confidential: false });
    ({ actor: client } = await v.m.client(100_000n));
    ({ matcher } = await v.m.addMatcher());
    attestor = Keypair.generate();
  });
  afterEach(() => assertVerificationConservation(v));

  async function ensureAttestation(): Promise<void> {
    if (!v.params.attestationAuthority.equals(attestor.publicKey)) await v.setAttestationAuthority(attestor.publicKey);
  }

  it('update_config → register enclave → assign → submit_confidential_result → finalize', async () => {
    const m = v.m;
    // 1. the admin enables the tier by naming the attestation authority
    const { result: updated } = await v.setAttestationAuthority(attestor.publicKey);
    assert.ok((await m.config()).params.attestationAuthority.equals(attestor.publicKey));
    assert.ok(m.event(updated, 'configUpdated'));

    // 2. a worker serving only the confidential tier, not yet attested: not eligible
    const { actor, worker } = await m.readyWorker({ tiers: ['confidential'] });
    const { job } = await m.postJob(client, { tier: 'confidential', maxPrice: 80n });
    await reject(m, await m.assignJobCall(matcher, job, worker), 'EnclaveNotRegistered');

    // 3. the attestation authority vouches for its enclave; now it is
    const enclave = await v.enclave(7 * 86_400);
    await v.registerEnclave(actor, enclave, attestor);
    await m.assignJob(matcher, job, worker);
    const price = n((await v.job(job)).price);
    assert.equal(price, 30n, 'the worker\'s confidential price');

    // 4. the enclave signs job || output_hash; the program checks it through the Ed25519 precompile
    const commitment = await m.resultFor(job, 'decrypted, answered, re-encrypted');
    await v.submitConfidentialResult(actor, job, enclave.key, commitment);
    const j = await v.job(job);
    assert.equal(statusOf(j.status), 'submitted');
    assert.deepEqual(j.outputHash, commitment.outputHash);

    // 5. the challenge window passes; anyone finalizes; the fee is split exactly
    await rejectV(v, await m.finalizeJobCall(job), 'ChallengeWindowOpen');
    await m.warp(m.params.challengeWindowSecs);
    const earnings = big((await v.worker(worker)).earnings);
    const ledger = await m.feeLedger();
    await m.finalizeJob(job);
    const fee = price * CREDIT_BASE_UNITS;
    const workerShare = (fee * BigInt(m.params.workerFeeBps)) / BPS;
    const staker = ((fee - workerShare) * BigInt(m.params.stakerShareBps)) / BPS;
    assert.equal(big((await v.worker(worker)).earnings), earnings + workerShare);
    const after = await m.feeLedger();
    assert.equal(big(after.stakerFees), big(ledger.stakerFees) + staker);
    assert.equal(big(after.treasuryFees), big(ledger.treasuryFees) + fee - workerShare - staker);
    assert.equal(await v.jobOrNull(job), null);
    const w = await v.worker(worker);
    assert.equal(big(w.reputation.jobsCompleted), 1n);
    assert.equal(w.openJobs[tierIndex('confidential')], 0);
  });

  describe('eligibility', () => {
    let actor: Actor;
    let worker: PublicKey;
    let enclave: Enclave;

    before(async () => {
      await ensureAttestation();
      ({ actor, worker } = await v.m.readyWorker({ tiers: ['confidential'] }));
    });

    it('checks the enclave after the other eligibility rules (PinnedToOtherWorker first)', async () => {
      const m = v.m;
      const other = await m.readyWorker({ tiers: ['confidential'] });
      const { job } = await m.postJob(client, { tier: 'confidential', pinnedWorker: other.worker });
      await reject(m, await m.assignJobCall(matcher, job, worker), 'PinnedToOtherWorker');
      await m.cancelJob(client, job);
    });

    it('claim_job also needs a registered enclave (EnclaveNotRegistered)', async () => {
      const m = v.m;
      const { job } = await m.postJob(client, { tier: 'confidential', pinnedWorker: worker });
      await m.warp(m.params.claimDelaySecs);
      await reject(m, await m.claimJobCall(actor, job), 'EnclaveNotRegistered');
      enclave = await v.enclave(600);
      await v.registerEnclave(actor, enclave, attestor);
      await m.claimJob(actor, job);
      await v.submitConfidentialResult(actor, job, enclave.key);
      await m.warp(m.params.challengeWindowSecs);
      await m.finalizeJob(job);
    });

    it('an expired enclave is no longer assigned or claims (EnclaveExpired) until re-attested', async () => {
      const m = v.m;
      enclave = await v.enclave(1_000);
      await v.registerEnclave(actor, enclave, attestor);
      const { expiresAt } = enclave;
      const { job } = await m.postJob(client, { tier: 'confidential' });
      await m.warp(1_000);
      assert.equal(await m.now(), expiresAt);
      await reject(m, await m.assignJobCall(matcher, job, worker), 'EnclaveExpired');
      await reject(m, await m.claimJobCall(actor, job), 'EnclaveExpired');
      const renewed = { ...enclave, expiresAt: expiresAt + 86_400n };
      await v.registerEnclave(actor, renewed, attestor);
      await m.assignJob(matcher, job, worker);
      await v.submitConfidentialResult(actor, job, renewed.key);
      await m.warp(m.params.challengeWindowSecs);
      await m.finalizeJob(job);
    });

    it('assigns one second before the expiry', async () => {
      const m = v.m;
      // past the previous attestation's expiry: a new one must expire later than it
      await m.warp(86_400);
      const short = await v.enclave(50);
      await v.registerEnclave(actor, short, attestor);
      const { job } = await m.postJob(client, { tier: 'confidential' });
      await m.warp(49);
      await m.assignJob(matcher, job, worker);
      await v.submitConfidentialResult(actor, job, short.key);
      await m.warp(m.params.challengeWindowSecs);
      await m.finalizeJob(job);
      await v.registerEnclave(actor, await v.enclave(), attestor);
    });
  });

  it('a confidential result can be challenged: the worker is slashed and the client refunded', async () => {
    const m = v.m;
    await ensureAttestation();
    const { actor } = await m.readyWorker({ tiers: ['confidential'] }, big(m.params.minBond[2]) + 999n);
    const enclave = await v.enclave();
    await v.registerEnclave(actor, enclave, attestor);
    const { job, worker, outputHash } = await v.submittedJob(client, actor, matcher, { tier: 'confidential', enclave, maxPrice: 90n });
    const challenger = await v.readyValidator();
    const truth = hash32('what the attested model really outputs');
    assert.notDeepEqual(truth, outputHash);
    const { challenge } = await v.challengeJob(challenger.actor, job, truth);
    const voters = await v.voters(3);
    await v.voteAll(challenge, voters, [truth, truth, truth]);
    const supply = await mintSupply(m.context, m.env.peerMint);
    const bond = big((await v.worker(worker)).bond);
    const credits = await m.credits(m.creditAddress(client.publicKey));
    const reward = await tokenBalance(m.context, challenger.vault);
    const { event } = await v.resolveChallenge(challenge);
    assert.equal(outcomeOf(event.outcome), 'challengerWon');
    const slash = (bond * BigInt(m.params.slashBps)) / BPS;
    const toChallenger = (slash * BigInt(m.params.challengerRewardBps)) / BPS;
    const toVoters = (slash * BigInt(m.params.voterRewardBps)) / BPS;
    assert.equal(await mintSupply(m.context, m.env.peerMint), supply - (slash - toChallenger - toVoters));
    assert.equal(await tokenBalance(m.context, challenger.vault), reward + toChallenger);
    assert.equal(big((await m.credits(m.creditAddress(client.publicKey))).balance), big(credits.balance) + 90n);
    assert.equal(await v.jobOrNull(job), null);
    for (const voter of voters) await v.closeVote(voter.actor, challenge);
  });
});
