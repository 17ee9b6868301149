/**
 * The verifier library on real, published vectors: AMD's SEV-SNP report from google/go-sev-guest
 * (Milan, VCEK → ASK → ARK) and Intel's TDX v4 quote from google/go-tdx-guest (SPR E4, PCK chain
 * to the SGX Root CA). Each verifies; each copy with one flipped bit is refused with its named
 * reason; the key binding, the allow-list and the DEV measurement behave as documented.
 */
import { Keypair } from '@solana/web3.js';
import { createHash, X509Certificate } from 'node:crypto';
import assert from 'node:assert/strict';
import {
  AMD_ARKS,
  ATTESTATION_REASONS,
  AttestationError,
  checkKeyBinding,
  DEV_MEASUREMENT,
  DEV_MEASUREMENT_ID,
  devReport,
  enclaveReportData,
  INTEL_SGX_ROOT_CA_PEM,
  isDevEnclaveMeasurement,
  measurementId,
  parseAllowEntry,
  parseEvidence,
  parseSnpReport,
  serializeEvidence,
  verifyEvidence,
  verifySnpReport,
  verifyTdxQuote,
  type AttestationReason,
} from '../../sdk/src/attestation';
import * as sdk from '../../sdk/src';
import {
  AT,
  flipBit,
  flipCertificateBit,
  read,
  replacePckCertificate,
  SNP_ARK_PEM,
  SNP_ASK_PEM,
  SNP_MEASUREMENT_HEX,
  SNP_REPORT,
  SNP_VCEK_PEM,
  TDX,
  TDX_MRTD_HEX,
  TDX_QUOTE,
} from './fixtures';

function refusedWith(reason: AttestationReason, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AttestationError, `expected an AttestationError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.ok(err.message.startsWith(`${reason}: `));
    return true;
  });
}

const snpChain = { vcek: SNP_VCEK_PEM, ask: SNP_ASK_PEM, ark: SNP_ARK_PEM };
const debugOk = { allowDebug: true };
const randomKeys = () => {
  const signing = Keypair.generate();
  return { signingKey: signing.publicKey.toBytes(), encryptionKey: sdk.randomEncryptionKeypair().publicKey };
};

describe('attestation: pinned roots', () => {
  it('the pinned ARKs and Intel root are the published ones (SHA-256 fingerprints) and self-signed', () => {
    const fp = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
    assert.equal(fp(AMD_ARKS.Milan), '69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd');
    assert.equal(fp(AMD_ARKS.Genoa), '4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1');
    assert.equal(fp(AMD_ARKS.Turin), '1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a');
    assert.equal(fp(INTEL_SGX_ROOT_CA_PEM), '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3');
    for (const pem of [...Object.values(AMD_ARKS), INTEL_SGX_ROOT_CA_PEM]) {
      const c = new X509Certificate(pem);
      assert.ok(c.verify(c.publicKey));
    }
    // the ARK the published chain carries is byte-identical to the pinned Milan ARK
    assert.ok(new X509Certificate(SNP_ARK_PEM).raw.equals(new X509Certificate(AMD_ARKS.Milan).raw));
  });
});

describe('attestation: AMD SEV-SNP (published Milan report)', () => {
  it('parses the report fields', () => {
    const r = parseSnpReport(SNP_REPORT);
    assert.equal(r.version, 2);
    assert.equal(r.signatureAlgo, 1);
    assert.equal(r.vmpl, 0);
    assert.equal(r.policy, 0xb0000n);
    assert.equal(Buffer.from(r.measurement).toString('hex'), SNP_MEASUREMENT_HEX);
    assert.equal(Buffer.from(r.reportData.subarray(0, 5)).toString('hex'), '0102030405');
  });

  it('verifies: VCEK → ASK → pinned ARK, ECDSA P-384 signature, TCB and chip id match the VCEK', () => {
    const v = verifySnpReport(SNP_REPORT, snpChain, { now: AT, policy: debugOk });
    assert.equal(v.product, 'Milan');
    assert.deepEqual(v.tcb, { bootloader: 2, tee: 0, snp: 5, microcode: 68 });
    assert.equal(v.debug, true);
    assert.equal(v.notAfter.toISOString(), '2029-09-24T00:55:28.000Z');
    // the same without the ARK in the chain (it is pinned anyway)
    verifySnpReport(SNP_REPORT, { vcek: SNP_VCEK_PEM, ask: SNP_ASK_PEM }, { now: AT, policy: debugOk });
  });

  it('the default policy refuses it: the published guest allows debugging (debug-enabled)', () => {
    refusedWith('debug-enabled', () => verifySnpReport(SNP_REPORT, snpChain, { now: AT }));
  });

  const tampered: [string, number, AttestationReason][] = [
    ['measurement', 0x90 + 7, 'report-signature'],
    ['report data', 0x50, 'report-signature'],
    ['signature R', 0x2a0 + 3, 'report-signature'],
    ['signature S', 0x2a0 + 72 + 10, 'report-signature'],
    ['guest policy (the debug bit)', 0x08 + 2, 'report-signature'],
    ['reported TCB', 0x180, 'report-signature'],
    ['chip id', 0x1a0 + 5, 'report-signature'],
  ];
  for (const [what, offset, reason] of tampered) {
    it(`one flipped bit in the ${what} → ${reason}`, () => {
      refusedWith(reason, () => verifySnpReport(flipBit(SNP_REPORT, offset, 3), snpChain, { now: AT, policy: debugOk }));
    });
  }

  it('one flipped bit in the VCEK certificate → certificate-chain; in the ASK → untrusted-root', () => {
    refusedWith('certificate-chain', () => verifySnpReport(SNP_REPORT, { ...snpChain, vcek: flipCertificateBit(SNP_VCEK_PEM) }, { now: AT, policy: debugOk }));
    refusedWith('untrusted-root', () => verifySnpReport(SNP_REPORT, { ...snpChain, ask: flipCertificateBit(SNP_ASK_PEM) }, { now: AT, policy: debugOk }));
  });

  it('a chain that does not lead to the pinned ARK is refused (untrusted-root, certificate-chain)', () => {
    // another self-signed root in place of AMD's ARK
    refusedWith('untrusted-root', () => verifySnpReport(SNP_REPORT, { ...snpChain, ark: INTEL_SGX_ROOT_CA_PEM }, { now: AT, policy: debugOk }));
    // Genoa's ASK is real and AMD-signed, but did not sign this Milan VCEK
    const [genoaAskPem] = sdk.splitPem(read('snp-genoa-ask-ark.pem').toString('utf8'));
    refusedWith('certificate-chain', () => verifySnpReport(SNP_REPORT, { vcek: SNP_VCEK_PEM, ask: genoaAskPem }, { now: AT, policy: debugOk }));
    // the ASK given as the VCEK: it carries none of a VCEK's AMD extensions
    refusedWith('malformed-evidence', () => verifySnpReport(SNP_REPORT, { vcek: SNP_ASK_PEM, ask: SNP_ASK_PEM }, { now: AT, policy: debugOk }));
  });

  it('outside the certificates\' validity → certificate-expired', () => {
    refusedWith('certificate-expired', () => verifySnpReport(SNP_REPORT, snpChain, { now: new Date('2030-01-01T00:00:00Z'), policy: debugOk }));
    refusedWith('certificate-expired', () => verifySnpReport(SNP_REPORT, snpChain, { now: new Date('2021-01-01T00:00:00Z'), policy: debugOk }));
  });

  it('a TCB below the configured minimum → tcb-too-low; at the minimum it passes', () => {
    refusedWith('tcb-too-low', () => verifySnpReport(SNP_REPORT, snpChain, { now: AT, policy: { allowDebug: true, minTcb: { snp: 6 } } }));
    verifySnpReport(SNP_REPORT, snpChain, { now: AT, policy: { allowDebug: true, minTcb: { bootloader: 2, tee: 0, snp: 5, microcode: 68 } } });
  });

  it('malformed and unsupported reports are refused before any cryptography', () => {
    refusedWith('malformed-evidence', () => verifySnpReport(SNP_REPORT.subarray(0, 1000), snpChain, { now: AT }));
    const v1 = new Uint8Array(SNP_REPORT);
    v1[0] = 1;
    refusedWith('unsupported-format', () => verifySnpReport(v1, snpChain, { now: AT }));
    const vlek = new Uint8Array(SNP_REPORT);
    vlek[0x48] |= 1 << 2;
    refusedWith('unsupported-format', () => verifySnpReport(vlek, snpChain, { now: AT }));
    refusedWith('malformed-evidence', () => verifySnpReport(SNP_REPORT, { vcek: 'not a certificate', ask: SNP_ASK_PEM }, { now: AT }));
  });
});

describe('attestation: Intel TDX (published v4 quote)', () => {
  it('verifies: PCK chain to the pinned SGX root, QE report by the PCK, QE binds the attestation key, quote signature', () => {
    const v = verifyTdxQuote(TDX_QUOTE, { now: AT });
    assert.equal(v.quote.version, 4);
    assert.equal(Buffer.from(v.quote.mrTd).toString('hex'), TDX_MRTD_HEX);
    assert.equal(v.debug, false);
    assert.equal(v.measurement.length, 240);
    assert.equal(v.quote.trailingBytes, 39); // the published sample ends with an unsigned note
    assert.equal(v.notAfter.toISOString(), '2029-09-20T13:20:31.000Z');
  });

  const tampered: [string, number, AttestationReason][] = [
    ['MRTD', TDX.mrTd + 4, 'report-signature'],
    ['report data', TDX.reportData + 1, 'report-signature'],
    ['TD attributes (the debug bit)', TDX.tdAttributes, 'report-signature'],
    ['quote signature', TDX.signature + 5, 'report-signature'],
    ['attestation key', TDX.attestationKey + 40, 'qe-binding'],
    ['QE report', TDX.qeReport + 200, 'qe-report-signature'],
    ['QE report signature', TDX.qeReportSignature + 9, 'qe-report-signature'],
  ];
  for (const [what, offset, reason] of tampered) {
    it(`one flipped bit in the ${what} → ${reason}`, () => {
      refusedWith(reason, () => verifyTdxQuote(flipBit(TDX_QUOTE, offset), { now: AT }));
    });
  }

  it('one flipped bit in the embedded PCK certificate → certificate-chain', () => {
    const text = Buffer.from(TDX_QUOTE).toString('latin1');
    const pem = text.slice(text.indexOf('-----BEGIN CERTIFICATE-----'), text.indexOf('-----END CERTIFICATE-----') + 25);
    refusedWith('certificate-chain', () => verifyTdxQuote(replacePckCertificate(TDX_QUOTE, flipCertificateBit(pem)), { now: AT }));
  });

  it('a PCK chain that does not end at the pinned Intel root → untrusted-root; truncated quotes → malformed-evidence', () => {
    const text = Buffer.from(TDX_QUOTE).toString('latin1');
    const pems = sdk.splitPem(text);
    refusedWith('untrusted-root', () => verifyTdxQuote(TDX_QUOTE, { now: AT, pckChainPem: [pems[0], pems[1], SNP_ARK_PEM].join('\n') }));
    refusedWith('malformed-evidence', () => verifyTdxQuote(TDX_QUOTE.subarray(0, 700), { now: AT }));
    refusedWith('malformed-evidence', () => verifyTdxQuote(TDX_QUOTE.subarray(0, 1500), { now: AT }));
    const v3 = new Uint8Array(TDX_QUOTE);
    v3[0] = 3;
    refusedWith('unsupported-format', () => verifyTdxQuote(v3, { now: AT }));
  });

  it('a minimum TEE TCB SVN above the quote\'s → tcb-too-low', () => {
    const svn = Buffer.from(verifyTdxQuote(TDX_QUOTE, { now: AT }).quote.teeTcbSvn);
    verifyTdxQuote(TDX_QUOTE, { now: AT, policy: { minTeeTcbSvn: svn.toString('hex') } });
    const higher = Buffer.from(svn);
    higher[0] += 1;
    refusedWith('tcb-too-low', () => verifyTdxQuote(TDX_QUOTE, { now: AT, policy: { minTeeTcbSvn: higher.toString('hex') } }));
  });
});

describe('attestation: key binding (report data = sha512(domain ‖ ed25519 ‖ x25519))', () => {
  it('the published reports bind none of our keys: report-data-mismatch for any keys', () => {
    const snp = parseSnpReport(SNP_REPORT).reportData;
    const tdx = verifyTdxQuote(TDX_QUOTE, { now: AT }).quote.reportData;
    for (const rd of [snp, tdx]) refusedWith('report-data-mismatch', () => checkKeyBinding(rd, randomKeys()));
    // and through verifyEvidence: the genuine report, someone else's keys
    refusedWith('report-data-mismatch', () => verifyEvidence({ kind: 'tdx', report: TDX_QUOTE, certChain: [] }, { now: AT, keys: randomKeys() }));
  });

  it('accepts exactly the keys whose hash is the report data; swapping either key alone fails', () => {
    const keys = randomKeys();
    const rd = enclaveReportData(keys);
    assert.equal(rd.length, 64);
    const expected = createHash('sha512').update('peer-cycles/enclave-keys/v1').update(Buffer.from([0])).update(keys.signingKey).update(keys.encryptionKey).digest();
    assert.ok(Buffer.from(rd).equals(expected));
    checkKeyBinding(rd, keys);
    const other = randomKeys();
    refusedWith('report-data-mismatch', () => checkKeyBinding(rd, { ...keys, signingKey: other.signingKey }));
    refusedWith('report-data-mismatch', () => checkKeyBinding(rd, { ...keys, encryptionKey: other.encryptionKey }));
    refusedWith('report-data-mismatch', () => checkKeyBinding(flipBit(rd, 63), keys));
  });
});

describe('attestation: evidence files, allow-lists, DEV', () => {
  it('the published evidence files verify end to end; the measurement must be on the allow-list', () => {
    const snp = parseEvidence(read('snp-milan-evidence.json').toString('utf8'));
    const v = verifyEvidence(snp, { now: AT, snp: debugOk, allow: [`sev-snp:${SNP_MEASUREMENT_HEX}`] });
    assert.equal(v.kind, 'sev-snp');
    assert.equal(v.hardwareAttested, true);
    assert.ok(Buffer.from(v.measurementId).equals(Buffer.from(measurementId('sev-snp', Buffer.from(SNP_MEASUREMENT_HEX, 'hex')))));
    assert.equal(v.allowedBy, `sev-snp:${SNP_MEASUREMENT_HEX}`);
    refusedWith('measurement-not-allowed', () => verifyEvidence(snp, { now: AT, snp: debugOk, allow: [`sev-snp:${'00'.repeat(48)}`, `tdx:${SNP_MEASUREMENT_HEX}`] }));

    const tdx = parseEvidence(read('tdx-spr-e4-evidence.json').toString('utf8'));
    const t = verifyEvidence(tdx, { now: AT, allow: [`tdx:${TDX_MRTD_HEX}`] });
    assert.equal(t.kind, 'tdx');
    verifyEvidence(tdx, { now: AT, allow: [`id:${Buffer.from(t.measurementId).toString('hex')}`] });
    const rtmr0 = Buffer.from(t.measurement.subarray(48, 96)).toString('hex');
    verifyEvidence(tdx, { now: AT, allow: [`tdx:${TDX_MRTD_HEX}:${rtmr0}:*:*:*`] });
    refusedWith('measurement-not-allowed', () => verifyEvidence(tdx, { now: AT, allow: [`tdx:${TDX_MRTD_HEX}:${'00'.repeat(48)}:*:*:*`] }));
  });

  it('bad evidence documents are malformed-evidence, each with one line', () => {
    const bad: unknown[] = [
      'not json',
      '[]',
      { version: 2, kind: 'tdx', report: 'AAAA' },
      { version: 1, kind: 'sgx', report: 'AAAA' },
      { version: 1, kind: 'tdx', report: 'not base64!' },
      { version: 1, kind: 'tdx', report: '' },
      { version: 1, kind: 'sev-snp', report: 'AAAA', certChain: 'pem' },
      { version: 1, kind: 'sev-snp', report: 'AAAA', certChain: ['no pem here'] },
      { version: 1, kind: 'tdx', report: 'AAAA', keys: { signing: 'zzz', encryption: 'AAAA' } },
      { version: 1, kind: 'tdx', report: 'AAAA', extra: true },
      'x'.repeat(70_000),
    ];
    for (const doc of bad) {
      refusedWith('malformed-evidence', () => parseEvidence(doc));
    }
    refusedWith('malformed-evidence', () => verifyEvidence({ kind: 'sev-snp', report: SNP_REPORT, certChain: [] }));
    for (const entry of ['', 'sev-snp:abc', 'tdx:' + '0'.repeat(96) + ':x:*:*:*', 'id:12', 'sgx:00']) {
      refusedWith('malformed-evidence', () => parseAllowEntry(entry));
    }
  });

  it('evidence round-trips through the file format', () => {
    const keys = randomKeys();
    const e = { kind: 'dev' as const, report: devReport(enclaveReportData(keys)), certChain: [], keys };
    const back = parseEvidence(JSON.stringify(serializeEvidence(e)));
    assert.deepEqual(back, e);
  });

  it('DEV evidence: refused unless allowed, always marked not hardware-attested, bound to its keys', () => {
    const keys = randomKeys();
    const e = { kind: 'dev' as const, report: devReport(enclaveReportData(keys)), certChain: [], keys };
    refusedWith('dev-not-allowed', () => verifyEvidence(e));
    const v = verifyEvidence(e, { allowDev: true, allow: ['dev'] });
    assert.equal(v.hardwareAttested, false);
    assert.equal(v.notAfter, null);
    assert.ok(isDevEnclaveMeasurement(v.measurement));
    assert.ok(isDevEnclaveMeasurement(v.measurementId));
    assert.ok(Buffer.from(v.measurementId).equals(Buffer.from(DEV_MEASUREMENT_ID)));
    assert.ok(Buffer.from(DEV_MEASUREMENT).equals(createHash('sha384').update('peer-cycles dev enclave: NOT hardware-attested').digest()));
    refusedWith('report-data-mismatch', () => verifyEvidence({ ...e, keys: randomKeys() }, { allowDev: true }));
    // a DEV report cannot claim any other measurement
    const fake = new Uint8Array(e.report);
    fake.set(Buffer.from(SNP_MEASUREMENT_HEX, 'hex'), 8);
    refusedWith('malformed-evidence', () => verifyEvidence({ ...e, report: fake }, { allowDev: true }));
    // nor pass as hardware: declared as SNP or TDX it fails their parsers
    refusedWith('malformed-evidence', () => verifyEvidence({ ...e, kind: 'sev-snp', certChain: [SNP_VCEK_PEM, SNP_ASK_PEM] }, { allowDev: true }));
    refusedWith('malformed-evidence', () => verifyEvidence({ ...e, kind: 'tdx' }, { allowDev: true }));
    // real measurements are never DEV
    assert.equal(isDevEnclaveMeasurement(Buffer.from(SNP_MEASUREMENT_HEX, 'hex')), false);
    assert.equal(isDevEnclaveMeasurement(measurementId('sev-snp', Buffer.from(SNP_MEASUREMENT_HEX, 'hex'))), false);
  });

  it('the SDK index exports the attestation API', () => {
    assert.equal(typeof sdk.verifyEvidence, 'function');
    assert.equal(typeof sdk.isDevEnclaveMeasurement, 'function');
    assert.equal(typeof sdk.checkEnclaveRecord, 'function');
  });
});

describe('attestation: garbage never escapes as anything but a named refusal', () => {
  // a fixed-seed generator: the same inputs every run
  let seed = 0x5eed;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);

  it('truncations, random bit flips and random bytes: only AttestationError, never accepted', () => {
    const inputs: { kind: 'sev-snp' | 'tdx'; report: Uint8Array }[] = [];
    for (let i = 0; i < 150; i++) {
      const tdxCut = TDX_QUOTE.subarray(0, next() % TDX_QUOTE.length);
      inputs.push({ kind: 'tdx', report: tdxCut });
      const flips = 1 + (next() % 8);
      let t: Uint8Array = new Uint8Array(TDX_QUOTE);
      let s: Uint8Array = new Uint8Array(SNP_REPORT);
      for (let f = 0; f < flips; f++) {
        t = flipBit(t, next() % 4935, next() % 8); // within the signed and signature data
        s = flipBit(s, next() % SNP_REPORT.length, next() % 8);
      }
      inputs.push({ kind: 'tdx', report: t }, { kind: 'sev-snp', report: s });
      const noise = new Uint8Array(next() % 2000);
      for (let j = 0; j < noise.length; j++) noise[j] = next() & 0xff;
      inputs.push({ kind: i % 2 ? 'tdx' : 'sev-snp', report: noise });
    }
    let refused = 0;
    for (const input of inputs) {
      try {
        verifyEvidence({ ...input, certChain: input.kind === 'sev-snp' ? [SNP_VCEK_PEM, SNP_ASK_PEM] : [] }, { now: AT, snp: debugOk });
        assert.fail(`a damaged ${input.kind} report verified`);
      } catch (err) {
        assert.ok(err instanceof AttestationError, `not an AttestationError: ${String(err)}`);
        assert.ok(ATTESTATION_REASONS.includes(err.reason));
        refused++;
      }
    }
    assert.equal(refused, inputs.length);
  });
});
