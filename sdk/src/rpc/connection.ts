/**
 * The Transport over a web3.js `Connection`: any RPC endpoint (localnet, devnet, mainnet).
 *
 * Confirmation polls `getSignatureStatuses` (no websocket needed, so it works behind any HTTP
 * proxy) and rebroadcasts the transaction every `rebroadcastMs` until it lands at the wanted
 * commitment or the block height passes the blockhash's `lastValidBlockHeight` (then the
 * failure is `blockhashNotFound`, and the sender re-signs with a fresh blockhash).
 */
import { Connection, type Commitment, type PublicKey, type VersionedTransaction } from '@solana/web3.js';
import bs58 from 'bs58';
import { RpcError } from '../errors';
import {
  failureFromRpc,
  type AccountFilter,
  type AccountRecord,
  type BlockhashInfo,
  type SimulationResult,
  type SubmitResult,
  type Transport,
} from './transport';

export interface ConnectionTransportOptions {
  /** Interval between status polls (default 500 ms). */
  pollMs?: number;
  /** Interval between rebroadcasts while unconfirmed (default 2000 ms). */
  rebroadcastMs?: number;
  /** Give up waiting after this long even if the blockhash has not expired (default 120 s). */
  confirmTimeoutMs?: number;
}

const RANK: Record<string, number> = { processed: 0, confirmed: 1, finalized: 2 };

function rankOf(c: Commitment): number {
  if (c === 'finalized' || c === 'max' || c === 'root') return 2;
  if (c === 'confirmed' || c === 'single' || c === 'singleGossip') return 1;
  return 0;
}

function record(address: PublicKey, info: { lamports: number; owner: PublicKey; data: Buffer; executable: boolean }): AccountRecord {
  return { address, lamports: info.lamports, owner: info.owner, data: Buffer.from(info.data), executable: info.executable };
}

export class ConnectionTransport implements Transport {
  readonly connection: Connection;
  readonly description: string;
  private readonly pollMs: number;
  private readonly rebroadcastMs: number;
  private readonly confirmTimeoutMs: number;

  constructor(connection: Connection, opts: ConnectionTransportOptions = {}) {
    this.connection = connection;
    this.description = `rpc ${connection.rpcEndpoint}`;
    this.pollMs = opts.pollMs ?? 500;
    this.rebroadcastMs = opts.rebroadcastMs ?? 2_000;
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 120_000;
  }

  private async rpc<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new RpcError(`${what} failed at ${this.connection.rpcEndpoint}: ${msg.split('\n')[0]}`);
    }
  }

  async getAccount(address: PublicKey, commitment?: Commitment): Promise<AccountRecord | null> {
    const info = await this.rpc('getAccountInfo', () => this.connection.getAccountInfo(address, commitment));
    return info ? record(address, info) : null;
  }

  async getAccounts(addresses: PublicKey[], commitment?: Commitment): Promise<(AccountRecord | null)[]> {
    const out: (AccountRecord | null)[] = [];
    for (let i = 0; i < addresses.length; i += 100) {
      const chunk = addresses.slice(i, i + 100);
      const infos = await this.rpc('getMultipleAccounts', () => this.connection.getMultipleAccountsInfo(chunk, commitment));
      infos.forEach((info, j) => out.push(info ? record(chunk[j], info) : null));
    }
    return out;
  }

  async getProgramAccounts(programId: PublicKey, filters: AccountFilter[], commitment?: Commitment): Promise<AccountRecord[]> {
    const res = await this.rpc('getProgramAccounts', () => this.connection.getProgramAccounts(programId, { filters, commitment }));
    return res.map((r) => record(r.pubkey, r.account));
  }

  async getLatestBlockhash(commitment?: Commitment): Promise<BlockhashInfo> {
    return this.rpc('getLatestBlockhash', () => this.connection.getLatestBlockhash(commitment));
  }

  async simulate(tx: VersionedTransaction, commitment?: Commitment): Promise<SimulationResult> {
    const res = await this.rpc('simulateTransaction', () =>
      this.connection.simulateTransaction(tx, { sigVerify: false, replaceRecentBlockhash: true, commitment }),
    );
    const v = res.value as typeof res.value & { replacementBlockhash?: BlockhashInfo | null };
    return {
      failure: v.err ? failureFromRpc(v.err) : null,
      logs: v.logs ?? [],
      unitsConsumed: v.unitsConsumed ?? null,
      replacementBlockhash: v.replacementBlockhash ?? null,
    };
  }

  async sendAndConfirm(tx: VersionedTransaction, opts: { commitment: Commitment; lastValidBlockHeight: number }): Promise<SubmitResult> {
    const raw = tx.serialize();
    const signature = bs58.encode(tx.signatures[0]);
    const send = () => this.rpc('sendTransaction', () => this.connection.sendRawTransaction(raw, { skipPreflight: true, maxRetries: 0 }));
    try {
      await send();
    } catch (err) {
      // A node that checks the blockhash on receipt: the sender re-signs with a fresh one.
      if (err instanceof RpcError && /blockhash not found/i.test(err.message)) {
        return { signature, failure: { kind: 'blockhashNotFound', instructionIndex: null, customCode: null, message: 'Blockhash not found' }, logs: [] };
      }
      throw err;
    }
    const want = rankOf(opts.commitment);
    const started = Date.now();
    let lastSend = started;
    for (;;) {
      if (Date.now() - started > this.confirmTimeoutMs) {
        throw new RpcError(`transaction ${signature} not confirmed after ${Math.round(this.confirmTimeoutMs / 1000)} s (it may still land)`);
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
      const { value } = await this.rpc('getSignatureStatuses', () => this.connection.getSignatureStatuses([signature]));
      const status = value[0];
      if (status?.err) {
        const failed = await this.rpc('getTransaction', () =>
          this.connection.getTransaction(signature, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' }),
        );
        return { signature, failure: failureFromRpc(status.err), logs: failed?.meta?.logMessages ?? [] };
      }
      if (status && RANK[status.confirmationStatus ?? 'processed'] >= want) return { signature, failure: null, logs: [] };
      if (!status) {
        const height = await this.rpc('getBlockHeight', () => this.connection.getBlockHeight('confirmed'));
        if (height > opts.lastValidBlockHeight) {
          return {
            signature,
            failure: { kind: 'blockhashNotFound', instructionIndex: null, customCode: null, message: 'block height exceeded' },
            logs: [],
          };
        }
      }
      if (Date.now() - lastSend >= this.rebroadcastMs) {
        lastSend = Date.now();
        await send().catch(() => undefined);
      }
    }
  }

  async getRecentPrioritizationFees(writable: PublicKey[]): Promise<number[]> {
    const fees = await this.rpc('getRecentPrioritizationFees', () =>
      this.connection.getRecentPrioritizationFees({ lockedWritableAccounts: writable.slice(0, 128) }),
    );
    return fees.map((f) => f.prioritizationFee);
  }
}

/** A ConnectionTransport for an RPC URL. */
export function connectionTransport(url: string, commitment: Commitment = 'confirmed', opts: ConnectionTransportOptions = {}): ConnectionTransport {
  return new ConnectionTransport(new Connection(url, { commitment }), opts);
}

