/**
 * Harness for the verification flows (issue 5): rejected calls and bundles with their named
 * error and unchanged accounts, runtime (precompile) rejections at a given instruction, and
 * the conservation identities extended to validators, challenges and votes.
 */
import { TOKEN_PROGRAM_ID, unpackAccount } from '@solana/spl-token';
import { PublicKey, SystemProgram, SYSVAR_INSTRUCTIONS_PUBKEY } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { big, voteVaultAddress, type Call } from '../fixtures/embedded/market';
import { expectError, type TxResult } from '../fixtures/embedded/tx';
import { instructionErrorOf } from '../fixtures/embedded/litesvm';
import type { Bundle, ChallengeAccount, ValidatorAccount, Verification, VoteAccount, WorkerAccount } from '../fixtures/embedded/verification';
import { assertConservation, type Totals } from './conservation';
import { expectUnchanged, snapshot, type Snapshot } from './state';

const NOT_STATE = new Set([TOKEN_PROGRAM_ID.toBase58(), SystemProgram.programId.toBase58(), SYSVAR_INSTRUCTIONS_PUBKEY.toBase58()]);

/** Every address the market and verification fixtures know, plus those the call names. */
export function watchedAddresses(v: Verification, call: Call | Bundle, extra: PublicKey[] = []): PublicKey[] {
  const ixs = [...((call as Bundle).pre ?? []), call.ix];
  const named = ixs.flatMap((ix) => ix.keys.map((k) => k.pubkey)).filter((k) => !NOT_STATE.has(k.toBase58()) && !k.equals(v.programId));
  return [...v.m.knownAddresses(), ...v.knownAddresses(), ...extra, ...named];
}

/** Takes a snapshot of everything a call could touch. */
export function snapshotFor(v: Verification, call: Call | Bundle, extra: PublicKey[] = []): Promise<Snapshot> {
  return snapshot(v.context, watchedAddresses(v, call, extra));
}

/**
 * Sends `call` (or a bundle with its Ed25519 instruction), asserts it failed with `name` and
 * that no known account, nor any account it names, nor `extra`, changed.
 */
export async function rejectV(v: Verification, call: Call | Bundle, name: string, extra: PublicKey[] = []): Promise<TxResult> {
  const before = await snapshotFor(v, call, extra);
  const { result } = await v.send(call);
  expectError(result, name);
  await expectUnchanged(v.context, before);
  return result;
}

/**
 * Sends `call` and asserts the *runtime* refused it at instruction `index` (counting the
 * compute-budget instruction tx.ts puts first) with `custom` as the instruction's custom error
 * — a precompile failure, not ours — and that nothing changed.
 */
export async function rejectAtInstruction(v: Verification, call: Call | Bundle, index: number, custom: number, extra: PublicKey[] = []): Promise<TxResult> {
  const before = await snapshotFor(v, call, extra);
  const { result } = await v.send(call);
  assert.ok(!result.ok, 'expected the runtime to refuse the transaction, but it succeeded');
  const err = instructionErrorOf(result.rawError);
  assert.deepEqual(
    err && { index: err.index, custom: err.custom },
    { index, custom },
    `expected InstructionError(${index}, Custom(${custom})), got ${result.rawError}\n${result.logs.join('\n')}`,
  );
  assert.equal(result.errorName, null, 'no program error: the program never ran');
  await expectUnchanged(v.context, before);
  return result;
}

async function tokenAmount(v: Verification, address: PublicKey): Promise<bigint> {
  const info = await v.context.banksClient.getAccount(address);
  if (!info || info.lamports === 0) return 0n;
  return unpackAccount(address, { ...info, data: Buffer.from(info.data) }).amount;
}

export interface VerificationTotals extends Totals {
  validatorBonds: bigint;
  validatorVaults: bigint;
  liveChallenges: number;
}

/**
 * The market's identities (USDC vault, escrow, worker bonds and counters, both supplies) and
 * the verification ones:
 * - each validator vault holds exactly the validator's `bond`; `locked` is the sum of the bonds
 *   of its live challenges and `open_challenges` their number;
 * - each worker's `open_challenges` is the number of live challenges against it;
 * - the config's total_validator_stake is the sum of the active validators' bonds; each
 *   validator's open_votes counts its vote accounts; the vote vault holds at least what the
 *   open winning votes of resolved challenges are owed;
 * - each live (unresolved) challenge's job is Disputed; `commits` counts its vote accounts, `reveals` the
 *   revealed ones, `votes_for_*` the revealed votes for each side's output hash.
 */
export async function assertVerificationConservation(v: Verification): Promise<VerificationTotals> {
  const totals = await assertConservation(v.m);
  // Live: not resolved yet. Resolved challenges stay until their last vote is closed.
  const live: { address: PublicKey; c: ChallengeAccount }[] = [];
  const resolved: { address: PublicKey; c: ChallengeAccount }[] = [];
  for (const entry of v.challenges.values()) {
    const c = await v.challengeOrNull(entry.challenge);
    if (c) (c.resolved ? resolved : live).push({ address: entry.challenge, c });
  }
  // Votes not closed yet, by validator; and what the vote vault still owes winning voters.
  const openVotes = new Map<string, number>();
  let owedToVoters = 0n;
  for (const [key, meta] of v.votes) {
    const vote = await v.read<VoteAccount>(new PublicKey(key), 'vote');
    if (!vote) continue;
    openVotes.set(vote.validator.toBase58(), (openVotes.get(vote.validator.toBase58()) ?? 0) + 1);
    const r = resolved.find((x) => x.address.equals(meta.challenge));
    if (!r || !vote.revealed) continue;
    const outcome = Object.keys(r.c.outcome as object)[0];
    const winning = outcome === 'challengerWon' ? r.c.challengerOutputHash : outcome === 'workerWon' ? r.c.workerOutputHash : null;
    if (!winning || !Buffer.from(winning).equals(Buffer.from(vote.outputHash))) continue;
    const weight = outcome === 'challengerWon' ? big(r.c.weightForChallenger) : big(r.c.weightForWorker);
    owedToVoters += (big(r.c.voterPot) * big(vote.weight)) / weight;
  }
  const voteVault = await tokenAmount(v, voteVaultAddress(v.programId));
  assert.ok(voteVault >= owedToVoters, `the vote vault holds ${voteVault}, winning voters are owed ${owedToVoters}`);
  let activeStake = 0n;
  let validatorBonds = 0n;
  let validatorVaults = 0n;
  for (const entry of v.validators.values()) {
    const val = await v.read<ValidatorAccount>(entry.validator, 'validator');
    const amount = await tokenAmount(v, entry.vault);
    if (!val) {
      assert.equal(amount, 0n, `closed validator ${entry.validator.toBase58()} left $PEER in its vault`);
      continue;
    }
    validatorBonds += big(val.bond);
    if (big(val.deregisterAvailableAt) === 0n) activeStake += big(val.bond);
    assert.equal(val.openVotes, openVotes.get(entry.validator.toBase58()) ?? 0, `validator ${entry.validator.toBase58()}: open_votes vs vote accounts`);
    validatorVaults += amount;
    assert.equal(amount, big(val.bond), `validator ${entry.validator.toBase58()}: vault holds ${amount}, bond is ${val.bond.toString()}`);
    const mine = live.filter((l) => l.c.challenger.equals(entry.validator));
    assert.equal(big(val.locked), mine.reduce((s, l) => s + big(l.c.bond), 0n), `validator ${entry.validator.toBase58()}: locked vs live challenge bonds`);
    assert.equal(val.openChallenges, mine.length, `validator ${entry.validator.toBase58()}: open_challenges vs live challenges`);
  }
  assert.equal(await v.totalValidatorStake(), activeStake, 'config.total_validator_stake vs the active validators\' bonds');
  for (const entry of v.m.workers.values()) {
    const w = await v.read<WorkerAccount>(entry.worker, 'worker');
    if (!w) continue;
    const against = live.filter((l) => l.c.worker.equals(entry.worker)).length;
    assert.equal(w.openChallenges, against, `worker ${entry.worker.toBase58()}: open_challenges ${w.openChallenges}, live challenges ${against}`);
  }
  for (const { address, c } of live) {
    const job = await v.jobOrNull(c.job);
    assert.ok(job, `live challenge ${address.toBase58()} has no job`);
    assert.equal(Object.keys(job.status as object)[0], 'disputed', `the job of live challenge ${address.toBase58()} is not Disputed`);
    const votes: VoteAccount[] = [];
    for (const [key, meta] of v.votes) {
      if (!meta.challenge.equals(address)) continue;
      const vote = await v.read<VoteAccount>(new PublicKey(key), 'vote');
      if (vote) votes.push(vote);
    }
    const revealed = votes.filter((x) => x.revealed);
    const same = (a: number[], b: number[]) => Buffer.from(a).equals(Buffer.from(b));
    assert.equal(c.commits, votes.length, `challenge ${address.toBase58()}: commits vs vote accounts`);
    assert.equal(c.reveals, revealed.length, `challenge ${address.toBase58()}: reveals vs revealed votes`);
    assert.equal(c.votesForChallenger, revealed.filter((x) => same(x.outputHash, c.challengerOutputHash)).length, 'votes for the challenger');
    assert.equal(c.votesForWorker, revealed.filter((x) => same(x.outputHash, c.workerOutputHash)).length, 'votes for the worker');
    assert.equal(big(c.committedWeight), votes.reduce((t, x) => t + big(x.weight), 0n), 'committed weight');
    assert.equal(big(c.revealedWeight), revealed.reduce((t, x) => t + big(x.weight), 0n), 'revealed weight');
    assert.equal(c.votesOpen, votes.length, 'votes_open vs vote accounts');
  }
  return { ...totals, validatorBonds, validatorVaults, liveChallenges: live.length };
}
