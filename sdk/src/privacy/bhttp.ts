/**
 * Binary HTTP messages (RFC 9292), known-length form only: what Oblivious HTTP encrypts.
 * Varints are QUIC's (RFC 9000 §16). The decoder accepts the truncation RFC 9292 §3.8 allows
 * (trailing empty sections left out) and the zero padding after a message, and refuses
 * indeterminate-length messages, oversize sections and anything that runs past its input.
 */
export interface BinaryRequest {
  method: string;
  scheme: string;
  authority: string;
  path: string;
  headers: [string, string][];
  body: Uint8Array;
}

export interface BinaryResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

export class BhttpError extends Error {
  constructor(message: string) {
    super(`binary HTTP: ${message}`);
    this.name = 'BhttpError';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function writeVarint(n: number, out: number[]): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new BhttpError(`varint out of range: ${n}`);
  if (n < 0x40) out.push(n);
  else if (n < 0x4000) out.push(0x40 | (n >> 8), n & 0xff);
  else if (n < 0x40000000) out.push(0x80 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  else {
    const v = BigInt(n) | (0xc0n << 56n);
    for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((v >> s) & 0xffn));
  }
}

function writeBytes(b: Uint8Array, out: number[]): void {
  writeVarint(b.length, out);
  for (const x of b) out.push(x);
}

function writeFields(fields: [string, string][], out: number[]): void {
  const section: number[] = [];
  for (const [name, value] of fields) {
    writeBytes(enc.encode(name.toLowerCase()), section);
    writeBytes(enc.encode(value), section);
  }
  writeVarint(section.length, out);
  for (const x of section) out.push(x);
}

export function encodeRequest(req: BinaryRequest): Uint8Array {
  const out: number[] = [];
  writeVarint(0, out); // known-length request
  for (const part of [req.method, req.scheme, req.authority, req.path]) writeBytes(enc.encode(part), out);
  writeFields(req.headers, out);
  writeBytes(req.body, out);
  writeVarint(0, out); // no trailers
  return Uint8Array.from(out);
}

export function encodeResponse(res: BinaryResponse): Uint8Array {
  if (!Number.isInteger(res.status) || res.status < 200 || res.status > 599) throw new BhttpError(`final status must be 200-599, got ${res.status}`);
  const out: number[] = [];
  writeVarint(1, out); // known-length response
  writeVarint(res.status, out);
  writeFields(res.headers, out);
  writeBytes(res.body, out);
  writeVarint(0, out);
  return Uint8Array.from(out);
}

/** Limits a peer cannot exceed; a request body of 16 MiB is far beyond any prompt. */
const MAX_FIELD_SECTION = 64 * 1024;
const MAX_CONTROL = 8 * 1024;

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.b.length;
  }
  varint(): number {
    if (this.done) throw new BhttpError('message ends early');
    const first = this.b[this.pos];
    const len = 1 << (first >> 6);
    if (this.pos + len > this.b.length) throw new BhttpError('message ends inside a varint');
    let v = BigInt(first & 0x3f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(this.b[this.pos + i]);
    this.pos += len;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BhttpError('varint too large');
    return Number(v);
  }
  bytes(max: number, what: string): Uint8Array {
    const n = this.varint();
    if (n > max) throw new BhttpError(`${what} is longer than ${max} bytes`);
    if (this.pos + n > this.b.length) throw new BhttpError(`${what} runs past the message`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  text(max: number, what: string): string {
    try {
      return dec.decode(this.bytes(max, what));
    } catch (err) {
      if (err instanceof BhttpError) throw err;
      throw new BhttpError(`${what} is not valid UTF-8`);
    }
  }
  fields(): [string, string][] {
    if (this.done) return [];
    const section = this.bytes(MAX_FIELD_SECTION, 'field section');
    const r = new Reader(section);
    const out: [string, string][] = [];
    while (!r.done) {
      const name = r.text(MAX_CONTROL, 'field name');
      if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) throw new BhttpError(`invalid field name ${JSON.stringify(name)}`);
      const value = r.text(MAX_FIELD_SECTION, 'field value');
      if (/[\r\n\0]/.test(value)) throw new BhttpError(`field ${name} has a forbidden character`);
      out.push([name, value]);
    }
    return out;
  }
  content(max: number): Uint8Array {
    if (this.done) return new Uint8Array(0);
    return Uint8Array.from(this.bytes(max, 'content'));
  }
  /** Trailers (ignored: we send none) then only zero padding. */
  finish(): void {
    if (!this.done) this.fields();
    for (; this.pos < this.b.length; this.pos++) if (this.b[this.pos] !== 0) throw new BhttpError('non-zero bytes after the message');
  }
}

export function decodeRequest(bytes: Uint8Array, maxBody = 16 * 1024 * 1024): BinaryRequest {
  const r = new Reader(bytes);
  const framing = r.varint();
  if (framing !== 0) throw new BhttpError(framing === 2 ? 'indeterminate-length requests are not supported' : `not a request (framing ${framing})`);
  const method = r.text(MAX_CONTROL, 'method');
  if (!/^[A-Z]+$/.test(method)) throw new BhttpError(`invalid method ${JSON.stringify(method)}`);
  const scheme = r.text(MAX_CONTROL, 'scheme');
  const authority = r.text(MAX_CONTROL, 'authority');
  const path = r.text(MAX_CONTROL, 'path');
  const headers = r.fields();
  const body = r.content(maxBody);
  r.finish();
  return { method, scheme, authority, path, headers, body };
}

export function decodeResponse(bytes: Uint8Array, maxBody = 64 * 1024 * 1024): BinaryResponse {
  const r = new Reader(bytes);
  const framing = r.varint();
  if (framing !== 1) throw new BhttpError(framing === 3 ? 'indeterminate-length responses are not supported' : `not a response (framing ${framing})`);
  let status = r.varint();
  while (status >= 100 && status < 200) {
    r.fields(); // informational responses carry nothing we use
    status = r.varint();
  }
  if (status < 200 || status > 599) throw new BhttpError(`invalid status ${status}`);
  const headers = r.fields();
  const body = r.content(maxBody);
  r.finish();
  return { status, headers, body };
}
