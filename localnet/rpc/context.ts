/** What every RPC method handler gets, and the `{context, value}` wrapper many of them return. */
import type { Bank } from '../bank/bank';

/** The agave release whose runtime litesvm 1.5.0 embeds (solana-program-runtime 4.3.0). */
export const SOLANA_CORE_VERSION = '4.3.0';

export interface RpcContext {
  bank: Bank;
  /** Node identity (getIdentity, getSlotLeader). */
  identity: string;
  log: (line: string) => void;
  /** Where this node serves (getClusterNodes); set once its ports are bound. */
  endpoints: { rpc: string | null; pubsub: string | null };
}

export type Handler = (params: unknown, ctx: RpcContext) => unknown;

export function withContext<T>(ctx: RpcContext, value: T): { context: { slot: number; apiVersion: string }; value: T } {
  return { context: { slot: ctx.bank.slot, apiVersion: SOLANA_CORE_VERSION }, value };
}
