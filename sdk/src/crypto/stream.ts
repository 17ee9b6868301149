/**
 * Encrypted token streaming (worker → client while a job generates).
 *
 * Each chunk of generated text travels as one frame, bytes:
 *   [0]      0x02 version
 *   [1]      0x53 ('S')
 *   [2..26)  nonce (24 random bytes)
 *   [26..)   nacl.box(index (u32 LE) ‖ text (UTF-8), nonce, client reply key, worker secret key)
 * Indexes start at 0 and increase by one, so a client detects a dropped, repeated or reordered
 * frame. The stream is a preview: the sealed result at the end (envelope.ts) is what the output
 * hash on chain commits to, and the client checks that the chunks add up to it.
 * The box key is precomputed once per stream (nacl.box.before), so a frame costs one
 * XSalsa20-Poly1305 pass.
 */
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { CryptoError } from '../errors';

const VERSION = 2;
const KIND_STREAM = 0x53;
const HEADER = 2 + 24;

export class StreamSealer {
  private readonly shared: Uint8Array;
  private next = 0;

  /** `replyKey`: the client's x25519 key; `secretKey`: the worker's (or enclave's) x25519 secret. */
  constructor(replyKey: Uint8Array, secretKey: Uint8Array) {
    this.shared = nacl.box.before(replyKey, secretKey);
  }

  seal(text: string): Uint8Array {
    const body = Buffer.alloc(4 + Buffer.byteLength(text, 'utf8'));
    body.writeUInt32LE(this.next++, 0);
    body.write(text, 4, 'utf8');
    const nonce = new Uint8Array(randomBytes(24));
    const box = nacl.box.after(body, nonce, this.shared);
    return new Uint8Array(Buffer.concat([Buffer.from([VERSION, KIND_STREAM]), Buffer.from(nonce), Buffer.from(box)]));
  }
}

export class StreamOpener {
  private readonly shared: Uint8Array;
  private next = 0;
  private readonly parts: string[] = [];

  /** `workerKey`: the worker's (or enclave's) x25519 public key; `replySecretKey`: the client's. */
  constructor(workerKey: Uint8Array, replySecretKey: Uint8Array) {
    this.shared = nacl.box.before(workerKey, replySecretKey);
  }

  /** Opens the next frame; throws on a forged, reordered or repeated one. */
  open(frame: Uint8Array): string {
    if (frame.length < HEADER + nacl.box.overheadLength + 4 || frame[0] !== VERSION || frame[1] !== KIND_STREAM) throw new CryptoError('not a stream frame');
    const body = nacl.box.open.after(frame.slice(HEADER), frame.slice(2, HEADER), this.shared);
    if (!body) throw new CryptoError('a stream frame does not open: not from the job\'s worker');
    const index = Buffer.from(body.buffer, body.byteOffset, body.length).readUInt32LE(0);
    if (index !== this.next) throw new CryptoError(`stream frame ${index} arrived where ${this.next} was expected`);
    this.next++;
    const text = Buffer.from(body.subarray(4)).toString('utf8');
    this.parts.push(text);
    return text;
  }

  /** Everything received so far. */
  text(): string {
    return this.parts.join('');
  }

  get frames(): number {
    return this.next;
  }
}
