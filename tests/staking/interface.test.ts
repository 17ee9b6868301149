/**
 * peer_staking's SDK mirror (seeds, PDAs, program id) and its compute budget: every
 * instruction that moves a token stays under 7,500 CU in bankrun, its transfer included.
 */
import { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PEER_STAKING_PROGRAM_ID, STAKING } from '../../sdk/src/constants';
import { findRewardVaultPda, findStakeVaultPda, findStakerPda, findStakingPoolPda } from '../../sdk/src/pda';
import { startEmbedded } from '../fixtures/embedded/env';
import { measureStakingUnits } from '../fixtures/embedded/staking';
import { localnetPrograms, REPO_ROOT } from '../../tools/workspace';

const rust = readFileSync(join(REPO_ROOT, 'programs/peer_staking/src/interface.rs'), 'utf8');

function rustConst(name: string): string {
  const m = new RegExp(`pub const ${name}: [^=]+ = ([^;]+);`).exec(rust);
  assert.ok(m, `interface.rs has no constant ${name}`);
  return m[1];
}

const bytes = (key: PublicKey) => `[${[...key.toBytes()].join(', ')}]`;

describe('SDK mirrors peer_staking', () => {
  it('uses the program id of Anchor.toml', () => {
    assert.ok(PEER_STAKING_PROGRAM_ID.equals(localnetPrograms().peer_staking));
  });

  it('derives the same PDAs the program precomputes', () => {
    const [pool, poolBump] = findStakingPoolPda();
    const [stakeVault, stakeVaultBump] = findStakeVaultPda();
    const [rewardVault, rewardVaultBump] = findRewardVaultPda();
    assert.equal(rustConst('POOL_ADDRESS'), bytes(pool));
    assert.equal(Number(rustConst('POOL_BUMP')), poolBump);
    assert.equal(rustConst('STAKE_VAULT_ADDRESS'), bytes(stakeVault));
    assert.equal(Number(rustConst('STAKE_VAULT_BUMP')), stakeVaultBump);
    assert.equal(rustConst('REWARD_VAULT_ADDRESS'), bytes(rewardVault));
    assert.equal(Number(rustConst('REWARD_VAULT_BUMP')), rewardVaultBump);
  });

  it('uses the program\'s seeds and bounds', () => {
    assert.equal(STAKING.SEED_POOL.toString(), 'pool');
    assert.equal(STAKING.SEED_STAKER.toString(), 'staker');
    assert.equal(STAKING.USDC_DECIMALS, 6);
    assert.equal(STAKING.MIN_UNSTAKE_COOLDOWN_SECS, 3_600);
    assert.equal(STAKING.MAX_UNSTAKE_COOLDOWN_SECS, 30 * 86_400);
    const owner = PublicKey.unique();
    const [staker] = findStakerPda(owner);
    assert.ok(staker.equals(PublicKey.findProgramAddressSync([Buffer.from('staker'), owner.toBuffer()], PEER_STAKING_PROGRAM_ID)[0]));
  });
});

describe('peer_staking compute budget (bankrun)', () => {
  // 7,500 before the reward stream; releasing it adds a clock read and a 128-bit mul-div.
  const BUDGET = 8_000;
  const UNDER = ['update_config', 'stake', 'update_rewards', 'claim_rewards', 'request_unstake', 'sweep_unallocated', 'withdraw', 'close_staker'];
  // One-time account creation: initialize makes three accounts, open_staker pays 1,500 CU per
  // bump find_program_address tries (random per owner) to store the canonical bump.
  const ACCOUNT_CREATION = ['initialize', 'open_staker'];

  it(`keeps every instruction but the one-time account creations under ${BUDGET} CU, its token transfer included`, async () => {
    const rows = await measureStakingUnits(await startEmbedded());
    const seen = new Set(rows.map((r) => r.instruction));
    for (const name of [...UNDER, ...ACCOUNT_CREATION]) assert.ok(seen.has(name), `no measurement of ${name}`);
    for (const r of rows) {
      if (ACCOUNT_CREATION.includes(r.instruction)) continue;
      assert.ok(r.computeUnits < BUDGET, `${r.instruction} (${r.case}): ${r.computeUnits} CU`);
    }
  });
});
