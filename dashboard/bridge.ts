/**
 * The bridge for browser-tab workers ("Serve from this tab", dashboard/tab/).
 *
 * A tab cannot listen on a port, so the dashboard holds each tab worker's public endpoint,
 * `<dashboard>/tab/w/<worker key>`, registered on chain by the tab itself, and relays:
 *   - requests for that endpoint (POST /v1/jobs, GET /v1/models, GET /v1/jobs/:job/result,
 *     GET /health) to the tab over its link (SSE), and the tab's responses back, byte for byte;
 *   - the tab's JSON-RPC calls to the cluster (POST /tab/rpc, read and send methods only).
 * What passes through is the worker protocol's ciphertext: the prompt is sealed to the tab's key
 * and the tokens to the client's. The tab proves its key when it opens the link (a fresh ed25519
 * signature); the bridge never holds a worker key.
 *
 * On a local network only, `tab.faucet_keypair` lets a new tab ask for the SOL and $PEER it
 * needs to register and bond (POST /tab/faucet, once per key).
 */
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createMintToInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
  getMint,
} from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, type TransactionInstruction } from '@solana/web3.js';
import bs58 from 'bs58';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nacl from 'tweetnacl';
import { configAccount } from '../sdk/src/accounts/market';
import { createContext } from '../sdk/src/context';
import { findConfigPda } from '../sdk/src/pda';
import { ConnectionTransport } from '../sdk/src/rpc/connection';
import { sendInstructions } from '../sdk/src/rpc/send';
import { errorBody, MAX_SUBMIT_BYTES } from '../sdk/src/worker-protocol';
import type { Logger } from '../service-kit/log';
import type { Metrics } from '../service-kit/metrics';
import { fileSha256 } from '../worker';
import { linkMessage, RELAYED_HEADERS, type LinkRequest } from './tab/protocol';
import { tabBundle } from './tab-bundle';

export interface TabBridgeOptions {
  log: Logger;
  metrics: Metrics;
  rpcUrl: string;
  cluster: string;
  programs: { market: PublicKey; staking: PublicKey };
  /** The GGUF file tabs load, and the name and hash they advertise. */
  model: { name: string; path: string; sha256: string };
  /** Base URL other machines reach this dashboard at (the tab registers <base>/tab/w/<key>). */
  publicUrl: () => string;
  price: bigint;
  threads: number;
  capacity: number;
  /** Local networks only: a funded key (mint authority of $PEER, or holding it) for new tabs. */
  faucet: Keypair | null;
}

/** A link message older than this (or from the future) is refused. */
const LINK_MAX_AGE_MS = 60_000;
/** How long a relayed request waits for the tab to start answering. */
const HEAD_TIMEOUT_MS = 30_000;
const RPC_BODY_LIMIT = 1_500_000;
/** Requests waiting on one tab at most (a tab runs one generation at a time; more only queue). */
const MAX_PENDING_PER_TAB = 32;
/** What the tab's SDK calls; nothing else is relayed. */
const RPC_METHODS = new Set([
  'getAccountInfo',
  'getMultipleAccounts',
  'getProgramAccounts',
  'getLatestBlockhash',
  'isBlockhashValid',
  'getBlockHeight',
  'getSlot',
  'getBalance',
  'getTokenAccountBalance',
  'getMinimumBalanceForRentExemption',
  'getFeeForMessage',
  'getRecentPrioritizationFees',
  'getSignatureStatuses',
  'getTransaction',
  'getEpochInfo',
  'getGenesisHash',
  'getVersion',
  'sendTransaction',
  'simulateTransaction',
]);
const FORWARDED = ['/v1/jobs', '/v1/models', '/health'];

interface Pending {
  authority: string;
  head: { status: number; headers: Record<string, string> } | null;
  onHead: ((h: { status: number; headers: Record<string, string> }) => void) | null;
  controller: ReadableStreamDefaultController<Uint8Array> | null;
  early: Uint8Array[];
  nextSeq: number;
  parts: Map<number, { head?: { status: number; headers: Record<string, string> }; text?: string; end?: boolean }>;
  ended: boolean;
}

interface Link {
  authority: string;
  send(event: LinkRequest): void;
  close(): void;
}

function offline(message: string): Response {
  return new Response(JSON.stringify(errorBody('worker_offline', message, 5)), { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '5' } });
}

export function tabRoutes(app: Hono, opts: TabBridgeOptions): { links(): number; close(): void } {
  const { log } = opts;
  const m = {
    links: opts.metrics.gauge('dashboard_tab_links', 'browser-tab workers connected'),
    relayed: opts.metrics.counter('dashboard_tab_requests_total', 'requests relayed to tab workers, by outcome'),
    rpc: opts.metrics.counter('dashboard_tab_rpc_total', 'JSON-RPC calls relayed for tabs, by outcome'),
  };
  const links = new Map<string, Link>();
  const pending = new Map<string, Pending>();
  const funded = new Set<string>();
  const encoder = new TextEncoder();
  const connection = new Connection(opts.rpcUrl, 'confirmed');

  const finish = (id: string, p: Pending, tail?: string) => {
    if (p.ended) return;
    p.ended = true;
    pending.delete(id);
    if (tail) p.controller ? p.controller.enqueue(encoder.encode(tail)) : p.early.push(encoder.encode(tail));
    try {
      p.controller?.close();
    } catch {
      // the caller already went away
    }
  };
  /** Drops every request of a tab whose link closed: before its answer began, or mid-stream. */
  const dropTab = (authority: string) => {
    for (const [id, p] of pending) {
      if (p.authority !== authority) continue;
      m.relayed.inc({ outcome: 'tab_closed' });
      if (!p.head) {
        p.onHead?.({ status: 503, headers: { 'content-type': 'application/json', 'retry-after': '5' } });
        finish(id, p, JSON.stringify(errorBody('worker_offline', 'the tab serving this worker closed', 5)));
      } else {
        const sse = (p.head.headers['content-type'] ?? '').includes('text/event-stream');
        finish(id, p, sse ? `event: error\ndata: ${JSON.stringify(errorBody('generation_failed', 'the tab serving this worker closed mid-job; the job will expire and be requeued'))}\n\n` : undefined);
      }
    }
  };

  // The page, its script, the engine and the model.
  const html = join(__dirname, 'web', 'tab.html');
  app.get('/tab', (c) => c.html(readFileSync(html, 'utf8')));
  app.get('/tab/assets/tab.js', async (c) => {
    const { js } = await tabBundle();
    return c.body(js as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
  });
  const wasm = join(__dirname, '..', 'node_modules', '@wllama', 'wllama', 'esm', 'wasm', 'wllama.wasm');
  const fileResponse = (path: string, type: string) =>
    new Response(Readable.toWeb(createReadStream(path)) as ReadableStream, { headers: { 'content-type': type, 'content-length': String(statSync(path).size), 'cache-control': 'max-age=3600' } });
  app.get('/tab/assets/wllama.wasm', () => fileResponse(wasm, 'application/wasm'));
  app.get('/tab/model.gguf', () => fileResponse(opts.model.path, 'application/octet-stream'));
  app.get('/tab/config', (c) =>
    c.json({
      cluster: opts.cluster,
      programs: { market: opts.programs.market.toBase58(), staking: opts.programs.staking.toBase58() },
      model: { name: opts.model.name, url: '/tab/model.gguf', sha256: opts.model.sha256 },
      wasmUrl: '/tab/assets/wllama.wasm',
      endpointBase: `${opts.publicUrl().replace(/\/+$/, '')}/tab/w/`,
      faucet: opts.faucet !== null,
      price: opts.price.toString(),
      threads: opts.threads,
      capacity: opts.capacity,
    }),
  );

  // The tab's JSON-RPC, relayed to the cluster (the page's CSP allows its own origin only).
  app.post('/tab/rpc', async (c) => {
    const raw = await c.req.text();
    if (raw.length > RPC_BODY_LIMIT) return c.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request too large' } }, 413);
    let calls: { method?: unknown }[];
    try {
      const parsed = JSON.parse(raw) as { method?: unknown } | { method?: unknown }[];
      calls = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      return c.json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }, 400);
    }
    const refused = calls.find((call) => typeof call?.method !== 'string' || !RPC_METHODS.has(call.method));
    if (refused) {
      m.rpc.inc({ outcome: 'refused' });
      return c.json({ jsonrpc: '2.0', id: null, error: { code: -32601, message: `method ${String(refused?.method).slice(0, 40)} is not relayed for tabs` } }, 400);
    }
    try {
      const res = await fetch(opts.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw, signal: AbortSignal.timeout(30_000) });
      m.rpc.inc({ outcome: res.ok ? 'ok' : 'error' });
      return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': 'application/json' } });
    } catch (err) {
      m.rpc.inc({ outcome: 'unreachable' });
      log.warn('tab.rpc_failed', { error: (err as Error).message.split('\n')[0] });
      return c.json({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'the RPC node could not be reached' } }, 502);
    }
  });

  // The link: a tab proves its key with a fresh signature, then receives requests as SSE.
  app.get('/tab/link', (c) => {
    const authority = c.req.query('worker') ?? '';
    const at = Number(c.req.query('at'));
    const sig = c.req.query('sig') ?? '';
    let key: PublicKey;
    let signature: Uint8Array;
    try {
      key = new PublicKey(authority);
      signature = bs58.decode(sig);
    } catch {
      return c.json({ error: 'worker and sig must be base58' }, 400);
    }
    if (!Number.isFinite(at) || Math.abs(Date.now() - at) > LINK_MAX_AGE_MS) return c.json({ error: 'the link signature is stale: sign the current time' }, 401);
    if (signature.length !== 64 || !nacl.sign.detached.verify(linkMessage(authority, at), signature, key.toBytes())) return c.json({ error: 'the link signature does not verify for this worker key' }, 401);
    return streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let wake: (() => void) | null = null;
      let open = true;
      const link: Link = {
        authority,
        send: (ev) => {
          queue.push(JSON.stringify(ev));
          wake?.();
        },
        close: () => {
          open = false;
          wake?.();
        },
      };
      links.get(authority)?.close(); // a newer tab with the same key takes over
      links.set(authority, link);
      m.links.set(links.size);
      log.info('tab.linked', { worker: authority });
      stream.onAbort(() => link.close());
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ at: Date.now() }) });
      while (open) {
        if (queue.length === 0) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 15_000);
          });
          wake = null;
          if (queue.length === 0 && open) await stream.write(': keep-alive\n\n');
          continue;
        }
        await stream.writeSSE({ event: 'request', data: queue.shift()! });
      }
      if (links.get(authority) === link) {
        links.delete(authority);
        dropTab(authority);
      }
      m.links.set(links.size);
      log.info('tab.unlinked', { worker: authority });
    });
  });

  // The tab's responses, in order (seq), to the request waiting for them.
  app.post('/tab/reply/:id', async (c) => {
    const p = pending.get(c.req.param('id'));
    if (!p) return c.json({ error: 'no such request (it ended or the caller left)' }, 404);
    let part: { seq?: unknown; head?: { status?: unknown; headers?: unknown }; text?: unknown; end?: unknown };
    try {
      part = (await c.req.json()) as typeof part;
    } catch {
      return c.json({ error: 'the body is not JSON' }, 400);
    }
    if (!Number.isInteger(part.seq) || (part.seq as number) < p.nextSeq || (part.seq as number) > p.nextSeq + 1_000) return c.json({ error: 'bad seq' }, 400);
    const head = part.head && Number.isInteger(part.head.status) && typeof part.head.headers === 'object' && part.head.headers !== null ? { status: part.head.status as number, headers: part.head.headers as Record<string, string> } : undefined;
    p.parts.set(part.seq as number, { head, text: typeof part.text === 'string' ? part.text : undefined, end: part.end === true });
    for (let next = p.parts.get(p.nextSeq); next; next = p.parts.get(p.nextSeq)) {
      p.parts.delete(p.nextSeq);
      p.nextSeq++;
      if (next.head && !p.head) {
        const headers: Record<string, string> = {};
        for (const name of RELAYED_HEADERS) {
          const v = next.head.headers[name];
          if (typeof v === 'string') headers[name] = v.slice(0, 200);
        }
        const status = next.head.status >= 200 && next.head.status <= 599 ? next.head.status : 502;
        p.head = { status, headers };
        p.onHead?.(p.head);
      }
      if (next.text) {
        const bytes = encoder.encode(next.text);
        if (p.controller) p.controller.enqueue(bytes);
        else p.early.push(bytes);
      }
      if (next.end) {
        m.relayed.inc({ outcome: 'ok' });
        finish(c.req.param('id'), p);
        break;
      }
    }
    return c.json({ ok: true });
  });

  // A tab worker's public endpoint.
  const relay = async (c: Context) => {
    const authority = c.req.param('authority') ?? '';
    const rest = c.req.path.slice(`/tab/w/${authority}`.length) || '/';
    if (!FORWARDED.some((p) => rest === p || rest.startsWith(`${p}/`))) return c.json(errorBody('not_found', `no route ${rest.slice(0, 80)} on a tab worker`), 404);
    const link = links.get(authority);
    if (!link) {
      m.relayed.inc({ outcome: 'offline' });
      return offline(`the tab serving worker key ${authority.slice(0, 12)}… is not connected`);
    }
    if ([...pending.values()].filter((p) => p.authority === authority).length >= MAX_PENDING_PER_TAB) {
      m.relayed.inc({ outcome: 'at_capacity' });
      return c.json(errorBody('at_capacity', `the tab has ${MAX_PENDING_PER_TAB} requests waiting`, 5), 503, { 'retry-after': '5' });
    }
    let body: string | null = null;
    if (c.req.method === 'POST') {
      body = await c.req.text();
      if (Buffer.byteLength(body) > MAX_SUBMIT_BYTES) return c.json(errorBody('too_large', `the body is larger than ${MAX_SUBMIT_BYTES} bytes`), 413);
    }
    const id = bs58.encode(nacl.randomBytes(16));
    const p: Pending = { authority, head: null, onHead: null, controller: null, early: [], nextSeq: 0, parts: new Map(), ended: false };
    pending.set(id, p);
    const headers: Record<string, string> = {};
    for (const name of ['accept', 'content-type']) {
      const v = c.req.header(name);
      if (v) headers[name] = v.slice(0, 200);
    }
    link.send({ id, method: c.req.method, path: rest, headers, body });
    const head = await new Promise<{ status: number; headers: Record<string, string> } | null>((resolve) => {
      if (p.head) return resolve(p.head);
      p.onHead = resolve;
      setTimeout(() => resolve(null), HEAD_TIMEOUT_MS);
    });
    if (!head) {
      m.relayed.inc({ outcome: 'timeout' });
      finish(id, p);
      return offline('the tab did not answer in time');
    }
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        p.controller = controller;
        for (const b of p.early.splice(0)) controller.enqueue(b);
        if (p.ended) controller.close();
      },
      cancel() {
        // The caller left; the tab's runner finishes and submits the job anyway.
        p.controller = null;
        pending.delete(id);
        p.ended = true;
      },
    });
    if (c.req.method === 'POST') log.info('tab.relayed', { worker: authority, path: rest, status: head.status });
    return new Response(stream, { status: head.status, headers: head.headers });
  };
  app.all('/tab/w/:authority', relay);
  app.all('/tab/w/:authority/*', relay);

  // Local networks only: SOL for fees and rent, and the open tier's minimum bond.
  app.post('/tab/faucet', async (c) => {
    if (!opts.faucet) return c.json({ error: 'this dashboard has no faucet (tab.faucet_keypair; local networks only)' }, 404);
    let worker: PublicKey;
    try {
      worker = new PublicKey(((await c.req.json()) as { worker?: string }).worker ?? '');
    } catch {
      return c.json({ error: 'the body must be {"worker": <base58 key>}' }, 400);
    }
    if (funded.has(worker.toBase58())) return c.json({ error: 'this key was funded already' }, 409);
    funded.add(worker.toBase58());
    try {
      const faucet = opts.faucet;
      const ctx = createContext({ transport: new ConnectionTransport(connection), wallet: faucet, programs: { ...opts.programs }, send: { commitment: 'confirmed' } });
      const config = (await configAccount.fetch(ctx.transport, findConfigPda(opts.programs.market)[0], { programId: opts.programs.market })).data;
      const bond = config.params.minBond[0];
      const mint = await getMint(connection, config.peerMint);
      const ata = getAssociatedTokenAddressSync(config.peerMint, worker);
      const ixs: TransactionInstruction[] = [
        SystemProgram.transfer({ fromPubkey: faucet.publicKey, toPubkey: worker, lamports: LAMPORTS_PER_SOL }),
        createAssociatedTokenAccountIdempotentInstruction(faucet.publicKey, ata, worker, config.peerMint),
      ];
      if (mint.mintAuthority?.equals(faucet.publicKey)) ixs.push(createMintToInstruction(config.peerMint, ata, faucet.publicKey, bond));
      else ixs.push(createTransferCheckedInstruction(getAssociatedTokenAddressSync(config.peerMint, faucet.publicKey), config.peerMint, ata, faucet.publicKey, bond, mint.decimals));
      const tx = await sendInstructions(ctx, ixs);
      log.info('tab.funded', { worker: worker.toBase58(), sol: 1, peer: bond.toString(), tx: tx.signature });
      return c.json({ sol: '1', peer: bond.toString(), signature: tx.signature });
    } catch (err) {
      funded.delete(worker.toBase58());
      log.warn('tab.faucet_failed', { worker: worker.toBase58(), error: (err as Error).message.split('\n')[0] });
      return c.json({ error: `the faucet could not pay: ${(err as Error).message.split('\n')[0]}` }, 502);
    }
  });

  return {
    links: () => links.size,
    close: () => {
      for (const l of links.values()) l.close();
    },
  };
}

/** The tab's model file and the sha256 it must hash to (the tab checks it again after download). */
export async function tabModelFile(path: string): Promise<{ path: string; sha256: string }> {
  if (!existsSync(path)) throw new Error(`tab.model: ${path} does not exist`);
  return { path, sha256: await fileSha256(path) };
}
