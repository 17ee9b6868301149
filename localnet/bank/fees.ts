/**
 * Fees: the signature fee the runtime charges (litesvm charges lamports-per-signature for every
 * transaction signature and every precompile signature, and no prioritization fee), the compute
 * budget a message requests, and the recent prioritization fees per slot.
 */
import type { ParsedMessage } from '../encoding/wire';

export const LAMPORTS_PER_SIGNATURE = 5_000n;
export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
const PRECOMPILES = new Set([
  'Ed25519SigVerify111111111111111111111111111',
  'KeccakSecp256k11111111111111111111111111111',
  'Secp256r1SigVerify1111111111111111111111111',
]);

export function signatureCount(m: ParsedMessage): number {
  let n = m.header.numRequiredSignatures;
  for (const ix of m.instructions) {
    if (PRECOMPILES.has(m.staticKeys[ix.programIdIndex]) && ix.data.length > 0) n += ix.data[0];
  }
  return n;
}

/** The fee the runtime charges for `m`, in lamports. */
export function feeForMessage(m: ParsedMessage): bigint {
  return LAMPORTS_PER_SIGNATURE * BigInt(signatureCount(m));
}

/** The compute unit price (micro-lamports per CU) a message sets, 0 when none. */
export function computeUnitPrice(m: ParsedMessage): bigint {
  let price = 0n;
  for (const ix of m.instructions) {
    if (m.staticKeys[ix.programIdIndex] !== COMPUTE_BUDGET_PROGRAM) continue;
    if (ix.data[0] === 3 && ix.data.length >= 9) {
      price = Buffer.from(ix.data.buffer, ix.data.byteOffset, ix.data.byteLength).readBigUInt64LE(1);
    }
  }
  return price;
}

interface SlotFees {
  /** Lowest price of any transaction in the slot. */
  min: bigint;
  /** Lowest price per writable account. */
  byAccount: Map<string, bigint>;
}

/**
 * Agave's recent prioritization fee cache: per slot, the minimum fee of the block and per
 * writable account; a query for accounts returns, per slot, the max of those minimums.
 */
export class PrioritizationFees {
  private readonly slots = new Map<number, SlotFees>();

  constructor(private readonly window = 150) {}

  record(slot: number, price: bigint, writable: string[]): void {
    let s = this.slots.get(slot);
    if (!s) {
      s = { min: price, byAccount: new Map() };
      this.slots.set(slot, s);
    }
    if (price < s.min) s.min = price;
    for (const a of writable) {
      const prev = s.byAccount.get(a);
      if (prev === undefined || price < prev) s.byAccount.set(a, price);
    }
  }

  prune(currentSlot: number): void {
    for (const slot of this.slots.keys()) {
      if (slot > currentSlot - this.window) break;
      this.slots.delete(slot);
    }
  }

  query(currentSlot: number, accounts: string[]): { slot: number; prioritizationFee: bigint }[] {
    const out: { slot: number; prioritizationFee: bigint }[] = [];
    for (let slot = Math.max(0, currentSlot - this.window + 1); slot <= currentSlot; slot++) {
      const s = this.slots.get(slot);
      let fee = s ? s.min : 0n;
      if (s) {
        for (const a of accounts) {
          const f = s.byAccount.get(a);
          if (f !== undefined && f > fee) fee = f;
        }
      }
      out.push({ slot, prioritizationFee: fee });
    }
    return out;
  }
}
