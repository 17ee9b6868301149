/**
 * `peer keeper run`: the keeper bots as a long-running service (keepers/). It returns once the
 * service is starting; SIGINT/SIGTERM stop it cleanly and a bad configuration exits 2 with one
 * line (service-kit's runService).
 */
import type { Command } from 'commander';
import { runKeepers } from '../../../keepers';

/**
 * The global `-C, --config` (the Solana CLI config) shadows this command's `--config`: commander
 * hands a `--config` written after `keeper run` to the global option. Take it back when it was
 * written after `run`.
 */
function configAfterRun(cmd: Command): string | undefined {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const run = raw.indexOf('run');
  for (let i = run + 1; run >= 0 && i < raw.length; i++) {
    if (raw[i] === '--config') return raw[i + 1];
    if (raw[i].startsWith('--config=')) return raw[i].slice('--config='.length);
  }
  return undefined;
}

export function addKeeperCommands(program: Command): void {
  const keeper = program.command('keeper').description('run keeper bots: the quality-routed matcher, the cranks, the validator challenge bot');
  keeper
    .command('run')
    .description('run the enabled bots with /health and /metrics (config: YAML file, PEER_KEEPERS_* env, flags)')
    .option('--config <file>', 'keepers YAML config (global, bots, matcher, cranks, validator, faults)')
    .option('--bots <list>', 'bots to run, comma-separated: matcher, cranks, validator')
    .option('--port <n>', 'HTTP port for /health and /metrics')
    .option('--host <host>', 'HTTP host for /health and /metrics')
    .option('--log-format <format>', 'text or json')
    .action((opts: { config?: string; bots?: string; port?: string; host?: string; logFormat?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as { url?: string; keypair?: string };
      runKeepers({ config: opts.config ?? configAfterRun(cmd),  bots: opts.bots, port: opts.port, host: opts.host, logFormat: opts.logFormat, url: globals.url, keypair: globals.keypair });
    });
}
