/**
 * Blockhashes: one per slot, derived from the genesis hash and the slot number, so the chain of
 * blockhashes is the same after a restart and a transaction signed just before a restart still
 * lands after it. A blockhash is valid for MAX_PROCESSING_AGE slots, as on a real cluster.
 */
import { createHash } from 'node:crypto';
import { decodeBase58, encodeBase58 } from '../encoding/base58';

/** Solana's MAX_PROCESSING_AGE: a blockhash older than this many slots is rejected. */
export const MAX_PROCESSING_AGE = 150;

export class BlockhashQueue {
  private readonly genesis: Uint8Array;
  /** blockhash → slot, for the slots that can still be referenced. */
  private readonly bySlot = new Map<number, string>();
  private readonly byHash = new Map<string, number>();
  private current = -1;

  constructor(genesisHash: string) {
    const bytes = decodeBase58(genesisHash);
    if (!bytes || bytes.length !== 32) throw new Error(`invalid genesis hash ${genesisHash}`);
    this.genesis = bytes;
  }

  static derive(genesis: Uint8Array, slot: number): string {
    const slotBytes = Buffer.alloc(8);
    slotBytes.writeBigUInt64LE(BigInt(slot));
    return encodeBase58(createHash('sha256').update(genesis).update(slotBytes).digest());
  }

  /** Registers the blockhash of `slot` (and of the window before it) and forgets expired ones. */
  advanceTo(slot: number): void {
    const from = Math.max(0, this.current + 1, slot - MAX_PROCESSING_AGE);
    for (let s = from; s <= slot; s++) {
      const hash = BlockhashQueue.derive(this.genesis, s);
      this.bySlot.set(s, hash);
      this.byHash.set(hash, s);
    }
    this.current = slot;
    for (const [s, hash] of this.bySlot) {
      if (s >= slot - MAX_PROCESSING_AGE) break;
      this.bySlot.delete(s);
      this.byHash.delete(hash);
    }
  }

  /** The blockhash of any slot (derived, so also for slots that have expired). */
  hashOf(slot: number): string {
    return this.bySlot.get(slot) ?? BlockhashQueue.derive(this.genesis, slot);
  }

  latest(): { blockhash: string; slot: number } {
    return { blockhash: this.bySlot.get(this.current) as string, slot: this.current };
  }

  /** The slot a still-valid blockhash was issued in, or null when it is unknown or expired. */
  slotOf(blockhash: string): number | null {
    const s = this.byHash.get(blockhash);
    return s === undefined || s < this.current - MAX_PROCESSING_AGE ? null : s;
  }
}
