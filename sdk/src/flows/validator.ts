/**
 * Validator flows: register with a $PEER bond, challenge a result, vote on challenges with
 * commit–reveal (the vote commitment is sha256(output_hash ‖ salt); the salt is derived from
 * the wallet and the challenge, so revealing needs nothing stored), resolve, and leave.
 */
import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import type { Account } from '../accounts/fetch';
import { randomBytes } from 'node:crypto';
import { challengeAccount, jobAccount, validatorAccount, type Challenge, type Validator } from '../accounts/market';
import { associatedTokenAddress, createAssociatedTokenAccountIdempotent, decodeClock, decodeTokenAccount, SYSVAR_CLOCK_PUBKEY } from '../accounts/token';
import { marketInfo, readWithMarketInfo, walletSecretKey, type PeerContext } from '../context';
import { sha256 } from '../crypto/envelope';
import { AccountNotFoundError, ValidationError } from '../errors';
import * as ix from '../instructions/market';
import { findBondVaultPda, findChallengePda, findCreditAccountPda, findValidatorPda, findValidatorVaultPda, findVotePda } from '../pda';
import { sendInstructions, type SendOptions, type SendResult } from '../rpc/send';

export interface ValidatorTx {
  validator: PublicKey;
  tx: SendResult;
}

function validatorAddress(ctx: PeerContext, authority: PublicKey = ctx.wallet.publicKey): PublicKey {
  return findValidatorPda(authority, ctx.programs.market)[0];
}

/** sha256(output_hash ‖ salt): what commit_vote stores. */
export function voteCommitment(outputHash: Uint8Array, salt: Uint8Array): Uint8Array {
  if (outputHash.length !== 32 || salt.length !== 32) throw new ValidationError('output hash and salt are 32 bytes each');
  return sha256(Buffer.concat([Buffer.from(outputHash), Buffer.from(salt)]));
}

/** The vote salt for a challenge, derived from the wallet's secret key (random for other wallets: keep it). */
export function voteSalt(ctx: PeerContext, challenge: PublicKey): Uint8Array {
  const secret = walletSecretKey(ctx);
  if (!secret) return new Uint8Array(randomBytes(32));
  return sha256(Buffer.concat([Buffer.from('peer-cycles/vote-salt/v1'), Buffer.from([0]), Buffer.from(secret.subarray(0, 32)), challenge.toBuffer()]));
}

/** Registers the wallet as a validator bonding `amount` $PEER base units. One read (cached), one transaction. */
export async function registerValidator(ctx: PeerContext, input: { amount: bigint; source?: PublicKey }, opts?: SendOptions): Promise<ValidatorTx & { vault: PublicKey }> {
  const info = await marketInfo(ctx);
  const authority = ctx.wallet.publicKey;
  const source = input.source ?? associatedTokenAddress(info.peerMint, authority);
  const tx = await sendInstructions(ctx, [ix.registerValidator({ authority, peerMint: info.peerMint, source }, { amount: input.amount }, ctx.programs.market)], opts);
  const validator = validatorAddress(ctx);
  return { validator, vault: findValidatorVaultPda(validator, ctx.programs.market)[0], tx };
}

/** Stops challenging and voting; the bond cooldown starts. One transaction. */
export async function deregisterValidator(ctx: PeerContext, opts?: SendOptions): Promise<ValidatorTx> {
  const tx = await sendInstructions(ctx, [ix.deregisterValidator({ authority: ctx.wallet.publicKey }, {}, ctx.programs.market)], opts);
  return { validator: validatorAddress(ctx), tx };
}

/** After the cooldown: the bond goes to `destination` (default: the wallet's $PEER ATA) and the accounts close. */
export async function closeValidator(ctx: PeerContext, input: { destination?: PublicKey } = {}, opts?: SendOptions): Promise<ValidatorTx> {
  const info = await marketInfo(ctx);
  const authority = ctx.wallet.publicKey;
  const ixs: TransactionInstruction[] = [];
  let destination = input.destination;
  if (!destination) {
    destination = associatedTokenAddress(info.peerMint, authority);
    ixs.push(createAssociatedTokenAccountIdempotent(authority, info.peerMint, authority));
  }
  ixs.push(ix.closeValidator({ authority, destination }, {}, ctx.programs.market));
  return { validator: validatorAddress(ctx), tx: await sendInstructions(ctx, ixs, opts) };
}

/**
 * Challenges a submitted result with the output hash this validator computed (locks the
 * challenge bond; a win adds the reward to the validator's bond). One read (the job), one transaction.
 */
export async function challengeJob(
  ctx: PeerContext,
  input: { job: PublicKey; outputHash: Uint8Array },
  opts?: SendOptions,
): Promise<ValidatorTx & { challenge: PublicKey }> {
  const programId = ctx.programs.market;
  const authority = ctx.wallet.publicKey;
  const job = (await jobAccount.fetch(ctx.transport, input.job, { programId })).data;
  const validator = validatorAddress(ctx);
  const instruction = ix.challengeJob({ authority, validator, job: input.job, worker: job.worker }, { outputHash: input.outputHash }, programId);
  return { validator, challenge: findChallengePda(input.job, programId)[0], tx: await sendInstructions(ctx, [instruction], opts) };
}

/** Commits a vote for `outputHash` (salt derived unless given; returned for the reveal). One transaction. */
export async function commitVote(
  ctx: PeerContext,
  input: { challenge: PublicKey; outputHash: Uint8Array; salt?: Uint8Array },
  opts?: SendOptions,
): Promise<ValidatorTx & { vote: PublicKey; salt: Uint8Array; commitment: Uint8Array }> {
  const programId = ctx.programs.market;
  const authority = ctx.wallet.publicKey;
  const validator = validatorAddress(ctx);
  const salt = input.salt ?? voteSalt(ctx, input.challenge);
  const commitment = voteCommitment(input.outputHash, salt);
  const tx = await sendInstructions(ctx, [ix.commitVote({ authority, validator, challenge: input.challenge }, { commitment }, programId)], opts);
  return { validator, vote: findVotePda(input.challenge, validator, programId)[0], salt, commitment, tx };
}

/** Reveals a committed vote. One transaction. */
export async function revealVote(
  ctx: PeerContext,
  input: { challenge: PublicKey; outputHash: Uint8Array; salt?: Uint8Array },
  opts?: SendOptions,
): Promise<ValidatorTx & { vote: PublicKey }> {
  const programId = ctx.programs.market;
  const authority = ctx.wallet.publicKey;
  const validator = validatorAddress(ctx);
  const vote = findVotePda(input.challenge, validator, programId)[0];
  const salt = input.salt ?? voteSalt(ctx, input.challenge);
  const tx = await sendInstructions(ctx, [ix.revealVote({ authority, validator, challenge: input.challenge, vote }, { outputHash: input.outputHash, salt }, programId)], opts);
  return { validator, vote, tx };
}

/** resolve_challenge for a challenge already read, with its job's client (no RPC); `peerMint` from `marketInfo`. */
export function resolveChallengeInstruction(challenge: Account<Challenge>, client: PublicKey, peerMint: PublicKey, programId: PublicKey): TransactionInstruction {
  const ch = challenge.data;
  return ix.resolveChallenge(
    {
      challenge: challenge.address,
      job: ch.job,
      worker: ch.worker,
      workerBondVault: findBondVaultPda(ch.worker, programId)[0],
      challenger: ch.challenger,
      challengerVault: findValidatorVaultPda(ch.challenger, programId)[0],
      challengerAuthority: ch.challengerAuthority,
      creditAccount: findCreditAccountPda(client, programId)[0],
      client,
      peerMint,
    },
    {},
    programId,
  );
}

/** Anyone: resolves a challenge once decided or past its reveal deadline. Two reads (challenge; job and config), one transaction. */
export async function resolveChallenge(ctx: PeerContext, input: { challenge: PublicKey }, opts?: SendOptions): Promise<{ challenge: PublicKey; tx: SendResult }> {
  const programId = ctx.programs.market;
  const challenge = await challengeAccount.fetch(ctx.transport, input.challenge, { programId });
  const { info, records } = await readWithMarketInfo(ctx, [challenge.data.job]);
  if (!records[0]) throw new AccountNotFoundError('job', challenge.data.job);
  const job = jobAccount.fromRecord(records[0], { programId }).data;
  const instruction = resolveChallengeInstruction(challenge, job.client, info.peerMint, programId);
  return { challenge: input.challenge, tx: await sendInstructions(ctx, [instruction], opts) };
}

/**
 * Closes the wallet's vote on a resolved challenge: a winning vote is paid its share of the
 * voter pot, a losing or unrevealed one loses voter_slash_bps of its weight; rent back. One
 * read (challenge and market info), one transaction.
 */
export async function closeVote(ctx: PeerContext, input: { challenge: PublicKey }, opts?: SendOptions): Promise<ValidatorTx & { vote: PublicKey }> {
  const programId = ctx.programs.market;
  const validator = validatorAddress(ctx);
  const vote = findVotePda(input.challenge, validator, programId)[0];
  const { info, records } = await readWithMarketInfo(ctx, [input.challenge]);
  if (!records[0]) throw new AccountNotFoundError('challenge', input.challenge);
  const challenge = challengeAccount.fromRecord(records[0], { programId }).data;
  const instruction = ix.closeVote(
    { authority: ctx.wallet.publicKey, validator, vote, challenge: input.challenge, challengerAuthority: challenge.challengerAuthority, peerMint: info.peerMint },
    {},
    programId,
  );
  const tx = await sendInstructions(ctx, [instruction], opts);
  return { validator, vote, tx };
}

export interface ValidatorStatus {
  authority: PublicKey;
  validator: PublicKey;
  exists: boolean;
  data: Validator | null;
  vault: PublicKey;
  vaultBalance: bigint;
  /** Seconds until a deregistered validator may close (null: active or missing). */
  closableIn: bigint | null;
  now: bigint;
}

/** A validator's account and vault. One read. */
export async function validatorStatus(ctx: PeerContext, authority: PublicKey = ctx.wallet.publicKey): Promise<ValidatorStatus> {
  const programId = ctx.programs.market;
  const validator = validatorAddress(ctx, authority);
  const vault = findValidatorVaultPda(validator, programId)[0];
  const [v, t, c] = await ctx.transport.getAccounts([validator, vault, SYSVAR_CLOCK_PUBKEY]);
  const now = c ? decodeClock(c).unixTimestamp : 0n;
  const data = v ? validatorAccount.fromRecord(v, { programId }).data : null;
  const closableIn = !data || data.deregisterAvailableAt === 0n ? null : data.deregisterAvailableAt > now ? data.deregisterAvailableAt - now : 0n;
  return { authority, validator, exists: data !== null, data, vault, vaultBalance: t ? decodeTokenAccount(t).amount : 0n, closableIn, now };
}

export type { Challenge };
