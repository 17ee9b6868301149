/**
 * The Solana transaction wire format (legacy and v0 messages), parsed with bounds checks so a
 * malformed transaction becomes an error, never an exception deep inside the runtime.
 */
import { encodeBase58 } from './base58';

export const PACKET_DATA_SIZE = 1232;

export class WireFormatError extends Error {}

export interface MessageHeader {
  numRequiredSignatures: number;
  numReadonlySignedAccounts: number;
  numReadonlyUnsignedAccounts: number;
}

export interface CompiledInstruction {
  programIdIndex: number;
  accounts: number[];
  data: Uint8Array;
}

export interface AddressTableLookup {
  accountKey: string;
  writableIndexes: number[];
  readonlyIndexes: number[];
}

export interface ParsedMessage {
  version: 'legacy' | 0;
  header: MessageHeader;
  /** Base58 addresses of the message's own account keys. */
  staticKeys: string[];
  recentBlockhash: string;
  /** Offset of the 32-byte recent blockhash inside the message bytes. */
  blockhashOffset: number;
  instructions: CompiledInstruction[];
  addressTableLookups: AddressTableLookup[];
}

export interface ParsedTransaction {
  signatures: Uint8Array[];
  message: ParsedMessage;
  messageBytes: Uint8Array;
}

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(): number {
    if (this.offset >= this.bytes.length) throw new WireFormatError('unexpected end of data');
    return this.bytes[this.offset++];
  }

  /** Solana's compact-u16 ("shortvec") length prefix. */
  shortVec(): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const byte = this.u8();
      value |= (byte & 0x7f) << (7 * i);
      if ((byte & 0x80) === 0) {
        if (i > 0 && byte === 0) throw new WireFormatError('non-canonical compact-u16');
        if (value > 0xffff) throw new WireFormatError('compact-u16 overflow');
        return value;
      }
    }
    throw new WireFormatError('compact-u16 too long');
  }

  take(n: number): Uint8Array {
    if (n > this.remaining) throw new WireFormatError('unexpected end of data');
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

function readHeader(r: Reader): MessageHeader {
  return { numRequiredSignatures: r.u8(), numReadonlySignedAccounts: r.u8(), numReadonlyUnsignedAccounts: r.u8() };
}

export function parseMessage(bytes: Uint8Array): ParsedMessage {
  const r = new Reader(bytes);
  let version: 'legacy' | 0 = 'legacy';
  const first = bytes[0];
  if (first === undefined) throw new WireFormatError('empty message');
  if (first & 0x80) {
    const v = first & 0x7f;
    if (v !== 0) throw new WireFormatError(`unsupported transaction version ${v}`);
    version = 0;
    r.u8();
  }
  const header = readHeader(r);
  const keyCount = r.shortVec();
  const staticKeys: string[] = [];
  for (let i = 0; i < keyCount; i++) staticKeys.push(encodeBase58(r.take(32)));
  const blockhashOffset = r.offset;
  const recentBlockhash = encodeBase58(r.take(32));
  const ixCount = r.shortVec();
  const instructions: CompiledInstruction[] = [];
  for (let i = 0; i < ixCount; i++) {
    const programIdIndex = r.u8();
    const n = r.shortVec();
    const accounts = Array.from(r.take(n));
    const data = r.take(r.shortVec());
    instructions.push({ programIdIndex, accounts, data });
  }
  const addressTableLookups: AddressTableLookup[] = [];
  if (version === 0) {
    const lookups = r.shortVec();
    for (let i = 0; i < lookups; i++) {
      const accountKey = encodeBase58(r.take(32));
      const writableIndexes = Array.from(r.take(r.shortVec()));
      const readonlyIndexes = Array.from(r.take(r.shortVec()));
      addressTableLookups.push({ accountKey, writableIndexes, readonlyIndexes });
    }
  }
  if (r.remaining !== 0) throw new WireFormatError('trailing bytes after the message');
  const message: ParsedMessage = { version, header, staticKeys, recentBlockhash, blockhashOffset, instructions, addressTableLookups };
  sanitizeMessage(message);
  return message;
}

/** The structural checks the runtime's sanitizer makes, so we can report them precisely. */
function sanitizeMessage(m: ParsedMessage): void {
  const h = m.header;
  const loaded = m.addressTableLookups.reduce((n, l) => n + l.writableIndexes.length + l.readonlyIndexes.length, 0);
  const total = m.staticKeys.length + loaded;
  if (h.numRequiredSignatures === 0) throw new WireFormatError('a transaction needs a fee payer signature');
  if (h.numRequiredSignatures > m.staticKeys.length) throw new WireFormatError('more signers than account keys');
  if (h.numReadonlySignedAccounts >= h.numRequiredSignatures) throw new WireFormatError('the fee payer must be writable');
  if (h.numReadonlyUnsignedAccounts > m.staticKeys.length - h.numRequiredSignatures) throw new WireFormatError('invalid readonly account count');
  if (total > 256) throw new WireFormatError('too many account keys');
  for (const ix of m.instructions) {
    if (ix.programIdIndex === 0 || ix.programIdIndex >= m.staticKeys.length) throw new WireFormatError('invalid program id index');
    for (const a of ix.accounts) if (a >= total) throw new WireFormatError('invalid account index');
  }
  const seen = new Set(m.staticKeys);
  if (seen.size !== m.staticKeys.length) throw new WireFormatError('duplicate account key');
}

export function parseTransaction(bytes: Uint8Array): ParsedTransaction {
  if (bytes.length > PACKET_DATA_SIZE) {
    throw new WireFormatError(`transaction too large: ${bytes.length} bytes (max: ${PACKET_DATA_SIZE})`);
  }
  const r = new Reader(bytes);
  const count = r.shortVec();
  const signatures: Uint8Array[] = [];
  for (let i = 0; i < count; i++) signatures.push(r.take(64));
  const messageBytes = bytes.subarray(r.offset);
  const message = parseMessage(messageBytes);
  if (count !== message.header.numRequiredSignatures) {
    throw new WireFormatError(`${count} signatures for ${message.header.numRequiredSignatures} required signers`);
  }
  return { signatures, message, messageBytes };
}

/** Whether account `index` of the full key list (static, then loaded writable, then loaded readonly) is writable. */
export function isWritableIndex(m: ParsedMessage, index: number, loadedWritable: number): boolean {
  const h = m.header;
  const nStatic = m.staticKeys.length;
  if (index < h.numRequiredSignatures) return index < h.numRequiredSignatures - h.numReadonlySignedAccounts;
  if (index < nStatic) return index < nStatic - h.numReadonlyUnsignedAccounts;
  return index < nStatic + loadedWritable;
}

export function isSignerIndex(m: ParsedMessage, index: number): boolean {
  return index < m.header.numRequiredSignatures;
}
