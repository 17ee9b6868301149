/**
 * The tab's link to the bridge (dashboard/bridge.ts). A tab cannot listen on a port, so the
 * bridge holds the worker's public endpoint and hands each request to the tab over this link:
 *
 *   bridge → tab   SSE `request` events {id, method, path, headers, body}
 *   tab → bridge   POST /tab/reply/:id {seq, head?, text?, end?}: the response as the worker's
 *                  own endpoint code produced it (status, headers, then the body in order)
 *
 * Bodies are the worker protocol's: the prompt envelope is sealed to the tab's key and the token
 * frames to the client's, so the bridge relays ciphertext only. The link is opened with a
 * signature by the worker key, fresh each time (the bridge refuses one older than a minute).
 */
import nacl from 'tweetnacl';
import type { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { linkMessage, RELAYED_HEADERS, type LinkRequest, type ReplyPart } from './protocol';

export interface LinkEvents {
  onState(state: 'connecting' | 'online' | 'offline'): void;
  onRequest(req: LinkRequest): void;
}

const FLUSH_MS = 25;

export class BridgeLink {
  private source: EventSource | null = null;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly keypair: Keypair,
    private readonly handler: (req: Request) => Promise<Response>,
    private readonly events: LinkEvents,
  ) {}

  open(): void {
    if (this.closed) return;
    this.events.onState('connecting');
    const authority = this.keypair.publicKey.toBase58();
    const at = Date.now();
    const sig = bs58.encode(nacl.sign.detached(linkMessage(authority, at), this.keypair.secretKey));
    const url = `/tab/link?worker=${authority}&at=${at}&sig=${sig}`;
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener('ready', () => this.events.onState('online'));
    source.addEventListener('request', (ev) => {
      let req: LinkRequest;
      try {
        req = JSON.parse((ev as MessageEvent<string>).data) as LinkRequest;
      } catch {
        return;
      }
      this.events.onRequest(req);
      void this.serve(req);
    });
    source.onerror = () => {
      // A fresh signature on every reconnect: EventSource's own retry would reuse the old one.
      source.close();
      if (this.source !== source || this.closed) return;
      this.events.onState('offline');
      this.retry = setTimeout(() => this.open(), 1_000);
    };
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.source?.close();
    this.source = null;
  }

  /** Runs one request through the worker's routes and relays the response in order. */
  private async serve(req: LinkRequest): Promise<void> {
    let seq = 0;
    const post = (part: Omit<ReplyPart, 'seq'>) =>
      fetch(`/tab/reply/${encodeURIComponent(req.id)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seq: seq++, ...part }) }).then((r) => {
        if (!r.ok) throw new Error(`the bridge refused the reply: HTTP ${r.status}`);
      });
    let res: Response;
    try {
      res = await this.handler(new Request(`http://tab${req.path}`, { method: req.method, headers: req.headers, body: req.method === 'GET' ? undefined : (req.body ?? '') }));
    } catch (err) {
      res = new Response(JSON.stringify({ error: { code: 'generation_failed', message: err instanceof Error ? err.message : String(err) } }), { status: 503, headers: { 'content-type': 'application/json' } });
    }
    const headers: Record<string, string> = {};
    for (const name of RELAYED_HEADERS) {
      const v = res.headers.get(name);
      if (v) headers[name] = v;
    }
    try {
      await post({ head: { status: res.status, headers } });
      if (!res.body) return void (await post({ end: true }));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      let last = Date.now();
      for (;;) {
        const { done, value } = await reader.read();
        if (value) buffered += value;
        if (buffered && (done || Date.now() - last >= FLUSH_MS || /event: (accepted|result|error)/.test(value ?? ''))) {
          await post({ text: buffered });
          buffered = '';
          last = Date.now();
        }
        if (done) break;
      }
      await post({ end: true });
    } catch {
      // The caller or the bridge went away: the job runner goes on and submits the result anyway.
    }
  }
}
