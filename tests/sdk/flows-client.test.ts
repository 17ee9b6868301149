/**
 * Client flows against the real programs: credits in and out (exact USDC), a job posted with
 * its prompt encrypted to the worker, followed, and its result decrypted and verified against
 * the on-chain commitment; cancellation; confidential jobs with an enclave signature.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import * as sdk from '../../sdk/src';
import { CryptoError, isPeerMarketError } from '../../sdk/src';
import { PEER, sdkFixture, USDC, type Actor, type SdkFixture } from './helpers';

const MODEL = 'llama-3.1-8b-instruct';

async function worker(fx: SdkFixture, prices: { open?: bigint; verified?: bigint; confidential?: bigint } = { open: 5n, verified: 12n }): Promise<Actor> {
  const w = await fx.actor({ peer: 20_000n * PEER });
  const tiers = (Object.keys(prices) as sdk.Tier[]).filter((t) => prices[t] !== undefined);
  await sdk.registerWorker(w.ctx, { tiers, models: [MODEL], prices, capacity: 4, endpoint: 'https://worker.example/v1' });
  await sdk.bondWorker(w.ctx, { amount: 10_000n * PEER });
  return w;
}

describe('sdk: client flows', () => {
  let fx: SdkFixture;
  let client: Actor;
  let w1: Actor;
  let w2: Actor;

  before(async () => {
    fx = await sdkFixture();
    client = await fx.actor({ usdc: 100n * USDC });
    w1 = await worker(fx, { open: 5n, verified: 12n });
    w2 = await worker(fx, { open: 3n });
  });

  it('buys and redeems credits: exact USDC both ways', async () => {
    const r = await sdk.buyCredits(client.ctx, { credits: 1_250n });
    assert.equal(r.usdc, 12_500_000n);
    assert.equal(await fx.balance(client.usdc), 100n * USDC - 12_500_000n);
    assert.equal(await fx.balance((await sdk.marketInfo(client.ctx)).usdcVault), 12_500_000n);
    await sdk.redeemCredits(client.ctx, { credits: 250n });
    assert.equal(await fx.balance(client.usdc), 100n * USDC - 10_000_000n);
    const b = await sdk.creditBalance(client.ctx);
    assert.deepEqual([b.exists, b.balance, b.locked, b.jobsPosted], [true, 1_000n, 0n, 0n]);
    const nobody = await sdk.creditBalance(client.ctx, Keypair.generate().publicKey);
    assert.deepEqual([nobody.exists, nobody.balance], [false, 0n]);
  });

  it('posts a job encrypted to the cheapest eligible worker; the worker decrypts it; the result verifies', async () => {
    const posted = await sdk.postJob(client.ctx, { prompt: 'What is the capital of France?', model: MODEL, maxPrice: 10n });
    assert.ok(posted.worker.equals(sdk.findWorkerPda(w2.publicKey)[0]), 'w2 is cheaper');
    assert.ok(posted.job.equals(sdk.nextJobAddress(client.publicKey, 0n).address));
    assert.ok(posted.job.equals(sdk.findJobPda(client.publicKey, posted.nonce)[0]));
    assert.ok(posted.replyDerived);
    const job = (await sdk.fetchJob(fx.transport, posted.job)).data;
    assert.deepEqual(job.request.promptCommitment, sdk.requestCommitment(posted.opening.request, posted.opening.salt), 'salted request hash on-chain');
    assert.ok(sdk.promptMatchesCommitment(sdk.decryptPrompt(w2.ctx, posted.envelope), job.request.promptCommitment));
    assert.ok(job.request.pinnedWorker.equals(posted.worker), 'pinned to the worker it is encrypted to');
    assert.equal(job.request.seed, posted.seed);
    assert.equal((await sdk.creditBalance(client.ctx)).locked, 10n);

    // The worker reads the prompt; another worker cannot.
    assert.equal(sdk.decryptPrompt(w2.ctx, posted.envelope, { job: posted.job }).prompt, 'What is the capital of France?');
    assert.throws(() => sdk.decryptPrompt(w1.ctx, posted.envelope), CryptoError);

    await fx.warp(31);
    await sdk.claimJob(w2.ctx, { job: posted.job });
    const seen: string[] = [];
    const following = sdk.followJob(client.ctx, posted.job, { pollMs: 5, onChange: (s) => seen.push(s.status) });
    const submitted = await sdk.submitResult(w2.ctx, { job: posted.job, output: 'Paris.', promptEnvelope: posted.envelope });
    const state = await following;
    assert.equal(state.status, 'submitted');
    assert.ok(seen.includes('submitted'));
    assert.deepEqual(state.data!.outputHash, sdk.outputHash('Paris.'));

    const result = await sdk.readResult(client.ctx, { job: posted.job, envelope: submitted.envelope! });
    assert.equal(result.text, 'Paris.');
    assert.equal(result.verified, true);
    assert.equal(result.enclaveVerified, null);

    // A result that does not match the commitment, or sealed by someone else, is refused.
    const reply = sdk.jobReplyKeypair(client.keypair.secretKey, posted.job);
    const wrong = sdk.sealResult({ output: 'Lyon.', replyKey: reply.publicKey, worker: sdk.workerEncryptionKeypair(w2.keypair.secretKey) });
    await assert.rejects(sdk.readResult(client.ctx, { job: posted.job, envelope: wrong.envelope }), /does not match the on-chain commitment/);
    const forged = sdk.sealResult({ output: 'Paris.', replyKey: reply.publicKey, worker: sdk.randomEncryptionKeypair() });
    await assert.rejects(sdk.readResult(client.ctx, { job: posted.job, envelope: forged.envelope }), CryptoError);

    // Open tier: finalizable at once; the credits settle at the worker's price.
    await sdk.finalizeJob(client.ctx, { job: posted.job });
    assert.equal((await sdk.jobState(client.ctx, posted.job)).status, 'closed');
    const b = await sdk.creditBalance(client.ctx);
    assert.deepEqual([b.balance, b.locked], [1_000n - 3n, 0n]);
    // After it closed, the result still verifies against the commitment the client kept.
    const again = await sdk.readResult(client.ctx, {
      job: posted.job,
      envelope: submitted.envelope!,
      commitment: { outputHash: state.data!.outputHash, workerKey: sdk.workerEncryptionKeypair(w2.keypair.secretKey).publicKey },
    });
    assert.equal(again.text, 'Paris.');
  });

  it('posts to a chosen worker, unpinned when asked', async () => {
    const w1Account = sdk.findWorkerPda(w1.publicKey)[0];
    const posted = await sdk.postJob(client.ctx, { prompt: 'hi', model: MODEL, maxPrice: 20n, tier: 'verified', worker: w1Account, pin: false, seed: 42n });
    const job = (await sdk.fetchJob(fx.transport, posted.job)).data;
    assert.ok(job.request.pinnedWorker.equals(PublicKey.default));
    assert.equal(job.request.tier, 'verified');
    assert.equal(job.request.seed, 42n);
    assert.equal(sdk.decryptPrompt(w1.ctx, posted.envelope).prompt, 'hi');
    await sdk.cancelJob(client.ctx, { job: posted.job });
    assert.equal((await sdk.jobState(client.ctx, posted.job)).status, 'closed');
    assert.equal((await sdk.creditBalance(client.ctx)).locked, 0n);
  });

  it('refuses what cannot work before sending, and names program errors', async () => {
    await assert.rejects(sdk.postJob(client.ctx, { prompt: 'x', model: MODEL, maxPrice: 100_000n }), /no eligible worker|insufficient credits/);
    await assert.rejects(sdk.postJob(client.ctx, { prompt: 'x', model: 'unknown-model', maxPrice: 10n }), /no eligible worker/);
    const stranger = await fx.actor({ usdc: USDC });
    await assert.rejects(sdk.postJob(stranger.ctx, { prompt: 'x', model: MODEL, maxPrice: 10n }), (e: unknown) => e instanceof sdk.AccountNotFoundError && /buy credits first/.test(e.message));
    // Someone else's job cannot be cancelled.
    const posted = await sdk.postJob(client.ctx, { prompt: 'x', model: MODEL, maxPrice: 10n });
    await sdk.buyCredits(stranger.ctx, { credits: 10n });
    await assert.rejects(sdk.cancelJob(stranger.ctx, { job: posted.job }), (e: unknown) => isPeerMarketError(e, 'NotJobClient'));
    await sdk.cancelJob(client.ctx, { job: posted.job });
    await assert.rejects(sdk.cancelJob(client.ctx, { job: posted.job }), (e: unknown) => isPeerMarketError(e));
  });

  it('confidential jobs: the enclave signature is checked on-chain and by the client', async () => {
    const attestation = nacl.sign.keyPair();
    await sdk.updateConfig(fx.admin.ctx, { attestationAuthority: new PublicKey(attestation.publicKey) });
    const w3 = await worker(fx, { confidential: 30n });
    const enclave = nacl.sign.keyPair();
    const measurement = sdk.outputHash('enclave image');
    const expiresAt = (await sdk.fetchClock(fx.transport)).unixTimestamp + 86_400n;
    const w3Account = sdk.findWorkerPda(w3.publicKey)[0];
    const attestationSignature = nacl.sign.detached(sdk.attestationMessage(w3Account, enclave.publicKey, measurement, expiresAt), attestation.secretKey);
    await sdk.registerEnclave(w3.ctx, { enclaveKey: enclave.publicKey, measurement, expiresAt, attestationSignature, attestationAuthority: new PublicKey(attestation.publicKey) });
    assert.deepEqual((await sdk.fetchWorker(fx.transport, w3Account)).data.enclaveKey, enclave.publicKey);

    const posted = await sdk.postJob(client.ctx, { prompt: 'private', model: MODEL, maxPrice: 30n, tier: 'confidential' });
    assert.ok(posted.worker.equals(w3Account));
    await fx.warp(31);
    await sdk.claimJob(w3.ctx, { job: posted.job });
    // Signed by a key that is not the registered enclave: refused on-chain.
    await assert.rejects(
      sdk.submitResult(w3.ctx, { job: posted.job, output: 'secret answer', replyKey: posted.reply.publicKey, enclaveSecretKey: nacl.sign.keyPair().secretKey }),
      (e: unknown) => isPeerMarketError(e),
    );
    const sub = await sdk.submitResult(w3.ctx, { job: posted.job, output: 'secret answer', promptEnvelope: posted.envelope, enclaveSecretKey: enclave.secretKey });
    const r = await sdk.readResult(client.ctx, { job: posted.job, envelope: sub.envelope!, enclaveSignature: sub.enclaveSignature! });
    assert.equal(r.text, 'secret answer');
    assert.equal(r.enclaveVerified, true);
    await assert.rejects(sdk.readResult(client.ctx, { job: posted.job, envelope: sub.envelope! }), /needs the enclave signature/);
    const bad = Uint8Array.from(sub.enclaveSignature!);
    bad[0] ^= 1;
    await assert.rejects(sdk.readResult(client.ctx, { job: posted.job, envelope: sub.envelope!, enclaveSignature: bad }), /enclave signature does not verify/);
  });
});
