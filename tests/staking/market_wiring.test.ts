/**
 * Wiring peer_market to peer_staking: the market config names the staking reward vault PDA as
 * its `staking_reward_vault`, so `sweep_fees` (a plain SPL transfer signed by the market's
 * config PDA) lands where the pool accrues it. No CPI between the programs.
 */
import assert from 'node:assert/strict';
import { findRewardVaultPda } from '../../sdk/src/pda';
import { startEmbedded } from '../fixtures/embedded/env';
import { initializeConfigAccounts, initializeConfigIx, marketAccounts } from '../fixtures/embedded/market';
import { claimIx, depositRewards, initializeStaking, newDepositor, newStaker, PEER, stakeIx, USDC } from '../fixtures/embedded/staking';
import { balance, ok } from './helpers';

describe('peer_staking: wiring into peer_market', () => {
  it('initializes the market with the staking reward vault, and USDC sent there reaches stakers', async () => {
    const env = await startEmbedded();
    const { accounts: s } = await initializeStaking(env); // first: the vault must exist
    assert.ok(s.rewardVault.equals(findRewardVaultPda(env.stakingId)[0]));

    const m = { ...(await marketAccounts(env)), stakingRewardVault: s.rewardVault };
    await ok(env, [await initializeConfigIx(env, initializeConfigAccounts(env, m))], [env.admin]);
    const config = await env.market.account.config.fetch(m.config);
    assert.ok(config.stakingRewardVault.equals(s.rewardVault));

    const a = await newStaker(env, 10n * PEER);
    await ok(env, [await stakeIx(env, a, 10n * PEER)], [a.wallet]);
    await depositRewards(env, await newDepositor(env, 100n * USDC), 24n * USDC); // as sweep_fees does
    await ok(env, [await claimIx(env, a)], [a.wallet]);
    assert.ok((await balance(env, a.usdc)) >= 24n * USDC - 1n);
  });
});
