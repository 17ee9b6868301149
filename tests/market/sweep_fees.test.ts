/**
 * sweep_fees (anyone): moves the unswept stakers' and treasury fees from the vault to the
 * config's staking reward vault and treasury.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, Market, type Actor } from '../fixtures/embedded/market';
import { tokenBalance } from '../fixtures/embedded/tokens';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: sweep_fees', () => {
  let m: Market;
  let client: Actor;
  let worker: Actor;
  let matcher: Keypair;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: client } = await m.client(100_000n));
    matcher = (await m.addMatcher()).matcher;
    ({ actor: worker } = await m.readyWorker({ prices: { open: 10 } }));
  });
  afterEach(() => assertConservation(m));

  async function finalizeOne(): Promise<void> {
    const { job } = await m.submittedJob(client, worker, matcher);
    await m.finalizeJob(job);
  }

  it('has nothing to sweep before any job was finalized (NothingToSweep)', async () => {
    await reject(m, await m.sweepFeesCall(), 'NothingToSweep');
  });

  it('moves both shares out of the vault and zeroes them, keeping the totals', async () => {
    await finalizeOne();
    await finalizeOne();
    const vault = await tokenBalance(m.context, m.accounts.usdcVault);
    const stakers = await tokenBalance(m.context, m.accounts.stakingRewardVault);
    const treasury = await tokenBalance(m.context, m.accounts.treasury);
    const { result } = await m.sweepFees();
    // 2 jobs × 10 credits × 10,000 = 200,000; margin 60,000 → stakers 48,000, treasury 12,000
    assert.equal((await tokenBalance(m.context, m.accounts.stakingRewardVault)) - stakers, 48_000n);
    assert.equal((await tokenBalance(m.context, m.accounts.treasury)) - treasury, 12_000n);
    assert.equal(vault - (await tokenBalance(m.context, m.accounts.usdcVault)), 60_000n);
    const ledger = await m.feeLedger();
    assert.equal(big(ledger.stakerFees), 0n);
    assert.equal(big(ledger.treasuryFees), 0n);
    assert.equal(big(ledger.totalStakerFees), 48_000n);
    assert.equal(big(ledger.totalTreasuryFees), 12_000n);
    assert.equal(big(ledger.jobsFinalized), 2n);
    const ev = m.event(result, 'feesSwept');
    assert.equal((ev.stakerAmount as BN).toString(), '48000');
    assert.equal((ev.treasuryAmount as BN).toString(), '12000');
    await reject(m, await m.sweepFeesCall(), 'NothingToSweep');
  });

  it('sweeps a lone treasury share when stakers get none of the margin', async () => {
    await m.updateParams((p) => (p.stakerShareBps = 0));
    try {
      await finalizeOne();
    } finally {
      await m.updateParams((p) => (p.stakerShareBps = 8_000));
    }
    const stakers = await tokenBalance(m.context, m.accounts.stakingRewardVault);
    const treasury = await tokenBalance(m.context, m.accounts.treasury);
    const { result } = await m.sweepFees();
    assert.equal(await tokenBalance(m.context, m.accounts.stakingRewardVault), stakers);
    assert.equal((await tokenBalance(m.context, m.accounts.treasury)) - treasury, 30_000n);
    assert.equal((m.event(result, 'feesSwept').stakerAmount as BN).toString(), '0');
  });

  it('sends fees only to the config\'s destinations (WrongFeeDestination)', async () => {
    await finalizeOne();
    const thief = await m.actor();
    await reject(m, await m.sweepFeesCall({ accounts: { treasury: thief.usdc } }), 'WrongFeeDestination');
    await reject(m, await m.sweepFeesCall({ accounts: { stakingRewardVault: thief.usdc } }), 'WrongFeeDestination');
    await reject(
      m,
      await m.sweepFeesCall({ accounts: { stakingRewardVault: m.accounts.treasury, treasury: m.accounts.stakingRewardVault } }),
      'WrongFeeDestination',
    );
    await m.sweepFees();
  });

  it('rejects a vault or fee ledger that is not the PDA (ConstraintSeeds) and the same account twice', async () => {
    await finalizeOne();
    const fakeVault = await m.tokenAccount(m.env.usdcMint, Keypair.generate().publicKey);
    await reject(m, await m.sweepFeesCall({ accounts: { usdcVault: fakeVault } }), 'ConstraintSeeds');
    await reject(m, await m.sweepFeesCall({ accounts: { feeLedger: m.accounts.config } }), 'ConstraintSeeds');
    await reject(m, await m.sweepFeesCall({ accounts: { treasury: m.accounts.stakingRewardVault } }), 'DuplicateMutableAccount');
    await reject(m, await m.sweepFeesCall({ accounts: { treasury: m.accounts.usdcVault } }), 'DuplicateMutableAccount');
    for (const index of [1, 2, 3, 4]) {
      const call = await m.sweepFeesCall();
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    await reject(m, await m.sweepFeesCall({ accounts: { tokenProgram: Keypair.generate().publicKey } }), 'ConstraintAddress');
    await m.sweepFees();
  });

  it('needs no signer: anyone may sweep', async () => {
    await finalizeOne();
    const call = await m.sweepFeesCall();
    assert.ok(call.ix.keys.every((k) => !k.isSigner));
    await m.run(call);
  });
});
