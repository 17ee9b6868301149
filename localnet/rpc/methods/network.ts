/**
 * The cluster's economics and topology as one node sees them: supply and largest accounts,
 * nodes, vote accounts, leader schedule, inflation, performance samples, snapshots, the stake
 * minimum. One node leads every slot; there are no votes, stake rewards or snapshots here, and
 * each answer says so in agave's shape (empty lists, nulls, or agave's own "no snapshot" error).
 */
import { PublicKey, Transaction, TransactionInstruction } from '@solana/web3.js';
import { SLOTS_PER_EPOCH } from '../../bank/bank';
import { decodeMint, decodeTokenAccount, isTokenProgram, uiTokenAmount } from '../../encoding/spl-token';
import { invalidParams, RpcError } from '../errors';
import { checkContext, config, noMoreThan, oneOf, positional, pubkey, usize } from '../params';
import { SOLANA_CORE_VERSION, withContext, type Handler, type RpcContext } from '../context';

/** agave's Inflation::default() (the parameters mainnet runs with). */
export const INFLATION_GOVERNOR = { initial: 0.08, terminal: 0.015, taper: 0.15, foundation: 0.05, foundationTerm: 7 } as const;
/** Slots in a year at 400 ms per slot, as agave's genesis config computes it. */
const SLOTS_PER_YEAR = (365.242_199 * 24 * 60 * 60 * 1000) / 400;
const LARGEST_ACCOUNTS = 20;
const MAX_SLOT_LEADERS = 5000;
const MAX_PERFORMANCE_SAMPLES = 720;
/** Solana's -32008: the node has no snapshot. */
export const NO_SNAPSHOT = -32008;
const STAKE_PROGRAM = 'Stake11111111111111111111111111111111111111';
/** StakeInstruction::GetMinimumDelegation (bincode enum tag). */
const GET_MINIMUM_DELEGATION = 13;

function inflationRate(epoch: number) {
  const year = (epoch * SLOTS_PER_EPOCH) / SLOTS_PER_YEAR;
  const g = INFLATION_GOVERNOR;
  const total = Math.max(g.terminal, g.initial * Math.pow(1 - g.taper, year));
  const foundation = year < g.foundationTerm ? total * g.foundation : 0;
  return { total, validator: total - foundation, foundation, epoch };
}

function epochOf(ctx: RpcContext): number {
  return Math.floor(ctx.bank.slot / SLOTS_PER_EPOCH);
}

let leaderScheduleCache: { identity: string; slots: number[] } | null = null;

/** The stake program's own answer (its return data), from a simulated GetMinimumDelegation. */
function stakeMinimumDelegation(ctx: RpcContext): bigint {
  const payer = ctx.bank.faucet.publicKey;
  const tx = new Transaction({ feePayer: payer, ...ctx.bank.latestBlockhash() });
  const data = Buffer.alloc(4);
  data.writeUInt32LE(GET_MINIMUM_DELEGATION);
  tx.add(new TransactionInstruction({ programId: new PublicKey(STAKE_PROGRAM), keys: [], data }));
  const raw = tx.serialize({ requireAllSignatures: false, verifySignatures: false });
  const sim = ctx.bank.simulate(raw, { sigVerify: false, replaceRecentBlockhash: true, accounts: null });
  if (sim.err !== null || !sim.returnData) throw new RpcError(-32603, `the stake program did not answer GetMinimumDelegation (${JSON.stringify(sim.err)})`);
  return Buffer.from(sim.returnData.data, 'base64').readBigUInt64LE(0);
}

export const networkMethods: Record<string, Handler> = {
  getSupply(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    const cfg = config(p[0]);
    checkContext(cfg, ctx.bank.slot);
    let total = 0n;
    for (const { account } of ctx.bank.allAccounts()) total += account.lamports;
    // No non-circulating (locked genesis) accounts on a local network: the list is empty either way.
    return withContext(ctx, { total, circulating: total, nonCirculating: 0n, nonCirculatingAccounts: [] });
  },

  getLargestAccounts(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    const cfg = config(p[0]);
    checkContext(cfg, ctx.bank.slot);
    const filter = cfg.filter === undefined || cfg.filter === null ? null : oneOf(cfg.filter, ['circulating', 'nonCirculating'] as const, 'filter', 'circulating');
    // Every account circulates here (no locked genesis accounts).
    if (filter === 'nonCirculating') return withContext(ctx, []);
    const all = ctx.bank.allAccounts().map(({ address, account }) => ({ address, lamports: account.lamports }));
    all.sort((a, b) => (a.lamports === b.lamports ? 0 : a.lamports > b.lamports ? -1 : 1));
    return withContext(ctx, all.slice(0, LARGEST_ACCOUNTS));
  },

  getTokenLargestAccounts(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const mint = pubkey(p[0], 'mint');
    checkContext(config(p[1]), ctx.bank.slot);
    const mintAccount = ctx.bank.getAccount(mint);
    const decoded = mintAccount && isTokenProgram(mintAccount.owner) ? decodeMint(mintAccount.data) : null;
    if (!mintAccount || !decoded) throw invalidParams('Invalid param: could not find mint');
    const holders = ctx.bank
      .getProgramAccounts(mintAccount.owner)
      .map(({ address, account }) => ({ address, acc: decodeTokenAccount(account.data) }))
      .filter((h) => h.acc !== null && h.acc.state !== 'uninitialized' && h.acc.mint === mint)
      .sort((a, b) => (a.acc!.amount === b.acc!.amount ? 0 : a.acc!.amount > b.acc!.amount ? -1 : 1))
      .slice(0, LARGEST_ACCOUNTS);
    return withContext(
      ctx,
      holders.map((h) => ({ address: h.address, ...uiTokenAmount(h.acc!.amount, decoded.decimals) })),
    );
  },

  getClusterNodes(params, ctx) {
    noMoreThan(positional(params), 0);
    const strip = (url: string | null) => (url ? url.replace(/^[a-z]+:\/\//, '') : null);
    const rpc = strip(ctx.endpoints.rpc);
    // One node: this one. It gossips nothing and takes transactions only over JSON-RPC.
    return [
      {
        pubkey: ctx.identity,
        gossip: null,
        tvu: null,
        tpu: null,
        tpuQuic: null,
        tpuForwards: null,
        tpuForwardsQuic: null,
        tpuVote: null,
        serveRepair: null,
        rpc,
        pubsub: strip(ctx.endpoints.pubsub),
        version: SOLANA_CORE_VERSION,
        featureSet: 0,
        shredVersion: 0,
      },
    ];
  },

  getVoteAccounts(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    const cfg = config(p[0]);
    checkContext(cfg, ctx.bank.slot);
    if (cfg.votePubkey !== undefined && cfg.votePubkey !== null) pubkey(cfg.votePubkey, 'votePubkey');
    // This node produces blocks without a vote account: there is nothing to list.
    return { current: [], delinquent: [] };
  },

  getLeaderSchedule(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    // The first param is a slot (or null); the config may come first when there is no slot.
    const slotGiven = typeof p[0] === 'number';
    const slot = slotGiven ? usize(p[0], 'slot') : ctx.bank.slot;
    const cfg = config(slotGiven || p[0] === null || p[0] === undefined ? p[1] : p[0]);
    checkContext(cfg, ctx.bank.slot);
    const identity = cfg.identity === undefined || cfg.identity === null ? null : pubkey(cfg.identity, 'identity');
    // Known for this epoch and the next (agave answers null beyond).
    if (Math.floor(slot / SLOTS_PER_EPOCH) > epochOf(ctx) + 1) return null;
    if (identity !== null && identity !== ctx.identity) return {};
    if (!leaderScheduleCache || leaderScheduleCache.identity !== ctx.identity) {
      leaderScheduleCache = { identity: ctx.identity, slots: Array.from({ length: SLOTS_PER_EPOCH }, (_, i) => i) };
    }
    return { [ctx.identity]: leaderScheduleCache.slots };
  },

  getSlotLeaders(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    usize(p[0], 'start slot');
    const limit = usize(p[1], 'limit');
    if (limit > MAX_SLOT_LEADERS) throw invalidParams(`Invalid limit; max ${MAX_SLOT_LEADERS}`);
    return Array.from({ length: limit }, () => ctx.identity);
  },

  getInflationGovernor(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    checkContext(config(p[0]), ctx.bank.slot);
    return { ...INFLATION_GOVERNOR };
  },

  getInflationRate(params, ctx) {
    noMoreThan(positional(params), 0);
    return inflationRate(epochOf(ctx));
  },

  getInflationReward(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    if (!Array.isArray(p[0])) throw invalidParams('expected an array of addresses');
    if (p[0].length > 1000) throw invalidParams('Too many inputs provided; max 1000');
    const addresses = p[0].map((a) => pubkey(a, 'address'));
    const cfg = config(p[1]);
    checkContext(cfg, ctx.bank.slot);
    if (cfg.epoch !== undefined && cfg.epoch !== null) {
      const epoch = usize(cfg.epoch, 'epoch');
      if (epoch >= epochOf(ctx)) throw new RpcError(-32004, `Block not available for slot ${epoch * SLOTS_PER_EPOCH}`);
    }
    // No epoch rewards are paid on a local network: null per address, as for an unrewarded one.
    return addresses.map(() => null);
  },

  getRecentPerformanceSamples(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    const limit = p[0] === undefined || p[0] === null ? MAX_PERFORMANCE_SAMPLES : usize(p[0], 'limit');
    if (limit > MAX_PERFORMANCE_SAMPLES) throw invalidParams(`Invalid limit; max ${MAX_PERFORMANCE_SAMPLES}`);
    return [...ctx.bank.performanceSamples].reverse().slice(0, limit);
  },

  getHighestSnapshotSlot(params) {
    noMoreThan(positional(params), 0);
    throw new RpcError(NO_SNAPSHOT, 'No snapshot');
  },

  getStakeMinimumDelegation(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 1);
    checkContext(config(p[0]), ctx.bank.slot);
    return withContext(ctx, stakeMinimumDelegation(ctx));
  },
};
