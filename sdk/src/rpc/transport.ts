/**
 * The SDK talks to a chain through a `Transport`: the handful of reads and writes its flows
 * need, so the same flows run over a web3.js `Connection` (ConnectionTransport, any cluster)
 * and over solana-bankrun (BankrunTransport in `sdk/src/testing`). One transport call is one
 * JSON-RPC request on a real cluster (confirmation aside, see ConnectionTransport), which is
 * what `countingTransport` counts for the bench.
 */
import type { Commitment, PublicKey, VersionedTransaction } from '@solana/web3.js';

export interface AccountRecord {
  address: PublicKey;
  lamports: number;
  owner: PublicKey;
  data: Buffer;
  executable: boolean;
}

/** getProgramAccounts filters, exactly as the JSON-RPC API takes them (bytes in base58). */
export type AccountFilter = { memcmp: { offset: number; bytes: string } } | { dataSize: number };

export interface BlockhashInfo {
  blockhash: string;
  lastValidBlockHeight: number;
}

/**
 * Why a transaction failed, in one shape for every transport (web3.js returns a
 * `TransactionError` object, bankrun a string).
 */
export interface TxFailure {
  kind:
    | 'instruction' // an instruction failed (see instructionIndex / customCode)
    | 'blockhashNotFound' // the blockhash is unknown or expired: safe to re-sign and resend
    | 'accountNotFound' // the fee payer does not exist (no SOL at all)
    | 'insufficientFundsForFee'
    | 'insufficientFundsForRent'
    | 'other';
  instructionIndex: number | null;
  customCode: number | null;
  message: string;
}

export interface SimulationResult {
  failure: TxFailure | null;
  logs: string[];
  unitsConsumed: number | null;
  /** The blockhash the node simulated with (replaceRecentBlockhash), when it says. */
  replacementBlockhash: BlockhashInfo | null;
}

export interface SubmitResult {
  signature: string;
  failure: TxFailure | null;
  /** Logs of a failed transaction (successful ones are not fetched). */
  logs: string[];
}

export interface Transport {
  /** "connection" or "bankrun" (and a description of the endpoint). */
  readonly description: string;
  getAccount(address: PublicKey, commitment?: Commitment): Promise<AccountRecord | null>;
  /** One request for up to 100 addresses (more are split by the transport). */
  getAccounts(addresses: PublicKey[], commitment?: Commitment): Promise<(AccountRecord | null)[]>;
  getProgramAccounts(programId: PublicKey, filters: AccountFilter[], commitment?: Commitment): Promise<AccountRecord[]>;
  getLatestBlockhash(commitment?: Commitment): Promise<BlockhashInfo>;
  /** Simulates without checking signatures, replacing the blockhash with a recent one. */
  simulate(tx: VersionedTransaction, commitment?: Commitment): Promise<SimulationResult>;
  /** Sends a signed transaction and waits until it reaches `commitment` or its blockhash expires. */
  sendAndConfirm(tx: VersionedTransaction, opts: { commitment: Commitment; lastValidBlockHeight: number }): Promise<SubmitResult>;
  /** Recent prioritization fees (micro-lamports per CU) paid for these writable accounts. */
  getRecentPrioritizationFees?(writable: PublicKey[]): Promise<number[]>;
}

const INSTRUCTION_ERROR = /Error processing Instruction (\d+): (.*)$/;
const CUSTOM = /custom program error: 0x([0-9a-f]+)/i;

/** A failure from bankrun's error string. */
export function failureFromString(text: string): TxFailure {
  const ix = INSTRUCTION_ERROR.exec(text);
  if (ix) {
    const custom = CUSTOM.exec(ix[2]);
    return { kind: 'instruction', instructionIndex: Number(ix[1]), customCode: custom ? parseInt(custom[1], 16) : null, message: ix[2] };
  }
  if (/blockhash not found/i.test(text)) return { kind: 'blockhashNotFound', instructionIndex: null, customCode: null, message: text };
  if (/no record of a prior credit/i.test(text)) return { kind: 'accountNotFound', instructionIndex: null, customCode: null, message: text };
  if (/insufficient funds for fee/i.test(text)) return { kind: 'insufficientFundsForFee', instructionIndex: null, customCode: null, message: text };
  if (/insufficient funds for rent/i.test(text)) return { kind: 'insufficientFundsForRent', instructionIndex: null, customCode: null, message: text };
  return { kind: 'other', instructionIndex: null, customCode: null, message: text };
}

/** A failure from web3.js's `TransactionError` (`{ InstructionError: [1, { Custom: 6043 }] }`, "BlockhashNotFound", ...). */
export function failureFromRpc(err: unknown): TxFailure {
  if (typeof err === 'string') {
    const kinds: Record<string, TxFailure['kind']> = {
      BlockhashNotFound: 'blockhashNotFound',
      AccountNotFound: 'accountNotFound',
      InsufficientFundsForFee: 'insufficientFundsForFee',
    };
    return { kind: kinds[err] ?? 'other', instructionIndex: null, customCode: null, message: err };
  }
  if (err && typeof err === 'object') {
    const obj = err as Record<string, unknown>;
    if (Array.isArray(obj.InstructionError)) {
      const [index, detail] = obj.InstructionError as [number, unknown];
      if (detail && typeof detail === 'object' && 'Custom' in (detail as object)) {
        const code = Number((detail as { Custom: number }).Custom);
        return { kind: 'instruction', instructionIndex: index, customCode: code, message: `custom program error: 0x${code.toString(16)}` };
      }
      return { kind: 'instruction', instructionIndex: index, customCode: null, message: typeof detail === 'string' ? detail : JSON.stringify(detail) };
    }
    if ('InsufficientFundsForRent' in obj) return { kind: 'insufficientFundsForRent', instructionIndex: null, customCode: null, message: 'InsufficientFundsForRent' };
  }
  return { kind: 'other', instructionIndex: null, customCode: null, message: JSON.stringify(err) };
}

/** Wraps a transport and counts its calls by method (for `measureSdk`). */
export interface CountingTransport extends Transport {
  readonly counts: Record<string, number>;
  /** Transactions sent (sendAndConfirm calls). */
  readonly transactions: number;
  total(): number;
  reset(): void;
}

export function countingTransport(inner: Transport): CountingTransport {
  const counts: Record<string, number> = {};
  const bump = (k: string): void => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  const t: CountingTransport = {
    get description() {
      return inner.description;
    },
    counts,
    get transactions() {
      return counts.sendAndConfirm ?? 0;
    },
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    getAccount: (a, c) => (bump('getAccount'), inner.getAccount(a, c)),
    getAccounts: (a, c) => (bump('getAccounts'), inner.getAccounts(a, c)),
    getProgramAccounts: (p, f, c) => (bump('getProgramAccounts'), inner.getProgramAccounts(p, f, c)),
    getLatestBlockhash: (c) => (bump('getLatestBlockhash'), inner.getLatestBlockhash(c)),
    simulate: (tx, c) => (bump('simulate'), inner.simulate(tx, c)),
    sendAndConfirm: (tx, o) => (bump('sendAndConfirm'), inner.sendAndConfirm(tx, o)),
  };
  if (inner.getRecentPrioritizationFees) {
    const f = inner.getRecentPrioritizationFees.bind(inner);
    t.getRecentPrioritizationFees = (w) => (bump('getRecentPrioritizationFees'), f(w));
  }
  return t;
}
