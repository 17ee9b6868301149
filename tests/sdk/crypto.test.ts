/**
 * Prompt and result envelopes: they open only with the right keys, any tampering is detected,
 * the commitments are the documented hashes, and enclave signatures verify.
 */
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import {
  CryptoError,
  enclaveResultMessage,
  jobReplyKeypair,
  modelId,
  openPrompt,
  openResult,
  outputHash,
  promptMatchesCommitment,
  commitRequest,
  decodeRequest,
  encodeRequest,
  enclaveEncryptionKeypair,
  enclaveSealingKey,
  openAuditEnvelope,
  openingMatches,
  requestCommitment,
  sealAuditEnvelope,
  signValidatorEntry,
  StreamOpener,
  StreamSealer,
  validatorEncryptionKeypair,
  verifyValidatorEntry,
  randomEncryptionKeypair,
  sealPrompt,
  sealResult,
  signEnclaveResult,
  verifyEnclaveSignature,
  verifyResult,
  workerEncryptionKeypair,
} from '../../sdk/src';

const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

describe('sdk: prompt and result envelopes', () => {
  const workerWallet = Keypair.generate();
  const clientWallet = Keypair.generate();
  const job = Keypair.generate().publicKey;
  const worker = workerEncryptionKeypair(workerWallet.secretKey);
  const reply = jobReplyKeypair(clientWallet.secretKey, job);

  it('derives stable, distinct x25519 keys from wallets', () => {
    assert.deepEqual(workerEncryptionKeypair(workerWallet.secretKey).publicKey, worker.publicKey);
    assert.deepEqual(jobReplyKeypair(clientWallet.secretKey, job).secretKey, reply.secretKey);
    assert.notDeepEqual(jobReplyKeypair(clientWallet.secretKey, Keypair.generate().publicKey).publicKey, reply.publicKey);
    assert.notDeepEqual(workerEncryptionKeypair(clientWallet.secretKey).publicKey, worker.publicKey);
    // A derived key is a valid x25519 keypair.
    assert.deepEqual(nacl.box.keyPair.fromSecretKey(reply.secretKey).publicKey, reply.publicKey);
  });

  it('seals a request to the worker: commitment = salted hash of the request, documented layout', () => {
    const committed = commitRequest({ prompt: 'What is 2+2?', maxTokens: 16 });
    const request = Buffer.from('{"v":1,"max_tokens":16,"prompt":"What is 2+2?"}');
    assert.deepEqual(Buffer.from(committed.request), request);
    const expected = sha256(Buffer.concat([Buffer.from('peer-cycles/request/v2'), Buffer.from([0]), Buffer.from(committed.salt), request]));
    assert.deepEqual(Buffer.from(committed.commitment), expected);
    assert.deepEqual(Buffer.from(requestCommitment(committed.request, committed.salt)), expected);
    const sealed = sealPrompt({ job, opening: committed, workerKey: worker.publicKey, reply });
    assert.deepEqual(sealed.commitment, committed.commitment, 'independent of the worker and the envelope');
    assert.equal(sealed.envelope[0], 2);
    assert.equal(sealed.envelope[1], 0x50);
    assert.deepEqual(sealed.envelope.slice(2, 34), reply.publicKey);
    assert.equal(sealed.envelope.length, 58 + 32 + 32 + request.length + 16);
    const opened = openPrompt(sealed.envelope, worker);
    assert.equal(opened.version, 2);
    assert.equal(opened.prompt, 'What is 2+2?');
    assert.equal(opened.request.maxTokens, 16);
    assert.ok(opened.job.equals(job));
    assert.deepEqual(opened.replyKey, reply.publicKey);
    assert.ok(promptMatchesCommitment(opened, committed.commitment));
    assert.ok(openingMatches(opened.opening!, committed.commitment));
    // Another salt, another commitment: the same request posted twice is unlinkable.
    assert.notDeepEqual(commitRequest({ prompt: 'What is 2+2?', maxTokens: 16 }).commitment, committed.commitment);
    // The same request sealed to another worker keeps its commitment.
    const other = randomEncryptionKeypair();
    const resealed = sealPrompt({ job, opening: committed, workerKey: other.publicKey, reply });
    assert.ok(promptMatchesCommitment(openPrompt(resealed.envelope, other), committed.commitment));
  });

  it('chat requests are canonical JSON; anything else is refused', () => {
    const r = encodeRequest({ maxTokens: 8, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
    assert.equal(Buffer.from(r).toString(), '{"v":1,"max_tokens":8,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}');
    assert.equal(decodeRequest(r).messages?.length, 2);
    assert.throws(() => encodeRequest({ maxTokens: 0, prompt: 'x' }), /max_tokens/);
    assert.throws(() => encodeRequest({ maxTokens: 8 }), /either a prompt or messages/);
    assert.throws(() => encodeRequest({ maxTokens: 8, prompt: 'x'.repeat(70_000) }), /at most/);
    assert.throws(() => encodeRequest({ maxTokens: 8, messages: [{ role: 'tool' as 'user', content: 'x' }] }), /unknown role/);
    assert.throws(() => decodeRequest(Buffer.from('{"max_tokens":8,"v":1,"prompt":"x"}')), /canonical/);
    assert.throws(() => decodeRequest(Buffer.from('not json')), /not UTF-8 JSON/);
    assert.throws(() => decodeRequest(Buffer.from([0xff, 0xfe])), /not UTF-8 JSON/);
  });

  it('a prompt does not open with another key, nor after tampering', () => {
    const sealed = sealPrompt({ job, opening: commitRequest({ prompt: 'secret', maxTokens: 4 }), workerKey: worker.publicKey, reply });
    assert.throws(() => openPrompt(sealed.envelope, randomEncryptionKeypair()), CryptoError);
    for (const i of [2, 40, sealed.envelope.length - 1]) {
      const t = Uint8Array.from(sealed.envelope);
      t[i] ^= 1;
      assert.throws(() => openPrompt(t, worker), CryptoError, `byte ${i}`);
    }
    assert.throws(() => openPrompt(sealed.envelope.slice(0, 40), worker), /not a version 2 prompt/);
    assert.throws(() => sealPrompt({ job, opening: commitRequest({ prompt: 'x', maxTokens: 4 }), workerKey: new Uint8Array(32), reply }), /no valid encryption key/);
  });

  it('stream frames open in order only, from the worker only', () => {
    const sealer = new StreamSealer(reply.publicKey, worker.secretKey);
    const frames = ['Hel', 'lo', ' wörld'].map((t) => sealer.seal(t));
    const opener = new StreamOpener(worker.publicKey, reply.secretKey);
    assert.equal(opener.open(frames[0]), 'Hel');
    assert.throws(() => opener.open(frames[2]), /frame 2 arrived where 1 was expected/);
    assert.equal(opener.open(frames[1]), 'lo');
    assert.equal(opener.open(frames[2]), ' wörld');
    assert.equal(opener.text(), 'Hello wörld');
    const forged = new StreamSealer(reply.publicKey, randomEncryptionKeypair().secretKey).seal('x');
    assert.throws(() => new StreamOpener(worker.publicKey, reply.secretKey).open(forged), /does not open/);
  });

  it('audit envelopes: open only for the validator, only against the on-chain commitment; registry entries are signed', () => {
    const validatorWallet = Keypair.generate();
    const validator = validatorEncryptionKeypair(validatorWallet.secretKey);
    const committed = commitRequest({ prompt: 'audit me', maxTokens: 4 });
    const env = sealAuditEnvelope({ job, opening: committed, validatorKey: validator.publicKey, sender: reply });
    assert.equal(env[1], 0x41);
    const opened = openAuditEnvelope(env, validator, { job, promptCommitment: committed.commitment });
    assert.equal(opened.prompt, 'audit me');
    assert.throws(() => openAuditEnvelope(env, validator, { job, promptCommitment: sha256('other') }), /does not match/);
    assert.throws(() => openAuditEnvelope(env, validator, { job: Keypair.generate().publicKey, promptCommitment: committed.commitment }), /not/);
    assert.throws(() => openPrompt(env, validator), /not a version 2 prompt/, 'an audit envelope is not a prompt');
    const entry = signValidatorEntry({ authoritySecretKey: validatorWallet.secretKey, endpoint: 'http://127.0.0.1:9/', expiresAt: 2_000 });
    const checked = verifyValidatorEntry(entry, 1_000);
    assert.deepEqual(checked.encryptionKey, validator.publicKey);
    assert.equal(checked.endpoint, 'http://127.0.0.1:9');
    assert.throws(() => verifyValidatorEntry(entry, 2_000), /expired/);
    assert.throws(() => verifyValidatorEntry({ ...entry, endpoint: 'http://evil.example/' }, 1_000), /not signed/);
  });

  it('confidential prompts are sealed to the Montgomery form of the enclave key', () => {
    const enclave = nacl.sign.keyPair();
    const committed = commitRequest({ prompt: 'private', maxTokens: 4 });
    const sealed = sealPrompt({ job, opening: committed, workerKey: enclaveSealingKey(enclave.publicKey), reply });
    assert.equal(openPrompt(sealed.envelope, enclaveEncryptionKeypair(enclave.secretKey)).prompt, 'private');
    assert.throws(() => openPrompt(sealed.envelope, worker), CryptoError);
    assert.throws(() => enclaveSealingKey(new Uint8Array(32)), /no enclave key/);
  });

  it('seals a result to the reply key; output_hash = sha256(plaintext)', () => {
    const sealed = sealResult({ output: '4', replyKey: reply.publicKey, worker });
    assert.deepEqual(Buffer.from(sealed.outputHash), sha256('4'));
    assert.equal(sealed.envelope[0], 2);
    assert.equal(sealed.envelope[1], 0x52);
    assert.equal(Buffer.from(openResult(sealed.envelope, { reply, workerKey: worker.publicKey })).toString(), '4');
    const v = verifyResult({ envelope: sealed.envelope, reply, workerKey: worker.publicKey, expectedOutputHash: sealed.outputHash });
    assert.equal(v.text, '4');
  });

  it('rejects a result from another worker, for another client, or not matching the commitment', () => {
    const sealed = sealResult({ output: '4', replyKey: reply.publicKey, worker });
    assert.throws(() => openResult(sealed.envelope, { reply, workerKey: randomEncryptionKeypair().publicKey }), CryptoError);
    assert.throws(() => openResult(sealed.envelope, { reply: randomEncryptionKeypair(), workerKey: worker.publicKey }), CryptoError);
    assert.throws(
      () => verifyResult({ envelope: sealed.envelope, reply, workerKey: worker.publicKey, expectedOutputHash: outputHash('5') }),
      /does not match the on-chain commitment/,
    );
    const forged = sealResult({ output: '5', replyKey: reply.publicKey, worker: randomEncryptionKeypair() });
    assert.throws(() => verifyResult({ envelope: forged.envelope, reply, workerKey: worker.publicKey, expectedOutputHash: forged.outputHash }), CryptoError);
  });

  it('model ids are sha256 of the name, or the hex id itself', () => {
    assert.deepEqual(Buffer.from(modelId('llama-3.1-8b-instruct')), sha256('llama-3.1-8b-instruct'));
    const hex = sha256('x').toString('hex');
    assert.deepEqual(Buffer.from(modelId(hex)), sha256('x'));
  });

  it('enclave signatures over job ‖ output_hash verify only with the enclave key', () => {
    const enclave = nacl.sign.keyPair();
    const hash = outputHash('4');
    assert.deepEqual(Buffer.from(enclaveResultMessage(job, hash)), Buffer.concat([job.toBuffer(), Buffer.from(hash)]));
    const sig = signEnclaveResult(job, hash, enclave.secretKey);
    assert.equal(verifyEnclaveSignature({ job, outputHash: hash, signature: sig, enclaveKey: enclave.publicKey }), true);
    assert.equal(verifyEnclaveSignature({ job, outputHash: outputHash('5'), signature: sig, enclaveKey: enclave.publicKey }), false);
    assert.equal(verifyEnclaveSignature({ job: Keypair.generate().publicKey, outputHash: hash, signature: sig, enclaveKey: enclave.publicKey }), false);
    assert.equal(verifyEnclaveSignature({ job, outputHash: hash, signature: sig, enclaveKey: nacl.sign.keyPair().publicKey }), false);
  });
});
