/**
 * The gateway's books in SQLite: accounts with credit balances, API keys (only their sha256 is
 * stored), holds (credits held for one job, keyed by the job address), payments (keyed by the
 * on-chain transaction signature, so a payment is credited once) and on-chain credit purchases
 * (keyed by their signature, written before sending, so a crash never buys twice).
 *
 * The invariant the reconciler keeps: the gateway's on-chain credits (free + locked) equal
 * Σ account balances + Σ live holds, once every purchase has landed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { openStore, type Store } from '../service-kit/store';

const MIGRATIONS = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('key', 'x402', 'local')),
     owner TEXT,
     balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
     created_at INTEGER NOT NULL
   );
   CREATE TABLE api_keys (
     hash TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(id),
     label TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     revoked INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE holds (
     job TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(id),
     amount INTEGER NOT NULL CHECK (amount > 0),
     nonce INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('posting', 'posted', 'answered', 'abandoned', 'settled', 'released')),
     tier TEXT NOT NULL,
     worker TEXT,
     post_signature TEXT,
     charged INTEGER,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX holds_live ON holds(state) WHERE state NOT IN ('settled', 'released');
   CREATE TABLE payments (
     signature TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(id),
     payer TEXT NOT NULL,
     usdc INTEGER NOT NULL,
     credits INTEGER NOT NULL,
     purpose TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE purchases (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     credits INTEGER NOT NULL CHECK (credits > 0),
     signature TEXT,
     state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done')),
     created_at INTEGER NOT NULL
   );
   CREATE TABLE x402_settlements (
     message_hash TEXT PRIMARY KEY,
     signature TEXT NOT NULL,
     account_id TEXT NOT NULL REFERENCES accounts(id),
     payer TEXT NOT NULL,
     usdc INTEGER NOT NULL,
     credits INTEGER NOT NULL,
     purpose TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('settling', 'credited', 'failed')),
     created_at INTEGER NOT NULL
   );
   CREATE TABLE refunds (
     account_id TEXT PRIMARY KEY REFERENCES accounts(id),
     credits INTEGER NOT NULL,
     destination TEXT NOT NULL,
     signature TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export type HoldState = 'posting' | 'posted' | 'answered' | 'abandoned' | 'settled' | 'released';
export const LIVE_HOLD_STATES: HoldState[] = ['posting', 'posted', 'answered', 'abandoned'];

export interface Account {
  id: string;
  kind: 'key' | 'x402' | 'local';
  owner: string | null;
  balance: bigint;
}

export interface Hold {
  job: string;
  accountId: string;
  amount: bigint;
  nonce: bigint;
  state: HoldState;
  tier: string;
  worker: string | null;
  postSignature: string | null;
  charged: bigint | null;
}

export interface Purchase {
  id: number;
  credits: bigint;
  signature: string | null;
  state: 'pending' | 'sent' | 'done';
}

export class InsufficientCredits extends Error {
  constructor(readonly balance: bigint, readonly needed: bigint) {
    super(`insufficient credits: ${balance} available, this request holds up to ${needed}`);
  }
}

export function hashKey(key: string): string {
  return createHash('sha256').update(`peer-gateway-key:${key}`).digest('hex');
}

/** A new API key: `pk-peer-` and 32 random bytes in base64url. */
export function newApiKey(): string {
  return `pk-peer-${randomBytes(32).toString('base64url')}`;
}

const now = (): number => Math.floor(Date.now() / 1000);

interface HoldRow {
  job: string;
  account_id: string;
  amount: number | bigint;
  nonce: number | bigint;
  state: HoldState;
  tier: string;
  worker: string | null;
  post_signature: string | null;
  charged: number | bigint | null;
}

const toHold = (r: HoldRow): Hold => ({
  job: r.job,
  accountId: r.account_id,
  amount: BigInt(r.amount),
  nonce: BigInt(r.nonce),
  state: r.state,
  tier: r.tier,
  worker: r.worker,
  postSignature: r.post_signature,
  charged: r.charged === null ? null : BigInt(r.charged),
});

export class Ledger {
  readonly db: Store;

  constructor(path: string) {
    this.db = openStore(path, MIGRATIONS);
    this.db.defaultSafeIntegers(true);
  }

  close(): void {
    this.db.close();
  }

  // ---- accounts and keys --------------------------------------------------------------------

  createKeyAccount(label: string, key: string = newApiKey()): { key: string; accountId: string } {
    const accountId = `acct_${randomBytes(12).toString('hex')}`;
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO accounts (id, kind, owner, balance, created_at) VALUES (?, ?, NULL, 0, ?)').run(accountId, 'key', now());
      this.db.prepare('INSERT INTO api_keys (hash, account_id, label, created_at) VALUES (?, ?, ?, ?)').run(hashKey(key), accountId, label, now());
    })();
    return { key, accountId };
  }

  /** The account of an API key, or null (unknown or revoked). */
  accountForKey(key: string): Account | null {
    const row = this.db
      .prepare('SELECT a.id, a.kind, a.owner, a.balance FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = ? AND k.revoked = 0')
      .get(hashKey(key)) as { id: string; kind: 'key'; owner: string | null; balance: bigint } | undefined;
    return row ? { ...row, balance: BigInt(row.balance) } : null;
  }

  hasKey(key: string): boolean {
    return this.db.prepare('SELECT 1 FROM api_keys WHERE hash = ?').get(hashKey(key)) !== undefined;
  }

  revokeKey(key: string): boolean {
    return this.db.prepare('UPDATE api_keys SET revoked = 1 WHERE hash = ?').run(hashKey(key)).changes > 0;
  }

  /** The account an x402 payer's credits live in while its request runs. */
  x402Account(payer: string): Account {
    const id = `x402_${payer}`;
    this.db.prepare('INSERT OR IGNORE INTO accounts (id, kind, owner, balance, created_at) VALUES (?, ?, ?, 0, ?)').run(id, 'x402', payer, now());
    return this.account(id)!;
  }

  /** Local mode's one account: it tracks the jobs the wallet pays for on chain. */
  localAccount(): Account {
    this.db.prepare(`INSERT OR IGNORE INTO accounts (id, kind, owner, balance, created_at) VALUES ('local', 'local', NULL, 0, ?)`).run(now());
    return this.account('local')!;
  }

  account(id: string): Account | null {
    const row = this.db.prepare('SELECT id, kind, owner, balance FROM accounts WHERE id = ?').get(id) as
      | { id: string; kind: 'key' | 'x402' | 'local'; owner: string | null; balance: bigint }
      | undefined;
    return row ? { ...row, balance: BigInt(row.balance) } : null;
  }

  heldBy(accountId: string): bigint {
    const r = this.db.prepare(`SELECT COALESCE(SUM(amount), 0) AS s FROM holds WHERE account_id = ? AND state IN ('posting','posted','answered','abandoned')`).get(accountId) as { s: bigint };
    return BigInt(r.s);
  }

  // ---- payments -----------------------------------------------------------------------------

  paymentSeen(signature: string): boolean {
    return this.db.prepare('SELECT 1 FROM payments WHERE signature = ?').get(signature) !== undefined;
  }

  /**
   * Records a settled USDC payment and credits its account, and queues the on-chain purchase of
   * the same credits, in one transaction. False when this payment was already recorded.
   */
  creditPayment(p: { signature: string; accountId: string; payer: string; usdc: bigint; credits: bigint; purpose: string }): boolean {
    return this.db.transaction(() => {
      const inserted = this.db
        .prepare('INSERT OR IGNORE INTO payments (signature, account_id, payer, usdc, credits, purpose, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(p.signature, p.accountId, p.payer, p.usdc, p.credits, p.purpose, now());
      if (inserted.changes === 0) return false;
      this.db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?').run(p.credits, p.accountId);
      this.db.prepare(`INSERT INTO purchases (credits, state, created_at) VALUES (?, 'pending', ?)`).run(p.credits, now());
      return true;
    })();
  }

  /**
   * Gives an account credits the gateway buys on chain from its own USDC (demo keys), once per
   * marker; the purchase is queued like a payment's.
   */
  grant(accountId: string, credits: bigint, marker: string): boolean {
    return this.db.transaction(() => {
      const done = this.db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(`grant:${marker}`, credits.toString());
      if (done.changes === 0) return false;
      this.db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?').run(credits, accountId);
      this.db.prepare(`INSERT INTO purchases (credits, state, created_at) VALUES (?, 'pending', ?)`).run(credits, now());
      return true;
    })();
  }

  pendingPurchases(): Purchase[] {
    const rows = this.db.prepare(`SELECT id, credits, signature, state FROM purchases WHERE state != 'done' ORDER BY id`).all() as {
      id: bigint;
      credits: bigint;
      signature: string | null;
      state: Purchase['state'];
    }[];
    return rows.map((r) => ({ id: Number(r.id), credits: BigInt(r.credits), signature: r.signature, state: r.state }));
  }

  markPurchasesSent(ids: number[], signature: string): void {
    const st = this.db.prepare(`UPDATE purchases SET signature = ?, state = 'sent' WHERE id = ?`);
    this.db.transaction(() => ids.forEach((id) => st.run(signature, id)))();
  }

  markPurchasesDone(ids: number[]): void {
    const st = this.db.prepare(`UPDATE purchases SET state = 'done' WHERE id = ?`);
    this.db.transaction(() => ids.forEach((id) => st.run(id)))();
  }

  /** Back to pending (the transaction never landed). */
  resetPurchases(ids: number[]): void {
    const st = this.db.prepare(`UPDATE purchases SET signature = NULL, state = 'pending' WHERE id = ?`);
    this.db.transaction(() => ids.forEach((id) => st.run(id)))();
  }

  // ---- x402 settlements ----------------------------------------------------------------------

  /**
   * Reserves an x402 payment before it is settled, keyed by the hash of its transaction message
   * (a replay has the same message). False when that payment was seen before.
   */
  reserveSettlement(s: { messageHash: string; signature: string; accountId: string; payer: string; usdc: bigint; credits: bigint; purpose: string }): boolean {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO x402_settlements (message_hash, signature, account_id, payer, usdc, credits, purpose, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'settling', ?)`,
      )
      .run(s.messageHash, s.signature, s.accountId, s.payer, s.usdc, s.credits, s.purpose, now());
    return r.changes > 0;
  }

  settlementSeen(messageHash: string): boolean {
    return this.db.prepare(`SELECT 1 FROM x402_settlements WHERE message_hash = ?`).get(messageHash) !== undefined;
  }

  /** The payment landed: credit it (once) and mark the settlement. */
  completeSettlement(messageHash: string): boolean {
    return this.db.transaction(() => {
      const row = this.db.prepare(`SELECT * FROM x402_settlements WHERE message_hash = ? AND state = 'settling'`).get(messageHash) as
        | { signature: string; account_id: string; payer: string; usdc: bigint; credits: bigint; purpose: string }
        | undefined;
      if (!row) return false;
      this.creditPayment({ signature: row.signature, accountId: row.account_id, payer: row.payer, usdc: BigInt(row.usdc), credits: BigInt(row.credits), purpose: row.purpose });
      this.db.prepare(`UPDATE x402_settlements SET state = 'credited' WHERE message_hash = ?`).run(messageHash);
      return true;
    })();
  }

  /** The payment definitely did not land: forget the reservation (the same transaction may be retried). */
  dropSettlement(messageHash: string): void {
    this.db.prepare(`DELETE FROM x402_settlements WHERE message_hash = ? AND state = 'settling'`).run(messageHash);
  }

  settlingPayments(): { messageHash: string; signature: string }[] {
    return (this.db.prepare(`SELECT message_hash, signature FROM x402_settlements WHERE state = 'settling'`).all() as { message_hash: string; signature: string }[]).map((r) => ({
      messageHash: r.message_hash,
      signature: r.signature,
    }));
  }

  // ---- x402 refunds (credits an x402 payer did not spend go back as USDC) ----------------------

  /** x402 accounts holding credits and no live hold: what to send back. */
  refundable(): { accountId: string; payer: string; credits: bigint }[] {
    const rows = this.db
      .prepare(
        `SELECT a.id, a.owner, a.balance FROM accounts a WHERE a.kind = 'x402' AND a.balance > 0
           AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.account_id = a.id AND h.state IN ('posting','posted','answered','abandoned'))
           AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.account_id = a.id)`,
      )
      .all() as { id: string; owner: string; balance: bigint }[];
    return rows.map((r) => ({ accountId: r.id, payer: r.owner, credits: BigInt(r.balance) }));
  }

  /** Starts a refund: the credits leave the account now, into the refund row. */
  beginRefund(accountId: string, credits: bigint, destination: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE accounts SET balance = balance - ? WHERE id = ?').run(credits, accountId);
      this.db.prepare('INSERT INTO refunds (account_id, credits, destination, created_at) VALUES (?, ?, ?, ?)').run(accountId, credits, destination, now());
    })();
  }

  setRefundSignature(accountId: string, signature: string): void {
    this.db.prepare('UPDATE refunds SET signature = ? WHERE account_id = ?').run(signature, accountId);
  }

  /** The refund landed on chain. */
  finishRefund(accountId: string): void {
    this.db.prepare('DELETE FROM refunds WHERE account_id = ?').run(accountId);
  }

  /** The refund did not land: the credits return to the account. */
  undoRefund(accountId: string): void {
    this.db.transaction(() => {
      const r = this.db.prepare('SELECT credits FROM refunds WHERE account_id = ?').get(accountId) as { credits: bigint } | undefined;
      if (!r) return;
      this.db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?').run(r.credits, accountId);
      this.db.prepare('DELETE FROM refunds WHERE account_id = ?').run(accountId);
    })();
  }

  openRefunds(): { accountId: string; credits: bigint; destination: string; signature: string | null }[] {
    return (this.db.prepare('SELECT account_id, credits, destination, signature FROM refunds').all() as { account_id: string; credits: bigint; destination: string; signature: string | null }[]).map(
      (r) => ({ accountId: r.account_id, credits: BigInt(r.credits), destination: r.destination, signature: r.signature }),
    );
  }

  refundsInFlight(): bigint {
    const r = this.db.prepare('SELECT COALESCE(SUM(credits), 0) AS s FROM refunds').get() as { s: bigint };
    return BigInt(r.s);
  }

  // ---- holds --------------------------------------------------------------------------------

  /** Debits `amount` from the account into a hold for `job`; throws InsufficientCredits. */
  hold(h: { job: string; accountId: string; amount: bigint; nonce: bigint; tier: string; worker: string | null }): void {
    this.db.transaction(() => {
      const acc = this.account(h.accountId);
      if (!acc) throw new Error(`no account ${h.accountId}`);
      // Local mode: the wallet's own on-chain credits pay; the hold only tracks the job.
      if (acc.kind !== 'local') {
        if (acc.balance < h.amount) throw new InsufficientCredits(acc.balance, h.amount);
        this.db.prepare('UPDATE accounts SET balance = balance - ? WHERE id = ?').run(h.amount, h.accountId);
      }
      this.db
        .prepare(`INSERT INTO holds (job, account_id, amount, nonce, state, tier, worker, created_at, updated_at) VALUES (?, ?, ?, ?, 'posting', ?, ?, ?, ?)`)
        .run(h.job, h.accountId, h.amount, h.nonce, h.tier, h.worker, now(), now());
    })();
  }

  getHold(job: string): Hold | null {
    const r = this.db.prepare('SELECT * FROM holds WHERE job = ?').get(job) as HoldRow | undefined;
    return r ? toHold(r) : null;
  }

  liveHolds(): Hold[] {
    return (this.db.prepare(`SELECT * FROM holds WHERE state IN ('posting','posted','answered','abandoned') ORDER BY nonce`).all() as HoldRow[]).map(toHold);
  }

  /** At start: no request survives a restart, so every job still in flight is the reconciler's. */
  abandonInFlight(): number {
    return this.db.prepare(`UPDATE holds SET state = 'abandoned', updated_at = ? WHERE state IN ('posting', 'posted')`).run(now()).changes;
  }

  setHoldSignature(jobs: string[], signature: string): void {
    const st = this.db.prepare(`UPDATE holds SET post_signature = ?, updated_at = ? WHERE job = ?`);
    this.db.transaction(() => jobs.forEach((j) => st.run(signature, now(), j)))();
  }

  /** Moves a live hold to another live state (never out of settled/released). */
  markHold(job: string, state: 'posted' | 'answered' | 'abandoned', worker?: string): void {
    this.db
      .prepare(`UPDATE holds SET state = ?, worker = COALESCE(?, worker), updated_at = ? WHERE job = ? AND state IN ('posting','posted','answered','abandoned')`)
      .run(state, worker ?? null, now(), job);
  }

  /**
   * Ends a hold: `charged` credits are spent (the price the chain settled), the rest returns to
   * the account. Idempotent: a hold already ended is left alone (returns false).
   */
  settleHold(job: string, charged: bigint): boolean {
    return this.db.transaction(() => {
      const h = this.getHold(job);
      if (!h || !LIVE_HOLD_STATES.includes(h.state)) return false;
      if (charged < 0n || charged > h.amount) throw new Error(`job ${job}: charge ${charged} outside the hold of ${h.amount}`);
      if (h.state === 'abandoned' && charged > 0n) {
        // The client never received this answer (the request failed, or the gateway died while
        // serving it), yet a worker finished the job and the chain charged for it: the client gets
        // its whole hold back and the gateway absorbs what the chain took.
        const absorbed = BigInt(this.meta('absorbed_credits') ?? '0') + charged;
        this.setMeta('absorbed_credits', absorbed.toString());
        charged = 0n;
      }
      this.db.prepare(`UPDATE accounts SET balance = balance + ? WHERE id = ? AND kind != 'local'`).run(h.amount - charged, h.accountId);
      this.db.prepare(`UPDATE holds SET state = ?, charged = ?, updated_at = ? WHERE job = ?`).run(charged === 0n ? 'released' : 'settled', charged, now(), job);
      return true;
    })();
  }

  /** Σ balances + Σ live holds: what the gateway owes its accounts in credits. */
  liabilities(): { balances: bigint; held: bigint } {
    const b = this.db.prepare('SELECT COALESCE(SUM(balance), 0) AS s FROM accounts').get() as { s: bigint };
    const h = this.db.prepare(`SELECT COALESCE(SUM(amount), 0) AS s FROM holds WHERE state IN ('posting','posted','answered','abandoned')`).get() as { s: bigint };
    return { balances: BigInt(b.s), held: BigInt(h.s) };
  }

  /** Credits the chain took for answers no client received (see settleHold): the gateway's cost. */
  absorbedTotal(): bigint {
    return BigInt(this.meta('absorbed_credits') ?? '0');
  }

  chargedTotal(): bigint {
    const r = this.db.prepare(`SELECT COALESCE(SUM(charged), 0) AS s FROM holds`).get() as { s: bigint };
    return BigInt(r.s);
  }

  meta(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
