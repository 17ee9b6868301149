/** peer_staking's accounts: types (from the IDL), decoders, fetchers and queries. */
import type { AccountData, DefinedType } from '../codec/types';
import { peerStaking, type PeerStaking } from '../programs';
import type { Transport } from '../rpc/transport';
import { accountApi, type Account, type FetchOptions } from './fetch';

export type Pool = AccountData<PeerStaking, 'pool'>;
export type PoolParams = DefinedType<PeerStaking, 'poolParams'>;
export type Staker = AccountData<PeerStaking, 'staker'>;
export type U64F64 = DefinedType<PeerStaking, 'u64F64'>;

export const poolAccount = accountApi<Pool>(peerStaking, 'pool', 'staking pool', 'is staking initialized on this cluster?');
export const stakerAccount = accountApi<Staker>(peerStaking, 'staker', 'staker', 'stake first');

export const decodePool = poolAccount.decode;
export const fetchPool = poolAccount.fetch;
export const fetchMaybePool = poolAccount.fetchMaybe;

export const decodeStaker = stakerAccount.decode;
export const fetchStaker = stakerAccount.fetch;
export const fetchMaybeStaker = stakerAccount.fetchMaybe;
export const fetchAllStaker = stakerAccount.fetchAll;
export const fetchAllMaybeStaker = stakerAccount.fetchAllMaybe;

/** Every staker account (all stakers of the pool). */
export function queryStakers(transport: Transport, opts?: FetchOptions): Promise<Account<Staker>[]> {
  return stakerAccount.query(transport, [], opts);
}
