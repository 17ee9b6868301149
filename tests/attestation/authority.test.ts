/**
 * The attestation authority end to end: it signs only for allowed measurements and keys the
 * report binds, its signature is exactly what register_enclave verifies (litesvm: the runtime
 * really checks the Ed25519 precompile), and a client then trusts, or refuses, the registered
 * enclave from its on-chain record. The enclave runtime's DEV mode is visibly marked and the
 * TSM mode refuses on a machine without a TEE.
 */
import { Ed25519Program, Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { AttestationAuthority, attestationExpiry, parseAttestRequest, type Attestation } from '../../attestation/authority';
import { EnclaveUnavailableError, generateEnclaveKeys, openEnclave, parseSnpCertTable, TSM_REPORT_ROOT } from '../../attestation/enclave';
import {
  AttestationError,
  attestationMessage,
  checkEnclaveRecord,
  DEV_ENCLAVE_LABEL,
  DEV_MEASUREMENT_ID,
  enclaveReportData,
  enclaveResultMessage,
  enclaveSealingKey,
  enclaveRecordOf,
  fetchTrustedEnclave,
  isDevEnclaveMeasurement,
  measurementId,
  verifyTdxQuote,
  verifyConfidentialReply,
  verifyWorkerEvidence,
  sealForTrustedEnclave,
  openOpening,
  commitRequest,
  jobReplyKeypair,
  KIND_PROMPT,
  enclaveEncryptionKeypair,
  type AttestationReason,
  type EnclaveTrustPolicy,
} from '../../sdk/src';
import { BankrunTransport } from '../../sdk/src/testing/bankrun';
import { startLiteSvm, type LiteEnv } from '../fixtures/embedded/litesvm';
import { Verification } from '../fixtures/embedded/verification';
import { AT, read, SNP_ASK_PEM, SNP_MEASUREMENT_HEX, SNP_VCEK_PEM, TDX_MRTD_HEX, TDX_QUOTE } from './fixtures';

async function refusedWith(reason: AttestationReason, fn: () => unknown): Promise<void> {
  await assert.rejects(async () => fn(), (err: unknown) => {
    assert.ok(err instanceof AttestationError, `expected an AttestationError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

const json = (name: string) => JSON.parse(read(name).toString('utf8')) as Record<string, unknown>;

describe('attestation authority: what it signs', () => {
  const keypair = Keypair.generate();
  const worker = Keypair.generate().publicKey;
  const authority = (over: Partial<ConstructorParameters<typeof AttestationAuthority>[0]> = {}) =>
    new AttestationAuthority({ keypair, allow: [`tdx:${TDX_MRTD_HEX}`, `sev-snp:${SNP_MEASUREMENT_HEX}`], allowDev: false, ttlSeconds: 86_400, now: () => AT, ...over });

  it('DEV evidence: refused unless the config allows DEV; then signed, with the DEV measurement and label', async () => {
    const enclave = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    await refusedWith('dev-not-allowed', () => authority().attest({ worker, evidence: enclave.evidenceFile }));
    const a = authority({ allowDev: true }).attest({ worker, evidence: enclave.evidenceFile });
    assert.equal(a.kind, 'dev');
    assert.equal(a.hardwareAttested, false);
    assert.equal(a.label, DEV_ENCLAVE_LABEL);
    assert.ok(isDevEnclaveMeasurement(a.measurement));
    assert.equal(a.enclaveKey, enclave.signingKey.publicKey.toBase58());
    assert.equal(a.expiresAt, Math.floor(AT.getTime() / 1000) + 86_400);
    const message = attestationMessage(worker, enclave.signingKey.publicKey.toBytes(), DEV_MEASUREMENT_ID, BigInt(a.expiresAt));
    assert.ok(nacl.sign.detached.verify(message, Buffer.from(a.signature, 'base64'), keypair.publicKey.toBytes()));
  });

  it('refuses keys the report does not bind, and an x25519 key that is not the enclave key\'s Montgomery form', async () => {
    const enclave = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    const other = generateEnclaveKeys();
    const swapped = { ...enclave.evidenceFile, keys: { signing: other.signingKey.publicKey.toBase58(), encryption: Buffer.from(other.encryptionKeyPair.publicKey).toString('base64') } };
    await refusedWith('report-data-mismatch', () => authority({ allowDev: true }).attest({ worker, evidence: swapped }));
    const wrongX = { ...enclave.evidenceFile, keys: { ...enclave.evidenceFile.keys!, encryption: Buffer.from(other.encryptionKeyPair.publicKey).toString('base64') } };
    await refusedWith('encryption-key-not-enclave', () => authority({ allowDev: true }).attest({ worker, evidence: wrongX }));
    const noKeys = { ...enclave.evidenceFile, keys: undefined };
    await refusedWith('malformed-evidence', () => authority({ allowDev: true }).attest({ worker, evidence: JSON.parse(JSON.stringify(noKeys)) }));
  });

  it('the published hardware reports: genuine, but they bind other keys (report-data-mismatch) or are not allowed (measurement-not-allowed)', async () => {
    const keys = generateEnclaveKeys();
    const ours = { signing: keys.signingKey.publicKey.toBase58(), encryption: Buffer.from(keys.encryptionKeyPair.publicKey).toString('base64') };
    const tdx = { ...json('tdx-spr-e4-evidence.json'), keys: ours };
    await refusedWith('report-data-mismatch', () => authority().attest({ worker, evidence: tdx }));
    await refusedWith('measurement-not-allowed', () => authority({ allow: [`sev-snp:${SNP_MEASUREMENT_HEX}`] }).attest({ worker, evidence: tdx }));
    const snp = { ...json('snp-milan-evidence.json'), keys: ours };
    // the published SNP guest allows debugging: refused before anything else about it counts
    await refusedWith('debug-enabled', () => authority().attest({ worker, evidence: snp }));
    await refusedWith('report-data-mismatch', () => authority({ snp: { allowDebug: true } }).attest({ worker, evidence: snp }));
    // a tampered chain is refused for the chain, whatever the keys
    const broken = { ...snp, certChain: [SNP_ASK_PEM, SNP_ASK_PEM] };
    await refusedWith('malformed-evidence', () => authority({ snp: { allowDebug: true } }).attest({ worker, evidence: broken }));
  });

  it('the expiry is the earlier of now + ttl and the signing certificate\'s end (VCEK / PCK, issued per TCB)', () => {
    const now = new Date('2029-09-01T00:00:00Z');
    const s = (d: Date) => Math.floor(d.getTime() / 1000);
    const pckEnd = verifyTdxQuote(TDX_QUOTE, { now }).notAfter; // 2029-09-20
    assert.equal(attestationExpiry(now, 365 * 86_400, pckEnd), s(pckEnd));
    assert.equal(attestationExpiry(now, 86_400, pckEnd), s(now) + 86_400);
    assert.equal(attestationExpiry(now, 86_400, null), s(now) + 86_400);
    assert.throws(() => attestationExpiry(new Date(pckEnd.getTime() + 1000), 86_400, pckEnd), /certificate-expired/);
    assert.ok(new AttestationAuthority({ keypair, allow: [], allowDev: true, ttlSeconds: 60 }).allowList.includes('dev'));
    assert.throws(() => new AttestationAuthority({ keypair, allow: [], allowDev: true, ttlSeconds: 10 }), /ttlSeconds/);
  });

  it('request shapes: worker must be base58, evidence present, no unknown fields', async () => {
    for (const body of [null, [], 'x', { evidence: {} }, { worker: 'not-base58!', evidence: {} }, { worker: worker.toBase58() }, { worker: worker.toBase58(), evidence: {}, extra: 1 }]) {
      await refusedWith('malformed-evidence', () => parseAttestRequest(body));
    }
  });
});

describe('enclave runtime', () => {
  it('TSM mode on a machine without a TEE refuses with a clear message naming the way out', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'tsm-')), 'report');
    await assert.rejects(openEnclave({ mode: 'tsm', tsmRoot: missing }), (err: unknown) => {
      assert.ok(err instanceof EnclaveUnavailableError);
      assert.match(err.message, /no TEE here/);
      assert.match(err.message, /insecureDevEnclave: true/);
      return true;
    });
    // and the real configfs path, where this machine is not a confidential VM (ours are not)
    if (!existsSync(TSM_REPORT_ROOT)) await assert.rejects(openEnclave({ mode: 'tsm' }), /no TEE here/);
  });

  it('DEV mode needs insecureDevEnclave: true, and is marked not hardware-attested everywhere', async () => {
    await assert.rejects(openEnclave({ mode: 'dev' }), /insecureDevEnclave: true/);
    const e = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    assert.equal(e.kind, 'dev');
    assert.equal(e.hardwareAttested, false);
    assert.equal(e.label, DEV_ENCLAVE_LABEL);
    assert.match(e.label, /NOT hardware-attested/);
    assert.ok(Buffer.from(e.measurement).equals(Buffer.from(DEV_MEASUREMENT_ID)));
    assert.equal(e.evidenceFile.kind, 'dev');
    // the keys: x25519 is the Montgomery form of the ed25519 key (what clients seal to), both bound
    assert.ok(Buffer.from(e.encryptionKeyPair.publicKey).equals(Buffer.from(enclaveSealingKey(e.signingKey.publicKey))));
    assert.ok(Buffer.from(e.verified.reportData).equals(Buffer.from(enclaveReportData({ signingKey: e.signingKey.publicKey.toBytes(), encryptionKey: e.encryptionKeyPair.publicKey }))));
    const msg = new Uint8Array([1, 2, 3]);
    assert.ok(nacl.sign.detached.verify(msg, e.sign(msg), e.signingKey.publicKey.toBytes()));
    // two enclaves never share keys
    const f = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    assert.ok(!f.signingKey.publicKey.equals(e.signingKey.publicKey));
  });

  it('reads AMD\'s certificate table (auxblob) by GUID; an incomplete one yields no chain', () => {
    const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // RFC byte order, as go-sev-guest lays the table out
    const guid = (text: string) => Buffer.from(text.replace(/-/g, ''), 'hex');
    const vcek = der(SNP_VCEK_PEM);
    const ask = der(SNP_ASK_PEM);
    const header = 24 * 3;
    const entry = (g: string, off: number, len: number) => {
      const e = Buffer.alloc(24);
      guid(g).copy(e);
      e.writeUInt32LE(off, 16);
      e.writeUInt32LE(len, 20);
      return e;
    };
    const table = Buffer.concat([
      entry('63da758d-e664-4564-adc5-f4b93be8accd', header, vcek.length),
      entry('4ab7b379-bbac-4fe4-a02f-05aef327c782', header + vcek.length, ask.length),
      Buffer.alloc(24),
      vcek,
      ask,
    ]);
    const chain = parseSnpCertTable(table);
    assert.equal(chain.length, 2);
    assert.equal(chain[0].trim(), SNP_VCEK_PEM.trim());
    assert.deepEqual(parseSnpCertTable(Buffer.concat([entry('63da758d-e664-4564-adc5-f4b93be8accd', 48, vcek.length), Buffer.alloc(24), vcek])), []);
  });
});

describe('register_enclave accepts the authority\'s signature (litesvm), and the client checks the record', () => {
  let env: LiteEnv;
  let v: Verification;
  const authorityKey = Keypair.generate();
  let chainNow: bigint;

  before(async () => {
    env = await startLiteSvm();
    v = await Verification.create(env, undefined, { confidential: false });
    await v.setAttestationAuthority(authorityKey.publicKey);
    chainNow = await v.m.now();
  });

  async function registerWithAuthority(allowDev: boolean): Promise<{ worker: PublicKey; attestation: Attestation; enclaveKey: Keypair; evidence: unknown }> {
    const { actor, worker } = await v.m.readyWorker({ tiers: ['verified', 'confidential'] });
    const enclave = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    const authority = new AttestationAuthority({ keypair: authorityKey, allow: [], allowDev, ttlSeconds: 3_600, now: () => new Date(Number(chainNow) * 1000) });
    const attestation = authority.attest(parseAttestRequest(JSON.parse(JSON.stringify({ worker: worker.toBase58(), evidence: enclave.evidenceFile }))));
    const measurement = [...Buffer.from(attestation.measurement, 'hex')];
    const expiresAt = BigInt(attestation.expiresAt);
    const message = attestationMessage(worker, enclave.signingKey.publicKey.toBytes(), Buffer.from(attestation.measurement, 'hex'), expiresAt);
    const ed = Ed25519Program.createInstructionWithPublicKey({ publicKey: authorityKey.publicKey.toBytes(), message, signature: Buffer.from(attestation.signature, 'base64') });
    await v.run(await v.registerEnclaveCall(actor, { key: enclave.signingKey, measurement, expiresAt }, authorityKey, { pre: [ed] }));
    return { worker, attestation, enclaveKey: enclave.signingKey, evidence: enclave.evidenceFile };
  }

  it('register_enclave records the authority-signed enclave; a signature over another measurement is refused on chain', async () => {
    const { worker, attestation, enclaveKey } = await registerWithAuthority(true);
    const w = await v.worker(worker);
    assert.deepEqual(Buffer.from(w.enclaveKey as number[]), Buffer.from(enclaveKey.publicKey.toBytes()));
    assert.equal(Buffer.from(w.enclaveMeasurement as number[]).toString('hex'), attestation.measurement);
    // the same signature presented for a different measurement: the program refuses it
    const { actor } = await v.m.readyWorker({ tiers: ['verified', 'confidential'] });
    const wrong = [...measurementId('sev-snp', Buffer.from(SNP_MEASUREMENT_HEX, 'hex'))];
    const bundle = await v.registerEnclaveCall(actor, { key: enclaveKey, measurement: wrong, expiresAt: BigInt(attestation.expiresAt) }, authorityKey, {
      pre: [Ed25519Program.createInstructionWithPublicKey({ publicKey: authorityKey.publicKey.toBytes(), message: attestationMessage(worker, enclaveKey.publicKey.toBytes(), Buffer.from(attestation.measurement, 'hex'), BigInt(attestation.expiresAt)), signature: Buffer.from(attestation.signature, 'base64') })],
    });
    await assert.rejects(v.run(bundle), /Ed25519MessageMismatch/);
  });

  it('the client: trusts it only with the authority trusted, DEV opted in, not expired; verifies replies', async () => {
    const { worker, attestation, enclaveKey, evidence } = await registerWithAuthority(true);
    const transport = new BankrunTransport(env.context as never);
    const devPolicy: EnclaveTrustPolicy = { trustedAuthorities: [authorityKey.publicKey], allowedMeasurements: [], allowDev: true };
    const trusted = await fetchTrustedEnclave(transport, worker, devPolicy, { programId: v.programId });
    assert.equal(trusted.hardwareAttested, false);
    assert.equal(trusted.label, DEV_ENCLAVE_LABEL);
    assert.equal(trusted.authorityCheckedBy, 'config');
    // with the authority's signature the client checks it itself
    const bySig = await fetchTrustedEnclave(transport, worker, devPolicy, { programId: v.programId, authoritySignature: Buffer.from(attestation.signature, 'base64') });
    assert.equal(bySig.authorityCheckedBy, 'signature');

    await refusedWith('dev-not-allowed', () => fetchTrustedEnclave(transport, worker, { ...devPolicy, allowDev: false }, { programId: v.programId }));
    await refusedWith('untrusted-authority', () => fetchTrustedEnclave(transport, worker, { ...devPolicy, trustedAuthorities: [Keypair.generate().publicKey] }, { programId: v.programId }));
    await refusedWith('authority-signature', () => fetchTrustedEnclave(transport, worker, devPolicy, { programId: v.programId, authoritySignature: nacl.sign.detached(new Uint8Array([1]), Keypair.generate().secretKey) }));
    await refusedWith('enclave-expired', () => fetchTrustedEnclave(transport, worker, { ...devPolicy, minRemainingSeconds: 7_200 }, { programId: v.programId }));

    const record = enclaveRecordOf(worker, (await v.worker(worker)) as never);
    await refusedWith('enclave-expired', () => checkEnclaveRecord({ record, now: record.expiresAt, policy: devPolicy, configAuthority: authorityKey.publicKey }));
    // a hardware measurement the client did not allow
    const hw = { ...record, measurement: measurementId('sev-snp', Buffer.from(SNP_MEASUREMENT_HEX, 'hex')) };
    await refusedWith('measurement-not-allowed', () => checkEnclaveRecord({ record: hw, now: chainNow, policy: devPolicy, configAuthority: authorityKey.publicKey }));
    const ok = checkEnclaveRecord({ record: hw, now: chainNow, policy: { ...devPolicy, allowedMeasurements: [Buffer.from(hw.measurement).toString('hex')] }, configAuthority: authorityKey.publicKey });
    assert.equal(ok.hardwareAttested, true);
    assert.match(ok.label, /^hardware-attested measurement /);
    // a worker without an enclave
    const { worker: plain } = await v.m.readyWorker({ tiers: ['verified'] });
    await refusedWith('enclave-not-registered', () => fetchTrustedEnclave(transport, plain, devPolicy, { programId: v.programId }));

    // evidence the worker serves, checked against its on-chain record
    const checked = verifyWorkerEvidence({ evidence, record, policy: devPolicy });
    assert.equal(checked.hardwareAttested, false);
    // the right keys, but the record claims another measurement than the evidence shows
    await refusedWith('measurement-not-allowed', () => verifyWorkerEvidence({ evidence, record: { ...record, measurement: measurementId('sev-snp', Buffer.from(SNP_MEASUREMENT_HEX, 'hex')) }, policy: devPolicy }));
    const served = (await openEnclave({ mode: 'dev', insecureDevEnclave: true })).evidenceFile;
    await refusedWith('report-data-mismatch', () => verifyWorkerEvidence({ evidence: served, record, policy: devPolicy }));
    await refusedWith('dev-not-allowed', () => verifyWorkerEvidence({ evidence: served, record, policy: { ...devPolicy, allowDev: false } }));
    const tdxServed = JSON.parse(read('tdx-spr-e4-evidence.json').toString('utf8'));
    await refusedWith('measurement-not-allowed', () => verifyWorkerEvidence({ evidence: tdxServed, record, policy: devPolicy, now: AT }));
    const tdxId = measurementId('tdx', verifyTdxQuote(TDX_QUOTE, { now: AT }).measurement);
    await refusedWith('report-data-mismatch', () => verifyWorkerEvidence({ evidence: tdxServed, record, policy: { allowedMeasurements: [tdxId] }, now: AT }));

    // sealing to the checked enclave: only the enclave's keys open it
    const opening = commitRequest({ maxTokens: 16, prompt: 'secret prompt' });
    const sealed = sealForTrustedEnclave(trusted, { job: worker, opening, reply: jobReplyKeypair(Keypair.generate().secretKey, worker) });
    const opened = openOpening(sealed.envelope, enclaveEncryptionKeypair(enclaveKey.secretKey), KIND_PROMPT);
    assert.equal(opened.prompt, 'secret prompt');
    assert.throws(() => openOpening(sealed.envelope, generateEnclaveKeys().encryptionKeyPair, KIND_PROMPT), /does not open/);

    // replies: signed by the enclave key over job ‖ output_hash, nothing else passes
    const job = Keypair.generate().publicKey;
    const hash = new Uint8Array(32).fill(7);
    const signature = nacl.sign.detached(enclaveResultMessage(job, hash), enclaveKey.secretKey);
    verifyConfidentialReply({ job, outputHash: hash, signature, enclave: trusted });
    await refusedWith('enclave-signature', () => verifyConfidentialReply({ job, outputHash: new Uint8Array(32).fill(8), signature, enclave: trusted }));
    await refusedWith('enclave-signature', () => verifyConfidentialReply({ job: Keypair.generate().publicKey, outputHash: hash, signature, enclave: trusted }));
  });
});
