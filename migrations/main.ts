/**
 * `npm start` (after the build): the main job.
 *
 * 1. starts the local network (JSON-RPC on 127.0.0.1:8899, WebSocket on :8900, backed in-process
 *    by litesvm; ledger in `.ledger/`, reset each start);
 * 2. deploys every program through the BPF upgradeable loader and bootstraps the market and
 *    staking (migrations/deploy.ts — the same code that deploys to devnet);
 * 3. runs the scripted session over RPC (migrations/session.ts) and prints its timeline and
 *    final balances;
 * 4. stays up so you can try the `peer` CLI against it, until Ctrl-C.
 *
 * Flags: `--exit` stops after the session; `--port N` serves RPC on N (WebSocket on N+1).
 */
import { Keypair } from '@solana/web3.js';
import { join } from 'node:path';
import { startLocalnet } from '../localnet';
import { REPO_ROOT } from '../tools/workspace';
import { deployAll } from './deploy';
import { writeKeypair } from './deploy/cluster';
import { runSession } from './session';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const port = Number(flag('--port') ?? 8899);
  if (!Number.isInteger(port) || port <= 0 || port > 65_534) throw new Error(`--port must be a port number, not ${flag('--port')}`);
  const ledgerDir = join(REPO_ROOT, '.ledger');
  const out = (line = '') => console.log(line);

  out('Peer Cycles — local network, deployment and a scripted session over JSON-RPC');
  const net = await startLocalnet({ rpcPort: port, ledgerDir, reset: true });
  out(`local network: ${net.rpcUrl} (WebSocket ${net.wsUrl}), ledger ${ledgerDir}`);
  const stop = async (code: number) => {
    await net.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  try {
    const admin = Keypair.generate();
    const adminPath = join(ledgerDir, 'admin.json');
    writeKeypair(adminPath, admin);
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: join(ledgerDir, 'wallets'), log: (l) => out(`  ${l}`) });
    for (const p of deployed.programs) out(`deployed ${p.name} ${p.programId.toBase58()}`);
    if (!deployed.bootstrap) throw new Error('the bootstrap did not run');
    out(`USDC mint ${deployed.bootstrap.usdcMint.toBase58()} · $PEER mint ${deployed.bootstrap.peerMint.toBase58()} · admin ${admin.publicKey.toBase58()} (${adminPath})`);
    out();

    const summary = await runSession({
      url: net.rpcUrl,
      admin,
      usdcMint: deployed.bootstrap.usdcMint,
      peerMint: deployed.bootstrap.peerMint,
      warp: async (seconds) => net.bank.warp(seconds),
      log: (line) => out(`• ${line}`),
    });
    out();
    out('final balances');
    for (const [k, v] of Object.entries(summary.balances)) out(`  ${k.padEnd(32)} ${v}`);
    out();
    if (process.argv.includes('--exit')) return stop(0);
    out(`The network stays up: try \`npx peer -u ${net.rpcUrl} -k ${adminPath} admin config show\`. Ctrl-C stops it.`);
  } catch (err) {
    console.error(`main job failed: ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
  }
}

main().catch((err: unknown) => {
  console.error(`main job failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
