/**
 * The validator challenge bot over a real local network with the real engine (the demo model):
 * over many jobs from an honest worker it raises no challenge; when a worker returns a different
 * answer, a validator re-executes, challenges inside the window, the others commit and reveal
 * their re-executed votes, the cranks resolve, the worker is slashed, and the voters close their
 * votes. The audit intake refuses bad input, and openings that do not match the chain.
 */
import assert from 'node:assert/strict';
import { Keypair, PublicKey } from '@solana/web3.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import * as sdk from '../../sdk/src';
import type { KeepersService } from '../../keepers/service';
import { closeEngines, execute, makeProfile, profileId, type ExecutionProfile } from '../../worker';
import { REPO_ROOT } from '../../tools/workspace';
import {
  fundedWallet,
  jobOf,
  newClient,
  newMatcher,
  PEER,
  startEndpoint,
  startMarket,
  startTestKeepers,
  workerOf,
  type Endpoint,
  type Market,
} from './helpers';

const MODEL_PATH = join(REPO_ROOT, 'worker/models/peer-demo.gguf');
const MAX_TOKENS = 12;

describe('keepers: validator challenge bot', function () {
  this.timeout(240_000);
  let market: Market;
  let endpoint: Endpoint;
  let profile: ExecutionProfile;
  let profilesFile: string;
  let client: sdk.PeerContext;
  let matcher: sdk.PeerContext;
  let worker: { ctx: sdk.PeerContext; worker: PublicKey };
  const validators: { wallet: Keypair; keepers: KeepersService }[] = [];

  async function until(what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Posts a verified job pinned to the worker, hands its opening to every validator (the audit path), assigns it. */
  async function postAudited(prompt: string): Promise<sdk.PostJobResult> {
    const posted = await sdk.postJob(client, { prompt, maxTokens: MAX_TOKENS, model: profileId(profile), tier: 'verified', maxPrice: 10n, worker: worker.worker });
    for (const v of validators) {
      const key = sdk.validatorEncryptionKeypair(v.wallet.secretKey).publicKey;
      const envelope = sdk.sealAuditEnvelope({ job: posted.job, opening: posted.opening!, validatorKey: key, sender: sdk.randomEncryptionKeypair() });
      const res = await fetch(`${v.keepers.url}/v1/audits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job: posted.job.toBase58(), envelope: Buffer.from(envelope).toString('base64') }) });
      assert.equal(res.status, 202, await res.text());
    }
    await sdk.assignJob(matcher, { job: posted.job, worker: worker.worker });
    return posted;
  }

  async function honestAnswer(posted: sdk.PostJobResult): Promise<string> {
    const result = await execute(profile, posted.opening!.request, posted.seed, MAX_TOKENS, { modelPath: MODEL_PATH });
    return result.text;
  }

  const metric = async (k: KeepersService, re: RegExp): Promise<number> => Number(re.exec(await (await fetch(`${k.url}/metrics`)).text())?.[1] ?? 0);

  before(async () => {
    // Answers come from the real engine: give assignments time on a busy machine.
    market = await startMarket({ jobTimeoutSecs: 600 });
    endpoint = await startEndpoint();
    const weights = /^[0-9a-f]{64}/.exec(readFileSync(`${MODEL_PATH}.sha256`, 'utf8'))![0];
    profile = makeProfile({ name: 'peer-demo', weightsSha256: weights, addBos: true });
    profilesFile = join(market.dir, 'profiles.json');
    writeFileSync(profilesFile, JSON.stringify({ profiles: [{ profile, model_path: MODEL_PATH }] }));
    client = await newClient(market);
    matcher = market.ctx(await newMatcher(market));
    const workerWallet = await fundedWallet(market, { peer: 10_000n * PEER });
    const wctx = market.ctx(workerWallet);
    const reg = await sdk.registerWorker(wctx, { tiers: ['verified'], models: [profileId(profile)], prices: { verified: 2n }, capacity: 8, endpoint: endpoint.url });
    await sdk.bondWorker(wctx, { amount: 2_000n * PEER });
    worker = { ctx: wctx, worker: reg.worker };
    for (let i = 0; i < 4; i++) {
      const wallet = await fundedWallet(market, { peer: 5_000n * PEER });
      await sdk.registerValidator(market.ctx(wallet), { amount: 2_000n * PEER });
      // The first validator also runs the cranks (resolve, finalize).
      const keepers = await startTestKeepers(market, wallet, {
        'bots.enabled': i === 0 ? 'validator,cranks' : 'validator',
        'validator.store': join(market.dir, `validator-${i}.sqlite`),
        'validator.profiles': profilesFile,
        'validator.audit_rate': 1,
      });
      validators.push({ wallet, keepers });
    }
  });

  after(async () => {
    for (const v of validators) await v.keepers.stop();
    await closeEngines();
    await endpoint?.close();
    await market?.close();
  });

  it('refuses malformed audit bodies and openings that do not match the job on chain', async () => {
    const url = `${validators[0].keepers.url}/v1/audits`;
    const post = (body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal((await post('not json')).status, 400);
    assert.equal((await post(JSON.stringify({ job: 'xyz', envelope: 'AAAA' }))).status, 400);
    assert.equal((await post(JSON.stringify({ job: Keypair.generate().publicKey.toBase58(), envelope: 'AAAA' }))).status, 404);
    assert.equal((await post(JSON.stringify({ job: 1, envelope: 2 }))).status, 400);
    // Too large: 413 (or, when the server answers before the client finished sending, a closed connection).
    // (Its own connection: a connection the server closes must not be reused by the next request.)
    const big = await new Promise<number | string>((resolve) => {
      const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve('closed'));
      req.end(JSON.stringify({ job: 'x', envelope: 'A'.repeat(300_000) }));
    });
    assert.ok(big === 413 || big === 'closed', `too large: ${big}`);
    // A real job, but an opening for a different request: the commitment does not match.
    const posted = await sdk.postJob(client, { prompt: 'real', maxTokens: MAX_TOKENS, model: profileId(profile), tier: 'verified', maxPrice: 10n, worker: worker.worker });
    const other = sdk.commitRequest({ prompt: 'forged', maxTokens: MAX_TOKENS });
    const key = sdk.validatorEncryptionKeypair(validators[0].wallet.secretKey).publicKey;
    const forged = sdk.sealAuditEnvelope({ job: posted.job, opening: { request: other.request, salt: other.salt }, validatorKey: key, sender: sdk.randomEncryptionKeypair() });
    const res = await post(JSON.stringify({ job: posted.job.toBase58(), envelope: Buffer.from(forged).toString('base64') }));
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /commitment/);
    await sdk.cancelJob(client, { job: posted.job });
  });

  it('raises no challenge over jobs answered honestly, and lets them finalize', async () => {
    const jobs: sdk.PostJobResult[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await postAudited(`Honest question number ${i}`));
    for (const j of jobs) await sdk.submitResult(worker.ctx, { job: j.job, output: await honestAnswer(j) });
    // Every validator re-executes every job and agrees.
    await until('every validator to agree on every job', async () => {
      for (const v of validators) if ((v.keepers.health().bots.validator.details as { audited: number }).audited < 4) return false;
      return true;
    });
    for (const v of validators) assert.equal(await metric(v.keepers, /peer_keeper_actions_total\{bot="validator",kind="challenge"\} (\d+)/), 0, 'a false challenge');
    assert.equal((await sdk.queryChallenges(matcher.transport)).length, 0);
    market.warp(61);
    await until('the honest jobs to finalize', async () => (await Promise.all(jobs.map((j) => jobOf(market, j.job)))).every((j) => j === null));
  });

  it('catches a worker that returns a different answer: challenge, commit, reveal, resolve, slash, close votes', async () => {
    const posted = await postAudited('A question the worker will answer wrongly');
    const honest = await honestAnswer(posted);
    const before = await workerOf(market, worker.worker);
    await sdk.submitResult(worker.ctx, { job: posted.job, output: `${honest} (tampered)` });
    const challenge = sdk.findChallengePda(posted.job)[0];
    await until('a challenge and three committed votes', async () => {
      const ch = await sdk.fetchMaybeChallenge(matcher.transport, challenge);
      return ch !== null && ch.data.commits >= 3;
    });
    const ch = (await sdk.fetchChallenge(matcher.transport, challenge)).data;
    assert.deepEqual(Buffer.from(ch.challengerOutputHash), Buffer.from(sdk.sha256(honest)), 'the challenger re-executed the honest answer');
    const challengers = validators.filter((v) => sdk.findValidatorPda(v.wallet.publicKey)[0].equals(ch.challenger));
    assert.equal(challengers.length, 1);
    // Commit phase over: the voters reveal, the cranks resolve.
    market.warp(61);
    await until('the worker to be slashed', async () => (await workerOf(market, worker.worker)).reputation.challengesLost > before.reputation.challengesLost);
    const after = await workerOf(market, worker.worker);
    assert.ok(after.bond < before.bond, `slashed: ${before.bond} → ${after.bond}`);
    assert.equal(await jobOf(market, posted.job), null, 'the job was refunded and closed');
    // The voters close their votes once the challenge is resolved.
    const voters = validators.filter((v) => v !== challengers[0]);
    await until('the voters to close their votes', async () => {
      const accounts = await matcher.transport.getAccounts(voters.map((v) => sdk.findVotePda(challenge, sdk.findValidatorPda(v.wallet.publicKey)[0])[0]));
      return accounts.every((a) => a === null);
    });
    for (const v of voters) {
      assert.equal(await metric(v.keepers, /peer_keeper_actions_total\{bot="validator",kind="reveal"\} (\d+)/), 1);
    }
  });
});
