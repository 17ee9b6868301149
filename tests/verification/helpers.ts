/** Shared setup of the verification suites: a market on either runtime, with its actors. */
import { Keypair, PublicKey, TransactionInstruction } from '@solana/web3.js';
import type { ConfigParams } from '../fixtures/embedded/params';
import { defaultParams } from '../fixtures/embedded/params';
import { startEmbedded, type EmbeddedEnv } from '../fixtures/embedded/env';
import { startLiteSvm } from '../fixtures/embedded/litesvm';
import { big, hash32, type Actor, type Call } from '../fixtures/embedded/market';
import { Verification, type Bundle, type ValidatorEntry } from '../fixtures/embedded/verification';

export type RuntimeName = 'bankrun' | 'litesvm';
export const RUNTIMES: RuntimeName[] = ['bankrun', 'litesvm'];

export function startRuntime(runtime: RuntimeName): Promise<EmbeddedEnv> {
  return runtime === 'bankrun' ? startEmbedded() : startLiteSvm();
}

export interface Fixture {
  v: Verification;
  client: Actor;
  matcher: Keypair;
}

export async function fixture(runtime: RuntimeName, edit?: (p: ConfigParams) => void): Promise<Fixture> {
  const params = defaultParams();
  edit?.(params);
  const v = await Verification.create(await startRuntime(runtime), params);
  const { actor: client } = await v.m.client(1_000_000n);
  const { matcher } = await v.m.addMatcher();
  return { v, client, matcher };
}

/** A worker serving only the verified tier with `bond` $PEER base units (default: the tier minimum). */
export async function verifiedWorker(v: Verification, bond?: bigint): Promise<{ actor: Actor; worker: PublicKey; bondVault: PublicKey }> {
  return v.m.readyWorker({ tiers: ['verified'] }, bond ?? big(v.params.minBond[1]));
}

export interface Dispute {
  job: PublicKey;
  worker: PublicKey;
  workerActor: Actor;
  workerHash: number[];
  challenger: ValidatorEntry;
  challengerHash: number[];
  challenge: PublicKey;
}

/** A verified job submitted by a fresh worker (or `workerActor`) and challenged by a fresh validator. */
export async function openDispute(
  f: Fixture,
  opts: { workerActor?: Actor; workerBond?: bigint; challenger?: ValidatorEntry; maxPrice?: bigint } = {},
): Promise<Dispute> {
  const { v, client, matcher } = f;
  const workerActor = opts.workerActor ?? (await verifiedWorker(v, opts.workerBond)).actor;
  const { job, worker, outputHash: workerHash } = await v.submittedJob(client, workerActor, matcher, { maxPrice: opts.maxPrice });
  const challenger = opts.challenger ?? (await v.readyValidator());
  const challengerHash = hash32(`the true output of ${job.toBase58()}`);
  const { challenge } = await v.challengeJob(challenger.actor, job, challengerHash);
  return { job, worker, workerActor, workerHash, challenger, challengerHash, challenge };
}

/** Parses a u64/i64 BN-like event or account field. */
export const n = (x: unknown): bigint => big(x as { toString(): string });

/** A copy of `call` in which `key` does not sign (its account meta unsigned, its keypair dropped). */
export function unsigned<C extends Call | Bundle>(call: C, key: PublicKey): C {
  const keys = call.ix.keys.map((k) => (k.pubkey.equals(key) ? { ...k, isSigner: false } : k));
  return { ...call, ix: new TransactionInstruction({ programId: call.ix.programId, keys, data: call.ix.data }), signers: call.signers.filter((s) => !s.publicKey.equals(key)) };
}

/** A copy of `call` in which `key` is passed read-only. */
export function readonly<C extends Call | Bundle>(call: C, key: PublicKey): C {
  const keys = call.ix.keys.map((k) => (k.pubkey.equals(key) ? { ...k, isWritable: false } : k));
  return { ...call, ix: new TransactionInstruction({ programId: call.ix.programId, keys, data: call.ix.data }) };
}
