/**
 * Compute units of the verification instructions (issue 5), measured in solana-bankrun 0.4.0,
 * and the cost of a whole dispute (challenge → N commits → N reveals → resolve). Numbers are
 * reported, never asserted. Ed25519 signatures are not verified by bankrun; the units are our
 * program's alone (the precompile's cost is outside them on either runtime).
 */
import { Keypair } from '@solana/web3.js';
import { defaultParams } from '../tests/fixtures/embedded/params';
import { startEmbedded } from '../tests/fixtures/embedded/env';
import { big, hash32, type Actor } from '../tests/fixtures/embedded/market';
import { unitsOf, type TxResult } from '../tests/fixtures/embedded/tx';
import { Verification, type ValidatorEntry } from '../tests/fixtures/embedded/verification';

export interface VerificationRow {
  program: string;
  instruction: string;
  case: string;
  computeUnits: number;
}

const PROGRAM = 'peer_market';

export async function measureVerification(rows: VerificationRow[]): Promise<void> {
  const v = await Verification.create(await startEmbedded(), defaultParams(), { confidential: false });
  const m = v.m;
  const id = m.programId;
  const units = (r: TxResult) => unitsOf(r, id);
  const push = (instruction: string, c: string, r: TxResult) => rows.push({ program: PROGRAM, instruction, case: c, computeUnits: units(r) });

  const { actor: client } = await m.client(1_000_000n);
  const { matcher } = await m.addMatcher();
  const voters: ValidatorEntry[] = [];

  // validators
  const first = await m.actor();
  const reg = await v.registerValidator(first, v.challengerBond());
  push('register_validator', 'ok (creates validator + $PEER vault, transfers the bond)', reg.result);
  voters.push({ actor: first, validator: reg.validator, vault: reg.vault });
  for (let i = 0; i < 4; i++) voters.push(await v.readyValidator(big(m.params.validatorMinBond)));

  const leaving = await v.readyValidator();
  push('deregister_validator', 'ok', (await v.deregisterValidator(leaving.actor)).result);
  await m.warp(m.params.unbondCooldownSecs);
  push('close_validator', 'ok (pays out the vault, closes both accounts)', (await v.closeValidator(leaving.actor)).result);

  /** One dispute with `n` voters voting `outputs`; returns every transaction's result. */
  async function dispute(n: number, side: 'challenger' | 'worker' | 'lapse'): Promise<{ results: TxResult[]; resolve: TxResult; challenge: TxResult; commit: TxResult; reveal: TxResult }> {
    const worker = await m.readyWorker({ tiers: ['verified'] });
    const { job, outputHash } = await v.submittedJob(client, worker.actor, matcher);
    const challenger = await v.readyValidator();
    const truth = hash32(`truth ${job.toBase58()}`);
    const opened = await v.challengeJob(challenger.actor, job, truth);
    const chosen = side === 'worker' ? outputHash : truth;
    const { results } = await v.voteAll(opened.challenge, voters.slice(0, n), new Array(n).fill(chosen), { reveal: new Array(n).fill(side !== 'lapse') });
    if (side === 'lapse') await v.warpPastReveal(opened.challenge);
    const resolved = await v.resolveChallenge(opened.challenge);
    for (const voter of voters.slice(0, n)) await v.closeVote(voter.actor, opened.challenge);
    if (side !== 'challenger') await m.finalizeJob(job);
    return { results: [opened.result, ...results, resolved.result], resolve: resolved.result, challenge: opened.result, commit: results[0], reveal: results[n] ?? results[0] };
  }

  // Votes weigh stake and a side needs more than half of it (the challenger's excluded): every
  // registered voter votes, so the revealed side decides however many challengers came before.
  const won = await dispute(voters.length, 'challenger');
  push('challenge_job', 'ok (creates the challenge, locks bonds)', won.challenge);
  push('commit_vote', 'ok (creates the vote)', won.commit);
  push('reveal_vote', 'ok (counts the vote)', won.reveal);
  push('resolve_challenge', 'challenger won (slash: transfer + burn, refund, close job)', won.resolve);
  const lost = await dispute(voters.length, 'worker');
  push('resolve_challenge', 'worker won (burns the challenge bond)', lost.resolve);
  const lapsed = await dispute(0, 'lapse');
  push('resolve_challenge', 'lapsed (no votes)', lapsed.resolve);

  // close_vote, and two rejections
  {
    const worker = await m.readyWorker({ tiers: ['verified'] });
    const { job } = await v.submittedJob(client, worker.actor, matcher);
    const challenger = await v.readyValidator();
    const { challenge } = await v.challengeJob(challenger.actor, job);
    const { salt } = await v.commitVote(voters[0].actor, challenge, hash32('x'));
    const early = await v.send(await v.resolveChallengeCall(challenge));
    push('resolve_challenge', 'rejected: ChallengeUndecided', early.result);
    await v.warpPastCommit(challenge);
    const mismatch = await v.send(await v.revealVoteCall(voters[0].actor, challenge, hash32('y'), salt));
    push('reveal_vote', 'rejected: RevealMismatch', mismatch.result);
    await v.warpPastReveal(challenge);
    await v.resolveChallenge(challenge);
    push('close_vote', 'ok', (await v.closeVote(voters[0].actor, challenge)).result);
    await m.finalizeJob(job);
  }

  // full disputes: every transaction of challenge → N commits → N reveals → resolve, each on a
  // fresh market whose electorate is exactly the N voters (votes weigh stake: N of a larger
  // electorate might not decide)
  for (const n of [3, 5]) {
    const fv = await Verification.create(await startEmbedded(), defaultParams(), { confidential: false });
    const fm = fv.m;
    const { actor: fclient } = await fm.client(1_000_000n);
    const { matcher: fmatcher } = await fm.addMatcher();
    const electorate: ValidatorEntry[] = [];
    for (let i = 0; i < n; i++) electorate.push(await fv.readyValidator(big(fm.params.validatorMinBond)));
    const worker = await fm.readyWorker({ tiers: ['verified'] });
    const { job } = await fv.submittedJob(fclient, worker.actor, fmatcher);
    const challenger = await fv.readyValidator();
    const truth = hash32(`truth ${job.toBase58()}`);
    const opened = await fv.challengeJob(challenger.actor, job, truth);
    const { results } = await fv.voteAll(opened.challenge, electorate, new Array(n).fill(truth), { reveal: new Array(n).fill(true) });
    const resolved = await fv.resolveChallenge(opened.challenge);
    const all = [opened.result, ...results, resolved.result];
    const total = all.reduce((sum, r) => sum + unitsOf(r, fm.programId), 0);
    rows.push({ program: PROGRAM, instruction: 'dispute (total)', case: `${n} voters, challenger won: ${all.length} transactions (1 challenge + ${n} commits + ${n} reveals + 1 resolve)`, computeUnits: total });
  }

  // the confidential tier (Ed25519 instruction introspection; the precompile itself is not counted)
  const attestor = Keypair.generate();
  await v.setAttestationAuthority(attestor.publicKey);
  const { actor } = await m.readyWorker({ tiers: ['confidential'] });
  const enclave = await v.enclave();
  push('register_enclave', 'ok (reads the Ed25519 instruction before it)', (await v.registerEnclave(actor, enclave, attestor)).result);
  const { job } = await m.postJob(client, { tier: 'confidential' });
  await m.assignJob(matcher, job, m.workerAddress(actor.publicKey));
  push('submit_confidential_result', 'ok (reads the Ed25519 instruction before it)', (await v.submitConfidentialResult(actor as Actor, job, enclave.key)).result);
}
