/**
 * kill -9 mid-dispute: the client hands a job's opening to one validator; it re-executes,
 * challenges and forwards the opening to the others (a signed registry). One voter runs as a real
 * process and is killed right after it committed its vote; restarted, it does not vote twice,
 * reveals with the salt it wrote to SQLite before the commit, and the worker is slashed.
 */
import assert from 'node:assert/strict';
import type { Keypair } from '@solana/web3.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import * as sdk from '../../sdk/src';
import type { KeepersService } from '../../keepers/service';
import { closeEngines, execute, makeProfile, profileId, type ExecutionProfile } from '../../worker';
import { REPO_ROOT } from '../../tools/workspace';
import {
  fundedWallet,
  jobOf,
  keeperFlags,
  killKeeperProcesses,
  newClient,
  newMatcher,
  PEER,
  spawnKeepers,
  startEndpoint,
  startMarket,
  startTestKeepers,
  workerOf,
  writeKeypair,
  type Endpoint,
  type KeeperProcess,
  type Market,
} from './helpers';

const MODEL_PATH = join(REPO_ROOT, 'worker/models/peer-demo.gguf');
const MAX_TOKENS = 12;

describe('keepers: kill -9 a voter mid-dispute', function () {
  this.timeout(240_000);
  let market: Market;
  let endpoint: Endpoint;
  const inProcess: KeepersService[] = [];

  async function until(what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  before(async () => {
    market = await startMarket({ jobTimeoutSecs: 600 });
    endpoint = await startEndpoint();
  });

  after(async () => {
    killKeeperProcesses();
    for (const k of inProcess) await k.stop();
    await closeEngines();
    await endpoint?.close();
    await market?.close();
  });

  it('the restarted voter reveals its stored vote once; the worker is slashed', async () => {
    const weights = /^[0-9a-f]{64}/.exec(readFileSync(`${MODEL_PATH}.sha256`, 'utf8'))![0];
    const profile: ExecutionProfile = makeProfile({ name: 'peer-demo', weightsSha256: weights, addBos: true });
    const profilesFile = join(market.dir, 'profiles.json');
    writeFileSync(profilesFile, JSON.stringify({ profiles: [{ profile, model_path: MODEL_PATH }] }));
    const client = await newClient(market);
    const matcher = market.ctx(await newMatcher(market));
    const wctx = market.ctx(await fundedWallet(market, { peer: 10_000n * PEER }));
    const { worker } = await sdk.registerWorker(wctx, { tiers: ['verified'], models: [profileId(profile)], prices: { verified: 2n }, capacity: 4, endpoint: endpoint.url });
    await sdk.bondWorker(wctx, { amount: 2_000n * PEER });

    const wallets: Keypair[] = [];
    for (let i = 0; i < 4; i++) {
      const w = await fundedWallet(market, { peer: 5_000n * PEER });
      await sdk.registerValidator(market.ctx(w), { amount: 2_000n * PEER });
      wallets.push(w);
    }
    const urls: string[] = [];
    const registryFile = join(market.dir, 'validators.json');
    for (let i = 0; i < 3; i++) {
      const k = await startTestKeepers(market, wallets[i], {
        'bots.enabled': i === 0 ? 'validator,cranks' : 'validator',
        'validator.store': join(market.dir, `v${i}.sqlite`),
        'validator.profiles': profilesFile,
        'validator.audit_rate': i === 0 ? 1 : 0, // only the first one audits; the others vote
        'validator.peers': registryFile, // the challenger forwards the opening to these
      });
      inProcess.push(k);
      urls.push(k.url);
    }
    // The fourth validator is a real process (votes only).
    const config = join(market.dir, 'voter.yml');
    const flags: Record<string, unknown> = {
      ...keeperFlags(market),
      'global.keypair': writeKeypair(market.dir, wallets[3], 'voter'),
      'bots.enabled': 'validator',
      'validator.store': join(market.dir, 'voter.sqlite'),
      'validator.profiles': profilesFile,
      'validator.audit_rate': 0,
    };
    const doc: Record<string, Record<string, unknown>> = {};
    for (const [k, v] of Object.entries(flags)) (doc[k.split('.')[0]] ??= {})[k.split('.')[1]] = v;
    writeFileSync(config, stringify(doc));
    let voter: KeeperProcess = spawnKeepers(['--config', config]);
    urls.push(await voter.url);

    // The validators publish signed registry entries (key and endpoint).
    const expiresAt = Math.floor(Date.now() / 1000) + 3_600;
    const registry: sdk.ValidatorRegistry = { version: 1, validators: urls.map((endpoint, i) => sdk.signValidatorEntry({ authoritySecretKey: wallets[i].secretKey, endpoint, expiresAt })) };
    writeFileSync(registryFile, JSON.stringify(registry));

    // The client samples this job for audit and hands its opening to one validator only; the
    // others get it from the challenger when it challenges.
    const posted = await sdk.postJob(client, { prompt: 'Which answer will the worker give?', maxTokens: MAX_TOKENS, model: profileId(profile), tier: 'verified', maxPrice: 10n, worker });
    for (const [i, url] of urls.slice(0, 1).entries()) {
      const key = sdk.validatorEncryptionKeypair(wallets[i].secretKey).publicKey;
      const envelope = sdk.sealAuditEnvelope({ job: posted.job, opening: posted.opening!, validatorKey: key, sender: sdk.randomEncryptionKeypair() });
      const res = await fetch(`${url}/v1/audits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job: posted.job.toBase58(), envelope: Buffer.from(envelope).toString('base64') }) });
      assert.equal(res.status, 202);
    }
    await sdk.assignJob(matcher, { job: posted.job, worker });
    const honest = (await execute(profile, posted.opening!.request, posted.seed, MAX_TOKENS, { modelPath: MODEL_PATH })).text;
    const before = await workerOf(market, worker);
    await sdk.submitResult(wctx, { job: posted.job, output: `${honest}!` });

    // Kill the voter as soon as it says it committed.
    await until('the voter to commit', async () => / INFO commit /.test(voter.output()));
    voter.proc.kill('SIGKILL');
    await voter.exited;
    const challenge = sdk.findChallengePda(posted.job)[0];
    const voteAddress = sdk.findVotePda(challenge, sdk.findValidatorPda(wallets[3].publicKey)[0])[0];
    const committed = await sdk.fetchMaybeVote(matcher.transport, voteAddress);
    assert.ok(committed, 'the commit landed before the kill');

    voter = spawnKeepers(['--config', config]);
    await voter.url;
    await until('three commits', async () => (await sdk.fetchChallenge(matcher.transport, challenge)).data.commits >= 3);
    market.warp(61);
    await until('the worker to be slashed', async () => (await workerOf(market, worker)).reputation.challengesLost > before.reputation.challengesLost);
    assert.ok((await workerOf(market, worker)).bond < before.bond);
    assert.equal(await jobOf(market, posted.job), null);
    // The restarted voter revealed (once) with its stored salt, and committed only once.
    await until('the restarted voter to reveal', async () => / INFO reveal /.test(voter.output()));
    assert.doesNotMatch(voter.output(), / INFO commit /, 'the restarted voter committed again');
    assert.doesNotMatch(voter.output(), /reveal\.failed|RevealMismatch/);
    voter.proc.kill('SIGTERM');
    assert.equal((await voter.exited).code, 0);
  });
});
