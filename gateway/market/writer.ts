/**
 * The gateway's single writer of credit-changing transactions. Jobs are posted in nonce order
 * (the program refuses a nonce below `jobs_posted`, so two posts landing out of order would
 * fail): the queue packs up to `batch` post_job instructions (each followed by assign_job when
 * the gateway assigns its own choice as a registered matcher) into one transaction, preceded by
 * buy_credits for the USDC payments not yet turned into on-chain credits. If a packed
 * transaction fails, each request is retried alone so one bad request fails only itself.
 */
import { PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { findCreditAccountPda, findMatcherPda, jobAddress } from '../../sdk/src/pda';
import * as ix from '../../sdk/src/instructions/market';
import { associatedTokenAddress } from '../../sdk/src/accounts/token';
import { marketInfo, type PeerContext } from '../../sdk/src/context';
import type { Logger } from '../../service-kit/log';
import type { Ledger } from '../ledger';
import { sendRecorded } from './send';
import type { JobRequest, Tier } from '../../sdk/src/accounts/market';

export interface PostOrder {
  job: PublicKey;
  nonce: bigint;
  request: { tier: Tier; model: Uint8Array; maxPrice: bigint; seed: bigint; promptCommitment: Uint8Array; pinnedWorker: PublicKey; measurement: Uint8Array };
  /** Assign to this worker in the same transaction (the gateway is a registered matcher). */
  assignTo: PublicKey | null;
}

export interface Posted {
  signature: string;
  /** Compute units of the whole transaction and how many jobs shared it. */
  unitsConsumed: number;
  sharedWith: number;
}

interface Pending {
  order: PostOrder;
  resolve(p: Posted): void;
  reject(err: unknown): void;
}

export interface WriterStats {
  transactions: number;
  unitsConsumed: number;
}

export class ChainWriter {
  private queue: Pending[] = [];
  private running = false;
  private nextNonce: bigint | null = null;
  readonly stats: WriterStats = { transactions: 0, unitsConsumed: 0 };

  constructor(
    private readonly ctx: PeerContext,
    private readonly ledger: Ledger,
    private readonly log: Logger,
    private readonly batch: number,
  ) {}

  /** Sets the first nonce to use (chain's jobs_posted, or past the last one the ledger used). */
  startAt(nonce: bigint): void {
    this.nextNonce = nonce;
  }

  /** The next nonce to try (persisted so a restart never reuses one a lost transaction signed). */
  peekNext(): bigint {
    return this.nextNonce ?? 0n;
  }

  /** The next job address with bump 255 (what post_job requires), reserving its nonce. */
  allocate(): { nonce: bigint; job: PublicKey } {
    if (this.nextNonce === null) throw new Error('the writer has not read jobs_posted yet');
    for (let n = this.nextNonce; ; n++) {
      const job = jobAddress(this.ctx.wallet.publicKey, n, this.ctx.programs.market);
      if (job) {
        this.nextNonce = n + 1n;
        return { nonce: n, job };
      }
    }
  }

  post(order: PostOrder): Promise<Posted> {
    return new Promise<Posted>((resolve, reject) => {
      this.queue.push({ order, resolve, reject });
      void this.pump();
    });
  }

  /** Sends pending credit purchases now (when no post is waiting to carry them). */
  async flushPurchases(): Promise<void> {
    if (this.ledger.pendingPurchases().some((p) => p.state === 'pending')) {
      await new Promise<void>((resolve, reject) => {
        this.queue.push({ order: null as unknown as PostOrder, resolve: () => resolve(), reject });
        void this.pump();
      });
    }
  }

  get depth(): number {
    return this.queue.length;
  }

  private postInstructions(o: PostOrder): TransactionInstruction[] {
    const client = this.ctx.wallet.publicKey;
    const programId = this.ctx.programs.market;
    const out = [ix.postJob({ client, job: o.job }, { request: o.request as JobRequest, nonce: o.nonce }, programId)];
    if (o.assignTo) {
      out.push(ix.assignJob({ matcher: client, matcherRegistration: findMatcherPda(client, programId)[0], job: o.job, worker: o.assignTo }, {}, programId));
    }
    return out;
  }

  private async purchaseInstruction(): Promise<{ ids: number[]; ix: TransactionInstruction } | null> {
    const pending = this.ledger.pendingPurchases().filter((p) => p.state === 'pending');
    if (pending.length === 0) return null;
    const credits = pending.reduce((s, p) => s + p.credits, 0n);
    const info = await marketInfo(this.ctx);
    const owner = this.ctx.wallet.publicKey;
    const source = associatedTokenAddress(info.usdcMint, owner);
    return { ids: pending.map((p) => p.id), ix: ix.buyCredits({ client: owner, source }, { credits }, this.ctx.programs.market) };
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const take = this.queue.splice(0, this.batch);
        const posts = take.filter((p) => p.order !== null);
        const purchase = await this.purchaseInstruction();
        if (posts.length === 0 && !purchase) {
          take.forEach((p) => p.resolve({ signature: '', unitsConsumed: 0, sharedWith: 0 }));
          continue;
        }
        try {
          await this.send(posts, purchase, take);
        } catch (err) {
          if (posts.length <= 1 && !purchase) {
            take.forEach((p) => p.reject(err));
            continue;
          }
          // Retry one by one in nonce order: the purchase alone first, then each post alone.
          this.log.warn('writer.batch_failed', { jobs: posts.length, error: (err as Error).message });
          if (purchase) {
            try {
              await this.send([], purchase, []);
            } catch (e) {
              this.log.error('writer.purchase_failed', { error: (e as Error).message });
            }
          }
          for (const p of take) {
            if (p.order === null) {
              p.resolve({ signature: '', unitsConsumed: 0, sharedWith: 0 });
              continue;
            }
            try {
              await this.send([p], null, [p]);
            } catch (e) {
              p.reject(e);
            }
          }
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async send(posts: Pending[], purchase: { ids: number[]; ix: TransactionInstruction } | null, settle: Pending[]): Promise<void> {
    const instructions = [...(purchase ? [purchase.ix] : []), ...posts.flatMap((p) => this.postInstructions(p.order))];
    const jobs = posts.map((p) => p.order.job.toBase58());
    let sent;
    try {
      sent = await sendRecorded(this.ctx, instructions, (signature) => {
        if (purchase) this.ledger.markPurchasesSent(purchase.ids, signature);
        if (jobs.length) this.ledger.setHoldSignature(jobs, signature);
      });
    } catch (err) {
      if (purchase) this.ledger.resetPurchases(purchase.ids);
      throw err;
    }
    if (purchase) this.ledger.markPurchasesDone(purchase.ids);
    for (const j of jobs) this.ledger.markHold(j, 'posted');
    this.stats.transactions++;
    this.stats.unitsConsumed += sent.unitsConsumed;
    this.log.info('writer.sent', { signature: sent.signature, jobs: jobs.length, purchase: purchase ? purchase.ids.length : 0, units: sent.unitsConsumed });
    const posted: Posted = { signature: sent.signature, unitsConsumed: sent.unitsConsumed, sharedWith: Math.max(1, posts.length) };
    for (const p of settle) p.resolve(posted);
  }
}

/** The gateway's credit account address. */
export function gatewayCreditAccount(ctx: PeerContext): PublicKey {
  return findCreditAccountPda(ctx.wallet.publicKey, ctx.programs.market)[0];
}
