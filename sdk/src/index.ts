/** Peer Cycles TypeScript SDK. */
export * from './constants';
export * from './pda';
export type { PeerMarket } from './idl/peer_market';
