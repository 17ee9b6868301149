/**
 * The thin entry: `peer worker start` (cli/) and `tsx worker/main.ts` both end here.
 *
 *   worker [--config worker.yml] [-u URL] [-k KEYPAIR] [--port N] [--host H] [--model PATH|URL]
 *          [--sha256 HEX] [--backend llama|upstream|ghost] [--tiers open,verified]
 *          [--insecure-dev-enclave] [--log-format text|json]
 *
 * Flags override PEER_WORKER_* environment variables, which override the file.
 */
import { runService } from '../service-kit/lifecycle';
import { loadWorkerConfig } from './config';
import { startWorker } from './service';

export interface WorkerStartOptions {
  config?: string;
  url?: string;
  keypair?: string;
  port?: string | number;
  host?: string;
  model?: string;
  sha256?: string;
  backend?: string;
  tiers?: string;
  insecureDevEnclave?: boolean;
  logFormat?: string;
}

/** Command-line options → dotted config keys (undefined ones are ignored by loadConfig). */
export function flagsOf(opts: WorkerStartOptions): Record<string, unknown> {
  return {
    'rpc.url': opts.url,
    keypair: opts.keypair,
    'http.port': opts.port,
    'http.host': opts.host,
    'llama.model': opts.model,
    'llama.sha256': opts.sha256,
    backend: opts.backend,
    'market.tiers': opts.tiers,
    'confidential.insecure_dev_enclave': opts.insecureDevEnclave ? true : undefined,
    'log.format': opts.logFormat,
  };
}

/** Starts the worker as a service: SIGINT/SIGTERM stop cleanly, a bad config exits 2 with one line. */
export function runWorker(opts: WorkerStartOptions, env: NodeJS.ProcessEnv = process.env): void {
  runService('worker', async () => {
    const { config, rpcUrl, secrets } = loadWorkerConfig({ file: opts.config, flags: flagsOf(opts), env });
    return startWorker({ config, rpcUrl, secrets });
  });
}

const USAGE =
  'usage: worker [--config FILE] [-u URL] [-k KEYPAIR] [--port N] [--host H] [--model PATH|URL] [--sha256 HEX] [--backend llama|upstream|ghost] [--tiers LIST] [--insecure-dev-enclave] [--log-format text|json]';

export function parseArgs(argv: string[]): WorkerStartOptions {
  const out: WorkerStartOptions = {};
  const names: Record<string, keyof WorkerStartOptions> = {
    '--config': 'config',
    '-c': 'config',
    '-u': 'url',
    '--url': 'url',
    '-k': 'keypair',
    '--keypair': 'keypair',
    '--port': 'port',
    '--host': 'host',
    '--model': 'model',
    '--sha256': 'sha256',
    '--backend': 'backend',
    '--tiers': 'tiers',
    '--log-format': 'logFormat',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--insecure-dev-enclave') {
      out.insecureDevEnclave = true;
      continue;
    }
    if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const key = names[a];
    if (!key || i + 1 >= argv.length) {
      process.stderr.write(`error: unknown or incomplete option ${a}\n${USAGE}\n`);
      process.exit(2);
    }
    (out as Record<string, unknown>)[key] = argv[++i];
  }
  return out;
}

if (require.main === module) runWorker(parseArgs(process.argv.slice(2)));
