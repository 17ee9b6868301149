/**
 * register_worker and update_worker: the settings rules (each with its named error, in the
 * specified order), the PDAs, re-registration, and the account-list checks.
 */
import { BN } from '@coral-xyz/anchor';
import { TOKEN_PROGRAM_ID, unpackAccount } from '@solana/spl-token';
import { Keypair, PublicKey, SystemProgram } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import {
  findBondVaultPda,
  findWorkerPda,
  Market,
  MODEL_LLAMA,
  MODEL_MISTRAL,
  MODEL_QWEN,
  modelId,
  workerSettings,
  type Actor,
  type WorkerSettings,
} from '../fixtures/embedded/market';
import { createMint } from '../fixtures/embedded/tokens';
import { cloneAccount, otherProgram } from '../harness/accounts';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

const ZERO32 = () => new Array<number>(32).fill(0);

/** Every settings rule, each breached alone, with its error. */
const INVALID_SETTINGS: { what: string; error: string; edit: (s: WorkerSettings) => void }[] = [
  { what: 'no tiers', error: 'InvalidTiers', edit: (s) => (s.tiers = 0) },
  { what: 'an unknown tier bit', error: 'InvalidTiers', edit: (s) => (s.tiers = 8) },
  { what: 'every bit set', error: 'InvalidTiers', edit: (s) => (s.tiers = 0xff) },
  { what: 'zero capacity', error: 'InvalidCapacity', edit: (s) => (s.capacity = 0) },
  { what: 'capacity above 32', error: 'InvalidCapacity', edit: (s) => (s.capacity = 33) },
  { what: 'no models', error: 'InvalidModels', edit: (s) => ((s.modelCount = 0), (s.models[0] = ZERO32())) },
  { what: 'model_count above 8', error: 'InvalidModels', edit: (s) => (s.modelCount = 9) },
  { what: 'a zero model id in use', error: 'InvalidModels', edit: (s) => (s.modelCount = 2) },
  { what: 'duplicate model ids', error: 'InvalidModels', edit: (s) => ((s.modelCount = 2), (s.models[1] = [...MODEL_LLAMA])) },
  { what: 'a non-zero unused model slot', error: 'InvalidModels', edit: (s) => (s.models[7] = [...MODEL_QWEN]) },
  { what: 'a served tier without a price', error: 'InvalidPrices', edit: (s) => (s.prices[1] = new BN(0)) },
  {
    what: 'a price for a tier not served',
    error: 'InvalidPrices',
    edit: (s) => ((s.tiers = 1), (s.prices = [new BN(5), new BN(0), new BN(9)])),
  },
  { what: 'an all-zero encryption key', error: 'InvalidEncryptionKey', edit: (s) => (s.encryptionKey = ZERO32()) },
  { what: 'an empty endpoint', error: 'InvalidEndpoint', edit: (s) => ((s.endpointLen = 0), (s.endpoint = new Array<number>(128).fill(0))) },
  { what: 'endpoint_len above 128', error: 'InvalidEndpoint', edit: (s) => (s.endpointLen = 129) },
  { what: 'a byte after endpoint_len', error: 'InvalidEndpoint', edit: (s) => (s.endpoint[s.endpointLen + 3] = 0x41) },
];

/** Two rules breached at once: the first in the specified order wins. */
const SETTINGS_ORDER: { what: string; error: string; edit: (s: WorkerSettings) => void }[] = [
  { what: 'tiers before capacity', error: 'InvalidTiers', edit: (s) => ((s.tiers = 0), (s.capacity = 0)) },
  { what: 'capacity before models', error: 'InvalidCapacity', edit: (s) => ((s.capacity = 40), (s.modelCount = 9)) },
  { what: 'models before prices', error: 'InvalidModels', edit: (s) => ((s.modelCount = 9), (s.prices[0] = new BN(0))) },
  { what: 'prices before the key', error: 'InvalidPrices', edit: (s) => ((s.prices[0] = new BN(0)), (s.encryptionKey = ZERO32())) },
  { what: 'the key before the endpoint', error: 'InvalidEncryptionKey', edit: (s) => ((s.encryptionKey = ZERO32()), (s.endpointLen = 0)) },
];

function edited(edit: (s: WorkerSettings) => void): WorkerSettings {
  const s = workerSettings();
  edit(s);
  return s;
}

describe('peer_market: register_worker', () => {
  let m: Market;

  before(async () => {
    m = await Market.create(await startEmbedded());
  });
  afterEach(() => assertConservation(m));

  it('creates the worker PDA and its empty $PEER bond vault owned by the worker', async () => {
    // Given a funded wallet
    const a = await m.actor();
    const settings = workerSettings({ tiers: ['open', 'verified'], capacity: 3, models: [MODEL_LLAMA, MODEL_QWEN], prices: { open: 4, verified: 11 } });
    const lamportsBefore = await m.lamports(a.publicKey);
    // When it registers
    const { result, worker, bondVault } = await m.registerWorker(a, settings);
    // Then the worker holds the settings and nothing else yet
    const [pda, bump] = findWorkerPda(m.programId, a.publicKey);
    const [vaultPda, vaultBump] = findBondVaultPda(m.programId, pda);
    assert.ok(worker.equals(pda) && bondVault.equals(vaultPda));
    const w = await m.worker(worker);
    assert.ok(w.authority.equals(a.publicKey));
    assert.equal(w.settings.tiers, 3);
    assert.equal(w.settings.capacity, 3);
    assert.equal(w.settings.modelCount, 2);
    assert.deepEqual(w.settings.models[1], MODEL_QWEN);
    assert.deepEqual(w.settings.prices.map((p: BN) => p.toNumber()), [4, 11, 0]);
    assert.equal(w.settings.endpointLen, settings.endpointLen);
    assert.deepEqual(w.settings.endpoint, settings.endpoint);
    assert.deepEqual(w.settings.encryptionKey, settings.encryptionKey);
    assert.equal(w.paused, false);
    assert.equal(w.activeJobs, 0);
    assert.deepEqual(w.openJobs, [0, 0, 0]);
    assert.equal(w.openChallenges, 0);
    assert.equal(w.bond.toString(), '0');
    assert.equal(w.unbonding.toString(), '0');
    assert.equal(w.earnings.toString(), '0');
    assert.equal(w.reputation.jobsCompleted.toString(), '0');
    assert.equal(w.registeredAt.toString(), (await m.now()).toString());
    assert.equal(w.bump, bump);
    assert.equal(w.bondVaultBump, vaultBump);
    // and the vault is a $PEER token account owned by the worker PDA
    const vault = await m.context.banksClient.getAccount(bondVault);
    assert.ok(vault && vault.owner.equals(TOKEN_PROGRAM_ID));
    const token = unpackAccount(bondVault, { ...vault, data: Buffer.from(vault.data) });
    assert.ok(token.mint.equals(m.env.peerMint));
    assert.ok(token.owner.equals(worker));
    assert.equal(token.amount, 0n);
    // and the authority paid exactly the two rents
    const rents = (await m.rentFor(worker)) + (await m.rentFor(bondVault));
    assert.equal(lamportsBefore - (await m.lamports(a.publicKey)), rents);
    assert.equal(BigInt((await m.context.banksClient.getAccount(worker))!.lamports), await m.rentFor(worker));
    // and WorkerRegistered was emitted
    const ev = m.event(result, 'workerRegistered');
    assert.ok((ev.worker as PublicKey).equals(worker));
    assert.ok((ev.authority as PublicKey).equals(a.publicKey));
  });

  it('accepts every setting at its bounds (32 jobs, 8 models, a 128-byte endpoint, one tier)', async () => {
    const a = await m.actor();
    const models = Array.from({ length: 8 }, (_, i) => modelId(`model ${i}`));
    const s = workerSettings({ tiers: ['confidential'], capacity: 32, models, endpoint: 'h'.repeat(128), prices: { confidential: 1 } });
    const { worker } = await m.registerWorker(a, s);
    const w = await m.worker(worker);
    assert.equal(w.settings.capacity, 32);
    assert.equal(w.settings.modelCount, 8);
    assert.equal(w.settings.endpointLen, 128);
    assert.equal(w.settings.tiers, 4);
  });

  for (const c of INVALID_SETTINGS) {
    it(`rejects ${c.what} with ${c.error}`, async () => {
      const a = await m.actor();
      await reject(m, await m.registerWorkerCall(a, edited(c.edit)), c.error);
    });
  }

  for (const c of SETTINGS_ORDER) {
    it(`checks ${c.what} (${c.error})`, async () => {
      const a = await m.actor();
      await reject(m, await m.registerWorkerCall(a, edited(c.edit)), c.error);
    });
  }

  it('rejects a $PEER mint other than the config\'s (WrongMint), before the settings', async () => {
    const a = await m.actor();
    const lookalike = await createMint(m.context, 9, m.env.mintAuthority.publicKey);
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { peerMint: lookalike } }), 'WrongMint');
    await reject(m, await m.registerWorkerCall(a, edited((s) => (s.tiers = 0)), { accounts: { peerMint: m.env.usdcMint } }), 'WrongMint');
  });

  it('rejects a worker account that is not the PDA of the signer (ConstraintSeeds), after the settings', async () => {
    const a = await m.actor();
    const b = await m.actor();
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { worker: m.workerAddress(b.publicKey) } }), 'ConstraintSeeds');
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { worker: Keypair.generate().publicKey } }), 'ConstraintSeeds');
    await reject(
      m,
      await m.registerWorkerCall(a, edited((s) => (s.capacity = 0)), { accounts: { worker: Keypair.generate().publicKey } }),
      'InvalidCapacity',
    );
  });

  it('rejects a bond vault that is not the worker\'s vault PDA (ConstraintSeeds)', async () => {
    const a = await m.actor();
    const b = await m.actor();
    const otherVault = m.bondVaultAddress(m.workerAddress(b.publicKey));
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { bondVault: otherVault } }), 'ConstraintSeeds');
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { bondVault: Keypair.generate().publicKey } }), 'ConstraintSeeds');
  });

  it('refuses to register the same authority twice (AccountDiscriminatorAlreadySet)', async () => {
    const a = await m.actor();
    await m.registerWorker(a);
    await reject(m, await m.registerWorkerCall(a, workerSettings({ capacity: 9 })), 'AccountDiscriminatorAlreadySet');
    assert.equal((await m.worker(m.workerAddress(a.publicKey))).settings.capacity, 4);
  });

  it('checks the bond vault PDA before re-registration (ConstraintSeeds first)', async () => {
    const a = await m.actor();
    await m.registerWorker(a);
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { bondVault: Keypair.generate().publicKey } }), 'ConstraintSeeds');
  });

  it('rejects an authority that did not sign', async () => {
    const a = await m.actor();
    const call = await m.registerWorkerCall(a);
    call.ix.keys[0].isSigner = false;
    call.signers = [];
    await reject(m, call, 'AccountNotSigner');
  });

  it('rejects a read-only authority, worker or bond vault (ConstraintMut)', async () => {
    const a = await m.actor();
    for (const index of [0, 2, 4]) {
      const call = await m.registerWorkerCall(a);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
  });

  it('rejects a config that is not the config PDA (ConstraintSeeds)', async () => {
    const a = await m.actor();
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { config: m.accounts.feeLedger } }), 'ConstraintSeeds');
  });

  it('rejects wrong token and system programs (ConstraintAddress)', async () => {
    const a = await m.actor();
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { tokenProgram: SystemProgram.programId } }), 'ConstraintAddress');
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { systemProgram: TOKEN_PROGRAM_ID } }), 'ConstraintAddress');
  });

  it('rejects the worker PDA passed as its own bond vault (DuplicateMutableAccount)', async () => {
    const a = await m.actor();
    await reject(m, await m.registerWorkerCall(a, workerSettings(), { accounts: { bondVault: m.workerAddress(a.publicKey) } }), 'DuplicateMutableAccount');
  });

  it('rejects too few accounts and malformed data', async () => {
    const a = await m.actor();
    const short = await m.registerWorkerCall(a);
    short.ix.keys.splice(6);
    await reject(m, short, 'AccountNotEnoughKeys');
    const truncated = await m.registerWorkerCall(a);
    truncated.ix.data = truncated.ix.data.subarray(0, truncated.ix.data.length - 1);
    await reject(m, truncated, 'InstructionDidNotDeserialize');
    const long = await m.registerWorkerCall(a);
    long.ix.data = Buffer.concat([long.ix.data, Buffer.from([0])]);
    await reject(m, long, 'InstructionDidNotDeserialize');
  });
});

describe('peer_market: update_worker', () => {
  let m: Market;
  let a: Actor;
  let worker: PublicKey;

  before(async () => {
    m = await Market.create(await startEmbedded());
    a = await m.actor();
    worker = (await m.registerWorker(a)).worker;
  });
  afterEach(() => assertConservation(m));

  it('replaces the settings and emits WorkerUpdated; nothing else changes', async () => {
    const before = await m.worker(worker);
    const s = workerSettings({ tiers: ['verified'], capacity: 7, models: [MODEL_MISTRAL], prices: { verified: 99 }, endpoint: 'https://new.example' });
    const { result } = await m.updateWorker(a, s);
    const after = await m.worker(worker);
    assert.equal(after.settings.tiers, 2);
    assert.equal(after.settings.capacity, 7);
    assert.deepEqual(after.settings.models[0], MODEL_MISTRAL);
    assert.deepEqual(after.settings.prices.map((p: BN) => p.toNumber()), [0, 99, 0]);
    assert.equal(after.settings.endpointLen, 'https://new.example'.length);
    assert.equal(after.registeredAt.toString(), before.registeredAt.toString());
    assert.ok(after.authority.equals(a.publicKey));
    const ev = m.event(result, 'workerUpdated');
    assert.ok((ev.worker as PublicKey).equals(worker));
  });

  it('refuses a signer that is not the worker\'s authority (NotWorkerAuthority)', async () => {
    const intruder = await m.actor();
    await m.registerWorker(intruder);
    await reject(m, await m.updateWorkerCall(intruder, workerSettings(), { accounts: { worker } }), 'NotWorkerAuthority');
    // NotWorkerAuthority comes before the settings rules
    await reject(m, await m.updateWorkerCall(intruder, edited((s) => (s.tiers = 0)), { accounts: { worker } }), 'NotWorkerAuthority');
  });

  for (const c of INVALID_SETTINGS) {
    it(`rejects ${c.what} with ${c.error}`, async () => {
      await reject(m, await m.updateWorkerCall(a, edited(c.edit)), c.error);
    });
  }

  it('rejects an authority that did not sign', async () => {
    const call = await m.updateWorkerCall(a, workerSettings());
    call.ix.keys[0].isSigner = false;
    call.signers = [];
    await reject(m, call, 'AccountNotSigner');
  });

  it('rejects a read-only worker (ConstraintMut)', async () => {
    const call = await m.updateWorkerCall(a, workerSettings());
    call.ix.keys[1].isWritable = false;
    await reject(m, call, 'ConstraintMut');
  });

  it('rejects a credit account passed as the worker (AccountDiscriminatorMismatch)', async () => {
    const { creditAccount } = await m.buyCredits(a, 3n);
    await reject(m, await m.updateWorkerCall(a, workerSettings(), { accounts: { worker: creditAccount } }), 'AccountDiscriminatorMismatch');
  });

  it('rejects a copy of the worker owned by another program (AccountOwnedByWrongProgram)', async () => {
    const forged = await cloneAccount(m, worker, { owner: otherProgram() });
    await reject(m, await m.updateWorkerCall(a, workerSettings(), { accounts: { worker: forged } }), 'AccountOwnedByWrongProgram');
  });

  it('rejects a worker that does not exist (AccountNotInitialized)', async () => {
    const b = await m.actor();
    await reject(m, await m.updateWorkerCall(b, workerSettings()), 'AccountNotInitialized');
  });
});
