/**
 * What the chain says right now, read through the SDK's decoders and queries: the market config,
 * the fee ledger, every worker, validator, open challenge and live job, the staking pool, the
 * $PEER supply and the cluster clock. One snapshot is shared by every page until the indexer
 * sees a change or it grows old, so a room full of phones costs the node one read.
 */
import { Connection, type PublicKey } from '@solana/web3.js';
import {
  ConnectionTransport,
  fetchClock,
  fetchMaybeConfig,
  fetchMaybeFeeLedger,
  fetchMaybePool,
  findConfigPda,
  findFeeLedgerPda,
  findStakingPoolPda,
  queryChallenges,
  queryJobs,
  queryValidators,
  queryWorkers,
  type Account,
  type Challenge,
  type Config,
  type FeeLedger,
  type Job,
  type Pool,
  type Transport,
  type Validator,
  type Worker,
} from '../sdk/src';

export interface ChainSnapshot {
  readAtMs: number;
  now: bigint;
  slot: bigint;
  config: Config | null;
  feeLedger: FeeLedger | null;
  pool: Pool | null;
  workers: Account<Worker>[];
  validators: Account<Validator>[];
  challenges: Account<Challenge>[];
  jobs: Account<Job>[];
  peerSupply: bigint | null;
}

export class ChainReader {
  readonly transport: Transport;
  private current: Promise<ChainSnapshot> | null = null;
  private stale = true;

  constructor(
    readonly connection: Connection,
    readonly programs: { market: PublicKey; staking: PublicKey },
    private readonly maxAgeMs: number,
  ) {
    this.transport = new ConnectionTransport(connection);
  }

  /** The next read fetches afresh (the indexer saw a change). */
  invalidate(): void {
    this.stale = true;
  }

  async snapshot(): Promise<ChainSnapshot> {
    if (this.current && !this.stale) {
      const snap = await this.current.catch(() => null);
      if (snap && Date.now() - snap.readAtMs < this.maxAgeMs) return snap;
    }
    this.stale = false;
    const read = this.read();
    this.current = read;
    read.catch(() => {
      this.stale = true;
    });
    return read;
  }

  private async read(): Promise<ChainSnapshot> {
    const t = this.transport;
    const market = { programId: this.programs.market };
    const staking = { programId: this.programs.staking };
    const [config, feeLedger, pool, workers, validators, challenges, jobs, clock] = await Promise.all([
      fetchMaybeConfig(t, findConfigPda(this.programs.market)[0], market),
      fetchMaybeFeeLedger(t, findFeeLedgerPda(this.programs.market)[0], market),
      fetchMaybePool(t, findStakingPoolPda(this.programs.staking)[0], staking),
      queryWorkers(t, {}, market),
      queryValidators(t, market),
      queryChallenges(t, {}, market),
      queryJobs(t, {}, market),
      fetchClock(t),
    ]);
    let peerSupply: bigint | null = null;
    if (config) peerSupply = BigInt((await this.connection.getTokenSupply(config.data.peerMint)).value.amount);
    return {
      readAtMs: Date.now(),
      now: BigInt(clock.unixTimestamp),
      slot: BigInt(clock.slot),
      config: config?.data ?? null,
      feeLedger: feeLedger?.data ?? null,
      pool: pool?.data ?? null,
      workers,
      validators,
      challenges,
      jobs,
      peerSupply,
    };
  }
}
