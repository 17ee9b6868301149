/**
 * The worker's configuration: `worker.yml` (sections flatten to dotted keys), PEER_WORKER_*
 * environment variables (`llama.model` → PEER_WORKER_LLAMA_MODEL) and flags, validated once.
 *
 *   rpc: { url: localnet }            # localnet | devnet | testnet | mainnet-beta | http(s) URL
 *   keypair: ~/.config/solana/id.json # the worker's authority (pays fees; derives its x25519 key)
 *   http: { host: 127.0.0.1, port: 8080, public_url: http://my.host:8080 }
 *   backend: llama                    # llama | upstream | ghost
 *   llama: { model: worker/models/peer-demo.gguf, sha256: …, threads: 1 }
 *   market: { tiers: open,verified, price_open: 2, price_verified: 5, capacity: 2, bond: 2000 }
 *   cheat: { rate: 0 }                # the demo's dishonest worker; keep 0
 */
import { join } from 'node:path';
import { resolveClusterUrl } from '../service-kit/cluster';
import { ConfigError, loadConfig, secretValues, type ConfigOf, type Schema } from '../service-kit/config';

export const DEMO_MODEL_PATH = join(__dirname, 'models', 'peer-demo.gguf');

const SCHEMA = {
  'rpc.url': { type: 'string', default: 'localnet', doc: 'RPC: localnet, devnet, testnet, mainnet-beta (or l/d/t/m) or an http(s) URL' },
  keypair: { type: 'string', default: '~/.config/solana/id.json', doc: "the worker authority's keypair file" },
  'http.host': { type: 'string', default: '127.0.0.1', doc: 'address the endpoint listens on' },
  'http.port': { type: 'int', default: 8080, min: 0, max: 65535, doc: 'endpoint port (0: any free port)' },
  'http.public_url': { type: 'string', default: '', doc: 'the endpoint clients reach (registered on chain; default http://host:port)' },
  'store.path': { type: 'string', default: '.peer/worker.sqlite', doc: 'SQLite file for jobs in flight' },
  backend: { type: 'enum', values: ['llama', 'upstream', 'ghost'], default: 'llama', doc: 'where answers come from' },
  'llama.model': { type: 'string', default: DEMO_MODEL_PATH, doc: 'GGUF path, or an http(s) URL to download (then llama.sha256 is required)' },
  'llama.sha256': { type: 'string', default: '', doc: "the weights' sha256 (required for a URL; checked for a path when set)" },
  'llama.models_dir': { type: 'string', default: '.peer/models', doc: 'where downloaded models are kept' },
  'llama.name': { type: 'string', default: '', doc: 'profile name (default: the file name)' },
  'llama.threads': { type: 'int', default: 1, min: 1, max: 256, doc: 'CPU threads per generation (does not change the output)' },
  'llama.context_size': { type: 'int', default: 1024, min: 64, max: 32768, doc: 'profile: context size' },
  'llama.batch_size': { type: 'int', default: 512, min: 1, max: 32768, doc: 'profile: batch size' },
  'llama.temperature': { type: 'number', default: 0.8, min: 0, max: 2, doc: 'profile: temperature (0 = greedy)' },
  'llama.top_k': { type: 'int', default: 40, min: 0, max: 1000, doc: 'profile: top_k' },
  'llama.top_p': { type: 'number', default: 0.95, min: 0, max: 1, doc: 'profile: top_p' },
  'llama.min_p': { type: 'number', default: 0, min: 0, max: 1, doc: 'profile: min_p' },
  'llama.template': { type: 'enum', values: ['peer-plain-v1', 'raw'], default: 'peer-plain-v1', doc: 'profile: how chat messages become text' },
  'llama.add_bos': { type: 'bool', default: true, doc: 'profile: prepend the BOS token (the demo model was trained with it)' },
  'upstream.url': { type: 'url', default: 'http://127.0.0.1:11434/v1', doc: 'OpenAI-compatible base URL (ollama, vLLM, llama.cpp server, LM Studio)' },
  'upstream.model': { type: 'string', default: '', doc: "the upstream's model name" },
  'upstream.api_key': { type: 'string', default: '', secret: true, doc: "the upstream's API key, if it needs one" },
  'upstream.profile_file': { type: 'string', default: '', doc: 'JSON execution profile the upstream runs (makes it deterministic: verified tier allowed)' },
  'ghost.url': { type: 'url', default: 'https://api.openai.com/v1', doc: "the hosted provider's OpenAI-compatible base URL" },
  'ghost.model': { type: 'string', default: '', doc: 'the hosted model name' },
  'ghost.api_key': { type: 'string', default: '', secret: true, doc: 'the provider API key (or PEER_WORKER_GHOST_API_KEY); never logged, never on chain' },
  'market.tiers': { type: 'list', default: ['open', 'verified'], doc: 'tiers to serve: open, verified, confidential' },
  'market.price_open': { type: 'int', default: 2, min: 1, doc: 'credits per open job' },
  'market.price_verified': { type: 'int', default: 5, min: 1, doc: 'credits per verified job' },
  'market.price_confidential': { type: 'int', default: 20, min: 1, doc: 'credits per confidential job' },
  'market.capacity': { type: 'int', default: 2, min: 1, max: 255, doc: 'jobs in flight at once (on chain)' },
  'market.bond': { type: 'string', default: '0', doc: '$PEER to keep bonded (whole tokens, decimals allowed); 0: bond nothing' },
  'market.register': { type: 'bool', default: true, doc: 'register, bond and keep the on-chain settings in step at start' },
  'market.self_claim': { type: 'bool', default: true, doc: 'claim eligible open jobs after the claim delay' },
  'market.poll_ms': { type: 'int', default: 2000, min: 50, max: 600000, doc: 'node loop interval' },
  'market.claim_earnings_above': { type: 'string', default: '1', doc: 'claim USDC earnings once above this many USDC' },
  'confidential.enclave': { type: 'enum', values: ['none', 'tsm', 'dev'], default: 'none', doc: 'the confidential tier: tsm (a TEE guest) or dev (NOT hardware-attested)' },
  'confidential.insecure_dev_enclave': { type: 'bool', default: false, doc: 'allow the dev enclave (no TEE; NOT hardware-attested)' },
  'confidential.authority_url': { type: 'string', default: '', doc: 'attestation authority (peer attest serve) that vouches for the enclave; the worker then registers its enclave key on chain' },
  'cheat.rate': { type: 'number', default: 0, min: 0, max: 1, doc: "DEMO ONLY: probability that an answer is altered (a dishonest worker for validators to catch)" },
  'log.format': { type: 'enum', values: ['text', 'json'], default: 'text', doc: 'log line format' },
} satisfies Schema;

export type WorkerConfig = ConfigOf<typeof SCHEMA>;
export const WORKER_SCHEMA: Schema = SCHEMA;


export function resolveRpcUrl(value: string): string {
  return resolveClusterUrl('rpc.url', value);
}

/** Parses a whole-token amount with up to `decimals` decimals into base units. */
export function parseTokens(value: string, decimals: number, key: string): bigint {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m || (m[2] ?? '').length > decimals) throw new ConfigError(`${key} must be an amount with at most ${decimals} decimals, got ${JSON.stringify(value)}`);
  return BigInt(m[1]) * 10n ** BigInt(decimals) + BigInt((m[2] ?? '').padEnd(decimals, '0') || '0');
}

export interface LoadedWorkerConfig {
  config: WorkerConfig;
  rpcUrl: string;
  secrets: string[];
}

export function loadWorkerConfig(opts: { file?: string; flags?: Record<string, unknown>; env?: NodeJS.ProcessEnv }): LoadedWorkerConfig {
  const config = loadConfig({ service: 'worker', schema: SCHEMA, file: opts.file, flags: opts.flags, env: opts.env ?? process.env });
  const rpcUrl = resolveRpcUrl(config['rpc.url']);
  const tiers = config['market.tiers'];
  for (const t of tiers) if (!['open', 'verified', 'confidential'].includes(t)) throw new ConfigError(`market.tiers: unknown tier ${JSON.stringify(t)} (open, verified, confidential)`);
  if (tiers.length === 0) throw new ConfigError('market.tiers must name at least one tier');
  if (config.backend === 'ghost') {
    if (!config['ghost.api_key']) throw new ConfigError('ghost.api_key is required for a ghost node (set PEER_WORKER_GHOST_API_KEY)');
    if (!config['ghost.model']) throw new ConfigError('ghost.model is required for a ghost node');
    if (tiers.some((t) => t !== 'open')) throw new ConfigError('a ghost node serves the open tier only: hosted APIs are not deterministic (set market.tiers to open)');
  }
  if (config.backend === 'upstream' && !config['upstream.model']) throw new ConfigError('upstream.model is required for an upstream backend');
  if (config.backend === 'upstream' && !config['upstream.profile_file'] && tiers.some((t) => t !== 'open')) {
    throw new ConfigError('an upstream without upstream.profile_file is not deterministic: it serves the open tier only (set market.tiers to open)');
  }
  if (tiers.includes('confidential') && config['confidential.enclave'] === 'none') throw new ConfigError('market.tiers includes confidential but confidential.enclave is none');
  if (config['confidential.enclave'] === 'dev' && !config['confidential.insecure_dev_enclave']) {
    throw new ConfigError('confidential.enclave dev runs without a TEE (NOT hardware-attested): pass --insecure-dev-enclave to allow it');
  }
  if (/^https?:\/\//.test(config['llama.model']) && !/^[0-9a-f]{64}$/.test(config['llama.sha256'])) {
    throw new ConfigError('llama.sha256 (64 hex digits) is required when llama.model is a URL');
  }
  if (config['llama.sha256'] && !/^[0-9a-f]{64}$/.test(config['llama.sha256'])) throw new ConfigError('llama.sha256 must be 64 lowercase hex digits');
  parseTokens(config['market.bond'], 9, 'market.bond');
  parseTokens(config['market.claim_earnings_above'], 6, 'market.claim_earnings_above');
  if (config['confidential.authority_url'] && !/^https?:\/\/[^\s]+$/.test(config['confidential.authority_url'])) throw new ConfigError('confidential.authority_url must be an http(s) URL');
  if (config['http.public_url'] && !/^https?:\/\/[^\s]+$/.test(config['http.public_url'])) throw new ConfigError('http.public_url must be an http(s) URL');
  return { config, rpcUrl, secrets: secretValues(SCHEMA, config) };
}
