/**
 * Attestation (issue 5), on litesvm — the runtime that really verifies Ed25519 precompile
 * signatures (solana-bankrun 0.4.0 does not; see the last block). register_enclave and
 * submit_confidential_result each refuse a missing, forged, wrong-signer, wrong-message,
 * malformed, expired or replayed Ed25519 instruction, with a named error and nothing changed;
 * and each refusal has a control — the same transaction with the one thing put right — that
 * succeeds, so every test would fail if its check were missing.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey, SystemProgram, TransactionInstruction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { instructionErrorOf, startLiteSvm, type LiteEnv } from '../fixtures/embedded/litesvm';
import { big, hash32, statusOf, type Actor } from '../fixtures/embedded/market';
import {
  attestationMessage,
  ed25519Ix,
  ed25519Multi,
  ed25519Raw,
  ed25519Sign,
  forgeSignature,
  resultMessage,
  TX_PREFIX_INSTRUCTIONS,
  Verification,
  type Bundle,
  type Enclave,
} from '../fixtures/embedded/verification';
import { expectError, send } from '../fixtures/embedded/tx';
import { expectUnchanged } from '../harness/state';
import { reject } from '../harness/reject';
import { assertVerificationConservation, rejectAtInstruction, rejectV, snapshotFor } from '../harness/verification';
import { n, readonly } from './helpers';

/** Where the Ed25519 instruction sits in a bundle sent through tx.ts (after its compute-budget instruction). */
const ED25519_INDEX = TX_PREFIX_INSTRUCTIONS;
/** The Ed25519 precompile's error for a signature that does not verify (PrecompileError::InvalidSignature). */
const PRECOMPILE_INVALID_SIGNATURE = 2;

describe('peer_market attestation (litesvm: Ed25519 verified by the runtime)', () => {
  let env: LiteEnv;
  let v: Verification;
  let attestor: Keypair;
  let client: Actor;
  let matcher: Keypair;

  before(async () => {
    env = await startLiteSvm();
    // the confidential tier starts disabled; the tests configure their own attestation authority
    v = await Verification.create(env, undefined, { confidential: false });
    assert.equal(v.m.attestationAuthority, null);
    attestor = Keypair.generate();
    ({ actor: client } = await v.m.client(100_000n));
    ({ matcher } = await v.m.addMatcher());
  });
  afterEach(() => assertVerificationConservation(v));

  /** A fresh worker serving the confidential (and verified) tier with the confidential minimum bond. */
  async function confidentialWorker(): Promise<{ actor: Actor; worker: PublicKey }> {
    const { actor, worker } = await v.m.readyWorker({ tiers: ['verified', 'confidential'] });
    return { actor, worker };
  }

  /** Configures `attestor` as the attestation authority (update_config), once. */
  async function enableAttestation(): Promise<void> {
    if (v.params.attestationAuthority.equals(PublicKey.default)) await v.setAttestationAuthority(attestor.publicKey);
    assert.ok(v.params.attestationAuthority.equals(attestor.publicKey));
  }

  describe('with the confidential tier disabled', () => {
    it('register_enclave refuses while no attestation authority is configured (AttestationDisabled)', async () => {
      if (!v.params.attestationAuthority.equals(PublicKey.default)) await v.setAttestationAuthority(PublicKey.default);
      const { actor } = await confidentialWorker();
      const enclave = await v.enclave();
      await rejectV(v, await v.registerEnclaveCall(actor, enclave, attestor), 'AttestationDisabled');
      await enableAttestation();
      await v.registerEnclave(actor, enclave, attestor);
    });
  });

  describe('register_enclave', () => {
    before(enableAttestation);

    it('records the enclave key, measurement and expiry from a valid attestation; EnclaveRegistered', async () => {
      const { actor, worker } = await confidentialWorker();
      const enclave = await v.enclave(86_400, hash32('sev-snp measurement'));
      const { result } = await v.registerEnclave(actor, enclave, attestor);
      const w = await v.worker(worker);
      assert.deepEqual(w.enclaveKey, [...enclave.key.publicKey.toBytes()]);
      assert.deepEqual(w.enclaveMeasurement, enclave.measurement);
      assert.equal(n(w.enclaveExpiresAt), enclave.expiresAt);
      const ev = v.m.event(result, 'enclaveRegistered');
      assert.ok((ev.worker as PublicKey).equals(worker));
      assert.deepEqual(ev.enclaveKey, [...enclave.key.publicKey.toBytes()]);
      assert.deepEqual(ev.measurement, enclave.measurement);
      assert.equal(n(ev.expiresAt), enclave.expiresAt);
    });

    it('forged: a tampered signature fails in the Ed25519 instruction itself; the same transaction signed properly succeeds', async () => {
      const { actor, worker } = await confidentialWorker();
      const enclave = await v.enclave();
      const good = await v.registerEnclaveCall(actor, enclave, attestor);
      const forged: Bundle<{ worker: PublicKey }> = { ...good, pre: [forgeSignature(good.pre[0])] };
      // byte-for-byte the same except one bit of the signature
      assert.equal(Buffer.compare(Buffer.from(forged.pre[0].data), Buffer.from(good.pre[0].data)) !== 0, true);
      assert.deepEqual(forged.ix, good.ix);
      await rejectAtInstruction(v, forged, ED25519_INDEX, PRECOMPILE_INVALID_SIGNATURE);
      // a forgery that claims the authority's key over someone else's signature fails the same way
      const impostor = ed25519Ix(Keypair.generate(), attestationMessage(worker, enclave.key.publicKey, enclave.measurement, enclave.expiresAt));
      const claimed = Buffer.from(impostor.data);
      attestor.publicKey.toBuffer().copy(claimed, 16);
      await rejectAtInstruction(v, { ...good, pre: [new TransactionInstruction({ programId: impostor.programId, keys: [], data: claimed })] }, ED25519_INDEX, PRECOMPILE_INVALID_SIGNATURE);
      await v.run(good);
      assert.deepEqual((await v.worker(worker)).enclaveKey, [...enclave.key.publicKey.toBytes()]);
    });

    it('missing: no Ed25519 instruction, or not the one immediately before (MissingEd25519Instruction)', async () => {
      const { actor } = await confidentialWorker();
      const enclave = await v.enclave();
      const good = await v.registerEnclaveCall(actor, enclave, attestor);
      // none at all (the compute-budget instruction is the one before)
      await rejectV(v, { ...good, pre: [] }, 'MissingEd25519Instruction');
      // a valid one, but with another instruction between it and ours
      const spacer = SystemProgram.transfer({ fromPubkey: actor.publicKey, toPubkey: actor.publicKey, lamports: 0 });
      await rejectV(v, { ...good, pre: [good.pre[0], spacer] }, 'MissingEd25519Instruction');
      // placed after ours instead of before
      const before = await snapshotFor(v, good);
      const after = await send(v.context, [good.ix, good.pre[0]], good.signers);
      expectError(after, 'MissingEd25519Instruction');
      await expectUnchanged(v.context, before);
      // ours as the very first instruction of the transaction (index 0: nothing before it)
      const first = env.lite.sendExact([good.ix, good.pre[0]], good.signers);
      assert.ok(first.result !== null);
      assert.match(first.meta.logMessages.join('\n'), /Error Code: MissingEd25519Instruction/);
      assert.equal(instructionErrorOf(first.result)?.index, 0);
      await v.run(good);
    });

    it('wrong signer: a valid signature by a key other than the attestation authority (Ed25519SignerMismatch)', async () => {
      const { actor } = await confidentialWorker();
      const enclave = await v.enclave();
      // the worker attests its own enclave; then the enclave attests itself
      await rejectV(v, await v.registerEnclaveCall(actor, enclave, attestor, { signer: actor.keypair }), 'Ed25519SignerMismatch');
      await rejectV(v, await v.registerEnclaveCall(actor, enclave, attestor, { signer: enclave.key }), 'Ed25519SignerMismatch');
      await v.run(await v.registerEnclaveCall(actor, enclave, attestor));
    });

    it('wrong message: the authority\'s signature over anything but (worker, key, measurement, expiry) (Ed25519MessageMismatch)', async () => {
      const a = await confidentialWorker();
      const b = await confidentialWorker();
      const enclave = await v.enclave();
      const msg = (worker: PublicKey, e: Enclave) => attestationMessage(worker, e.key.publicKey, e.measurement, e.expiresAt);
      const variants: { what: string; message: Buffer }[] = [
        { what: 'another enclave key', message: msg(a.worker, { ...enclave, key: Keypair.generate() }) },
        { what: 'another measurement', message: msg(a.worker, { ...enclave, measurement: hash32('debug build') }) },
        { what: 'an earlier expiry (the attestation is extended)', message: msg(a.worker, { ...enclave, expiresAt: enclave.expiresAt - 1n }) },
        { what: 'another worker (an attestation replayed by a second worker)', message: msg(b.worker, enclave) },
        { what: 'a trailing extra byte', message: Buffer.concat([msg(a.worker, enclave), Buffer.from([0])]) },
        { what: 'a truncated message', message: msg(a.worker, enclave).subarray(0, 103) },
      ];
      for (const variant of variants) {
        await rejectV(v, await v.registerEnclaveCall(a.actor, enclave, attestor, { message: variant.message }), 'Ed25519MessageMismatch').catch((e: Error) => {
          throw new Error(`${variant.what}: ${e.message}`);
        });
      }
      // b's own attestation works for b, not for a
      await v.registerEnclave(b.actor, enclave, attestor);
      await v.registerEnclave(a.actor, enclave, attestor);
    });

    it('malformed: two signatures, none, or a message taken from another instruction (InvalidEd25519Instruction)', async () => {
      const { actor, worker } = await confidentialWorker();
      const enclave = await v.enclave();
      const good = await v.registerEnclaveCall(actor, enclave, attestor);
      const message = attestationMessage(worker, enclave.key.publicKey, enclave.measurement, enclave.expiresAt);
      // two valid signatures by the authority over the right message
      await rejectV(v, { ...good, pre: [ed25519Multi([{ signer: attestor, message }, { signer: attestor, message }])] }, 'InvalidEd25519Instruction');
      // zero signatures: the precompile verifies nothing and passes; the program must not
      await rejectV(v, { ...good, pre: [ed25519Raw([], Buffer.alloc(0))] }, 'InvalidEd25519Instruction');
      // the signed bytes live in our own instruction's data (key || measurement || expiry after the
      // discriminator): valid for the precompile, but not over its own data
      const ourIndex = ED25519_INDEX + 1;
      const signed = Buffer.from(good.ix.data.subarray(8, 80));
      const cross = ed25519Raw(
        [{ publicKeyOffset: 16, signatureOffset: 48, messageOffset: 8, messageSize: signed.length, messageIx: ourIndex }],
        Buffer.concat([attestor.publicKey.toBuffer(), ed25519Sign(attestor, signed)]),
      );
      await rejectV(v, { ...good, pre: [cross] }, 'InvalidEd25519Instruction');
      // the single-signature layout web3.js builds, laid out by hand, is accepted (control)
      const own = ed25519Raw([{ publicKeyOffset: 16, signatureOffset: 48, messageOffset: 112, messageSize: message.length }], Buffer.concat([attestor.publicKey.toBuffer(), ed25519Sign(attestor, message), message]));
      await v.run({ ...good, pre: [own] });
    });

    it('expired: expires_at not in the future (EnclaveExpired)', async () => {
      const { actor } = await confidentialWorker();
      const now = await v.m.now();
      for (const expiresAt of [now, now - 1n]) {
        const enclave: Enclave = { key: Keypair.generate(), measurement: hash32('m'), expiresAt };
        await rejectV(v, await v.registerEnclaveCall(actor, enclave, attestor), 'EnclaveExpired');
      }
      await v.registerEnclave(actor, { key: Keypair.generate(), measurement: hash32('m'), expiresAt: now + 1n }, attestor);
    });

    it('refuses a signer that is not the worker\'s authority (NotWorkerAuthority) and a fake instructions sysvar (ConstraintAddress)', async () => {
      const { worker } = await confidentialWorker();
      const intruder = await v.m.actor();
      const enclave = await v.enclave();
      await rejectV(v, await v.registerEnclaveCall(intruder, enclave, attestor, {}, { accounts: { worker } }), 'NotWorkerAuthority');
      const { actor } = await confidentialWorker();
      await rejectV(v, await v.registerEnclaveCall(actor, enclave, attestor, {}, { accounts: { instructionsSysvar: Keypair.generate().publicKey } }), 'ConstraintAddress');
      const call = await v.registerEnclaveCall(actor, enclave, attestor);
      await rejectV(v, readonly(call, call.worker), 'ConstraintMut');
    });
  });

  describe('submit_confidential_result', () => {
    let worker: { actor: Actor; worker: PublicKey; enclave: Enclave };

    before(async () => {
      await enableAttestation();
      const w = await confidentialWorker();
      // headroom above the tier minimum: an expiry below costs the job's value in $PEER
      await v.m.bond(w.actor, 1_000n * 10n ** 9n);
      const enclave = await v.enclave();
      await v.registerEnclave(w.actor, enclave, attestor);
      worker = { ...w, enclave };
    });

    async function assigned(w = worker): Promise<PublicKey> {
      const { job } = await v.m.postJob(client, { tier: 'confidential', maxPrice: 60n });
      await v.m.assignJob(matcher, job, w.worker);
      return job;
    }

    it('stores the enclave-signed result and opens the challenge window', async () => {
      const job = await assigned();
      const commitment = await v.m.resultFor(job, 'sealed answer');
      const { result } = await v.submitConfidentialResult(worker.actor, job, worker.enclave.key, commitment);
      const j = await v.job(job);
      assert.equal(statusOf(j.status), 'submitted');
      assert.deepEqual(j.outputHash, commitment.outputHash);
      assert.equal(n(j.challengeDeadline), (await v.m.now()) + BigInt(v.params.challengeWindowSecs));
      const ev = v.m.event(result, 'resultSubmitted');
      assert.deepEqual(ev.outputHash, commitment.outputHash);
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });

    it('forged: a tampered enclave signature fails in the Ed25519 instruction; the same transaction signed properly succeeds', async () => {
      const job = await assigned();
      const good = await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key);
      await rejectAtInstruction(v, { ...good, pre: [forgeSignature(good.pre[0])] }, ED25519_INDEX, PRECOMPILE_INVALID_SIGNATURE);
      // the signature is fine but the output hash in the signed message was swapped afterwards
      const swapped = Buffer.from(good.pre[0].data);
      hash32('a different output').forEach((b, i) => (swapped[112 + 32 + i] = b));
      await rejectAtInstruction(v, { ...good, pre: [new TransactionInstruction({ programId: good.pre[0].programId, keys: [], data: swapped })] }, ED25519_INDEX, PRECOMPILE_INVALID_SIGNATURE);
      await v.run(good);
      assert.equal(statusOf((await v.job(job)).status), 'submitted');
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });

    it('missing: no Ed25519 instruction before it (MissingEd25519Instruction)', async () => {
      const job = await assigned();
      const good = await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key);
      await rejectV(v, { ...good, pre: [] }, 'MissingEd25519Instruction');
      await v.run(good);
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });

    it('wrong signer: signed by another enclave, the worker or the attestation authority (Ed25519SignerMismatch)', async () => {
      const job = await assigned();
      const other = await confidentialWorker();
      const otherEnclave = await v.enclave();
      await v.registerEnclave(other.actor, otherEnclave, attestor);
      for (const signer of [otherEnclave.key, worker.actor.keypair, attestor]) {
        await rejectV(v, await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key, undefined, { signer }), 'Ed25519SignerMismatch');
      }
      await v.run(await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key));
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });

    it('wrong message: the enclave\'s signature over another output hash (Ed25519MessageMismatch)', async () => {
      const job = await assigned();
      const commitment = await v.m.resultFor(job, 'what was computed');
      const message = resultMessage(job, hash32('what the worker would rather claim'));
      await rejectV(v, await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key, commitment, { message }), 'Ed25519MessageMismatch');
      await v.run(await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key, commitment));
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });

    it('malformed: two signatures in one instruction (InvalidEd25519Instruction); a fake instructions sysvar (ConstraintAddress)', async () => {
      const job = await assigned();
      const good = await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key);
      const message = resultMessage(job, good.commitment.outputHash);
      await rejectV(v, { ...good, pre: [ed25519Multi([{ signer: worker.enclave.key, message }, { signer: worker.enclave.key, message }])] }, 'InvalidEd25519Instruction');
      await rejectV(v, await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key, good.commitment, {}, { accounts: { instructionsSysvar: Keypair.generate().publicKey } }), 'ConstraintAddress');
      await v.run(good);
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });

    it('replayed for another job: a genuine enclave signature for job A does not carry job B (Ed25519MessageMismatch)', async () => {
      const a = await assigned();
      const b = await assigned();
      // the same output hash on both jobs: only the job address differs in the signed message
      const output = hash32('a popular answer');
      const ra = { ...(await v.m.resultFor(a)), outputHash: output };
      const rb = { ...(await v.m.resultFor(b)), outputHash: output };
      const forA = await v.submitConfidentialResultCall(worker.actor, a, worker.enclave.key, ra);
      await v.run(forA);
      // the Ed25519 instruction that just landed for A, replayed in B's transaction
      await rejectV(v, await v.submitConfidentialResultCall(worker.actor, b, worker.enclave.key, rb, { pre: forA.pre }), 'Ed25519MessageMismatch');
      await v.run(await v.submitConfidentialResultCall(worker.actor, b, worker.enclave.key, rb));
      await v.m.warp(v.params.challengeWindowSecs);
      for (const job of [a, b]) await v.m.finalizeJob(job);
    });

    it('expired: an enclave whose attestation lapsed while the job ran (EnclaveExpired)', async () => {
      const w = await confidentialWorker();
      const enclave = await v.enclave(100);
      await v.registerEnclave(w.actor, enclave, attestor);
      const onTime = await assigned({ ...w, enclave });
      const late = await assigned({ ...w, enclave });
      await v.m.warp(99);
      await v.submitConfidentialResult(w.actor, onTime, enclave.key);
      await v.m.warp(1);
      assert.equal(await v.m.now(), enclave.expiresAt);
      await rejectV(v, await v.submitConfidentialResultCall(w.actor, late, enclave.key), 'EnclaveExpired');
      // a renewed attestation (new expiry) lets it submit again
      const renewed = { ...enclave, expiresAt: enclave.expiresAt + 3_600n };
      await v.registerEnclave(w.actor, renewed, attestor);
      await v.submitConfidentialResult(w.actor, late, enclave.key);
      await v.m.warp(v.params.challengeWindowSecs);
      for (const job of [onTime, late]) await v.m.finalizeJob(job);
    });

    it('a rotated enclave key: signatures by the old key are refused (Ed25519SignerMismatch)', async () => {
      const w = await confidentialWorker();
      const old = await v.enclave();
      await v.registerEnclave(w.actor, old, attestor);
      const job = await assigned({ ...w, enclave: old });
      // a newer attestation expires later than the one it replaces (rollbacks are refused)
      const rotated = await v.enclave(30 * 86_400 + 1);
      await v.registerEnclave(w.actor, rotated, attestor);
      await rejectV(v, await v.submitConfidentialResultCall(w.actor, job, old.key), 'Ed25519SignerMismatch');
      await v.submitConfidentialResult(w.actor, job, rotated.key);
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });

    it('refuses a worker without an enclave (EnclaveNotRegistered) before looking at the job\'s worker', async () => {
      const job = await assigned();
      const bare = await confidentialWorker();
      await rejectV(v, await v.submitConfidentialResultCall(bare.actor, job, Keypair.generate()), 'EnclaveNotRegistered');
      await v.submitConfidentialResult(worker.actor, job, worker.enclave.key);
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });

    it('then applies submit_result\'s checks: WrongWorker, JobNotAssigned, ResultMismatch, DeadlinePassed', async () => {
      const job = await assigned();
      // another attested worker, validly signing with its own enclave for a job it was not given
      const other = await confidentialWorker();
      const otherEnclave = await v.enclave();
      await v.registerEnclave(other.actor, otherEnclave, attestor);
      await rejectV(v, await v.submitConfidentialResultCall(other.actor, job, otherEnclave.key), 'WrongWorker');
      const honest = await v.m.resultFor(job);
      await rejectV(v, await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key, { ...honest, seed: honest.seed.add(new BN(1)) }), 'ResultMismatch');
      await v.submitConfidentialResult(worker.actor, job, worker.enclave.key, honest);
      await rejectV(v, await v.submitConfidentialResultCall(worker.actor, job, worker.enclave.key, honest), 'JobNotAssigned');
      const late = await assigned();
      await v.m.warp(v.params.jobTimeoutSecs + 1);
      await rejectV(v, await v.submitConfidentialResultCall(worker.actor, late, worker.enclave.key), 'DeadlinePassed');
      await v.m.expireJob(late);
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
      // the requeued job finds no one else eligible here; cancel it
      await v.m.cancelJob(client, late);
    });

    it('refuses a job of another tier (TierNotServed), and submit_result for a confidential job (ConfidentialSubmitRequired)', async () => {
      const { job: verified } = await v.m.postJob(client, { tier: 'verified' });
      await v.m.assignJob(matcher, verified, worker.worker);
      await rejectV(v, await v.submitConfidentialResultCall(worker.actor, verified, worker.enclave.key), 'TierNotServed');
      await v.m.submitResult(worker.actor, verified);
      const job = await assigned();
      await reject(v.m, await v.m.submitResultCall(worker.actor, job), 'ConfidentialSubmitRequired');
      await v.submitConfidentialResult(worker.actor, job, worker.enclave.key);
      await v.m.warp(v.params.challengeWindowSecs);
      for (const j of [verified, job]) await v.m.finalizeJob(j);
    });

    it('refuses a signer that is not the worker\'s authority (NotWorkerAuthority)', async () => {
      const job = await assigned();
      const intruder = await v.m.actor();
      await rejectV(v, await v.submitConfidentialResultCall(intruder, job, worker.enclave.key, undefined, {}, { accounts: { worker: worker.worker } }), 'NotWorkerAuthority');
      await v.submitConfidentialResult(worker.actor, job, worker.enclave.key);
      await v.m.warp(v.params.challengeWindowSecs);
      await v.m.finalizeJob(job);
    });
  });

  describe('why these tests run on litesvm', () => {
    it('solana-bankrun 0.4.0 accepts the very forged attestation litesvm refuses (it does not verify Ed25519)', async () => {
      const bank = await Verification.create(await startEmbedded(), undefined, { confidential: false });
      const authority = Keypair.generate();
      await bank.setAttestationAuthority(authority.publicKey);
      const { actor, worker } = await bank.m.readyWorker({ tiers: ['confidential'] });
      const enclave = await bank.enclave();
      const good = await bank.registerEnclaveCall(actor, enclave, authority);
      const { result } = await bank.send({ ...good, pre: [forgeSignature(good.pre[0])] });
      assert.ok(result.ok, 'if bankrun starts verifying Ed25519, the attestation tests may move back to it');
      assert.equal(big((await bank.worker(worker)).enclaveExpiresAt), enclave.expiresAt);
    });
  });
});
