/**
 * Transaction history: what getSignatureStatuses, getTransaction and getSignaturesForAddress
 * read. Records are plain JSON (they are journaled as they are), bounded in number; signatures
 * whose blockhash is still valid are also kept apart, unbounded, for duplicate detection.
 */
import type { TxErrorJson } from '../encoding/tx-errors';
import type { UiTokenAmount } from '../encoding/spl-token';

export interface TokenBalance {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  uiTokenAmount: UiTokenAmount;
}

export interface InnerInstructionJson {
  programIdIndex: number;
  accounts: number[];
  /** base58 */
  data: string;
  stackHeight: number | null;
}

export interface TxRecord {
  signature: string;
  slot: number;
  blockTime: number;
  /** The transaction as sent on the wire, base64. */
  tx: string;
  version: 'legacy' | 0;
  /** Every account key: static, then loaded writable, then loaded readonly. */
  accountKeys: string[];
  loadedAddresses: { writable: string[]; readonly: string[] };
  err: TxErrorJson | null;
  fee: string;
  preBalances: string[];
  postBalances: string[];
  preTokenBalances: TokenBalance[];
  postTokenBalances: TokenBalance[];
  logs: string[];
  innerInstructions: { index: number; instructions: InnerInstructionJson[] }[];
  computeUnits: number;
  returnData: { programId: string; data: string } | null;
  /** Slot of the blockhash the transaction referenced (for duplicate detection). */
  blockhashSlot: number;
}

export class TxHistory {
  private readonly records = new Map<string, TxRecord>();
  /** Signatures whose blockhash can still be used, bucketed by the blockhash's slot. */
  private readonly recent = new Set<string>();
  private readonly recentBySlot = new Map<number, string[]>();
  /** The signatures each slot's block holds, in the order they landed (getBlock). */
  private readonly bySlot = new Map<number, string[]>();
  /** Transactions ever processed (getTransactionCount). */
  transactionCount = 0;

  constructor(private readonly capacity: number) {}

  add(record: TxRecord): void {
    if (!this.records.has(record.signature)) {
      const block = this.bySlot.get(record.slot);
      if (block) block.push(record.signature);
      else this.bySlot.set(record.slot, [record.signature]);
    }
    this.records.delete(record.signature);
    this.records.set(record.signature, record);
    this.recent.add(record.signature);
    const bucket = this.recentBySlot.get(record.blockhashSlot);
    if (bucket) bucket.push(record.signature);
    else this.recentBySlot.set(record.blockhashSlot, [record.signature]);
    this.transactionCount++;
    while (this.records.size > this.capacity) {
      const oldest = this.records.keys().next().value as string;
      const slot = this.records.get(oldest)!.slot;
      this.records.delete(oldest);
      const block = this.bySlot.get(slot);
      if (block) {
        const rest = block.filter((s) => s !== oldest);
        if (rest.length) this.bySlot.set(slot, rest);
        else this.bySlot.delete(slot);
      }
    }
  }

  get(signature: string): TxRecord | undefined {
    return this.records.get(signature);
  }

  /** Whether a transaction with this signature landed while its blockhash is still valid. */
  isRecent(signature: string): boolean {
    return this.recent.has(signature);
  }

  /** Drops duplicate-detection entries whose blockhash can no longer be used. */
  prune(oldestValidBlockhashSlot: number): void {
    for (const [slot, sigs] of this.recentBySlot) {
      if (slot >= oldestValidBlockhashSlot) continue;
      for (const sig of sigs) this.recent.delete(sig);
      this.recentBySlot.delete(slot);
    }
  }

  /** The transactions that landed in `slot`, in order (only those history still holds). */
  inSlot(slot: number): TxRecord[] {
    return (this.bySlot.get(slot) ?? []).map((s) => this.records.get(s)).filter((r): r is TxRecord => r !== undefined);
  }

  /** The oldest slot whose transactions history still holds in full, or null when empty. */
  oldestSlot(): number | null {
    const first = this.records.values().next();
    return first.done ? null : first.value.slot;
  }

  /** Newest first. */
  *newestFirst(): Generator<TxRecord> {
    const all = [...this.records.values()];
    for (let i = all.length - 1; i >= 0; i--) yield all[i];
  }

  all(): TxRecord[] {
    return [...this.records.values()];
  }
}
