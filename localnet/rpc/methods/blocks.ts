/**
 * Blocks: every slot here produces one block (one leader, no forks, no skipped slots), holding
 * the transactions that landed in it. getBlock, getBlockTime, getBlocks, getBlocksWithLimit,
 * getBlockCommitment, getBlockProduction, in agave's shapes.
 */
import type { TxRecord } from '../../bank/history';
import { SLOTS_PER_EPOCH } from '../../bank/bank';
import { renderTransaction, TRANSACTION_ENCODINGS } from '../../encoding/transactions';
import { isSignerIndex, isWritableIndex, parseTransaction } from '../../encoding/wire';
import { encodeBase58 } from '../../encoding/base58';
import { invalidParams, RpcError, UNSUPPORTED_TRANSACTION_VERSION } from '../errors';
import { checkContext, config, noMoreThan, oneOf, optionalBool, positional, pubkey, usize } from '../params';
import { withContext, type Handler, type RpcContext } from '../context';

/** agave's MAX_GET_CONFIRMED_BLOCKS_RANGE. */
export const MAX_BLOCKS_RANGE = 500_000;
/** Solana's -32004: the block is not (or no longer) available. */
export const BLOCK_NOT_AVAILABLE = -32004;
const TRANSACTION_DETAILS = ['full', 'accounts', 'signatures', 'none'] as const;

function blockNotAvailable(slot: number): RpcError {
  return new RpcError(BLOCK_NOT_AVAILABLE, `Block not available for slot ${slot}`);
}

function slotParam(value: unknown, what: string): number {
  return usize(value, what);
}

/** getBlock/getBlocks refuse `processed`, as agave does. */
function confirmedOnly(cfg: Record<string, unknown>, ctx: RpcContext): void {
  checkContext(cfg, ctx.bank.slot);
  if (cfg.commitment === 'processed') throw invalidParams('Method does not support commitment below `confirmed`');
}

function accountsOnly(r: TxRecord): unknown {
  const tx = parseTransaction(Buffer.from(r.tx, 'base64'));
  const m = tx.message;
  const nStatic = m.staticKeys.length;
  return {
    signatures: tx.signatures.map(encodeBase58),
    accountKeys: r.accountKeys.map((pubkey, i) => ({
      pubkey,
      writable: isWritableIndex(m, i, r.loadedAddresses.writable.length),
      signer: isSignerIndex(m, i),
      source: i < nStatic ? 'transaction' : 'lookupTable',
    })),
  };
}

function blockTransaction(r: TxRecord, encoding: (typeof TRANSACTION_ENCODINGS)[number], details: 'full' | 'accounts', versioned: boolean) {
  if (r.version === 0 && !versioned) {
    throw new RpcError(
      UNSUPPORTED_TRANSACTION_VERSION,
      'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
    );
  }
  const full = renderTransaction(r, encoding);
  const out: Record<string, unknown> = { transaction: full.transaction, meta: full.meta };
  if (details === 'accounts') {
    const meta = full.meta as Record<string, unknown>;
    out.transaction = accountsOnly(r);
    out.meta = {
      err: meta.err,
      status: meta.status,
      fee: meta.fee,
      preBalances: meta.preBalances,
      postBalances: meta.postBalances,
      preTokenBalances: meta.preTokenBalances,
      postTokenBalances: meta.postTokenBalances,
    };
  }
  if (versioned) out.version = r.version;
  return out;
}

function blockAt(ctx: RpcContext, slot: number, cfg: Record<string, unknown>) {
  if (slot > ctx.bank.slot) throw blockNotAvailable(slot);
  const encoding = oneOf(cfg.encoding, TRANSACTION_ENCODINGS, 'encoding', 'json');
  const details = oneOf(cfg.transactionDetails, TRANSACTION_DETAILS, 'transactionDetails', 'full');
  const rewards = optionalBool(cfg, 'rewards', true);
  const maxVersion = cfg.maxSupportedTransactionVersion;
  if (maxVersion !== undefined && maxVersion !== null && maxVersion !== 0) throw invalidParams('maxSupportedTransactionVersion must be 0');
  const versioned = maxVersion === 0;
  const records = ctx.bank.history.inSlot(slot);
  const block: Record<string, unknown> = {
    blockHeight: slot,
    blockTime: ctx.bank.blockTimeOf(slot),
    blockhash: ctx.bank.blockhashOf(slot),
    parentSlot: Math.max(0, slot - 1),
    previousBlockhash: ctx.bank.blockhashOf(Math.max(0, slot - 1)),
  };
  if (details === 'full' || details === 'accounts') block.transactions = records.map((r) => blockTransaction(r, encoding, details, versioned));
  else if (details === 'signatures') block.signatures = records.map((r) => r.signature);
  // No validators are paid on a local network: the reward list is empty (asked for or not).
  if (rewards) block.rewards = [];
  return block;
}

function producedBetween(ctx: RpcContext, start: number, end: number): number[] {
  const last = Math.min(end, ctx.bank.slot);
  const out: number[] = [];
  for (let s = start; s <= last; s++) out.push(s);
  return out;
}

export const blockMethods: Record<string, Handler> = {
  getBlock(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const slot = slotParam(p[0], 'slot');
    const cfg = typeof p[1] === 'string' ? { encoding: p[1] } : config(p[1]);
    confirmedOnly(cfg, ctx);
    return blockAt(ctx, slot, cfg);
  },

  getBlockTime(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    const slot = slotParam(p[0], 'slot');
    const time = slot <= ctx.bank.slot ? ctx.bank.blockTimeOf(slot) : null;
    if (time === null) throw blockNotAvailable(slot);
    return time;
  },

  getBlocks(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 3);
    const start = slotParam(p[0], 'start slot');
    // The end slot is optional: the second param may be the config.
    const endGiven = typeof p[1] === 'number';
    const end = endGiven ? slotParam(p[1], 'end slot') : ctx.bank.slot;
    confirmedOnly(config(endGiven ? p[2] : p[1]), ctx);
    if (end < start) return [];
    if (end - start > MAX_BLOCKS_RANGE) throw invalidParams(`Slot range too large; max ${MAX_BLOCKS_RANGE}`);
    return producedBetween(ctx, start, end);
  },

  getBlocksWithLimit(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 3);
    const start = slotParam(p[0], 'start slot');
    const limit = usize(p[1], 'limit');
    if (limit > MAX_BLOCKS_RANGE) throw invalidParams(`Limit too large; max ${MAX_BLOCKS_RANGE}`);
    confirmedOnly(config(p[2]), ctx);
    if (limit === 0) return [];
    return producedBetween(ctx, start, start + limit - 1);
  },

  getBlockCommitment(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    slotParam(p[0], 'slot');
    // Every block is final at once here, and finalized blocks leave agave's commitment cache:
    // it answers `commitment: null` for them. No stake votes on a local network.
    return { commitment: null, totalStake: 0 };
  },

  getBlockProduction(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    const cfg = config(p[0]);
    checkContext(cfg, ctx.bank.slot);
    const identity = cfg.identity === undefined || cfg.identity === null ? null : pubkey(cfg.identity, 'identity');
    const epochStart = ctx.bank.slot - (ctx.bank.slot % SLOTS_PER_EPOCH);
    let firstSlot = epochStart;
    let lastSlot = ctx.bank.slot;
    if (cfg.range !== undefined && cfg.range !== null) {
      const range = config(cfg.range);
      firstSlot = slotParam(range.firstSlot, 'range.firstSlot');
      if (range.lastSlot !== undefined && range.lastSlot !== null) lastSlot = slotParam(range.lastSlot, 'range.lastSlot');
      if (lastSlot < firstSlot) throw invalidParams('lastSlot must be greater than or equal to firstSlot');
      if (lastSlot > ctx.bank.slot) throw invalidParams(`lastSlot, ${lastSlot}, cannot be greater than current slot, ${ctx.bank.slot}`);
    }
    const count = lastSlot - firstSlot + 1;
    const byIdentity: Record<string, [number, number]> = {};
    if (identity === null || identity === ctx.identity) byIdentity[ctx.identity] = [count, count];
    return withContext(ctx, { byIdentity, range: { firstSlot, lastSlot } });
  },
};
