/**
 * peer_market's verification flows (issue 5) in the embedded runtimes: bonded validators,
 * challenges with commit–reveal voting and resolution, and the attested enclaves of the
 * confidential tier. Composes the `Market` fixture (market.ts) without changing it.
 *
 * As on `Market`, every instruction has `<name>Call(...)` (build, accounts overridable for
 * negative tests) and `<name>(...)` (send, assert success). The two instructions that read an
 * Ed25519 verification instruction return a `Bundle`: the Ed25519 instruction(s) in `pre`,
 * placed immediately before ours. Send a bundle with `send`/`run`; `rejectBundle`
 * (tests/harness/verification.ts) asserts a named error and unchanged accounts.
 *
 * Note on runtimes: solana-bankrun 0.4.0 does NOT verify Ed25519 precompile signatures; run
 * anything that relies on a signature being rejected on litesvm (`litesvm.ts`).
 */
import { BN } from '@coral-xyz/anchor';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import {
  Ed25519Program,
  Keypair,
  PublicKey,
  SystemProgram,
  SYSVAR_INSTRUCTIONS_PUBKEY,
  TransactionInstruction,
} from '@solana/web3.js';
import { createHash, randomBytes } from 'node:crypto';
import { attestationMessage as sdkAttestationMessage } from '../../sdk/src/flows/worker';
import * as pda from '../../sdk/src/pda';
import type { ConfigParams } from '../../migrations/params';
import type { EmbeddedEnv } from './env';
import {
  big,
  hash32,
  Market,
  type AccountsOf,
  type Actor,
  type Call,
  type CallOptions,
  type ResultCommitment,
  type Sent,
} from './market';
import { expectOk, send, type TxResult } from './tx';

// ---------------------------------------------------------------------------------------------
// Seeds and PDAs

// The SDK's PDA helpers, in the fixtures' (programId first) argument order.
export const findValidatorPda = (programId: PublicKey, authority: PublicKey) => pda.findValidatorPda(authority, programId);
export const findValidatorVaultPda = (programId: PublicKey, validator: PublicKey) => pda.findValidatorVaultPda(validator, programId);
export const findChallengePda = (programId: PublicKey, job: PublicKey) => pda.findChallengePda(job, programId);
export const findVotePda = (programId: PublicKey, challenge: PublicKey, validator: PublicKey) => pda.findVotePda(challenge, validator, programId);

/** The instruction `tx.ts`'s `send` puts in front of every transaction (a compute-budget limit). */
export const TX_PREFIX_INSTRUCTIONS = 1;

// ---------------------------------------------------------------------------------------------
// Messages and commitments

/** sha256(output_hash || salt): what commit_vote stores. */
export function voteCommitment(outputHash: number[] | Uint8Array, salt: number[] | Uint8Array): number[] {
  return [...createHash('sha256').update(Buffer.from(outputHash)).update(Buffer.from(salt)).digest()];
}

/** What the attestation authority signs (the SDK's layout, in the fixtures' argument types). */
export function attestationMessage(worker: PublicKey, enclaveKey: PublicKey, measurement: number[], expiresAt: bigint): Buffer {
  return Buffer.from(sdkAttestationMessage(worker, enclaveKey.toBytes(), Uint8Array.from(measurement), expiresAt));
}

/** What the enclave signs for a confidential result: job || output_hash. */
export function resultMessage(job: PublicKey, outputHash: number[]): Buffer {
  return Buffer.concat([job.toBuffer(), Buffer.from(outputHash)]);
}

/** An Ed25519 verification instruction of `signer`'s signature over `message` (web3.js layout). */
export function ed25519Ix(signer: Keypair, message: Uint8Array): TransactionInstruction {
  return Ed25519Program.createInstructionWithPrivateKey({ privateKey: signer.secretKey, message });
}

/** Offsets inside web3.js's single-signature Ed25519 instruction data. */
export const ED25519_LAYOUT = { publicKey: 16, signature: 48, message: 112 } as const;

/** A copy of an Ed25519 instruction with one bit of its signature flipped (a forgery). */
export function forgeSignature(ix: TransactionInstruction): TransactionInstruction {
  const data = Buffer.from(ix.data);
  data[ED25519_LAYOUT.signature] ^= 0x01;
  return new TransactionInstruction({ programId: ix.programId, keys: ix.keys, data });
}

/** One signature entry of an Ed25519 instruction: offsets and instruction indexes (0xffff = its own data). */
export interface Ed25519Entry {
  signatureOffset: number;
  signatureIx?: number;
  publicKeyOffset: number;
  publicKeyIx?: number;
  messageOffset: number;
  messageSize: number;
  messageIx?: number;
}

export const THIS_INSTRUCTION = 0xffff;

/**
 * An Ed25519 verification instruction laid out by hand: `u8 count, u8 padding`, the entries'
 * offsets (seven u16 LE each), then `payload` (keys, signatures and messages the offsets point
 * at, counted from the start of the data). For layouts web3.js does not build.
 */
export function ed25519Raw(entries: Ed25519Entry[], payload: Buffer, count = entries.length): TransactionInstruction {
  const header = Buffer.alloc(2 + 14 * entries.length);
  header.writeUInt8(count, 0);
  entries.forEach((e, i) => {
    const o = 2 + 14 * i;
    header.writeUInt16LE(e.signatureOffset, o);
    header.writeUInt16LE(e.signatureIx ?? THIS_INSTRUCTION, o + 2);
    header.writeUInt16LE(e.publicKeyOffset, o + 4);
    header.writeUInt16LE(e.publicKeyIx ?? THIS_INSTRUCTION, o + 6);
    header.writeUInt16LE(e.messageOffset, o + 8);
    header.writeUInt16LE(e.messageSize, o + 10);
    header.writeUInt16LE(e.messageIx ?? THIS_INSTRUCTION, o + 12);
  });
  return new TransactionInstruction({ programId: Ed25519Program.programId, keys: [], data: Buffer.concat([header, payload]) });
}

/** An Ed25519 signature (64 bytes) of `message` by `signer`. */
export function ed25519Sign(signer: Keypair, message: Uint8Array): Buffer {
  // web3.js signs inside createInstructionWithPrivateKey; take the signature from there.
  return Buffer.from(ed25519Ix(signer, message).data.subarray(ED25519_LAYOUT.signature, ED25519_LAYOUT.signature + 64));
}

/** Several signatures in one Ed25519 instruction, each over its own message, all in its own data. */
export function ed25519Multi(items: { signer: Keypair; message: Buffer }[]): TransactionInstruction {
  const start = 2 + 14 * items.length;
  const entries: Ed25519Entry[] = [];
  const parts: Buffer[] = [];
  let at = start;
  for (const { signer, message } of items) {
    entries.push({ publicKeyOffset: at, signatureOffset: at + 32, messageOffset: at + 96, messageSize: message.length });
    parts.push(signer.publicKey.toBuffer(), ed25519Sign(signer, message), message);
    at += 96 + message.length;
  }
  return ed25519Raw(entries, Buffer.concat(parts));
}

// ---------------------------------------------------------------------------------------------
// Types

/** Account names as the Anchor client's coder knows them (camelCase). */
export type VerificationAccountName = 'validator' | 'challenge' | 'vote' | 'worker' | 'job';
type Fetched<K extends keyof EmbeddedEnv['market']['account']> = Awaited<ReturnType<EmbeddedEnv['market']['account'][K]['fetch']>>;
export type ValidatorAccount = Fetched<'validator'>;
export type ChallengeAccount = Fetched<'challenge'>;
export type VoteAccount = Fetched<'vote'>;
export type WorkerAccount = Fetched<'worker'>;
export type JobAccount = Fetched<'job'>;

/** Instructions sent together: `pre` (e.g. the Ed25519 verification), then `ix`. */
export type Bundle<T extends object = object> = Call<T> & { pre: TransactionInstruction[] };

export interface ValidatorEntry {
  actor: Actor;
  validator: PublicKey;
  vault: PublicKey;
}

export interface ChallengeEntry {
  challenge: PublicKey;
  job: PublicKey;
  challenger: PublicKey;
}

/** An enclave as the tests model it: its ed25519 key, measurement and attestation expiry. */
export interface Enclave {
  key: Keypair;
  measurement: number[];
  expiresAt: bigint;
}

export interface AttestationOptions {
  /** Who signs (default: the attestation authority given to the call). */
  signer?: Keypair;
  /** The signed message (default: the one the program expects). */
  message?: Buffer;
  /** Replaces the Ed25519 instruction(s) altogether (an empty list sends none). */
  pre?: TransactionInstruction[];
  /** Edits the Ed25519 instruction data after signing (forgery, offsets). */
  tamper?: (data: Buffer) => void;
}

export type OutcomeName = 'challengerWon' | 'workerWon' | 'lapsed';
export function outcomeOf(value: unknown): OutcomeName {
  return Object.keys(value as object)[0] as OutcomeName;
}

// ---------------------------------------------------------------------------------------------
// The fixture

export class Verification {
  readonly m: Market;
  readonly validators = new Map<string, ValidatorEntry>();
  readonly challenges = new Map<string, ChallengeEntry>();
  /** vote → (challenge, validator) */
  readonly votes = new Map<string, { challenge: PublicKey; validator: PublicKey }>();

  constructor(m: Market) {
    this.m = m;
  }

  /**
   * A market (initialized in `env`) with the verification fixture over it. `confidential`
   * (default true) is Market.create's: a fresh attestation authority is configured unless
   * `params` name one; with false the confidential tier starts disabled.
   */
  static async create(env: EmbeddedEnv, params?: ConfigParams, opts: { confidential?: boolean } = {}): Promise<Verification> {
    return new Verification(await Market.create(env, params, opts));
  }

  get env() {
    return this.m.env;
  }
  get context() {
    return this.m.context;
  }
  get program() {
    return this.m.program;
  }
  get programId() {
    return this.m.programId;
  }
  get params() {
    return this.m.params;
  }

  // ---- addresses -----------------------------------------------------------------------------

  validatorAddress(authority: PublicKey): PublicKey {
    return findValidatorPda(this.programId, authority)[0];
  }
  validatorVaultAddress(validator: PublicKey): PublicKey {
    return findValidatorVaultPda(this.programId, validator)[0];
  }
  challengeAddress(job: PublicKey): PublicKey {
    return findChallengePda(this.programId, job)[0];
  }
  voteAddress(challenge: PublicKey, validator: PublicKey): PublicKey {
    return findVotePda(this.programId, challenge, validator)[0];
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Decodes one of our accounts when it exists and is owned by the program; null otherwise. */
  async read<T>(address: PublicKey, name: VerificationAccountName): Promise<T | null> {
    const info = await this.context.banksClient.getAccount(address);
    if (!info || info.lamports === 0 || !info.owner.equals(this.programId)) return null;
    return this.program.coder.accounts.decode(name, Buffer.from(info.data)) as T;
  }
  async validator(address: PublicKey): Promise<ValidatorAccount> {
    return this.must(await this.read<ValidatorAccount>(address, 'validator'), address, 'validator');
  }
  validatorOrNull(address: PublicKey): Promise<ValidatorAccount | null> {
    return this.read<ValidatorAccount>(address, 'validator');
  }
  async challenge(address: PublicKey): Promise<ChallengeAccount> {
    return this.must(await this.read<ChallengeAccount>(address, 'challenge'), address, 'challenge');
  }
  challengeOrNull(address: PublicKey): Promise<ChallengeAccount | null> {
    return this.read<ChallengeAccount>(address, 'challenge');
  }
  async vote(address: PublicKey): Promise<VoteAccount> {
    return this.must(await this.read<VoteAccount>(address, 'vote'), address, 'vote');
  }
  voteOrNull(address: PublicKey): Promise<VoteAccount | null> {
    return this.read<VoteAccount>(address, 'vote');
  }
  async worker(address: PublicKey): Promise<WorkerAccount> {
    return this.must(await this.read<WorkerAccount>(address, 'worker'), address, 'worker');
  }
  async job(address: PublicKey): Promise<JobAccount> {
    return this.must(await this.read<JobAccount>(address, 'job'), address, 'job');
  }
  jobOrNull(address: PublicKey): Promise<JobAccount | null> {
    return this.read<JobAccount>(address, 'job');
  }

  private must<T>(value: T | null, address: PublicKey, what: string): T {
    if (value === null) throw new Error(`${what} ${address.toBase58()} does not exist`);
    return value;
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Sends a call or bundle (success not asserted). */
  async send<T extends object>(call: Call<T> | Bundle<T>): Promise<Sent<T>> {
    const { ix, signers, pre, ...rest } = call as Bundle<T>;
    const result = await send(this.context, [...(pre ?? []), ix], signers);
    return { ...(rest as unknown as T), result };
  }

  /** Sends a call or bundle and asserts it succeeded. */
  async run<T extends object>(call: Call<T> | Bundle<T>): Promise<Sent<T>> {
    const sent = await this.send(call);
    expectOk(sent.result);
    return sent;
  }

  private async build<T extends object>(builder: { instruction(): Promise<TransactionInstruction> }, signers: Keypair[], extra: T): Promise<Call<T>> {
    return { ...extra, ix: await builder.instruction(), signers };
  }

  // ---- validators ----------------------------------------------------------------------------

  registerValidatorCall(
    authority: Actor,
    amount: bigint,
    opts: CallOptions<AccountsOf<'registerValidator'>> = {},
  ): Promise<Call<{ validator: PublicKey; vault: PublicKey }>> {
    const validator = new PublicKey(opts.accounts?.validator ?? this.validatorAddress(authority.publicKey));
    const vault = new PublicKey(opts.accounts?.validatorVault ?? this.validatorVaultAddress(validator));
    this.m.watched.add(validator.toBase58());
    this.m.watched.add(vault.toBase58());
    return this.build(
      this.program.methods.registerValidator(new BN(amount.toString())).accountsStrict({
        authority: authority.publicKey,
        config: this.m.accounts.config,
        validator,
        peerMint: this.env.peerMint,
        validatorVault: vault,
        source: authority.peer,
        tokenProgram: TOKEN_PROGRAM_ID,
        systemProgram: SystemProgram.programId,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { validator, vault },
    );
  }

  /** Registers `authority` as a validator with `amount` $PEER, minting it first when `mint` is set. */
  async registerValidator(authority: Actor, amount: bigint, mint = true): Promise<Sent<{ validator: PublicKey; vault: PublicKey }>> {
    if (mint) await this.m.mintPeer(authority.peer, amount);
    const sent = await this.run(await this.registerValidatorCall(authority, amount));
    this.validators.set(sent.validator.toBase58(), { actor: authority, validator: sent.validator, vault: sent.vault });
    this.m.peerAccounts.add(sent.vault.toBase58());
    return sent;
  }

  /** The bond a validator needs to open one challenge (and keep voting): min bond + challenge bond. */
  challengerBond(): bigint {
    return big(this.params.validatorMinBond) + big(this.params.challengeBond);
  }

  /** A fresh actor registered as a validator (default bond: enough to open one challenge). */
  async readyValidator(bond?: bigint): Promise<ValidatorEntry> {
    const actor = await this.m.actor();
    const { validator, vault } = await this.registerValidator(actor, bond ?? this.challengerBond());
    return { actor, validator, vault };
  }

  /** `n` fresh validators with the minimum bond (voters). */
  async voters(n: number, bond?: bigint): Promise<ValidatorEntry[]> {
    const out: ValidatorEntry[] = [];
    for (let i = 0; i < n; i++) out.push(await this.readyValidator(bond ?? big(this.params.validatorMinBond)));
    return out;
  }

  deregisterValidatorCall(authority: Actor, opts: CallOptions<AccountsOf<'deregisterValidator'>> = {}): Promise<Call<{ validator: PublicKey }>> {
    const validator = this.validatorAddress(authority.publicKey);
    return this.build(
      this.program.methods.deregisterValidator().accountsStrict({ authority: authority.publicKey, config: this.m.accounts.config, validator, ...opts.accounts }),
      opts.signers ?? [authority.keypair],
      { validator },
    );
  }

  async deregisterValidator(authority: Actor): Promise<Sent<{ validator: PublicKey }>> {
    return this.run(await this.deregisterValidatorCall(authority));
  }

  closeValidatorCall(authority: Actor, opts: CallOptions<AccountsOf<'closeValidator'>> = {}): Promise<Call<{ validator: PublicKey; vault: PublicKey }>> {
    const validator = this.validatorAddress(authority.publicKey);
    const vault = this.validatorVaultAddress(validator);
    return this.build(
      this.program.methods.closeValidator().accountsStrict({
        authority: authority.publicKey,
        validator,
        validatorVault: vault,
        destination: authority.peer,
        tokenProgram: TOKEN_PROGRAM_ID,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { validator, vault },
    );
  }

  async closeValidator(authority: Actor): Promise<Sent<{ validator: PublicKey; vault: PublicKey }>> {
    return this.run(await this.closeValidatorCall(authority));
  }

  // ---- challenges ----------------------------------------------------------------------------

  /** challenge_job by `authority`'s validator; worker from the job, reward to the authority's $PEER account. */
  async challengeJobCall(
    authority: Actor,
    job: PublicKey,
    outputHash: number[],
    opts: CallOptions<AccountsOf<'challengeJob'>> = {},
  ): Promise<Call<{ challenge: PublicKey; validator: PublicKey; worker: PublicKey }>> {
    const j = await this.jobOrNull(job);
    const worker = new PublicKey(opts.accounts?.worker ?? j?.worker ?? PublicKey.default);
    const validator = new PublicKey(opts.accounts?.validator ?? this.validatorAddress(authority.publicKey));
    const challenge = new PublicKey(opts.accounts?.challenge ?? this.challengeAddress(job));
    this.m.watched.add(challenge.toBase58());
    return this.build(
      this.program.methods.challengeJob(outputHash).accountsStrict({
        authority: authority.publicKey,
        config: this.m.accounts.config,
        validator,
        job,
        worker,
        challenge,
        systemProgram: SystemProgram.programId,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { challenge, validator, worker },
    );
  }

  async challengeJob(authority: Actor, job: PublicKey, outputHash: number[] = hash32(`challenger's output ${job.toBase58()}`)): Promise<Sent<{ challenge: PublicKey; validator: PublicKey; worker: PublicKey; outputHash: number[] }>> {
    const sent = await this.run(await this.challengeJobCall(authority, job, outputHash));
    this.challenges.set(sent.challenge.toBase58(), { challenge: sent.challenge, job, challenger: sent.validator });
    return { ...sent, outputHash };
  }

  // ---- votes ---------------------------------------------------------------------------------

  /** commit_vote of sha256(outputHash || salt) (or `commitment` when given). */
  commitVoteCall(
    authority: Actor,
    challenge: PublicKey,
    outputHash: number[],
    salt: number[],
    opts: CallOptions<AccountsOf<'commitVote'>> & { commitment?: number[] } = {},
  ): Promise<Call<{ vote: PublicKey; validator: PublicKey; commitment: number[] }>> {
    const validator = new PublicKey(opts.accounts?.validator ?? this.validatorAddress(authority.publicKey));
    const vote = new PublicKey(opts.accounts?.vote ?? this.voteAddress(challenge, validator));
    const commitment = opts.commitment ?? voteCommitment(outputHash, salt);
    this.m.watched.add(vote.toBase58());
    return this.build(
      this.program.methods.commitVote(commitment).accountsStrict({
        authority: authority.publicKey,
        config: this.m.accounts.config,
        validator,
        challenge,
        vote,
        systemProgram: SystemProgram.programId,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { vote, validator, commitment },
    );
  }

  async commitVote(authority: Actor, challenge: PublicKey, outputHash: number[], salt: number[] = newSalt()): Promise<Sent<{ vote: PublicKey; validator: PublicKey; commitment: number[]; salt: number[]; outputHash: number[] }>> {
    const sent = await this.run(await this.commitVoteCall(authority, challenge, outputHash, salt));
    this.votes.set(sent.vote.toBase58(), { challenge, validator: sent.validator });
    return { ...sent, salt, outputHash };
  }

  revealVoteCall(
    authority: Actor,
    challenge: PublicKey,
    outputHash: number[],
    salt: number[],
    opts: CallOptions<AccountsOf<'revealVote'>> = {},
  ): Promise<Call<{ vote: PublicKey; validator: PublicKey }>> {
    const validator = new PublicKey(opts.accounts?.validator ?? this.validatorAddress(authority.publicKey));
    const vote = new PublicKey(opts.accounts?.vote ?? this.voteAddress(challenge, validator));
    return this.build(
      this.program.methods.revealVote(outputHash, salt).accountsStrict({ authority: authority.publicKey, validator, challenge, vote, ...opts.accounts }),
      opts.signers ?? [authority.keypair],
      { vote, validator },
    );
  }

  async revealVote(authority: Actor, challenge: PublicKey, outputHash: number[], salt: number[]): Promise<Sent<{ vote: PublicKey; validator: PublicKey }>> {
    return this.run(await this.revealVoteCall(authority, challenge, outputHash, salt));
  }

  closeVoteCall(authority: Actor, challenge: PublicKey, opts: CallOptions<AccountsOf<'closeVote'>> = {}): Promise<Call<{ vote: PublicKey; validator: PublicKey }>> {
    const validator = new PublicKey(opts.accounts?.validator ?? this.validatorAddress(authority.publicKey));
    const vote = new PublicKey(opts.accounts?.vote ?? this.voteAddress(challenge, validator));
    return this.build(
      this.program.methods.closeVote().accountsStrict({ authority: authority.publicKey, validator, vote, challenge, ...opts.accounts }),
      opts.signers ?? [authority.keypair],
      { vote, validator },
    );
  }

  async closeVote(authority: Actor, challenge: PublicKey): Promise<Sent<{ vote: PublicKey; validator: PublicKey }>> {
    return this.run(await this.closeVoteCall(authority, challenge));
  }

  // ---- resolution ----------------------------------------------------------------------------

  /**
   * The accounts resolve_challenge needs, every one derived from the challenge account (job,
   * worker, challenger, its authority, reward destination) and the job (client); from this
   * fixture's registry when the challenge is already closed.
   */
  async resolveAccounts(challenge: PublicKey): Promise<AccountsOf<'resolveChallenge'>> {
    const c = await this.challengeOrNull(challenge);
    const entry = this.challenges.get(challenge.toBase58());
    const job = c?.job ?? entry?.job ?? PublicKey.default;
    const challenger = c?.challenger ?? entry?.challenger ?? PublicKey.default;
    const challengerEntry = this.validators.get(challenger.toBase58());
    const j = await this.jobOrNull(job);
    const client = j?.client ?? this.m.jobs.get(job.toBase58()) ?? PublicKey.default;
    const worker = c?.worker ?? j?.worker ?? PublicKey.default;
    return {
      config: this.m.accounts.config,
      challenge,
      job,
      worker,
      workerBondVault: this.m.bondVaultAddress(worker),
      challenger,
      challengerVault: this.validatorVaultAddress(challenger),
      challengerAuthority: c?.challengerAuthority ?? challengerEntry?.actor.publicKey ?? PublicKey.default,
      creditAccount: this.m.creditAddress(client),
      client,
      peerMint: this.env.peerMint,
      tokenProgram: TOKEN_PROGRAM_ID,
    };
  }

  /** resolve_challenge (permissionless; no signer but the fee payer). */
  async resolveChallengeCall(challenge: PublicKey, opts: CallOptions<AccountsOf<'resolveChallenge'>> = {}): Promise<Call<{ challenge: PublicKey }>> {
    const accounts = await this.resolveAccounts(challenge);
    return this.build(this.program.methods.resolveChallenge().accountsStrict({ ...accounts, ...opts.accounts }), opts.signers ?? [], { challenge });
  }

  async resolveChallenge(challenge: PublicKey): Promise<Sent<{ challenge: PublicKey; event: Record<string, unknown> }>> {
    const sent = await this.run(await this.resolveChallengeCall(challenge));
    return { ...sent, event: this.m.event(sent.result, 'challengeResolved') };
  }

  // ---- the confidential tier -----------------------------------------------------------------

  /** A fresh enclave key and measurement whose attestation expires `ttl` seconds from now. */
  async enclave(ttl = 30 * 86_400, measurement: number[] = hash32('tdx-measurement v1')): Promise<Enclave> {
    return { key: Keypair.generate(), measurement, expiresAt: (await this.m.now()) + BigInt(ttl) };
  }

  /**
   * Sets the config's attestation authority (update_config). The Market fixture's own
   * `attestationAuthority` (which its readyWorker uses to register enclaves automatically) is
   * left as it is: tests that set their own authority register enclaves themselves.
   */
  async setAttestationAuthority(authority: PublicKey): Promise<Sent> {
    return this.m.updateParams((p) => (p.attestationAuthority = authority));
  }

  private ed25519Pre(defaultSigner: Keypair, defaultMessage: Buffer, att: AttestationOptions): TransactionInstruction[] {
    if (att.pre) return att.pre;
    const ix = ed25519Ix(att.signer ?? defaultSigner, att.message ?? defaultMessage);
    if (att.tamper) {
      const data = Buffer.from(ix.data);
      att.tamper(data);
      return [new TransactionInstruction({ programId: ix.programId, keys: ix.keys, data })];
    }
    return [ix];
  }

  /**
   * register_enclave for `authority`'s worker, preceded by `attestor`'s Ed25519 signature over
   * worker || enclave_key || measurement || expires_at (each part overridable through `att`).
   */
  async registerEnclaveCall(
    authority: Actor,
    enclave: Enclave,
    attestor: Keypair,
    att: AttestationOptions = {},
    opts: CallOptions<AccountsOf<'registerEnclave'>> = {},
  ): Promise<Bundle<{ worker: PublicKey }>> {
    const worker = new PublicKey(opts.accounts?.worker ?? this.m.workerAddress(authority.publicKey));
    const message = attestationMessage(worker, enclave.key.publicKey, enclave.measurement, enclave.expiresAt);
    const call = await this.build(
      this.program.methods
        .registerEnclave([...enclave.key.publicKey.toBytes()], enclave.measurement, new BN(enclave.expiresAt.toString()))
        .accountsStrict({
          authority: authority.publicKey,
          config: this.m.accounts.config,
          worker,
          instructionsSysvar: SYSVAR_INSTRUCTIONS_PUBKEY,
          ...opts.accounts,
        }),
      opts.signers ?? [authority.keypair],
      { worker },
    );
    return { ...call, pre: this.ed25519Pre(attestor, message, att) };
  }

  /** Registers the enclave and records its key in the Market fixture (so Market's own flows can sign with it). */
  async registerEnclave(authority: Actor, enclave: Enclave, attestor: Keypair): Promise<Sent<{ worker: PublicKey }>> {
    const sent = await this.run(await this.registerEnclaveCall(authority, enclave, attestor));
    this.m.enclaves.set(sent.worker.toBase58(), enclave.key);
    return sent;
  }

  /**
   * submit_confidential_result for `job`, preceded by the enclave's Ed25519 signature over
   * job || output_hash (overridable through `att`).
   */
  async submitConfidentialResultCall(
    authority: Actor,
    job: PublicKey,
    enclaveKey: Keypair,
    result?: ResultCommitment,
    att: AttestationOptions = {},
    opts: CallOptions<AccountsOf<'submitConfidentialResult'>> = {},
  ): Promise<Bundle<{ job: PublicKey; worker: PublicKey; commitment: ResultCommitment }>> {
    const worker = new PublicKey(opts.accounts?.worker ?? this.m.workerAddress(authority.publicKey));
    const commitment = result ?? (await this.m.resultFor(job));
    const call = await this.build(
      this.program.methods.submitConfidentialResult(commitment).accountsStrict({
        authority: authority.publicKey,
        config: this.m.accounts.config,
        job,
        worker,
        instructionsSysvar: SYSVAR_INSTRUCTIONS_PUBKEY,
        ...opts.accounts,
      }),
      opts.signers ?? [authority.keypair],
      { job, worker, commitment },
    );
    return { ...call, pre: this.ed25519Pre(enclaveKey, resultMessage(job, commitment.outputHash), att) };
  }

  async submitConfidentialResult(
    authority: Actor,
    job: PublicKey,
    enclaveKey: Keypair,
    result?: ResultCommitment,
  ): Promise<Sent<{ job: PublicKey; worker: PublicKey; commitment: ResultCommitment }>> {
    return this.run(await this.submitConfidentialResultCall(authority, job, enclaveKey, result));
  }

  // ---- composite flows -----------------------------------------------------------------------

  /**
   * A verified (or confidential, with `enclave`) job submitted by `workerActor` through
   * post → assign → submit, in its challenge window.
   */
  async submittedJob(
    client: Actor,
    workerActor: Actor,
    matcher: Keypair,
    opts: { tier?: 'verified' | 'confidential'; enclave?: Enclave; output?: string; maxPrice?: bigint } = {},
  ): Promise<{ job: PublicKey; worker: PublicKey; outputHash: number[] }> {
    const tier = opts.tier ?? 'verified';
    const { job } = await this.m.postJob(client, { tier, maxPrice: opts.maxPrice });
    const worker = this.m.workerAddress(workerActor.publicKey);
    await this.m.assignJob(matcher, job, worker);
    const commitment = await this.m.resultFor(job, opts.output ?? 'honest output');
    if (tier === 'confidential') {
      if (!opts.enclave) throw new Error('a confidential job needs the worker\'s enclave');
      await this.submitConfidentialResult(workerActor, job, opts.enclave.key, commitment);
    } else {
      await this.m.submitResult(workerActor, job, commitment);
    }
    return { job, worker, outputHash: commitment.outputHash };
  }

  /**
   * Commits, for each voter, a vote for `outputs[i]`, warps past the commit deadline, reveals
   * those in `reveal` (default: all). Returns the votes with their salts.
   */
  async voteAll(
    challenge: PublicKey,
    voters: ValidatorEntry[],
    outputs: number[][],
    opts: { reveal?: boolean[] } = {},
  ): Promise<{ votes: { vote: PublicKey; salt: number[]; outputHash: number[]; voter: ValidatorEntry }[]; results: TxResult[] }> {
    const votes: { vote: PublicKey; salt: number[]; outputHash: number[]; voter: ValidatorEntry }[] = [];
    const results: TxResult[] = [];
    for (let i = 0; i < voters.length; i++) {
      const sent = await this.commitVote(voters[i].actor, challenge, outputs[i]);
      votes.push({ vote: sent.vote, salt: sent.salt, outputHash: outputs[i], voter: voters[i] });
      results.push(sent.result);
    }
    await this.warpPastCommit(challenge);
    for (let i = 0; i < votes.length; i++) {
      if (opts.reveal && !opts.reveal[i]) continue;
      const sent = await this.revealVote(votes[i].voter.actor, challenge, votes[i].outputHash, votes[i].salt);
      results.push(sent.result);
    }
    return { votes, results };
  }

  /** Warps the clock to the challenge's commit deadline (the reveal phase starts). */
  async warpPastCommit(challenge: PublicKey): Promise<void> {
    const c = await this.challenge(challenge);
    const now = await this.m.now();
    const to = big(c.commitDeadline);
    if (now < to) await this.m.warp(Number(to - now));
  }

  /** Warps the clock to the challenge's reveal deadline (the challenge can lapse). */
  async warpPastReveal(challenge: PublicKey): Promise<void> {
    const c = await this.challenge(challenge);
    const now = await this.m.now();
    const to = big(c.revealDeadline);
    if (now < to) await this.m.warp(Number(to - now));
  }

  /** Every address the verification fixture knows, for snapshots. */
  knownAddresses(): PublicKey[] {
    const out = new Set<string>();
    for (const v of this.validators.values()) {
      out.add(v.validator.toBase58());
      out.add(v.vault.toBase58());
    }
    for (const c of this.challenges.values()) out.add(c.challenge.toBase58());
    for (const k of this.votes.keys()) out.add(k);
    return [...out].map((k) => new PublicKey(k));
  }
}

/** A random 32-byte salt. */
export function newSalt(): number[] {
  return [...randomBytes(32)];
}
