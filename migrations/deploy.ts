/**
 * Deploys every program in target/deploy through the BPF Upgradeable Loader over JSON-RPC
 * (buffer, chunked writes, deploy or upgrade; unchanged programs are skipped), then bootstraps:
 * on a local network the USDC and $PEER mints and funded test wallets, everywhere the staking
 * pool (when peer_staking is deployed) and the market config. Safe to run again.
 *
 *   tsx migrations/deploy.ts [-u localnet|devnet|mainnet-beta|URL] [-k KEYPAIR] [--usdc-mint M] [--peer-mint M]
 *                            [--program NAME]... [--no-bootstrap] [--wallets DIR]
 *
 * The deploying keypair pays, and becomes every program's upgrade authority and the market admin.
 */
import type { Idl } from '@coral-xyz/anchor';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } from '@solana/web3.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localnetPrograms, REPO_ROOT } from '../tools/workspace';
import { bootstrap, type BootstrapResult } from './deploy/bootstrap';
import { publishIdl, type IdlAction } from './deploy/idl';
import { clusterKind, DEFAULT_KEYPAIR, expandHome, readKeypair, resolveUrl, writeKeypair, type ClusterKind } from './deploy/cluster';
import { deployCost, deployProgram, waitForSlotAfter, type ProgramResult, type ProgramSpec } from './deploy/programs';
import { airdrop, TxSender } from './deploy/send';

export interface DeployOptions {
  /** RPC URL (monikers are resolved by the CLI; see deploy/cluster.ts). */
  url: string;
  payer: Keypair;
  /** What to deploy; default every `<name>.so` + `<name>-keypair.json` in `deployDir`. */
  programs?: ProgramSpec[];
  /** Only these program names (with the default program list). */
  only?: string[];
  deployDir?: string;
  idlDir?: string;
  /** Run the bootstrap after deploying (default true). */
  bootstrap?: boolean;
  /** Publish each program's IDL on-chain, as `anchor idl init` does (default true). */
  idl?: boolean;
  usdcMint?: PublicKey;
  peerMint?: PublicKey;
  walletsDir?: string;
  /** Write transactions in flight at once (default 16). */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface DeployResult {
  cluster: ClusterKind;
  url: string;
  payer: PublicKey;
  programs: ProgramResult[];
  /** On-chain IDLs (programs with an IDL in idlDir). */
  idls: { name: string; address: PublicKey; action: IdlAction; bytes: number }[];
  bootstrap: BootstrapResult | null;
}

/** Every program built into `dir`: `<name>.so` with its `<name>-keypair.json`. */
export function builtPrograms(dir = join(REPO_ROOT, 'target/deploy')): ProgramSpec[] {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: run \`npm run build\` first`);
  const specs: ProgramSpec[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.so')).sort()) {
    const name = file.slice(0, -3);
    const keypairPath = join(dir, `${name}-keypair.json`);
    if (!existsSync(keypairPath)) throw new Error(`${join(dir, file)} has no ${name}-keypair.json next to it`);
    specs.push({ name, programKeypair: readKeypair(keypairPath), elf: readFileSync(join(dir, file)) });
  }
  if (specs.length === 0) throw new Error(`no programs in ${dir}: run \`npm run build\` first`);
  return specs;
}

function readIdl(dir: string, name: string): Idl | null {
  const path = join(dir, `${name}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Idl) : null;
}

export async function deployAll(opts: DeployOptions): Promise<DeployResult> {
  const log = opts.log ?? (() => undefined);
  const connection = new Connection(opts.url, { commitment: 'confirmed', disableRetryOnRateLimit: false });
  let cluster: ClusterKind;
  try {
    cluster = await clusterKind(connection);
  } catch (err) {
    throw new Error(`cannot reach the RPC server at ${opts.url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const payer = opts.payer;
  let programs = opts.programs ?? builtPrograms(opts.deployDir);
  if (opts.only?.length) {
    const unknown = opts.only.filter((n) => !programs.some((p) => p.name === n));
    if (unknown.length) throw new Error(`no built program named ${unknown.join(', ')} (have ${programs.map((p) => p.name).join(', ')})`);
    programs = programs.filter((p) => opts.only!.includes(p.name));
  }
  if (!opts.programs) {
    const declared = localnetPrograms();
    for (const p of programs) {
      const id = declared[p.name];
      if (id && !id.equals(p.programKeypair.publicKey)) {
        throw new Error(`${p.name}: Anchor.toml declares ${id.toBase58()} but target/deploy/${p.name}-keypair.json is ${p.programKeypair.publicKey.toBase58()}`);
      }
    }
  }
  log(`cluster ${cluster} (${opts.url}), payer and upgrade authority ${payer.publicKey.toBase58()}`);

  // Funds: a local network's faucet tops the payer up; elsewhere say what is missing.
  let needed = 0;
  for (const p of programs) {
    if (!(await connection.getAccountInfo(p.programKeypair.publicKey, 'confirmed'))) needed += await deployCost(connection, p.elf.length);
    else needed += await connection.getMinimumBalanceForRentExemption(37 + p.elf.length);
  }
  needed += LAMPORTS_PER_SOL; // fees, mints, token accounts, config
  const balance = await connection.getBalance(payer.publicKey, 'confirmed');
  if (balance < needed) {
    if (cluster === 'localnet') {
      await airdrop(connection, payer.publicKey, Math.max(needed - balance, 100 * LAMPORTS_PER_SOL));
    } else {
      const sol = (n: number) => (n / LAMPORTS_PER_SOL).toFixed(3);
      throw new Error(
        `${payer.publicKey.toBase58()} holds ${sol(balance)} SOL; this deploy needs about ${sol(needed)} SOL` +
          (cluster === 'devnet' ? ' (devnet SOL: `solana airdrop 2 -u devnet` or https://faucet.solana.com)' : ''),
      );
    }
  }

  const sender = new TxSender(connection, payer, { concurrency: opts.concurrency ?? 16, pollMs: cluster === 'localnet' ? 50 : 500 });
  const results: ProgramResult[] = [];
  for (const spec of programs) {
    const r = await deployProgram(sender, spec, log);
    log(`${r.action.padEnd(10)} ${r.name.padEnd(14)} ${r.programId.toBase58()}  ${r.bytes} bytes${r.slot !== null ? ` (slot ${r.slot}, ${r.writeTransactions} writes)` : ''}`);
    results.push(r);
  }
  const lastSlot = Math.max(-1, ...results.map((r) => r.slot ?? -1));
  if (lastSlot >= 0) await waitForSlotAfter(connection, lastSlot);

  const idlDir = opts.idlDir ?? join(REPO_ROOT, 'target/idl');
  const idls: DeployResult['idls'] = [];
  if (opts.idl ?? true) {
    for (const p of programs) {
      const idl = readIdl(idlDir, p.name);
      if (!idl) continue;
      const r = await publishIdl(connection, sender, payer, p.programKeypair.publicKey, idl);
      log(`idl ${r.action.padEnd(11)} ${p.name.padEnd(14)} ${r.address.toBase58()}  ${r.bytes} bytes compressed`);
      idls.push({ name: p.name, ...r });
    }
  }

  let boot: BootstrapResult | null = null;
  if (opts.bootstrap ?? true) {
    log('bootstrap');
    boot = await bootstrap(sender, {
      cluster,
      programs: programs.map((p) => ({ name: p.name, programId: p.programKeypair.publicKey, idl: readIdl(idlDir, p.name) })),
      usdcMint: opts.usdcMint,
      peerMint: opts.peerMint,
      walletsDir: opts.walletsDir ?? join(REPO_ROOT, 'target/localnet/wallets'),
      log,
    });
  }
  return { cluster, url: opts.url, payer: payer.publicKey, programs: results, idls, bootstrap: boot };
}

// ---- CLI ------------------------------------------------------------------------------------

const USAGE = `usage: deploy [options]

  -u, --url URL          localnet (default), devnet, testnet, mainnet-beta, or an RPC URL
  -k, --keypair PATH     payer, upgrade authority and market admin (default ${DEFAULT_KEYPAIR};
                         created on a local network when missing)
  --program NAME         deploy only this program (repeatable)
  --usdc-mint ADDRESS    USDC mint to configure (default: Circle's on devnet/mainnet, created on localnet)
  --peer-mint ADDRESS    $PEER mint (default: created, except on mainnet-beta where it is required)
  --wallets DIR          where local test wallets are kept (default target/localnet/wallets)
  --no-bootstrap         deploy only
  -h, --help             this help`;

class UsageError extends Error {}

interface CliArgs {
  url: string;
  keypair: string;
  keypairGiven: boolean;
  only: string[];
  usdcMint?: PublicKey;
  peerMint?: PublicKey;
  walletsDir?: string;
  bootstrap: boolean;
}

function parseArgs(argv: string[]): CliArgs | 'help' {
  const out: CliArgs = { url: resolveUrl('localnet'), keypair: DEFAULT_KEYPAIR, keypairGiven: false, only: [], bootstrap: true };
  const address = (flag: string, v: string | undefined) => {
    if (!v) throw new UsageError(`${flag} needs an address`);
    try {
      return new PublicKey(v);
    } catch {
      throw new UsageError(`${flag}: "${v}" is not a base58 address`);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '-u':
      case '--url':
        try {
          out.url = resolveUrl(value());
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        break;
      case '-k':
      case '--keypair':
        out.keypair = expandHome(value());
        out.keypairGiven = true;
        break;
      case '--program':
        out.only.push(value());
        break;
      case '--usdc-mint':
        out.usdcMint = address(flag, argv[++i]);
        break;
      case '--peer-mint':
        out.peerMint = address(flag, argv[++i]);
        break;
      case '--wallets':
        out.walletsDir = expandHome(value());
        break;
      case '--no-bootstrap':
        out.bootstrap = false;
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  let args: CliArgs | 'help';
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`deploy: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const isLocal = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(args.url);
  if (!existsSync(args.keypair) && !args.keypairGiven && isLocal) {
    writeKeypair(args.keypair, Keypair.generate());
    process.stderr.write(`deploy: created a new keypair at ${args.keypair} for the local network\n`);
  }
  const payer = readKeypair(args.keypair);
  const result = await deployAll({
    url: args.url,
    payer,
    only: args.only,
    bootstrap: args.bootstrap,
    usdcMint: args.usdcMint,
    peerMint: args.peerMint,
    walletsDir: args.walletsDir,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const b = result.bootstrap;
  if (b) {
    process.stdout.write(`\nUSDC ${b.usdcMint.toBase58()}  $PEER ${b.peerMint.toBase58()}  treasury ${b.treasury.toBase58()}\n`);
    if (b.market) process.stdout.write(`market config ${b.market.config.toBase58()}: ${b.market.note}\n`);
    if (b.staking) process.stdout.write(`staking: ${b.staking.note}\n`);
  }
  process.stdout.write('done\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`deploy failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
