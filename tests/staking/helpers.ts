/** Shared by the peer_staking suites: events, reads, and "rejected and nothing changed". */
import { BorshCoder, EventParser } from '@coral-xyz/anchor';
import { Keypair, PublicKey, TransactionInstruction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded, type EmbeddedEnv } from '../fixtures/embedded/env';
import {
  defaultStakingParams,
  initializeStaking,
  newDepositor,
  USDC,
  type Depositor,
  type PoolParams,
  type StakerWallet,
  type StakingAccounts,
} from '../fixtures/embedded/staking';
import { tokenBalance } from '../fixtures/embedded/tokens';
import { expectError, expectOk, send, type TxResult } from '../fixtures/embedded/tx';
import { expectUnchanged, snapshot } from '../harness/state';

export interface ParsedEvent {
  name: string;
  data: Record<string, any>;
}

export function stakingEvents(env: EmbeddedEnv, res: TxResult): ParsedEvent[] {
  const parser = new EventParser(env.stakingId, new BorshCoder(env.staking.idl));
  return [...parser.parseLogs(res.logs)].map((e) => ({ name: e.name, data: e.data as Record<string, any> }));
}

export function big(v: { toString(): string }): bigint {
  return BigInt(v.toString());
}

export async function fetchPool(env: EmbeddedEnv, s: StakingAccounts) {
  return env.staking.account.pool.fetch(s.pool);
}

export async function fetchStaker(env: EmbeddedEnv, st: StakerWallet) {
  return env.staking.account.staker.fetch(st.staker);
}

/** Rewards a staker could claim now: whole units owed plus what its active stake earned
 * since its snapshot, exactly as the program computes them (given the pool's accumulator). */
export function owedWholeUnits(
  pool: { rewardPerShare: { int: any; frac: any } },
  staker: { active: any; rewardPerSharePaid: { int: any; frac: any }; rewardsOwed: { int: any; frac: any } },
): bigint {
  const fx = (v: { int: any; frac: any }) => (big(v.int) << 64n) + big(v.frac);
  const earned = big(staker.active) * (fx(pool.rewardPerShare) - fx(staker.rewardPerSharePaid));
  return (fx(staker.rewardsOwed) + earned) >> 64n;
}

/** Sends `ixs`, expects `name`, and checks none of `watched` changed. */
export async function expectRejected(
  env: EmbeddedEnv,
  name: string,
  ixs: TransactionInstruction[],
  signers: Keypair[],
  watched: PublicKey[],
): Promise<TxResult> {
  const before = await snapshot(env.context, watched);
  const res = await send(env.context, ixs, signers);
  expectError(res, name);
  await expectUnchanged(env.context, before);
  return res;
}

export async function balance(env: EmbeddedEnv, account: PublicKey): Promise<bigint> {
  return tokenBalance(env.context, account);
}

export function assertEvent(events: ParsedEvent[], name: string): Record<string, any> {
  const found = events.filter((e) => e.name === name);
  assert.equal(found.length, 1, `expected one ${name} event, got [${events.map((e) => e.name).join(', ')}]`);
  return found[0].data;
}

/** A fresh runtime with an initialized pool and a USDC depositor (the market's stand-in). */
export interface World {
  env: EmbeddedEnv;
  s: StakingAccounts;
  depositor: Depositor;
}

export async function world(params: PoolParams = defaultStakingParams()): Promise<World> {
  const env = await startEmbedded();
  const { accounts } = await initializeStaking(env, params);
  return { env, s: accounts, depositor: await newDepositor(env, 1_000_000_000n * USDC) };
}

/** Sends and expects success. */
export async function ok(env: EmbeddedEnv, ixs: TransactionInstruction[], signers: Keypair[] = []): Promise<TxResult> {
  return expectOk(await send(env.context, ixs, signers));
}

/** Every account a staking instruction of `st` can touch. */
export function watchedFor(w: World, ...stakers: StakerWallet[]): PublicKey[] {
  return [
    w.s.pool,
    w.s.stakeVault,
    w.s.rewardVault,
    w.s.treasury,
    ...stakers.flatMap((st) => [st.staker, st.peer, st.usdc, st.wallet.publicKey]),
  ];
}
