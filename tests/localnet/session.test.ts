/**
 * The main job's session (what `npm start` runs) against a fresh local network: deployed
 * through the real loader, bootstrapped, then every role over JSON-RPC. Checks the economic
 * outcome exactly: the slash and burn, the worker's 70%, and the stakers' share of the margin.
 */
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalnet, type Localnet } from '../../localnet';
import { deployAll } from '../../migrations/deploy';
import { runSession } from '../../migrations/session';

describe('main job session over JSON-RPC', function () {
  this.timeout(300_000);
  let net: Localnet;

  before(async () => {
    net = await startLocalnet({ rpcPort: 0, slotMs: 50 });
  });
  after(async () => net?.close());

  it('posts, answers, disputes, slashes, finalizes, sweeps and pays stakers and the worker', async () => {
    const admin = Keypair.generate();
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: mkdtempSync(join(tmpdir(), 'peer-session-')) });
    assert.ok(deployed.bootstrap);
    const summary = await runSession({
      url: net.rpcUrl,
      admin,
      usdcMint: deployed.bootstrap.usdcMint,
      peerMint: deployed.bootstrap.peerMint,
      warp: async (seconds) => net.bank.warp(seconds),
    });
    // Worker bond 2,000 $PEER, slash 10% = 200: challenger reward 50% = 100, the voters' pot
    // 25% = 50 (voter_reward_bps), burned the remaining 50.
    assert.equal(summary.slashed, 200_000_000_000n);
    assert.equal(summary.burned, 50_000_000_000n);
    // Finalized: an open job at 2 credits and a verified one at 5 = 70,000 USDC base units.
    assert.equal(summary.workerEarnings, 49_000n, 'the worker keeps 70%');
    // Stakers get 80% of the 30% margin (16,800), less at most one base unit of rounding.
    assert.ok(summary.stakerRewards <= 16_800n && summary.stakerRewards >= 16_799n, `staker rewards ${summary.stakerRewards}`);
    assert.ok(summary.timeline.length >= 15);
  });
});
