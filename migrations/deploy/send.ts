/**
 * Sending transactions to any cluster: many at once (bounded concurrency), confirmed by polling
 * signature statuses, re-sent with a fresh blockhash when theirs expires (every earlier attempt
 * is still watched, so nothing lands twice unnoticed), and failures reported with their logs.
 */
import {
  SendTransactionError,
  TransactionMessage,
  VersionedTransaction,
  type PublicKey,
  type Commitment,
  type Connection,
  type Keypair,
  type TransactionInstruction,
  type TransactionSignature,
} from '@solana/web3.js';

export interface TxSpec {
  label: string;
  instructions: TransactionInstruction[];
  /** Extra signers besides the payer. */
  signers?: Keypair[];
}

export class DeployTxError extends Error {
  constructor(
    message: string,
    readonly logs: string[] = [],
  ) {
    super(logs.length ? `${message}\n  ${logs.join('\n  ')}` : message);
  }
}

interface Pending {
  spec: TxSpec;
  signatures: TransactionSignature[];
  lastValidBlockHeight: number;
  attempts: number;
  resolve: (sig: TransactionSignature) => void;
  reject: (err: Error) => void;
}

const MAX_ATTEMPTS = 5;

/**
 * A signed v0 transaction. (web3.js' legacy Transaction base58-encodes and decodes every
 * instruction's data while compiling, which costs ~20 ms per 1 KB loader Write; v0 messages
 * keep the bytes as they are.)
 */
export function buildTransaction(payer: Keypair, spec: TxSpec, blockhash: string): VersionedTransaction {
  const message = new TransactionMessage({ payerKey: payer.publicKey, recentBlockhash: blockhash, instructions: spec.instructions }).compileToV0Message();
  const tx = new VersionedTransaction(message);
  const unique = new Map<string, Keypair>();
  for (const k of [payer, ...(spec.signers ?? [])]) unique.set(k.publicKey.toBase58(), k);
  tx.sign([...unique.values()]);
  return tx;
}

export interface SenderOptions {
  concurrency?: number;
  commitment?: Commitment;
  /** Between status polls (the first poll is immediate). */
  pollMs?: number;
  /** Give up on a transaction after this long. */
  timeoutMs?: number;
}

export class TxSender {
  private blockhash: { blockhash: string; lastValidBlockHeight: number; fetchedAt: number } | null = null;
  private readonly concurrency: number;
  private readonly commitment: Commitment;
  private readonly pollMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly connection: Connection,
    readonly payer: Keypair,
    opts: SenderOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 16;
    this.commitment = opts.commitment ?? 'confirmed';
    this.pollMs = opts.pollMs ?? 400;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  private async recentBlockhash(fresh = false): Promise<{ blockhash: string; lastValidBlockHeight: number }> {
    if (fresh || !this.blockhash || Date.now() - this.blockhash.fetchedAt > 20_000) {
      const b = await this.connection.getLatestBlockhash(this.commitment);
      this.blockhash = { ...b, fetchedAt: Date.now() };
    }
    return this.blockhash;
  }

  private async sendOnce(p: Pending, freshBlockhash: boolean): Promise<void> {
    const { blockhash, lastValidBlockHeight } = await this.recentBlockhash(freshBlockhash);
    const tx = buildTransaction(this.payer, p.spec, blockhash);
    p.attempts++;
    p.lastValidBlockHeight = lastValidBlockHeight;
    try {
      const sig = await this.connection.sendRawTransaction(tx.serialize(), { preflightCommitment: this.commitment, maxRetries: 5 });
      p.signatures.push(sig);
    } catch (err) {
      if (err instanceof SendTransactionError) {
        const logs = (await err.getLogs(this.connection).catch(() => null)) ?? err.logs ?? [];
        if (/already been processed/i.test(err.message) && p.signatures.length > 0) return;
        if (/blockhash not found/i.test(err.message) && p.attempts < MAX_ATTEMPTS) return this.sendOnce(p, true);
        throw new DeployTxError(`${p.spec.label}: ${err.message.split('\n')[0]}`, logs);
      }
      throw new DeployTxError(`${p.spec.label}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Sends every spec (up to `concurrency` in flight) and resolves with their signatures, in order. */
  async sendAll(specs: TxSpec[]): Promise<TransactionSignature[]> {
    let failure: Error | null = null;
    const pending: Pending[] = [];
    const results = specs.map(
      (spec) =>
        new Promise<TransactionSignature>((resolve, reject) => {
          const fail = (err: Error) => {
            failure ??= err;
            reject(err);
          };
          pending.push({ spec, signatures: [], lastValidBlockHeight: 0, attempts: 0, resolve, reject: fail });
        }),
    );
    for (const r of results) r.catch(() => undefined); // reported through `failure`
    const waiting = new Set<Pending>();
    let next = 0;
    const started = Date.now();
    while ((next < pending.length || waiting.size > 0) && !failure) {
      // Fill the window.
      const batch: Pending[] = [];
      while (next < pending.length && waiting.size + batch.length < this.concurrency) batch.push(pending[next++]);
      await Promise.all(
        batch.map(async (p) => {
          try {
            await this.sendOnce(p, false);
            waiting.add(p);
          } catch (err) {
            p.reject(err as Error);
          }
        }),
      );
      if (failure || waiting.size === 0) continue;
      await this.poll(waiting);
      if (Date.now() - started > this.timeoutMs) failure = new DeployTxError(`timed out waiting for ${waiting.size} transaction(s) to confirm`);
      else if (waiting.size > 0 && next >= pending.length) await new Promise((r) => setTimeout(r, this.pollMs));
    }
    if (failure) throw failure;
    return Promise.all(results);
  }

  async send(spec: TxSpec): Promise<TransactionSignature> {
    return (await this.sendAll([spec]))[0];
  }

  private async poll(waiting: Set<Pending>): Promise<void> {
    const list = [...waiting];
    const sigs = list.flatMap((p) => p.signatures);
    const statuses = new Map<string, { err: unknown; confirmationStatus?: string } | null>();
    for (let i = 0; i < sigs.length; i += 256) {
      const chunk = sigs.slice(i, i + 256);
      const { value } = await this.connection.getSignatureStatuses(chunk);
      chunk.forEach((s, j) => statuses.set(s, value[j]));
    }
    const height = await this.connection.getBlockHeight(this.commitment);
    for (const p of list) {
      const landed = p.signatures.map((s) => [s, statuses.get(s)] as const).find(([, st]) => st && (st.confirmationStatus === 'confirmed' || st.confirmationStatus === 'finalized' || this.commitment === 'processed'));
      if (landed) {
        waiting.delete(p);
        const [sig, st] = landed;
        if (st!.err) {
          const tx = await this.connection.getTransaction(sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }).catch(() => null);
          p.reject(new DeployTxError(`${p.spec.label} failed: ${JSON.stringify(st!.err)}`, tx?.meta?.logMessages ?? []));
        } else {
          p.resolve(sig);
        }
      } else if (height > p.lastValidBlockHeight) {
        if (p.attempts >= MAX_ATTEMPTS) {
          waiting.delete(p);
          p.reject(new DeployTxError(`${p.spec.label}: not confirmed after ${p.attempts} attempts`));
        } else {
          await this.sendOnce(p, true);
        }
      }
    }
  }
}

/** Polls until `signature` is confirmed (bounded); throws if it failed or never lands. */
export async function confirmSignature(connection: Connection, signature: TransactionSignature, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { value } = await connection.getSignatureStatuses([signature]);
    const st = value[0];
    if (st && (st.confirmationStatus === 'confirmed' || st.confirmationStatus === 'finalized')) {
      if (st.err) throw new DeployTxError(`transaction ${signature} failed: ${JSON.stringify(st.err)}`);
      return;
    }
    if (Date.now() > until) throw new DeployTxError(`transaction ${signature} was not confirmed within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** requestAirdrop, confirmed by polling (no WebSocket needed). */
export async function airdrop(connection: Connection, to: PublicKey, lamports: number): Promise<void> {
  const sig = await connection.requestAirdrop(to, lamports);
  await confirmSignature(connection, sig);
}
