/**
 * How bots act: a list of actions (one instruction each, with a key and a kind) becomes as few
 * transactions as fit (up to the batch size and the 1,232-byte packet), sent through the SDK's
 * `sendInstructions` (simulate → compute-unit limit → capped priority fee → sign → confirm,
 * re-signed on an expired blockhash). When a simulation names the failing instruction, that
 * action is set aside (a benign race, or a failure) and the rest is sent again, so one stale job
 * never blocks its batch-mates. One log line per action.
 */
import { PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { buildTransaction, ProgramError, sendInstructions, type SendOptions } from '../sdk/src';
import { benignReason, type BotKit, type InFlight } from './bot';
import type { BotName } from './config';

export interface Action {
  /** Unique per effect (e.g. `finalize:<job>`): the in-flight key. */
  key: string;
  /** assign, finalize, expire, resolve, sweep, challenge, commit, reveal, close_vote. */
  kind: string;
  instructions: TransactionInstruction[];
  /** Fields for the action's log line. */
  fields: Record<string, unknown>;
}

export type ActionOutcome =
  | { action: Action; status: 'landed'; signature: string; units: number; batch: number }
  | { action: Action; status: 'benign'; reason: string }
  | { action: Action; status: 'failed'; error: string }
  | { action: Action; status: 'skipped' };

/** The largest transaction the network accepts. */
export const PACKET_BYTES = 1_232;

/** Whether these instructions (plus two compute-budget ones) fit one transaction. */
export function fits(payer: PublicKey, instructions: TransactionInstruction[]): boolean {
  try {
    const tx = buildTransaction({ payer, blockhash: PublicKey.default.toBase58(), instructions, computeUnitLimit: 1_400_000, priorityFeeMicroLamports: 1 });
    return tx.serialize().length <= PACKET_BYTES;
  } catch {
    return false;
  }
}

/**
 * Groups actions into transactions of at most `batchSize` actions that fit the packet: each
 * group is the longest prefix that fits, found by binary search (a few serializations per group,
 * not one per action).
 */
export function pack(payer: PublicKey, actions: Action[], batchSize: number): Action[][] {
  const groups: Action[][] = [];
  let rest = actions;
  while (rest.length > 0) {
    let lo = 1;
    let hi = Math.min(batchSize, rest.length);
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(payer, rest.slice(0, mid).flatMap((a) => a.instructions))) lo = mid;
      else hi = mid - 1;
    }
    groups.push(rest.slice(0, lo));
    rest = rest.slice(lo);
  }
  return groups;
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/**
 * Sends `actions` for `bot` (skipping those in flight), packing up to `batchSize` per
 * transaction. Never throws: every action ends landed, benign, failed or skipped.
 */
export async function sendActions(
  kit: BotKit,
  bot: BotName,
  inflight: InFlight,
  actions: Action[],
  opts: { batchSize: number; send?: SendOptions },
): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  const fresh: Action[] = [];
  for (const a of actions) {
    if (inflight.claim(a.key)) fresh.push(a);
    else outcomes.push({ action: a, status: 'skipped' });
  }
  const log = kit.log.child({ bot });
  const m = kit.metrics;
  const record = (o: ActionOutcome): void => {
    outcomes.push(o);
    const labels = { bot, kind: o.action.kind };
    switch (o.status) {
      case 'landed':
        inflight.landed(o.action.key);
        m.actions.inc(labels);
        log.info(o.action.kind, { ...o.action.fields, tx: o.signature, batch: o.batch });
        break;
      case 'benign':
        inflight.landed(o.action.key); // nothing to do for it; let the chain catch up
        m.benign.inc({ ...labels, reason: o.reason });
        log.info(`${o.action.kind}.skipped`, { ...o.action.fields, reason: o.reason });
        break;
      case 'failed':
        inflight.failed(o.action.key);
        m.failures.inc(labels);
        log.warn(`${o.action.kind}.failed`, { ...o.action.fields, error: o.error });
        break;
      default:
        break;
    }
  };

  const payer = kit.ctx.wallet.publicKey;
  const sendGroup = async (group: Action[]): Promise<void> => {
    let remaining = group;
    while (remaining.length > 0) {
      try {
        const res = await sendInstructions(kit.ctx, remaining.flatMap((a) => a.instructions), opts.send);
        m.transactions.inc({ bot });
        for (const a of remaining) record({ action: a, status: 'landed', signature: res.signature ?? '', units: res.unitsConsumed, batch: remaining.length });
        return;
      } catch (err) {
        const index = err instanceof ProgramError ? err.instructionIndex : null;
        const culprit = index === null ? null : actionAt(remaining, index);
        if (culprit) {
          const reason = benignReason(culprit.kind, err);
          record(reason ? { action: culprit, status: 'benign', reason } : { action: culprit, status: 'failed', error: oneLine(err) });
          remaining = remaining.filter((a) => a !== culprit);
          continue;
        }
        if (remaining.length > 1 && err instanceof ProgramError) {
          // The failing instruction is unknown: try each action alone.
          for (const a of remaining) await sendGroup([a]);
          return;
        }
        for (const a of remaining) {
          const reason = benignReason(a.kind, err);
          record(reason ? { action: a, status: 'benign', reason } : { action: a, status: 'failed', error: oneLine(err) });
        }
        return;
      }
    }
  };
  await eachLimited(pack(payer, fresh, opts.batchSize), kit.maxConcurrentTx, sendGroup);
  return outcomes;
}

/** The action whose instructions include the transaction's instruction `index`. */
function actionAt(actions: Action[], index: number): Action | null {
  let i = index;
  for (const a of actions) {
    if (i < a.instructions.length) return a;
    i -= a.instructions.length;
  }
  return null;
}

/**
 * One action through an SDK flow (which reads what it needs and sends through the same send
 * path), with the same in-flight map, benign-race classification, metrics and log line as
 * `sendActions`. For actions whose accounts the SDK's flows know best (the dispute instructions).
 */
export async function runFlow(
  kit: BotKit,
  bot: BotName,
  inflight: InFlight,
  action: { key: string; kind: string; fields: Record<string, unknown> },
  flow: () => Promise<{ tx: { signature: string | null; unitsConsumed: number } }>,
): Promise<ActionOutcome> {
  const a: Action = { ...action, instructions: [] };
  if (!inflight.claim(a.key)) return { action: a, status: 'skipped' };
  const log = kit.log.child({ bot });
  const labels = { bot, kind: a.kind };
  try {
    const { tx } = await flow();
    inflight.landed(a.key);
    kit.metrics.actions.inc(labels);
    kit.metrics.transactions.inc({ bot });
    log.info(a.kind, { ...a.fields, tx: tx.signature ?? '', units: tx.unitsConsumed });
    return { action: a, status: 'landed', signature: tx.signature ?? '', units: tx.unitsConsumed, batch: 1 };
  } catch (err) {
    const reason = benignReason(a.kind, err);
    if (reason) {
      inflight.landed(a.key);
      kit.metrics.benign.inc({ ...labels, reason });
      log.info(`${a.kind}.skipped`, { ...a.fields, reason });
      return { action: a, status: 'benign', reason };
    }
    inflight.failed(a.key);
    kit.metrics.failures.inc(labels);
    log.warn(`${a.kind}.failed`, { ...a.fields, error: oneLine(err) });
    return { action: a, status: 'failed', error: oneLine(err) };
  }
}
