/**
 * The bank: the real Solana runtime (litesvm) plus everything a validator keeps around it —
 * slots and blockhashes, the fee payer and signature checks a leader makes before execution,
 * transaction history, and the account changes each transaction made (for the ledger and for
 * subscriptions). Everything runs on the event loop thread, one transaction at a time.
 */
import { EventEmitter } from 'node:events';
import { Clock, EpochSchedule, FailedTransactionMetadata, LiteSVM, type SlotHash, type TransactionMetadata } from 'litesvm';
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import { decodeBase58, encodeBase58 } from '../encoding/base58';
import { describeTxError, namedTxError, type DescribedError } from '../encoding/tx-errors';
import { decodeMint, decodeTokenAccount, isTokenProgram, uiTokenAmount } from '../encoding/spl-token';
import { isWritableIndex, parseTransaction, WireFormatError, type ParsedMessage, type ParsedTransaction } from '../encoding/wire';
import { BlockhashQueue, MAX_PROCESSING_AGE } from './blockhashes';
import { computeUnitPrice, feeForMessage, PrioritizationFees } from './fees';
import { TxHistory, type InnerInstructionJson, type TokenBalance, type TxRecord } from './history';
import { Runtime } from './runtime';
import { TxRejected, type AccountChange, type AccountState, type LandedTransaction, type LedgerSink, type SimulationResult } from './types';

export const SYSTEM_PROGRAM = '11111111111111111111111111111111';
export const UPGRADEABLE_LOADER = 'BPFLoaderUpgradeab1e11111111111111111111111';
const LOADER_V4 = 'LoaderV411111111111111111111111111111111111';
const ADDRESS_LOOKUP_TABLE_PROGRAM = 'AddressLookupTab1e1111111111111111111111111';
const LOOKUP_TABLE_META_SIZE = 56;
/** DeployWithMaxDataLen, Upgrade, Close, ExtendProgram, Migrate, ExtendProgramChecked. */
const PROGRAM_CHANGING_LOADER_TAGS = new Set([2, 3, 5, 6, 8, 9]);

const LOADERS = ['BPFLoaderUpgradeab1e11111111111111111111111', 'BPFLoader2111111111111111111111111111111111', 'BPFLoader1111111111111111111111111111111111', LOADER_V4];
const WELL_KNOWN_OWNERS = [
  SYSTEM_PROGRAM,
  ...LOADERS,
  'NativeLoader1111111111111111111111111111111',
  'Sysvar1111111111111111111111111111111111111',
  'Vote111111111111111111111111111111111111111',
  'Stake11111111111111111111111111111111111111',
  'Config1111111111111111111111111111111111111',
  ADDRESS_LOOKUP_TABLE_PROGRAM,
  'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb',
];

export const SLOTS_PER_EPOCH = 432_000;
/** The SlotHashes sysvar holds this many recent slots (agave's MAX_ENTRIES). */
export const SLOT_HASHES_MAX = 512;

export interface Genesis {
  /** base58, 32 bytes */
  hash: string;
  /** Unix milliseconds when the ledger was created. */
  createdAt: number;
  /** The faucet that serves requestAirdrop (64-byte secret key). */
  faucetSecretKey: number[];
}

export interface BankOptions {
  genesis: Genesis;
  ledger: LedgerSink | null;
  historyCapacity: number;
  log: (line: string) => void;
}

export interface BankEvents {
  slot: [slot: number];
  transaction: [record: TxRecord, changes: AccountChange[]];
}


function sameState(a: AccountState | null, b: AccountState | null): boolean {
  if (a === null || b === null) return a === b;
  return a.lamports === b.lamports && a.owner === b.owner && a.executable === b.executable && Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(b.data);
}

interface Resolved {
  parsed: ParsedTransaction;
  signature: string;
  keys: string[];
  writable: boolean[];
  loaded: { writable: string[]; readonly: string[] };
}

/** Slots between the slot marks the ledger keeps; a restart resumes past the last mark plus this. */
export const SLOT_MARK_INTERVAL = 32;

/** Slot times kept for getBlockTime (about 11 hours of 400 ms slots). */
const SLOT_TIMES_KEPT = 100_000;
const SAMPLE_PERIOD_MS = 60_000;
const SAMPLES_KEPT = 720;

export interface PerformanceSample {
  slot: number;
  numTransactions: number;
  numNonVoteTransactions: number;
  numSlots: number;
  samplePeriodSecs: number;
}

export class Bank extends EventEmitter<BankEvents> {
  readonly svm: LiteSVM;
  private readonly runtime: Runtime;
  readonly genesis: Genesis;
  readonly history: TxHistory;
  readonly faucet: Keypair;
  private readonly blockhashes: BlockhashQueue;
  private readonly fees = new PrioritizationFees();
  private readonly ledger: LedgerSink | null;
  private readonly log: (line: string) => void;
  private currentSlot = 0;
  private lastUnixTimestamp = 0;
  /** Seconds the clock runs ahead of wall time (see `warp`). */
  private clockOffsetSecs = 0;
  private airdropNonce = 0;
  /** litesvm's SlotHash objects (it has no constructor for them), reused on every sync. */
  private slotHashPool: SlotHash[] = [];
  private slotHashesSyncedAt = -1;
  /** Each recent slot's Unix time (getBlock, getBlockTime), bounded. */
  private readonly slotTimes = new Map<number, number>();
  /** getRecentPerformanceSamples: one sample per minute of wall time, newest last, bounded. */
  readonly performanceSamples: PerformanceSample[] = [];
  private sampleStart = { at: performance.now(), slot: 0, transactions: 0 };
  /** False after a ledger write failed: the node keeps serving reads but reports unhealthy. */
  healthy = true;
  unhealthyReason: string | null = null;

  constructor(opts: BankOptions) {
    super();
    this.genesis = opts.genesis;
    this.ledger = opts.ledger;
    this.log = opts.log;
    this.history = new TxHistory(opts.historyCapacity);
    this.faucet = Keypair.fromSecretKey(Uint8Array.from(opts.genesis.faucetSecretKey));
    this.blockhashes = new BlockhashQueue(opts.genesis.hash);
    // Our own blockhash queue replaces litesvm's (which accepts only the latest blockhash), and
    // our own duplicate detection replaces its history, so both are off in the runtime.
    this.svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n).withSigverify(true);
    this.runtime = new Runtime(this.svm);
    this.svm.setEpochSchedule(new EpochSchedule(BigInt(SLOTS_PER_EPOCH), BigInt(SLOTS_PER_EPOCH), false, 0n, 0n));
    this.setSlot(0);
  }

  // ---- slots, clock, blockhashes -------------------------------------------------------------

  get slot(): number {
    return this.currentSlot;
  }

  /** Every slot produces a block here, so block height and slot are the same number. */
  get blockHeight(): number {
    return this.currentSlot;
  }

  private setSlot(slot: number): void {
    this.currentSlot = slot;
    this.lastUnixTimestamp = Math.max(this.lastUnixTimestamp, Math.floor(Date.now() / 1000) + this.clockOffsetSecs);
    const epoch = BigInt(Math.floor(slot / SLOTS_PER_EPOCH));
    this.svm.setClock(new Clock(BigInt(slot), BigInt(this.lastUnixTimestamp), epoch, epoch + 1n, BigInt(this.lastUnixTimestamp)));
    this.blockhashes.advanceTo(slot);
    this.slotTimes.set(slot, this.lastUnixTimestamp);
    if (this.slotTimes.size > SLOT_TIMES_KEPT) this.slotTimes.delete(this.slotTimes.keys().next().value as number);
  }

  /** The Unix time of a slot's block, when this node still knows it. */
  blockTimeOf(slot: number): number | null {
    return this.slotTimes.get(slot) ?? this.history.inSlot(slot)[0]?.blockTime ?? null;
  }

  private samplePerformance(): void {
    const now = performance.now();
    if (now - this.sampleStart.at < SAMPLE_PERIOD_MS) return;
    const transactions = this.history.transactionCount - this.sampleStart.transactions;
    this.performanceSamples.push({
      slot: this.currentSlot,
      numTransactions: transactions,
      // No votes on a one-node network: every transaction is a non-vote one.
      numNonVoteTransactions: transactions,
      numSlots: this.currentSlot - this.sampleStart.slot,
      samplePeriodSecs: Math.round((now - this.sampleStart.at) / 1000),
    });
    if (this.performanceSamples.length > SAMPLES_KEPT) this.performanceSamples.shift();
    this.sampleStart = { at: now, slot: this.currentSlot, transactions: this.history.transactionCount };
  }

  /** Ends the current slot and starts the next one (the slot clock calls this on every tick). */
  advanceSlot(): void {
    this.setSlot(this.currentSlot + 1);
    this.history.prune(this.currentSlot - MAX_PROCESSING_AGE);
    this.fees.prune(this.currentSlot);
    if (this.currentSlot % SLOT_MARK_INTERVAL === 0) this.ledger?.appendSlot(this.currentSlot);
    this.samplePerformance();
    this.emit('slot', this.currentSlot);
  }

  /**
   * Moves the clock `seconds` ahead of wall time from now on (a local network's fast-forward,
   * for demos and tests that wait on on-chain deadlines); the next slot carries the new time.
   * Time never goes backwards.
   */
  warp(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds <= 0) throw new Error('warp takes a positive whole number of seconds');
    this.clockOffsetSecs += seconds;
    this.advanceSlot();
  }

  /** Used by recovery: continue from a slot after the last one the ledger saw. */
  resumeAt(slot: number, unixTimestamp: number | null = null): void {
    // The clock continues from the ledger's last time: if that was ahead of wall time (a warp),
    // it stays ahead by as much.
    if (unixTimestamp !== null) {
      this.clockOffsetSecs = Math.max(0, unixTimestamp - Math.floor(Date.now() / 1000));
      this.lastUnixTimestamp = Math.max(this.lastUnixTimestamp, unixTimestamp);
    }
    this.setSlot(slot);
    this.sampleStart = { at: performance.now(), slot, transactions: this.history.transactionCount };
  }

  /**
   * Fills the SlotHashes sysvar with the recent slots up to and including the current one, so a
   * lookup table created with a `getSlot()` just read is accepted (the address lookup table
   * program refuses a recent_slot that SlotHashes does not hold). On a real cluster SlotHashes
   * stops at the parent slot; here the current slot is included because getSlot() answers it.
   * Done lazily, once per slot that runs a transaction.
   */
  private syncSlotHashes(): void {
    if (this.slotHashesSyncedAt === this.currentSlot) return;
    const count = Math.min(SLOT_HASHES_MAX, this.currentSlot + 1);
    while (this.slotHashPool.length < count) this.slotHashPool.push(this.svm.getSlotHashes()[0]);
    const entries = this.slotHashPool.slice(0, count);
    entries.forEach((entry, i) => {
      const slot = this.currentSlot - i;
      entry.slot = BigInt(slot);
      entry.hash = this.blockhashes.hashOf(slot);
    });
    this.svm.setSlotHashes(entries);
    this.slotHashesSyncedAt = this.currentSlot;
  }

  /** The blockhash (and the SlotHashes hash) of any slot. */
  blockhashOf(slot: number): string {
    return this.blockhashes.hashOf(slot);
  }

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: number } {
    const { blockhash, slot } = this.blockhashes.latest();
    return { blockhash, lastValidBlockHeight: slot + MAX_PROCESSING_AGE };
  }

  isBlockhashValid(blockhash: string): boolean {
    return this.blockhashes.slotOf(blockhash) !== null;
  }

  recentPrioritizationFees(accounts: string[]): { slot: number; prioritizationFee: bigint }[] {
    return this.fees.query(this.currentSlot, accounts);
  }

  get unixTimestamp(): number {
    return this.lastUnixTimestamp;
  }

  // ---- accounts ------------------------------------------------------------------------------

  getAccount(address: string): AccountState | null {
    return this.runtime.getAccount(address);
  }

  /**
   * Every account this node holds, found through its owner: the native and sysvar programs,
   * the loaders, SPL Token, and every deployed program (litesvm cannot list its accounts
   * otherwise; an account assigned to an address that is none of these is not seen).
   */
  allAccounts(): { address: string; account: AccountState }[] {
    const owners = new Set(WELL_KNOWN_OWNERS);
    for (const loader of LOADERS) for (const { address, account } of this.getProgramAccounts(loader)) if (account.executable) owners.add(address);
    const out: { address: string; account: AccountState }[] = [];
    for (const owner of owners) out.push(...this.getProgramAccounts(owner));
    return out;
  }

  getProgramAccounts(program: string): { address: string; account: AccountState }[] {
    return this.runtime.getProgramAccounts(program);
  }

  minimumBalanceForRentExemption(size: number): bigint {
    return this.svm.minimumBalanceForRentExemption(BigInt(size));
  }

  /** Writes an account directly (genesis and recovery only); journaled like a transaction. */
  async setAccounts(accounts: { address: string; state: AccountState | null }[]): Promise<void> {
    const changes: AccountChange[] = [];
    for (const { address, state } of accounts) {
      const before = this.getAccount(address);
      this.writeAccount(address, state);
      changes.push({ address, before, after: state });
    }
    if (this.ledger) await this.ledger.appendAccounts(changes);
  }

  /** Restores accounts without journaling them (ledger recovery). Programs must come last. */
  restoreAccounts(accounts: Iterable<[string, AccountState]>): void {
    const programs: [string, AccountState][] = [];
    for (const [address, state] of accounts) {
      if (state.executable) programs.push([address, state]);
      else this.writeAccount(address, state);
    }
    // Program accounts are loaded into the program cache from their ProgramData, which must
    // already be in place.
    for (const [address, state] of programs) this.writeAccount(address, state);
  }

  private writeAccount(address: string, state: AccountState | null): void {
    this.runtime.setAccount(address, state);
  }

  // ---- transactions --------------------------------------------------------------------------

  private resolve(raw: Uint8Array): Resolved {
    let parsed: ParsedTransaction;
    try {
      parsed = parseTransaction(raw);
    } catch (err) {
      const why = err instanceof WireFormatError ? err.message : 'invalid transaction encoding';
      if (err instanceof WireFormatError && /unsupported transaction version/.test(err.message)) {
        throw new TxRejected('unsupported', `failed to deserialize transaction: ${why}`);
      }
      throw new TxRejected('malformed', `failed to deserialize transaction: ${why}`);
    }
    const loaded = this.loadAddresses(parsed.message);
    const keys = [...parsed.message.staticKeys, ...loaded.writable, ...loaded.readonly];
    const writable = keys.map((_, i) => isWritableIndex(parsed.message, i, loaded.writable.length));
    return { parsed, signature: encodeBase58(parsed.signatures[0]), keys, writable, loaded };
  }

  /** Resolves v0 address table lookups (the runtime re-checks them; this is for metadata). */
  private loadAddresses(m: ParsedMessage): { writable: string[]; readonly: string[] } {
    const out = { writable: [] as string[], readonly: [] as string[] };
    for (const lookup of m.addressTableLookups) {
      const table = this.getAccount(lookup.accountKey);
      const fail = (name: 'AddressLookupTableNotFound' | 'InvalidAddressLookupTableOwner' | 'InvalidAddressLookupTableIndex') => {
        const e = namedTxError(name);
        throw new TxRejected('preflight', `Transaction simulation failed: ${e.message}`, e.json);
      };
      if (!table) fail('AddressLookupTableNotFound');
      if (table!.owner !== ADDRESS_LOOKUP_TABLE_PROGRAM) fail('InvalidAddressLookupTableOwner');
      const count = Math.floor((table!.data.length - LOOKUP_TABLE_META_SIZE) / 32);
      const at = (i: number): string => {
        if (i >= count) fail('InvalidAddressLookupTableIndex');
        const from = LOOKUP_TABLE_META_SIZE + i * 32;
        return encodeBase58(table!.data.subarray(from, from + 32));
      };
      for (const i of lookup.writableIndexes) out.writable.push(at(i));
      for (const i of lookup.readonlyIndexes) out.readonly.push(at(i));
    }
    return out;
  }

  private programIds(r: Resolved): Set<string> {
    return new Set(r.parsed.message.instructions.map((ix) => r.keys[ix.programIdIndex]));
  }

  /** Pre-execution state of every key (programs that are only invoked: balance only). */
  private readKeys(r: Resolved): (AccountState | null)[] {
    const programs = this.programIds(r);
    return r.keys.map((key, i) => {
      if (!r.writable[i] && programs.has(key)) {
        const lamports = this.runtime.getBalance(key);
        return lamports === null ? null : { lamports, owner: '', executable: true, data: new Uint8Array(0) };
      }
      return this.getAccount(key);
    });
  }

  private tokenBalances(r: Resolved, states: (AccountState | null)[]): TokenBalance[] {
    const out: TokenBalance[] = [];
    const decimals = new Map<string, number | null>();
    states.forEach((s, accountIndex) => {
      if (!s || !isTokenProgram(s.owner)) return;
      const acc = decodeTokenAccount(s.data);
      if (!acc || acc.state === 'uninitialized') return;
      if (!decimals.has(acc.mint)) {
        const mint = this.getAccount(acc.mint);
        decimals.set(acc.mint, mint ? (decodeMint(mint.data)?.decimals ?? null) : null);
      }
      const d = decimals.get(acc.mint);
      if (d === null || d === undefined) return;
      out.push({ accountIndex, mint: acc.mint, owner: acc.owner, programId: s.owner, uiTokenAmount: uiTokenAmount(acc.amount, d) });
    });
    return out;
  }

  private static innerInstructions(meta: TransactionMetadata): TxRecord['innerInstructions'] {
    const out: TxRecord['innerInstructions'] = [];
    meta.innerInstructions().forEach((list, index) => {
      if (list.length === 0) return;
      const instructions: InnerInstructionJson[] = list.map((inner) => {
        const ix = inner.instruction();
        return { programIdIndex: ix.programIdIndex(), accounts: Array.from(ix.accounts()), data: encodeBase58(ix.data()), stackHeight: inner.stackHeight() };
      });
      out.push({ index, instructions });
    });
    return out;
  }

  private static returnData(meta: TransactionMetadata): TxRecord['returnData'] {
    const rd = meta.returnData();
    const data = rd.data();
    if (data.length === 0) return null;
    return { programId: encodeBase58(rd.programId()), data: Buffer.from(data).toString('base64') };
  }

  private runWithSigverify<T>(sigverify: boolean, run: () => T): T {
    if (sigverify) return run();
    this.runtime.setSigverify(false);
    try {
      return run();
    } finally {
      this.runtime.setSigverify(true);
    }
  }

  /**
   * Executes a signed transaction. With `preflight`, a transaction that would fail is refused
   * with a TxRejected('preflight') and changes nothing, as a real node's preflight simulation
   * does (the runtime is deterministic and single-threaded here, so execution against the same
   * state is that simulation; a fee it charged is rolled back). Without it, a failing
   * transaction lands, pays its fee and records its error.
   */
  execute(raw: Uint8Array, preflight: boolean): LandedTransaction {
    const r = this.resolve(raw);
    const m = r.parsed.message;
    const blockhashSlot = this.blockhashes.slotOf(m.recentBlockhash);
    const refuse = (e: DescribedError): LandedTransaction => {
      if (preflight) throw new TxRejected('preflight', `Transaction simulation failed: ${e.message}`, e.json);
      return { signature: r.signature, record: null, committed: Promise.resolve() };
    };
    if (blockhashSlot === null) return refuse(namedTxError('BlockhashNotFound'));
    if (this.history.isRecent(r.signature)) return refuse(namedTxError('AlreadyProcessed'));

    const before = this.readKeys(r);
    this.syncSlotHashes();
    let result: TransactionMetadata | FailedTransactionMetadata;
    try {
      result = this.runtime.send(raw, m.version);
    } catch (err) {
      throw new TxRejected('signature', `Transaction signature verification failure (${err instanceof Error ? err.message : String(err)})`);
    }
    const changes: AccountChange[] = [];
    const after = before.slice();
    r.keys.forEach((key, i) => {
      if (!r.writable[i]) return;
      const post = this.getAccount(key);
      after[i] = post;
      if (!sameState(before[i], post)) changes.push({ address: key, before: before[i], after: post });
    });
    const failed = result instanceof FailedTransactionMetadata;
    const meta = failed ? (result as FailedTransactionMetadata).meta() : (result as TransactionMetadata);
    const error = failed ? describeTxError((result as FailedTransactionMetadata).err()) : null;
    if (error && (error.json === 'SignatureFailure' || error.json === 'MissingSignatureForFee')) {
      throw new TxRejected('signature', 'Transaction signature verification failure', error.json);
    }
    if (error && preflight) {
      for (const c of changes) this.writeAccount(c.address, c.before);
      throw new TxRejected('preflight', `Transaction simulation failed: ${error.message}`, error.json, meta.logs(), Number(meta.computeUnitsConsumed()), Bank.returnData(meta));
    }
    if (error && changes.length === 0) {
      // Failed before execution (fee payer missing or too poor, bad program...): not included.
      return { signature: r.signature, record: null, committed: Promise.resolve() };
    }

    const record: TxRecord = {
      signature: r.signature,
      slot: this.currentSlot,
      blockTime: this.lastUnixTimestamp,
      tx: Buffer.from(raw).toString('base64'),
      version: m.version,
      accountKeys: r.keys,
      loadedAddresses: r.loaded,
      err: error ? error.json : null,
      fee: feeForMessage(m).toString(),
      preBalances: before.map((s) => (s?.lamports ?? 0n).toString()),
      postBalances: after.map((s) => (s?.lamports ?? 0n).toString()),
      preTokenBalances: this.tokenBalances(r, before),
      postTokenBalances: this.tokenBalances(r, after),
      logs: meta.logs(),
      innerInstructions: Bank.innerInstructions(meta),
      computeUnits: Number(meta.computeUnitsConsumed()),
      returnData: Bank.returnData(meta),
      blockhashSlot,
    };
    this.history.add(record);
    this.fees.record(this.currentSlot, computeUnitPrice(m), r.keys.filter((_, i) => r.writable[i]));
    const committed = this.commit(record, changes);
    // A program deployed or upgraded in this slot becomes visible in the next one, as on a
    // real cluster; end the slot now so the caller does not wait for the clock.
    if (!error && Bank.changesPrograms(r)) this.advanceSlot();
    return { signature: r.signature, record, committed };
  }

  /** Whether the transaction deployed, upgraded, extended or closed a program. */
  private static changesPrograms(r: Resolved): boolean {
    return r.parsed.message.instructions.some((ix) => {
      const program = r.keys[ix.programIdIndex];
      if (program === LOADER_V4) return true;
      if (program !== UPGRADEABLE_LOADER || ix.data.length < 4) return false;
      const tag = ix.data[0] | (ix.data[1] << 8) | (ix.data[2] << 16) | (ix.data[3] << 24);
      return PROGRAM_CHANGING_LOADER_TAGS.has(tag);
    });
  }

  private commit(record: TxRecord, changes: AccountChange[]): Promise<void> {
    const durable = this.ledger ? this.ledger.appendTransaction(record, changes) : Promise.resolve();
    return durable.then(
      () => {
        this.emit('transaction', record, changes);
      },
      (err: unknown) => {
        this.markUnhealthy(`ledger write failed: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      },
    );
  }

  markUnhealthy(reason: string): void {
    if (this.healthy) this.log(`unhealthy: ${reason}`);
    this.healthy = false;
    this.unhealthyReason = reason;
  }

  /** Re-applies a journaled transaction's record on recovery (its account states come separately). */
  restoreRecord(record: TxRecord): void {
    this.history.add(record);
  }

  simulate(raw: Uint8Array, opts: { sigVerify: boolean; replaceRecentBlockhash: boolean; accounts: string[] | null }): SimulationResult {
    const r = this.resolve(raw);
    const m = r.parsed.message;
    const base: Omit<SimulationResult, 'err' | 'logs' | 'unitsConsumed' | 'returnData' | 'innerInstructions'> = {
      accounts: null,
      replacementBlockhash: opts.replaceRecentBlockhash ? this.latestBlockhash() : null,
      fee: feeForMessage(m),
      loadedAddresses: r.loaded,
    };
    if (!opts.replaceRecentBlockhash && this.blockhashes.slotOf(m.recentBlockhash) === null) {
      return { ...base, err: 'BlockhashNotFound', logs: [], unitsConsumed: 0, returnData: null, innerInstructions: [] };
    }
    let result;
    this.syncSlotHashes();
    try {
      result = this.runWithSigverify(opts.sigVerify, () => this.runtime.simulate(raw, m.version));
    } catch (err) {
      throw new TxRejected('signature', `Transaction signature verification failure (${err instanceof Error ? err.message : String(err)})`);
    }
    if (result instanceof FailedTransactionMetadata) {
      const meta = result.meta();
      const error = describeTxError(result.err());
      return {
        ...base,
        err: error.json,
        logs: meta.logs(),
        unitsConsumed: Number(meta.computeUnitsConsumed()),
        returnData: Bank.returnData(meta),
        innerInstructions: Bank.innerInstructions(meta),
      };
    }
    const meta = result.meta();
    let accounts: (AccountState | null)[] | null = null;
    if (opts.accounts) {
      const post = this.runtime.simulatedAccounts(result);
      accounts = opts.accounts.map((address) => (post.has(address) ? (post.get(address) ?? null) : this.getAccount(address)));
    }
    return {
      ...base,
      accounts,
      err: null,
      logs: meta.logs(),
      unitsConsumed: Number(meta.computeUnitsConsumed()),
      returnData: Bank.returnData(meta),
      innerInstructions: Bank.innerInstructions(meta),
    };
  }

  /** A real System transfer from the faucet, processed like any other transaction. */
  requestAirdrop(to: string, lamports: bigint): LandedTransaction {
    const faucetBalance = this.getAccount(this.faucet.publicKey.toBase58())?.lamports ?? 0n;
    if (lamports > faucetBalance - 1_000_000n) {
      throw new TxRejected('preflight', `airdrop request failed: the faucet holds ${faucetBalance} lamports`);
    }
    const build = (nonce: number | null): Uint8Array => {
      const { blockhash, lastValidBlockHeight } = this.latestBlockhash();
      const tx = new Transaction({ feePayer: this.faucet.publicKey, blockhash, lastValidBlockHeight });
      // Identical airdrops in one slot would share a signature; a compute limit makes them differ.
      if (nonce !== null) tx.add(ComputeBudgetProgram.setComputeUnitLimit({ units: 200_000 - (nonce % 100_000) }));
      tx.add(SystemProgram.transfer({ fromPubkey: this.faucet.publicKey, toPubkey: new PublicKey(to), lamports }));
      tx.sign(this.faucet);
      return tx.serialize();
    };
    let raw = build(null);
    if (this.history.isRecent(encodeBase58(raw.subarray(1, 65)))) raw = build(++this.airdropNonce);
    return this.execute(raw, true);
  }

  /** Fee the runtime charges for a base64 message, or null when the blockhash has expired. */
  feeForMessage(messageBytes: Uint8Array, parse: (b: Uint8Array) => ParsedMessage): bigint | null {
    const m = parse(messageBytes);
    return this.blockhashes.slotOf(m.recentBlockhash) === null ? null : feeForMessage(m);
  }
}

export function isValidAddress(text: string): boolean {
  const b = decodeBase58(text);
  return b !== null && b.length === 32;
}
