/**
 * `peer localnet`: the local Solana network (localnet/) with solana-test-validator's habits:
 * `--reset`, `--ledger DIR`, `--rpc-port N`, `--bpf-program <id> <file.so>` and
 * `--account <address> <file.json>` (repeatable). Runs until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { loadLocalnetConfig } from '../../localnet/config';
import { startLocalnetService } from '../../localnet/service';
import { runService } from '../../service-kit/lifecycle';
import { ValidationError } from '../../sdk/src/errors';

/** Repeatable two-value options arrive as one flat list: pair them up as "<a>=<b>". */
export function pairs(values: string[] | undefined, flag: string): string[] | undefined {
  if (!values) return undefined;
  if (values.length % 2 !== 0) throw new ValidationError(`${flag} takes two values each time: ${flag === '--account' ? '<address> <file.json>' : '<program id> <file.so>'}`);
  const out: string[] = [];
  for (let i = 0; i < values.length; i += 2) out.push(`${values[i]}=${values[i + 1]}`);
  return out;
}

export interface LocalnetFlags {
  rpcPort?: string;
  wsPort?: string;
  ledger?: string;
  reset?: boolean;
  slotMs?: string;
  host?: string;
  quiet?: boolean;
  configFile?: string;
  bpfProgram?: string[];
  account?: string[];
}

/** Flags → localnet's configuration keys (config.ts validates the values). */
export function localnetFlags(o: LocalnetFlags): Record<string, unknown> {
  return {
    rpc_port: o.rpcPort,
    ws_port: o.wsPort,
    ledger: o.ledger,
    reset: o.reset,
    slot_ms: o.slotMs,
    host: o.host,
    quiet: o.quiet,
    bpf_program: pairs(o.bpfProgram, '--bpf-program'),
    account: pairs(o.account, '--account'),
  };
}

export function addLocalnetCommand(program: Command): void {
  program
    .command('localnet')
    .description('run a local Solana network (JSON-RPC :8899, WebSocket :8900) like solana-test-validator')
    .option('--rpc-port <port>', 'JSON-RPC port [default: 8899; 0 picks a free one]')
    .option('--ws-port <port>', 'WebSocket port [default: the RPC port + 1]')
    .option('--ledger <dir>', 'keep the ledger in this directory across restarts [default: in memory]')
    .option('--reset', 'start the ledger directory from genesis')
    .option('--slot-ms <ms>', 'milliseconds per slot [default: 400]')
    .option('--host <host>', '127.0.0.1, localhost or ::1')
    .option('--quiet', 'no log lines, only the startup summary')
    .option('--config-file <path>', 'YAML file with localnet settings (rpc_port, ledger, bpf_program, account...)')
    .option('--bpf-program <id-and-file...>', 'load an upgradeable program: <program id> <file.so> (repeatable)')
    .option('--account <address-and-file...>', 'load an account: <address> <file.json> from solana account --output json (repeatable)')
    .action((o: LocalnetFlags) => {
      const flags = localnetFlags(o);
      runService('localnet', async () => startLocalnetService(loadLocalnetConfig({ file: o.configFile, flags, env: process.env })));
    });
}
