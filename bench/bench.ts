/**
 * `npm run bench`: program sizes and compute units per instruction, measured in the real
 * runtime (solana-bankrun). Prints a table and writes `.bench/results.json`.
 * Numbers are reported, never asserted: correctness lives in `npm test`.
 */
import { Keypair } from '@solana/web3.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultParams } from '../migrations/params';
import { buildAll } from '../tools/build';
import { startEmbedded } from '../tools/embedded/env';
import { initializeMarket } from '../tools/embedded/market';
import { send, unitsOf } from '../tools/embedded/tx';
import { REPO_ROOT } from '../tools/workspace';

interface Row {
  program: string;
  instruction: string;
  case: string;
  computeUnits: number;
}

async function measureMarket(rows: Row[]): Promise<void> {
  const env = await startEmbedded();
  const { accounts, result } = await initializeMarket(env);
  rows.push({ program: 'peer_market', instruction: 'initialize_config', case: 'ok (creates config + USDC vault)', computeUnits: unitsOf(result, env.marketId) });

  const update = (admin = env.admin) =>
    env.market.methods.updateConfig({ ...defaultParams(), voteQuorum: 4 }).accountsStrict({ admin: admin.publicKey, config: accounts.config }).instruction();
  const ok = await send(env.context, [await update()], [env.admin]);
  rows.push({ program: 'peer_market', instruction: 'update_config', case: 'ok', computeUnits: unitsOf(ok, env.marketId) });

  const stranger = Keypair.generate();
  const rejected = await send(env.context, [await update(stranger)], [stranger]);
  rows.push({ program: 'peer_market', instruction: 'update_config', case: 'rejected: not the admin', computeUnits: unitsOf(rejected, env.marketId) });
}

async function main(): Promise<void> {
  const build = await buildAll(() => {});
  const sizes = build.programs.map((p) => ({ program: p.name, bytes: p.soBytes, buildMs: p.ms }));
  const rows: Row[] = [];
  await measureMarket(rows);

  console.log(`\nBuild: toolchain check + sysroot ${build.toolchainMs} ms (cached after the first build), peer_runtime ${build.runtimeMs} ms`);
  console.table(sizes);
  console.log('Compute units per instruction (solana-bankrun 0.4.0)');
  console.table(rows);

  const outDir = join(REPO_ROOT, '.bench');
  mkdirSync(outDir, { recursive: true });
  const out = {
    runtime: 'solana-bankrun 0.4.0',
    measuredAt: new Date().toISOString(),
    build: { toolchainMs: build.toolchainMs, runtimeMs: build.runtimeMs },
    programSizes: sizes,
    computeUnits: rows,
  };
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${join('.bench', 'results.json')}`);
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
