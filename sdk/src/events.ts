/** Events our programs emit (Anchor's `sol_log_data` encoding), decoded into the SDK's types. */
import type { PublicKey } from '@solana/web3.js';
import type { EventOf } from './codec/types';
import { peerMarket, peerStaking, type PeerMarket, type PeerStaking } from './programs';

export type MarketEvent = EventOf<PeerMarket>;
export type StakingEvent = EventOf<PeerStaking>;

/** peer_market's events in a transaction's logs (e.g. `SendResult.logs`). */
export function parseMarketEvents(logs: string[], programId?: PublicKey): MarketEvent[] {
  return peerMarket.parseEvents<MarketEvent>(logs, programId);
}

/** peer_staking's events in a transaction's logs. */
export function parseStakingEvents(logs: string[], programId?: PublicKey): StakingEvent[] {
  return peerStaking.parseEvents<StakingEvent>(logs, programId);
}
