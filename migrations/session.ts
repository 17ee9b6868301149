/**
 * The scripted session `npm start` runs over JSON-RPC against a freshly deployed network:
 * separate wallets for a client, a worker, a staker, a matcher and four validators use the SDK
 * exactly as they would against devnet. Credits are bought, three jobs posted, assigned and
 * answered by the demo model (a real generation under its execution profile); one answer is
 * altered, the client hands that job's opening to a validator (the audit path), which re-executes
 * it and challenges, three others vote, and the worker
 * is slashed (part burned); the other jobs finalize, fees are swept, the staker claims its
 * share of the margin and the worker its earnings. Returns a timeline and the final balances.
 */
import { createMintToInstruction, getAssociatedTokenAddressSync, getOrCreateAssociatedTokenAccount } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, sendAndConfirmTransaction, Transaction } from '@solana/web3.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sdk from '../sdk/src';
import { alterAnswer, execute, makeProfile, profileId } from '../worker';

export interface SessionOptions {
  url: string;
  /** Admin: upgrade authority and mint authority of the local USDC and $PEER mints. */
  admin: Keypair;
  usdcMint: PublicKey;
  peerMint: PublicKey;
  /** Moves the network's clock forward (a local network's fast-forward). */
  warp: (seconds: number) => Promise<void>;
  log?: (line: string) => void;
}

export interface SessionSummary {
  timeline: string[];
  balances: Record<string, string>;
  slashed: bigint;
  burned: bigint;
  stakerRewards: bigint;
  workerEarnings: bigint;
}

const PEER = 1_000_000_000n;
const USDC = 1_000_000n;
const MAX_TOKENS = 48;

/** The demo model under the worker's default execution profile: the worker's answers and the validators' re-executions are real. */
function demoProfile() {
  const modelPath = join(__dirname, '..', 'worker', 'models', 'peer-demo.gguf');
  const weightsSha256 = readFileSync(`${modelPath}.sha256`, 'utf8').trim().split(/\s+/)[0];
  const profile = makeProfile({ name: 'peer-demo', weightsSha256, addBos: true });
  return { profile, modelPath, model: profileId(profile) };
}

export async function runSession(opts: SessionOptions): Promise<SessionSummary> {
  const connection = new Connection(opts.url, 'confirmed');
  const timeline: string[] = [];
  const say = (line: string) => {
    timeline.push(line);
    opts.log?.(line);
  };
  const ctxOf = (wallet: Keypair) => sdk.createContext({ connection, wallet });

  // Wallets: SOL from the faucet, USDC and $PEER minted by the admin (the local mint authority).
  const names = ['client', 'worker', 'staker', 'matcher', 'validator-1', 'validator-2', 'validator-3', 'validator-4'] as const;
  const wallets = Object.fromEntries(names.map((n) => [n, Keypair.generate()])) as Record<(typeof names)[number], Keypair>;
  for (const wallet of Object.values(wallets)) {
    const sig = await connection.requestAirdrop(wallet.publicKey, 10 * LAMPORTS_PER_SOL);
    await connection.confirmTransaction(sig, 'confirmed');
  }
  const fund = async (owner: PublicKey, mint: PublicKey, amount: bigint) => {
    const ata = await getOrCreateAssociatedTokenAccount(connection, opts.admin, mint, owner);
    await sendAndConfirmTransaction(connection, new Transaction().add(createMintToInstruction(mint, ata.address, opts.admin.publicKey, amount)), [opts.admin]);
  };
  await fund(wallets.client.publicKey, opts.usdcMint, 100n * USDC);
  await fund(wallets.worker.publicKey, opts.peerMint, 5_000n * PEER);
  await fund(wallets.staker.publicKey, opts.peerMint, 10_000n * PEER);
  for (const v of ['validator-1', 'validator-2', 'validator-3', 'validator-4'] as const) await fund(wallets[v].publicKey, opts.peerMint, 2_000n * PEER);
  say(`funded ${names.length} wallets (SOL airdrop; USDC and $PEER minted to their token accounts)`);

  const admin = ctxOf(opts.admin);
  const client = ctxOf(wallets.client);
  const worker = ctxOf(wallets.worker);
  const staker = ctxOf(wallets.staker);
  const matcher = ctxOf(wallets.matcher);
  const validators = (['validator-1', 'validator-2', 'validator-3', 'validator-4'] as const).map((v) => ctxOf(wallets[v]));

  // Short windows so the session's dispute completes quickly (each at its lower bound).
  await sdk.updateConfig(admin, { challengeWindowSecs: 60, commitWindowSecs: 60, revealWindowSecs: 60, claimDelaySecs: 5, voteQuorum: 3 });
  await sdk.addMatcher(admin, { matcher: wallets.matcher.publicKey });
  say('admin: windows set to 60 s for the demo; matcher registered');

  const supplyBefore = (await connection.getTokenSupply(opts.peerMint)).value.amount;
  await sdk.stake(staker, { amount: 10_000n * PEER });
  say('staker: staked 10,000 $PEER');

  const demo = demoProfile();
  const registered = await sdk.registerWorker(worker, {
    tiers: ['open', 'verified'],
    models: [demo.model],
    prices: { open: 2n, verified: 5n },
    capacity: 4,
    endpoint: 'http://127.0.0.1:8080/v1',
  });
  await sdk.bondWorker(worker, { amount: 2_000n * PEER });
  say(`worker: registered ${registered.worker.toBase58().slice(0, 8)}… (open 2 credits, verified 5 credits per job), bonded 2,000 $PEER`);

  await sdk.buyCredits(client, { credits: 1_000n });
  say('client: bought 1,000 credits for 10 USDC');
  const jobs = [];
  for (const [tier, prompt] of [
    ['open', 'Summarize the Peer Cycles concept in one line.'],
    ['verified', 'What is 17 × 23?'],
    ['verified', 'Name the capital of Australia.'],
  ] as const) {
    const posted = await sdk.postJob(client, { model: demo.model, tier, maxPrice: 10n, prompt, maxTokens: MAX_TOKENS, worker: registered.worker });
    jobs.push({ ...posted, prompt });
    say(`client: posted ${tier === "open" ? "an" : "a"} ${tier} job ${posted.job.toBase58().slice(0, 8)}… (request sealed to the worker, only its salted hash on chain, max 10 credits)`);
  }

  for (const j of jobs) await sdk.assignJob(matcher, { job: j.job, worker: registered.worker });
  say('matcher: assigned the three jobs to the worker');

  // The worker runs the demo model (node-llama-cpp, the profile's pinned settings); it alters its third answer.
  const answers: string[] = [];
  for (const [i, j] of jobs.entries()) {
    const opened = sdk.decryptPrompt(worker, j.envelope, { job: j.job });
    const ran = await execute(demo.profile, opened.opening!.request, j.seed, MAX_TOKENS, { modelPath: demo.modelPath });
    answers.push(i === 2 ? alterAnswer(ran.text) : ran.text);
    await sdk.submitResult(worker, { job: j.job, output: answers[i], promptEnvelope: j.envelope });
    say(`worker: answered job ${i + 1} ("${opened.prompt.slice(0, 32)}…") → ${JSON.stringify(answers[i].slice(0, 32))}…${i === 2 ? ' (altered on purpose)' : ''}`);
  }

  await sdk.finalizeJob(admin, { job: jobs[0].job });
  say('crank: finalized the open-tier job at once (no challenge window)');

  for (const v of validators) await sdk.registerValidator(v, { amount: 1_200n * PEER });
  say('validators: four registered with 1,200 $PEER each (votes weigh stake: a side needs more than half of it)');
  // The client sampled job 3 for audit: its opening (request + salt) goes to validator-1, sealed to
  // its key; validator-1 checks it against the on-chain commitment and re-executes the profile.
  const audited = (await sdk.fetchJob(client.transport, jobs[2].job)).data;
  const auditKey = sdk.validatorEncryptionKeypair(wallets['validator-1'].secretKey);
  const auditEnvelope = sdk.sealAuditEnvelope({ job: jobs[2].job, opening: jobs[2].opening, validatorKey: auditKey.publicKey, sender: jobs[2].reply });
  const opening = sdk.openAuditEnvelope(auditEnvelope, auditKey, { job: jobs[2].job, promptCommitment: audited.request.promptCommitment });
  const truth = (await execute(demo.profile, opening.opening!.request, audited.request.seed, MAX_TOKENS, { modelPath: demo.modelPath })).outputHash;
  const { challenge } = await sdk.challengeJob(validators[0], { job: jobs[2].job, outputHash: truth });
  say('validator-1: got job 3\'s opening from the client (audit sample), re-executed it: a different output hash; challenged (100 $PEER + the job\'s value as challenge bond, locked)');
  for (const v of validators.slice(1)) await sdk.commitVote(v, { challenge, outputHash: truth });
  say('validators 2–4: received the opening from validator-1, re-executed and committed their votes (hash of output + salt)');
  await opts.warp(61);
  for (const v of validators.slice(1)) await sdk.revealVote(v, { challenge, outputHash: truth });
  say('validators 2–4: revealed after the commit phase — all their stake agrees with the challenger');
  const workerBondBefore = (await sdk.workerStatus(worker)).vaultBalance;
  await sdk.resolveChallenge(admin, { challenge });
  const workerBondAfter = (await sdk.workerStatus(worker)).vaultBalance;
  const slashed = workerBondBefore - workerBondAfter;
  const supplyAfter = BigInt((await connection.getTokenSupply(opts.peerMint)).value.amount);
  const burned = BigInt(supplyBefore) - supplyAfter;
  say(`resolve: worker slashed ${sdk.formatAmount(slashed, 9)} $PEER — ${sdk.formatAmount(slashed - burned, 9)} to the challenger and the voters' pot, ${sdk.formatAmount(burned, 9)} burned; the client's credits for job 3 refunded`);
  for (const v of validators.slice(1)) await sdk.closeVote(v, { challenge });
  say('validators 2–4: closed their votes — each paid its share of the voters\' pot by stake');

  await sdk.finalizeJob(admin, { job: jobs[1].job });
  say('crank: finalized the verified job after its challenge window');

  await sdk.sweepFees(admin);
  say('crank: swept fees — stakers\' share to the staking reward vault, the treasury\'s to the treasury');
  // Rewards stream to stakers over reward_stream_secs (no sniping a sweep): let the stream run out.
  const stream = sdk.defaultPoolParams().rewardStreamSecs;
  await opts.warp(stream + 1);
  say(`clock: ${stream / 3600} h later, the stakers' share has streamed out in full`);
  const claim = await sdk.claimRewards(staker);
  const stakerRewards = BigInt((await connection.getTokenAccountBalance(claim.destination)).value.amount);
  say(`staker: claimed ${sdk.formatAmount(stakerRewards, 6)} USDC of network margin`);
  const earned = await sdk.claimEarnings(worker);
  const workerEarnings = BigInt((await connection.getTokenAccountBalance(earned.destination)).value.amount);
  say(`worker: claimed ${sdk.formatAmount(workerEarnings, 6)} USDC of earnings`);

  const credits = await sdk.creditBalance(client);
  const balances: Record<string, string> = {
    'client credits (free / locked)': `${credits.balance} / ${credits.locked}`,
    'client USDC': sdk.formatAmount(BigInt((await connection.getTokenAccountBalance(getAssociatedTokenAddressSync(opts.usdcMint, wallets.client.publicKey))).value.amount), 6),
    'worker USDC earned': sdk.formatAmount(workerEarnings, 6),
    'worker bond ($PEER)': sdk.formatAmount(workerBondAfter, 9),
    'staker USDC rewards': sdk.formatAmount(stakerRewards, 6),
    '$PEER supply burned': sdk.formatAmount(burned, 9),
  };
  return { timeline, balances, slashed, burned, stakerRewards, workerEarnings };
}
