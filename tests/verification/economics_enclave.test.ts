/**
 * Economic attacks on the confidential tier (issue 12), on litesvm (Ed25519 verified):
 * - wrong model in the enclave: a confidential job names the measurement it requires, and an
 *   enclave attested for another measurement can neither take it nor submit for it;
 * - attestation rollback: an older (earlier-expiring) attestation, even unexpired, cannot put
 *   an older measurement back.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startLiteSvm } from '../fixtures/embedded/litesvm';
import { DEFAULT_MEASUREMENT, hash32, jobRequest, type Actor } from '../fixtures/embedded/market';
import { Verification } from '../fixtures/embedded/verification';
import { reject } from '../harness/reject';
import { assertVerificationConservation, rejectV } from '../harness/verification';

describe('economics: enclaves serve the measurement the job names (litesvm)', () => {
  let v: Verification;
  let attestor: Keypair;
  let client: Actor;
  let matcher: Keypair;
  const OTHER_MODEL = hash32('tdx-measurement: another model');

  before(async () => {
    v = await Verification.create(await startLiteSvm(), undefined, { confidential: false });
    attestor = Keypair.generate();
    await v.setAttestationAuthority(attestor.publicKey);
    ({ actor: client } = await v.m.client(100_000n));
    ({ matcher } = await v.m.addMatcher());
  });
  afterEach(() => assertVerificationConservation(v));

  async function attestedWorker(measurement: number[]): Promise<{ actor: Actor; worker: PublicKey }> {
    const { actor, worker } = await v.m.readyWorker({ tiers: ['confidential'] });
    await v.registerEnclave(actor, await v.enclave(30 * 86_400, measurement), attestor);
    return { actor, worker };
  }

  it('a confidential job must name a measurement (MeasurementRequired)', async () => {
    await reject(v.m, await v.m.postJobCall(client, jobRequest({ tier: 'confidential', measurement: new Array<number>(32).fill(0) })), 'MeasurementRequired');
  });

  it('an enclave attested for another model can neither be assigned nor claim the job (MeasurementMismatch)', async () => {
    const wrong = await attestedWorker(OTHER_MODEL);
    const { job } = await v.m.postJob(client, { tier: 'confidential' }); // names DEFAULT_MEASUREMENT
    await reject(v.m, await v.m.assignJobCall(matcher, job, wrong.worker), 'MeasurementMismatch');
    await v.m.warp(v.params.claimDelaySecs);
    await reject(v.m, await v.m.claimJobCall(wrong.actor, job), 'MeasurementMismatch');
    // the right enclave serves it
    const right = await attestedWorker(DEFAULT_MEASUREMENT);
    await v.m.assignJob(matcher, job, right.worker);
    await v.m.warp(v.params.jobTimeoutSecs + 1);
    await v.m.expireJob(job);
    await v.m.cancelJob(client, job);
  });

  it('an enclave re-attested for another model after assignment cannot submit the result (MeasurementMismatch)', async () => {
    const w = await attestedWorker(DEFAULT_MEASUREMENT);
    const { job } = await v.m.postJob(client, { tier: 'confidential' });
    await v.m.assignJob(matcher, job, w.worker);
    const swapped = await v.enclave(31 * 86_400, OTHER_MODEL);
    await v.registerEnclave(w.actor, swapped, attestor);
    await rejectV(v, await v.submitConfidentialResultCall(w.actor, job, swapped.key), 'MeasurementMismatch');
    await v.m.warp(v.params.jobTimeoutSecs + 1);
    await v.m.expireJob(job);
    await v.m.cancelJob(client, job);
  });

  it('an older attestation, still unexpired, cannot roll the enclave back (StaleAttestation)', async () => {
    const { actor, worker } = await v.m.readyWorker({ tiers: ['confidential'] });
    const older = await v.enclave(10 * 86_400, OTHER_MODEL);
    const newer = await v.enclave(20 * 86_400, DEFAULT_MEASUREMENT);
    await v.registerEnclave(actor, older, attestor);
    await v.registerEnclave(actor, newer, attestor);
    await rejectV(v, await v.registerEnclaveCall(actor, older, attestor), 'StaleAttestation');
    const w = await v.worker(worker);
    assert.deepEqual([...w.enclaveMeasurement], DEFAULT_MEASUREMENT, 'the newer measurement stays');
    assert.equal(BigInt(w.enclaveExpiresAt.toString()), newer.expiresAt);
  });
});
