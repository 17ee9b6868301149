/**
 * The gateway service: wires the ledger, the chain writer, the worker directory, the job runner,
 * the payment methods and the reconciler behind the HTTP app, with /health and /metrics.
 */
import { Connection, Keypair, PublicKey } from '@solana/web3.js';
import { existsSync, readFileSync } from 'node:fs';
import { matcherRegistrationAccount } from '../sdk/src/accounts/market';
import { associatedTokenAddress, createAssociatedTokenAccountIdempotent } from '../sdk/src/accounts/token';
import { createContext, marketInfo, type PeerContext } from '../sdk/src/context';
import { creditBalance } from '../sdk/src/flows/client';
import { findMatcherPda } from '../sdk/src/pda';
import { sendInstructions } from '../sdk/src/rpc/send';
import { ConnectionTransport } from '../sdk/src/rpc/connection';
import { ConfigError } from '../service-kit/config';
import { startHttp, type HttpHandle } from '../service-kit/http';
import { createLogger, type Logger } from '../service-kit/log';
import { Metrics } from '../service-kit/metrics';
import { gatewayApp } from './app';
import { SOLANA_NETWORKS, type GatewayConfig } from './config';
import { JobRunner } from './jobs';
import { Ledger } from './ledger';
import { WorkerDirectory } from './market/directory';
import { ChainWriter } from './market/writer';
import { BearerPayments } from './payments/bearer';
import { EcashPayments } from './payments/ecash';
import { X402Payments } from './payments/x402';
import { openMintLedger } from '../mint';
import { loadOrCreateOhttpKey, mountObliviousGateway } from '../relay';
import { Reconciler } from './reconcile';

export interface Gateway {
  url: string;
  port: number;
  ctx: PeerContext;
  ledger: Ledger;
  writer: ChainWriter;
  reconciler: Reconciler;
  directory: WorkerDirectory;
  wallet: PublicKey;
  stop(): Promise<void>;
  /** Tests: drop everything at once, as a kill -9 would (no final reconcile, no flush). */
  crash(): void;
}

/** Reads a Solana CLI keypair file (a JSON array of 64 bytes); errors never print its content. */
export function readWallet(path: string): Keypair {
  if (!existsSync(path)) throw new ConfigError(`gateway: keypair file ${path} does not exist`);
  let bytes: unknown;
  try {
    bytes = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ConfigError(`gateway: keypair file ${path} is not a JSON array of 64 numbers`);
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    throw new ConfigError(`gateway: keypair file ${path} is not a JSON array of 64 numbers`);
  }
  try {
    return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
  } catch {
    throw new ConfigError(`gateway: keypair file ${path} does not hold a valid ed25519 keypair`);
  }
}

export async function startGateway(config: GatewayConfig, opts: { log?: Logger; wallet?: Keypair; programs?: { market?: PublicKey; staking?: PublicKey } } = {}): Promise<Gateway> {
  const log = opts.log ?? createLogger({ service: 'gateway', format: config.log_format as 'text' | 'json', secrets: config.demo_key ? [config.demo_key] : [] });
  const metrics = new Metrics();
  const wallet = opts.wallet ?? readWallet(config.keypair);
  const connection = new Connection(config.rpc_url, 'confirmed');
  const ctx = createContext({ transport: new ConnectionTransport(connection, { pollMs: config.confirm_poll_ms }), wallet, programs: opts.programs });
  let info;
  try {
    info = await marketInfo(ctx);
  } catch (err) {
    throw new Error(`gateway: cannot read the market config at ${config.rpc_url}: ${(err as Error).message.split('\n')[0]}`);
  }
  const ledger = new Ledger(config.db);
  try {
    // The x402 payTo account and the credit purchases' source.
    const ata = associatedTokenAddress(info.usdcMint, wallet.publicKey);
    if (!(await ctx.transport.getAccount(ata))) {
      await sendInstructions(ctx, [createAssociatedTokenAccountIdempotent(wallet.publicKey, info.usdcMint, wallet.publicKey)]);
      log.info('gateway.usdc_account_created', { account: ata.toBase58() });
    }
    const selfAssign = config.assign === 'self';
    if (selfAssign) {
      const reg = await matcherRegistrationAccount.fetchMaybe(ctx.transport, findMatcherPda(wallet.publicKey, ctx.programs.market)[0], { programId: ctx.programs.market });
      if (!reg) {
        throw new ConfigError(`gateway: assign=self needs the gateway wallet ${wallet.publicKey.toBase58()} registered as a matcher (admin add_matcher), or use --assign matcher`);
      }
    }
    const onChain = await creditBalance(ctx);
    if (ledger.meta('baseline_credits') === null) ledger.setMeta('baseline_credits', (onChain.balance + onChain.locked).toString());

    const orphaned = ledger.abandonInFlight();
    if (orphaned > 0) log.warn('gateway.recovered_jobs', { jobs: orphaned });
    const writer = new ChainWriter(ctx, ledger, log, config.post_batch);
    const lastNonce = ledger.liveHolds().reduce((m, h) => (h.nonce >= m ? h.nonce + 1n : m), 0n);
    const storedNext = BigInt(ledger.meta('next_nonce') ?? '0');
    writer.startAt([onChain.jobsPosted, lastNonce, storedNext].reduce((a, b) => (a > b ? a : b)));
    const directory = new WorkerDirectory(ctx, log, config.models, undefined, config.confidential_allow_dev);
    const reconciler = new Reconciler(ctx, connection, ledger, writer, log);
    const runner = new JobRunner(
      ctx,
      ledger,
      writer,
      directory,
      {
        selfAssign,
        assignTimeoutMs: config.assign_timeout_ms,
        answerTimeoutMs: config.answer_timeout_ms,
        retries: config.retries,
        defaultMaxPrice: BigInt(config.max_price),
      },
      log,
      (job) => reconciler.finalizeSoon(job),
      connection,
    );
    let x402: X402Payments | null = null;
    if (config.x402 && !config.local) {
      x402 = new X402Payments({
        rpcUrl: config.rpc_url,
        network: SOLANA_NETWORKS[config['x402.network'] as keyof typeof SOLANA_NETWORKS],
        usdcMint: info.usdcMint,
        wallet,
        timeoutSeconds: config['x402.timeout_s'],
        ledger,
        log,
      });
      await x402.init();
    }
    if (config.demo_key && !ledger.hasKey(config.demo_key)) {
      const { accountId } = ledger.createKeyAccount('demo', config.demo_key);
      if (config.demo_credits > 0) ledger.grant(accountId, BigInt(config.demo_credits), 'demo');
      log.info('gateway.demo_key_created', { account: accountId, credits: config.demo_credits });
    }
    await reconciler.tick();

    const ecash = config['ecash.mint_data_dir']
      ? new EcashPayments({ mint: openMintLedger({ dataDir: config['ecash.mint_data_dir'] }), mintUrl: config['ecash.mint_url'], ledger, log })
      : null;
    const app = gatewayApp({
      ctx,
      ledger,
      runner,
      directory,
      bearer: new BearerPayments(ledger),
      x402,
      ecash,
      local: config.local,
      defaults: { tier: config.default_tier as 'open', maxTokens: config.max_tokens, maxBodyBytes: config.max_body_bytes },
      log,
      metrics,
    });
    if (config['ohttp.key_file']) {
      // Requests relayed through `peer relay` arrive encapsulated; the gateway never sees who sent them.
      const keyPair = await loadOrCreateOhttpKey(config['ohttp.key_file']);
      mountObliviousGateway(app, { keyPair, handle: (r) => app.fetch(r), log, metrics });
    }
    const liabilities = metrics.gauge('gateway_liabilities_credits', 'credits owed to accounts (balances + holds)');
    let rpcOk = true;
    const http: HttpHandle = await startHttp({
      service: 'gateway',
      host: config.host,
      port: config.port,
      app,
      metrics,
      log,
      health: async () => {
        try {
          await connection.getSlot();
          rpcOk = true;
        } catch {
          rpcOk = false;
        }
        const l = ledger.liabilities();
        liabilities.set(Number(l.balances + l.held));
        return {
          ok: rpcOk,
          checks: { rpc: rpcOk ? 'ok' : 'unreachable', wallet: wallet.publicKey.toBase58(), mode: config.local ? 'local' : 'hosted', x402: x402 !== null, ecash: ecash !== null, ohttp: Boolean(config['ohttp.key_file']), queue: writer.depth, reconcile_ticks: reconciler.stats.ticks },
        };
      },
    });
    const timer = setInterval(() => {
      ledger.setMeta('next_nonce', writer.peekNext().toString());
      void reconciler.tick();
    }, config.reconcile_interval_ms);
    timer.unref();
    log.info('gateway.started', { url: http.url, wallet: wallet.publicKey.toBase58(), mode: config.local ? 'local' : 'hosted', assign: config.assign, x402: x402 !== null });
    return {
      url: http.url,
      port: http.port,
      ctx,
      ledger,
      writer,
      reconciler,
      directory,
      wallet: wallet.publicKey,
      crash() {
        clearInterval(timer);
        void http.close();
        ledger.close();
      },
      async stop() {
        clearInterval(timer);
        await http.close();
        await reconciler.tick().catch(() => undefined);
        ledger.setMeta('next_nonce', writer.peekNext().toString());
        ledger.close();
        log.info('gateway.stopped', {});
      },
    };
  } catch (err) {
    ledger.close();
    throw err;
  }
}
