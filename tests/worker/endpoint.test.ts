/**
 * The worker node end to end on a local network (deployed and bootstrapped like `npm start`):
 * real generation on the demo model for all three tiers, streamed encrypted over SSE and
 * verified against the chain by the SDK's client; an unpinned job routed by the matcher, then
 * sealed to the worker it went to; a pinned job the worker claims itself; self-claim by the node
 * loop; bad input refused with nothing changed on chain; /v1/models, /health, /metrics.
 */
import { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import * as sdk from '../../sdk/src';
import { closeEngines, execute } from '../../worker/engine';
import type { RunningWorker } from '../../worker/service';
import { demoModel, demoProfile, startTestMarket, startTestWorker, type TestMarket } from './helpers';

describe('worker: the job endpoint on a local network', function () {
  this.timeout(600_000);
  let m: TestMarket;
  let w: RunningWorker & { lines: string[] };
  let modelId: Uint8Array;
  let openJob: PublicKey;
  const attestation = nacl.sign.keyPair();

  before(async () => {
    m = await startTestMarket();
    await sdk.updateConfig(m.adminCtx, { attestationAuthority: new PublicKey(attestation.publicKey) });
    w = await startTestWorker(m, {
      // Self-claim on, but the loop's own ticks far apart: the test ticks it.
      flags: { 'market.self_claim': true, 'market.poll_ms': 600_000, 'market.claim_earnings_above': '0.01', 'market.tiers': 'open,verified,confidential', 'confidential.enclave': 'dev', 'confidential.insecure_dev_enclave': true },
      // The test plays the attestation authority for the dev enclave (NOT hardware-attested).
      onEnclave: async (enclave, ctx) => {
        const expiresAt = (await sdk.fetchClock(m.transport)).unixTimestamp + 86_400n;
        const measurement = sdk.outputHash('dev enclave');
        const worker = sdk.findWorkerPda(m.workerKey.publicKey)[0];
        const attestationSignature = nacl.sign.detached(sdk.attestationMessage(worker, enclave.publicKey, measurement, expiresAt), attestation.secretKey);
        await sdk.registerEnclave(ctx, { enclaveKey: enclave.publicKey, measurement, expiresAt, attestationSignature, attestationAuthority: new PublicKey(attestation.publicKey) });
      },
    });
    modelId = new Uint8Array(Buffer.from(w.backend.models()[0].id, 'hex'));
  });

  after(async () => {
    await w?.stop();
    await closeEngines();
    await m?.close();
  });

  async function expectedOutput(request: Uint8Array, seed: bigint): Promise<string> {
    const r = await execute(demoProfile(), request, seed, sdk.decodeRequest(request).maxTokens, { modelPath: demoModel().path });
    return r.text;
  }

  it('registered itself with the profile id, endpoint, prices, bond and enclave', async () => {
    const s = await sdk.workerStatus(m.ctxOf(m.workerKey));
    assert.ok(s.exists && s.data);
    assert.deepEqual(s.data.settings.models[0], modelId);
    assert.equal(Buffer.from(modelId).toString('hex'), sdk.toHex(sdk.sha256(JSON.stringify(JSON.parse(require('../../worker/profile').canonicalProfile(demoProfile()))))));
    assert.equal(sdk.describeSettings(s.data.settings).endpoint, w.endpoint);
    assert.equal(s.effectiveBond, 5_000n * 1_000_000_000n);
    assert.deepEqual(s.data.enclaveKey, w.enclave!.publicKey);
    assert.ok(w.lines.some((l) => l.includes('worker.registered')));
    assert.ok(w.lines.some((l) => l.includes('DEV enclave: NOT hardware-attested')), 'the dev enclave says so');
  });

  it('open tier, pinned: the matcher assigns, the worker streams encrypted tokens, the result verifies on chain', async () => {
    const posted = await sdk.postJob(m.clientCtx, { prompt: 'The President said', maxTokens: 40, model: modelId, maxPrice: 10n, worker: w.worker, seed: 7n });
    openJob = posted.job;
    await sdk.assignJob(m.matcherCtx, { job: posted.job, worker: w.worker });
    const pieces: string[] = [];
    const r = await sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply, onText: (t) => pieces.push(t) });
    assert.ok(pieces.length > 1, 'tokens arrived as a stream');
    assert.equal(pieces.join(''), r.text);
    assert.ok(r.streamMatches && r.verified);
    assert.equal(r.text, await expectedOutput(posted.opening.request, 7n), 'the same bytes as a re-execution');
    const job = (await sdk.fetchJob(m.transport, posted.job)).data;
    assert.equal(job.status, 'submitted');
    assert.deepEqual(job.outputHash, sdk.outputHash(r.text));
    assert.ok(r.signature.length > 40);
    assert.ok(w.lines.some((l) => l.includes('job.done') && l.includes(posted.job.toBase58())), 'one line per job');
    // The stored result is served again (a client whose connection dropped).
    const again = await sdk.fetchWorkerResult(w.endpoint, posted.job);
    assert.equal(again?.outputHash, sdk.toHex(job.outputHash));
  });

  it('verified tier, unpinned: posted without a worker, routed by the matcher, then sealed to that worker (chat request)', async () => {
    const posted = await sdk.postOpenJob(m.clientCtx, { messages: [{ role: 'user', content: 'Tell me about the sea.' }], maxTokens: 32, model: modelId, maxPrice: 10n, tier: 'verified', seed: 99n });
    assert.equal(posted.envelope, null);
    const job0 = (await sdk.fetchJob(m.transport, posted.job)).data;
    assert.ok(job0.request.pinnedWorker.equals(PublicKey.default), 'not pinned');
    await assert.rejects(sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply }), /no worker to seal it to yet/);
    await sdk.assignJob(m.matcherCtx, { job: posted.job, worker: w.worker });
    const r = await sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply });
    assert.ok(r.worker.equals(w.worker));
    assert.equal(r.text, await expectedOutput(posted.opening.request, 99n));
    assert.equal((await sdk.fetchJob(m.transport, posted.job)).data.status, 'submitted');
  });

  it('confidential tier: sealed to the enclave key, signed by the (dev) enclave, checked on chain and by the client', async () => {
    const posted = await sdk.postJob(m.clientCtx, { prompt: 'Our nation', maxTokens: 24, model: modelId, maxPrice: 30n, tier: 'confidential', worker: w.worker, seed: 3n });
    // Sealed to the enclave: the worker's ordinary key cannot open it.
    assert.throws(() => sdk.openPrompt(posted.envelope, sdk.workerEncryptionKeypair(m.workerKey.secretKey)), sdk.CryptoError);
    await sdk.assignJob(m.matcherCtx, { job: posted.job, worker: w.worker });
    const r = await sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply });
    assert.equal(r.enclaveVerified, true);
    assert.equal(r.enclaveAttested, false, 'a dev enclave is reported as NOT hardware-attested');
    assert.equal(r.text, await expectedOutput(posted.opening.request, 3n));
  });

  it('a pinned job still open: 409 with retry_after before the claim delay, claimed by the worker itself after it', async () => {
    const posted = await sdk.postJob(m.clientCtx, { prompt: 'Whale', maxTokens: 16, model: modelId, maxPrice: 10n, worker: w.worker, seed: 5n });
    const sealed = await sdk.sealForAssignedWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply });
    await assert.rejects(
      sdk.submitToWorker({ endpoint: w.endpoint, job: posted.job, envelope: sealed.envelope, reply: posted.reply, workerKey: sealed.resultKey, waitForClaim: false }),
      (e: unknown) => e instanceof sdk.WorkerEndpointError && e.errorCode === 'not_yet_claimable' && (e.retryAfterS ?? 0) > 0,
    );
    assert.equal((await sdk.fetchJob(m.transport, posted.job)).data.status, 'open', 'nothing changed on chain');
    await m.warp(31);
    let accepted: sdk.AcceptedEvent | null = null;
    const r = await sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply, onAccepted: (a) => (accepted = a) });
    assert.equal(accepted!.claimed, true);
    assert.equal(r.text, await expectedOutput(posted.opening.request, 5n));
  });

  it('the node loop self-claims an eligible unpinned job after the claim delay, never beyond capacity', async () => {
    const a = await sdk.postOpenJob(m.clientCtx, { prompt: 'Call me', maxTokens: 16, model: modelId, maxPrice: 10n, seed: 11n });
    const b = await sdk.postOpenJob(m.clientCtx, { prompt: 'Freedom is', maxTokens: 16, model: modelId, maxPrice: 10n, seed: 12n });
    const c = await sdk.postOpenJob(m.clientCtx, { prompt: 'We the people', maxTokens: 16, model: modelId, maxPrice: 10n, seed: 13n });
    let report = await w.node.tick();
    assert.deepEqual(report.claimed, [], 'nothing before the claim delay');
    await m.warp(31);
    report = await w.node.tick();
    assert.equal(report.claimed.length, 2, 'capacity 2 (the default)');
    const status = await sdk.workerStatus(m.ctxOf(m.workerKey));
    assert.equal(status.data!.activeJobs, 2);
    assert.ok(w.lines.some((l) => l.includes('job.claimed')));
    // The client sees its job assigned and runs it there.
    for (const posted of [a, b, c]) {
      const st = (await sdk.fetchJob(m.transport, posted.job)).data;
      if (st.status !== 'assigned') continue;
      const r = await sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply });
      assert.equal(r.text, await expectedOutput(posted.opening.request, st.request.seed));
    }
    // A free slot now: the third is claimed on the next tick.
    report = await w.node.tick();
    assert.equal(report.claimed.length, 1);
  });

  it('bad input gets one clear error and changes nothing on chain', async () => {
    const posted = await sdk.postJob(m.clientCtx, { prompt: 'The sea', maxTokens: 16, model: modelId, maxPrice: 10n, worker: w.worker, seed: 1n });
    await sdk.assignJob(m.matcherCtx, { job: posted.job, worker: w.worker });
    const before = await m.transport.getAccounts([posted.job, w.worker]);
    const post = (body: string | object, headers: Record<string, string> = {}) =>
      fetch(`${w.endpoint}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const expectError = async (res: Response, status: number, code: string) => {
      assert.equal(res.status, status);
      const body = (await res.json()) as sdk.ErrorBody;
      assert.equal(body.error.code, code, body.error.message);
      assert.ok(body.error.message.length > 0);
    };
    await expectError(await post('{not json'), 400, 'bad_request');
    await expectError(await post({ job: 'xyz', envelope: 'AA==' }), 400, 'bad_request');
    await expectError(await post({ job: posted.job.toBase58(), envelope: '!!!' }), 400, 'bad_envelope');
    await expectError(await post({ job: posted.job.toBase58(), envelope: Buffer.from('garbage garbage garbage').toString('base64') }), 400, 'bad_envelope');
    await expectError(await post({ job: posted.job.toBase58(), envelope: 'A'.repeat(200_000) }), 413, 'too_large');
    await expectError(await post({ job: PublicKey.unique().toBase58(), envelope: Buffer.from(posted.envelope).toString('base64') }), 404, 'job_not_found');
    // A well-formed request whose opening does not match the on-chain commitment.
    const forged = sdk.sealPrompt({ job: posted.job, opening: sdk.commitRequest({ prompt: 'something else', maxTokens: 16 }), workerKey: sdk.workerEncryptionKeypair(m.workerKey.secretKey).publicKey, reply: posted.reply });
    await expectError(await post({ job: posted.job.toBase58(), envelope: Buffer.from(forged.envelope).toString('base64') }), 422, 'commitment_mismatch');
    // Sealed to another key.
    const other = sdk.sealPrompt({ job: posted.job, opening: posted.opening, workerKey: sdk.randomEncryptionKeypair().publicKey, reply: posted.reply });
    await expectError(await post({ job: posted.job.toBase58(), envelope: Buffer.from(other.envelope).toString('base64') }), 400, 'bad_envelope');
    const after = await m.transport.getAccounts([posted.job, w.worker]);
    assert.deepEqual(Buffer.from(after[0]!.data), Buffer.from(before[0]!.data), 'job unchanged');
    assert.deepEqual(Buffer.from(after[1]!.data), Buffer.from(before[1]!.data), 'worker unchanged');
    const metrics = await (await fetch(`${w.url}/metrics`)).text();
    assert.match(metrics, /peer_worker_refusals_total\{code="commitment_mismatch"\} 1/);
    // The real request still runs afterwards.
    const r = await sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply });
    assert.ok(r.verified);
    // And a second submission of the same job is refused without a second transaction.
    await expectError(await post({ job: posted.job.toBase58(), envelope: Buffer.from(posted.envelope).toString('base64') }), 409, 'already_submitted');
  });

  it('claims its USDC earnings once above the threshold', async () => {
    await sdk.finalizeJob(m.adminCtx, { job: openJob });
    const before = (await sdk.workerStatus(m.ctxOf(m.workerKey))).data!.earnings;
    assert.ok(before >= 10_000n);
    const report = await w.node.tick();
    assert.equal(report.earningsClaimed, before);
    assert.equal((await sdk.workerStatus(m.ctxOf(m.workerKey))).data!.earnings, 0n);
    assert.ok(w.lines.some((l) => l.includes('worker.earnings_claimed')));
  });

  it('/v1/models lists profiles, prices and capacity; /health and /metrics answer', async () => {
    const models = (await (await fetch(`${w.endpoint}/v1/models`)).json()) as sdk.ModelsResponse;
    assert.equal(models.worker, w.worker.toBase58());
    assert.equal(models.data[0].id, Buffer.from(modelId).toString('hex'));
    assert.equal(models.data[0].deterministic, true);
    assert.deepEqual(models.data[0].tiers.sort(), ['confidential', 'open', 'verified']);
    assert.equal(models.data[0].prices.open, '2');
    assert.equal(models.data[0].capacity, 2);
    assert.equal((models.data[0].profile as { sampler: { min_p: number } }).sampler.min_p, 0);
    const health = await fetch(`${w.url}/health`);
    assert.equal(health.status, 200);
    const metrics = await (await fetch(`${w.url}/metrics`)).text();
    assert.match(metrics, /peer_worker_jobs_total\{.*outcome="ok".*\} \d+/);
    assert.match(metrics, /peer_worker_time_to_first_token_seconds_count \d+/);
  });
});
