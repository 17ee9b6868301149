/**
 * peer_market in the embedded runtime: its accounts, an initialized market, and typed flow
 * helpers for every instruction (used by tests, the bench and the main job).
 *
 * Every instruction has two helpers on `Market`:
 * - `<name>Call(...)` builds the instruction (accounts overridable for negative tests) and returns
 *   a `Call`: the instruction, its signers and the addresses involved;
 * - `<name>(...)` builds it, sends it, asserts success and returns the `TxResult` and addresses.
 * Tests send a call that must fail with `reject(market, call, 'ErrorName')` (tests/harness).
 *
 * The market keeps a registry of everything it created (wallets, token accounts, workers, bond
 * vaults, credit accounts, jobs, matcher registrations): bankrun has no getProgramAccounts, and
 * the conservation checks (tests/harness/conservation.ts) recompute the vault identity from it.
 */
import { BN, BorshCoder, EventParser } from '@coral-xyz/anchor';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import {
  Ed25519Program,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  SYSVAR_INSTRUCTIONS_PUBKEY,
  TransactionInstruction,
} from '@solana/web3.js';
import { createHash } from 'node:crypto';
import { MARKET } from '../../sdk/src/constants';
import { attestationMessage } from '../../sdk/src/flows/worker';
import * as pda from '../../sdk/src/pda';
import { findConfigPda, findProgramDataAddress, findUsdcVaultPda } from '../../sdk/src/pda';
import { defaultParams, type ConfigParams } from '../../migrations/params';
import { unixNow, warpSeconds } from './clock';
import type { EmbeddedEnv } from './env';
import { createTokenAccount, mintTo } from './tokens';
import { expectOk, send, type TxResult } from './tx';

// ---------------------------------------------------------------------------------------------
// Constants and PDAs (seeds come from the SDK, which reads them from the IDL)

/** 1 credit = 10,000 USDC base units. */
export const CREDIT_BASE_UNITS = 10_000n;
export const BPS = 10_000n;
/** 1 $PEER in base units (9 decimals). */
export const PEER = 1_000_000_000n;
/** 1 USDC in base units (6 decimals). */
export const USDC = 1_000_000n;

export function findFeeLedgerPda(programId: PublicKey): [PublicKey, number] {
  return pda.findFeeLedgerPda(programId);
}
export function findWorkerPda(programId: PublicKey, authority: PublicKey): [PublicKey, number] {
  return pda.findWorkerPda(authority, programId);
}
export function findBondVaultPda(programId: PublicKey, worker: PublicKey): [PublicKey, number] {
  return pda.findBondVaultPda(worker, programId);
}
export function findCreditAccountPda(programId: PublicKey, owner: PublicKey): [PublicKey, number] {
  return pda.findCreditAccountPda(owner, programId);
}
export function findJobPda(programId: PublicKey, client: PublicKey, nonce: bigint | number): [PublicKey, number] {
  return pda.findJobPda(client, nonce, programId);
}
/** The job address for an explicit (possibly non-canonical) bump, or null when it is on the curve. */
export function jobAddressWithBump(programId: PublicKey, client: PublicKey, nonce: bigint | number, bump: number): PublicKey | null {
  try {
    return PublicKey.createProgramAddressSync([MARKET.SEED_JOB, client.toBuffer(), pda.nonceSeed(nonce), Buffer.from([bump])], programId);
  } catch {
    return null;
  }
}
/** The first nonce >= `from` whose job PDA has bump 255 (post_job requires it: canonical by construction). */
export function nextJobNonce(programId: PublicKey, client: PublicKey, from: bigint): bigint {
  for (let nonce = from; ; nonce++) {
    if (findJobPda(programId, client, nonce)[1] === 255) return nonce;
  }
}
/** The first nonce >= `from` whose job PDA's canonical bump is below 255 (post_job refuses it). */
export function nonCanonicalJobNonce(programId: PublicKey, client: PublicKey, from: bigint): bigint {
  for (let nonce = from; ; nonce++) {
    if (findJobPda(programId, client, nonce)[1] !== 255) return nonce;
  }
}
export function findMatcherPda(programId: PublicKey, matcher: PublicKey): [PublicKey, number] {
  return pda.findMatcherPda(matcher, programId);
}

// ---------------------------------------------------------------------------------------------
// Argument types and builders

export type TierName = 'open' | 'verified' | 'confidential';
/** The Tier enum as the Anchor client encodes it (`{ open: {} }`). */
export type TierArg = { [K in TierName]: { [P in K]: Record<string, never> } }[TierName];

/** WorkerSettings as the Anchor client encodes it. */
export interface WorkerSettings {
  tiers: number;
  capacity: number;
  modelCount: number;
  models: number[][];
  prices: BN[];
  encryptionKey: number[];
  endpointLen: number;
  endpoint: number[];
}

/** JobRequest as the Anchor client encodes it. */
export interface JobRequest {
  tier: TierArg;
  model: number[];
  maxPrice: BN;
  seed: BN;
  promptCommitment: number[];
  pinnedWorker: PublicKey;
}

/** ResultCommitment as the Anchor client encodes it. */
export interface ResultCommitment {
  outputHash: number[];
  model: number[];
  seed: BN;
}

export const TIERS: TierName[] = ['open', 'verified', 'confidential'];
export const tierIndex = (t: TierName): number => TIERS.indexOf(t);
export const tierBit = (t: TierName): number => 1 << tierIndex(t);
export function tierArg(t: TierName): TierArg {
  return { [t]: {} } as TierArg;
}
/** The tier name of a decoded enum value (`{ open: {} }` → 'open'). */
export function tierOf(value: unknown): TierName {
  return Object.keys(value as object)[0] as TierName;
}
export type JobStatusName = 'open' | 'assigned' | 'submitted' | 'disputed';
export function statusOf(value: unknown): JobStatusName {
  return Object.keys(value as object)[0] as JobStatusName;
}

/** sha256 of a model name: the model ids workers and jobs use. */
export function modelId(name: string): number[] {
  return [...createHash('sha256').update(name).digest()];
}
export function hash32(data: string | Uint8Array): number[] {
  return [...createHash('sha256').update(data).digest()];
}
export const MODEL_LLAMA = modelId('llama-3.1-8b-instruct');
export const MODEL_QWEN = modelId('qwen2.5-7b-instruct');
export const MODEL_MISTRAL = modelId('mistral-7b-instruct-v0.3');

/** Default worker prices in credits per job, by tier. */
export const DEFAULT_PRICES: Record<TierName, bigint> = { open: 5n, verified: 12n, confidential: 30n };

export interface WorkerSettingsInput {
  tiers?: TierName[];
  capacity?: number;
  models?: number[][];
  /** Prices of served tiers (defaults to DEFAULT_PRICES); unserved tiers always get 0. */
  prices?: Partial<Record<TierName, bigint | number>>;
  encryptionKey?: number[];
  endpoint?: string;
}

/** A valid WorkerSettings (every tier, capacity 4, one model, default prices). */
export function workerSettings(input: WorkerSettingsInput = {}): WorkerSettings {
  const tiers = input.tiers ?? TIERS;
  const models = input.models ?? [MODEL_LLAMA];
  const endpoint = Buffer.from(input.endpoint ?? 'https://worker.peer.example/v1');
  const modelSlots = Array.from({ length: 8 }, (_, i) => (i < models.length ? [...models[i]] : new Array<number>(32).fill(0)));
  const endpointBytes = new Array<number>(128).fill(0);
  endpoint.forEach((b, i) => (endpointBytes[i] = b));
  return {
    tiers: tiers.reduce((mask, t) => mask | tierBit(t), 0),
    capacity: input.capacity ?? 4,
    modelCount: models.length,
    models: modelSlots,
    prices: TIERS.map((t) => new BN(tiers.includes(t) ? String(input.prices?.[t] ?? DEFAULT_PRICES[t]) : 0)),
    encryptionKey: input.encryptionKey ?? hash32('x25519 key'),
    endpointLen: endpoint.length,
    endpoint: endpointBytes,
  };
}

export interface JobRequestInput {
  tier?: TierName;
  model?: number[];
  maxPrice?: bigint | number;
  seed?: bigint | number;
  promptCommitment?: number[];
  pinnedWorker?: PublicKey;
}

let jobSeed = 1n;
/** A valid JobRequest: open tier, MODEL_LLAMA, max price 50 credits, a fresh seed. */
export function jobRequest(input: JobRequestInput = {}): JobRequest {
  const seedValue = BigInt(input.seed ?? jobSeed++);
  return {
    tier: tierArg(input.tier ?? 'open'),
    model: input.model ?? MODEL_LLAMA,
    maxPrice: new BN(String(input.maxPrice ?? 50n)),
    seed: new BN(seedValue.toString()),
    promptCommitment: input.promptCommitment ?? hash32(`prompt ${seedValue}`),
    pinnedWorker: input.pinnedWorker ?? PublicKey.default,
  };
}

export const big = (v: { toString(): string } | number | bigint): bigint => BigInt(v.toString());

// ---------------------------------------------------------------------------------------------
// Market accounts and initialization

export interface MarketAccounts {
  config: PublicKey;
  usdcVault: PublicKey;
  feeLedger: PublicKey;
  programData: PublicKey;
  treasury: PublicKey;
  stakingRewardVault: PublicKey;
}

/** Treasury and staking reward vault: USDC token accounts owned by fresh wallets. */
export async function marketAccounts(env: EmbeddedEnv): Promise<MarketAccounts> {
  return {
    config: findConfigPda(env.marketId)[0],
    usdcVault: findUsdcVaultPda(env.marketId)[0],
    feeLedger: findFeeLedgerPda(env.marketId)[0],
    programData: findProgramDataAddress(env.marketId)[0],
    treasury: await createTokenAccount(env.context, env.usdcMint, Keypair.generate().publicKey),
    stakingRewardVault: await createTokenAccount(env.context, env.usdcMint, Keypair.generate().publicKey),
  };
}

type Methods = EmbeddedEnv['market']['methods'];
/** The accounts of instruction `K` as `accountsStrict` takes them. */
export type AccountsOf<K extends keyof Methods> = Parameters<ReturnType<Methods[K]>['accountsStrict']>[0];

export type InitializeConfigAccounts = AccountsOf<'initializeConfig'>;

export function initializeConfigAccounts(env: EmbeddedEnv, m: MarketAccounts, admin: PublicKey = env.admin.publicKey): InitializeConfigAccounts {
  return {
    admin,
    config: m.config,
    programData: m.programData,
    usdcMint: env.usdcMint,
    peerMint: env.peerMint,
    usdcVault: m.usdcVault,
    feeLedger: m.feeLedger,
    treasury: m.treasury,
    stakingRewardVault: m.stakingRewardVault,
    tokenProgram: TOKEN_PROGRAM_ID,
    systemProgram: SystemProgram.programId,
  };
}

export async function initializeConfigIx(
  env: EmbeddedEnv,
  accounts: InitializeConfigAccounts,
  params: ConfigParams = defaultParams(),
): Promise<TransactionInstruction> {
  return env.market.methods.initializeConfig(params).accountsStrict(accounts).instruction();
}

export async function initializeMarket(env: EmbeddedEnv, params: ConfigParams = defaultParams()): Promise<{ accounts: MarketAccounts; result: TxResult }> {
  const accounts = await marketAccounts(env);
  const ix = await initializeConfigIx(env, initializeConfigAccounts(env, accounts), params);
  const result = expectOk(await send(env.context, [ix], [env.admin]));
  return { accounts, result };
}

// ---------------------------------------------------------------------------------------------
// The market fixture

/** A wallet with SOL, a USDC token account and a $PEER token account. */
export interface Actor {
  keypair: Keypair;
  publicKey: PublicKey;
  usdc: PublicKey;
  peer: PublicKey;
}

export interface ActorOptions {
  /** USDC base units minted to the actor's USDC account. */
  usdc?: bigint;
  /** $PEER base units minted to the actor's $PEER account. */
  peer?: bigint;
  sol?: number;
}

/**
 * An instruction ready to send, its signers, and the addresses it involves. `pre` are
 * instructions sent just before it in the same transaction (e.g. an Ed25519 verification).
 */
export type Call<T extends object = object> = T & { ix: TransactionInstruction; signers: Keypair[]; pre?: TransactionInstruction[] };
/** A sent instruction's result and the addresses it involves. */
export type Sent<T extends object = object> = T & { result: TxResult };

export interface CallOptions<A> {
  /** Replaces some of the instruction's accounts. */
  accounts?: Partial<A>;
  /** Replaces the signers (default: the acting keypair). */
  signers?: Keypair[];
}

export interface WorkerEntry {
  authority: PublicKey;
  worker: PublicKey;
  bondVault: PublicKey;
}

export interface ParsedEvent {
  name: string;
  data: Record<string, unknown>;
}

export class Market {
  readonly env: EmbeddedEnv;
  readonly accounts: MarketAccounts;
  /** The parameters as last set through this fixture. */
  params: ConfigParams;
  readonly programId: PublicKey;
  /** Registries (base58 keys). */
  readonly actors = new Map<string, Actor>();
  readonly workers = new Map<string, WorkerEntry>();
  /** credit account → owner */
  readonly creditAccounts = new Map<string, PublicKey>();
  /** job → client */
  readonly jobs = new Map<string, PublicKey>();
  readonly matcherRegistrations = new Set<string>();
  /** Every token account of each mint this fixture created or knows (for the supply identities). */
  readonly usdcAccounts = new Set<string>();
  readonly peerAccounts = new Set<string>();
  /** Extra addresses `reject` snapshots. */
  readonly watched = new Set<string>();
  /** Enclave keys registered through this fixture, by worker address. */
  readonly enclaves = new Map<string, Keypair>();
  /** Signs enclave attestations (config.params.attestation_authority), when enabled. */
  attestationAuthority: Keypair | null = null;
  private readonly parser: EventParser;

  private constructor(env: EmbeddedEnv, accounts: MarketAccounts, params: ConfigParams) {
    this.env = env;
    this.accounts = accounts;
    this.params = params;
    this.programId = env.marketId;
    this.parser = new EventParser(env.marketId, new BorshCoder(env.market.idl));
    for (const a of [accounts.usdcVault, accounts.treasury, accounts.stakingRewardVault]) this.usdcAccounts.add(a.toBase58());
  }

  /**
   * Initializes the market in `env` (as the upgrade authority) and returns the fixture. Unless
   * `confidential` is false or `params` name one, a fresh attestation authority is configured,
   * so the confidential tier is enabled (readyWorker then registers an enclave for it).
   */
  static async create(env: EmbeddedEnv, params: ConfigParams = defaultParams(), opts: { confidential?: boolean } = {}): Promise<Market> {
    const p = { ...params, minBond: [...params.minBond] };
    let authority: Keypair | null = null;
    if ((opts.confidential ?? true) && p.attestationAuthority.equals(PublicKey.default)) {
      authority = Keypair.generate();
      p.attestationAuthority = authority.publicKey;
    }
    const { accounts } = await initializeMarket(env, p);
    const market = new Market(env, accounts, p);
    market.attestationAuthority = authority;
    return market;
  }

  get context() {
    return this.env.context;
  }
  get program() {
    return this.env.market;
  }

  // ---- wallets, tokens, clock ---------------------------------------------------------------

  async fund(address: PublicKey, sol = 100): Promise<void> {
    const existing = await this.context.banksClient.getAccount(address);
    await this.context.setAccount(address, {
      lamports: (existing?.lamports ?? 0) + sol * LAMPORTS_PER_SOL,
      data: Buffer.from(existing?.data ?? Buffer.alloc(0)),
      owner: existing?.owner ?? SystemProgram.programId,
      executable: false,
    });
  }

  /** A funded wallet with USDC and $PEER token accounts (and optionally tokens in them). */
  async actor(opts: ActorOptions = {}): Promise<Actor> {
    const keypair = Keypair.generate();
    await this.fund(keypair.publicKey, opts.sol ?? 100);
    const usdc = await this.tokenAccount(this.env.usdcMint, keypair.publicKey);
    const peer = await this.tokenAccount(this.env.peerMint, keypair.publicKey);
    if (opts.usdc) await this.mintUsdc(usdc, opts.usdc);
    if (opts.peer) await this.mintPeer(peer, opts.peer);
    const actor = { keypair, publicKey: keypair.publicKey, usdc, peer };
    this.actors.set(keypair.publicKey.toBase58(), actor);
    return actor;
  }

  /** A token account of `mint` owned by `owner`, registered when it holds USDC or $PEER. */
  async tokenAccount(mint: PublicKey, owner: PublicKey): Promise<PublicKey> {
    const account = await createTokenAccount(this.context, mint, owner);
    if (mint.equals(this.env.usdcMint)) this.usdcAccounts.add(account.toBase58());
    else if (mint.equals(this.env.peerMint)) this.peerAccounts.add(account.toBase58());
    else this.watched.add(account.toBase58());
    return account;
  }

  async mintUsdc(destination: PublicKey, amount: bigint): Promise<void> {
    await mintTo(this.context, this.env.usdcMint, destination, this.env.mintAuthority, amount);
  }

  async mintPeer(destination: PublicKey, amount: bigint): Promise<void> {
    await mintTo(this.context, this.env.peerMint, destination, this.env.mintAuthority, amount);
  }

  now(): Promise<bigint> {
    return unixNow(this.context);
  }

  async slot(): Promise<bigint> {
    return (await this.context.banksClient.getClock()).slot;
  }

  warp(seconds: number): Promise<void> {
    return warpSeconds(this.context, seconds);
  }

  async lamports(address: PublicKey): Promise<bigint> {
    const info = await this.context.banksClient.getAccount(address);
    return BigInt(info?.lamports ?? 0);
  }

  async rentFor(address: PublicKey): Promise<bigint> {
    const info = await this.context.banksClient.getAccount(address);
    if (!info) throw new Error(`${address.toBase58()} does not exist`);
    return (await this.context.banksClient.getRent()).minimumBalance(BigInt(info.data.length));
  }

  async exists(address: PublicKey): Promise<boolean> {
    const info = await this.context.banksClient.getAccount(address);
    return info !== null && info.lamports > 0;
  }

  // ---- reading accounts ----------------------------------------------------------------------

  config() {
    return this.program.account.config.fetch(this.accounts.config);
  }
  feeLedger() {
    return this.program.account.feeLedger.fetch(this.accounts.feeLedger);
  }
  worker(address: PublicKey) {
    return this.program.account.worker.fetch(address);
  }
  workerOrNull(address: PublicKey) {
    return this.program.account.worker.fetchNullable(address);
  }
  credits(address: PublicKey) {
    return this.program.account.creditAccount.fetch(address);
  }
  creditsOrNull(address: PublicKey) {
    return this.program.account.creditAccount.fetchNullable(address);
  }
  job(address: PublicKey) {
    return this.program.account.job.fetch(address);
  }
  /** The job, or null when the account is missing or not a job. */
  async jobOrNull(address: PublicKey) {
    const info = await this.context.banksClient.getAccount(address);
    if (!info || !info.owner.equals(this.programId)) return null;
    try {
      return this.program.account.job.coder.accounts.decode('job', Buffer.from(info.data)) as Awaited<ReturnType<Market['job']>>;
    } catch {
      return null;
    }
  }
  matcherRegistration(address: PublicKey) {
    return this.program.account.matcherRegistration.fetchNullable(address);
  }

  workerAddress(authority: PublicKey): PublicKey {
    return findWorkerPda(this.programId, authority)[0];
  }
  bondVaultAddress(worker: PublicKey): PublicKey {
    return findBondVaultPda(this.programId, worker)[0];
  }
  creditAddress(owner: PublicKey): PublicKey {
    return findCreditAccountPda(this.programId, owner)[0];
  }
  matcherAddress(matcher: PublicKey): PublicKey {
    return findMatcherPda(this.programId, matcher)[0];
  }

  /** Events our program emitted in a transaction. */
  events(result: TxResult): ParsedEvent[] {
    return [...this.parser.parseLogs(result.logs)].map((e) => ({ name: e.name, data: e.data as Record<string, unknown> }));
  }

  /** The one event named `name` (camelCase, e.g. 'jobFinalized') in a transaction. */
  event(result: TxResult, name: string): Record<string, unknown> {
    const found = this.events(result).filter((e) => e.name === name);
    if (found.length !== 1) throw new Error(`expected one ${name} event, found ${found.length}: ${this.events(result).map((e) => e.name).join(', ')}`);
    return found[0].data;
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Sends a call and returns its result (success not asserted). */
  async send<T extends object>(call: Call<T>): Promise<Sent<T>> {
    const { ix, signers, pre, ...rest } = call;
    const result = await send(this.context, [...(pre ?? []), ix], signers);
    return { ...(rest as unknown as T), result };
  }

  /** Sends a call and asserts it succeeded. */
  async run<T extends object>(call: Call<T>): Promise<Sent<T>> {
    const sent = await this.send(call);
    expectOk(sent.result);
    return sent;
  }

  /** Every address the fixture knows (config, vaults, wallets, token accounts, program accounts). */
  knownAddresses(): PublicKey[] {
    const all = new Set<string>([
      this.accounts.config.toBase58(),
      this.accounts.usdcVault.toBase58(),
      this.accounts.feeLedger.toBase58(),
      this.accounts.treasury.toBase58(),
      this.accounts.stakingRewardVault.toBase58(),
      this.env.usdcMint.toBase58(),
      this.env.peerMint.toBase58(),
      this.env.admin.publicKey.toBase58(),
      ...this.actors.keys(),
      ...this.usdcAccounts,
      ...this.peerAccounts,
      ...this.creditAccounts.keys(),
      ...this.jobs.keys(),
      ...this.matcherRegistrations,
      ...this.watched,
    ]);
    for (const w of this.workers.values()) {
      all.add(w.worker.toBase58());
      all.add(w.bondVault.toBase58());
    }
    return [...all].map((k) => new PublicKey(k));
  }

  // ---- admin ---------------------------------------------------------------------------------

  updateConfigCall(params: ConfigParams, opts: CallOptions<AccountsOf<'updateConfig'>> = {}): Promise<Call> {
    return this.build(
      this.program.methods.updateConfig(params).accountsStrict({ admin: this.env.admin.publicKey, config: this.accounts.config, ...opts.accounts }),
      opts.signers ?? [this.env.admin],
      {},
    );
  }

  /** update_config with `edit` applied to the current parameters. */
  async updateParams(edit: (p: ConfigParams) => void): Promise<Sent> {
    const params = { ...this.params, minBond: [...this.params.minBond] };
    edit(params);
    const sent = await this.run(await this.updateConfigCall(params));
    this.params = params;
    return sent;
  }

  addMatcherCall(matcher: PublicKey, opts: CallOptions<AccountsOf<'addMatcher'>> = {}): Promise<Call<{ registration: PublicKey }>> {
    const registration = opts.accounts?.matcherRegistration ?? this.matcherAddress(matcher);
    this.matcherRegistrations.add(new PublicKey(registration).toBase58());
    return this.build(
      this.program.methods.addMatcher(matcher).accountsStrict({
        admin: this.env.admin.publicKey,
        config: this.accounts.config,
        matcherRegistration: registration,
        systemProgram: SystemProgram.programId,
        ...opts.accounts,
      }),
      opts.signers ?? [this.env.admin],
      { registration: new PublicKey(registration) },
    );
  }

  /** Registers `matcher` (default: a fresh funded keypair) and returns it with its registration. */
  async addMatcher(matcher?: Keypair): Promise<Sent<{ registration: PublicKey; matcher: Keypair }>> {
    const key = matcher ?? Keypair.generate();
    if (!matcher) await this.fund(key.publicKey, 1);
    const sent = await this.run(await this.addMatcherCall(key.publicKey));
    return { ...sent, matcher: key };
  }

  removeMatcherCall(matcher: PublicKey, opts: CallOptions<AccountsOf<'removeMatcher'>> = {}): Promise<Call<{ registration: PublicKey }>> {
    const registration = this.matcherAddress(matcher);
    return this.build(
      this.program.methods.removeMatcher().accountsStrict({
        admin: this.env.admin.publicKey,
        config: this.accounts.config,
        matcherRegistration: registration,
        ...opts.accounts,
      }),
      opts.signers ?? [this.env.admin],
      { registration },
    );
  }

  async removeMatcher(matcher: PublicKey): Promise<Sent<{ registration: PublicKey }>> {
    return this.run(await this.removeMatcherCall(matcher));
  }

  // ---- workers -------------------------------------------------------------------------------

  registerWorkerCall(
    authority: Actor,
    settings: WorkerSettings = workerSettings(),
    opts: CallOptions<AccountsOf<'registerWorker'>> = {},
  ): Promise<Call<{ worker: PublicKey; bondVault: PublicKey }>> {
    const worker = new PublicKey(opts.accounts?.worker ?? this.workerAddress(authority.publicKey));
    const bondVault = new PublicKey(opts.accounts?.bondVault ?? this.bondVaultAddress(worker));
    this.watched.add(worker.toBase58());
    this.watched.add(bondVault.toBase58());
    return this.build(
      this.program.methods.registerWorker(settings).accountsStrict({
        authority: authority.publicKey,
        config: this.accounts.config,
        worker,
        peerMint: this.env.peerMint,
        bondVault,
        tokenProgram: TOKEN_PROGRAM_ID,
        systemProgram: SystemProgram.programId,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { worker, bondVault },
    );
  }

  async registerWorker(authority: Actor, settings: WorkerSettings = workerSettings()): Promise<Sent<{ worker: PublicKey; bondVault: PublicKey }>> {
    const sent = await this.run(await this.registerWorkerCall(authority, settings));
    this.workers.set(sent.worker.toBase58(), { authority: authority.publicKey, worker: sent.worker, bondVault: sent.bondVault });
    this.peerAccounts.add(sent.bondVault.toBase58());
    return sent;
  }

  updateWorkerCall(authority: Actor, settings: WorkerSettings, opts: CallOptions<AccountsOf<'updateWorker'>> = {}): Promise<Call<{ worker: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    return this.build(
      this.program.methods.updateWorker(settings).accountsStrict({ authority: authority.publicKey, worker, ...opts.accounts }),
      opts.signers ?? [authority.keypair],
      { worker },
    );
  }

  async updateWorker(authority: Actor, settings: WorkerSettings): Promise<Sent<{ worker: PublicKey }>> {
    return this.run(await this.updateWorkerCall(authority, settings));
  }

  bondCall(authority: Actor, amount: bigint, opts: CallOptions<AccountsOf<'bond'>> = {}): Promise<Call<{ worker: PublicKey; bondVault: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    const bondVault = this.bondVaultAddress(worker);
    return this.build(
      this.program.methods.bond(new BN(amount.toString())).accountsStrict({
        authority: authority.publicKey,
        worker,
        source: authority.peer,
        bondVault,
        tokenProgram: TOKEN_PROGRAM_ID,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { worker, bondVault },
    );
  }

  /** Bonds `amount` $PEER, minting it to the authority first when `mint` is set (default). */
  async bond(authority: Actor, amount: bigint, mint = true): Promise<Sent<{ worker: PublicKey; bondVault: PublicKey }>> {
    if (mint) await this.mintPeer(authority.peer, amount);
    return this.run(await this.bondCall(authority, amount));
  }

  requestUnbondCall(authority: Actor, amount: bigint, opts: CallOptions<AccountsOf<'requestUnbond'>> = {}): Promise<Call<{ worker: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    return this.build(
      this.program.methods.requestUnbond(new BN(amount.toString())).accountsStrict({
        authority: authority.publicKey,
        config: this.accounts.config,
        worker,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { worker },
    );
  }

  async requestUnbond(authority: Actor, amount: bigint): Promise<Sent<{ worker: PublicKey }>> {
    return this.run(await this.requestUnbondCall(authority, amount));
  }

  withdrawUnbondedCall(authority: Actor, opts: CallOptions<AccountsOf<'withdrawUnbonded'>> = {}): Promise<Call<{ worker: PublicKey; bondVault: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    const bondVault = this.bondVaultAddress(worker);
    return this.build(
      this.program.methods.withdrawUnbonded().accountsStrict({
        authority: authority.publicKey,
        config: this.accounts.config,
        worker,
        bondVault,
        destination: authority.peer,
        tokenProgram: TOKEN_PROGRAM_ID,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { worker, bondVault },
    );
  }

  async withdrawUnbonded(authority: Actor): Promise<Sent<{ worker: PublicKey; bondVault: PublicKey }>> {
    return this.run(await this.withdrawUnbondedCall(authority));
  }

  pauseWorkerCall(authority: Actor, opts: CallOptions<AccountsOf<'pauseWorker'>> = {}): Promise<Call<{ worker: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    return this.build(
      this.program.methods.pauseWorker().accountsStrict({ authority: authority.publicKey, worker, ...opts.accounts }),
      opts.signers ?? [authority.keypair],
      { worker },
    );
  }

  async pauseWorker(authority: Actor): Promise<Sent<{ worker: PublicKey }>> {
    return this.run(await this.pauseWorkerCall(authority));
  }

  resumeWorkerCall(authority: Actor, opts: CallOptions<AccountsOf<'resumeWorker'>> = {}): Promise<Call<{ worker: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    return this.build(
      this.program.methods.resumeWorker().accountsStrict({ authority: authority.publicKey, worker, ...opts.accounts }),
      opts.signers ?? [authority.keypair],
      { worker },
    );
  }

  async resumeWorker(authority: Actor): Promise<Sent<{ worker: PublicKey }>> {
    return this.run(await this.resumeWorkerCall(authority));
  }

  closeWorkerCall(authority: Actor, opts: CallOptions<AccountsOf<'closeWorker'>> = {}): Promise<Call<{ worker: PublicKey; bondVault: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    const bondVault = this.bondVaultAddress(worker);
    return this.build(
      this.program.methods.closeWorker().accountsStrict({
        authority: authority.publicKey,
        worker,
        bondVault,
        destination: authority.peer,
        tokenProgram: TOKEN_PROGRAM_ID,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { worker, bondVault },
    );
  }

  async closeWorker(authority: Actor): Promise<Sent<{ worker: PublicKey; bondVault: PublicKey }>> {
    return this.run(await this.closeWorkerCall(authority));
  }

  claimEarningsCall(authority: Actor, opts: CallOptions<AccountsOf<'claimEarnings'>> = {}): Promise<Call<{ worker: PublicKey; destination: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    const destination = new PublicKey(opts.accounts?.destination ?? authority.usdc);
    return this.build(
      this.program.methods.claimEarnings().accountsStrict({
        authority: authority.publicKey,
        config: this.accounts.config,
        worker,
        usdcVault: this.accounts.usdcVault,
        destination,
        tokenProgram: TOKEN_PROGRAM_ID,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { worker, destination },
    );
  }

  async claimEarnings(authority: Actor): Promise<Sent<{ worker: PublicKey; destination: PublicKey }>> {
    return this.run(await this.claimEarningsCall(authority));
  }

  /**
   * register_enclave: an Ed25519 instruction signed by the attestation authority over
   * worker || enclave_key || measurement || expires_at (i64 LE), then the instruction.
   */
  async registerEnclaveCall(
    authority: Actor,
    opts: CallOptions<AccountsOf<'registerEnclave'>> & { enclave?: Keypair; measurement?: number[]; expiresAt?: bigint; signer?: Keypair } = {},
  ): Promise<Call<{ worker: PublicKey; enclave: Keypair; expiresAt: bigint }>> {
    const worker = new PublicKey(opts.accounts?.worker ?? this.workerAddress(authority.publicKey));
    const enclave = opts.enclave ?? Keypair.generate();
    const measurement = opts.measurement ?? hash32('enclave measurement');
    const expiresAt = opts.expiresAt ?? (await this.now()) + 10n * 365n * 86_400n;
    const signer = opts.signer ?? this.attestationAuthority;
    if (!signer) throw new Error('the confidential tier is disabled: no attestation authority');
    const message = attestationMessage(worker, enclave.publicKey.toBytes(), Uint8Array.from(measurement), expiresAt);
    const call = await this.build(
      this.program.methods.registerEnclave([...enclave.publicKey.toBuffer()], measurement, new BN(expiresAt.toString())).accountsStrict({
        authority: authority.publicKey,
        config: this.accounts.config,
        worker,
        instructionsSysvar: SYSVAR_INSTRUCTIONS_PUBKEY,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { worker, enclave, expiresAt },
    );
    return { ...call, pre: [Ed25519Program.createInstructionWithPrivateKey({ privateKey: signer.secretKey, message })] };
  }

  async registerEnclave(authority: Actor, enclave?: Keypair): Promise<Sent<{ worker: PublicKey; enclave: Keypair; expiresAt: bigint }>> {
    const sent = await this.run(await this.registerEnclaveCall(authority, { enclave }));
    this.enclaves.set(sent.worker.toBase58(), sent.enclave);
    return sent;
  }

  /**
   * submit_confidential_result: an Ed25519 instruction signed by the worker's enclave key over
   * job || output_hash, then the instruction.
   */
  async submitConfidentialResultCall(
    authority: Actor,
    job: PublicKey,
    result?: ResultCommitment,
    opts: CallOptions<AccountsOf<'submitConfidentialResult'>> & { enclave?: Keypair } = {},
  ): Promise<Call<{ job: PublicKey; worker: PublicKey; commitment: ResultCommitment }>> {
    const worker = this.workerAddress(authority.publicKey);
    const commitment = result ?? (await this.resultFor(job));
    const enclave = opts.enclave ?? this.enclaves.get(worker.toBase58());
    if (!enclave) throw new Error(`worker ${worker.toBase58()} has no enclave registered through this fixture`);
    const message = Buffer.concat([job.toBuffer(), Buffer.from(commitment.outputHash)]);
    const call = await this.build(
      this.program.methods.submitConfidentialResult(commitment).accountsStrict({
        authority: authority.publicKey,
        config: this.accounts.config,
        job,
        worker,
        instructionsSysvar: SYSVAR_INSTRUCTIONS_PUBKEY,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { job, worker, commitment },
    );
    return { ...call, pre: [Ed25519Program.createInstructionWithPrivateKey({ privateKey: enclave.secretKey, message })] };
  }

  /**
   * A registered, bonded worker ready for jobs: a fresh actor, `settings`, and a bond of
   * `bond` $PEER base units (default: the minimum of the highest tier it serves).
   */
  async readyWorker(input: WorkerSettingsInput = {}, bond?: bigint): Promise<{ actor: Actor; worker: PublicKey; bondVault: PublicKey }> {
    const actor = await this.actor();
    const settings = workerSettings(input);
    const { worker, bondVault } = await this.registerWorker(actor, settings);
    const tiers = input.tiers ?? TIERS;
    const amount = bond ?? tiers.reduce((max, t) => (big(this.params.minBond[tierIndex(t)]) > max ? big(this.params.minBond[tierIndex(t)]) : max), 0n);
    if (amount > 0n) await this.bond(actor, amount);
    if (tiers.includes('confidential') && this.attestationAuthority) await this.registerEnclave(actor);
    return { actor, worker, bondVault };
  }

  // ---- credits -------------------------------------------------------------------------------

  buyCreditsCall(owner: Actor, credits: bigint, opts: CallOptions<AccountsOf<'buyCredits'>> = {}): Promise<Call<{ creditAccount: PublicKey }>> {
    const creditAccount = new PublicKey(opts.accounts?.creditAccount ?? this.creditAddress(owner.publicKey));
    this.watched.add(creditAccount.toBase58());
    return this.build(
      this.program.methods.buyCredits(new BN(credits.toString())).accountsStrict({
        owner: owner.publicKey,
        config: this.accounts.config,
        creditAccount,
        source: owner.usdc,
        usdcVault: this.accounts.usdcVault,
        tokenProgram: TOKEN_PROGRAM_ID,
        systemProgram: SystemProgram.programId,
        ...opts.accounts,
      }),
      opts.signers ?? [owner.keypair],
      { creditAccount },
    );
  }

  /** Buys `credits`, minting the USDC they cost to the owner first when `mint` is set (default). */
  async buyCredits(owner: Actor, credits: bigint, mint = true): Promise<Sent<{ creditAccount: PublicKey }>> {
    if (mint) await this.mintUsdc(owner.usdc, credits * CREDIT_BASE_UNITS);
    const sent = await this.run(await this.buyCreditsCall(owner, credits));
    this.creditAccounts.set(sent.creditAccount.toBase58(), owner.publicKey);
    return sent;
  }

  redeemCreditsCall(owner: Actor, credits: bigint, opts: CallOptions<AccountsOf<'redeemCredits'>> = {}): Promise<Call<{ creditAccount: PublicKey }>> {
    const creditAccount = this.creditAddress(owner.publicKey);
    return this.build(
      this.program.methods.redeemCredits(new BN(credits.toString())).accountsStrict({
        owner: owner.publicKey,
        config: this.accounts.config,
        creditAccount,
        usdcVault: this.accounts.usdcVault,
        destination: owner.usdc,
        tokenProgram: TOKEN_PROGRAM_ID,
        ...opts.accounts,
      }),
      opts.signers ?? [owner.keypair],
      { creditAccount },
    );
  }

  async redeemCredits(owner: Actor, credits: bigint): Promise<Sent<{ creditAccount: PublicKey }>> {
    return this.run(await this.redeemCreditsCall(owner, credits));
  }

  /** A fresh actor holding `credits` credits. */
  async client(credits = 1_000n): Promise<{ actor: Actor; creditAccount: PublicKey }> {
    const actor = await this.actor();
    const { creditAccount } = await this.buyCredits(actor, credits);
    return { actor, creditAccount };
  }

  // ---- jobs ----------------------------------------------------------------------------------

  /**
   * post_job: the nonce defaults to the first one at or after the credit account's jobs_posted
   * whose job PDA has bump 255 (what the program requires); `nonce`/`accounts.job` override.
   */
  async postJobCall(
    client: Actor,
    request: JobRequest = jobRequest(),
    opts: CallOptions<AccountsOf<'postJob'>> & { nonce?: bigint } = {},
  ): Promise<Call<{ job: PublicKey; nonce: bigint; bump: number; creditAccount: PublicKey }>> {
    const creditAccount = new PublicKey(opts.accounts?.creditAccount ?? this.creditAddress(client.publicKey));
    const existing = await this.creditsOrNull(this.creditAddress(client.publicKey));
    const nonce = opts.nonce ?? nextJobNonce(this.programId, client.publicKey, existing ? big(existing.jobsPosted) : 0n);
    const [pda, bump] = findJobPda(this.programId, client.publicKey, nonce);
    const job = new PublicKey(opts.accounts?.job ?? pda);
    this.jobs.set(job.toBase58(), client.publicKey);
    return this.build(
      this.program.methods.postJob(request, new BN(nonce.toString())).accountsStrict({
        client: client.publicKey,
        config: this.accounts.config,
        creditAccount,
        job,
        systemProgram: SystemProgram.programId,
        ...opts.accounts,
      }),
      opts.signers ?? [client.keypair],
      { job, nonce, bump, creditAccount },
    );
  }

  async postJob(client: Actor, request: JobRequestInput = {}): Promise<Sent<{ job: PublicKey; nonce: bigint; bump: number; creditAccount: PublicKey }>> {
    return this.run(await this.postJobCall(client, jobRequest(request)));
  }

  cancelJobCall(client: Actor, job: PublicKey, opts: CallOptions<AccountsOf<'cancelJob'>> = {}): Promise<Call<{ job: PublicKey; creditAccount: PublicKey }>> {
    const creditAccount = this.creditAddress(client.publicKey);
    return this.build(
      this.program.methods.cancelJob().accountsStrict({ client: client.publicKey, creditAccount, job, ...opts.accounts }),
      opts.signers ?? [client.keypair],
      { job, creditAccount },
    );
  }

  async cancelJob(client: Actor, job: PublicKey): Promise<Sent<{ job: PublicKey; creditAccount: PublicKey }>> {
    return this.run(await this.cancelJobCall(client, job));
  }

  assignJobCall(matcher: Keypair, job: PublicKey, worker: PublicKey, opts: CallOptions<AccountsOf<'assignJob'>> = {}): Promise<Call<{ job: PublicKey; worker: PublicKey }>> {
    return this.build(
      this.program.methods.assignJob().accountsStrict({
        matcher: matcher.publicKey,
        matcherRegistration: this.matcherAddress(matcher.publicKey),
        config: this.accounts.config,
        job,
        worker,
        ...opts.accounts,
      }),
      opts.signers ?? [matcher],
      { job, worker },
    );
  }

  async assignJob(matcher: Keypair, job: PublicKey, worker: PublicKey): Promise<Sent<{ job: PublicKey; worker: PublicKey }>> {
    return this.run(await this.assignJobCall(matcher, job, worker));
  }

  claimJobCall(authority: Actor, job: PublicKey, opts: CallOptions<AccountsOf<'claimJob'>> = {}): Promise<Call<{ job: PublicKey; worker: PublicKey }>> {
    const worker = this.workerAddress(authority.publicKey);
    return this.build(
      this.program.methods.claimJob().accountsStrict({ authority: authority.publicKey, config: this.accounts.config, job, worker, ...opts.accounts }),
      opts.signers ?? [authority.keypair],
      { job, worker },
    );
  }

  async claimJob(authority: Actor, job: PublicKey): Promise<Sent<{ job: PublicKey; worker: PublicKey }>> {
    return this.run(await this.claimJobCall(authority, job));
  }

  /** The commitment an honest worker submits: the job's model and seed, and an output hash. */
  async resultFor(job: PublicKey, output = 'output'): Promise<ResultCommitment> {
    const j = await this.job(job);
    return { outputHash: hash32(`${output} ${job.toBase58()}`), model: [...(j.request.model as number[])], seed: new BN(j.request.seed.toString()) };
  }

  async submitResultCall(
    authority: Actor,
    job: PublicKey,
    result?: ResultCommitment,
    opts: CallOptions<AccountsOf<'submitResult'>> = {},
  ): Promise<Call<{ job: PublicKey; worker: PublicKey; commitment: ResultCommitment }>> {
    const worker = this.workerAddress(authority.publicKey);
    const commitment = result ?? (await this.resultFor(job));
    return this.build(
      this.program.methods.submitResult(commitment).accountsStrict({ authority: authority.publicKey, config: this.accounts.config, job, worker, ...opts.accounts }),
      opts.signers ?? [authority.keypair],
      { job, worker, commitment },
    );
  }

  /** Submits a result: submit_confidential_result for confidential jobs, submit_result otherwise. */
  async submitResult(authority: Actor, job: PublicKey, result?: ResultCommitment): Promise<Sent<{ job: PublicKey; worker: PublicKey; commitment: ResultCommitment }>> {
    const j = await this.job(job);
    if (tierOf(j.request.tier) === 'confidential') return this.run(await this.submitConfidentialResultCall(authority, job, result));
    return this.run(await this.submitResultCall(authority, job, result));
  }

  /** expire_job (permissionless): accounts derived from the job's client and worker. */
  async expireJobCall(job: PublicKey, opts: CallOptions<AccountsOf<'expireJob'>> = {}): Promise<Call<{ job: PublicKey; worker: PublicKey; client: PublicKey }>> {
    const j = await this.jobOrNull(job);
    const client = j?.client ?? this.jobs.get(job.toBase58()) ?? PublicKey.default;
    const worker = j?.worker ?? PublicKey.default;
    return this.build(
      this.program.methods.expireJob().accountsStrict({
        config: this.accounts.config,
        job,
        worker,
        creditAccount: this.creditAddress(client),
        client,
        bondVault: this.bondVaultAddress(worker),
        peerMint: this.env.peerMint,
        tokenProgram: TOKEN_PROGRAM_ID,
        ...opts.accounts,
      }),
      opts.signers ?? [],
      { job, worker, client },
    );
  }

  async expireJob(job: PublicKey): Promise<Sent<{ job: PublicKey; worker: PublicKey; client: PublicKey }>> {
    return this.run(await this.expireJobCall(job));
  }

  /** finalize_job (permissionless): accounts derived from the job's client and worker. */
  async finalizeJobCall(job: PublicKey, opts: CallOptions<AccountsOf<'finalizeJob'>> = {}): Promise<Call<{ job: PublicKey; worker: PublicKey; client: PublicKey }>> {
    const j = await this.jobOrNull(job);
    const client = j?.client ?? this.jobs.get(job.toBase58()) ?? PublicKey.default;
    const worker = j?.worker ?? PublicKey.default;
    return this.build(
      this.program.methods.finalizeJob().accountsStrict({
        config: this.accounts.config,
        job,
        worker,
        creditAccount: this.creditAddress(client),
        client,
        feeLedger: this.accounts.feeLedger,
        ...opts.accounts,
      }),
      opts.signers ?? [],
      { job, worker, client },
    );
  }

  async finalizeJob(job: PublicKey): Promise<Sent<{ job: PublicKey; worker: PublicKey; client: PublicKey }>> {
    return this.run(await this.finalizeJobCall(job));
  }

  sweepFeesCall(opts: CallOptions<AccountsOf<'sweepFees'>> = {}): Promise<Call> {
    return this.build(
      this.program.methods.sweepFees().accountsStrict({
        config: this.accounts.config,
        feeLedger: this.accounts.feeLedger,
        usdcVault: this.accounts.usdcVault,
        stakingRewardVault: this.accounts.stakingRewardVault,
        treasury: this.accounts.treasury,
        tokenProgram: TOKEN_PROGRAM_ID,
        ...opts.accounts,
      }),
      opts.signers ?? [],
      {},
    );
  }

  async sweepFees(): Promise<Sent> {
    return this.run(await this.sweepFeesCall());
  }

  /**
   * A job through post → assign (by `matcher`) → submit. Returns the job, which is then in its
   * challenge window (finalizable at once for the open tier).
   */
  async submittedJob(
    client: Actor,
    workerActor: Actor,
    matcher: Keypair,
    request: JobRequestInput = {},
  ): Promise<{ job: PublicKey; worker: PublicKey }> {
    const { job } = await this.postJob(client, request);
    const worker = this.workerAddress(workerActor.publicKey);
    await this.assignJob(matcher, job, worker);
    await this.submitResult(workerActor, job);
    return { job, worker };
  }

  // ---- internals -----------------------------------------------------------------------------

  private async build<T extends object>(
    builder: { instruction(): Promise<TransactionInstruction> },
    signers: Keypair[],
    extra: T,
  ): Promise<Call<T>> {
    return { ...extra, ix: await builder.instruction(), signers };
  }
}
