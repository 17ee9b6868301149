/**
 * The Transport over solana-bankrun's BanksClient, so the SDK's flows run unchanged against the
 * real programs in tests (`startEmbedded` in tests/fixtures/embedded, or any `start()` context).
 *
 * BanksClient has no getProgramAccounts: this transport remembers every address that appeared in
 * a transaction it processed (every account a program can create or change is in some
 * transaction's keys) plus those given to `track()`, and answers getProgramAccounts by reading
 * them and applying the filters, the same memcmp/dataSize semantics as the RPC.
 */
import { PublicKey, type Commitment, type VersionedTransaction } from '@solana/web3.js';
import bs58 from 'bs58';
import type { BanksClient, ProgramTestContext } from 'solana-bankrun';
import {
  failureFromString,
  type AccountFilter,
  type AccountRecord,
  type BlockhashInfo,
  type SimulationResult,
  type SubmitResult,
  type Transport,
} from '../rpc/transport';

type BankCommitment = 'processed' | 'confirmed' | 'finalized';

function bankCommitment(c?: Commitment): BankCommitment | undefined {
  if (c === 'processed' || c === 'confirmed' || c === 'finalized') return c;
  return undefined;
}

function matches(data: Buffer, filters: AccountFilter[]): boolean {
  for (const f of filters) {
    if ('dataSize' in f) {
      if (data.length !== f.dataSize) return false;
    } else {
      const bytes = Buffer.from(bs58.decode(f.memcmp.bytes));
      const end = f.memcmp.offset + bytes.length;
      if (end > data.length || !data.subarray(f.memcmp.offset, end).equals(bytes)) return false;
    }
  }
  return true;
}

export class BankrunTransport implements Transport {
  readonly description = 'bankrun';
  readonly context: ProgramTestContext;
  private readonly known = new Set<string>();

  constructor(context: ProgramTestContext) {
    this.context = context;
  }

  get banksClient(): BanksClient {
    return this.context.banksClient;
  }

  /** Makes `addresses` visible to getProgramAccounts (for accounts created outside this transport). */
  track(...addresses: PublicKey[]): void {
    for (const a of addresses) this.known.add(a.toBase58());
  }

  async getAccount(address: PublicKey, commitment?: Commitment): Promise<AccountRecord | null> {
    const info = await this.banksClient.getAccount(address, bankCommitment(commitment));
    if (!info || (info.lamports === 0 && info.data.length === 0)) return null;
    return {
      address,
      lamports: Number(info.lamports),
      owner: new PublicKey(info.owner),
      data: Buffer.from(info.data),
      executable: info.executable,
    };
  }

  async getAccounts(addresses: PublicKey[], commitment?: Commitment): Promise<(AccountRecord | null)[]> {
    return Promise.all(addresses.map((a) => this.getAccount(a, commitment)));
  }

  async getProgramAccounts(programId: PublicKey, filters: AccountFilter[], commitment?: Commitment): Promise<AccountRecord[]> {
    const all = await this.getAccounts(
      [...this.known].map((k) => new PublicKey(k)),
      commitment,
    );
    return all.filter((a): a is AccountRecord => a !== null && a.owner.equals(programId) && matches(a.data, filters));
  }

  async getLatestBlockhash(commitment?: Commitment): Promise<BlockhashInfo> {
    const res = await this.banksClient.getLatestBlockhash(bankCommitment(commitment));
    if (!res) throw new Error('bankrun returned no blockhash');
    return { blockhash: res[0], lastValidBlockHeight: Number(res[1]) };
  }

  async simulate(tx: VersionedTransaction, commitment?: Commitment): Promise<SimulationResult> {
    // As the RPC's replaceRecentBlockhash: simulate with the latest blockhash and report it.
    const latest = await this.getLatestBlockhash(commitment);
    tx.message.recentBlockhash = latest.blockhash;
    const res = await this.banksClient.simulateTransaction(tx, bankCommitment(commitment));
    return {
      failure: res.result ? failureFromString(res.result) : null,
      logs: res.meta?.logMessages ?? [],
      unitsConsumed: res.meta ? Number(res.meta.computeUnitsConsumed) : null,
      replacementBlockhash: latest,
    };
  }

  /** BanksClient processes a transaction synchronously: sent and confirmed in one call. */
  async sendAndConfirm(tx: VersionedTransaction, _opts?: { commitment: Commitment; lastValidBlockHeight: number }): Promise<SubmitResult> {
    for (const k of tx.message.staticAccountKeys) this.known.add(k.toBase58());
    const res = await this.banksClient.tryProcessTransaction(tx);
    return {
      signature: bs58.encode(tx.signatures[0]),
      failure: res.result ? failureFromString(res.result) : null,
      logs: res.meta?.logMessages ?? [],
    };
  }
}
