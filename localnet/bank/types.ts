/** Shapes shared by the bank, the ledger and the RPC layer. */
import type { TxErrorJson } from '../encoding/tx-errors';
import type { TxRecord } from './history';

export interface AccountState {
  lamports: bigint;
  /** base58 owner program */
  owner: string;
  executable: boolean;
  data: Uint8Array;
}

/** One account's state before and after a write; `null` means "does not exist". */
export interface AccountChange {
  address: string;
  before: AccountState | null;
  after: AccountState | null;
}

/** What the ledger persists; every method resolves once the write is durable. */
export interface LedgerSink {
  appendTransaction(record: TxRecord, changes: AccountChange[]): Promise<void>;
  appendAccounts(changes: AccountChange[]): Promise<void>;
  /** Slot progress; best effort, never awaited by callers. */
  appendSlot(slot: number): void;
}

/** Why a transaction was refused before it could land. */
export type RejectionKind = 'malformed' | 'signature' | 'preflight' | 'unsupported';

export class TxRejected extends Error {
  constructor(
    readonly kind: RejectionKind,
    message: string,
    readonly err: TxErrorJson | null = null,
    readonly logs: string[] = [],
    readonly unitsConsumed = 0,
    readonly returnData: { programId: string; data: string } | null = null,
  ) {
    super(message);
  }
}

export interface LandedTransaction {
  signature: string;
  /** null when the transaction was dropped (it could not pay or its blockhash was unknown). */
  record: TxRecord | null;
  /** Resolves when the transaction is durable (journaled and fsync'd). */
  committed: Promise<void>;
}

export interface SimulationResult {
  err: TxErrorJson | null;
  logs: string[];
  unitsConsumed: number;
  returnData: { programId: string; data: string } | null;
  innerInstructions: TxRecord['innerInstructions'];
  /** Post-simulation state of the accounts asked for (null: does not exist). */
  accounts: (AccountState | null)[] | null;
  replacementBlockhash: { blockhash: string; lastValidBlockHeight: number } | null;
  fee: bigint;
  loadedAddresses: { writable: string[]; readonly: string[] };
}
