/**
 * A reference model of peer_staking's reward maths in exact bigint arithmetic: the program's
 * rules (64.64 accumulator, carried remainder, exact per-staker 64.64 owed), and alongside
 * them the ideal pro-rata split in (almost) exact rationals, to bound the program's rounding.
 */
export const ONE = 1n << 64n;
/** Scale of the ideal shares: 2^128 per base unit, far below any rounding we care about. */
export const IDEAL_SCALE = 1n << 128n;

export interface ModelStaker {
  active: bigint;
  cooling: bigint;
  /** Accumulator snapshot, 64.64. */
  paid: bigint;
  /** Settled, unclaimed, 64.64. */
  owed: bigint;
  claimed: bigint;
  /** Ideal pro-rata rewards since the account opened, scaled by IDEAL_SCALE. */
  ideal: bigint;
}

export class RewardModel {
  totalStaked = 0n;
  totalCooling = 0n;
  acc = 0n;
  carry = 0n;
  accounted = 0n;
  unallocated = 0n;
  swept = 0n;
  distributed = 0n;
  stakers = new Map<string, ModelStaker>();

  clone(): RewardModel {
    const copy = Object.assign(new RewardModel(), this);
    copy.stakers = new Map([...this.stakers].map(([k, v]) => [k, { ...v }]));
    return copy;
  }

  /** What an accrual with the vault at `balance` does; returns the new amount. */
  accrue(balance: bigint): bigint {
    const amount = balance - this.accounted;
    if (amount < 0n) throw new Error('vault below accounted');
    if (amount === 0n) return 0n;
    if (this.totalStaked === 0n) {
      this.unallocated += amount;
    } else {
      const num = (amount << 64n) + this.carry;
      this.acc += num / this.totalStaked;
      this.carry = num % this.totalStaked;
      this.distributed += amount;
      for (const s of this.stakers.values()) {
        if (s.active > 0n) s.ideal += (amount * s.active * IDEAL_SCALE) / this.totalStaked;
      }
    }
    this.accounted = balance;
    return amount;
  }

  open(owner: string): void {
    this.stakers.set(owner, { active: 0n, cooling: 0n, paid: this.acc, owed: 0n, claimed: 0n, ideal: 0n });
  }

  close(owner: string): void {
    this.stakers.delete(owner);
  }

  get(owner: string): ModelStaker {
    const s = this.stakers.get(owner);
    if (!s) throw new Error(`no staker ${owner}`);
    return s;
  }

  settle(s: ModelStaker): void {
    s.owed += s.active * (this.acc - s.paid);
    s.paid = this.acc;
  }

  stake(owner: string, amount: bigint, balance: bigint): void {
    this.accrue(balance);
    const s = this.get(owner);
    this.settle(s);
    s.active += amount;
    this.totalStaked += amount;
  }

  requestUnstake(owner: string, amount: bigint, balance: bigint): void {
    this.accrue(balance);
    const s = this.get(owner);
    this.settle(s);
    s.active -= amount;
    s.cooling += amount;
    this.totalStaked -= amount;
    this.totalCooling += amount;
  }

  withdraw(owner: string): bigint {
    const s = this.get(owner);
    const amount = s.cooling;
    s.cooling = 0n;
    this.totalCooling -= amount;
    return amount;
  }

  /** Whole units a claim would pay now (after accruing `balance`), without claiming. */
  claimable(owner: string): bigint {
    const s = this.get(owner);
    return (s.owed + s.active * (this.acc - s.paid)) >> 64n;
  }

  claim(owner: string, balance: bigint): bigint {
    this.accrue(balance);
    const s = this.get(owner);
    this.settle(s);
    const pay = s.owed >> 64n;
    s.owed -= pay << 64n;
    s.claimed += pay;
    this.accounted -= pay;
    return pay;
  }

  sweep(balance: bigint): bigint {
    this.accrue(balance);
    const amount = this.unallocated;
    this.unallocated = 0n;
    this.accounted -= amount;
    this.swept += amount;
    return amount;
  }
}

/** mulberry32: a small seeded PRNG, so a failing sequence can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform bigint in [lo, hi]. */
export function between(next: () => number, lo: bigint, hi: bigint): bigint {
  const span = hi - lo + 1n;
  const r = (BigInt(Math.floor(next() * 2 ** 32)) << 32n) | BigInt(Math.floor(next() * 2 ** 32));
  return lo + (r % span);
}
