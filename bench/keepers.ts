/**
 * The keepers on the local network (JSON-RPC over loopback, litesvm): the matcher assigning
 * 1,000 open jobs (time, transactions, assignments per transaction), the cranks finalizing
 * answered jobs (finalizes per transaction and per second), and the transactions and compute
 * units of an audit that finds a mismatch (one challenge) and of a whole dispute (challenge,
 * three commits, three reveals, resolve, three vote closes). Reported, never asserted.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import * as sdk from '../sdk/src';
import { loadKeepersConfig } from '../keepers/config';
import { startKeepers, type KeepersService } from '../keepers/service';
import { fundedWallet, keeperFlags, MODEL, newClient, newMatcher, newWorker, PEER, startEndpoint, startMarket, type Market } from '../tests/keepers/helpers';

export interface KeeperRow {
  measure: string;
  count: number;
  value: number;
  unit: string;
}

async function keepersFor(market: Market, wallet: Keypair, overrides: Record<string, unknown>): Promise<KeepersService> {
  const { config, global } = loadKeepersConfig({ flags: keeperFlags(market, { 'global.log_format': 'json', ...overrides }), env: {} });
  return startKeepers({ config, global, wallet, write: () => undefined });
}

async function waitUntil(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function counter(metrics: string, name: string, labels: string): number {
  const m = new RegExp(`${name}\\{${labels.replace(/[{}]/g, '')}\\} (\\d+)`).exec(metrics);
  return m ? Number(m[1]) : 0;
}

/**
 * Posts `perClient` unpinned jobs for each client, clients in parallel, four `post_job` per
 * transaction (each client's nonces follow one another, computed ahead as the program wants).
 */
async function postMany(clients: sdk.PeerContext[], perClient: number, tier: sdk.Tier = 'open'): Promise<PublicKey[]> {
  const out: PublicKey[] = [];
  const model = sdk.modelId(MODEL);
  await Promise.all(
    clients.map(async (c) => {
      const client = c.wallet.publicKey;
      let next = (await sdk.creditBalance(c)).jobsPosted;
      const ixs = [];
      for (let i = 0; i < perClient; i++) {
        const { nonce, address } = sdk.nextJobAddress(client, next);
        next = nonce + 1n;
        // `measurement` only matters to the confidential tier (zero here); extra fields are ignored by older layouts.
        const request = { tier, model, maxPrice: 5n, seed: BigInt(i), promptCommitment: sdk.sha256(`bench ${address.toBase58()}`), pinnedWorker: PublicKey.default, measurement: new Uint8Array(32) };
        ixs.push(sdk.instructions.market.postJob({ client, job: address }, { request: request as never, nonce }));
        out.push(address);
      }
      for (let i = 0; i < ixs.length; i += 4) await sdk.sendInstructions(c, ixs.slice(i, i + 4));
    }),
  );
  return out;
}

export async function measureKeepers(): Promise<KeeperRow[]> {
  const rows: KeeperRow[] = [];
  const market = await startMarket({ jobTimeoutSecs: 3_600 });
  const endpoint = await startEndpoint();
  try {
    const transport = market.ctx(market.admin).transport;
    // 32 workers of capacity 32 hold 1,024 jobs.
    const t0 = performance.now();
    const workers = await Promise.all(Array.from({ length: 32 }, () => newWorker(market, { endpoint: endpoint.url, capacity: 32, price: 2n })));
    const clients = await Promise.all(Array.from({ length: 20 }, () => newClient(market, 1_000n)));
    const t1 = performance.now();
    const jobs = await postMany(clients, 50);
    process.stderr.write(`bench keepers: setup ${Math.round(t1 - t0)} ms, 1,000 jobs posted in ${Math.round(performance.now() - t1)} ms\n`);

    const matcherKey = await newMatcher(market);
    const started = performance.now();
    const matcher = await keepersFor(market, matcherKey, { 'bots.enabled': 'matcher', 'matcher.batch_size': 32, 'global.max_concurrent_tx': 8, 'matcher.interval_ms': 50 });
    await waitUntil(async () => (await sdk.queryJobs(transport, { status: 'open' })).length === 0, 120_000, '1,000 assignments');
    const assignMs = performance.now() - started;
    await matcher.stop();
    const mText = matcher.metrics.registry.render();
    const assignTxs = counter(mText, 'peer_keeper_transactions_total', 'bot="matcher"');
    const assigned = counter(mText, 'peer_keeper_actions_total', 'bot="matcher",kind="assign"');
    rows.push({ measure: 'matcher: assign 1,000 open jobs (start → all assigned)', count: assigned, value: Math.round(assignMs), unit: 'ms' });
    rows.push({ measure: 'matcher: transactions for 1,000 assignments', count: assigned, value: assignTxs, unit: 'tx' });
    rows.push({ measure: 'matcher: assignments per transaction', count: assignTxs, value: Number((assigned / Math.max(1, assignTxs)).toFixed(1)), unit: 'assign/tx' });

    // Finalize: 200 answered open-tier jobs (open tier: finalizable at once).
    const answered = jobs.slice(0, 0);
    for (const w of workers.slice(0, 8)) {
      const mine = (await sdk.queryJobs(transport, { worker: w.worker, status: 'assigned' })).slice(0, 25);
      await Promise.all(mine.map((j) => sdk.submitResult(w.ctx, { job: j.address, output: 'ok' })));
      answered.push(...mine.map((j) => j.address));
    }
    const cranksStarted = performance.now();
    const cranks = await keepersFor(market, await fundedWallet(market), { 'bots.enabled': 'cranks', 'cranks.batch_size': 16, 'cranks.expire': false, 'cranks.sweep': false, 'global.max_concurrent_tx': 8, 'cranks.interval_ms': 50 });
    await waitUntil(async () => (await transport.getAccounts(answered)).every((a) => a === null), 120_000, 'finalizes');
    const finalizeMs = performance.now() - cranksStarted;
    await cranks.stop();
    const cText = cranks.metrics.registry.render();
    const finalizeTxs = counter(cText, 'peer_keeper_transactions_total', 'bot="cranks"');
    const finalized = counter(cText, 'peer_keeper_actions_total', 'bot="cranks",kind="finalize"');
    rows.push({ measure: 'cranks: finalizes per transaction', count: finalized, value: Number((finalized / Math.max(1, finalizeTxs)).toFixed(1)), unit: 'finalize/tx' });
    rows.push({ measure: 'cranks: finalizes per second (start → all closed)', count: finalized, value: Math.round((finalized / finalizeMs) * 1000), unit: 'finalize/s' });

    // An audit that finds a mismatch, and the whole dispute (the SDK flows the validator bot sends).
    const w = await newWorker(market, { endpoint: endpoint.url, capacity: 1, price: 2n });
    const client = clients[0];
    const posted = await sdk.postJob(client, { prompt: 'dispute', model: MODEL, tier: 'verified', maxPrice: 5n, worker: w.worker });
    await sdk.assignJob(market.ctx(matcherKey), { job: posted.job, worker: w.worker });
    await sdk.submitResult(w.ctx, { job: posted.job, output: 'wrong' });
    const validators = [];
    for (let i = 0; i < 4; i++) {
      const v = market.ctx(await fundedWallet(market, { peer: 5_000n * PEER }));
      await sdk.registerValidator(v, { amount: 2_000n * PEER });
      validators.push(v);
    }
    const truth = sdk.sha256(Buffer.from('right'));
    const challenge = await sdk.challengeJob(validators[0], { job: posted.job, outputHash: truth });
    rows.push({ measure: 'audit with a mismatch: challenge_job', count: 1, value: challenge.tx.unitsConsumed, unit: 'CU (1 tx)' });
    let units = challenge.tx.unitsConsumed;
    let txs = 1;
    for (const v of validators.slice(1)) {
      units += (await sdk.commitVote(v, { challenge: challenge.challenge, outputHash: truth })).tx.unitsConsumed;
      txs++;
    }
    market.warp(61);
    for (const v of validators.slice(1)) {
      units += (await sdk.revealVote(v, { challenge: challenge.challenge, outputHash: truth })).tx.unitsConsumed;
      txs++;
    }
    units += (await sdk.resolveChallenge(market.ctx(market.admin), { challenge: challenge.challenge })).tx.unitsConsumed;
    txs++;
    for (const v of validators.slice(1)) {
      const closed = await sdk.closeVote(v, { challenge: challenge.challenge }).catch(() => null);
      if (closed) {
        units += closed.tx.unitsConsumed;
        txs++;
      }
    }
    rows.push({ measure: 'dispute: challenge, 3 commits, 3 reveals, resolve, vote closes', count: txs, value: units, unit: `CU (${txs} tx)` });
  } finally {
    await endpoint.close();
    await market.close();
  }
  return rows;
}

if (require.main === module) {
  measureKeepers().then(
    (rows) => console.table(rows),
    (err: unknown) => {
      console.error(`bench keepers failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
