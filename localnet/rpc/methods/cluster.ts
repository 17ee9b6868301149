/** Cluster and block-production methods: slots, epochs, blockhashes, fees, node identity. */
import { SLOTS_PER_EPOCH } from '../../bank/bank';
import { parseMessage, WireFormatError } from '../../encoding/wire';
import { invalidParams, NODE_UNHEALTHY, RpcError } from '../errors';
import { checkContext, config, noMoreThan, positional, pubkey } from '../params';
import { SOLANA_CORE_VERSION, withContext, type Handler, type RpcContext } from '../context';

function slotQuery(params: unknown, ctx: RpcContext): void {
  const p = positional(params);
  noMoreThan(p, 1);
  checkContext(config(p[0]), ctx.bank.slot);
}

function epochInfo(ctx: RpcContext) {
  const slot = ctx.bank.slot;
  return {
    absoluteSlot: slot,
    blockHeight: ctx.bank.blockHeight,
    epoch: Math.floor(slot / SLOTS_PER_EPOCH),
    slotIndex: slot % SLOTS_PER_EPOCH,
    slotsInEpoch: SLOTS_PER_EPOCH,
    transactionCount: ctx.bank.history.transactionCount,
  };
}

export const clusterMethods: Record<string, Handler> = {
  getSlot(params, ctx) {
    slotQuery(params, ctx);
    return ctx.bank.slot;
  },

  getBlockHeight(params, ctx) {
    slotQuery(params, ctx);
    return ctx.bank.blockHeight;
  },

  getEpochInfo(params, ctx) {
    slotQuery(params, ctx);
    return epochInfo(ctx);
  },

  getEpochSchedule(params) {
    noMoreThan(positional(params), 0);
    return { slotsPerEpoch: SLOTS_PER_EPOCH, leaderScheduleSlotOffset: SLOTS_PER_EPOCH, warmup: false, firstNormalEpoch: 0, firstNormalSlot: 0 };
  },

  getTransactionCount(params, ctx) {
    slotQuery(params, ctx);
    return ctx.bank.history.transactionCount;
  },

  getVersion(params) {
    noMoreThan(positional(params), 0);
    return { 'solana-core': SOLANA_CORE_VERSION, 'feature-set': 0 };
  },

  getGenesisHash(params, ctx) {
    noMoreThan(positional(params), 0);
    return ctx.bank.genesis.hash;
  },

  getHealth(params, ctx) {
    noMoreThan(positional(params), 0);
    if (!ctx.bank.healthy) throw new RpcError(NODE_UNHEALTHY, `Node is unhealthy: ${ctx.bank.unhealthyReason}`, {});
    return 'ok';
  },

  getIdentity(params, ctx) {
    noMoreThan(positional(params), 0);
    return { identity: ctx.identity };
  },

  getSlotLeader(params, ctx) {
    slotQuery(params, ctx);
    return ctx.identity;
  },

  getFirstAvailableBlock(params) {
    noMoreThan(positional(params), 0);
    return 0;
  },

  minimumLedgerSlot(params) {
    noMoreThan(positional(params), 0);
    return 0;
  },

  getLatestBlockhash(params, ctx) {
    slotQuery(params, ctx);
    return withContext(ctx, ctx.bank.latestBlockhash());
  },

  isBlockhashValid(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const hash = pubkey(p[0], 'blockhash');
    checkContext(config(p[1]), ctx.bank.slot);
    return withContext(ctx, ctx.bank.isBlockhashValid(hash));
  },

  getFeeForMessage(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    if (typeof p[0] !== 'string') throw invalidParams('message must be a base64 string');
    checkContext(config(p[1]), ctx.bank.slot);
    const bytes = Buffer.from(p[0], 'base64');
    try {
      return withContext(ctx, ctx.bank.feeForMessage(bytes, parseMessage));
    } catch (err) {
      if (err instanceof WireFormatError) throw invalidParams(`invalid message: ${err.message}`);
      throw err;
    }
  },

  getRecentPrioritizationFees(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    const list = p[0] === undefined || p[0] === null ? [] : p[0];
    if (!Array.isArray(list)) throw invalidParams('expected an array of account addresses');
    if (list.length > 128) throw invalidParams('too many account addresses (max 128)');
    return ctx.bank.recentPrioritizationFees(list.map((a) => pubkey(a, 'account address')));
  },

  getMaxRetransmitSlot(params, ctx) {
    noMoreThan(positional(params), 0);
    return ctx.bank.slot;
  },

  getMaxShredInsertSlot(params, ctx) {
    noMoreThan(positional(params), 0);
    return ctx.bank.slot;
  },

  getMinimumBalanceForRentExemption(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    if (typeof p[0] !== 'number' || !Number.isSafeInteger(p[0]) || p[0] < 0 || p[0] > 10 * 1024 * 1024) {
      throw invalidParams('data length must be an integer between 0 and 10485760');
    }
    checkContext(config(p[1]), ctx.bank.slot);
    return ctx.bank.minimumBalanceForRentExemption(p[0]);
  },
};
