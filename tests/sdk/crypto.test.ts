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
  promptCommitment,
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

  it('seals a prompt to the worker: commitment = sha256(envelope), documented layout', () => {
    const sealed = sealPrompt({ prompt: 'What is 2+2?', job, workerKey: worker.publicKey, reply });
    assert.deepEqual(Buffer.from(sealed.commitment), sha256(sealed.envelope));
    assert.deepEqual(Buffer.from(promptCommitment(sealed.envelope)), sha256(sealed.envelope));
    assert.equal(sealed.envelope[0], 1);
    assert.equal(sealed.envelope[1], 0x50);
    assert.deepEqual(sealed.envelope.slice(2, 34), reply.publicKey);
    const plaintext = JSON.stringify({ v: 1, job: job.toBase58(), prompt: 'What is 2+2?' });
    assert.equal(sealed.envelope.length, 58 + Buffer.byteLength(plaintext) + 16);
    const opened = openPrompt(sealed.envelope, worker);
    assert.equal(opened.prompt, 'What is 2+2?');
    assert.ok(opened.job.equals(job));
    assert.deepEqual(opened.replyKey, reply.publicKey);
  });

  it('a prompt does not open with another key, nor after tampering', () => {
    const sealed = sealPrompt({ prompt: 'secret', job, workerKey: worker.publicKey, reply });
    assert.throws(() => openPrompt(sealed.envelope, randomEncryptionKeypair()), CryptoError);
    for (const i of [2, 40, sealed.envelope.length - 1]) {
      const t = Uint8Array.from(sealed.envelope);
      t[i] ^= 1;
      assert.throws(() => openPrompt(t, worker), CryptoError, `byte ${i}`);
    }
    assert.throws(() => openPrompt(sealed.envelope.slice(0, 40), worker), /not a version 1 prompt/);
    assert.throws(() => sealPrompt({ prompt: 'x', job, workerKey: new Uint8Array(32), reply }), /no valid encryption key/);
  });

  it('seals a result to the reply key; output_hash = sha256(plaintext)', () => {
    const sealed = sealResult({ output: '4', replyKey: reply.publicKey, worker });
    assert.deepEqual(Buffer.from(sealed.outputHash), sha256('4'));
    assert.equal(sealed.envelope[0], 1);
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
