/**
 * Oblivious HTTP (RFC 9458) over HPKE (RFC 9180, `@hpke/core`): DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-128-GCM. Both ends live here because they are the same few lines of
 * cryptography: the client encapsulates a binary HTTP request to the gateway's key and opens
 * the answer; the gateway (relay/gateway-side.ts) decapsulates and seals the answer.
 *
 *   request  = hdr(key_id, kem, kdf, aead) ‖ enc ‖ Seal(info = "message/bhttp request" ‖ 0 ‖ hdr)
 *   response = nonce ‖ AEAD(key, iv) where key, iv come from HKDF(salt = enc ‖ nonce,
 *              secret = Export("message/bhttp response", max(Nn, Nk)))
 *
 * Responses are buffered whole (RFC 9458 has no streaming); see relay/README.md.
 */
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createCipheriv, createDecipheriv, randomBytes, type webcrypto } from 'node:crypto';
import { decodeResponse, encodeRequest, type BinaryRequest, type BinaryResponse } from './bhttp';

export const KEM_X25519_SHA256 = 0x0020;
export const KDF_HKDF_SHA256 = 0x0001;
export const AEAD_AES_128_GCM = 0x0001;
export const OHTTP_REQUEST_TYPE = 'message/ohttp-req';
export const OHTTP_RESPONSE_TYPE = 'message/ohttp-res';
export const OHTTP_KEYS_TYPE = 'application/ohttp-keys';
/** The problem type a gateway answers when the key id is unknown (RFC 9458 §5.3). */
export const OHTTP_KEY_PROBLEM = 'https://iana.org/assignments/http-problem-types#ohttp-key';

const NK = 16; // AES-128-GCM key
const NN = 12; // AES-128-GCM nonce
const NPK = 32; // X25519 public key
const RESPONSE_NONCE_LEN = Math.max(NN, NK);
const REQUEST_LABEL = new TextEncoder().encode('message/bhttp request');
const RESPONSE_LABEL = new TextEncoder().encode('message/bhttp response');

export class OhttpError extends Error {
  constructor(
    message: string,
    /** 'key' when the gateway does not know the key id: the client should refetch keys. */
    readonly kind: 'format' | 'key' | 'decrypt' = 'format',
  ) {
    super(`oblivious HTTP: ${message}`);
    this.name = 'OhttpError';
  }
}

export interface KeyConfig {
  keyId: number;
  kemId: number;
  publicKey: Uint8Array;
  suites: { kdfId: number; aeadId: number }[];
}

export function suite(): CipherSuite {
  return new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
}

function ab(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One key configuration (RFC 9458 §3.1). */
export function encodeKeyConfig(c: KeyConfig): Uint8Array {
  const out = new Uint8Array(1 + 2 + c.publicKey.length + 2 + 4 * c.suites.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, c.keyId);
  v.setUint16(1, c.kemId);
  out.set(c.publicKey, 3);
  let o = 3 + c.publicKey.length;
  v.setUint16(o, 4 * c.suites.length);
  o += 2;
  for (const s of c.suites) {
    v.setUint16(o, s.kdfId);
    v.setUint16(o + 2, s.aeadId);
    o += 4;
  }
  return out;
}

export function decodeKeyConfig(b: Uint8Array): KeyConfig {
  if (b.length < 3) throw new OhttpError('key configuration too short');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const keyId = v.getUint8(0);
  const kemId = v.getUint16(1);
  if (kemId !== KEM_X25519_SHA256) throw new OhttpError(`unsupported KEM 0x${kemId.toString(16)}`);
  if (b.length < 3 + NPK + 2) throw new OhttpError('key configuration too short');
  const publicKey = b.slice(3, 3 + NPK);
  const len = v.getUint16(3 + NPK);
  if (len === 0 || len % 4 !== 0 || 5 + NPK + len !== b.length) throw new OhttpError('key configuration has a bad algorithm list');
  const suites: KeyConfig['suites'] = [];
  for (let o = 5 + NPK; o < b.length; o += 4) suites.push({ kdfId: v.getUint16(o), aeadId: v.getUint16(o + 2) });
  return { keyId, kemId, publicKey, suites };
}

/** `application/ohttp-keys`: each configuration prefixed by its 2-byte length (RFC 9458 §3.2). */
export function encodeKeyConfigs(configs: KeyConfig[]): Uint8Array {
  return concat(
    ...configs.map((c) => {
      const body = encodeKeyConfig(c);
      const len = new Uint8Array([body.length >> 8, body.length & 0xff]);
      return concat(len, body);
    }),
  );
}

export function decodeKeyConfigs(b: Uint8Array): KeyConfig[] {
  const out: KeyConfig[] = [];
  let o = 0;
  while (o < b.length) {
    if (o + 2 > b.length) throw new OhttpError('key configuration list ends early');
    const len = (b[o] << 8) | b[o + 1];
    if (o + 2 + len > b.length) throw new OhttpError('key configuration list ends early');
    out.push(decodeKeyConfig(b.subarray(o + 2, o + 2 + len)));
    o += 2 + len;
  }
  if (out.length === 0) throw new OhttpError('no key configuration');
  return out;
}

function header(keyId: number): Uint8Array {
  return new Uint8Array([keyId, KEM_X25519_SHA256 >> 8, KEM_X25519_SHA256 & 0xff, 0, KDF_HKDF_SHA256, 0, AEAD_AES_128_GCM]);
}

function requestInfo(hdr: Uint8Array): Uint8Array {
  return concat(REQUEST_LABEL, new Uint8Array([0]), hdr);
}

export function responseKeys(secret: Uint8Array, enc: Uint8Array, nonce: Uint8Array): { key: Uint8Array; iv: Uint8Array } {
  const prk = extract(sha256, secret, concat(enc, nonce));
  return { key: expand(sha256, prk, new TextEncoder().encode('key'), NK), iv: expand(sha256, prk, new TextEncoder().encode('nonce'), NN) };
}

function aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-gcm', key, iv);
  return concat(c.update(plaintext), c.final(), c.getAuthTag());
}

function aesGcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length < 16) throw new OhttpError('encapsulated response too short', 'decrypt');
  const d = createDecipheriv('aes-128-gcm', key, iv);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return concat(d.update(sealed.subarray(0, sealed.length - 16)), d.final());
  } catch {
    throw new OhttpError('response does not decrypt (wrong context or tampered)', 'decrypt');
  }
}

export interface ClientRequestContext {
  /** What the client POSTs to the relay (message/ohttp-req). */
  encapsulated: Uint8Array;
  /** Opens the gateway's message/ohttp-res into the binary HTTP response bytes. */
  open(encapsulatedResponse: Uint8Array): Uint8Array;
}

export interface EncapsulateOptions {
  /** Test vectors only: a fixed ephemeral key pair. */
  ephemeral?: webcrypto.CryptoKeyPair;
}

/** Client side: seals `request` (binary HTTP) to the gateway key `config`. */
export async function encapsulateRequest(config: KeyConfig, request: Uint8Array, opts: EncapsulateOptions = {}): Promise<ClientRequestContext> {
  if (!config.suites.some((s) => s.kdfId === KDF_HKDF_SHA256 && s.aeadId === AEAD_AES_128_GCM)) {
    throw new OhttpError('the gateway offers no HKDF-SHA256 + AES-128-GCM suite');
  }
  const s = suite();
  const hdr = header(config.keyId);
  const recipientPublicKey = await s.kem.importKey('raw', ab(config.publicKey), true);
  const sender = await s.createSenderContext({ recipientPublicKey, info: ab(requestInfo(hdr)), ...(opts.ephemeral ? { ekm: opts.ephemeral } : {}) });
  const enc = new Uint8Array(sender.enc);
  const ct = new Uint8Array(await sender.seal(ab(request)));
  const secret = new Uint8Array(await sender.export(ab(RESPONSE_LABEL), RESPONSE_NONCE_LEN));
  return {
    encapsulated: concat(hdr, enc, ct),
    open(res: Uint8Array): Uint8Array {
      if (res.length < RESPONSE_NONCE_LEN + 16) throw new OhttpError('encapsulated response too short', 'decrypt');
      const nonce = res.subarray(0, RESPONSE_NONCE_LEN);
      const { key, iv } = responseKeys(secret, enc, nonce);
      return aesGcmOpen(key, iv, res.subarray(RESPONSE_NONCE_LEN));
    },
  };
}

export interface GatewayRequestContext {
  /** The binary HTTP request the client sealed. */
  request: Uint8Array;
  /** Seals the binary HTTP response for this request's client. */
  seal(response: Uint8Array, nonce?: Uint8Array): Uint8Array;
}

/** Gateway side: one HPKE key pair under one key id. */
export class OhttpKeyPair {
  private constructor(
    readonly keyId: number,
    private readonly privateKey: webcrypto.CryptoKey,
    readonly publicKey: Uint8Array,
  ) {}

  /** From the 32-byte X25519 secret key (persist it: clients cache the key configuration). */
  static async fromSecretKey(keyId: number, secretKey: Uint8Array): Promise<OhttpKeyPair> {
    if (!Number.isInteger(keyId) || keyId < 0 || keyId > 255) throw new OhttpError('key id must be 0-255');
    if (secretKey.length !== 32) throw new OhttpError('X25519 secret key must be 32 bytes');
    const s = suite();
    const privateKey = await s.kem.importKey('raw', ab(secretKey), false);
    // The public key: derive it the way X25519 does (the KEM has no direct call for it).
    const { x25519 } = await import('@noble/curves/ed25519.js');
    return new OhttpKeyPair(keyId, privateKey, x25519.getPublicKey(secretKey));
  }

  static async generate(keyId: number): Promise<{ pair: OhttpKeyPair; secretKey: Uint8Array }> {
    const secretKey = new Uint8Array(randomBytes(32));
    return { pair: await OhttpKeyPair.fromSecretKey(keyId, secretKey), secretKey };
  }

  config(): KeyConfig {
    return { keyId: this.keyId, kemId: KEM_X25519_SHA256, publicKey: this.publicKey, suites: [{ kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM }] };
  }

  async decapsulate(encapsulated: Uint8Array): Promise<GatewayRequestContext> {
    if (encapsulated.length < 7 + NPK + 16) throw new OhttpError('encapsulated request too short');
    const hdr = encapsulated.subarray(0, 7);
    const v = new DataView(hdr.buffer, hdr.byteOffset, 7);
    if (v.getUint8(0) !== this.keyId) throw new OhttpError(`unknown key id ${v.getUint8(0)}`, 'key');
    if (v.getUint16(1) !== KEM_X25519_SHA256 || v.getUint16(3) !== KDF_HKDF_SHA256 || v.getUint16(5) !== AEAD_AES_128_GCM) {
      throw new OhttpError('unsupported algorithms in the request header', 'key');
    }
    const enc = Uint8Array.from(encapsulated.subarray(7, 7 + NPK));
    const s = suite();
    let request: Uint8Array;
    let secret: Uint8Array;
    try {
      const ctx = await s.createRecipientContext({ recipientKey: this.privateKey, enc: ab(enc), info: ab(requestInfo(Uint8Array.from(hdr))) });
      request = new Uint8Array(await ctx.open(ab(encapsulated.subarray(7 + NPK))));
      secret = new Uint8Array(await ctx.export(ab(RESPONSE_LABEL), RESPONSE_NONCE_LEN));
    } catch {
      throw new OhttpError('request does not decrypt', 'decrypt');
    }
    return {
      request,
      seal(response: Uint8Array, nonce: Uint8Array = new Uint8Array(randomBytes(RESPONSE_NONCE_LEN))): Uint8Array {
        const { key, iv } = responseKeys(secret, enc, nonce);
        return concat(nonce, aesGcmSeal(key, iv, response));
      },
    };
  }
}

export interface ObliviousRequest {
  /** The target URL as the gateway should see it, e.g. https://gateway.example/v1/chat/completions */
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

export function toBinaryRequest(r: ObliviousRequest): BinaryRequest {
  const u = new URL(r.url);
  const body = r.body === undefined ? new Uint8Array(0) : typeof r.body === 'string' ? new TextEncoder().encode(r.body) : r.body;
  return {
    method: (r.method ?? (body.length ? 'POST' : 'GET')).toUpperCase(),
    scheme: u.protocol.replace(/:$/, ''),
    authority: u.host,
    path: `${u.pathname}${u.search}`,
    headers: Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    body,
  };
}

/**
 * Sends one request through an Oblivious Relay: the relay learns our address, not the request;
 * the gateway learns the request, not our address. Returns the decrypted response.
 */
export async function obliviousFetch(relayUrl: string, config: KeyConfig, request: ObliviousRequest, fetchImpl: typeof fetch = fetch): Promise<BinaryResponse> {
  const ctx = await encapsulateRequest(config, encodeRequest(toBinaryRequest(request)));
  const res = await fetchImpl(relayUrl, { method: 'POST', headers: { 'content-type': OHTTP_REQUEST_TYPE }, body: ctx.encapsulated });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200 || !(res.headers.get('content-type') ?? '').startsWith(OHTTP_RESPONSE_TYPE)) {
    const text = new TextDecoder().decode(bytes.subarray(0, 300));
    throw new OhttpError(`relay answered ${res.status}: ${text}`, res.status === 400 && text.includes('ohttp-key') ? 'key' : 'format');
  }
  return decodeResponse(ctx.open(bytes));
}

/** Fetches and parses a gateway's `application/ohttp-keys`; returns the first usable config. */
export async function fetchKeyConfig(keysUrl: string, fetchImpl: typeof fetch = fetch): Promise<KeyConfig> {
  const res = await fetchImpl(keysUrl);
  if (res.status !== 200) throw new OhttpError(`key configuration fetch answered ${res.status}`);
  const configs = decodeKeyConfigs(new Uint8Array(await res.arrayBuffer()));
  const usable = configs.find((c) => c.suites.some((s) => s.kdfId === KDF_HKDF_SHA256 && s.aeadId === AEAD_AES_128_GCM));
  if (!usable) throw new OhttpError('no key configuration with HKDF-SHA256 + AES-128-GCM');
  return usable;
}
