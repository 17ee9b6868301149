/**
 * The thin entry: `peer attest serve` (cli/) and `tsx attestation/main.ts` both end here.
 *
 *   attestation [--config attestation.yml] [--keypair FILE] [--allow e1,e2] [--allow-dev]
 *               [--ttl-seconds N] [--port N] [--host H] [--db FILE] [--log-format text|json]
 */
import { ConfigError, runService } from '../service-kit';
import { loadAttestationConfig } from './config';
import { startAttestationService } from './service';

export interface AttestServeOptions {
  config?: string;
  keypair?: string;
  allow?: string;
  allowDev?: boolean;
  ttlSeconds?: string | number;
  port?: string | number;
  host?: string;
  db?: string;
  logFormat?: string;
}

export function flagsOf(opts: AttestServeOptions): Record<string, unknown> {
  return {
    keypair: opts.keypair,
    allow: opts.allow,
    allow_dev: opts.allowDev,
    ttl_seconds: opts.ttlSeconds,
    port: opts.port,
    host: opts.host,
    db: opts.db,
    log_format: opts.logFormat,
  };
}

export function runAttestation(opts: AttestServeOptions, env: NodeJS.ProcessEnv = process.env): void {
  runService('attestation', async () => startAttestationService({ config: loadAttestationConfig({ file: opts.config, flags: flagsOf(opts), env }) }));
}

const USAGE = 'usage: attestation [--config FILE] [--keypair FILE] [--allow e1,e2] [--allow-dev] [--ttl-seconds N] [--port N] [--host H] [--db FILE] [--log-format text|json]';

export function parseArgs(argv: string[]): AttestServeOptions {
  const out: AttestServeOptions = {};
  const names: Record<string, Exclude<keyof AttestServeOptions, 'allowDev'>> = {
    '--config': 'config',
    '-c': 'config',
    '--keypair': 'keypair',
    '-k': 'keypair',
    '--allow': 'allow',
    '--ttl-seconds': 'ttlSeconds',
    '--port': 'port',
    '--host': 'host',
    '--db': 'db',
    '--log-format': 'logFormat',
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--allow-dev') {
      out.allowDev = true;
      continue;
    }
    const eq = argv[i].indexOf('=');
    const [flag, inline] = eq > 0 ? [argv[i].slice(0, eq), argv[i].slice(eq + 1)] : [argv[i], undefined];
    const key = names[flag];
    if (!key) throw new ConfigError(`attestation: unknown option ${flag} (${USAGE})`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`attestation: ${flag} needs a value`);
    out[key] = value;
  }
  return out;
}

if (require.main === module) {
  let opts: AttestServeOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(2);
  }
  runAttestation(opts);
}
