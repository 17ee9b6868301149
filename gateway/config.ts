/**
 * The gateway's settings: YAML file + PEER_GATEWAY_* env + flags (service-kit's loadConfig).
 * Every value is checked once at start; a bad one is one line naming the key and its source.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type ConfigOf, type Schema } from '../service-kit/config';

/** x402 network ids the exact-SVM scheme accepts (CAIP-2, genesis hash). Localnet uses devnet's. */
export const SOLANA_NETWORKS = {
  mainnet: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
  devnet: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
  testnet: 'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z',
} as const;

export const GATEWAY_SCHEMA = {
  host: { type: 'string', default: '127.0.0.1', doc: 'address to listen on' },
  port: { type: 'int', default: 8787, min: 0, max: 65_535, doc: 'HTTP port (0 picks a free one)' },
  rpc_url: { type: 'url', default: 'http://127.0.0.1:8899', doc: 'Solana JSON-RPC URL' },
  keypair: { type: 'string', default: join(homedir(), '.config/solana/id.json'), doc: 'the gateway wallet (posts jobs, receives USDC, pays fees)' },
  db: { type: 'string', default: '.gateway/gateway.db', doc: 'SQLite file for accounts, keys, holds and payments' },
  local: { type: 'bool', default: false, doc: 'run on the user\'s machine with the user\'s own keypair: no API keys, credits on chain' },
  log_format: { type: 'enum', values: ['text', 'json'], default: 'text', doc: 'log line format' },
  default_tier: { type: 'enum', values: ['open', 'verified', 'confidential'], default: 'open', doc: 'tier when a request names none' },
  confidential_allow_dev: { type: 'bool', default: false, doc: 'also route confidential requests to DEV enclaves (NOT hardware-attested: the worker operator can read the prompt); local networks and demos only' },
  max_price: { type: 'int', default: 100, min: 1, max: 1_000_000, doc: 'most credits one request may lock when it names no peer_max_price' },
  max_body_bytes: { type: 'int', default: 256 * 1024, min: 1024, max: 16 * 1024 * 1024, doc: 'largest request body' },
  max_tokens: { type: 'int', default: 256, min: 1, max: 4096, doc: 'max_tokens when a request names none' },
  assign: { type: 'enum', values: ['self', 'matcher'], default: 'self', doc: 'self: the gateway (a registered matcher) assigns the worker it chose; matcher: wait for a keeper or a self-claim' },
  assign_timeout_ms: { type: 'int', default: 60_000, min: 100, max: 3_600_000, doc: 'how long a job may wait for its assignment' },
  answer_timeout_ms: { type: 'int', default: 120_000, min: 100, max: 3_600_000, doc: 'how long a worker may take to answer' },
  retries: { type: 'int', default: 1, min: 0, max: 5, doc: 'other workers tried when one fails before its first token' },
  reconcile_interval_ms: { type: 'int', default: 2_000, min: 50, max: 600_000, doc: 'how often held credits are matched against the chain' },
  confirm_poll_ms: { type: 'int', default: 100, min: 10, max: 5_000, doc: 'how often a sent transaction\'s status is polled (the SDK default, 500 ms, is most of a request\'s latency on a fast network)' },
  post_batch: { type: 'int', default: 4, min: 1, max: 6, doc: 'jobs posted per transaction at most' },
  models: { type: 'list', default: [], doc: 'model names to recognise in on-chain model ids (worker endpoints add theirs)' },
  x402: { type: 'bool', default: true, doc: 'answer unpaid requests with 402 and x402 payment requirements' },
  'x402.network': { type: 'enum', values: Object.keys(SOLANA_NETWORKS), default: 'devnet', doc: 'x402 network id (a local network uses devnet\'s id with rpc_url)' },
  'x402.timeout_s': { type: 'int', default: 120, min: 10, max: 3_600, doc: 'maxTimeoutSeconds of a payment requirement' },
  'ecash.mint_data_dir': { type: 'string', default: '', doc: 'accept Cashu ecash (X-Cashu) by redeeming in process against the mint at this data directory (the `peer mint` data_dir); empty: no ecash' },
  'ecash.mint_url': { type: 'string', default: '', doc: "the mint's public URL, named in 402s and change tokens (required with ecash.mint_data_dir)" },
  'ohttp.key_file': { type: 'string', default: '', doc: 'serve Oblivious HTTP (POST /ohttp, GET /ohttp-keys) with the X25519 key in this file (created when missing); empty: off' },
  demo_key: { type: 'string', secret: true, doc: 'create this API key at start (if new) for a demo' },
  demo_credits: { type: 'int', default: 0, min: 0, max: 1_000_000, doc: 'credits the demo key gets from the gateway\'s own on-chain credits, once' },
} satisfies Schema;

export type GatewayConfig = ConfigOf<typeof GATEWAY_SCHEMA>;

export function loadGatewayConfig(opts: { file?: string; flags?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}): GatewayConfig {
  const config = loadConfig({ service: 'gateway', schema: GATEWAY_SCHEMA, file: opts.file, flags: opts.flags, env: opts.env ?? process.env });
  if (config.demo_key !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(config.demo_key)) {
    throw new ConfigError('demo_key must be 16 to 128 letters, digits, _ or -');
  }
  if (config.local && config.demo_key !== undefined) throw new ConfigError('demo_key makes no sense with local (no API keys in local mode)');
  if (config['ecash.mint_data_dir'] && !config['ecash.mint_url']) throw new ConfigError('ecash.mint_url is required with ecash.mint_data_dir');
  return config;
}
