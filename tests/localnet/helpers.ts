/**
 * Shared by the localnet suites: servers on ephemeral ports (so a dev localnet on 8899 can keep
 * running), raw JSON-RPC over HTTP and WebSocket, bounded waits on events, and web3.js
 * connections that are closed before their server is.
 */
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction, type Commitment, type PublicKey } from '@solana/web3.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startLocalnet, type Localnet, type LocalnetOptions } from '../../localnet';
import { REPO_ROOT } from '../../tools/workspace';

export async function startTestLocalnet(opts: LocalnetOptions = {}): Promise<Localnet> {
  return startLocalnet({ rpcPort: 0, ...opts });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const connections = new WeakMap<Localnet, Connection[]>();

/** A web3.js connection to `net`, closed by `closeConnections(net)`. */
export function connect(net: Localnet, commitment: Commitment = 'confirmed'): Connection {
  const c = new Connection(net.rpcUrl, { commitment, wsEndpoint: net.wsUrl });
  const list = connections.get(net) ?? [];
  list.push(c);
  connections.set(net, list);
  return c;
}

/**
 * Closes the WebSocket web3.js keeps for subscriptions, once web3.js has finished unsubscribing
 * (it reconnects to finish any unsubscription left pending, even to a server that is gone), with
 * a normal close so its client does not try to reconnect.
 */
export async function closeConnections(net: Localnet): Promise<void> {
  for (const c of connections.get(net) ?? []) {
    const internals = c as unknown as {
      _subscriptionsByHash: Record<string, unknown>;
      _rpcWebSocket?: { close(): void; underlyingSocket?: { readyState: number; addEventListener(e: 'close', f: () => void): void } };
    };
    await until('web3.js to finish unsubscribing', () => Object.keys(internals._subscriptionsByHash).length === 0, 5_000).catch(() => undefined);
    const socket = internals._rpcWebSocket?.underlyingSocket;
    if (!socket || socket.readyState === 3) continue;
    // Wait for the closing handshake: a socket the server drops first counts as abnormal, and
    // the client would start reconnecting.
    const closed = waitFor<void>('the web3.js websocket to close', (done) => socket.addEventListener('close', () => done()), 5_000);
    internals._rpcWebSocket!.close();
    await closed;
  }
  connections.delete(net);
}

export async function stop(net: Localnet | undefined): Promise<void> {
  if (!net) return;
  await closeConnections(net);
  await net.close();
}

export interface RawResponse {
  status: number;
  body: unknown;
  text: string;
}

/** POSTs `body` (a string is sent as is) to the RPC server. */
export async function rawPost(net: { rpcUrl: string }, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await fetch(net.rpcUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed, text };
}

let nextId = 1;

export interface RpcReply<T = unknown> {
  jsonrpc: '2.0';
  id: number | string | null;
  result?: T;
  error?: { code: number; message: string; data?: unknown };
}

export async function rpc<T = unknown>(net: { rpcUrl: string }, method: string, params?: unknown): Promise<RpcReply<T>> {
  const res = await rawPost(net, { jsonrpc: '2.0', id: nextId++, method, ...(params === undefined ? {} : { params }) });
  return res.body as RpcReply<T>;
}

/** Resolves with the first value `register` passes to its callback, or fails after `ms`. */
export function waitFor<T>(what: string, register: (done: (value: T) => void) => void | (() => void), ms = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let finished = false;
    let cleanup: void | (() => void);
    const timer = setTimeout(() => {
      finished = true;
      if (typeof cleanup === 'function') cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    cleanup = register((value) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (typeof cleanup === 'function') cleanup();
      resolve(value);
    });
    // `done` may have run inside `register`, before its cleanup existed.
    if (finished && typeof cleanup === 'function') cleanup();
  });
}

/** Re-checks `cond` every few milliseconds until it holds, or fails after `ms`. */
export async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until the bank has produced a slot after `slot`. */
export function waitForSlotAfter(net: Localnet, slot: number): Promise<number> {
  if (net.bank.slot > slot) return Promise.resolve(net.bank.slot);
  return waitFor(`a slot after ${slot}`, (done) => {
    const on = (s: number) => {
      if (s > slot) done(s);
    };
    net.bank.on('slot', on);
    return () => net.bank.off('slot', on);
  });
}

/** A raw JSON-RPC WebSocket client: requests, and a queue of notifications. */
export class WsClient {
  private readonly socket: WebSocket;
  private readonly waiting = new Map<number | string, (msg: RpcReply) => void>();
  private readonly notifications: { method: string; params: { result: unknown; subscription: number } }[] = [];
  private readonly listeners = new Set<() => void>();
  readonly raw: unknown[] = [];
  private id = 1;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as RpcReply & { method?: string; params?: { result: unknown; subscription: number } };
      this.raw.push(msg);
      if (msg.method && msg.params) {
        this.notifications.push({ method: msg.method, params: msg.params });
        for (const l of this.listeners) l();
      } else if (msg.id !== undefined && msg.id !== null && this.waiting.has(msg.id)) {
        this.waiting.get(msg.id)!(msg);
        this.waiting.delete(msg.id);
      } else {
        for (const l of this.listeners) l();
      }
    });
  }

  static async open(net: Localnet): Promise<WsClient> {
    const socket = new WebSocket(net.wsUrl);
    await waitFor<void>('the websocket to open', (done) => {
      socket.once('open', () => done());
    });
    return new WsClient(socket);
  }

  request<T = unknown>(method: string, params: unknown[] = []): Promise<RpcReply<T>> {
    const id = this.id++;
    const reply = waitFor<RpcReply<T>>(`reply to ${method}`, (done) => {
      this.waiting.set(id, done as (m: RpcReply) => void);
    });
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return reply;
  }

  sendText(text: string): void {
    this.socket.send(text);
  }

  /** The next message that is not a reply to a pending request and satisfies `pred`. */
  nextRaw(pred: (m: unknown) => boolean): Promise<unknown> {
    return waitFor('a websocket message', (done) => {
      const check = () => {
        const i = this.raw.findIndex(pred);
        if (i >= 0) done(this.raw.splice(i, 1)[0]);
      };
      this.listeners.add(check);
      check();
      return () => this.listeners.delete(check);
    });
  }

  /** Waits for a notification on `subscription` that satisfies `pred`, consuming it. */
  notification<T = unknown>(subscription: number, pred: (result: T) => boolean = () => true, ms = 15_000): Promise<T> {
    return waitFor(
      `a notification on subscription ${subscription}`,
      (done) => {
        const check = () => {
          const i = this.notifications.findIndex((n) => n.params.subscription === subscription && pred(n.params.result as T));
          if (i >= 0) done(this.notifications.splice(i, 1)[0].params.result as T);
        };
        this.listeners.add(check);
        check();
        return () => this.listeners.delete(check);
      },
      ms,
    );
  }

  pending(subscription: number): number {
    return this.notifications.filter((n) => n.params.subscription === subscription).length;
  }

  close(): void {
    this.socket.close();
  }
}

/** A wallet with `sol` SOL from the faucet (in-process, so tests do not depend on requestAirdrop). */
export async function fundedWallet(net: Localnet, sol = 100): Promise<Keypair> {
  const kp = Keypair.generate();
  const landed = net.bank.requestAirdrop(kp.publicKey.toBase58(), BigInt(sol * LAMPORTS_PER_SOL));
  await landed.committed;
  return kp;
}

/** A signed SOL transfer (wire bytes), with the network's latest blockhash. */
export function transferTx(net: Localnet, from: Keypair, to: PublicKey, lamports: number): Buffer {
  const { blockhash, lastValidBlockHeight } = net.bank.latestBlockhash();
  const tx = new Transaction({ feePayer: from.publicKey, blockhash, lastValidBlockHeight }).add(SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports }));
  tx.sign(from);
  return tx.serialize();
}

/** `localnet/main.ts` in a child process (for kill -9 and signal tests). */
export interface ChildLocalnet {
  proc: ChildProcess;
  rpcUrl: string;
  wsUrl: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

/** SIGKILLs every child localnet a test started that is still running (for `after` hooks). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

export async function spawnLocalnet(args: string[]): Promise<ChildLocalnet> {
  // Node itself with tsx's require hook (the tsx CLI would put a second process in between, and
  // a signal to it would not reach the localnet).
  const proc = spawn(process.execPath, ['-r', 'tsx/cjs', 'localnet/main.ts', '--rpc-port', '0', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const urls = await Promise.race([
    waitFor<{ rpcUrl: string; wsUrl: string }>(
      'the child localnet to print its URLs',
      (done) => {
        const check = () => {
          const rpcUrl = /JSON-RPC\s+(http:\/\/\S+)/.exec(out)?.[1];
          const wsUrl = /WebSocket\s+(ws:\/\/\S+)/.exec(out)?.[1];
          if (rpcUrl && wsUrl) done({ rpcUrl, wsUrl });
        };
        proc.stdout!.on('data', check);
        check();
        return () => proc.stdout!.off('data', check);
      },
      60_000,
    ),
    exited.then(({ code }) => {
      throw new Error(`the child localnet exited (${code}) before serving: ${err}`);
    }),
  ]);
  return { proc, ...urls, stdout: () => out, stderr: () => err, exited };
}
