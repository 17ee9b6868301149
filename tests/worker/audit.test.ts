/**
 * The audit path of the verified tier on a local network. The client samples its jobs and hands
 * each sampled job's opening (request + salt) to validators found in a signed registry; a
 * validator checks the opening against the on-chain commitment, re-executes with the pure
 * `execute`, and challenges a mismatch; the challenger forwards the opening to voters, who check
 * and re-execute the same way; the dishonest worker (cheat.rate 1) is slashed. The honest
 * worker's audited job re-executes to its on-chain hash. Neither worker is contacted by the audit.
 */
import { serve } from '@hono/node-server';
import { PublicKey, type Keypair } from '@solana/web3.js';
import { Hono } from 'hono';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as sdk from '../../sdk/src';
import { closeEngines, execute } from '../../worker/engine';
import { profileIdHex } from '../../worker/profile';
import type { RunningWorker } from '../../worker/service';
import { demoModel, demoProfile, PEER, startTestMarket, startTestWorker, type TestMarket } from './helpers';

interface TestValidator {
  wallet: Keypair;
  ctx: sdk.PeerContext;
  keys: sdk.X25519Keypair;
  entry: sdk.ValidatorEntry;
  /** Openings received and checked, by job. */
  received: Map<string, sdk.OpenedPrompt>;
  close(): Promise<void>;
}

/** A validator's audit endpoint, as specified in worker/README.md: POST /v1/audits. */
async function startValidator(m: TestMarket): Promise<TestValidator> {
  const wallet = await m.wallet(5_000n * PEER);
  const ctx = m.ctxOf(wallet);
  await sdk.registerValidator(ctx, { amount: 4_000n * PEER });
  const keys = sdk.validatorEncryptionKeypair(wallet.secretKey);
  const received = new Map<string, sdk.OpenedPrompt>();
  const app = new Hono();
  app.post('/v1/audits', async (c) => {
    const body = (await c.req.json()) as { job?: string; envelope?: string };
    try {
      const job = new PublicKey(String(body.job));
      const onChain = (await sdk.fetchJob(m.transport, job)).data;
      const opened = sdk.openAuditEnvelope(new Uint8Array(Buffer.from(String(body.envelope), 'base64')), keys, { job, promptCommitment: onChain.request.promptCommitment });
      received.set(job.toBase58(), opened);
      return c.json({ ok: true });
    } catch (err) {
      return c.json({ error: (err as Error).message }, 422);
    }
  });
  const server = await new Promise<{ url: string; close(): Promise<void> }>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise<void>((done) => s.close(() => done())) }),
    );
  });
  const entry = sdk.signValidatorEntry({ authoritySecretKey: wallet.secretKey, endpoint: server.url, expiresAt: Math.floor(Date.now() / 1000) + 86_400 * 365 });
  return { wallet, ctx, keys, entry, received, close: server.close };
}

/** What a validator computes for a job: the output hash of the profile on the opened request. */
async function reexecute(m: TestMarket, job: PublicKey, opened: sdk.OpenedPrompt): Promise<Uint8Array> {
  const data = (await sdk.fetchJob(m.transport, job)).data;
  assert.equal(sdk.toHex(data.request.model), profileIdHex(demoProfile()), 'the model id names the profile re-executed');
  const r = await execute(demoProfile(), opened.opening!.request, data.request.seed, opened.request.maxTokens, { modelPath: demoModel().path });
  return r.outputHash;
}

describe('worker: the audit path (verified tier)', function () {
  this.timeout(600_000);
  let m: TestMarket;
  let honest: RunningWorker & { lines: string[] };
  let cheater: RunningWorker & { lines: string[] };
  const validators: TestValidator[] = [];
  let registry: sdk.ValidatorRegistry;
  let modelId: Uint8Array;

  before(async () => {
    m = await startTestMarket();
    honest = await startTestWorker(m);
    cheater = await startTestWorker(m, { keypair: await m.wallet(10_000n * PEER), flags: { 'cheat.rate': 1 } });
    for (let i = 0; i < 4; i++) validators.push(await startValidator(m));
    registry = { version: 1, validators: validators.map((v) => v.entry) };
    modelId = new Uint8Array(Buffer.from(honest.backend.models()[0].id, 'hex'));
  });
  after(async () => {
    for (const v of validators) await v.close();
    await honest?.stop();
    await cheater?.stop();
    await closeEngines();
    await m?.close();
  });

  async function runVerifiedJob(worker: RunningWorker, prompt: string, seed: bigint) {
    const posted = await sdk.postOpenJob(m.clientCtx, { prompt, maxTokens: 32, model: modelId, maxPrice: 10n, tier: 'verified', seed });
    await sdk.assignJob(m.matcherCtx, { job: posted.job, worker: worker.worker });
    const result = await sdk.runJobOnWorker(m.clientCtx, { job: posted.job, opening: posted.opening, reply: posted.reply });
    return { posted, result };
  }

  it('the registry yields only signed entries of active on-chain validators', async () => {
    const stranger = sdk.signValidatorEntry({ authoritySecretKey: (await m.wallet()).secretKey, endpoint: 'http://127.0.0.1:1', expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    const forged = { ...validators[0].entry, endpoint: 'http://127.0.0.1:2' };
    const active = await sdk.activeValidators(m.clientCtx, { version: 1, validators: [...registry.validators, stranger, forged] });
    assert.equal(active.length, 4, 'the unregistered and the forged entries are dropped');
    assert.equal(sdk.pickAuditors(active, 2).length, 2);
    assert.equal(sdk.sampleForAudit(1), true);
    assert.equal(sdk.sampleForAudit(0), false);
  });

  it('an honest worker\'s sampled job re-executes to its on-chain output hash', async () => {
    const { posted, result } = await runVerifiedJob(honest, 'The President said', 21n);
    const [auditor] = sdk.pickAuditors(await sdk.activeValidators(m.clientCtx, registry), 1);
    await sdk.sendAuditOpening(auditor, { job: posted.job, opening: posted.opening, sender: posted.reply });
    const v = validators.find((x) => x.wallet.publicKey.equals(auditor.authority))!;
    const opened = v.received.get(posted.job.toBase58())!;
    assert.equal(opened.prompt, 'The President said');
    const hash = await reexecute(m, posted.job, opened);
    assert.deepEqual(hash, (await sdk.fetchJob(m.transport, posted.job)).data.outputHash);
    assert.deepEqual(hash, result.outputHash);
    // A forged opening (another salt) is refused by the validator: it does not match the chain.
    const forged = { request: posted.opening.request, salt: new Uint8Array(32) };
    await assert.rejects(sdk.sendAuditOpening(auditor, { job: posted.job, opening: forged, sender: posted.reply }), /does not match/);
  });

  it('a cheating worker is caught: challenge, the opening forwarded to voters, votes, slash', async () => {
    const { posted, result } = await runVerifiedJob(cheater, 'Congress shall', 22n);
    assert.ok(cheater.lines.some((l) => l.includes('job.done') && l.includes('cheated')), 'the cheat is logged by the worker');
    const onChain = (await sdk.fetchJob(m.transport, posted.job)).data;
    assert.deepEqual(onChain.outputHash, result.outputHash, 'the client sees a consistent (altered) answer');

    const [challenger, ...voters] = validators;
    await sdk.sendAuditOpening(await entryOf(challenger), { job: posted.job, opening: posted.opening, sender: posted.reply });
    const truth = await reexecute(m, posted.job, challenger.received.get(posted.job.toBase58())!);
    assert.notDeepEqual(truth, onChain.outputHash, 'the re-execution disagrees');
    const { challenge } = await sdk.challengeJob(challenger.ctx, { job: posted.job, outputHash: truth });

    // The challenger forwards the same opening to the voters, sealed from its own key.
    for (const v of voters) {
      await sdk.sendAuditOpening(await entryOf(v), { job: posted.job, opening: challenger.received.get(posted.job.toBase58())!.opening!, sender: challenger.keys });
      const theirs = await reexecute(m, posted.job, v.received.get(posted.job.toBase58())!);
      assert.deepEqual(theirs, truth);
      await sdk.commitVote(v.ctx, { challenge, outputHash: theirs });
    }
    const params = (await sdk.fetchConfig(m.transport, sdk.findConfigPda()[0])).data.params;
    await m.warp(params.commitWindowSecs + 1);
    for (const v of voters) await sdk.revealVote(v.ctx, { challenge, outputHash: truth });
    const bondBefore = (await sdk.workerStatus(m.ctxOf(cheaterWallet()))).vaultBalance;
    await sdk.resolveChallenge(m.adminCtx, { challenge });
    const bondAfter = (await sdk.workerStatus(m.ctxOf(cheaterWallet()))).vaultBalance;
    assert.ok(bondAfter < bondBefore, 'the cheater was slashed');
    // The audit never touched either worker's endpoint.
    for (const l of [...honest.lines, ...cheater.lines]) assert.ok(!l.includes('audit'));
  });

  async function entryOf(v: TestValidator): Promise<sdk.VerifiedValidatorEntry> {
    return (await sdk.activeValidators(m.clientCtx, { version: 1, validators: [v.entry] }))[0];
  }
  function cheaterWallet(): Keypair {
    return (cheater.ctx.wallet as unknown as { payer: Keypair }).payer;
  }
});
