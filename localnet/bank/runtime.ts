/**
 * litesvm's native interface, fed wire bytes and 32-byte keys directly. The `LiteSVM` class
 * wraps it with @solana/kit types: every account read decodes and re-encodes base58 addresses
 * through BigInt arithmetic, and every transaction is decoded into a kit Transaction only to be
 * encoded back to the same bytes. On the transaction path that was most of the cost, so the
 * bank talks to the native object (typed in litesvm/dist/internal) and keeps the wrapper for
 * configuration.
 */
import type { LiteSVM } from 'litesvm';
import { Account, type FailedTransactionMetadata, type LiteSvm, type SimulatedTransactionInfo, type TransactionMetadata } from 'litesvm/dist/internal';
import { decodeBase58, encodeBase58 } from '../encoding/base58';
import type { AccountState } from './types';

const SYSTEM_PROGRAM = '11111111111111111111111111111111';

function keyBytes(address: string): Uint8Array {
  const bytes = decodeBase58(address);
  if (!bytes || bytes.length !== 32) throw new Error(`not an address: ${address}`);
  return bytes;
}

export class Runtime {
  private readonly native: LiteSvm;
  /** Owners repeat (a few programs own everything): their base58 by raw bytes. */
  private readonly owners = new Map<string, string>();

  constructor(readonly svm: LiteSVM) {
    this.native = (svm as unknown as { inner: LiteSvm }).inner;
    if (!this.native || typeof this.native.sendLegacyTransaction !== 'function') {
      throw new Error('unexpected litesvm build: its native interface is not where 1.5.0 has it');
    }
  }

  private owner(bytes: Uint8Array): string {
    const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    let b58 = this.owners.get(key);
    if (b58 === undefined) {
      b58 = encodeBase58(bytes);
      if (this.owners.size < 10_000) this.owners.set(key, b58);
    }
    return b58;
  }

  private state(acc: Account): AccountState {
    return { lamports: acc.lamports(), owner: this.owner(acc.owner()), executable: acc.executable(), data: acc.data() };
  }

  getAccount(address: string): AccountState | null {
    const acc = this.native.getAccount(keyBytes(address));
    return acc ? this.state(acc) : null;
  }

  getBalance(address: string): bigint | null {
    return this.native.getBalance(keyBytes(address));
  }

  getProgramAccounts(program: string): { address: string; account: AccountState }[] {
    return this.native.getProgramAccounts(keyBytes(program)).map((a) => ({ address: encodeBase58(a.address), account: this.state(a.account()) }));
  }

  /** Writes (or, with null or zero lamports, removes) an account, as litesvm's setAccount does. */
  setAccount(address: string, state: AccountState | null): void {
    const owner = keyBytes(state?.owner ?? SYSTEM_PROGRAM);
    this.native.setAccount(keyBytes(address), new Account(state?.lamports ?? 0n, state?.data ?? new Uint8Array(0), owner, state?.executable ?? false, 0n));
  }

  send(raw: Uint8Array, version: 'legacy' | 0): TransactionMetadata | FailedTransactionMetadata {
    return version === 'legacy' ? this.native.sendLegacyTransaction(raw) : this.native.sendVersionedTransaction(raw);
  }

  simulate(raw: Uint8Array, version: 'legacy' | 0): SimulatedTransactionInfo | FailedTransactionMetadata {
    return version === 'legacy' ? this.native.simulateLegacyTransaction(raw) : this.native.simulateVersionedTransaction(raw);
  }

  /** Post-simulation state of the accounts a simulation wrote. */
  simulatedAccounts(info: SimulatedTransactionInfo): Map<string, AccountState | null> {
    const out = new Map<string, AccountState | null>();
    for (const a of info.postAccounts()) {
      const acc = a.account();
      out.set(encodeBase58(a.address), acc.lamports() === 0n ? null : this.state(acc));
    }
    return out;
  }

  setSigverify(on: boolean): void {
    this.native.setSigverify(on);
  }
}
