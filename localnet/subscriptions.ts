/**
 * The PubSub WebSocket server (agave's port 8900): account, program, signature, logs, slot and
 * root subscriptions, fed by the bank's events. Notifications for a transaction go out once it
 * is durable. As on agave, a signature subscription is notified once (then closed) when its
 * transaction lands; one made after that gets nothing, which is why web3.js and kit follow
 * every signatureSubscribe with a getSignatureStatuses.
 */
import { createServer, type Server } from 'node:http';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Bank } from './bank/bank';
import type { TxRecord } from './bank/history';
import type { AccountChange, AccountState } from './bank/types';
import { parseDataSlice, parseEncoding, uiAccount, type AccountEncoding, type DataSlice } from './encoding/accounts';
import { stringifyJson } from './encoding/json';
import { decimalsLookup, matches, parseFilters } from './rpc/methods/accounts';
import { invalidParams, RpcError } from './rpc/errors';
import { errorResponse, JsonRpcFraming } from './rpc/jsonrpc';
import { checkContext, config, noMoreThan, positional, pubkey, signature, usize } from './rpc/params';
import { listen } from './rpc/http';
import { SOLANA_CORE_VERSION } from './rpc/context';

/** A client that lets this much pile up unsent is dropped rather than buffered forever. */
const MAX_BUFFERED = 32 * 1024 * 1024;

type Kind = 'account' | 'program' | 'signature' | 'logs' | 'slot' | 'root';

interface Sub {
  id: number;
  kind: Kind;
  socket: WebSocket;
  key: string | null;
  encoding: AccountEncoding;
  dataSlice: DataSlice | null;
  filters: ReturnType<typeof parseFilters>;
}

const EMPTY_ACCOUNT: AccountState = { lamports: 0n, owner: '11111111111111111111111111111111', executable: false, data: new Uint8Array(0) };

const NOTIFICATION: Record<Kind, string> = {
  account: 'accountNotification',
  program: 'programNotification',
  signature: 'signatureNotification',
  logs: 'logsNotification',
  slot: 'slotNotification',
  root: 'rootNotification',
};

export interface SubscriptionOptions {
  host: string;
  port: number;
  maxPayload: number;
  maxBatch: number;
  log: (line: string) => void;
}

export class SubscriptionServer {
  private readonly subs = new Map<number, Sub>();
  private readonly byKey: Record<Kind, Map<string, Set<Sub>>> = {
    account: new Map(),
    program: new Map(),
    signature: new Map(),
    logs: new Map(),
    slot: new Map(),
    root: new Map(),
  };
  private nextId = 0;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly onTransaction = (record: TxRecord, changes: AccountChange[]) => this.transaction(record, changes);
  private readonly onSlot = (slot: number) => this.slot(slot);

  constructor(
    private readonly bank: Bank,
    private readonly opts: SubscriptionOptions,
  ) {
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' });
      res.end('this port speaks JSON-RPC over WebSocket\n');
    });
    this.wss = new WebSocketServer({ server: this.http, maxPayload: opts.maxPayload });
    this.wss.on('connection', (socket) => this.connection(socket));
    this.wss.on('error', (err) => opts.log(`websocket server error: ${err.message}`));
    bank.on('transaction', this.onTransaction);
    bank.on('slot', this.onSlot);
  }

  async listen(): Promise<number> {
    return listen(this.http, this.opts.host, this.opts.port, 'WebSocket');
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  async close(): Promise<void> {
    this.bank.off('transaction', this.onTransaction);
    this.bank.off('slot', this.onSlot);
    // Going Away to every client; whoever does not finish the closing handshake promptly is cut.
    const clients = [...this.wss.clients];
    await Promise.all(
      clients.map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              client.terminate();
              resolve();
            }, 1_000);
            client.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            client.close(1001, 'server shutting down');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  // ---- connections ---------------------------------------------------------------------------

  private connection(socket: WebSocket): void {
    const framing = new JsonRpcFraming(
      (method, params) => this.dispatch(socket, method, params),
      (method) => Object.hasOwn(METHODS, method),
      { maxBatch: this.opts.maxBatch, log: this.opts.log },
    );
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const text = isBinary ? null : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      if (text === null) {
        this.send(socket, stringifyJson(errorResponse(null, -32700, 'Parse error: send JSON text frames')));
        return;
      }
      framing.handleText(text).then(
        (reply) => {
          if (reply !== null) this.send(socket, reply);
        },
        (err: unknown) => this.opts.log(`websocket request failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    });
    socket.on('close', () => {
      for (const sub of [...this.subs.values()]) if (sub.socket === socket) this.remove(sub.id);
    });
    socket.on('error', () => undefined);
  }

  private send(socket: WebSocket, text: string): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED) {
      this.opts.log('dropping a websocket client that does not read its notifications');
      socket.terminate();
      return;
    }
    socket.send(text);
  }

  private notify(sub: Sub, result: unknown): void {
    this.send(sub.socket, stringifyJson({ jsonrpc: '2.0', method: NOTIFICATION[sub.kind], params: { result, subscription: sub.id } }));
  }

  private add(socket: WebSocket, kind: Kind, key: string | null, extra: Partial<Pick<Sub, 'encoding' | 'dataSlice' | 'filters'>> = {}): Sub {
    const sub: Sub = { id: this.nextId++, kind, socket, key, encoding: extra.encoding ?? 'base64', dataSlice: extra.dataSlice ?? null, filters: extra.filters ?? [] };
    this.subs.set(sub.id, sub);
    const k = key ?? '';
    let set = this.byKey[kind].get(k);
    if (!set) this.byKey[kind].set(k, (set = new Set()));
    set.add(sub);
    return sub;
  }

  private remove(id: number): boolean {
    const sub = this.subs.get(id);
    if (!sub) return false;
    this.subs.delete(id);
    const set = this.byKey[sub.kind].get(sub.key ?? '');
    set?.delete(sub);
    if (set && set.size === 0) this.byKey[sub.kind].delete(sub.key ?? '');
    return true;
  }

  private dispatch(socket: WebSocket, method: string, params: unknown): unknown {
    const p = positional(params);
    const spec = METHODS[method];
    if (spec.unsubscribe) {
      noMoreThan(p, 1);
      const id = usize(p[0], 'subscription id');
      const sub = this.subs.get(id);
      if (!sub || sub.socket !== socket || sub.kind !== spec.kind) throw invalidParams('Invalid subscription id.');
      return this.remove(id);
    }
    switch (spec.kind) {
      case 'account': {
        noMoreThan(p, 2);
        const address = pubkey(p[0]);
        const cfg = config(p[1]);
        checkContext(cfg, this.bank.slot);
        return this.add(socket, 'account', address, { encoding: parseEncoding(cfg.encoding, 'base64'), dataSlice: parseDataSlice(cfg.dataSlice) }).id;
      }
      case 'program': {
        noMoreThan(p, 2);
        const program = pubkey(p[0], 'program id');
        const cfg = config(p[1]);
        checkContext(cfg, this.bank.slot);
        return this.add(socket, 'program', program, {
          encoding: parseEncoding(cfg.encoding, 'base64'),
          dataSlice: parseDataSlice(cfg.dataSlice),
          filters: parseFilters(cfg.filters),
        }).id;
      }
      case 'signature': {
        noMoreThan(p, 2);
        const sig = signature(p[0]);
        checkContext(config(p[1]), this.bank.slot);
        return this.add(socket, 'signature', sig).id;
      }
      case 'logs': {
        noMoreThan(p, 2);
        checkContext(config(p[1]), this.bank.slot);
        const filter = p[0];
        if (filter === 'all' || filter === 'allWithVotes') return this.add(socket, 'logs', '*').id;
        const mentions = (config(filter) as { mentions?: unknown }).mentions;
        if (!Array.isArray(mentions) || mentions.length !== 1) {
          throw invalidParams('logs filter must be "all", "allWithVotes" or {"mentions": [one address]}');
        }
        return this.add(socket, 'logs', pubkey(mentions[0], 'mentioned address')).id;
      }
      case 'slot':
      case 'root':
        noMoreThan(p, 0);
        return this.add(socket, spec.kind, null).id;
    }
    throw new RpcError(-32601, 'Method not found');
  }

  // ---- events --------------------------------------------------------------------------------

  private account(sub: Sub, state: AccountState | null): unknown {
    return uiAccount(state ?? EMPTY_ACCOUNT, sub.encoding, sub.dataSlice, decimalsLookup(this.bank));
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log(`${what} notification skipped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Account and program notifications first, then logs, then the signature: a client that has
   * its signature notification has everything else this transaction caused on its socket.
   */
  private transaction(record: TxRecord, changes: AccountChange[]): void {
    const context = { slot: record.slot, apiVersion: SOLANA_CORE_VERSION };
    for (const change of changes) {
      for (const sub of this.byKey.account.get(change.address) ?? []) {
        this.safely('account', () => this.notify(sub, { context, value: this.account(sub, change.after) }));
      }
      const owner = change.after?.owner;
      if (!owner) continue;
      for (const sub of this.byKey.program.get(owner) ?? []) {
        if (!matches(change.after as AccountState, sub.filters)) continue;
        this.safely('program', () => this.notify(sub, { context, value: { pubkey: change.address, account: this.account(sub, change.after) } }));
      }
    }
    const logs = { context, value: { signature: record.signature, err: record.err, logs: record.logs } };
    for (const sub of this.byKey.logs.get('*') ?? []) this.notify(sub, logs);
    for (const key of new Set(record.accountKeys)) {
      for (const sub of this.byKey.logs.get(key) ?? []) this.notify(sub, logs);
    }
    for (const sub of [...(this.byKey.signature.get(record.signature) ?? [])]) {
      this.notify(sub, { context, value: { err: record.err } });
      this.remove(sub.id);
    }
  }

  private slot(slot: number): void {
    for (const sub of this.byKey.slot.get('') ?? []) this.notify(sub, { parent: slot - 1, root: slot, slot });
    for (const sub of this.byKey.root.get('') ?? []) this.notify(sub, slot);
  }
}

const METHODS: Record<string, { kind: Kind; unsubscribe: boolean }> = {
  accountSubscribe: { kind: 'account', unsubscribe: false },
  accountUnsubscribe: { kind: 'account', unsubscribe: true },
  programSubscribe: { kind: 'program', unsubscribe: false },
  programUnsubscribe: { kind: 'program', unsubscribe: true },
  signatureSubscribe: { kind: 'signature', unsubscribe: false },
  signatureUnsubscribe: { kind: 'signature', unsubscribe: true },
  logsSubscribe: { kind: 'logs', unsubscribe: false },
  logsUnsubscribe: { kind: 'logs', unsubscribe: true },
  slotSubscribe: { kind: 'slot', unsubscribe: false },
  slotUnsubscribe: { kind: 'slot', unsubscribe: true },
  rootSubscribe: { kind: 'root', unsubscribe: false },
  rootUnsubscribe: { kind: 'root', unsubscribe: true },
};
