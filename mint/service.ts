/**
 * `peer mint` as a service: opens the store, loads (or creates) the key seed, recovers pending
 * melts, serves the NUT endpoints plus /health and /metrics, and stops cleanly.
 */
import { Connection, Keypair, PublicKey } from '@solana/web3.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig, type ConfigOf } from '../service-kit/config';
import { startHttp, type HttpHandle } from '../service-kit/http';
import { createLogger, type Logger } from '../service-kit/log';
import { Metrics } from '../service-kit/metrics';
import { MINT_SCHEMA } from './config';
import { mintApp } from './http';
import { Ledger } from './ledger';
import { Quotes } from './quotes';
import { openMintStore, type Store } from './store';
import { SolanaUsdcRail, type UsdcRail } from './usdc';

export type MintConfig = ConfigOf<typeof MINT_SCHEMA>;

export interface RunningMint {
  url: string;
  port: number;
  ledger: Ledger;
  quotes: Quotes;
  store: Store;
  stop(): Promise<void>;
}

export function loadMintConfig(opts: { file?: string; flags?: Record<string, unknown>; env?: NodeJS.ProcessEnv }): MintConfig {
  return loadConfig({ service: 'mint', schema: MINT_SCHEMA, ...opts });
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** The 32-byte seed every keyset derives from; created (mode 0600) when missing. */
export function loadSeed(path: string): Uint8Array {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new ConfigError(`mint: seed file ${path} must hold 64 hex characters`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function loadWallet(path: string): Keypair {
  const file = expandHome(path);
  if (!existsSync(file)) throw new ConfigError(`mint: keypair file ${file} does not exist`);
  try {
    const bytes = JSON.parse(readFileSync(file, 'utf8')) as number[];
    return Keypair.fromSecretKey(Uint8Array.from(bytes));
  } catch {
    throw new ConfigError(`mint: keypair file ${file} is not a Solana keypair (a JSON array of 64 numbers)`);
  }
}

export async function startMint(config: MintConfig, opts: { log?: Logger; rail?: UsdcRail } = {}): Promise<RunningMint> {
  const log = opts.log ?? createLogger({ service: 'mint', format: config.log_format as 'text' | 'json' });
  let usdcMint: PublicKey;
  try {
    usdcMint = new PublicKey(config.usdc_mint);
  } catch {
    throw new ConfigError(`usdc_mint must be a base58 Solana address, got ${JSON.stringify(config.usdc_mint.slice(0, 50))}`);
  }
  const rail = opts.rail ?? new SolanaUsdcRail(new Connection(config.rpc_url, 'confirmed'), loadWallet(config.keypair), usdcMint);
  const seed = loadSeed(config.seed_file ?? join(config.data_dir, 'seed.hex'));
  const store = openMintStore(join(config.data_dir, 'mint.sqlite'));
  const ledger = new Ledger({ store, seed, maxQuoteAmount: config.max_quote_credits, quoteTtlSeconds: config.quote_ttl_s });
  if (config.rotate_keyset) log.info('keyset.rotated', { id: ledger.rotate().id });
  const metrics = new Metrics();
  const quotes = new Quotes(ledger, rail, {
    onPaid: (quote, amount) => log.info('mint_quote.paid', { quote, credits: amount }),
    onMelted: (quote, amount, signature) => log.info('melt.paid', { quote, credits: amount, signature }),
    onReleased: (quote, why) => log.warn('melt.released', { quote, why }),
  });
  const recovered = await quotes.recover().catch((err: unknown) => {
    log.warn('melt.recover_failed', { error: err instanceof Error ? err.message : String(err) });
    return 0;
  });
  if (recovered > 0) log.info('melt.recovered', { pending: recovered });
  const outstanding = metrics.gauge('mint_outstanding_credits', 'Credits of ecash signed and not yet spent');
  let http: HttpHandle | undefined;
  const publicUrl = config.public_url ?? `http://${config.host}:${config.port}`;
  const app = mintApp({ ledger, quotes, log, metrics, name: 'Peer Cycles mint', publicUrl, pubkey: ledger.activeKeyset().published['1'] });
  http = await startHttp({
    service: 'mint',
    host: config.host,
    port: config.port,
    app,
    metrics,
    log,
    health: () => {
      outstanding.set(ledger.outstanding());
      store.prepare('SELECT 1').get();
      return { ok: true, checks: { keyset: ledger.activeKeyset().id, usdc_account: rail.account.toBase58() } };
    },
  });
  log.info('mint.started', { url: http.url, keyset: ledger.activeKeyset().id, usdc_account: rail.account.toBase58() });
  return {
    url: http.url,
    port: http.port,
    ledger,
    quotes,
    store,
    async stop() {
      await http?.close();
      http = undefined;
      store.close();
      log.info('mint.stopped');
    },
  };
}
