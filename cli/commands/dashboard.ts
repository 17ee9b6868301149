/**
 * `peer dashboard`: the network dashboard (dashboard/) over any cluster (`-u`), and its
 * "Serve from this tab" page for browser-tab workers (/tab). It
 * returns once the service is starting; SIGINT/SIGTERM stop it cleanly and a bad configuration
 * exits 2 with one line (service-kit's runService).
 */
import type { Command } from 'commander';
import { runDashboard } from '../../dashboard';

export function addDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('serve the network dashboard: live jobs, workers, earnings, staking and disputes, and /tab, where a browser tab serves open-tier jobs (config: YAML file, PEER_DASHBOARD_* env, flags)')
    .option('--dashboard-config <file>', 'dashboard YAML config (cluster, host, port, store, models, gateway_url, …)')
    .option('--port <n>', 'HTTP port (default 8090)')
    .option('--host <host>', 'HTTP host (0.0.0.0 serves the local network)')
    .option('--store <file>', 'SQLite index file (default .dashboard/index.sqlite)')
    .option('--models <names>', 'model names to show instead of their on-chain ids, comma-separated')
    .option('--ws-url <url>', 'PubSub WebSocket URL (default: the RPC port + 1)')
    .option('--log-format <format>', 'text or json')
    .action((opts: { dashboardConfig?: string; port?: string; host?: string; store?: string; models?: string; wsUrl?: string; logFormat?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as { url?: string };
      runDashboard({ config: opts.dashboardConfig, url: globals.url, wsUrl: opts.wsUrl, port: opts.port, host: opts.host, store: opts.store, models: opts.models, logFormat: opts.logFormat });
    });
}
