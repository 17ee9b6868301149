/**
 * `peer localnet` / `npm run localnet`: the local Solana network on 127.0.0.1:8899 (JSON-RPC)
 * and :8900 (WebSocket).
 *
 *   tsx localnet/main.ts [--rpc-port N] [--ws-port N] [--ledger DIR] [--reset] [--slot-ms N] [--quiet]
 */
import { DEFAULT_RPC_PORT, DEFAULT_SLOT_MS, startLocalnet, type LocalnetOptions } from './index';

const USAGE = `usage: localnet [options]

  --rpc-port N    JSON-RPC port (default ${DEFAULT_RPC_PORT}; 0 picks a free port)
  --ws-port N     WebSocket port (default: RPC port + 1)
  --ledger DIR    keep the ledger in DIR across restarts (default: in memory only)
  --reset         start DIR from genesis (deletes the ledger's own files in it)
  --slot-ms N     milliseconds per slot (default ${DEFAULT_SLOT_MS})
  --host HOST     127.0.0.1 (default), localhost or ::1
  --quiet         no log lines, only the startup summary
  -h, --help      this help`;

export class UsageError extends Error {}

export interface CliOptions extends LocalnetOptions {
  quiet: boolean;
}

function intFlag(name: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a number (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}

export function parseArgs(argv: string[]): CliOptions | 'help' {
  const out: CliOptions = { quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--rpc-port':
        out.rpcPort = intFlag(flag, value(), 0, 65535);
        break;
      case '--ws-port':
        out.wsPort = intFlag(flag, value(), 0, 65535);
        break;
      case '--slot-ms':
        out.slotMs = intFlag(flag, value(), 10, 60_000);
        break;
      case '--ledger': {
        const dir = value();
        if (!dir || dir.startsWith('--')) throw new UsageError('--ledger needs a directory');
        out.ledgerDir = dir;
        break;
      }
      case '--host': {
        const host = value();
        if (!host || host.startsWith('--')) throw new UsageError('--host needs a value');
        out.host = host;
        break;
      }
      case '--reset':
        out.reset = true;
        break;
      case '--quiet':
        out.quiet = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (out.reset && !out.ledgerDir) throw new UsageError('--reset needs --ledger DIR (without a ledger every start is already clean)');
  if (out.rpcPort !== undefined && out.wsPort !== undefined && out.rpcPort !== 0 && out.rpcPort === out.wsPort) throw new UsageError('--rpc-port and --ws-port must differ');
  return out;
}

async function main(): Promise<void> {
  let opts: CliOptions | 'help';
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`localnet: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const net = await startLocalnet({ ...opts, log: opts.quiet ? false : (line) => process.stderr.write(`[localnet] ${line}\n`) });
  process.stdout.write(
    [
      'Peer Cycles localnet (litesvm runtime)',
      `  JSON-RPC   ${net.rpcUrl}`,
      `  WebSocket  ${net.wsUrl}`,
      `  genesis    ${net.genesisHash}`,
      `  faucet     ${net.faucet.toBase58()}`,
      `  ledger     ${net.ledgerDir ?? '(in memory; pass --ledger DIR to keep state)'}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`[localnet] ${signal} again: exiting without a clean shutdown\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`[localnet] ${signal}: shutting down\n`);
    net.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`[localnet] shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`localnet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
