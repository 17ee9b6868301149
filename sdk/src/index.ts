/**
 * Peer Cycles TypeScript SDK.
 *
 * - `pda` functions and `constants` mirror the programs' seeds (read from the IDLs);
 * - `instructions.market.*` / `instructions.staking.*`: pure instruction builders;
 * - accounts: `decodeX` / `fetchX` / `fetchMaybeX` / `fetchAllX` / `queryX`;
 * - flows per role (admin, client, worker, staker, validator, cranks) over a `PeerContext`;
 * - `rpc`: the Transport interface, ConnectionTransport, sending (simulate → compute-unit limit →
 *   priority fee → confirm, retry on an expired blockhash) and error translation;
 * - `crypto`: prompt/result envelopes (tweetnacl box), commitments, enclave signatures;
 * - `attestation`: SEV-SNP / TDX evidence verification, enclave key binding, client-side enclave checks;
 * - `amounts`: exact decimal parsing and formatting.
 * The bankrun Transport for tests is in `sdk/src/testing`.
 */
export * from './constants';
export * from './pda';
export * from './amounts';
export * from './errors';
export * from './wallet';
export * from './programs';
export * from './cluster';
export * from './events';
export * from './context';
export * from './accounts/fetch';
export * from './accounts/market';
export * from './accounts/staking';
export * from './accounts/token';
export * from './crypto/envelope';
export * as privacy from './privacy';
export * from './rpc/transport';
export * from './rpc/connection';
export * from './rpc/send';
export { translateFailure, failingProgram } from './rpc/errors';
export * from './transactions/build';
export * as instructions from './instructions';
export * from './flows/settings';
export * from './flows/admin';
export * from './flows/client';
export * from './flows/worker';
export * from './flows/staker';
export * from './flows/validator';
export * from './flows/crank';
export type * from './codec/types';
export { ProgramCodec } from './codec/program';
export type { PeerMarket } from './idl/peer_market';
export type { PeerStaking } from './idl/peer_staking';
export * from './crypto/request';
export * from './crypto/stream';
export * from './crypto/audit';
export * from './attestation';
export * from './worker-protocol';
export * from './worker-client';
export * from './flows/audit';
