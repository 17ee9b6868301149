/**
 * The keeper service: builds the shared context (transport with its fault and retry layers, the
 * wallet, send options with the priority-fee cap), the enabled bots, their loops, the WebSocket
 * watcher, and the HTTP face: GET /health (each bot's last good tick; 503 when one stalls) and
 * GET /metrics. `stop()` stops new ticks, waits for the ones in flight, then closes everything.
 */
import { Connection, Keypair, type Commitment } from '@solana/web3.js';
import bs58 from 'bs58';
import { Hono } from 'hono';
import { createContext, ConnectionTransport, defaultProgramIds, type PeerContext, type SendOptions, type Transport } from '../sdk/src';
import { createLogger, Metrics, readKeypairFile as readKeypair, startHttp, type HttpHandle, type Logger } from '../service-kit';
import { KeeperMetrics, SetupError, type Bot, type BotKit } from './bot';
import { ProgramWatcher, RetryingReads } from './chain';
import type { BotName, FaultKind, KeepersConfig, ResolvedGlobal } from './config';
import { crankSettings, CranksBot } from './cranks';
import { FaultyTransport } from './faults';
import { BotLoop, type LoopHealth } from './loop';
import { matcherSettings, MatcherBot } from './matcher';
import { ValidatorBot, validatorSettings } from './validator/bot';

export interface StartKeepersOptions {
  config: KeepersConfig;
  global: ResolvedGlobal;
  /** The keeper's keypair (default: read from global.keypair). */
  wallet?: Keypair;
  /** Log lines go here (default stderr). */
  write?: (line: string) => void;
  /** Extra bots (tests), or replacements keyed by name. */
  makeBot?: (name: BotName, kit: BotKit) => Bot | null;
  /** Called when a bot hits a fatal setup error after start (the CLI exits non-zero). */
  onFatal?: (err: Error) => void;
}

export interface KeepersService {
  url: string;
  port: number;
  ctx: PeerContext;
  loops: Map<BotName, BotLoop>;
  bots: Map<BotName, Bot>;
  faults: FaultyTransport;
  metrics: KeeperMetrics;
  log: Logger;
  health(): { ok: boolean; bots: Record<string, LoopHealth> };
  stop(): Promise<void>;
}

/** Reads a Solana CLI keypair file (JSON array of 64 bytes); errors never show its content. */
export function readKeypairFile(path: string): Keypair {
  return readKeypair(path, 'global.keypair');
}

function sendOptions(config: KeepersConfig, commitment: Commitment): SendOptions {
  const percentile = config['global.priority_fee_percentile'];
  const fixed = config['global.priority_fee_microlamports'];
  const cap = config['global.priority_fee_cap_lamports'];
  const priorityFee = percentile >= 0 ? { percentile, maxLamports: cap } : fixed > 0 ? { microLamports: fixed, maxLamports: cap } : undefined;
  return { commitment, priorityFee };
}

export async function startKeepers(opts: StartKeepersOptions): Promise<KeepersService> {
  const { config, global } = opts;
  const wallet = opts.wallet ?? readKeypairFile(global.keypairPath);
  const secret = bs58.encode(wallet.secretKey);
  const log = createLogger({ service: 'keepers', format: config['global.log_format'] as 'text' | 'json', secrets: [secret], write: opts.write });
  const registry = new Metrics();
  const metrics = new KeeperMetrics(registry);

  const connection = new Connection(global.rpcUrl, { commitment: global.commitment, wsEndpoint: global.wsUrl });
  const base: Transport = new ConnectionTransport(connection, { pollMs: config['global.confirm_poll_ms'] });
  const faults = new FaultyTransport(base, {
    rate: config['faults.rate'],
    timeoutMs: config['faults.timeout_ms'],
    seed: config['faults.seed'],
    kinds: config['faults.kinds'] as FaultKind[],
    onFault: (kind, method) => metrics.faults.inc({ kind, method }),
  });
  if (config['faults.rate'] > 0) log.warn('faults.enabled', { rate: config['faults.rate'], kinds: config['faults.kinds'].join(',') });
  const programs = { ...defaultProgramIds(), ...(global.marketProgram ? { market: global.marketProgram } : {}), ...(global.stakingProgram ? { staking: global.stakingProgram } : {}) };
  const ctx = createContext({ transport: new RetryingReads(faults), wallet, programs, commitment: global.commitment, send: sendOptions(config, global.commitment) });
  const kit: BotKit = { ctx, log, metrics, maxConcurrentTx: config['global.max_concurrent_tx'] };

  const bots = new Map<BotName, Bot>();
  for (const name of global.bots) {
    const custom = opts.makeBot?.(name, kit);
    if (custom) bots.set(name, custom);
    else if (name === 'matcher') bots.set(name, new MatcherBot(kit, matcherSettings(config)));
    else if (name === 'cranks') bots.set(name, new CranksBot(kit, crankSettings(config)));
    else if (name === 'validator') bots.set(name, await makeValidatorBot(kit, config));
  }

  // First init here, so a misconfigured bot stops the start with one line; an unreachable node
  // does not (the loop keeps retrying).
  const initialized = new Map<BotName, boolean>();
  for (const [name, bot] of bots) {
    try {
      await bot.init();
      initialized.set(name, true);
    } catch (err) {
      if (err instanceof SetupError) {
        for (const b of bots.values()) await b.close?.().catch(() => undefined);
        throw err;
      }
      log.warn('bot.init_failed', { bot: name, error: err instanceof Error ? err.message.split('\n')[0] : String(err) });
      initialized.set(name, false);
    }
  }

  const loops = new Map<BotName, BotLoop>();
  const fatal = (err: Error): void => {
    log.error('bot.fatal', { error: err.message });
    opts.onFatal?.(err);
  };
  for (const [name, bot] of bots) {
    loops.set(name, new BotLoop(bot, { stallMs: config['global.stall_ms'], log, metrics, onFatal: fatal, initialized: initialized.get(name) }));
  }

  const health = () => {
    const report: Record<string, LoopHealth> = {};
    for (const [name, loop] of loops) report[name] = loop.health();
    return { ok: Object.values(report).every((h) => h.ok), bots: report };
  };
  const app = new Hono();
  for (const bot of bots.values()) bot.routes?.(app);
  let http: HttpHandle;
  try {
    http = await startHttp({ service: 'keepers', host: config['global.host'], port: config['global.port'], app, metrics: registry, log, health: () => { const h = health(); return { ok: h.ok, checks: { bots: h.bots } }; } });
  } catch (err) {
    for (const b of bots.values()) await b.close?.().catch(() => undefined);
    throw err;
  }

  let watcher: ProgramWatcher | null = null;
  if (config['global.subscriptions']) {
    watcher = new ProgramWatcher(global.rpcUrl, global.wsUrl, programs.market, global.commitment, log);
    try {
      watcher.start((change) => {
        for (const loop of loops.values()) if (loop.bot.wakesOn(change)) loop.wake();
      });
    } catch (err) {
      log.warn('subscribe.failed', { error: err instanceof Error ? err.message : String(err), fallback: 'polling' });
    }
  }
  for (const loop of loops.values()) loop.start();
  log.info('keepers.started', { bots: [...bots.keys()].join(','), rpc: global.rpcUrl, keeper: wallet.publicKey.toBase58(), http: http.url });

  let stopping: Promise<void> | null = null;
  return {
    url: http.url,
    port: http.port,
    ctx,
    loops,
    bots,
    faults,
    metrics,
    log,
    health,
    stop() {
      stopping ??= (async () => {
        const timeout = config['global.stop_timeout_ms'];
        await watcher?.close();
        const finished = await Promise.all([...loops.values()].map((l) => l.stop(timeout)));
        if (finished.some((f) => !f)) {
          faults.releaseTimers();
          log.warn('stop.timeout', { waited_ms: timeout });
        }
        for (const b of bots.values()) await b.close?.().catch(() => undefined);
        await http.close();
        log.info('keepers.stopped', {});
      })();
      return stopping;
    },
  };
}

async function makeValidatorBot(kit: BotKit, config: KeepersConfig): Promise<Bot> {
  return new ValidatorBot(kit, validatorSettings(config));
}
