/**
 * The protocol against published vectors (sources in tests/fixtures/privacy/vectors.ts):
 * Cashu NUT-00/02/12 for BDHKE, tokens, keyset ids and DLEQ; RFC 9458 Appendix A for the key
 * configuration, the encapsulated request and the encapsulated response. Plus the codecs'
 * refusals: malformed CBOR, tokens and binary HTTP are clear errors, never a partial value.
 */
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import assert from 'node:assert/strict';
import {
  blindMessage,
  dleqChallenge,
  hashToCurve,
  keysetIdV0,
  pointFromHex,
  proveDleq,
  signBlinded,
  splitAmount,
  unblindSignature,
  verifyDleq,
  verifyProofDleq,
  verifyProofSignature,
  Point,
} from '../../sdk/src/privacy/bdhke';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, BhttpError } from '../../sdk/src/privacy/bhttp';
import { CborError, decodeCbor, encodeCbor } from '../../sdk/src/privacy/cbor';
import { decodeKeyConfig, decodeKeyConfigs, encodeKeyConfig, encodeKeyConfigs, encapsulateRequest, OhttpKeyPair, responseKeys, suite } from '../../sdk/src/privacy/ohttp';
import { decodeToken, encodeTokenV4, TokenError } from '../../sdk/src/privacy/token';
import { NUT00, NUT02_KEYSET, NUT12, RFC9458 } from '../fixtures/privacy/vectors';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const scalar = (s: string): bigint => BigInt(`0x${s}`);

describe('privacy: Cashu NUT-00 BDHKE vectors', () => {
  it('hash_to_curve maps the three messages to the published points', () => {
    for (const v of NUT00.hashToCurve) assert.equal(hashToCurve(hex(v.message)).toHex(true), v.point);
  });

  it('blinding gives the published B_', () => {
    for (const v of NUT00.blindedMessages) assert.equal(blindMessage(hex(v.x), scalar(v.r)).toHex(true), v.B_);
  });

  it('signing gives the published C_', () => {
    for (const v of NUT00.blindedSignatures) assert.equal(signBlinded(pointFromHex(v.B_), scalar(v.k)).toHex(true), v.C_);
  });

  it('blind → sign → unblind yields k·Y, which the mint verifies and a wrong key does not', () => {
    const k = scalar('7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f');
    const K = Point.BASE.multiply(k);
    const secret = 'a5c8c2a4d2a9c3b1e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8';
    const r = scalar(NUT00.blindedMessages[0].r);
    const B_ = blindMessage(new TextEncoder().encode(secret), r);
    const C = unblindSignature(signBlinded(B_, k), r, K);
    assert.ok(verifyProofSignature(secret, C, k));
    assert.ok(!verifyProofSignature(secret, C, k + 1n));
    assert.ok(!verifyProofSignature(`${secret}0`, C, k));
  });

  it('splits amounts into powers of two and refuses non-integers', () => {
    assert.deepEqual(splitAmount(13), [1, 4, 8]);
    assert.deepEqual(splitAmount(64), [64]);
    assert.deepEqual(splitAmount(0), []);
    assert.throws(() => splitAmount(1.5), /whole number/);
    assert.throws(() => splitAmount(-1), /whole number/);
  });
});

describe('privacy: Cashu NUT-02 keyset id and NUT-12 DLEQ vectors', () => {
  it('derives the published version-00 keyset id', () => {
    assert.equal(keysetIdV0(NUT02_KEYSET.keys), NUT02_KEYSET.id);
  });

  it('hash_e matches', () => {
    assert.equal(dleqChallenge(...NUT12.hashE.points.map(pointFromHex)), NUT12.hashE.hash);
  });

  it('verifies the published DLEQ proofs (deterministic-nonce vector, BlindSignature, Proof) and refuses altered ones', () => {
    const d = NUT12.deterministic;
    assert.ok(verifyDleq({ e: d.e, s: d.s }, pointFromHex(d.A), pointFromHex(d.B_), pointFromHex(d.C_)));
    const b = NUT12.blindSignature;
    assert.ok(verifyDleq({ e: b.e, s: b.s }, pointFromHex(b.A), pointFromHex(b.B_), pointFromHex(b.C_)));
    assert.ok(!verifyDleq({ e: b.e, s: d.s }, pointFromHex(b.A), pointFromHex(b.B_), pointFromHex(b.C_)));
    assert.ok(verifyProofDleq(NUT12.proof.proof, pointFromHex(NUT12.proof.A)));
    assert.ok(!verifyProofDleq({ ...NUT12.proof.proof, secret: `${NUT12.proof.proof.secret.slice(0, -1)}0` }, pointFromHex(NUT12.proof.A)));
  });

  it('our own DLEQ proofs verify, and fail against another key', () => {
    const k = 12345678901234567890n;
    const B_ = blindMessage(new TextEncoder().encode('x'), 99n);
    const C_ = signBlinded(B_, k);
    const dleq = proveDleq(k, B_, C_);
    assert.ok(verifyDleq(dleq, Point.BASE.multiply(k), B_, C_));
    assert.ok(!verifyDleq(dleq, Point.BASE.multiply(k + 1n), B_, C_));
  });
});

describe('privacy: Cashu token serialization (NUT-00 V3/V4 vectors)', () => {
  it('decodes the V3 token and refuses the two malformed ones', () => {
    const t = decodeToken(NUT00.tokenV3);
    assert.equal(t.mint, 'https://8333.space:3338');
    assert.equal(t.unit, 'sat');
    assert.equal(t.memo, 'Thank you.');
    assert.deepEqual(t.proofs, NUT00.tokenV3Proofs);
    assert.throws(() => decodeToken(`casshuA${NUT00.tokenV3.slice(6)}`), TokenError);
    assert.throws(() => decodeToken(NUT00.tokenV3.slice(6)), /must start with cashuB/);
  });

  it('decodes both V4 tokens to the published JSON and re-encodes them byte for byte', () => {
    for (const [text, json] of [
      [NUT00.tokenV4Single, NUT00.tokenV4SingleJson],
      [NUT00.tokenV4Multi, NUT00.tokenV4MultiJson],
    ] as const) {
      const t = decodeToken(text);
      assert.deepEqual(t, json);
      assert.equal(encodeTokenV4(t), text.replace(/=+$/, ''));
    }
  });

  it('refuses malformed V4 tokens with one clear error each', () => {
    const body = NUT00.tokenV4Single.slice(6);
    const raw = new Uint8Array(Buffer.from(body, 'base64url'));
    const cases: [string, RegExp][] = [
      ['cashuB', /CBOR/],
      ['cashuB!!!', /base64url/],
      [`cashuB${Buffer.from(raw.subarray(0, raw.length - 3)).toString('base64url')}`, /CBOR/],
      [`cashuB${Buffer.from(encodeCbor({ t: [], m: 'x', u: 'sat' })).toString('base64url')}`, /no proofs/],
      [`cashuB${Buffer.from(encodeCbor({ t: [{ i: hex('00ad268c4d1f5826'), p: [{ a: -1, s: 'x', c: hex('02'.padEnd(66, '1')) }] }], m: 'x', u: 'sat' })).toString('base64url')}`, /amount/],
      [`cashuB${Buffer.from(encodeCbor({ t: [{ i: hex('00ad268c4d1f5826'), p: [{ a: 1, s: 'x', c: hex('05'.padEnd(66, '1')) }] }], m: 'x', u: 'sat' })).toString('base64url')}`, /\.C must be/],
      [`cashuB${Buffer.from(encodeCbor([1, 2])).toString('base64url')}`, /must be a CBOR map/],
    ];
    for (const [text, why] of cases) assert.throws(() => decodeToken(text), (err: Error) => err instanceof TokenError && why.test(err.message), text.slice(0, 40));
  });

  it('CBOR refuses indefinite lengths, tags, floats, trailing bytes and lengths past the input', () => {
    assert.throws(() => decodeCbor(Uint8Array.from([0x9f, 0x01, 0xff])), /indefinite/);
    assert.throws(() => decodeCbor(Uint8Array.from([0xc1, 0x01])), /tags/);
    assert.throws(() => decodeCbor(Uint8Array.from([0xfb, 0, 0, 0, 0, 0, 0, 0, 0])), /float/);
    assert.throws(() => decodeCbor(Uint8Array.from([0x01, 0x02])), /trailing/);
    assert.throws(() => decodeCbor(Uint8Array.from([0x5a, 0xff, 0xff, 0xff, 0xff])), CborError);
    assert.throws(() => decodeCbor(Uint8Array.from([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02])), /duplicate/);
    assert.deepEqual(decodeCbor(encodeCbor({ a: [1, -2, 'x', new Uint8Array([7]), true, null, 2 ** 40] })), { a: [1, -2, 'x', new Uint8Array([7]), true, null, 2 ** 40] });
  });
});

describe('privacy: RFC 9458 Appendix A (Oblivious HTTP)', () => {
  let gateway: OhttpKeyPair;
  before(async () => {
    gateway = await OhttpKeyPair.fromSecretKey(1, hex(RFC9458.gatewaySecretKey));
  });

  it('the key configuration: our key derives the published public key; the published config round-trips', () => {
    const published = decodeKeyConfig(hex(RFC9458.keyConfig));
    assert.equal(published.keyId, 1);
    assert.equal(published.kemId, 0x20);
    assert.deepEqual(published.suites, [
      { kdfId: 1, aeadId: 1 },
      { kdfId: 1, aeadId: 3 },
    ]);
    assert.equal(toHex(gateway.publicKey), toHex(published.publicKey));
    assert.equal(toHex(encodeKeyConfig(published)), RFC9458.keyConfig);
    assert.deepEqual(decodeKeyConfigs(encodeKeyConfigs([published])), [published]);
    assert.throws(() => decodeKeyConfig(hex(RFC9458.keyConfig).subarray(0, 40)), /too short|algorithm list/);
  });

  it('the binary HTTP request and response decode as the RFC describes (GET https://example.com/, 200)', () => {
    const req = decodeRequest(hex(RFC9458.binaryRequest));
    assert.deepEqual([req.method, req.scheme, req.authority, req.path, req.headers, req.body.length], ['GET', 'https', 'example.com', '/', [], 0]);
    const res = decodeResponse(hex(RFC9458.binaryResponse));
    assert.equal(res.status, 200);
  });

  it('with the published ephemeral key the client produces the published encapsulated request', async () => {
    const s = suite();
    const ab = (h: string) => hex(h).buffer.slice(0) as ArrayBuffer;
    const ephemeral = { privateKey: await s.kem.importKey('raw', ab(RFC9458.ephemeralSecretKey), false), publicKey: await s.kem.importKey('raw', ab(RFC9458.ephemeralPublicKey), true) };
    const ctx = await encapsulateRequest(decodeKeyConfig(hex(RFC9458.keyConfig)), hex(RFC9458.binaryRequest), { ephemeral });
    assert.equal(toHex(ctx.encapsulated), RFC9458.encapsulatedRequest);
    assert.equal(toHex(new TextEncoder().encode('message/bhttp request\0')) + toHex(ctx.encapsulated.subarray(0, 7)), RFC9458.info);
    // And it opens the published encapsulated response.
    assert.equal(toHex(ctx.open(hex(RFC9458.encapsulatedResponse))), RFC9458.binaryResponse);
  });

  it('the gateway opens the published request and, with the published nonce, seals the published response', async () => {
    const g = await gateway.decapsulate(hex(RFC9458.encapsulatedRequest));
    assert.equal(toHex(g.request), RFC9458.binaryRequest);
    assert.equal(toHex(g.seal(hex(RFC9458.binaryResponse), hex(RFC9458.responseNonce))), RFC9458.encapsulatedResponse);
  });

  it('the response key schedule matches the intermediate values (prk, key, nonce)', () => {
    const enc = hex(RFC9458.ephemeralPublicKey);
    const nonce = hex(RFC9458.responseNonce);
    const secret = hex(RFC9458.exportedSecret);
    const salt = new Uint8Array([...enc, ...nonce]);
    assert.equal(toHex(extract(sha256, secret, salt)), RFC9458.prk);
    assert.equal(toHex(expand(sha256, hex(RFC9458.prk), new TextEncoder().encode('key'), 16)), RFC9458.aeadKey);
    const keys = responseKeys(secret, enc, nonce);
    assert.equal(toHex(keys.key), RFC9458.aeadKey);
    assert.equal(toHex(keys.iv), RFC9458.aeadNonce);
  });

  it('refuses an unknown key id, a tampered ciphertext and a truncated message', async () => {
    const req = hex(RFC9458.encapsulatedRequest);
    const otherKey = Uint8Array.from(req);
    otherKey[0] = 9;
    await assert.rejects(gateway.decapsulate(otherKey), (e: Error & { kind?: string }) => e.kind === 'key');
    const tampered = Uint8Array.from(req);
    tampered[tampered.length - 1] ^= 1;
    await assert.rejects(gateway.decapsulate(tampered), /does not decrypt/);
    await assert.rejects(gateway.decapsulate(req.subarray(0, 30)), /too short/);
  });

  it('binary HTTP round-trips fields and content, and refuses garbage', () => {
    const body = new TextEncoder().encode('{"x":1}');
    const req = { method: 'POST', scheme: 'https', authority: 'gw', path: '/v1/chat/completions?a=1', headers: [['content-type', 'application/json'], ['x-cashu', 'cashuBxyz']] as [string, string][], body };
    assert.deepEqual(decodeRequest(encodeRequest(req)), req);
    const res = { status: 402, headers: [['x-cashu', 'creqA']] as [string, string][], body };
    assert.deepEqual(decodeResponse(encodeResponse(res)), res);
    assert.throws(() => decodeRequest(Uint8Array.from([2])), /indeterminate/);
    assert.throws(() => decodeRequest(Uint8Array.from([0, 0x44, 0x47])), BhttpError);
    assert.throws(() => decodeResponse(Uint8Array.from([1, 0x40, 0xc8, 0x05, 0x01])), BhttpError);
    assert.throws(() => decodeRequest(new Uint8Array([...encodeRequest(req), 0, 0, 7])), /non-zero bytes/);
  });
});
