/**
 * NUT-04 (mint) and NUT-05 (melt) with our payment method `solana-usdc`.
 *
 * Mint: a quote for N credits asks for N × 10,000 USDC base units to the mint's USDC account,
 * with a fresh reference key listed in the transfer. Checking the quote looks on chain; a
 * transfer pays one quote only (`paid_tx` is unique). Minting signs exactly N credits of
 * outputs and flips the quote to ISSUED in the same transaction.
 *
 * Melt: a quote names a Solana wallet and a USDC amount (a Solana Pay URL). Melting takes
 * proofs of exactly that many credits (swap first for change), marks them spent and the quote
 * PENDING together with the signed transfer, then sends it. A restart finishes what it finds
 * PENDING: landed → PAID; failed or expired unlanded → the proofs are released.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import { randomBytes } from 'node:crypto';
import type { BlindSignature } from '../sdk/src/privacy/token';
import { CODES, MintError } from './errors';
import type { Ledger } from './ledger';
import { BASE_UNITS_PER_CREDIT, formatUsdc, parseUsdc, type UsdcRail } from './usdc';

export const METHOD = 'solana-usdc';

interface MintQuoteRow {
  id: string;
  amount: number;
  unit: string;
  reference: string;
  state: 'UNPAID' | 'PAID' | 'ISSUED';
  paid_tx: string | null;
  expiry: number;
}

interface MeltQuoteRow {
  id: string;
  request: string;
  destination: string;
  amount: number;
  fee_reserve: number;
  unit: string;
  state: 'UNPAID' | 'PENDING' | 'PAID';
  tx_sig: string | null;
  tx_blob: string | null;
  last_valid_height: number | null;
  expiry: number;
}

export interface QuoteEvents {
  onPaid?(quote: string, amount: number): void;
  onMelted?(quote: string, amount: number, signature: string): void;
  onReleased?(quote: string, why: string): void;
}

function checkUnit(unit: unknown): void {
  if (unit !== undefined && unit !== 'credit') throw new MintError(CODES.unitUnsupported, `unit ${String(unit).slice(0, 20)} is not supported (this mint issues "credit": 1 credit = $0.01)`);
}

export class Quotes {
  constructor(
    private readonly ledger: Ledger,
    private readonly rail: UsdcRail,
    private readonly events: QuoteEvents = {},
  ) {}

  private get db() {
    return this.ledger.store;
  }

  private mintQuoteJson(r: MintQuoteRow) {
    const baseUnits = BigInt(r.amount) * BASE_UNITS_PER_CREDIT;
    return {
      quote: r.id,
      request: `solana:${this.rail.owner.toBase58()}?amount=${formatUsdc(baseUnits)}&spl-token=${this.rail.usdcMint.toBase58()}&reference=${r.reference}&memo=${r.id}`,
      amount: r.amount,
      unit: r.unit,
      state: r.state,
      expiry: r.expiry,
      pay_to: this.rail.account.toBase58(),
      usdc_mint: this.rail.usdcMint.toBase58(),
      reference: r.reference,
      amount_usdc: baseUnits.toString(),
    };
  }

  createMintQuote(body: unknown) {
    const b = (body ?? {}) as { amount?: unknown; unit?: unknown };
    checkUnit(b.unit);
    if (typeof b.amount !== 'number' || !Number.isSafeInteger(b.amount) || b.amount < 1 || b.amount > this.ledger.maxQuoteAmount) {
      throw new MintError(CODES.amountOutOfRange, `amount must be a whole number of credits from 1 to ${this.ledger.maxQuoteAmount}`);
    }
    const row: MintQuoteRow = {
      id: randomBytes(16).toString('hex'),
      amount: b.amount,
      unit: 'credit',
      reference: Keypair.generate().publicKey.toBase58(),
      state: 'UNPAID',
      paid_tx: null,
      expiry: this.ledger.now() + this.ledger.quoteTtlSeconds,
    };
    this.db.prepare('INSERT INTO mint_quotes(id, amount, unit, reference, state, expiry, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(row.id, row.amount, row.unit, row.reference, row.state, row.expiry, this.ledger.now());
    return this.mintQuoteJson(row);
  }

  private mintRow(id: unknown): MintQuoteRow {
    if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) throw new MintError(CODES.quoteUnknown, 'quote id must be 32 hex characters');
    const r = this.db.prepare('SELECT * FROM mint_quotes WHERE id = ?').get(id) as MintQuoteRow | undefined;
    if (!r) throw new MintError(CODES.quoteUnknown, `quote ${id} is not known`, 404);
    return r;
  }

  /** Looks on chain for an UNPAID quote's transfer (payments that land after expiry still count). */
  async refreshMintQuote(id: unknown) {
    let r = this.mintRow(id);
    if (r.state === 'UNPAID') {
      const sig = await this.rail.findPayment(new PublicKey(r.reference), BigInt(r.amount) * BASE_UNITS_PER_CREDIT);
      if (sig) {
        let changed = 0;
        try {
          changed = this.db.prepare("UPDATE mint_quotes SET state = 'PAID', paid_tx = ? WHERE id = ? AND state = 'UNPAID'").run(sig, r.id).changes;
        } catch (err) {
          // That transfer already paid another quote (it listed both references): not this one.
          if (!String((err as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT')) throw err;
        }
        if (changed === 1) this.events.onPaid?.(r.id, r.amount);
        r = this.mintRow(id);
      }
    }
    return this.mintQuoteJson(r);
  }

  async mint(body: unknown): Promise<BlindSignature[]> {
    const b = (body ?? {}) as { quote?: unknown; outputs?: unknown };
    const q = await this.refreshMintQuote(b.quote);
    if (q.state === 'ISSUED') {
      // The same request again (its answer was lost): the same signatures.
      const again = this.ledger.storedSignatures(`mint_${q.quote}`, b.outputs);
      if (again) return again;
      throw new MintError(CODES.quoteIssued, 'tokens were already issued for this quote');
    }
    if (q.state !== 'PAID') throw new MintError(CODES.quoteNotPaid, 'quote is not paid yet');
    return this.ledger.signPaid(b.outputs, q.amount, `mint_${q.quote}`, () => {
      const changed = this.db.prepare("UPDATE mint_quotes SET state = 'ISSUED' WHERE id = ? AND state = 'PAID'").run(q.quote).changes;
      if (changed !== 1) throw new MintError(CODES.quoteIssued, 'tokens were already issued for this quote');
      this.db.prepare("UPDATE totals SET value = value + ? WHERE name = 'minted'").run(q.amount);
    });
  }

  private meltJson(r: MeltQuoteRow) {
    return { quote: r.id, request: r.request, amount: r.amount, fee_reserve: r.fee_reserve, unit: r.unit, state: r.state, expiry: r.expiry, payment_preimage: r.tx_sig };
  }

  /** `request`: `solana:<wallet>?amount=<USDC>` (Solana Pay); the amount must be whole credits. */
  createMeltQuote(body: unknown) {
    const b = (body ?? {}) as { request?: unknown; unit?: unknown };
    checkUnit(b.unit);
    if (typeof b.request !== 'string' || b.request.length > 500) throw new MintError(CODES.badRequest, 'request must be a Solana Pay URL: solana:<wallet>?amount=<USDC>');
    const m = /^solana:([1-9A-HJ-NP-Za-km-z]{32,44})\?(.*)$/.exec(b.request);
    if (!m) throw new MintError(CODES.badRequest, 'request must be a Solana Pay URL: solana:<wallet>?amount=<USDC>');
    let destination: PublicKey;
    try {
      destination = new PublicKey(m[1]);
    } catch {
      throw new MintError(CODES.badRequest, 'request names an invalid Solana address');
    }
    const params = new URLSearchParams(m[2]);
    const token = params.get('spl-token');
    if (token !== null && token !== this.rail.usdcMint.toBase58()) throw new MintError(CODES.unitUnsupported, 'this mint pays out its USDC mint only');
    let baseUnits: bigint;
    try {
      baseUnits = parseUsdc(params.get('amount') ?? '');
    } catch (err) {
      throw new MintError(CODES.badRequest, (err as Error).message);
    }
    if (baseUnits === 0n || baseUnits % BASE_UNITS_PER_CREDIT !== 0n) throw new MintError(CODES.amountOutOfRange, 'melt amount must be a positive whole number of credits ($0.01 steps)');
    const amount = Number(baseUnits / BASE_UNITS_PER_CREDIT);
    if (amount > this.ledger.maxQuoteAmount) throw new MintError(CODES.amountOutOfRange, `melt amount above ${this.ledger.maxQuoteAmount} credits`);
    const row: MeltQuoteRow = {
      id: randomBytes(16).toString('hex'),
      request: b.request,
      destination: destination.toBase58(),
      amount,
      fee_reserve: 0,
      unit: 'credit',
      state: 'UNPAID',
      tx_sig: null,
      tx_blob: null,
      last_valid_height: null,
      expiry: this.ledger.now() + this.ledger.quoteTtlSeconds,
    };
    this.db
      .prepare('INSERT INTO melt_quotes(id, request, destination, amount, fee_reserve, unit, state, expiry, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, row.request, row.destination, row.amount, row.fee_reserve, row.unit, row.state, row.expiry, this.ledger.now());
    return this.meltJson(row);
  }

  private meltRow(id: unknown): MeltQuoteRow {
    if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) throw new MintError(CODES.quoteUnknown, 'quote id must be 32 hex characters');
    const r = this.db.prepare('SELECT * FROM melt_quotes WHERE id = ?').get(id) as MeltQuoteRow | undefined;
    if (!r) throw new MintError(CODES.quoteUnknown, `quote ${id} is not known`, 404);
    return r;
  }

  async getMeltQuote(id: unknown) {
    const r = this.meltRow(id);
    if (r.state === 'PENDING') await this.settle(r);
    return this.meltJson(this.meltRow(id));
  }

  async melt(body: unknown) {
    const b = (body ?? {}) as { quote?: unknown; inputs?: unknown; outputs?: unknown };
    const r = this.meltRow(b.quote);
    if (r.state === 'PAID') throw new MintError(CODES.quoteIssued, 'quote is already paid');
    if (r.state === 'PENDING') throw new MintError(CODES.quotePending, 'quote is pending');
    if (r.expiry < this.ledger.now()) throw new MintError(CODES.quoteExpired, 'quote expired');
    if (Array.isArray(b.outputs) && b.outputs.length > 0) throw new MintError(CODES.badRequest, 'melt takes exact inputs and gives no change: swap to the exact amount first');
    // Verify before preparing the transfer, so a bad request costs no RPC round trip.
    const { total } = this.ledger.verifyInputs(b.inputs);
    if (total !== r.amount + r.fee_reserve) throw new MintError(CODES.notBalanced, `inputs total ${total}, the quote needs exactly ${r.amount + r.fee_reserve} (swap for change first)`);
    const prepared = await this.rail.prepareTransfer(new PublicKey(r.destination), BigInt(r.amount) * BASE_UNITS_PER_CREDIT);
    this.ledger.spend('melt', r.id, b.inputs, undefined, () => 0, () => {
      const changed = this.db
        .prepare("UPDATE melt_quotes SET state = 'PENDING', tx_sig = ?, tx_blob = ?, last_valid_height = ? WHERE id = ? AND state = 'UNPAID'")
        .run(prepared.signature, prepared.blob, prepared.lastValidBlockHeight, r.id).changes;
      if (changed !== 1) throw new MintError(CODES.quotePending, 'quote is pending');
    });
    await this.rail.submit(prepared.blob).catch(() => undefined); // settle() decides from the chain
    await this.settle(this.meltRow(r.id), true);
    return this.meltJson(this.meltRow(r.id));
  }

  /** Decides a PENDING melt from the chain; `wait` polls (bounded) for a fresh submission. */
  async settle(r: MeltQuoteRow, wait = false): Promise<void> {
    if (r.state !== 'PENDING' || !r.tx_sig) return;
    const deadline = Date.now() + (wait ? 30_000 : 0);
    for (;;) {
      const status = await this.rail.status(r.tx_sig);
      if (status === 'confirmed') {
        this.db.transaction(() => {
          if (this.db.prepare("UPDATE melt_quotes SET state = 'PAID' WHERE id = ? AND state = 'PENDING'").run(r.id).changes === 1) {
            this.db.prepare("UPDATE totals SET value = value + ? WHERE name = 'melted'").run(r.amount);
          }
        }).immediate();
        this.events.onMelted?.(r.id, r.amount, r.tx_sig);
        return;
      }
      const expired = status === 'unknown' && (await this.rail.blockHeight()) > (r.last_valid_height ?? 0);
      if (status === 'failed' || expired) {
        this.db.transaction(() => {
          this.db.prepare("DELETE FROM spent WHERE op = 'melt' AND op_id = ?").run(r.id);
          this.db.prepare("UPDATE melt_quotes SET state = 'UNPAID', tx_sig = NULL, tx_blob = NULL, last_valid_height = NULL WHERE id = ? AND state = 'PENDING'").run(r.id);
        }).immediate();
        this.events.onReleased?.(r.id, status === 'failed' ? 'transfer failed on chain' : 'transfer expired unlanded');
        if (status === 'failed') throw new MintError(CODES.paymentFailed, 'the USDC transfer failed on chain; the proofs are unspent again');
        return;
      }
      if (Date.now() >= deadline) return;
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  /** After a restart: resend every PENDING transfer (same signature: it cannot pay twice) and settle it. */
  async recover(): Promise<number> {
    const rows = this.db.prepare("SELECT * FROM melt_quotes WHERE state = 'PENDING'").all() as MeltQuoteRow[];
    for (const r of rows) {
      if ((await this.rail.status(r.tx_sig!)) === 'unknown' && r.tx_blob) await this.rail.submit(r.tx_blob).catch(() => undefined);
      await this.settle(r, true).catch(() => undefined);
    }
    return rows.length;
  }
}
