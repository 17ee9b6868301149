/**
 * The keepers' configuration: a YAML file (`global`, `bots`, one section per bot, `faults`),
 * `PEER_KEEPERS_*` environment variables and flags (flags > env > file > defaults), validated
 * once at start; a bad value is one ConfigError line naming the key and its source.
 */
import { PublicKey, type Commitment } from '@solana/web3.js';
import { defaultWsUrl, expandHome, resolveClusterUrl } from '../service-kit/cluster';
import { ConfigError, loadConfig, type ConfigOf, type Schema } from '../service-kit/config';

export const BOT_NAMES = ['matcher', 'cranks', 'validator'] as const;
export type BotName = (typeof BOT_NAMES)[number];

export const keepersSchema = {
  // ---- global ----
  'global.cluster': { type: 'string', default: 'localnet', doc: 'RPC: localnet, devnet, testnet, mainnet-beta (or l/d/t/m) or an http(s) URL' },
  'global.ws_url': { type: 'string', default: '', doc: 'PubSub WebSocket URL (default: the RPC URL with ws and port + 1, as web3.js does)' },
  'global.keypair': { type: 'string', default: '~/.config/solana/id.json', doc: 'the keeper\'s keypair file (fee payer; the matcher must be a registered matcher, the validator a bonded validator)' },
  'global.commitment': { type: 'enum', values: ['processed', 'confirmed', 'finalized'], default: 'confirmed', doc: 'commitment for reads and confirmations' },
  'global.priority_fee_microlamports': { type: 'int', default: 0, min: 0, max: 100_000_000, doc: 'fixed priority fee, micro-lamports per compute unit (0: none unless a percentile is set)' },
  'global.priority_fee_percentile': { type: 'int', default: -1, min: -1, max: 100, doc: 'use this percentile of recent fees for the written accounts instead (-1: off)' },
  'global.priority_fee_cap_lamports': { type: 'int', default: 100_000, min: 0, max: 1_000_000_000, doc: 'most lamports of priority fee per transaction' },
  'global.confirm_poll_ms': { type: 'int', default: 400, min: 10, max: 10_000, doc: 'how often a sent transaction\'s status is polled' },
  'global.max_concurrent_tx': { type: 'int', default: 4, min: 1, max: 64, doc: 'transactions a bot has in flight at once' },
  'global.market_program': { type: 'string', default: '', doc: 'peer_market program id (default: the SDK\'s)' },
  'global.staking_program': { type: 'string', default: '', doc: 'peer_staking program id (default: the SDK\'s)' },
  'global.subscriptions': { type: 'bool', default: true, doc: 'wake bots on WebSocket notifications (polling always runs as the fallback)' },
  'global.stall_ms': { type: 'int', default: 60_000, min: 50, max: 3_600_000, doc: 'a bot whose last good tick is older than this makes /health answer 503' },
  'global.stop_timeout_ms': { type: 'int', default: 30_000, min: 100, max: 600_000, doc: 'on SIGINT/SIGTERM, wait at most this long for work in flight' },
  'global.host': { type: 'string', default: '127.0.0.1', doc: 'HTTP host for /health and /metrics' },
  'global.port': { type: 'int', default: 9464, min: 0, max: 65_535, doc: 'HTTP port for /health and /metrics (0: any free port)' },
  'global.log_format': { type: 'enum', values: ['text', 'json'], default: 'text', doc: 'log line format' },
  // ---- which bots ----
  'bots.enabled': { type: 'list', default: ['matcher', 'cranks'], doc: 'bots to run: matcher, cranks, validator' },
  // ---- matcher ----
  'matcher.interval_ms': { type: 'int', default: 2_000, min: 10, max: 600_000, doc: 'polling interval (WebSocket notifications wake it sooner)' },
  'matcher.batch_size': { type: 'int', default: 16, min: 1, max: 32, doc: 'most assign_job instructions per transaction' },
  'matcher.max_jobs_per_tick': { type: 'int', default: 2_000, min: 1, max: 100_000, doc: 'most open jobs routed per tick' },
  'matcher.require_probe': { type: 'bool', default: true, doc: 'only route to workers whose endpoint answers its health check' },
  'matcher.probe_path': { type: 'string', default: '/health', doc: 'health check path, resolved against the worker\'s endpoint origin' },
  'matcher.probe_interval_ms': { type: 'int', default: 15_000, min: 10, max: 3_600_000, doc: 'how often each worker endpoint is probed' },
  'matcher.probe_timeout_ms': { type: 'int', default: 2_000, min: 10, max: 60_000, doc: 'a probe slower than this fails' },
  'matcher.weight_reliability': { type: 'number', default: 0.6, min: 0, max: 1, doc: 'weight of the reputation part of the score' },
  'matcher.weight_latency': { type: 'number', default: 0.25, min: 0, max: 1, doc: 'weight of the latency part' },
  'matcher.weight_price': { type: 'number', default: 0.15, min: 0, max: 1, doc: 'weight of the price part' },
  'matcher.prior_success': { type: 'number', default: 0.8, min: 0.01, max: 0.99, doc: 'reliability assumed for a worker with no history' },
  'matcher.prior_strength': { type: 'number', default: 5, min: 0, max: 10_000, doc: 'how many jobs of evidence the prior is worth' },
  'matcher.challenge_penalty': { type: 'number', default: 10, min: 1, max: 1_000, doc: 'a lost challenge counts as this many failures' },
  'matcher.latency_ref_slots': { type: 'number', default: 25, min: 1, max: 1_000_000, doc: 'on-chain latency (slots) that scores 0.5' },
  'matcher.latency_ref_ms': { type: 'number', default: 250, min: 1, max: 600_000, doc: 'probe round trip (ms) that scores 0.5' },
  'matcher.newcomer_jobs': { type: 'int', default: 10, min: 0, max: 1_000_000, doc: 'a worker with fewer finished jobs than this is a newcomer' },
  'matcher.newcomer_share': { type: 'number', default: 0.1, min: 0, max: 1, doc: 'share of this matcher\'s assignments reserved for eligible newcomers' },
  // ---- cranks ----
  'cranks.interval_ms': { type: 'int', default: 2_000, min: 10, max: 600_000, doc: 'polling interval' },
  'cranks.batch_size': { type: 'int', default: 8, min: 1, max: 16, doc: 'most finalize/expire/resolve instructions per transaction' },
  'cranks.finalize': { type: 'bool', default: true, doc: 'finalize jobs whose challenge window passed' },
  'cranks.expire': { type: 'bool', default: true, doc: 'expire assigned jobs past their deadline' },
  'cranks.resolve': { type: 'bool', default: true, doc: 'resolve challenges whose outcome is certain or whose reveal phase ended' },
  'cranks.sweep': { type: 'bool', default: true, doc: 'sweep fees, then update_rewards on the staking pool' },
  'cranks.sweep_threshold': { type: 'int', default: 1_000_000, min: 1, max: Number.MAX_SAFE_INTEGER, doc: 'sweep once this many USDC base units of fees are unswept' },
  'cranks.sweep_interval_s': { type: 'int', default: 3_600, min: 1, max: 31_536_000, doc: 'or once this many chain seconds passed since the last sweep with any fee unswept' },
  // ---- validator ----
  'validator.interval_ms': { type: 'int', default: 2_000, min: 10, max: 600_000, doc: 'polling interval' },
  'validator.store': { type: 'string', default: '.keepers/validator.sqlite', doc: 'SQLite file with audits, vote salts and votes (survives restarts)' },
  'validator.audit_rate': { type: 'number', default: 0.1, min: 0, max: 1, doc: 'share of verified and confidential jobs audited' },
  'validator.profiles': { type: 'string', default: '', doc: 'JSON file {"profiles":[{"profile":<execution profile>,"model_path":"…"}]}: the models it can re-execute' },
  'validator.max_opening_bytes': { type: 'int', default: 262_144, min: 1_024, max: 4_194_304, doc: 'largest audit envelope accepted on POST /v1/audits' },
  'validator.peers': { type: 'string', default: '', doc: 'validator registry JSON (signed entries: key and endpoint) a challenger forwards openings to' },
  'validator.threads': { type: 'int', default: 1, min: 1, max: 64, doc: 'inference threads for re-execution' },
  // ---- fault injection (tests) ----
  'faults.rate': { type: 'number', default: 0, min: 0, max: 1, doc: 'fraction of RPC calls that fail (tests only)' },
  'faults.timeout_ms': { type: 'int', default: 200, min: 0, max: 3_600_000, doc: 'a timed-out call waits this long before it fails' },
  'faults.seed': { type: 'int', default: 1, min: 0, max: 2 ** 31 - 1, doc: 'seed of the fault sequence (repeatable runs)' },
  'faults.kinds': { type: 'list', default: ['error', 'timeout', 'lost_reply'], doc: 'error (call never made), timeout (waits, never made), lost_reply (made, reply dropped)' },
} satisfies Schema;

export type KeepersConfig = ConfigOf<typeof keepersSchema>;

export const FAULT_KINDS = ['error', 'timeout', 'lost_reply'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];


/** The settings every bot reads, resolved and checked beyond what the schema can say. */
export interface ResolvedGlobal {
  rpcUrl: string;
  wsUrl: string;
  keypairPath: string;
  commitment: Commitment;
  marketProgram: PublicKey | null;
  stakingProgram: PublicKey | null;
  bots: BotName[];
}

function programId(key: string, value: string): PublicKey | null {
  if (!value) return null;
  try {
    return new PublicKey(value);
  } catch {
    throw new ConfigError(`${key} must be a base58 address, got ${JSON.stringify(value.slice(0, 60))}`);
  }
}


export function resolveGlobal(config: KeepersConfig): ResolvedGlobal {
  const rpcUrl = resolveClusterUrl('global.cluster', config['global.cluster']);
  let wsUrl = config['global.ws_url'];
  if (wsUrl) {
    try {
      const u = new URL(wsUrl);
      if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error();
    } catch {
      throw new ConfigError(`global.ws_url must be a ws(s) URL, got ${JSON.stringify(wsUrl.slice(0, 60))}`);
    }
  } else {
    wsUrl = defaultWsUrl(rpcUrl);
  }
  const bots = config['bots.enabled'];
  if (bots.length === 0) throw new ConfigError('bots.enabled must name at least one bot (matcher, cranks, validator)');
  for (const b of bots) {
    if (!(BOT_NAMES as readonly string[]).includes(b)) throw new ConfigError(`bots.enabled: unknown bot ${JSON.stringify(b)} (matcher, cranks, validator)`);
  }
  for (const k of config['faults.kinds']) {
    if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new ConfigError(`faults.kinds: unknown kind ${JSON.stringify(k)} (error, timeout, lost_reply)`);
  }
  const weights = config['matcher.weight_reliability'] + config['matcher.weight_latency'] + config['matcher.weight_price'];
  if (weights <= 0) throw new ConfigError('matcher weights (reliability, latency, price) must not all be zero');
  if (!config['matcher.probe_path'].startsWith('/')) throw new ConfigError('matcher.probe_path must start with /');
  return {
    rpcUrl,
    wsUrl,
    keypairPath: expandHome(config['global.keypair']),
    commitment: config['global.commitment'] as Commitment,
    marketProgram: programId('global.market_program', config['global.market_program']),
    stakingProgram: programId('global.staking_program', config['global.staking_program']),
    bots: [...new Set(bots)] as BotName[],
  };
}

export interface LoadKeepersOptions {
  file?: string;
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/** Loads, validates and resolves the configuration (ConfigError on the first bad value). */
export function loadKeepersConfig(opts: LoadKeepersOptions = {}): { config: KeepersConfig; global: ResolvedGlobal } {
  const config = loadConfig({ service: 'keepers', schema: keepersSchema, file: opts.file, flags: opts.flags, env: opts.env ?? process.env });
  return { config, global: resolveGlobal(config) };
}
