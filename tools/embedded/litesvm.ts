/**
 * A litesvm (1.5.0) environment equivalent to `env.ts`'s bankrun one — the runtime that really
 * verifies Ed25519 precompile instructions (solana-bankrun 0.4.0 does not), so every test that
 * relies on a signature being rejected runs here.
 *
 * - Programs come from `target/deploy` and are deployed **through the real BPF Upgradeable
 *   Loader** with ordinary transactions (buffer, writes, DeployWithMaxDataLen) signed by the
 *   committed program keypairs, the admin as upgrade authority — or, with `deploy: 'layout'`,
 *   written directly in the loader's account layout (`sdk/src/loader.ts`), as env.ts does.
 * - Real SPL mints (USDC 6 decimals, $PEER 9) through litesvm's SPL Token program.
 * - A realistic clock: litesvm's unix_timestamp starts at 0; we start at `START_UNIX_TIMESTAMP`.
 *
 * The runtime is exposed behind a bankrun-shaped context (`LiteContext`: `banksClient.getAccount /
 * getClock / getRent / tryProcessTransaction`, `setAccount`, `setClock`, `payer`,
 * `lastBlockhash`), so `tx.ts`, `tokens.ts`, `clock.ts`, the `Market` fixture, the Anchor
 * provider and the test harness run unchanged on either runtime.
 */
import { AnchorProvider, Program } from '@coral-xyz/anchor';
import { getTransactionDecoder, type Address } from '@solana/kit';
import {
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  SYSVAR_CLOCK_PUBKEY,
  SYSVAR_RENT_PUBKEY,
  Transaction,
  TransactionInstruction,
  VersionedTransaction,
} from '@solana/web3.js';
import { BankrunProvider } from 'anchor-bankrun';
import { Clock as LiteClock, FailedTransactionMetadata, LiteSVM, type TransactionMetadata } from 'litesvm';
import {
  InstructionErrorBorshIo,
  InstructionErrorCustom,
  TransactionErrorDuplicateInstruction,
  TransactionErrorInstructionError,
  TransactionErrorInsufficientFundsForRent,
} from 'litesvm/dist/internal';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Clock as BankrunClock, type ProgramTestContext } from 'solana-bankrun';
import type { PeerMarket } from '../../sdk/src/idl/peer_market';
import type { PeerStaking } from '../../sdk/src/idl/peer_staking';
import { BPF_UPGRADEABLE_LOADER, upgradeableProgramAccounts } from '../../sdk/src/loader';
import { findProgramDataAddress } from '../../sdk/src/pda';
import type { EmbeddedEnv } from './env';
import { createMint, PEER_DECIMALS, USDC_DECIMALS } from './tokens';
import { localnetPrograms, programBinary, programIdl, REPO_ROOT } from '../workspace';
// litesvm's numbering of the fieldless error variants, shared with the local network.
import { IX_FIELDLESS, TX_FIELDLESS } from '../../localnet/encoding/tx-errors';

/** 2026-01-01T00:00:00Z: a fixed, realistic start (never the wall clock). */
export const START_UNIX_TIMESTAMP = 1_767_225_600n;
/** Bytes of program data per loader Write transaction. */
const WRITE_CHUNK = 900;
/** UpgradeableLoaderState::Buffer metadata: u32 tag + Option<Pubkey>. */
const BUFFER_HEADER_LEN = 37;
/** UpgradeableLoaderState::Program: u32 tag + programdata address. */
const PROGRAM_ACCOUNT_LEN = 36;

const decoder = getTransactionDecoder();

// ---------------------------------------------------------------------------------------------
// Errors in bankrun's words

/** The structured error of a failed litesvm transaction. */
export type LiteTxError =
  | { kind: 'transaction'; name: string }
  | { kind: 'instruction'; index: number; custom: number | null; name: string };

export function liteTxError(err: ReturnType<FailedTransactionMetadata['err']>): LiteTxError {
  if (typeof err === 'number') return { kind: 'transaction', name: TX_FIELDLESS[err] ?? `TransactionError${err}` };
  if (err instanceof TransactionErrorInstructionError) {
    const inner = err.err();
    if (typeof inner === 'number') return { kind: 'instruction', index: err.index, custom: null, name: IX_FIELDLESS[inner] ?? `InstructionError${inner}` };
    if (inner instanceof InstructionErrorCustom) return { kind: 'instruction', index: err.index, custom: inner.code, name: 'Custom' };
    if (inner instanceof InstructionErrorBorshIo) return { kind: 'instruction', index: err.index, custom: null, name: 'BorshIoError' };
    return { kind: 'instruction', index: err.index, custom: null, name: String(inner) };
  }
  if (err instanceof TransactionErrorDuplicateInstruction) return { kind: 'transaction', name: `DuplicateInstruction(${err.index})` };
  if (err instanceof TransactionErrorInsufficientFundsForRent) return { kind: 'transaction', name: `InsufficientFundsForRent(${err.accountIndex})` };
  return { kind: 'transaction', name: String(err) };
}

/** The message bankrun gives the same error ("Error processing Instruction 1: custom program error: 0x2"). */
export function bankrunMessage(e: LiteTxError): string {
  if (e.kind === 'transaction') return e.name;
  const inner = e.custom !== null ? `custom program error: 0x${e.custom.toString(16)}` : e.name;
  return `Error processing Instruction ${e.index}: ${inner}`;
}

/**
 * The instruction error of a failed transaction, parsed back from the raw error string `tx.ts`
 * reports (both runtimes): which instruction failed, and its custom code when it has one.
 */
export function instructionErrorOf(rawError: string | null): { index: number; custom: number | null; message: string } | null {
  if (!rawError) return null;
  const m = /^Error processing Instruction (\d+): (.*)$/.exec(rawError);
  if (!m) return null;
  const custom = /^custom program error: 0x([0-9a-f]+)$/i.exec(m[2]);
  return { index: Number(m[1]), custom: custom ? parseInt(custom[1], 16) : null, message: m[2] };
}

// ---------------------------------------------------------------------------------------------
// The bankrun-shaped context

/** What bankrun's `getAccount` returns. */
export interface AccountInfoBytes {
  lamports: number;
  data: Uint8Array;
  owner: PublicKey;
  executable: boolean;
  rentEpoch: number;
}

export interface LiteTransactionResult {
  /** null on success, else bankrun's error message. */
  result: string | null;
  /** The structured error (null on success). */
  error: LiteTxError | null;
  meta: { logMessages: string[]; computeUnitsConsumed: bigint };
}

function toWireBytes(tx: Transaction | VersionedTransaction): Uint8Array {
  return tx instanceof VersionedTransaction ? tx.serialize() : tx.serialize({ requireAllSignatures: true, verifySignatures: false });
}

/**
 * The subset of bankrun's `ProgramTestContext` our harness uses, over a LiteSVM. Cast it with
 * `asProgramTestContext` where a `ProgramTestContext` is expected.
 */
export class LiteContext {
  readonly svm: LiteSVM;
  readonly payer: Keypair;
  readonly banksClient: {
    getAccount(address: PublicKey): Promise<AccountInfoBytes | null>;
    getBalance(address: PublicKey): Promise<bigint>;
    getClock(): Promise<BankrunClock>;
    getRent(): Promise<{ minimumBalance(dataLen: bigint): bigint }>;
    getSlot(): Promise<bigint>;
    getLatestBlockhash(): Promise<[string, bigint]>;
    tryProcessTransaction(tx: Transaction | VersionedTransaction): Promise<LiteTransactionResult>;
    processTransaction(tx: Transaction | VersionedTransaction): Promise<{ logMessages: string[]; computeUnitsConsumed: bigint }>;
    sendTransaction(tx: Transaction | VersionedTransaction): Promise<void>;
  };

  constructor(svm: LiteSVM, payer: Keypair) {
    this.svm = svm;
    this.payer = payer;
    const self = this;
    this.banksClient = {
      async getAccount(address) {
        return self.getAccountSync(address);
      },
      async getBalance(address) {
        return BigInt(self.getAccountSync(address)?.lamports ?? 0);
      },
      async getClock() {
        const c = svm.getClock();
        return new BankrunClock(c.slot, c.epochStartTimestamp, c.epoch, c.leaderScheduleEpoch, c.unixTimestamp);
      },
      async getRent() {
        return { minimumBalance: (dataLen: bigint) => svm.minimumBalanceForRentExemption(dataLen) };
      },
      async getSlot() {
        return svm.getClock().slot;
      },
      async getLatestBlockhash() {
        return [svm.latestBlockhash(), svm.getClock().slot + 150n];
      },
      async tryProcessTransaction(tx) {
        return self.process(tx);
      },
      async processTransaction(tx) {
        const res = self.process(tx);
        if (res.result !== null) throw new Error(`${res.result}\n${res.meta.logMessages.join('\n')}`);
        return res.meta;
      },
      async sendTransaction(tx) {
        self.process(tx);
      },
    };
  }

  get lastBlockhash(): string {
    return this.svm.latestBlockhash();
  }

  getAccountSync(address: PublicKey): AccountInfoBytes | null {
    const acc = this.svm.getAccount(address.toBase58() as Address);
    if (!acc.exists) return null;
    return {
      lamports: Number(acc.lamports),
      data: new Uint8Array(acc.data),
      owner: new PublicKey(acc.programAddress),
      executable: acc.executable,
      rentEpoch: 0,
    };
  }

  setAccount(address: PublicKey, info: { lamports: number; data: Uint8Array; owner: PublicKey; executable: boolean }): void {
    this.svm.setAccount({
      address: address.toBase58() as Address,
      lamports: BigInt(info.lamports) as never,
      programAddress: info.owner.toBase58() as Address,
      executable: info.executable,
      data: new Uint8Array(info.data),
      space: BigInt(info.data.length),
    });
  }

  /** Overwrites the clock (a bankrun `Clock`, as `clock.ts` builds it); the slot moves with it. */
  setClock(clock: BankrunClock): void {
    if (clock.slot !== this.svm.getClock().slot) this.svm.warpToSlot(clock.slot);
    this.svm.setClock(new LiteClock(clock.slot, clock.epochStartTimestamp, clock.epoch, clock.leaderScheduleEpoch, clock.unixTimestamp));
  }

  warpToSlot(slot: bigint): void {
    const c = this.svm.getClock();
    this.svm.warpToSlot(slot);
    this.svm.setClock(new LiteClock(slot, c.epochStartTimestamp, c.epoch, c.leaderScheduleEpoch, c.unixTimestamp));
  }

  /** Executes a signed web3.js transaction (legacy or v0) in litesvm. */
  process(tx: Transaction | VersionedTransaction): LiteTransactionResult {
    const kitTx = decoder.decode(toWireBytes(tx));
    const res = this.svm.sendTransaction(kitTx);
    if (res instanceof FailedTransactionMetadata) {
      const error = liteTxError(res.err());
      const meta = res.meta();
      return { result: bankrunMessage(error), error, meta: { logMessages: meta.logs(), computeUnitsConsumed: meta.computeUnitsConsumed() } };
    }
    const ok = res as TransactionMetadata;
    return { result: null, error: null, meta: { logMessages: ok.logs(), computeUnitsConsumed: ok.computeUnitsConsumed() } };
  }

  /**
   * Sends `ixs` exactly as given — no compute-budget instruction in front (unlike `tx.ts`'s
   * `send`), so instruction indexes are the caller's — signed by the payer and `signers`.
   */
  sendExact(ixs: TransactionInstruction[], signers: Keypair[] = [], payer: Keypair = this.payer): LiteTransactionResult {
    const tx = new Transaction();
    tx.add(...ixs);
    tx.feePayer = payer.publicKey;
    tx.recentBlockhash = this.lastBlockhash;
    const unique = new Map<string, Keypair>();
    for (const k of [payer, ...signers]) unique.set(k.publicKey.toBase58(), k);
    tx.sign(...unique.values());
    return this.process(tx);
  }

  asProgramTestContext(): ProgramTestContext {
    return this as unknown as ProgramTestContext;
  }
}

// ---------------------------------------------------------------------------------------------
// Deployment

function loaderIx(keys: TransactionInstruction['keys'], data: Buffer): TransactionInstruction {
  return new TransactionInstruction({ programId: BPF_UPGRADEABLE_LOADER, keys, data });
}

function expectSuccess(res: LiteTransactionResult, what: string): void {
  if (res.result !== null) throw new Error(`${what} failed: ${res.result}\n${res.meta.logMessages.join('\n')}`);
}

/**
 * Deploys `elf` at `program`'s address through the BPF Upgradeable Loader, the way
 * `solana program deploy` does: a buffer (create + InitializeBuffer), Write chunks, then the
 * program account and DeployWithMaxDataLen; `authority` becomes the upgrade authority. The
 * program runs from the next slot on.
 */
export function deployThroughLoader(ctx: LiteContext, program: Keypair, elf: Buffer, authority: Keypair): { loaderUnits: bigint } {
  const payer = ctx.payer;
  const buffer = Keypair.generate();
  const bufferLen = BUFFER_HEADER_LEN + elf.length;
  const initBuffer = Buffer.alloc(4);
  initBuffer.writeUInt32LE(0, 0); // InitializeBuffer
  expectSuccess(
    ctx.sendExact(
      [
        SystemProgram.createAccount({
          fromPubkey: payer.publicKey,
          newAccountPubkey: buffer.publicKey,
          lamports: Number(ctx.svm.minimumBalanceForRentExemption(BigInt(bufferLen))),
          space: bufferLen,
          programId: BPF_UPGRADEABLE_LOADER,
        }),
        loaderIx(
          [
            { pubkey: buffer.publicKey, isSigner: false, isWritable: true },
            { pubkey: authority.publicKey, isSigner: false, isWritable: false },
          ],
          initBuffer,
        ),
      ],
      [buffer],
    ),
    'InitializeBuffer',
  );
  for (let offset = 0; offset < elf.length; offset += WRITE_CHUNK) {
    const bytes = elf.subarray(offset, Math.min(elf.length, offset + WRITE_CHUNK));
    const data = Buffer.alloc(4 + 4 + 8 + bytes.length);
    data.writeUInt32LE(1, 0); // Write
    data.writeUInt32LE(offset, 4);
    data.writeBigUInt64LE(BigInt(bytes.length), 8); // bincode Vec<u8> length
    bytes.copy(data, 16);
    expectSuccess(
      ctx.sendExact(
        [
          loaderIx(
            [
              { pubkey: buffer.publicKey, isSigner: false, isWritable: true },
              { pubkey: authority.publicKey, isSigner: true, isWritable: false },
            ],
            data,
          ),
        ],
        [authority],
      ),
      `Write at ${offset}`,
    );
  }
  const [programData] = findProgramDataAddress(program.publicKey);
  const deploy = Buffer.alloc(12);
  deploy.writeUInt32LE(2, 0); // DeployWithMaxDataLen
  deploy.writeBigUInt64LE(BigInt(elf.length), 4);
  const res = ctx.sendExact(
    [
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: program.publicKey,
        lamports: Number(ctx.svm.minimumBalanceForRentExemption(BigInt(PROGRAM_ACCOUNT_LEN))),
        space: PROGRAM_ACCOUNT_LEN,
        programId: BPF_UPGRADEABLE_LOADER,
      }),
      loaderIx(
        [
          { pubkey: payer.publicKey, isSigner: true, isWritable: true },
          { pubkey: programData, isSigner: false, isWritable: true },
          { pubkey: program.publicKey, isSigner: false, isWritable: true },
          { pubkey: buffer.publicKey, isSigner: false, isWritable: true },
          { pubkey: SYSVAR_RENT_PUBKEY, isSigner: false, isWritable: false },
          { pubkey: SYSVAR_CLOCK_PUBKEY, isSigner: false, isWritable: false },
          { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
          { pubkey: authority.publicKey, isSigner: true, isWritable: false },
        ],
        deploy,
      ),
    ],
    [program, authority],
  );
  expectSuccess(res, 'DeployWithMaxDataLen');
  return { loaderUnits: res.meta.computeUnitsConsumed };
}

/** The committed keypair of a workspace program (its address is the Anchor.toml program id). */
export function programKeypair(name: string): Keypair {
  const secret = JSON.parse(readFileSync(join(REPO_ROOT, 'target/deploy', `${name}-keypair.json`), 'utf8')) as number[];
  return Keypair.fromSecretKey(Uint8Array.from(secret));
}

// ---------------------------------------------------------------------------------------------
// The environment

export interface LiteEnv extends EmbeddedEnv {
  svm: LiteSVM;
  lite: LiteContext;
}

export interface LiteEnvOptions {
  /** Extra funded wallets to create. */
  wallets?: Keypair[];
  /** 'loader' (default): real deployment transactions; 'layout': write the loader's accounts directly. */
  deploy?: 'loader' | 'layout';
  /** The clock's starting unix timestamp (default START_UNIX_TIMESTAMP). */
  unixTimestamp?: bigint;
}

function fund(lite: LiteContext, address: PublicKey, sol = 100): void {
  lite.setAccount(address, { lamports: sol * LAMPORTS_PER_SOL, data: new Uint8Array(0), owner: SystemProgram.programId, executable: false });
}

/** The state right after deployment, per process and deployment kind: later envs restore it. */
const deployments = new Map<string, { bytes: Uint8Array; payer: Uint8Array; admin: Uint8Array }>();

function deployAll(opts: LiteEnvOptions): { svm: LiteSVM; lite: LiteContext; admin: Keypair } {
  // Transaction history off: as on bankrun (whose blockhash never changes), a transaction may
  // be sent again (tx.ts varies a compute-budget limit anyway).
  const svm = new LiteSVM().withTransactionHistory(0n);
  const start = opts.unixTimestamp ?? START_UNIX_TIMESTAMP;
  svm.setClock(new LiteClock(1n, start, 0n, 1n, start));
  const payer = Keypair.generate();
  const lite = new LiteContext(svm, payer);
  const admin = Keypair.generate();
  for (const k of [payer, admin]) fund(lite, k.publicKey, k === payer ? 10_000 : 100);
  const programs = localnetPrograms();
  for (const [name, programId] of Object.entries(programs)) {
    const elf = programBinary(name);
    if ((opts.deploy ?? 'loader') === 'loader') {
      const keypair = programKeypair(name);
      if (!keypair.publicKey.equals(programId)) throw new Error(`target/deploy/${name}-keypair.json is not ${programId.toBase58()}`);
      deployThroughLoader(lite, keypair, elf, admin);
    } else {
      const deployed = upgradeableProgramAccounts(programId, elf, admin.publicKey);
      // ProgramData first: the program account is loaded from it when it is written.
      for (const acc of [deployed.programData, deployed.program]) {
        lite.setAccount(acc.address, { lamports: LAMPORTS_PER_SOL, data: acc.data, owner: BPF_UPGRADEABLE_LOADER, executable: acc === deployed.program });
      }
    }
  }
  // Deployed programs are visible from the next slot.
  lite.warpToSlot(svm.getClock().slot + 1n);
  return { svm, lite, admin };
}

/**
 * A litesvm with every workspace program deployed, real mints and a realistic clock. The
 * deployment runs once per process (and kind, and start time); later environments restore
 * litesvm's snapshot of the freshly deployed state (`toBytes`/`fromBytes`), with the same
 * payer and admin keys, and create their own mints.
 */
export async function startLiteSvm(opts: LiteEnvOptions = {}): Promise<LiteEnv> {
  const key = `${opts.deploy ?? 'loader'}:${opts.unixTimestamp ?? START_UNIX_TIMESTAMP}`;
  let svm: LiteSVM;
  let lite: LiteContext;
  let admin: Keypair;
  const cached = deployments.get(key);
  if (cached) {
    svm = LiteSVM.fromBytes(cached.bytes);
    lite = new LiteContext(svm, Keypair.fromSecretKey(cached.payer));
    admin = Keypair.fromSecretKey(cached.admin);
  } else {
    ({ svm, lite, admin } = deployAll(opts));
    deployments.set(key, { bytes: svm.toBytes(), payer: lite.payer.secretKey, admin: admin.secretKey });
  }
  const mintAuthority = Keypair.generate();
  for (const k of opts.wallets ?? []) fund(lite, k.publicKey);
  const programs = localnetPrograms();

  const context = lite.asProgramTestContext();
  const provider = new BankrunProvider(context);
  const market = new Program<PeerMarket>(programIdl<PeerMarket>('peer_market'), provider as unknown as AnchorProvider);
  const staking = new Program<PeerStaking>(programIdl<PeerStaking>('peer_staking'), provider as unknown as AnchorProvider);
  const usdcMint = await createMint(context, USDC_DECIMALS, mintAuthority.publicKey);
  const peerMint = await createMint(context, PEER_DECIMALS, mintAuthority.publicKey);
  return {
    svm,
    lite,
    context,
    provider,
    market,
    marketId: programs.peer_market,
    staking,
    stakingId: programs.peer_staking,
    admin,
    mintAuthority,
    usdcMint,
    peerMint,
  };
}
