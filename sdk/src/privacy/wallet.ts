/**
 * Client side of ecash: make blinded outputs, unblind the mint's signatures into proofs (after
 * checking each DLEQ proof against the mint's published key), and a small HTTP client for the
 * NUT endpoints of a Peer Cycles mint. Standard Cashu wallets (cashu-ts) also work against the
 * mint; this one exists so the SDK has no wallet dependency.
 */
import { randomBytes } from 'node:crypto';
import { blindMessage, pointFromHex, randomScalar, secretPoint, splitAmount, unblindSignature, verifyDleq } from './bdhke';
import { decodeCbor, encodeCbor } from './cbor';
import { checkProof, encodeTokenV4, type BlindSignature, type BlindedMessage, type Proof } from './token';

export interface PendingOutputs {
  outputs: BlindedMessage[];
  secrets: string[];
  blindingFactors: bigint[];
}

/** Fresh random secrets for `amount`, split into powers of two, blinded for keyset `keysetId`. */
export function createOutputs(amount: number, keysetId: string): PendingOutputs {
  const amounts = splitAmount(amount);
  const secrets = amounts.map(() => randomBytes(32).toString('hex'));
  const blindingFactors = amounts.map(() => randomScalar());
  const outputs = amounts.map((a, i) => ({ amount: a, id: keysetId, B_: blindMessage(new TextEncoder().encode(secrets[i]), blindingFactors[i]).toHex(true) }));
  return { outputs, secrets, blindingFactors };
}

/** Unblinds signatures into proofs; throws if a signature or its DLEQ does not match `keys`. */
export function unblindOutputs(pending: PendingOutputs, signatures: BlindSignature[], keys: Record<string, string>): Proof[] {
  if (signatures.length !== pending.outputs.length) throw new Error(`mint returned ${signatures.length} signatures for ${pending.outputs.length} outputs`);
  return signatures.map((sig, i) => {
    const out = pending.outputs[i];
    if (sig.amount !== out.amount || sig.id !== out.id) throw new Error(`signature ${i} is for ${sig.amount}@${sig.id}, expected ${out.amount}@${out.id}`);
    const keyHex = keys[String(sig.amount)];
    if (!keyHex) throw new Error(`no mint key for amount ${sig.amount}`);
    const K = pointFromHex(keyHex);
    const C_ = pointFromHex(sig.C_);
    if (sig.dleq && !verifyDleq(sig.dleq, K, pointFromHex(out.B_), C_)) throw new Error(`signature ${i} fails its DLEQ proof: not made with the published key`);
    const C = unblindSignature(C_, pending.blindingFactors[i], K);
    return checkProof({ amount: sig.amount, id: sig.id, secret: pending.secrets[i], C: C.toHex(true) });
  });
}

/** Y = hash_to_curve(secret) for NUT-07 state checks. */
export function proofY(proof: Proof): string {
  return secretPoint(proof.secret).toHex(true);
}

/** NUT-18 payment request (`creqA…`), as a 402 carries it in `X-Cashu` (NUT-24). */
export function encodePaymentRequest(req: { amount: number; unit: string; mints: string[]; description?: string }): string {
  const doc = { a: req.amount, u: req.unit, m: req.mints, ...(req.description ? { d: req.description } : {}) };
  return `creqA${Buffer.from(encodeCbor(doc)).toString('base64url')}`;
}

export class MintHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = 'MintHttpError';
  }
}

/** NUT endpoints of one mint over HTTP. */
export class MintClient {
  constructor(
    readonly url: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private async call<T>(path: string, body?: unknown): Promise<T> {
    const send = () => this.fetchImpl(`${this.url.replace(/\/$/, '')}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // One retry when a kept-alive connection was closed under us (ECONNRESET): every call is
    // safe to repeat (a committed swap sent again returns the same signatures).
    const res = await send().catch((err: unknown) => {
      if (err instanceof TypeError) return send();
      throw err;
    });
    const json = (await res.json().catch(() => ({}))) as T & { detail?: string; code?: number };
    if (!res.ok) throw new MintHttpError(res.status, json.code, json.detail ?? `mint answered ${res.status}`);
    return json;
  }

  info(): Promise<Record<string, unknown>> {
    return this.call('/v1/info');
  }
  async activeKeys(): Promise<{ id: string; unit: string; keys: Record<string, string> }> {
    const { keysets } = await this.call<{ keysets: { id: string; unit: string; keys: Record<string, string> }[] }>('/v1/keys');
    if (keysets.length === 0) throw new Error('mint has no active keyset');
    return keysets[0];
  }
  async keysFor(id: string): Promise<Record<string, string>> {
    const { keysets } = await this.call<{ keysets: { keys: Record<string, string> }[] }>(`/v1/keys/${id}`);
    return keysets[0].keys;
  }
  async swap(inputs: Proof[], outputs: BlindedMessage[]): Promise<BlindSignature[]> {
    return (await this.call<{ signatures: BlindSignature[] }>('/v1/swap', { inputs, outputs })).signatures;
  }
  /** NUT-09: the signatures the mint gave earlier for these blinded messages (recovery after a crash). */
  async restore(outputs: BlindedMessage[]): Promise<{ outputs: BlindedMessage[]; signatures: BlindSignature[] }> {
    return this.call('/v1/restore', { outputs });
  }
  async checkState(proofs: Proof[]): Promise<{ Y: string; state: string }[]> {
    return (await this.call<{ states: { Y: string; state: string }[] }>('/v1/checkstate', { Ys: proofs.map(proofY) })).states;
  }
  createMintQuote(amount: number): Promise<MintQuote> {
    return this.call('/v1/mint/quote/solana-usdc', { amount, unit: 'credit' });
  }
  mintQuote(id: string): Promise<MintQuote> {
    return this.call(`/v1/mint/quote/solana-usdc/${id}`);
  }
  async mint(quote: string, outputs: BlindedMessage[]): Promise<BlindSignature[]> {
    return (await this.call<{ signatures: BlindSignature[] }>('/v1/mint/solana-usdc', { quote, outputs })).signatures;
  }
  createMeltQuote(request: string): Promise<MeltQuote> {
    return this.call('/v1/melt/quote/solana-usdc', { request, unit: 'credit' });
  }
  melt(quote: string, inputs: Proof[]): Promise<MeltQuote> {
    return this.call('/v1/melt/solana-usdc', { quote, inputs });
  }

  /** Swaps `proofs` into fresh ones: `amounts[0]` credits to send, the rest kept. */
  async split(proofs: Proof[], send: number): Promise<{ send: Proof[]; keep: Proof[] }> {
    const total = proofs.reduce((s, p) => s + p.amount, 0);
    if (send > total) throw new Error(`cannot send ${send} credits from ${total}`);
    const { id, keys } = await this.activeKeys();
    const a = createOutputs(send, id);
    const b = createOutputs(total - send, id);
    const all: PendingOutputs = { outputs: [...a.outputs, ...b.outputs], secrets: [...a.secrets, ...b.secrets], blindingFactors: [...a.blindingFactors, ...b.blindingFactors] };
    const proofsOut = unblindOutputs(all, await this.swap(proofs, all.outputs), keys);
    return { send: proofsOut.slice(0, a.outputs.length), keep: proofsOut.slice(a.outputs.length) };
  }

  token(proofs: Proof[], memo?: string): string {
    return encodeTokenV4({ mint: this.url, unit: 'credit', proofs, ...(memo ? { memo } : {}) });
  }
}

export interface MintQuote {
  quote: string;
  request: string;
  amount: number;
  unit: string;
  state: 'UNPAID' | 'PAID' | 'ISSUED';
  expiry: number;
  /** Our payment method's details: pay `amount_usdc` base units of `usdc_mint` to `pay_to`, listing `reference`. */
  pay_to: string;
  usdc_mint: string;
  reference: string;
  amount_usdc: string;
}

export interface MeltQuote {
  quote: string;
  request: string;
  amount: number;
  fee_reserve: number;
  unit: string;
  state: 'UNPAID' | 'PENDING' | 'PAID';
  expiry: number;
  payment_preimage: string | null;
}

/** Reads a NUT-18 `creqA…` payment request (what a 402 carries in X-Cashu). */
export function decodePaymentRequest(text: string): { amount: number; unit: string; mints: string[] } {
  if (typeof text !== 'string' || !text.startsWith('creqA')) throw new Error('payment request must start with creqA');
  const doc = decodeCbor(new Uint8Array(Buffer.from(text.slice(5), 'base64url'))) as Record<string, unknown>;
  if (!doc || typeof doc !== 'object' || typeof doc.a !== 'number' || !Number.isSafeInteger(doc.a) || doc.a < 1) throw new Error('payment request has no valid amount');
  const unit = typeof doc.u === 'string' ? doc.u : 'sat';
  const mints = Array.isArray(doc.m) ? doc.m.filter((m): m is string => typeof m === 'string') : [];
  return { amount: doc.a, unit, mints };
}

/** `X-Cashu-Change`: blinded change outputs (request) or their signatures (answer), base64url JSON. */
export function encodeChangeHeader(value: readonly (BlindedMessage | BlindSignature)[]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeChangeHeader<T>(value: string | undefined | null): T[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
  if (!Array.isArray(parsed) || parsed.length > 1000) throw new Error('X-Cashu-Change must be a base64url JSON array');
  return parsed as T[];
}
