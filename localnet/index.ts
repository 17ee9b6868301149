/**
 * A local Solana network on one machine, served by this process: a JSON-RPC server (agave's
 * port 8899) and its PubSub WebSocket (8900), backed in-process by the real runtime (litesvm),
 * with slots that advance with time and an optional ledger directory that survives restarts.
 *
 *   const net = await startLocalnet({ rpcPort: 0, ledgerDir: '.ledger' });
 *   const connection = new Connection(net.rpcUrl, { wsEndpoint: net.wsUrl, commitment: 'confirmed' });
 *   ...
 *   await net.close();
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { Keypair, LAMPORTS_PER_SOL, type PublicKey } from '@solana/web3.js';
import { Bank, SLOT_MARK_INTERVAL, type Genesis } from './bank/bank';
import { SlotClock } from './clock';
import { Ledger, newGenesis } from './ledger/ledger';
import { createHttpServer, listen } from './rpc/http';
import { JsonRpcFraming } from './rpc/jsonrpc';
import { isRpcMethod, RPC_METHODS } from './rpc/methods';
import type { RpcContext } from './rpc/context';
import { SubscriptionServer } from './subscriptions';

export { Bank } from './bank/bank';
export type { AccountState } from './bank/types';

export const DEFAULT_RPC_PORT = 8899;
export const DEFAULT_SLOT_MS = 400;
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
/** What the faucet holds at genesis: 500 million SOL. */
export const FAUCET_LAMPORTS = 500_000_000n * BigInt(LAMPORTS_PER_SOL);

const LOOPBACK = new Map([
  ['127.0.0.1', '127.0.0.1'],
  ['localhost', '127.0.0.1'],
  ['::1', '::1'],
]);

export interface LocalnetOptions {
  /** JSON-RPC port (default 8899); 0 picks a free one (and the WebSocket on the next port when free). */
  rpcPort?: number;
  /** PubSub port (default rpcPort + 1, which is where web3.js looks for it). */
  wsPort?: number;
  /** Loopback only: 127.0.0.1 (default), localhost or ::1. */
  host?: string;
  /** Keep state here across restarts; without it the network lives in memory only. */
  ledgerDir?: string;
  /** Start from an empty ledger (deletes the ledger's own files in ledgerDir). */
  reset?: boolean;
  /** Milliseconds per slot (default 400). */
  slotMs?: number;
  /** `true` logs to stderr; a function receives each line; default silent. */
  log?: boolean | ((line: string) => void);
  /** Largest accepted HTTP body / WebSocket message (default 1 MiB). */
  maxRequestBytes?: number;
  /** Most requests in one JSON-RPC batch (default 1000). */
  maxBatch?: number;
  /** Transactions kept for getTransaction / getSignatureStatuses (default 10,000). */
  historyCapacity?: number;
  /** Compact the ledger when its journal passes this many bytes (default 64 MiB). */
  compactBytes?: number;
}

export interface Localnet {
  rpcUrl: string;
  wsUrl: string;
  rpcPort: number;
  wsPort: number;
  host: string;
  ledgerDir: string | null;
  genesisHash: string;
  /** The key requestAirdrop pays from. */
  faucet: PublicKey;
  /** Direct access to the bank (slot, accounts, history) for in-process tools and tests. */
  bank: Bank;
  /** Stops serving, flushes and compacts the ledger, releases it. Safe to call twice. */
  close(): Promise<void>;
}

function logger(log: LocalnetOptions['log']): (line: string) => void {
  if (typeof log === 'function') return log;
  if (log === true) return (line) => process.stderr.write(`[localnet] ${line}\n`);
  return () => undefined;
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${what} must be an integer between 0 and 65535 (got ${port})`);
  return port;
}

/** Stops accepting connections, lets requests in flight finish (bounded), then closes. */
function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) return done();
    const timer = setTimeout(() => server.closeAllConnections(), 2_000);
    server.close(() => {
      clearTimeout(timer);
      done();
    });
    server.closeIdleConnections();
  });
}

export async function startLocalnet(opts: LocalnetOptions = {}): Promise<Localnet> {
  const log = logger(opts.log);
  const hostName = opts.host ?? '127.0.0.1';
  const host = LOOPBACK.get(hostName);
  if (!host) throw new Error(`host ${hostName} is not a loopback address; the localnet only listens on 127.0.0.1, localhost or ::1`);
  const rpcPortWanted = checkPort(opts.rpcPort ?? DEFAULT_RPC_PORT, 'rpcPort');
  const wsPortWanted = opts.wsPort === undefined ? null : checkPort(opts.wsPort, 'wsPort');
  const slotMs = opts.slotMs ?? DEFAULT_SLOT_MS;
  const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxBatch = opts.maxBatch ?? 1000;
  const historyCapacity = opts.historyCapacity ?? 10_000;

  let ledger: Ledger | null = null;
  let genesis: Genesis;
  let recovered: Awaited<ReturnType<typeof Ledger.open>>['recovered'] | null = null;
  if (opts.ledgerDir) {
    const opened = await Ledger.open({
      dir: resolve(opts.ledgerDir),
      reset: opts.reset ?? false,
      historyCapacity,
      compactBytes: opts.compactBytes ?? 64 * 1024 * 1024,
      log,
    });
    ledger = opened.ledger;
    genesis = opened.genesis;
    recovered = opened.recovered;
  } else {
    genesis = newGenesis();
  }

  const cleanup: (() => Promise<void>)[] = [];
  try {
    const bank = new Bank({ genesis, ledger, historyCapacity, log });
    if (recovered && recovered.slot !== null) {
      // Slots after the last mark were not written: skip past them so slots never repeat.
      bank.resumeAt(recovered.slot + SLOT_MARK_INTERVAL + 1, recovered.unixTimestamp);
      bank.restoreAccounts(recovered.accounts);
      for (const r of recovered.history) bank.restoreRecord(r);
      bank.history.transactionCount = recovered.transactionCount;
      log(`ledger recovered: ${recovered.accounts.size} accounts, ${recovered.transactionCount} transactions, resuming at slot ${bank.slot} (${recovered.replayed} journal records replayed)`);
    } else if (recovered) {
      bank.restoreAccounts(recovered.accounts);
    }
    if (!bank.getAccount(bank.faucet.publicKey.toBase58())) {
      await bank.setAccounts([{ address: bank.faucet.publicKey.toBase58(), state: { lamports: FAUCET_LAMPORTS, owner: '11111111111111111111111111111111', executable: false, data: new Uint8Array(0) } }]);
    }
    ledger?.attach(bank);

    const identity = Keypair.fromSeed(createHash('sha256').update(`peer-localnet-identity:${genesis.hash}`).digest()).publicKey.toBase58();
    const ctx: RpcContext = { bank, identity, log, endpoints: { rpc: null, pubsub: null } };
    const framing = new JsonRpcFraming((method, params) => RPC_METHODS[method](params, ctx), isRpcMethod, { maxBatch, log });
    const makeHttp = () => createHttpServer({ host, port: 0, maxRequestBytes, framing, healthy: () => bank.healthy, log });
    const makeWs = (port: number) => new SubscriptionServer(bank, { host, port, maxPayload: maxRequestBytes, maxBatch, log });

    let http = makeHttp();
    cleanup.push(() => closeServer(http));
    let ws: SubscriptionServer | null = null;
    let rpcPort: number;
    let wsPort: number;
    if (rpcPortWanted === 0 && wsPortWanted === null) {
      // An ephemeral pair, adjacent when possible so web3.js' default (rpc port + 1) works.
      for (let attempt = 0; ; attempt++) {
        rpcPort = await listen(http, host, 0, 'RPC');
        ws = makeWs(rpcPort + 1 <= 65535 ? rpcPort + 1 : 0);
        try {
          wsPort = await ws.listen();
          break;
        } catch (err) {
          await ws.close();
          ws = null;
          if (attempt >= 20) {
            ws = makeWs(0);
            wsPort = await ws.listen();
            break;
          }
          await closeServer(http);
          http = makeHttp();
        }
      }
    } else {
      rpcPort = await listen(http, host, rpcPortWanted, 'RPC');
      ws = makeWs(wsPortWanted ?? (rpcPortWanted === 0 ? 0 : rpcPortWanted + 1));
      wsPort = await ws.listen();
    }
    const pubsub = ws as SubscriptionServer;
    cleanup.length = 0;
    const clock = new SlotClock(bank, slotMs);
    clock.start();

    const urlHost = host.includes(':') ? `[${host}]` : host;
    ctx.endpoints = { rpc: `http://${urlHost}:${rpcPort}`, pubsub: `ws://${urlHost}:${wsPort!}` };
    log(`JSON-RPC http://${urlHost}:${rpcPort}  WebSocket ws://${urlHost}:${wsPort}  genesis ${genesis.hash}${ledger ? `  ledger ${ledger.dir}` : '  (in memory)'}`);
    let closing: Promise<void> | null = null;
    return {
      rpcUrl: `http://${urlHost}:${rpcPort}`,
      wsUrl: `ws://${urlHost}:${wsPort}`,
      rpcPort,
      wsPort: wsPort!,
      host,
      ledgerDir: ledger ? ledger.dir : null,
      genesisHash: genesis.hash,
      faucet: bank.faucet.publicKey,
      bank,
      close() {
        closing ??= (async () => {
          clock.stop();
          await Promise.all([closeServer(http), pubsub.close()]);
          if (ledger) await ledger.close();
          log('stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const fn of cleanup) await fn().catch(() => undefined);
    if (ledger) await ledger.close({ compact: false }).catch(() => undefined);
    throw err;
  }
}
