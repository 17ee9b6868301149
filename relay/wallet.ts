/**
 * The local proxy's ecash wallet: proofs in SQLite, so a kill -9 loses none. A payment first
 * RESERVES proofs (one transaction), then sends them; the answer either spends them (deleted,
 * change stored, one transaction) or, when the outcome is unknown (network failure), they stay
 * reserved until `reconcile()` asks the mint (NUT-07) whether they were spent.
 */
import { openStore, type Store } from '../service-kit/store';
import { createOutputs, MintClient, unblindOutputs, type PendingOutputs } from '../sdk/src/privacy/wallet';
import { decodeToken, sumProofs, type BlindSignature, type Proof } from '../sdk/src/privacy/token';

const MIGRATIONS = [
  `CREATE TABLE proofs (
     secret TEXT PRIMARY KEY,
     id TEXT NOT NULL,
     amount INTEGER NOT NULL,
     c TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('ready', 'reserved')),
     payment TEXT
   );`,
];

export interface Reservation {
  payment: string;
  proofs: Proof[];
  /** Blinded change outputs for the overpayment (sent as X-Cashu-Change). */
  change?: PendingOutputs;
  changeKeys?: Record<string, string>;
}

export class ProxyWallet {
  readonly store: Store;
  constructor(
    path: string,
    readonly mint: MintClient,
  ) {
    this.store = openStore(path, MIGRATIONS);
  }

  close(): void {
    this.store.close();
  }

  balance(): { ready: number; reserved: number } {
    const rows = this.store.prepare('SELECT state, COALESCE(SUM(amount), 0) AS s FROM proofs GROUP BY state').all() as { state: string; s: number }[];
    return { ready: rows.find((r) => r.state === 'ready')?.s ?? 0, reserved: rows.find((r) => r.state === 'reserved')?.s ?? 0 };
  }

  add(proofs: Proof[]): void {
    const ins = this.store.prepare("INSERT OR IGNORE INTO proofs(secret, id, amount, c, state) VALUES (?, ?, ?, ?, 'ready')");
    this.store.transaction(() => proofs.forEach((p) => ins.run(p.secret, p.id, p.amount, p.C))).immediate();
  }

  /** Takes ownership of a token: swaps it at the mint for fresh proofs only we know. */
  async receive(token: string): Promise<number> {
    const t = decodeToken(token);
    const { id, keys } = await this.mint.activeKeys();
    const pending = createOutputs(sumProofs(t.proofs), id);
    const fresh = unblindOutputs(pending, await this.mint.swap(t.proofs, pending.outputs), keys);
    this.add(fresh);
    return sumProofs(fresh);
  }

  /** Reserves proofs covering `amount` (smallest first); null when the balance is short. */
  async reserve(amount: number): Promise<Reservation | null> {
    const payment = `pay_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
    const picked = this.store.transaction(() => {
      const rows = this.store.prepare("SELECT secret, id, amount, c FROM proofs WHERE state = 'ready' ORDER BY amount DESC").all() as { secret: string; id: string; amount: number; c: string }[];
      const chosen: typeof rows = [];
      let sum = 0;
      // Largest first until covered, then drop any proof the rest already covers.
      for (const r of rows) {
        if (sum >= amount) break;
        chosen.push(r);
        sum += r.amount;
      }
      if (sum < amount) return null;
      for (let i = chosen.length - 1; i >= 0; i--) {
        if (sum - chosen[i].amount >= amount) {
          sum -= chosen[i].amount;
          chosen.splice(i, 1);
        }
      }
      const mark = this.store.prepare("UPDATE proofs SET state = 'reserved', payment = ? WHERE secret = ?");
      chosen.forEach((r) => mark.run(payment, r.secret));
      return chosen;
    }).immediate();
    if (!picked) return null;
    const proofs = picked.map((r) => ({ secret: r.secret, id: r.id, amount: r.amount, C: r.c }));
    const over = sumProofs(proofs) - amount;
    if (over === 0) return { payment, proofs };
    const { id, keys } = await this.mint.activeKeys();
    return { payment, proofs, change: createOutputs(over, id), changeKeys: keys };
  }

  /** The payment went through: drop the spent proofs, keep the change. */
  settle(r: Reservation, changeSignatures?: BlindSignature[]): void {
    const change = r.change && changeSignatures ? unblindOutputs(r.change, changeSignatures, r.changeKeys!) : [];
    this.store.transaction(() => {
      this.store.prepare('DELETE FROM proofs WHERE payment = ?').run(r.payment);
      const ins = this.store.prepare("INSERT OR IGNORE INTO proofs(secret, id, amount, c, state) VALUES (?, ?, ?, ?, 'ready')");
      change.forEach((p) => ins.run(p.secret, p.id, p.amount, p.C));
    }).immediate();
  }

  /** The gateway refused before spending: the proofs are ours again. */
  release(r: Reservation): void {
    this.store.prepare("UPDATE proofs SET state = 'ready', payment = NULL WHERE payment = ?").run(r.payment);
  }

  /** Asks the mint about every reserved proof: spent ones go, unspent ones are ready again. */
  async reconcile(): Promise<{ spent: number; released: number }> {
    const rows = this.store.prepare("SELECT secret, id, amount, c FROM proofs WHERE state = 'reserved'").all() as { secret: string; id: string; amount: number; c: string }[];
    if (rows.length === 0) return { spent: 0, released: 0 };
    const proofs = rows.map((r) => ({ secret: r.secret, id: r.id, amount: r.amount, C: r.c }));
    const states = await this.mint.checkState(proofs);
    let spent = 0;
    let released = 0;
    this.store.transaction(() => {
      states.forEach((s, i) => {
        if (s.state === 'SPENT') {
          this.store.prepare('DELETE FROM proofs WHERE secret = ?').run(proofs[i].secret);
          spent += proofs[i].amount;
        } else if (s.state === 'UNSPENT') {
          this.store.prepare("UPDATE proofs SET state = 'ready', payment = NULL WHERE secret = ?").run(proofs[i].secret);
          released += proofs[i].amount;
        }
      });
    }).immediate();
    return { spent, released };
  }
}
