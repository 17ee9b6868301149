/**
 * The thin entry: `peer keeper run` (cli/) and `tsx keepers/main.ts` both end here.
 *
 *   keepers [--config keepers.yml] [--bots matcher,cranks,validator] [-u URL] [-k KEYPAIR]
 *           [--port N] [--host H] [--log-format text|json]
 *
 * Flags override PEER_KEEPERS_* environment variables, which override the file.
 */
import { ConfigError, runService } from '../service-kit';
import { loadKeepersConfig } from './config';
import { startKeepers, type KeepersService } from './service';

export interface KeeperRunOptions {
  config?: string;
  bots?: string;
  url?: string;
  keypair?: string;
  port?: string | number;
  host?: string;
  logFormat?: string;
}

/** Command-line options → dotted config keys (undefined ones are ignored by loadConfig). */
export function flagsOf(opts: KeeperRunOptions): Record<string, unknown> {
  return {
    'bots.enabled': opts.bots,
    'global.cluster': opts.url,
    'global.keypair': opts.keypair,
    'global.port': opts.port,
    'global.host': opts.host,
    'global.log_format': opts.logFormat,
  };
}

/** Starts the keepers as a service: SIGINT/SIGTERM stop cleanly, a bad config exits 2 with one line. */
export function runKeepers(opts: KeeperRunOptions, env: NodeJS.ProcessEnv = process.env): void {
  runService('keepers', async () => {
    const { config, global } = loadKeepersConfig({ file: opts.config, flags: flagsOf(opts), env });
    let service: KeepersService | undefined;
    service = await startKeepers({
      config,
      global,
      // A bot found it is misconfigured after start (e.g. its validator was deregistered).
      onFatal: (err) => {
        process.stderr.write(`error: ${err.message}\n`);
        void (service ? service.stop() : Promise.resolve()).finally(() => process.exit(1));
      },
    });
    return service;
  });
}

const USAGE = 'usage: keepers [--config FILE] [--bots matcher,cranks,validator] [-u URL] [-k KEYPAIR] [--port N] [--host H] [--log-format text|json]';

export function parseArgs(argv: string[]): KeeperRunOptions {
  const out: KeeperRunOptions = {};
  const names: Record<string, keyof KeeperRunOptions> = {
    '--config': 'config',
    '-c': 'config',
    '--bots': 'bots',
    '-u': 'url',
    '--url': 'url',
    '-k': 'keypair',
    '--keypair': 'keypair',
    '--port': 'port',
    '--host': 'host',
    '--log-format': 'logFormat',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const key = names[flag];
    if (!key) throw new ConfigError(`keepers: unknown option ${flag} (${USAGE})`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`keepers: ${flag} needs a value`);
    out[key] = value;
  }
  return out;
}

if (require.main === module) {
  let opts: KeeperRunOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(2);
  }
  runKeepers(opts);
}
