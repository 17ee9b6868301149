/**
 * Matches the ledger against the chain, at start (after a crash) and then on an interval:
 * - credit purchases and x402 settlements whose transaction was signed but not confirmed are
 *   looked up by signature: landed → done/credited; failed or never landed → retried/dropped;
 * - every live hold follows its job: an abandoned open job is cancelled, an abandoned job past
 *   its deadline expired (requeued then cancelled, or refunded), a submitted job finalized once
 *   its challenge window passed (the hold is charged the price the chain consumed), and a job
 *   that closed without us is resolved from its transactions' events (finalized: its price;
 *   cancelled, expired or lost a challenge: nothing);
 * - credits an x402 payer did not spend are redeemed to the payer's USDC account.
 * Every step is idempotent on chain and in SQLite: running it twice changes nothing.
 */
import { Connection, PublicKey } from '@solana/web3.js';
import type { Account } from '../sdk/src/accounts/fetch';
import { jobAccount, type Job } from '../sdk/src/accounts/market';
import { associatedTokenAddress } from '../sdk/src/accounts/token';
import { fetchClock } from '../sdk/src/accounts/token';
import { marketInfo, type PeerContext } from '../sdk/src/context';
import { parseMarketEvents } from '../sdk/src/events';
import { expireJobInstruction, finalizeJobInstruction } from '../sdk/src/flows/crank';
import * as ix from '../sdk/src/instructions/market';
import { findCreditAccountPda } from '../sdk/src/pda';
import type { Logger } from '../service-kit/log';
import type { Hold, Ledger } from './ledger';
import { sendRecorded } from './market/send';
import type { ChainWriter } from './market/writer';

export interface ReconcileStats {
  ticks: number;
  settled: number;
  released: number;
  finalized: number;
  cancelled: number;
  expired: number;
  refunds: number;
  errors: number;
}

export class Reconciler {
  readonly stats: ReconcileStats = { ticks: 0, settled: 0, released: 0, finalized: 0, cancelled: 0, expired: 0, refunds: 0, errors: 0 };
  private running: Promise<void> | null = null;
  private readonly finalizeQueue = new Set<string>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly connection: Connection,
    private readonly ledger: Ledger,
    private readonly writer: ChainWriter,
    private readonly log: Logger,
  ) {}

  /** Asks for a job's finalization on the next tick (open-tier jobs, right after their answer). */
  finalizeSoon(job: PublicKey): void {
    this.finalizeQueue.add(job.toBase58());
    void this.tick();
  }

  /** One pass; overlapping calls share the pass in progress and then run once more. */
  tick(): Promise<void> {
    if (this.running) return this.running.then(() => this.tick());
    this.running = this.pass()
      .catch((err) => {
        this.stats.errors++;
        this.log.error('reconcile.failed', { error: (err as Error).message });
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async statusOf(signature: string): Promise<'ok' | 'failed' | 'unknown'> {
    const st = (await this.connection.getSignatureStatuses([signature], { searchTransactionHistory: true })).value[0];
    if (!st) return 'unknown';
    return st.err ? 'failed' : 'ok';
  }

  private async pass(): Promise<void> {
    this.stats.ticks++;
    this.finalizeQueue.clear();
    await this.purchases();
    await this.settlements();
    await this.holds();
    await this.refunds();
  }

  private async purchases(): Promise<void> {
    for (const p of this.ledger.pendingPurchases()) {
      if (p.state !== 'sent' || !p.signature) continue;
      const st = await this.statusOf(p.signature);
      if (st === 'ok') this.ledger.markPurchasesDone([p.id]);
      else if (st === 'failed' || !this.writerBusy()) this.ledger.resetPurchases([p.id]);
    }
    await this.writer.flushPurchases();
  }

  /** While the writer is idle, a 'sent' row with no status never landed (it is re-sent). */
  private writerBusy(): boolean {
    return this.writer.depth > 0;
  }

  private async settlements(): Promise<void> {
    for (const s of this.ledger.settlingPayments()) {
      const st = await this.statusOf(s.signature);
      if (st === 'ok') {
        this.ledger.completeSettlement(s.messageHash);
        this.log.info('reconcile.payment_credited', { signature: s.signature });
      } else if (st === 'failed') this.ledger.dropSettlement(s.messageHash);
    }
  }

  private async holds(): Promise<void> {
    // Holds still 'posting' or 'posted' belong to a running request (the writer or the stream);
    // at start none are (service.ts hands them to us as abandoned).
    const holds = this.ledger.liveHolds().filter((h) => h.state === 'answered' || h.state === 'abandoned');
    if (holds.length === 0) return;
    const programId = this.ctx.programs.market;
    const records = await this.ctx.transport.getAccounts(holds.map((h) => new PublicKey(h.job)));
    const clock = await fetchClock(this.ctx.transport);
    const now = BigInt(clock.unixTimestamp);
    const toFinalize: { hold: Hold; job: Account<Job> }[] = [];
    for (const [i, hold] of holds.entries()) {
      const rec = records[i];
      try {
        if (!rec) {
          await this.closed(hold);
          continue;
        }
        const job = jobAccount.fromRecord(rec, { programId });
        const status = job.data.status;
        // A job whose request is still streaming belongs to its request until it is answered.
        if (status === 'submitted' && now >= job.data.challengeDeadline && (hold.state === 'answered' || hold.state === 'abandoned')) {
          toFinalize.push({ hold, job });
        } else if (hold.state === 'abandoned' && status === 'open') {
          await sendRecorded(this.ctx, [ix.cancelJob({ client: this.ctx.wallet.publicKey, creditAccount: findCreditAccountPda(this.ctx.wallet.publicKey, programId)[0], job: job.address }, {}, programId)], () => undefined);
          this.stats.cancelled++;
          if (this.ledger.settleHold(hold.job, 0n)) this.stats.released++;
          this.log.info('reconcile.cancelled', { job: hold.job });
        } else if (hold.state === 'abandoned' && status === 'assigned' && now > job.data.deadline) {
          const info = await marketInfo(this.ctx);
          await sendRecorded(this.ctx, [expireJobInstruction(job, info.peerMint, programId)], () => undefined);
          this.stats.expired++;
          this.log.info('reconcile.expired', { job: hold.job });
        }
      } catch (err) {
        this.stats.errors++;
        this.log.warn('reconcile.hold_failed', { job: hold.job, error: (err as Error).message });
      }
    }
    // Finalize several per transaction; a failure (a keeper was faster) falls back to one by one.
    for (let i = 0; i < toFinalize.length; i += 4) {
      const group = toFinalize.slice(i, i + 4);
      try {
        await sendRecorded(this.ctx, group.map((g) => finalizeJobInstruction(g.job, programId)), () => undefined);
        for (const g of group) this.charged(g.hold, g.job.data.price);
      } catch {
        for (const g of group) {
          try {
            await sendRecorded(this.ctx, [finalizeJobInstruction(g.job, programId)], () => undefined);
            this.charged(g.hold, g.job.data.price);
          } catch (err) {
            this.log.warn('reconcile.finalize_failed', { job: g.hold.job, error: (err as Error).message });
          }
        }
      }
    }
  }

  private charged(hold: Hold, price: bigint): void {
    this.stats.finalized++;
    if (this.ledger.settleHold(hold.job, price)) {
      this.stats.settled++;
      if (hold.state === 'abandoned' && price > 0n) this.log.warn('reconcile.absorbed', { job: hold.job, cost: price.toString(), returned: hold.amount.toString(), why: 'the client never received this answer' });
      else this.log.info('reconcile.settled', { job: hold.job, charged: price.toString(), returned: (hold.amount - price).toString() });
    }
  }

  /** A hold whose job account is gone: never posted, or closed by someone; the events say how. */
  private async closed(hold: Hold): Promise<void> {
    const job = new PublicKey(hold.job);
    const sigs = await this.connection.getSignaturesForAddress(job, { limit: 50 });
    if (sigs.length === 0 || sigs.every((s) => s.err)) {
      // Never landed (a request in flight never gets here: its hold is not abandoned yet).
      if (this.ledger.settleHold(hold.job, 0n)) this.stats.released++;
      this.log.info('reconcile.never_posted', { job: hold.job });
      return;
    }
    let charged: bigint | null = null;
    for (const s of sigs) {
      if (s.err) continue;
      const tx = await this.connection.getTransaction(s.signature, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' });
      const events = parseMarketEvents(tx?.meta?.logMessages ?? [], this.ctx.programs.market);
      for (const e of events) {
        const data = e.data as { job?: PublicKey; price?: bigint; requeued?: boolean; refunded?: bigint };
        if (!data.job || !new PublicKey(data.job).equals(job)) continue;
        if (e.name === 'jobFinalized') charged = BigInt(data.price ?? 0n);
        else if (e.name === 'jobCancelled') charged = 0n;
        else if ((e.name === 'jobExpired') && data.requeued === false) charged = 0n;
        else if (e.name === 'challengeResolved' && (data.refunded ?? 0n) > 0n) charged = 0n;
      }
      if (charged !== null) break;
    }
    if (charged === null) {
      this.log.warn('reconcile.closed_unknown', { job: hold.job });
      return;
    }
    if (this.ledger.settleHold(hold.job, charged)) {
      if (charged > 0n) this.stats.settled++;
      else this.stats.released++;
      if (hold.state === 'abandoned' && charged > 0n) this.log.warn('reconcile.absorbed', { job: hold.job, cost: charged.toString(), returned: hold.amount.toString(), why: 'the client never received this answer' });
      else this.log.info('reconcile.closed', { job: hold.job, charged: charged.toString() });
    }
  }

  private async refunds(): Promise<void> {
    const info = await marketInfo(this.ctx);
    for (const r of this.ledger.openRefunds()) {
      if (r.signature) {
        const st = await this.statusOf(r.signature);
        if (st === 'ok') {
          this.ledger.finishRefund(r.accountId);
          continue;
        }
        if (st === 'unknown' && this.writer.depth > 0) continue;
      }
      await this.redeem(r.accountId, r.credits, new PublicKey(r.destination));
    }
    for (const a of this.ledger.refundable()) {
      const destination = associatedTokenAddress(info.usdcMint, new PublicKey(a.payer));
      this.ledger.beginRefund(a.accountId, a.credits, destination.toBase58());
      await this.redeem(a.accountId, a.credits, destination);
    }
  }

  private async redeem(accountId: string, credits: bigint, destination: PublicKey): Promise<void> {
    try {
      await sendRecorded(this.ctx, [ix.redeemCredits({ client: this.ctx.wallet.publicKey, destination }, { credits }, this.ctx.programs.market)], (sig) =>
        this.ledger.setRefundSignature(accountId, sig),
      );
      this.ledger.finishRefund(accountId);
      this.stats.refunds++;
      this.log.info('reconcile.refunded', { account: accountId, credits: credits.toString(), destination: destination.toBase58() });
    } catch (err) {
      this.ledger.undoRefund(accountId);
      this.log.warn('reconcile.refund_failed', { account: accountId, error: (err as Error).message });
    }
  }
}
