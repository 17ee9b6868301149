/**
 * localnet's configuration: one schema, read with service-kit's loadConfig from a YAML file,
 * `PEER_LOCALNET_*` environment variables and flags (flags win over env, env over the file).
 */
import { ConfigError, loadConfig, type ConfigOf, type Schema } from '../service-kit/config';
import { DEFAULT_RPC_PORT, DEFAULT_SLOT_MS, type LocalnetOptions } from './index';

export const localnetSchema = {
  rpc_port: { type: 'int', default: DEFAULT_RPC_PORT, min: 0, max: 65535, doc: 'JSON-RPC port; 0 picks a free port' },
  ws_port: { type: 'int', min: 0, max: 65535, doc: 'WebSocket (PubSub) port; default: the RPC port + 1' },
  host: { type: 'string', default: '127.0.0.1', doc: 'loopback address to serve on: 127.0.0.1, localhost or ::1' },
  ledger: { type: 'string', doc: 'keep the ledger in this directory across restarts (default: in memory only)' },
  reset: { type: 'bool', default: false, doc: 'start the ledger directory from genesis (deletes the ledger\'s own files in it)' },
  slot_ms: { type: 'int', default: DEFAULT_SLOT_MS, min: 10, max: 60_000, doc: 'milliseconds per slot' },
  quiet: { type: 'bool', default: false, doc: 'no log lines, only the startup summary' },
  bpf_program: { type: 'list', default: [], doc: 'programs to load at start, <program id>=<file.so> (upgradeable, no upgrade authority)' },
  account: { type: 'list', default: [], doc: 'accounts to load at start, <address>=<file.json> (the JSON of solana account --output json)' },
} satisfies Schema;

export type LocalnetConfig = ConfigOf<typeof localnetSchema>;

export interface LoadLocalnetConfigOptions {
  file?: string;
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/** Loads and checks the configuration; a bad value is a ConfigError naming the key and its source. */
export function loadLocalnetConfig(opts: LoadLocalnetConfigOptions = {}): LocalnetConfig {
  const config = loadConfig({ service: 'localnet', schema: localnetSchema, file: opts.file, flags: opts.flags, env: opts.env });
  if (config.reset && !config.ledger) throw new ConfigError('localnet: reset needs a ledger directory (without a ledger every start is already clean)');
  if (config.ws_port !== undefined && config.rpc_port !== 0 && config.rpc_port === config.ws_port) {
    throw new ConfigError(`localnet: rpc_port and ws_port must differ (both ${config.rpc_port})`);
  }
  return config;
}

/** The options startLocalnet takes. */
export function localnetOptions(config: LocalnetConfig): LocalnetOptions {
  return {
    rpcPort: config.rpc_port,
    wsPort: config.ws_port,
    host: config.host,
    ledgerDir: config.ledger,
    reset: config.reset,
    slotMs: config.slot_ms,
  };
}
