/**
 * The keepers' connection to the chain:
 * - the transport every bot uses: the SDK's ConnectionTransport, under the fault layer (tests),
 *   under a retry of reads (reads are idempotent; sends are never retried here: the SDK's send
 *   path re-signs only on an expired blockhash, and the next tick re-reads the chain);
 * - a WebSocket subscription to the market program's accounts that wakes the bots a change
 *   concerns. Polling stays on, so a dropped socket or a missed notification only costs time.
 */
import { Connection, type AccountInfo, type Commitment, type KeyedAccountInfo, type PublicKey, type VersionedTransaction } from '@solana/web3.js';
import { jobAccount, peerMarket, RpcError, type Transport } from '../sdk/src';
import type { ChainChange } from './bot';
import type { Logger } from '../service-kit';

const READ_ATTEMPTS = 3;

/** Retries reads that failed to reach the node (RpcError), with a short backoff; writes pass through. */
export class RetryingReads implements Transport {
  readonly description: string;

  constructor(
    readonly inner: Transport,
    private readonly backoffMs = 50,
  ) {
    this.description = inner.description;
  }

  private async retry<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof RpcError) || attempt >= READ_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, this.backoffMs * attempt));
      }
    }
  }

  getAccount(address: PublicKey, commitment?: Commitment) {
    return this.retry(() => this.inner.getAccount(address, commitment));
  }
  getAccounts(addresses: PublicKey[], commitment?: Commitment) {
    return this.retry(() => this.inner.getAccounts(addresses, commitment));
  }
  getProgramAccounts(programId: PublicKey, filters: Parameters<Transport['getProgramAccounts']>[1], commitment?: Commitment) {
    return this.retry(() => this.inner.getProgramAccounts(programId, filters, commitment));
  }
  getLatestBlockhash(commitment?: Commitment) {
    return this.retry(() => this.inner.getLatestBlockhash(commitment));
  }
  simulate(tx: VersionedTransaction, commitment?: Commitment) {
    return this.retry(() => this.inner.simulate(tx, commitment));
  }
  sendAndConfirm(tx: VersionedTransaction, opts: { commitment: Commitment; lastValidBlockHeight: number }) {
    return this.inner.sendAndConfirm(tx, opts);
  }
  get getRecentPrioritizationFees(): Transport['getRecentPrioritizationFees'] {
    const f = this.inner.getRecentPrioritizationFees?.bind(this.inner);
    return f ? (w: PublicKey[]) => this.retry(() => f(w)) : undefined;
  }
}

const DISCRIMINATORS: [ChainChange['account'], Buffer][] = (
  [
    ['job', 'job'],
    ['worker', 'worker'],
    ['challenge', 'challenge'],
    ['vote', 'vote'],
    ['validator', 'validator'],
  ] as const
).map(([kind, name]) => [kind, peerMarket.accountDiscriminator(name)]);

/** What a program-account notification is about (never throws on odd data). */
export function classifyChange(data: Buffer, lamports: number): ChainChange {
  const closed = lamports === 0 || data.length === 0;
  const head = data.subarray(0, 8);
  const found = DISCRIMINATORS.find(([, d]) => head.length === 8 && d.equals(head));
  const account = found ? found[0] : 'other';
  let jobStatus: string | undefined;
  if (account === 'job' && !closed) {
    try {
      jobStatus = jobAccount.decode(data).status;
    } catch {
      jobStatus = undefined;
    }
  }
  return { account, jobStatus, closed };
}

/** A program-account subscription that calls `onChange`; `close()` unsubscribes and closes the socket. */
export class ProgramWatcher {
  private readonly connection: Connection;
  private subscription: number | null = null;

  constructor(
    rpcUrl: string,
    wsUrl: string,
    private readonly programId: PublicKey,
    private readonly commitment: Commitment,
    private readonly log: Logger,
  ) {
    this.connection = new Connection(rpcUrl, { wsEndpoint: wsUrl, commitment });
  }

  start(onChange: (change: ChainChange) => void): void {
    const handler = (keyed: KeyedAccountInfo) => {
      const info: AccountInfo<Buffer> = keyed.accountInfo;
      onChange(classifyChange(Buffer.from(info.data), info.lamports));
    };
    this.subscription = this.connection.onProgramAccountChange(this.programId, handler, { commitment: this.commitment });
    this.log.info('subscribe', { program: this.programId.toBase58() });
  }

  async close(): Promise<void> {
    if (this.subscription !== null) {
      await this.connection.removeProgramAccountChangeListener(this.subscription).catch(() => undefined);
      this.subscription = null;
    }
    // web3.js keeps the socket for later subscriptions: close it (normally, so it does not reconnect).
    const ws = (this.connection as unknown as { _rpcWebSocket?: { close(): void } })._rpcWebSocket;
    try {
      ws?.close();
    } catch {
      // already closed
    }
  }
}
