/**
 * The thin entry: `peer dashboard` (cli/) and `tsx dashboard/main.ts` both end here.
 *
 *   dashboard [--config dashboard.yml] [-u URL] [--port N] [--host H] [--store FILE] [--models a,b] [--log-format text|json]
 *
 * Flags override PEER_DASHBOARD_* environment variables, which override the file.
 */
import { ConfigError, runService } from '../service-kit';
import { loadDashboardConfig } from './config';
import { startDashboardService, type DashboardService } from './service';

export interface DashboardRunOptions {
  config?: string;
  url?: string;
  /** PubSub WebSocket URL (default: the RPC URL's port + 1). */
  wsUrl?: string;
  port?: string | number;
  host?: string;
  store?: string;
  models?: string | string[];
  gatewayUrl?: string;
  gatewayApiKey?: string;
  logFormat?: string;
}

/** Command-line options → config keys (undefined ones are ignored by loadConfig). */
export function flagsOf(opts: DashboardRunOptions): Record<string, unknown> {
  return {
    cluster: opts.url,
    ws_url: opts.wsUrl,
    port: opts.port,
    host: opts.host,
    store: opts.store,
    models: Array.isArray(opts.models) ? opts.models.join(',') : opts.models,
    gateway_url: opts.gatewayUrl,
    gateway_api_key: opts.gatewayApiKey,
    log_format: opts.logFormat,
  };
}

/** Starts the dashboard (what `npm start` calls): validated config, indexer, HTTP server. */
export async function startDashboard(opts: DashboardRunOptions & { env?: NodeJS.ProcessEnv; write?: (line: string) => void } = {}): Promise<DashboardService> {
  const { config, resolved } = loadDashboardConfig({ file: opts.config, flags: flagsOf(opts), env: opts.env ?? process.env });
  return startDashboardService({ config, resolved, write: opts.write });
}

/** Runs the dashboard as a service: SIGINT/SIGTERM stop cleanly, a bad config exits 2 with one line. */
export function runDashboard(opts: DashboardRunOptions, env: NodeJS.ProcessEnv = process.env): void {
  runService('dashboard', () => startDashboard({ ...opts, env }));
}

const USAGE = 'usage: dashboard [--config FILE] [-u URL] [--port N] [--host H] [--store FILE] [--models a,b] [--log-format text|json]';

export function parseArgs(argv: string[]): DashboardRunOptions {
  const out: DashboardRunOptions = {};
  const names: Record<string, keyof DashboardRunOptions> = {
    '--config': 'config',
    '-c': 'config',
    '-u': 'url',
    '--url': 'url',
    '--ws-url': 'wsUrl',
    '--port': 'port',
    '--host': 'host',
    '--store': 'store',
    '--models': 'models',
    '--log-format': 'logFormat',
  };
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=');
    const [flag, inline] = eq > 0 ? [argv[i].slice(0, eq), argv[i].slice(eq + 1)] : [argv[i], undefined];
    const key = names[flag];
    if (!key) throw new ConfigError(`dashboard: unknown option ${flag} (${USAGE})`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`dashboard: ${flag} needs a value`);
    (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

if (require.main === module) {
  let opts: DashboardRunOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(2);
  }
  runDashboard(opts);
}
