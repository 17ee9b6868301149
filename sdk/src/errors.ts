/**
 * Every error the SDK throws is a `PeerError` with a stable `code` string, a one-line message
 * (what the CLI prints), and, when a transaction was involved, its logs.
 *
 * - `ProgramError`: one of our programs (or the Anchor framework checks inside them) refused the
 *   transaction; carries the program, the numeric code, the name and the account the program
 *   blamed. `isPeerMarketError(err, 'InsufficientCredits')` (programs.ts) tests for one.
 * - `InsufficientFundsError`: not enough SOL for fees/rent or not enough tokens.
 * - `TransactionFailedError`: any other runtime failure (raw error string and logs).
 * - `TransactionExpiredError`: the blockhash expired on every attempt.
 * - `AccountNotFoundError`, `ValidationError` (bad input caught before sending),
 *   `AmountError` (a human amount that cannot be converted exactly), `CryptoError`
 *   (an envelope that does not open or a commitment that does not match), `RpcError`
 *   (the node could not be reached or answered with an error).
 */
import type { PublicKey } from '@solana/web3.js';

export class PeerError extends Error {
  readonly code: string;
  readonly logs: string[];

  constructor(code: string, message: string, logs: string[] = []) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.logs = logs;
  }
}

export class ProgramError extends PeerError {
  /** "peer_market", "peer_staking", or another program's address. */
  readonly program: string;
  readonly programId: string;
  /** The numeric error code (Anchor framework codes below 6000, ours from 6000). */
  readonly errorCode: number;
  /** The error's name as the program logs it, e.g. "InsufficientCredits". */
  readonly errorName: string;
  /** The account the program blamed ("caused by account: ..."), when it did. */
  readonly account: string | null;
  /** Index of the failing instruction in the transaction. */
  readonly instructionIndex: number | null;

  constructor(args: {
    program: string;
    programId: string;
    errorCode: number;
    errorName: string;
    message: string;
    account?: string | null;
    instructionIndex?: number | null;
    logs: string[];
  }) {
    const where = args.account ? ` (account: ${args.account})` : '';
    super('PROGRAM_ERROR', `${args.program} error ${args.errorName} (${args.errorCode}): ${args.message}${where}`, args.logs);
    this.program = args.program;
    this.programId = args.programId;
    this.errorCode = args.errorCode;
    this.errorName = args.errorName;
    this.account = args.account ?? null;
    this.instructionIndex = args.instructionIndex ?? null;
  }
}

export class InsufficientFundsError extends PeerError {
  /** "SOL" for fees/rent/transfers, "token" for an SPL token balance. */
  readonly asset: 'SOL' | 'token';

  constructor(asset: 'SOL' | 'token', detail: string, logs: string[] = []) {
    super('INSUFFICIENT_FUNDS', `insufficient funds: ${detail}`, logs);
    this.asset = asset;
  }
}

export class TransactionFailedError extends PeerError {
  readonly rawError: string;

  constructor(rawError: string, logs: string[] = []) {
    super('TRANSACTION_FAILED', `transaction failed: ${rawError}`, logs);
    this.rawError = rawError;
  }
}

export class TransactionExpiredError extends PeerError {
  constructor(attempts: number) {
    super('TRANSACTION_EXPIRED', `transaction expired: the blockhash expired on ${attempts} attempt(s) without confirmation`);
  }
}

export class AccountNotFoundError extends PeerError {
  readonly address: string;
  readonly accountType: string;

  constructor(accountType: string, address: PublicKey | string, hint = '') {
    const addr = typeof address === 'string' ? address : address.toBase58();
    super('ACCOUNT_NOT_FOUND', `${accountType} account ${addr} not found${hint ? `: ${hint}` : ''}`);
    this.address = addr;
    this.accountType = accountType;
  }
}

export class ValidationError extends PeerError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

export class AmountError extends PeerError {
  constructor(message: string) {
    super('INVALID_AMOUNT', message);
  }
}

export class CryptoError extends PeerError {
  constructor(message: string) {
    super('CRYPTO', message);
  }
}

export class RpcError extends PeerError {
  constructor(message: string) {
    super('RPC', message);
  }
}

/** The one-line text of any error (a PeerError's message, or the first line of anything else). */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim() || (err instanceof Error ? err.name : 'error');
}
