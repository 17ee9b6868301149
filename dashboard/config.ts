/**
 * The dashboard's configuration: a YAML file, `PEER_DASHBOARD_*` environment variables and flags
 * (flags > env > file > defaults), validated once at start; a bad value is one ConfigError line.
 */
import { PublicKey } from '@solana/web3.js';
import { defaultWsUrl, resolveClusterUrl } from '../service-kit/cluster';
import { ConfigError, loadConfig, type ConfigOf, type Schema } from '../service-kit/config';

export const dashboardSchema = {
  cluster: { type: 'string', default: 'localnet', doc: 'RPC: localnet, devnet, testnet, mainnet-beta (or l/d/t/m) or an http(s) URL' },
  ws_url: { type: 'string', default: '', doc: 'PubSub WebSocket URL (default: the RPC URL with ws and port + 1, as web3.js does)' },
  commitment: { type: 'enum', values: ['confirmed', 'finalized'], default: 'confirmed', doc: 'commitment of what the dashboard reads' },
  market_program: { type: 'string', default: '', doc: "peer_market program id (default: the SDK's)" },
  staking_program: { type: 'string', default: '', doc: "peer_staking program id (default: the SDK's)" },
  host: { type: 'string', default: '127.0.0.1', doc: 'HTTP host (0.0.0.0 to serve the local network)' },
  port: { type: 'int', default: 8090, min: 0, max: 65_535, doc: 'HTTP port (0: any free port)' },
  store: { type: 'string', default: '.dashboard/index.sqlite', doc: 'SQLite index of observed transactions and job transitions (survives restarts)' },
  poll_ms: { type: 'int', default: 2_000, min: 50, max: 600_000, doc: 'polling interval (WebSocket notifications wake it sooner)' },
  subscriptions: { type: 'bool', default: true, doc: 'wake on logsSubscribe notifications (polling always runs as the fallback)' },
  backfill_limit: { type: 'int', default: 2_000, min: 0, max: 100_000, doc: 'most past transactions indexed per program on a fresh index' },
  models: { type: 'list', default: [], doc: 'model names to show instead of their on-chain ids (sha256 of the name)' },
  gateway_url: { type: 'string', default: '', doc: "a gateway's URL: enables the live page's demo-job button" },
  gateway_api_key: { type: 'string', default: '', secret: true, doc: 'API key the demo button spends credits with' },
  log_format: { type: 'enum', values: ['text', 'json'], default: 'text', doc: 'log line format' },
  'tab.enabled': { type: 'bool', default: true, doc: 'serve the "Serve from this tab" page (/tab) and the bridge for browser-tab workers' },
  'tab.model': { type: 'string', default: '', doc: 'GGUF file browser tabs load (default: the demo model, worker/models/peer-demo.gguf)' },
  'tab.model_name': { type: 'string', default: 'peer-demo-tab', doc: "name tabs list their model under (the on-chain id is the wasm profile's)" },
  'tab.public_url': { type: 'string', default: '', doc: 'URL other machines reach this dashboard at; tabs register <url>/tab/w/<key> (default: the listening URL)' },
  'tab.price': { type: 'int', default: 1, min: 1, max: 1_000_000, doc: 'credits per open-tier job a tab asks' },
  'tab.threads': { type: 'int', default: 1, min: 1, max: 16, doc: 'wasm threads per tab (more than 1 uses cross-origin isolation)' },
  'tab.capacity': { type: 'int', default: 1, min: 1, max: 16, doc: 'jobs a tab takes at once (they queue on its one engine)' },
  'tab.faucet_keypair': { type: 'string', default: '', doc: 'local networks only: a keypair file that funds new tabs (1 SOL and the open-tier bond)' },
} satisfies Schema;

export type DashboardConfig = ConfigOf<typeof dashboardSchema>;


export interface ResolvedDashboard {
  rpcUrl: string;
  wsUrl: string;
  marketProgram: PublicKey | null;
  stakingProgram: PublicKey | null;
  gatewayUrl: string | null;
  gatewayApiKey: string | null;
  tabPublicUrl: string | null;
}

function programId(key: string, value: string): PublicKey | null {
  if (!value) return null;
  try {
    return new PublicKey(value);
  } catch {
    throw new ConfigError(`${key} must be a base58 address, got ${JSON.stringify(value.slice(0, 60))}`);
  }
}

export function resolveDashboard(config: DashboardConfig): ResolvedDashboard {
  const rpcUrl = resolveClusterUrl('cluster', config.cluster);
  let wsUrl = config.ws_url;
  if (wsUrl) {
    let ok = false;
    try {
      const u = new URL(wsUrl);
      ok = u.protocol === 'ws:' || u.protocol === 'wss:';
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError(`ws_url must be a ws(s) URL, got ${JSON.stringify(wsUrl.slice(0, 60))}`);
  } else {
    wsUrl = defaultWsUrl(rpcUrl);
  }
  const gatewayUrl = config.gateway_url || null;
  if (gatewayUrl) {
    let ok = false;
    try {
      const u = new URL(gatewayUrl);
      ok = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError(`gateway_url must be an http(s) URL, got ${JSON.stringify(gatewayUrl.slice(0, 60))}`);
  }
  const gatewayApiKey = config.gateway_api_key || null;
  if (gatewayUrl && !gatewayApiKey) throw new ConfigError('gateway_url is set but gateway_api_key is empty (the demo button needs both)');
  for (const m of config.models) {
    if (m.length === 0 || m.length > 200) throw new ConfigError('models: each model name is 1 to 200 characters');
  }
  const tabPublicUrl = config['tab.public_url'] || null;
  if (tabPublicUrl && !/^https?:\/\/[^\s]+$/.test(tabPublicUrl)) throw new ConfigError(`tab.public_url must be an http(s) URL, got ${JSON.stringify(tabPublicUrl.slice(0, 60))}`);
  if (!/^[\w.-]{1,64}$/.test(config['tab.model_name'])) throw new ConfigError('tab.model_name must be 1-64 letters, digits, dots, dashes or underscores');
  if (config['tab.faucet_keypair']) {
    const host = new URL(rpcUrl).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') throw new ConfigError('tab.faucet_keypair is for local networks only (the cluster is not on this machine)');
  }
  return {
    tabPublicUrl,
    rpcUrl,
    wsUrl,
    marketProgram: programId('market_program', config.market_program),
    stakingProgram: programId('staking_program', config.staking_program),
    gatewayUrl,
    gatewayApiKey,
  };
}

export interface LoadDashboardOptions {
  file?: string;
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/** Loads, validates and resolves the configuration (ConfigError on the first bad value). */
export function loadDashboardConfig(opts: LoadDashboardOptions = {}): { config: DashboardConfig; resolved: ResolvedDashboard } {
  const config = loadConfig({ service: 'dashboard', schema: dashboardSchema, file: opts.file, flags: opts.flags, env: opts.env ?? process.env });
  return { config, resolved: resolveDashboard(config) };
}
