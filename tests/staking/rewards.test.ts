/**
 * Reward fairness and rounding, against the real program:
 * - two stakers with stakes a and b over the same period get a:b to within one base unit;
 * - a staker who joins after a deposit gets none of it;
 * - randomized sequences (seeded) of stake / unstake / withdraw / claim / deposit / sweep /
 *   close: the chain matches an exact bigint model of the program step by step, payouts never
 *   exceed deposits, the shortfall is at most one base unit per staker account, and each
 *   staker's total is within one base unit of its ideal pro-rata share.
 */
import { BN } from '@coral-xyz/anchor';
import assert from 'node:assert/strict';
import { warpSeconds } from '../fixtures/embedded/clock';
import {
  claimIx,
  closeStakerIx,
  depositRewards,
  newDepositor,
  newStaker,
  openStakerIx,
  PEER,
  requestUnstakeIx,
  stakeIx,
  sweepUnallocatedIx,
  updateRewardsIx,
  USDC,
  withdrawIx,
  type StakerWallet,
} from '../fixtures/embedded/staking';
import { send } from '../fixtures/embedded/tx';
import { balance, big, fetchStaker, ok, owedWholeUnits, world, type World } from './helpers';
import { between, IDEAL_SCALE, RewardModel, rng } from './model';

async function claimAll(w: World, ...stakers: StakerWallet[]): Promise<bigint[]> {
  const out: bigint[] = [];
  for (const st of stakers) {
    await ok(w.env, [await claimIx(w.env, st)], [st.wallet]);
    out.push(await balance(w.env, st.usdc));
  }
  return out;
}

describe('peer_staking: fairness', () => {
  it('pays stakers a and b over the same period in the ratio a:b, each within one base unit', async () => {
    const w = await world({ unstakeCooldownSecs: 3_600, minStake: new BN(1), rewardStreamSecs: 0 });
    const a = 3_000_000_007n;
    const b = 7_000_000_019n;
    const sa = await newStaker(w.env, a);
    const sb = await newStaker(w.env, b);
    await ok(w.env, [await stakeIx(w.env, sa, a), await stakeIx(w.env, sb, b)], [sa.wallet, sb.wallet]);
    let deposited = 0n;
    for (const d of [1_234_567n, 999_999_999_999n, 1n, 77n, 31_415_926_535n]) {
      await depositRewards(w.env, w.depositor, d);
      deposited += d;
      await warpSeconds(w.env.context, 3_600);
      await ok(w.env, [await updateRewardsIx(w.env)]);
    }
    const [ra, rb] = await claimAll(w, sa, sb);
    // Each is within one base unit of its exact share D·x/(a+b) and never above it.
    for (const [got, x] of [
      [ra, a],
      [rb, b],
    ] as const) {
      const exactTimesTotal = deposited * x; // share · (a + b)
      assert.ok(got * (a + b) <= exactTimesTotal, `paid ${got} above the exact share`);
      assert.ok((got + 1n) * (a + b) > exactTimesTotal, `paid ${got}, more than one unit below the exact share`);
    }
    // Hence the ratio: |ra·b − rb·a| < a + b, i.e. ra : rb = a : b within one base unit.
    const skew = ra * b - rb * a;
    assert.ok((skew < 0n ? -skew : skew) < a + b, `ratio off: ${ra}:${rb} vs ${a}:${b}`);
  });

  it('pays equal stakes equally, whatever order they claim in', async () => {
    const w = await world();
    const [x, y] = [await newStaker(w.env, 50n * PEER), await newStaker(w.env, 50n * PEER)];
    await ok(w.env, [await stakeIx(w.env, x, 50n * PEER), await stakeIx(w.env, y, 50n * PEER)], [x.wallet, y.wallet]);
    await depositRewards(w.env, w.depositor, 1_000_001n);
    await ok(w.env, [await claimIx(w.env, x)], [x.wallet]);
    await depositRewards(w.env, w.depositor, 3n * USDC);
    const [rx, ry] = await claimAll(w, x, y);
    const diff = rx - ry;
    assert.ok(diff <= 1n && diff >= -1n, `${rx} vs ${ry}`);
  });

  it('gives a staker who joins after a deposit none of it', async () => {
    const w = await world();
    const early = await newStaker(w.env, 10n * PEER);
    const late = await newStaker(w.env, 1_000n * PEER);
    await ok(w.env, [await stakeIx(w.env, early, 10n * PEER)], [early.wallet]);
    await depositRewards(w.env, w.depositor, 50n * USDC);
    await ok(w.env, [await stakeIx(w.env, late, 1_000n * PEER)], [late.wallet]); // accrues first
    const res = await send(w.env.context, [await claimIx(w.env, late)], [late.wallet]);
    assert.equal(res.errorName, 'NothingToClaim', 'the late staker has nothing from the first deposit');

    await depositRewards(w.env, w.depositor, 101n * USDC); // now split 10 : 1000
    const [re, rl] = await claimAll(w, early, late);
    assert.ok(re <= 51n * USDC && re >= 51n * USDC - 2n, `early got ${re}`);
    assert.ok(rl <= 100n * USDC && rl >= 100n * USDC - 1n, `late got ${rl}`);
  });
});

describe('peer_staking: extreme magnitudes', () => {
  it('handles 1 base unit next to 10^18 staked and deposits from 1 unit to 10^16, exactly as the model', async () => {
    const w = await world({ unstakeCooldownSecs: 3_600, minStake: new BN(1), rewardStreamSecs: 0 });
    const model = new RewardModel();
    const tiny = await newStaker(w.env, 1n);
    const whale = await newStaker(w.env, 10n ** 18n);
    const ids = [tiny, whale].map((st) => st.wallet.publicKey.toBase58());
    ids.forEach((k) => model.open(k));
    const vault = () => balance(w.env, w.s.rewardVault);
    model.stake(ids[0], 1n, await vault());
    await ok(w.env, [await stakeIx(w.env, tiny, 1n)], [tiny.wallet]);
    model.stake(ids[1], 10n ** 18n, await vault());
    await ok(w.env, [await stakeIx(w.env, whale, 10n ** 18n)], [whale.wallet]);
    const rich = await newDepositor(w.env, 10n ** 17n);
    for (const d of [1n, 10n ** 16n, 3n, 10n ** 16n - 7n]) {
      await depositRewards(w.env, rich, d);
      model.accrue(await vault());
      await ok(w.env, [await updateRewardsIx(w.env)]);
      const pool = await w.env.staking.account.pool.fetch(w.s.pool);
      assert.equal((big(pool.rewardPerShare.int) << 64n) + big(pool.rewardPerShare.frac), model.acc);
      assert.equal(big(pool.rewardCarry), model.carry);
    }
    const paid = model.claim(ids[1], await vault());
    await ok(w.env, [await claimIx(w.env, whale)], [whale.wallet]);
    assert.equal(await balance(w.env, whale.usdc), paid);
    // The 1-unit staker's exact share is 2·10^16 / (10^18 + 1) ≈ 0.02 units: nothing whole yet.
    const res = await send(w.env.context, [await claimIx(w.env, tiny)], [tiny.wallet]);
    assert.equal(res.errorName, 'NothingToClaim');
    assert.ok(paid <= 2n * 10n ** 16n - 4n && paid >= 2n * 10n ** 16n - 4n - 2n, `whale got ${paid}`);
  });
});

/** One randomized run: `steps` operations over `n` stakers, checked against the model. */
async function randomRun(seed: number, n: number, steps: number): Promise<void> {
  const next = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const w = await world({ unstakeCooldownSecs: 3_600, minStake: new BN(1), rewardStreamSecs: 0 });
  const model = new RewardModel();
  const wallets: StakerWallet[] = [];
  let deposited = 0n;
  let accountsEver = 0;
  let closedClaimed = 0n;
  let closedIdeal = 0n;
  const open = new Set<string>();
  /** USDC a wallet received through staker accounts it has since closed. */
  const usdcBase = new Map<string, bigint>();
  const seen = new Map<string, number>();
  const key = (st: StakerWallet) => st.wallet.publicKey.toBase58();
  const vault = () => balance(w.env, w.s.rewardVault);

  for (let i = 0; i < n; i++) {
    const st = await newStaker(w.env, 1n << 50n);
    wallets.push(st);
    model.open(key(st));
    open.add(key(st));
    accountsEver++;
  }

  async function checkAgainstModel(step: string): Promise<void> {
    const pool = await w.env.staking.account.pool.fetch(w.s.pool);
    const where = `seed ${seed}, ${step}`;
    assert.equal(big(pool.totalStaked), model.totalStaked, `${where}: total staked`);
    assert.equal(big(pool.totalCooling), model.totalCooling, `${where}: total cooling`);
    assert.equal((big(pool.rewardPerShare.int) << 64n) + big(pool.rewardPerShare.frac), model.acc, `${where}: accumulator`);
    assert.equal(big(pool.rewardCarry), model.carry, `${where}: carry`);
    assert.equal(big(pool.accountedRewards), model.accounted, `${where}: accounted`);
    assert.equal(big(pool.unallocatedRewards), model.unallocated, `${where}: unallocated`);
    for (const st of wallets) {
      if (!open.has(key(st))) continue;
      const s = await fetchStaker(w.env, st);
      const m = model.get(key(st));
      assert.equal(big(s.active), m.active, `${where}: active`);
      assert.equal(big(s.cooling), m.cooling, `${where}: cooling`);
      assert.equal((big(s.rewardsOwed.int) << 64n) + big(s.rewardsOwed.frac), m.owed, `${where}: owed`);
      assert.equal(big(s.totalClaimed), m.claimed, `${where}: claimed`);
      assert.equal(await balance(w.env, st.usdc), (usdcBase.get(key(st)) ?? 0n) + m.claimed, `${where}: USDC received`);
    }
  }

  for (let step = 0; step < steps; step++) {
    const st = pick(wallets);
    const k = key(st);
    const isOpen = open.has(k);
    const m = isOpen ? model.get(k) : null;
    const op = next();
    let label: string;
    if (!isOpen) {
      label = `reopen ${k.slice(0, 4)}`;
      await ok(w.env, [await openStakerIx(w.env, st)], [st.wallet]);
      model.open(k);
      open.add(k);
      accountsEver++;
    } else if (op < 0.25) {
      const amount = next() < 0.3 ? between(next, 1n, 1_000n) : between(next, 1n, 1n << 40n);
      label = `stake ${amount}`;
      model.stake(k, amount, await vault());
      await ok(w.env, [await stakeIx(w.env, st, amount)], [st.wallet]);
    } else if (op < 0.4 && m!.active > 0n) {
      const amount = next() < 0.3 ? m!.active : between(next, 1n, m!.active);
      label = `request_unstake ${amount}`;
      model.requestUnstake(k, amount, await vault());
      await ok(w.env, [await requestUnstakeIx(w.env, st, amount)], [st.wallet]);
    } else if (op < 0.5 && m!.cooling > 0n) {
      const staker = await fetchStaker(w.env, st);
      const now = (await w.env.context.banksClient.getClock()).unixTimestamp;
      if (now < big(staker.cooldownEndsAt)) {
        label = 'early withdraw (refused)';
        const res = await send(w.env.context, [await withdrawIx(w.env, st)], [st.wallet]);
        assert.equal(res.errorName, 'CooldownNotElapsed');
        await warpSeconds(w.env.context, 3_600);
      } else {
        label = 'withdraw';
        const amount = model.withdraw(k);
        const before = await balance(w.env, st.peer);
        await ok(w.env, [await withdrawIx(w.env, st)], [st.wallet]);
        assert.equal((await balance(w.env, st.peer)) - before, amount);
      }
    } else if (op < 0.7) {
      const amount = next() < 0.3 ? between(next, 1n, 10n) : between(next, 1n, 5_000n * USDC);
      label = `deposit ${amount}`;
      await depositRewards(w.env, w.depositor, amount);
      deposited += amount;
    } else if (op < 0.85) {
      const balanceNow = await vault();
      const probe = model.clone();
      probe.accrue(balanceNow);
      if (probe.claimable(k) === 0n) {
        label = 'claim with nothing owed (refused)';
        const res = await send(w.env.context, [await claimIx(w.env, st)], [st.wallet]);
        assert.equal(res.errorName, 'NothingToClaim');
      } else {
        label = 'claim';
        model.claim(k, balanceNow);
        await ok(w.env, [await claimIx(w.env, st)], [st.wallet]);
      }
    } else if (op < 0.9) {
      label = 'update_rewards';
      model.accrue(await vault());
      await ok(w.env, [await updateRewardsIx(w.env)]);
    } else if (op < 0.95) {
      const balanceNow = await vault();
      const pending = model.unallocated + (model.totalStaked === 0n ? balanceNow - model.accounted : 0n);
      if (pending === 0n) {
        label = 'sweep with nothing unallocated (refused)';
        const res = await send(w.env.context, [await sweepUnallocatedIx(w.env, w.s.treasury)]);
        assert.equal(res.errorName, 'NothingToSweep');
      } else {
        label = 'sweep';
        model.sweep(balanceNow);
        await ok(w.env, [await sweepUnallocatedIx(w.env, w.s.treasury)]);
      }
    } else if (m!.active === 0n && m!.cooling === 0n && m!.owed >> 64n === 0n) {
      label = 'close';
      closedClaimed += m!.claimed;
      closedIdeal += m!.ideal;
      usdcBase.set(k, (usdcBase.get(k) ?? 0n) + m!.claimed);
      await ok(w.env, [await closeStakerIx(w.env, st)], [st.wallet]);
      model.close(k);
      open.delete(k);
    } else {
      label = 'warp';
      await warpSeconds(w.env.context, Math.floor(next() * 7_200));
    }
    await checkAgainstModel(`step ${step}: ${label}`);
    const kind = label.split(' ')[0];
    seen.set(kind, (seen.get(kind) ?? 0) + 1);
  }
  if (process.env.STAKING_TRACE) console.log(`      seed ${seed}: ${[...seen].map(([k, v]) => `${k}×${v}`).join(' ')}`);
  for (const kind of ['stake', 'request_unstake', 'withdraw', 'deposit', 'claim', 'update_rewards', 'sweep']) {
    assert.ok(seen.has(kind), `seed ${seed}: the run never did ${kind}`);
  }

  // Final accounting, after one last accrual.
  model.accrue(await vault());
  await ok(w.env, [await updateRewardsIx(w.env)]);
  await checkAgainstModel('final');
  const pool = await w.env.staking.account.pool.fetch(w.s.pool);
  let claimed = closedClaimed;
  let claimable = 0n;
  let ideal = closedIdeal;
  for (const st of wallets) {
    if (!open.has(key(st))) continue;
    const s = await fetchStaker(w.env, st);
    const whole = owedWholeUnits(pool, s);
    const m = model.get(key(st));
    assert.equal(whole, model.claimable(key(st)));
    claimed += big(s.totalClaimed);
    claimable += whole;
    ideal += m.ideal;
    // Per staker: within one base unit of its ideal pro-rata share. The slack of 1/1000 unit
    // covers the carried remainder (< total_staked / 2^64 units per accrual) moving between
    // stakers; the model above is exact, this compares with the ideal split.
    const paid = (big(s.totalClaimed) + whole) * IDEAL_SCALE;
    const slack = IDEAL_SCALE / 1_000n;
    assert.ok(paid <= m.ideal + slack, `seed ${seed}: staker paid above its ideal share`);
    assert.ok(paid + IDEAL_SCALE + slack > m.ideal, `seed ${seed}: staker more than one unit below its ideal share`);
  }
  const unallocated = model.unallocated + model.swept;
  const accountedFor = claimed + claimable + unallocated;
  assert.ok(accountedFor <= deposited, `seed ${seed}: paid or payable ${accountedFor} exceeds deposits ${deposited}`);
  const shortfall = deposited - accountedFor;
  assert.ok(shortfall <= BigInt(accountsEver), `seed ${seed}: shortfall ${shortfall} above one per staker account (${accountsEver})`);
  assert.equal(await balance(w.env, w.s.treasury), model.swept);
  assert.ok((await vault()) >= claimable + model.unallocated, 'the vault holds everything still owed');
  assert.ok(ideal <= (deposited - unallocated) * IDEAL_SCALE, 'ideal shares sum to what was distributed');
}

describe('peer_staking: rounding never pays out more than the vault holds (randomized)', function () {
  this.timeout(600_000);
  for (const seed of [1, 7, 2026]) {
    it(`seed ${seed}: 5 stakers, 120 random steps, chain == exact model, shortfall ≤ 1 unit per staker`, async () => {
      await randomRun(seed, 5, 120);
    });
  }
});
