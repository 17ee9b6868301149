/**
 * The SDK's cost per flow: transport calls (one call = one JSON-RPC request on a cluster) and
 * transactions, measured by running every flow through a counting transport over bankrun with
 * the real programs. `rpcCalls` is a cold context (a CLI invocation: the market's and pool's
 * addresses are read once); `rpcCallsWarm` a long-lived client that already has them cached,
 * measured for the repeatable flows that read them (every flow that reads the market's or the
 * pool's mints saves exactly that one getAccount when warm).
 * On a real cluster, confirming a transaction adds its status polls (getSignatureStatuses every
 * 500 ms, typically 1-3) to the `sendAndConfirm` call counted here.
 *
 * `npx tsx bench/sdk.ts` prints the table; bench.ts may call `measureSdk()`.
 */
import { createTransferInstruction } from '@solana/spl-token';
import * as sdk from '../sdk/src';
import * as stakingIx from '../sdk/src/instructions/staking';
import { countingTransport, createContext, type CountingTransport, type PeerContext } from '../sdk/src';
import { PEER, sdkFixture, USDC, type Actor } from '../tests/sdk/helpers';

export interface SdkFlowRow {
  role: 'admin' | 'client' | 'worker' | 'staker' | 'validator' | 'anyone';
  flow: string;
  /** Transport calls from a fresh context. */
  rpcCalls: number;
  /** Transport calls with the market/pool addresses cached (null: the same as cold, not re-run). */
  rpcCallsWarm: number | null;
  transactions: number;
  /** Calls by method (cold). */
  calls: Record<string, number>;
  /** Compute units the flow's transaction consumed (all instructions), 0 for reads. */
  computeUnits: number;
}

export async function measureSdk(): Promise<SdkFlowRow[]> {
  const rows: SdkFlowRow[] = [];
  const fx = await sdkFixture({ initialize: false });

  /** Runs `fn` in a fresh counting context (cold), and `warmFn` (default `fn`) in a primed one. */
  async function measure<T>(
    role: SdkFlowRow['role'],
    flow: string,
    actor: Actor,
    fn: (ctx: PeerContext) => Promise<T>,
    warm?: (ctx: PeerContext) => Promise<unknown>,
  ): Promise<T> {
    const counted: CountingTransport = countingTransport(fx.transport);
    const ctx = createContext({ transport: counted, wallet: actor.keypair });
    const out = await fn(ctx);
    const calls = { ...counted.counts };
    const row: SdkFlowRow = { role, flow, rpcCalls: counted.total(), rpcCallsWarm: null, transactions: counted.transactions, calls, computeUnits: unitsOf(out) };
    if (warm) {
      const primed = createContext({ transport: counted, wallet: actor.keypair });
      await sdk.marketInfo(primed).catch(() => undefined);
      await sdk.poolInfo(primed).catch(() => undefined);
      counted.reset();
      await warm(primed);
      row.rpcCallsWarm = counted.total();
    }
    rows.push(row);
    return out;
  }

  // admin
  await measure('admin', 'initialize market + staking pool', fx.admin, (c) => sdk.initializeMarket(c, { usdcMint: fx.usdcMint, peerMint: fx.peerMint }));
  await measure('admin', 'show config', fx.admin, (c) => sdk.showConfig(c));
  await measure('admin', 'update config', fx.admin, (c) => sdk.updateConfig(c, { claimDelaySecs: 30 }));
  const matcher = await fx.actor();
  await measure('admin', 'add matcher', fx.admin, (c) => sdk.addMatcher(c, { matcher: matcher.publicKey }));

  // worker
  const worker = await fx.actor({ peer: 20_000n * PEER });
  const workerAddr = sdk.findWorkerPda(worker.publicKey)[0];
  await measure('worker', 'register', worker, (c) =>
    sdk.registerWorker(c, { tiers: ['open', 'verified'], models: ['llama'], prices: { open: 5n, verified: 12n }, capacity: 4, endpoint: 'https://w.example' }),
  );
  await measure('worker', 'update settings', worker, (c) => sdk.updateWorker(c, { capacity: 8 }));
  await measure('worker', 'bond', worker, (c) => sdk.bondWorker(c, { amount: 5_000n * PEER }), (c) => sdk.bondWorker(c, { amount: 1n * PEER }));
  await measure('worker', 'status', worker, (c) => sdk.workerStatus(c));

  // client
  const client = await fx.actor({ usdc: 1_000n * USDC });
  await measure('client', 'buy credits', client, (c) => sdk.buyCredits(c, { credits: 10_000n }), (c) => sdk.buyCredits(c, { credits: 1n }));
  await measure('client', 'redeem credits', client, (c) => sdk.redeemCredits(c, { credits: 100n }), (c) => sdk.redeemCredits(c, { credits: 1n }));
  await measure('client', 'credit balance', client, (c) => sdk.creditBalance(c));
  const posted = await measure('client', 'post job (worker given)', client, (c) => sdk.postJob(c, { prompt: 'Hello', model: 'llama', maxPrice: 50n, worker: workerAddr }));
  await measure('client', 'post job (cheapest worker picked)', client, async (c) => {
    const p = await sdk.postJob(c, { prompt: 'Hello', model: 'llama', maxPrice: 50n });
    return p;
  });
  const toCancel = await sdk.postJob(client.ctx, { prompt: 'x', model: 'llama', maxPrice: 50n, worker: workerAddr });
  await measure('client', 'cancel job', client, (c) => sdk.cancelJob(c, { job: toCancel.job }));
  await measure('client', 'job status', client, (c) => sdk.jobState(c, posted.job));

  await fx.warp(31);
  const open = await measure('worker', 'list open jobs', worker, (c) => sdk.listOpenJobs(c));
  void open;
  await measure('worker', 'take job (claim_job)', worker, (c) => sdk.claimJob(c, { job: posted.job }));
  const submitted = await measure('worker', 'submit result (sealed to the client)', worker, (c) =>
    sdk.submitResult(c, { job: posted.job, output: 'Hi!', promptEnvelope: posted.envelope }),
  );
  await measure('client', 'follow job (one poll)', client, (c) => sdk.followJob(c, posted.job, { pollMs: 1 }));
  await measure('client', 'read + verify result', client, (c) => sdk.readResult(c, { job: posted.job, envelope: submitted.envelope! }));
  await measure('anyone', 'finalize job', client, (c) => sdk.finalizeJob(c, { job: posted.job }));
  await measure('worker', 'claim earnings', worker, (c) => sdk.claimEarnings(c));
  await measure('anyone', 'sweep fees', client, (c) => sdk.sweepFees(c));

  // matcher assignment and expiry
  const second = await sdk.postJob(client.ctx, { prompt: 'y', model: 'llama', maxPrice: 50n, worker: workerAddr });
  await measure('anyone', 'assign job (matcher)', matcher, (c) => sdk.assignJob(c, { job: second.job, worker: workerAddr }));
  await fx.warp(301);
  await measure('anyone', 'expire job', client, (c) => sdk.expireJob(c, { job: second.job }));
  await sdk.cancelJob(client.ctx, { job: second.job });

  await measure('worker', 'unbond (request)', worker, (c) => sdk.unbondWorker(c, { amount: 1n * PEER }));
  await fx.warp(7 * 86_400);
  await measure('worker', 'withdraw unbonded', worker, (c) => sdk.withdrawUnbonded(c));

  // staker
  const staker = await fx.actor({ peer: 1_000n * PEER });
  await measure('staker', 'stake (first: opens the account)', staker, (c) => sdk.stake(c, { amount: 100n * PEER }));
  await measure('staker', 'stake', staker, (c) => sdk.stake(c, { amount: 10n * PEER }));
  const funder = await fx.actor({ usdc: 10n * USDC });
  // USDC reaching the reward vault is accounted by update_rewards and then streams out over
  // reward_stream_secs (no sniping): fund, accrue, let the stream run, then claim.
  let fundings = 0n;
  const fundRewards = async () => {
    // A different amount each time: an identical transaction under the same blockhash is refused as already processed.
    const amount = USDC + fundings++;
    await sdk.sendInstructions(funder.ctx, [createTransferInstruction(funder.usdc, sdk.findRewardVaultPda()[0], funder.publicKey, amount), stakingIx.updateRewards({}, {})]);
    await fx.warp(3 * 86_400 + 1);
  };
  await fundRewards();
  await measure('staker', 'status', staker, (c) => sdk.stakerStatus(c));
  await measure('staker', 'claim rewards', staker, (c) => sdk.claimRewards(c), async (c) => {
    await fundRewards();
    return sdk.claimRewards(c);
  });
  await measure('staker', 'unstake (request)', staker, (c) => sdk.unstake(c, { amount: 5n * PEER }));
  await fx.warp(7 * 86_400);
  await measure('staker', 'withdraw', staker, (c) => sdk.withdrawStake(c));

  // validator
  const validators: Actor[] = [];
  for (let i = 0; i < 4; i++) validators.push(await fx.actor({ peer: 2_000n * PEER }));
  await measure('validator', 'register', validators[0], (c) => sdk.registerValidator(c, { amount: 1_200n * PEER }));
  for (const v of validators.slice(1)) await sdk.registerValidator(v.ctx, { amount: 1_200n * PEER });
  await sdk.bondWorker(worker.ctx, { amount: 2_000n * PEER });
  const disputed = await sdk.postJob(client.ctx, { prompt: 'z', model: 'llama', maxPrice: 50n, tier: 'verified', worker: workerAddr });
  await fx.warp(31);
  await sdk.claimJob(worker.ctx, { job: disputed.job });
  await sdk.submitResult(worker.ctx, { job: disputed.job, output: 'right' });
  const ch = await measure('validator', 'challenge', validators[0], (c) => sdk.challengeJob(c, { job: disputed.job, outputHash: sdk.outputHash('wrong') }));
  await measure('validator', 'vote (commit)', validators[1], (c) => sdk.commitVote(c, { challenge: ch.challenge, outputHash: sdk.outputHash('right') }));
  for (const v of validators.slice(2)) await sdk.commitVote(v.ctx, { challenge: ch.challenge, outputHash: sdk.outputHash('right') });
  await fx.warp(1_801);
  await measure('validator', 'vote (reveal)', validators[1], (c) => sdk.revealVote(c, { challenge: ch.challenge, outputHash: sdk.outputHash('right') }));
  for (const v of validators.slice(2)) await sdk.revealVote(v.ctx, { challenge: ch.challenge, outputHash: sdk.outputHash('right') });
  await measure('anyone', 'resolve challenge', client, (c) => sdk.resolveChallenge(c, { challenge: ch.challenge }));
  await measure('validator', 'close vote', validators[1], (c) => sdk.closeVote(c, { challenge: ch.challenge }));
  await measure('validator', 'status', validators[0], (c) => sdk.validatorStatus(c));
  return rows;
}

function unitsOf(out: unknown): number {
  const tx = (out as { tx?: { unitsConsumed?: number } } | null)?.tx;
  return tx?.unitsConsumed ?? 0;
}

if (require.main === module) {
  process.env.RUST_LOG ??= 'error';
  measureSdk().then(
    (rows) => {
      console.log('SDK cost per flow (transport calls = JSON-RPC requests; solana-bankrun, real programs)');
      console.table(
        rows.map((r) => ({
          role: r.role,
          flow: r.flow,
          'rpc calls': r.rpcCalls,
          'rpc calls (warm)': r.rpcCallsWarm ?? '-',
          txs: r.transactions,
          'compute units': r.computeUnits || '',
          calls: Object.entries(r.calls)
            .map(([k, v]) => `${k}×${v}`)
            .join(' '),
        })),
      );
    },
    (err: unknown) => {
      console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
