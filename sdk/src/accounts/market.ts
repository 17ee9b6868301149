/** peer_market's accounts: types (from the IDL), decoders, fetchers and queries. */
import type { PublicKey } from '@solana/web3.js';
import type { AccountData, DefinedType } from '../codec/types';
import { peerMarket, type PeerMarket } from '../programs';
import type { Transport } from '../rpc/transport';
import { accountApi, type Account, type FetchOptions, type FieldFilter } from './fetch';

export type Config = AccountData<PeerMarket, 'config'>;
export type ConfigParams = DefinedType<PeerMarket, 'configParams'>;
export type FeeLedger = AccountData<PeerMarket, 'feeLedger'>;
export type Worker = AccountData<PeerMarket, 'worker'>;
export type WorkerSettings = DefinedType<PeerMarket, 'workerSettings'>;
export type Reputation = DefinedType<PeerMarket, 'reputation'>;
export type CreditAccount = AccountData<PeerMarket, 'creditAccount'>;
export type Job = AccountData<PeerMarket, 'job'>;
export type JobRequest = DefinedType<PeerMarket, 'jobRequest'>;
export type ResultCommitment = DefinedType<PeerMarket, 'resultCommitment'>;
export type MatcherRegistration = AccountData<PeerMarket, 'matcherRegistration'>;
export type Validator = AccountData<PeerMarket, 'validator'>;
export type Challenge = AccountData<PeerMarket, 'challenge'>;
export type Vote = AccountData<PeerMarket, 'vote'>;
export type ChallengeOutcome = DefinedType<PeerMarket, 'challengeOutcome'>;
export type Tier = DefinedType<PeerMarket, 'tier'>;
export type JobStatus = DefinedType<PeerMarket, 'jobStatus'>;

export const configAccount = accountApi<Config>(peerMarket, 'config', 'market config', 'is the market initialized on this cluster?');
export const feeLedgerAccount = accountApi<FeeLedger>(peerMarket, 'feeLedger', 'fee ledger');
export const workerAccount = accountApi<Worker>(peerMarket, 'worker', 'worker', 'register the worker first');
export const creditAccountAccount = accountApi<CreditAccount>(peerMarket, 'creditAccount', 'credit', 'buy credits first');
export const jobAccount = accountApi<Job>(peerMarket, 'job', 'job', 'it never existed or has ended (finalized, cancelled or refunded)');
export const matcherRegistrationAccount = accountApi<MatcherRegistration>(peerMarket, 'matcherRegistration', 'matcher registration');
export const validatorAccount = accountApi<Validator>(peerMarket, 'validator', 'validator', 'register the validator first');
export const challengeAccount = accountApi<Challenge>(peerMarket, 'challenge', 'challenge', 'it never existed or was resolved');
export const voteAccount = accountApi<Vote>(peerMarket, 'vote', 'vote');

export const decodeConfig = configAccount.decode;
export const fetchConfig = configAccount.fetch;
export const fetchMaybeConfig = configAccount.fetchMaybe;

export const decodeFeeLedger = feeLedgerAccount.decode;
export const fetchFeeLedger = feeLedgerAccount.fetch;
export const fetchMaybeFeeLedger = feeLedgerAccount.fetchMaybe;

export const decodeWorker = workerAccount.decode;
export const fetchWorker = workerAccount.fetch;
export const fetchMaybeWorker = workerAccount.fetchMaybe;
export const fetchAllWorker = workerAccount.fetchAll;
export const fetchAllMaybeWorker = workerAccount.fetchAllMaybe;

export const decodeCreditAccount = creditAccountAccount.decode;
export const fetchCreditAccount = creditAccountAccount.fetch;
export const fetchMaybeCreditAccount = creditAccountAccount.fetchMaybe;
export const fetchAllCreditAccount = creditAccountAccount.fetchAll;
export const fetchAllMaybeCreditAccount = creditAccountAccount.fetchAllMaybe;

export const decodeJob = jobAccount.decode;
export const fetchJob = jobAccount.fetch;
export const fetchMaybeJob = jobAccount.fetchMaybe;
export const fetchAllJob = jobAccount.fetchAll;
export const fetchAllMaybeJob = jobAccount.fetchAllMaybe;

export const decodeMatcherRegistration = matcherRegistrationAccount.decode;
export const fetchMatcherRegistration = matcherRegistrationAccount.fetch;
export const fetchMaybeMatcherRegistration = matcherRegistrationAccount.fetchMaybe;

export const decodeValidator = validatorAccount.decode;
export const fetchValidator = validatorAccount.fetch;
export const fetchMaybeValidator = validatorAccount.fetchMaybe;
export const fetchAllValidator = validatorAccount.fetchAll;

export const decodeChallenge = challengeAccount.decode;
export const fetchChallenge = challengeAccount.fetch;
export const fetchMaybeChallenge = challengeAccount.fetchMaybe;
export const fetchAllChallenge = challengeAccount.fetchAll;

export const decodeVote = voteAccount.decode;
export const fetchVote = voteAccount.fetch;
export const fetchMaybeVote = voteAccount.fetchMaybe;

export interface JobQuery {
  status?: JobStatus;
  client?: PublicKey;
  /** The assigned worker account. */
  worker?: PublicKey;
  tier?: Tier;
  model?: Uint8Array;
  pinnedWorker?: PublicKey;
}

/** Every job matching the query (filtered on the node). */
export function queryJobs(transport: Transport, q: JobQuery = {}, opts?: FetchOptions): Promise<Account<Job>[]> {
  const f: FieldFilter[] = [];
  if (q.status !== undefined) f.push({ field: 'status', equals: q.status });
  if (q.client) f.push({ field: 'client', equals: q.client });
  if (q.worker) f.push({ field: 'worker', equals: q.worker });
  if (q.tier !== undefined) f.push({ field: 'request.tier', equals: q.tier });
  if (q.model) f.push({ field: 'request.model', equals: q.model });
  if (q.pinnedWorker) f.push({ field: 'request.pinnedWorker', equals: q.pinnedWorker });
  return jobAccount.query(transport, f, opts);
}

export interface WorkerQuery {
  authority?: PublicKey;
  paused?: boolean;
}

/** Every worker matching the query (filtered on the node). */
export function queryWorkers(transport: Transport, q: WorkerQuery = {}, opts?: FetchOptions): Promise<Account<Worker>[]> {
  const f: FieldFilter[] = [];
  if (q.authority) f.push({ field: 'authority', equals: q.authority });
  if (q.paused !== undefined) f.push({ field: 'paused', equals: q.paused });
  return workerAccount.query(transport, f, opts);
}

/** Every matcher registration. */
export function queryMatchers(transport: Transport, opts?: FetchOptions): Promise<Account<MatcherRegistration>[]> {
  return matcherRegistrationAccount.query(transport, [], opts);
}

/** Every validator. */
export function queryValidators(transport: Transport, opts?: FetchOptions): Promise<Account<Validator>[]> {
  return validatorAccount.query(transport, [], opts);
}

/** Every open challenge (optionally: of one job, or against one worker). */
export function queryChallenges(transport: Transport, q: { job?: PublicKey; worker?: PublicKey } = {}, opts?: FetchOptions): Promise<Account<Challenge>[]> {
  const f: FieldFilter[] = [];
  if (q.job) f.push({ field: 'job', equals: q.job });
  if (q.worker) f.push({ field: 'worker', equals: q.worker });
  return challengeAccount.query(transport, f, opts);
}

/** Every vote on a challenge. */
export function queryVotes(transport: Transport, challenge: PublicKey, opts?: FetchOptions): Promise<Account<Vote>[]> {
  return voteAccount.query(transport, [{ field: 'challenge', equals: challenge }], opts);
}
