/**
 * The litesvm environment (tests/fixtures/embedded/litesvm.ts): programs deployed through the real BPF
 * Upgradeable Loader (or in its account layout), a realistic clock that warps, real SPL mints,
 * bankrun-compatible results (logs, errors, compute units), and the Ed25519 precompile
 * verified.
 */
import { unpackMint, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { BPF_UPGRADEABLE_LOADER, PROGRAM_DATA_HEADER_LEN } from '../../sdk/src/loader';
import { findProgramDataAddress } from '../../sdk/src/pda';
import { instructionErrorOf, START_UNIX_TIMESTAMP, startLiteSvm, type LiteEnv } from '../fixtures/embedded/litesvm';
import { Market } from '../fixtures/embedded/market';
import { PEER_DECIMALS, USDC_DECIMALS } from '../fixtures/embedded/tokens';
import { send, unitsOf } from '../fixtures/embedded/tx';
import { ed25519Ix, forgeSignature } from '../fixtures/embedded/verification';
import { localnetPrograms, programBinary } from '../../tools/workspace';

describe('litesvm environment', () => {
  let env: LiteEnv;
  let m: Market;

  before(async () => {
    env = await startLiteSvm();
    m = await Market.create(env);
  });

  for (const [name, programId] of Object.entries(localnetPrograms())) {
    it(`${name} is deployed through the upgradeable loader with the admin as upgrade authority`, () => {
      const program = env.lite.getAccountSync(programId);
      assert.ok(program && program.executable);
      assert.ok(program.owner.equals(BPF_UPGRADEABLE_LOADER));
      const [programData] = findProgramDataAddress(programId);
      assert.equal(Buffer.from(program.data).readUInt32LE(0), 2, 'UpgradeableLoaderState::Program');
      assert.ok(new PublicKey(program.data.subarray(4, 36)).equals(programData));
      const pd = env.lite.getAccountSync(programData);
      assert.ok(pd);
      const data = Buffer.from(pd.data);
      assert.equal(data.readUInt32LE(0), 3, 'UpgradeableLoaderState::ProgramData');
      assert.ok(data.readBigUInt64LE(4) > 0n, 'deployed at a real slot by the loader');
      assert.equal(data[12], 1);
      assert.ok(new PublicKey(data.subarray(13, 45)).equals(env.admin.publicKey));
      assert.ok(data.subarray(PROGRAM_DATA_HEADER_LEN).equals(programBinary(name)));
    });
  }

  it('starts the clock at a realistic time and warps seconds and slots', async () => {
    const t0 = await m.now();
    assert.ok(t0 >= START_UNIX_TIMESTAMP && t0 < START_UNIX_TIMESTAMP + 60n, `clock at ${t0}`);
    const s0 = await m.slot();
    await m.warp(3_600);
    assert.equal(await m.now(), t0 + 3_600n);
    assert.equal(await m.slot(), s0 + 9_000n);
    // the program sees the same clock: a job's deadline is now + timeout
    const { actor: client } = await m.client(100n);
    const { actor, worker } = await m.readyWorker({ tiers: ['open'] });
    const { matcher } = await m.addMatcher();
    const { job } = await m.postJob(client);
    await m.assignJob(matcher, job, worker);
    assert.equal(BigInt((await m.job(job)).deadline.toString()), (await m.now()) + BigInt(m.params.jobTimeoutSecs));
    await m.submitResult(actor, job);
    await m.finalizeJob(job);
  });

  it('creates real SPL mints through the Token program', async () => {
    for (const [mint, decimals] of [
      [env.usdcMint, USDC_DECIMALS],
      [env.peerMint, PEER_DECIMALS],
    ] as const) {
      const info = await env.context.banksClient.getAccount(mint);
      assert.ok(info && info.owner.equals(TOKEN_PROGRAM_ID));
      const parsed = unpackMint(mint, { ...info, data: Buffer.from(info.data) });
      assert.equal(parsed.decimals, decimals);
      assert.ok(parsed.mintAuthority?.equals(env.mintAuthority.publicKey));
    }
  });

  it('reports results as tx.ts expects: program errors by name and number, compute units', async () => {
    const intruder = Keypair.generate();
    await m.fund(intruder.publicKey, 1);
    const bad = await send(env.context, [(await m.updateConfigCall(m.params, { accounts: { admin: intruder.publicKey }, signers: [intruder] })).ix], [intruder]);
    assert.equal(bad.ok, false);
    assert.equal(bad.errorName, 'Unauthorized');
    assert.equal(bad.errorNumber, 6002);
    assert.deepEqual(instructionErrorOf(bad.rawError), { index: 1, custom: 6002, message: 'custom program error: 0x1772' });
    const ok = await send(env.context, [(await m.updateConfigCall(m.params)).ix], [env.admin]);
    assert.ok(ok.ok);
    assert.ok(unitsOf(ok, env.marketId) > 0);
  });

  it('verifies Ed25519 precompile instructions (a forged signature fails at its own index)', () => {
    const signer = Keypair.generate();
    const good = ed25519Ix(signer, Buffer.from('attest'));
    assert.equal(env.lite.sendExact([good]).result, null);
    const forged = env.lite.sendExact([forgeSignature(good)]);
    assert.deepEqual(forged.error, { kind: 'instruction', index: 0, custom: 2, name: 'Custom' });
  });

  it('restores the deployed state for the next environment, and deploys in the loader layout too', async () => {
    const again = await startLiteSvm();
    assert.ok(!again.usdcMint.equals(env.usdcMint), 'fresh mints');
    assert.ok(again.admin.publicKey.equals(env.admin.publicKey), 'same upgrade authority as the snapshot');
    await Market.create(again);
    const layout = await startLiteSvm({ deploy: 'layout' });
    const fresh = await Market.create(layout);
    assert.ok((await fresh.config()).admin.equals(layout.admin.publicKey));
  });
});
