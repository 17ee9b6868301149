/**
 * The local proxy's ecash wallet: proofs in SQLite, so a kill -9 loses none. A payment first
 * RESERVES proofs (one transaction), then sends them; the answer either spends them (deleted,
 * change stored, one transaction) or, when the outcome is unknown (network failure), they stay
 * reserved until `reconcile()` asks the mint (NUT-07) whether they were spent. Outputs sent for
 * signing (a received token's, a payment's change) are stored before they leave, so a crash
 * before their signatures are stored is repaired at the next start by NUT-09 restore.
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
  // Outputs sent for signing and not yet turned into proofs: after a crash, NUT-09 restore
  // finds the signatures the mint gave for them.
  `CREATE TABLE pending_outputs (
     b_ TEXT PRIMARY KEY,
     batch TEXT NOT NULL,
     id TEXT NOT NULL,
     amount INTEGER NOT NULL,
     secret TEXT NOT NULL,
     r TEXT NOT NULL
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
    const batch = this.remember(pending);
    const fresh = unblindOutputs(pending, await this.mint.swap(t.proofs, pending.outputs), keys);
    this.store.transaction(() => {
      this.add(fresh);
      this.forget(batch);
    }).immediate();
    return sumProofs(fresh);
  }

  private remember(pending: PendingOutputs, batch = `b_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`): string {
    const ins = this.store.prepare('INSERT INTO pending_outputs(b_, batch, id, amount, secret, r) VALUES (?, ?, ?, ?, ?, ?)');
    this.store.transaction(() => pending.outputs.forEach((o, i) => ins.run(o.B_, batch, o.id, o.amount, pending.secrets[i], pending.blindingFactors[i].toString(16)))).immediate();
    return batch;
  }

  private forget(batch: string): void {
    this.store.prepare('DELETE FROM pending_outputs WHERE batch = ?').run(batch);
  }

  /** After a crash: proofs for every output the mint signed but we never stored (NUT-09). */
  async recoverPending(batch?: string): Promise<number> {
    const rows = (batch === undefined
      ? this.store.prepare('SELECT b_, batch, id, amount, secret, r FROM pending_outputs').all()
      : this.store.prepare('SELECT b_, batch, id, amount, secret, r FROM pending_outputs WHERE batch = ?').all(batch)) as { b_: string; batch: string; id: string; amount: number; secret: string; r: string }[];
    if (rows.length === 0) return 0;
    const restored = await this.mint.restore(rows.map((r) => ({ amount: r.amount, id: r.id, B_: r.b_ })));
    let recovered = 0;
    const keysById = new Map<string, Record<string, string>>();
    for (let i = 0; i < restored.outputs.length; i++) {
      const row = rows.find((r) => r.b_ === restored.outputs[i].B_)!;
      if (!keysById.has(row.id)) keysById.set(row.id, await this.mint.keysFor(row.id));
      const [proof] = unblindOutputs({ outputs: [restored.outputs[i]], secrets: [row.secret], blindingFactors: [BigInt(`0x${row.r}`)] }, [restored.signatures[i]], keysById.get(row.id)!);
      this.add([proof]);
      recovered += proof.amount;
    }
    // Outputs the mint never signed belong to a request that never happened: drop them.
    if (batch === undefined) this.store.prepare('DELETE FROM pending_outputs').run();
    else this.forget(batch);
    return recovered;
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
    const change = createOutputs(over, id);
    this.remember(change, payment);
    return { payment, proofs, change, changeKeys: keys };
  }

  /** The payment went through: drop the spent proofs, keep the change. */
  settle(r: Reservation, changeSignatures?: BlindSignature[]): void {
    const change = r.change && changeSignatures ? unblindOutputs(r.change, changeSignatures, r.changeKeys!) : [];
    this.store.transaction(() => {
      this.store.prepare('DELETE FROM proofs WHERE payment = ?').run(r.payment);
      this.forget(r.payment);
      const ins = this.store.prepare("INSERT OR IGNORE INTO proofs(secret, id, amount, c, state) VALUES (?, ?, ?, ?, 'ready')");
      change.forEach((p) => ins.run(p.secret, p.id, p.amount, p.C));
    }).immediate();
  }

  /** The gateway refused before spending: the proofs are ours again. */
  release(r: Reservation): void {
    this.store.transaction(() => {
      this.store.prepare("UPDATE proofs SET state = 'ready', payment = NULL WHERE payment = ?").run(r.payment);
      this.forget(r.payment);
    }).immediate();
  }

  /** A refused payment: asks the mint about this reservation's proofs; spent ones go, the rest are ready again. */
  async resolve(r: Reservation): Promise<void> {
    const states = await this.mint.checkState(r.proofs).catch(() => null);
    if (!states) return; // the mint is unreachable: stay reserved, reconcile() decides at the next start
    // Spent although refused (e.g. a retry after a lost answer): the change, if the mint signed
    // it, comes back through NUT-09 restore.
    if (states?.some((st) => st.state === 'SPENT')) await this.recoverPending(r.payment).catch(() => 0);
    this.store.transaction(() => {
      r.proofs.forEach((p, i) => {
        if (states?.[i]?.state === 'SPENT') this.store.prepare('DELETE FROM proofs WHERE secret = ?').run(p.secret);
        else this.store.prepare("UPDATE proofs SET state = 'ready', payment = NULL WHERE secret = ?").run(p.secret);
      });
      this.forget(r.payment);
    }).immediate();
  }

  /** At start: recovers pending outputs, then asks the mint about every reserved proof: spent ones go, unspent ones are ready again. */
  async reconcile(): Promise<{ spent: number; released: number; recovered: number }> {
    const recovered = await this.recoverPending();
    const rows = this.store.prepare("SELECT secret, id, amount, c FROM proofs WHERE state = 'reserved'").all() as { secret: string; id: string; amount: number; c: string }[];
    if (rows.length === 0) return { spent: 0, released: 0, recovered };
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
    return { spent, released, recovered };
  }
}
