/**
 * `npm run localnet` (and the CLI's entry): the local Solana network on 127.0.0.1:8899 (JSON-RPC)
 * and :8900 (WebSocket). Reads flags, hands them to the configuration (config.ts) and runs the
 * service (service.ts) until SIGINT/SIGTERM.
 *
 *   tsx localnet/main.ts [--config FILE] [--rpc-port N] [--ws-port N] [--ledger DIR] [--reset] [--slot-ms N] [--host H] [--quiet]
 */
import { runService } from '../service-kit/lifecycle';
import { loadLocalnetConfig } from './config';
import { DEFAULT_RPC_PORT, DEFAULT_SLOT_MS } from './index';
import { startLocalnetService } from './service';

const USAGE = `usage: localnet [options]

  --config FILE   YAML file with any of the settings below (rpc_port, ws_port, ledger, ...)
  --rpc-port N    JSON-RPC port (default ${DEFAULT_RPC_PORT}; 0 picks a free port)
  --ws-port N     WebSocket port (default: RPC port + 1)
  --ledger DIR    keep the ledger in DIR across restarts (default: in memory only)
  --reset         start DIR from genesis (deletes the ledger's own files in it)
  --slot-ms N     milliseconds per slot (default ${DEFAULT_SLOT_MS})
  --host HOST     127.0.0.1 (default), localhost or ::1
  --quiet         no log lines, only the startup summary
  --bpf-program ID FILE.so    load an upgradeable program (no upgrade authority); repeatable
  --account ADDRESS FILE.json load an account (solana account --output json); repeatable
  -h, --help      this help

Every setting can also come from PEER_LOCALNET_<SETTING> (e.g. PEER_LOCALNET_RPC_PORT);
flags win over the environment, the environment over the file.`;

export class UsageError extends Error {}

export interface ParsedArgs {
  /** The YAML configuration file, when given. */
  file?: string;
  /** Settings by schema key (config.ts), as given; config.ts validates them. */
  flags: Record<string, string | boolean | string[]>;
}

const VALUE_FLAGS: Record<string, string> = {
  '--rpc-port': 'rpc_port',
  '--ws-port': 'ws_port',
  '--ledger': 'ledger',
  '--slot-ms': 'slot_ms',
  '--host': 'host',
};
const SWITCHES: Record<string, string> = { '--reset': 'reset', '--quiet': 'quiet' };

/** The command line's syntax only (unknown options, missing values); values are checked by config.ts. */
export function parseArgs(argv: string[]): ParsedArgs | 'help' {
  const out: ParsedArgs = { flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '-h' || flag === '--help') return 'help';
    if (flag in SWITCHES && inline === undefined) {
      out.flags[SWITCHES[flag]] = true;
      continue;
    }
    if (flag === '--bpf-program' || flag === '--account') {
      const [first, second] = [argv[i + 1], argv[i + 2]];
      if (inline !== undefined || !first || !second || first.startsWith('--') || second.startsWith('--')) throw new UsageError(`${flag} needs two values: ${flag === '--account' ? 'ADDRESS FILE.json' : 'ID FILE.so'}`);
      i += 2;
      const key = flag === '--account' ? 'account' : 'bpf_program';
      const list = (out.flags[key] as string[] | undefined) ?? [];
      list.push(`${first}=${second}`);
      out.flags[key] = list;
      continue;
    }
    if (flag === '--config' || flag in VALUE_FLAGS) {
      const value = inline !== undefined ? inline : argv[++i];
      if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      if (flag === '--config') out.file = value;
      else out.flags[VALUE_FLAGS[flag]] = value;
      continue;
    }
    throw new UsageError(`unknown option ${arg}`);
  }
  return out;
}

if (require.main === module) {
  let args: ParsedArgs | 'help';
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`localnet: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
  } else {
    const { file, flags } = args;
    runService('localnet', async () => startLocalnetService(loadLocalnetConfig({ file, flags, env: process.env })));
  }
}
