/**
 * `npm run bench`: program sizes and build times, compute units of every instruction (real
 * runtime: solana-bankrun 0.4.0), each job lifecycle per tier, the SDK's RPC calls and
 * transactions per flow, and the local network's throughput and latency. Prints tables and
 * writes `.bench/results.json`. Numbers are reported, never asserted: correctness is `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultParams } from '../tests/fixtures/embedded/params';
import { buildAll } from '../tools/build';
import { startEmbedded } from '../tests/fixtures/embedded/env';
import { initializeMarket } from '../tests/fixtures/embedded/market';
import { send, unitsOf } from '../tests/fixtures/embedded/tx';
import { REPO_ROOT } from '../tools/workspace';
import { measureAttestation } from './attestation';
import { measureKeepers } from './keepers';
import { measureDashboard } from './dashboard';
import { measureLocalnet } from './localnet';
import { measureMarket, type CuRow } from './market';
import { measurePrivacy } from './privacy';
import { measureSdk } from './sdk';
import { measureStaking } from './staking';
import { measureVerification } from './verification';
import { measureGateway } from './gateway';
import { measureWorker } from './worker';
import { measureUp } from './up';
import { measureTab } from './tab';
import { printReport, simulate } from './simulate';

/** initialize_config and update_config (the rest of the market is in market.ts). */
async function measureConfig(rows: CuRow[]): Promise<void> {
  const env = await startEmbedded();
  const { accounts, result } = await initializeMarket(env);
  const row = (instruction: string, c: string, units: number) => rows.push({ program: 'peer_market', instruction, case: c, computeUnits: units });
  row('initialize_config', 'ok (config + USDC vault + fee ledger)', unitsOf(result, env.marketId));
  const update = await env.market.methods
    .updateConfig({ ...defaultParams(), voteQuorum: 4 })
    .accountsStrict({ admin: env.admin.publicKey, config: accounts.config })
    .instruction();
  row('update_config', 'ok', unitsOf(await send(env.context, [update], [env.admin]), env.marketId));
}

/** Runs one part of the bench, saying which part it is (progress) and naming it in a failure. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stderr.write(`bench: ${name}…\n`);
  try {
    const out = await run();
    process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return out;
  } catch (err) {
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function section(title: string): void {
  console.log(`\n${title}`);
}

async function main(): Promise<void> {
  const build = await buildAll(() => {});
  const sizes = build.programs.map((p) => ({ program: p.name, bytes: p.soBytes, buildMs: p.ms }));
  const rows: CuRow[] = [];
  await step('config', () => measureConfig(rows));
  const lifecycles = await step('market', () => measureMarket(rows));
  await step('verification', () => measureVerification(rows));
  await step('staking', () => measureStaking(rows));
  const sdk = await step('sdk flows', () => measureSdk());
  const localnet = await step('localnet', () => measureLocalnet());
  const keepers = await step('keepers', () => measureKeepers());
  const attestation = await step('attestation', async () => measureAttestation());
  const privacy = await step('privacy', () => measurePrivacy());
  const gateway = await step('gateway', () => measureGateway());
  const worker = await step('worker', () => measureWorker());
  const dashboard = await step('dashboard', () => measureDashboard());
  const tab = await step('browser tab', () => measureTab());
  const up = await step('peer up', () => measureUp());
  // the trust-economics simulation, small (npm run simulate runs the full 10,000-job one)
  const economics = await step('economics', () => simulate({ jobs: 300, cheaterJobs: 100 }));

  section(`Build: toolchain + sysroot ${build.toolchainMs} ms (cached after the first build), peer_runtime ${build.runtimeMs} ms`);
  console.table(sizes);
  section('Compute units per instruction (solana-bankrun 0.4.0; the Token program\'s own units included where an instruction calls it)');
  console.table(rows);
  section('Job lifecycle per tier: post → assign → submit → finalize');
  console.table(lifecycles.map((l) => ({ ...l, rentLamports: Number(l.rentLamports) })));
  section('SDK: RPC calls and transactions per flow');
  console.table(sdk.map(({ calls: _calls, ...r }) => r));
  section('Local network (JSON-RPC over loopback, litesvm)');
  console.table(localnet);
  section('Keepers on the local network (matcher, cranks, audit and dispute)');
  console.table(keepers);
  section('Attestation: verification time per published SEV-SNP report and TDX quote (from scratch each time)');
  console.table(attestation);
  section('Privacy: ecash operations per second (SQLite, fsync per commit), the relay hop, the bytes encapsulation adds');
  console.table(privacy);
  section('Gateway: OpenAI API + market (post, assign, seal, stream, verify) vs the worker engine directly, local network, in-process demo model');
  console.table(gateway.latency);
  console.table(gateway.throughput);
  console.table(gateway.chain);
  section(`Worker: the demo model direct vs through the endpoint (loaded model: ${worker.model.rssMiB} MiB RSS, load ${worker.model.loadMs} ms)`);
  console.table(worker.rows);
  console.table(worker.overhead);
  section('Dashboard: chain state change → shown on the live page (Chromium, no reload), ms; page weight in bytes');
  console.table([dashboard]);
  section('Browser-tab worker: llama.cpp in WebAssembly (Chromium) vs the native engine, same demo model, engine alone; tab memory = renderer RSS beyond a blank page');
  console.table(tab);
  section(`The whole stack (peer up): first answer ${up.firstAnswerS} s after start, peak memory ${up.peakMemoryMiB} MiB over ${up.children} processes; end-to-end latency per tier`);
  console.table(up.latency);
  section('Trust economics (bench/simulate.ts, small run; `npm run simulate` for 10,000 jobs)');
  printReport(economics);

  const outDir = join(REPO_ROOT, '.bench');
  mkdirSync(outDir, { recursive: true });
  const out = {
    runtime: 'solana-bankrun 0.4.0',
    measuredAt: new Date().toISOString(),
    build: { toolchainMs: build.toolchainMs, runtimeMs: build.runtimeMs },
    programSizes: sizes,
    computeUnits: rows,
    jobLifecycles: lifecycles,
    sdkFlows: sdk,
    localnet,
    keepers,
    gateway,
    attestation,
    privacy,
    worker,
    dashboard,
    tab,
    up,
    economics,
  };
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  console.log(`\nwrote ${join('.bench', 'results.json')}`);
}

// Exit once the results are written: clients of the networks the parts started and stopped
// (web3.js WebSockets) would otherwise keep reconnecting to them forever.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
