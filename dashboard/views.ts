/**
 * The pages' data: pure functions of a chain snapshot and the index. Amounts travel as base-unit
 * strings together with their display text (formatted by the SDK), so the page never does money
 * arithmetic and tests compare against the same formatting.
 */
import { PublicKey } from '@solana/web3.js';
import { compareCandidates, qualityScore, type QualityScore } from '../keepers/protocol';
import { describeSettings, formatAmount, isDevEnclaveMeasurement, MARKET, modelId, TIERS, tierIndex, toHex, type Account, type Tier, type Worker } from '../sdk/src';
import type { ChainSnapshot } from './chain';
import type { DashboardStore } from './store';

const USDC_DECIMALS = 6;
const CREDIT = BigInt(MARKET.CREDIT_BASE_UNITS);

export interface Money {
  raw: string;
  text: string;
}

export const usdc = (v: bigint | number): Money => ({ raw: BigInt(v).toString(), text: formatAmount(BigInt(v), USDC_DECIMALS) });
const peerOf = (snap: ChainSnapshot) => (v: bigint | number): Money => ({ raw: BigInt(v).toString(), text: formatAmount(BigInt(v), snap.config?.peerDecimals ?? 9) });
const sum = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
const ZERO32 = new Uint8Array(32);

/** Model id (hex) → the configured name that hashes to it, else a short id. */
export function modelNamer(names: string[]): (idHex: string) => string {
  const byId = new Map(names.map((name) => [toHex(modelId(name)), name]));
  return (idHex) => byId.get(idHex) ?? `model ${idHex.slice(0, 10)}…`;
}

/** The live job accounts' status names on the page's workflow. */
const LIVE_STATE: Record<string, string> = { open: 'posted', assigned: 'assigned', submitted: 'result', disputed: 'challenged' };

export function networkView(snap: ChainSnapshot, db: DashboardStore) {
  const peer = peerOf(snap);
  const byState: Record<string, Record<string, number>> = {};
  const count = (state: string, tier: string, k = 1) => {
    byState[state] ??= Object.fromEntries(TIERS.map((t) => [t, 0]));
    byState[state][tier] = (byState[state][tier] ?? 0) + k;
  };
  for (const j of snap.jobs) count(LIVE_STATE[String(j.data.status)] ?? String(j.data.status), String(j.data.request.tier));
  // Closed jobs live on only in the index.
  for (const r of db.prepare("SELECT state, tier, COUNT(*) AS c FROM jobs WHERE state IN ('finalized','slashed','expired','cancelled') AND tier IS NOT NULL GROUP BY state, tier").all() as { state: string; tier: string; c: number }[]) {
    count(r.state, r.tier, r.c);
  }
  const points = db
    .prepare(
      `SELECT e.block_time AS t, e.kind AS kind, COALESCE(f.price, 0) AS price FROM job_events e LEFT JOIN finalized f ON f.job = e.job AND e.kind = 'JobFinalized'
       WHERE e.kind IN ('JobPosted','JobFinalized') AND e.block_time IS NOT NULL ORDER BY e.block_time, e.id`,
    )
    .all() as { t: number; kind: string; price: number }[];
  const series = { t: [] as number[], posted: [] as number[], finalized: [] as number[], volumeUsdc: [] as number[] };
  let posted = 0;
  let finalized = 0;
  let volume = 0n;
  for (const p of points) {
    if (p.kind === 'JobPosted') posted++;
    else {
      finalized++;
      volume += BigInt(p.price) * CREDIT;
    }
    const last = series.t.length - 1;
    if (last >= 0 && series.t[last] === p.t) series.t.pop(), series.posted.pop(), series.finalized.pop(), series.volumeUsdc.pop();
    series.t.push(p.t);
    series.posted.push(posted);
    series.finalized.push(finalized);
    series.volumeUsdc.push(Number(volume) / 10 ** USDC_DECIMALS);
  }
  const burned = (db.prepare("SELECT COALESCE(SUM(amount), 0) AS s FROM supply WHERE kind = 'burned'").get() as { s: number }).s;
  const fl = snap.feeLedger;
  return {
    now: Number(snap.now),
    slot: snap.slot.toString(),
    initialized: snap.config !== null,
    jobsByState: byState,
    liveJobs: snap.jobs.length,
    series,
    volume: usdc(volume),
    fees: {
      toStakers: usdc(fl?.totalStakerFees ?? 0n),
      toTreasury: usdc(fl?.totalTreasuryFees ?? 0n),
      unsweptStakers: usdc(fl?.stakerFees ?? 0n),
      unsweptTreasury: usdc(fl?.treasuryFees ?? 0n),
      jobsFinalized: (fl?.jobsFinalized ?? 0n).toString(),
    },
    peer: {
      bondedWorkers: peer(sum(snap.workers.map((w) => w.data.bond))),
      bondedValidators: peer(sum(snap.validators.map((v) => v.data.bond))),
      staked: peer(snap.pool?.totalStaked ?? 0n),
      burned: peer(BigInt(burned)),
      supply: snap.peerSupply === null ? null : peer(snap.peerSupply),
    },
    openChallenges: snap.challenges.filter((c) => !c.data.resolved).length,
    workers: snap.workers.length,
    validators: snap.validators.length,
    recent: recentTxs(db, 12),
  };
}

export function recentTxs(db: DashboardStore, limit: number) {
  return (db.prepare('SELECT sig, slot, block_time AS blockTime, cu, events FROM txs ORDER BY slot DESC, rowid DESC LIMIT ?').all(limit) as { sig: string; slot: number; blockTime: number | null; cu: number | null; events: string }[]).map(
    (r) => ({ ...r, events: (JSON.parse(r.events) as { name: string }[]).map((e) => e.name) }),
  );
}

export function liveView(db: DashboardStore, limit = 40) {
  const jobs = db.prepare('SELECT job, client, tier, model, max_price AS maxPrice, price, worker, state, posted_at AS postedAt, updated_at AS updatedAt, challenge, reason FROM jobs ORDER BY updated_ms DESC, rowid DESC LIMIT ?').all(limit) as Record<string, unknown>[];
  const events = db.prepare('SELECT state, kind, sig, slot, block_time AS blockTime, cu FROM job_events WHERE job = ? ORDER BY id');
  return { jobs: jobs.map((j) => ({ ...j, steps: events.all(j.job) })) };
}

export function txView(db: DashboardStore, sig: string) {
  const r = db.prepare('SELECT sig, slot, block_time AS blockTime, cu, fee, err, events, logs FROM txs WHERE sig = ?').get(sig) as Record<string, unknown> | undefined;
  if (!r) return null;
  return { ...r, events: JSON.parse(r.events as string), logs: JSON.parse(r.logs as string) };
}

/** The max price the matcher would weigh a tier's price against: the tier's latest job, else the highest ask. */
function referenceMaxPrice(db: DashboardStore, workers: Account<Worker>[], tier: Tier): bigint {
  const latest = db.prepare('SELECT max_price AS m FROM jobs WHERE tier = ? AND max_price IS NOT NULL ORDER BY posted_at DESC, rowid DESC LIMIT 1').get(tier) as { m: number } | undefined;
  if (latest) return BigInt(latest.m);
  return workers.reduce((m, w) => (w.data.settings.prices[tierIndex(tier)] > m ? w.data.settings.prices[tierIndex(tier)] : m), 0n);
}

interface RankedWorker {
  address: string;
  quality: Partial<Record<Tier, QualityScore & { refMaxPrice: string; ask: string }>>;
  best: number;
}

export function workersView(snap: ChainSnapshot, db: DashboardStore, names: string[]) {
  const peer = peerOf(snap);
  const name = modelNamer(names);
  const refMax = Object.fromEntries(TIERS.map((t) => [t, referenceMaxPrice(db, snap.workers, t)])) as Record<Tier, bigint>;
  const earned = new Map((db.prepare("SELECT worker, SUM(amount) AS s FROM worker_events WHERE kind = 'earned' GROUP BY worker").all() as { worker: string; s: number }[]).map((r) => [r.worker, r.s]));
  const won = new Map((db.prepare("SELECT worker, COUNT(*) AS c FROM worker_events WHERE kind = 'challenge_won' GROUP BY worker").all() as { worker: string; c: number }[]).map((r) => [r.worker, r.c]));
  const rows = snap.workers.map((w) => {
    const s = describeSettings(w.data.settings);
    const quality: RankedWorker['quality'] = {};
    for (const t of s.tiers) {
      const price = s.prices[t] ?? 0n;
      quality[t] = { ...qualityScore({ reputation: w.data.reputation, price, maxPrice: refMax[t], probeMs: null }), ask: price.toString(), refMaxPrice: refMax[t].toString() };
    }
    const best = Math.max(...Object.values(quality).map((q) => q.score), 0);
    const hasEnclave = !Buffer.from(w.data.enclaveKey).equals(Buffer.from(ZERO32));
    const rep = w.data.reputation;
    return {
      address: w.address.toBase58(),
      authority: w.data.authority.toBase58(),
      endpoint: s.endpoint,
      tiers: s.tiers,
      models: s.modelIds.map((id) => ({ id, name: name(id) })),
      prices: Object.fromEntries(Object.entries(s.prices).map(([t, p]) => [t, String(p)])),
      capacity: s.capacity,
      activeJobs: w.data.activeJobs,
      paused: w.data.paused,
      bond: peer(w.data.bond),
      unbonding: peer(w.data.unbonding),
      unclaimed: usdc(w.data.earnings),
      earned: usdc(BigInt(earned.get(w.address.toBase58()) ?? 0)),
      paidVolume: usdc(rep.paidVolume * CREDIT),
      completed: rep.jobsCompleted.toString(),
      expired: rep.jobsExpired.toString(),
      challengesLost: rep.challengesLost.toString(),
      challengesWon: won.get(w.address.toBase58()) ?? 0,
      meanLatencySlots: rep.latencySamples > 0n ? Number(rep.latencySlotsSum) / Number(rep.latencySamples) : null,
      registeredAt: Number(w.data.registeredAt),
      enclave: !hasEnclave
        ? { kind: 'none', label: 'no enclave registered' }
        : isDevEnclaveMeasurement(w.data.enclaveMeasurement)
          ? { kind: 'dev', label: 'DEV enclave: not hardware-attested' }
          : { kind: 'attested', label: `hardware-attested (${toHex(w.data.enclaveMeasurement).slice(0, 16)}…)`, expiresAt: Number(w.data.enclaveExpiresAt) },
      quality,
      best,
    };
  });
  rows.sort((a, b) => compareCandidates({ key: a.address, quality: { ...bestOf(a.quality) } }, { key: b.address, quality: { ...bestOf(b.quality) } }));
  return { workers: rows, orders: matcherOrders(rows, name), referenceMaxPrice: Object.fromEntries(TIERS.map((t) => [t, refMax[t].toString()])), probeNote: 'on-chain parts only: the matcher also averages in its own probe round trip' };
}

function bestOf(q: RankedWorker['quality']): QualityScore {
  const all = Object.values(q);
  if (all.length === 0) return { score: 0, reliability: 0, latency: 0, price: 0, history: 0, meanLatencySlots: null };
  return all.reduce((a, b) => (b.score > a.score ? b : a));
}

/** For every (model, tier) served: worker addresses in the matcher's order (best first). */
function matcherOrders(rows: { address: string; tiers: Tier[]; models: { id: string }[]; paused: boolean; quality: RankedWorker['quality'] }[], name: (id: string) => string) {
  const groups = new Map<string, { model: string; modelName: string; tier: Tier; workers: { key: string; quality: QualityScore }[] }>();
  for (const r of rows) {
    if (r.paused) continue;
    for (const m of r.models) {
      for (const t of r.tiers) {
        const key = `${m.id}:${t}`;
        const g = groups.get(key) ?? { model: m.id, modelName: name(m.id), tier: t, workers: [] };
        g.workers.push({ key: r.address, quality: r.quality[t]! });
        groups.set(key, g);
      }
    }
  }
  return [...groups.values()].map((g) => ({ model: g.model, modelName: g.modelName, tier: g.tier, order: g.workers.sort(compareCandidates).map((w) => ({ address: w.key, score: w.quality.score })) }));
}

export function workerView(snap: ChainSnapshot, db: DashboardStore, names: string[], address: string) {
  const all = workersView(snap, db, names);
  const me = all.workers.find((w) => w.address === address) ?? null;
  const daily = (db.prepare("SELECT date(block_time, 'unixepoch') AS day, SUM(amount) AS s, COUNT(*) AS c FROM worker_events WHERE worker = ? AND kind = 'earned' AND block_time IS NOT NULL GROUP BY day ORDER BY day").all(address) as { day: string; s: number; c: number }[]).map(
    (r) => ({ day: r.day, t: Date.parse(`${r.day}T00:00:00Z`) / 1000, amount: usdc(BigInt(r.s)), usdc: r.s / 10 ** USDC_DECIMALS, jobs: r.c }),
  );
  const jobs = db.prepare('SELECT job, tier, model, price, state, updated_at AS updatedAt, reason FROM jobs WHERE worker = ? ORDER BY updated_ms DESC LIMIT 100').all(address);
  const incidents = (db.prepare("SELECT kind, amount, job, reason, sig, block_time AS blockTime FROM worker_events WHERE worker = ? AND kind IN ('expired','slashed') ORDER BY id DESC").all(address) as { kind: string; amount: number; job: string; reason: string; sig: string; blockTime: number }[]).map(
    (r) => ({ ...r, amount: peerOf(snap)(BigInt(r.amount)) }),
  );
  const positions = all.orders
    .map((o) => ({ model: o.model, modelName: o.modelName, tier: o.tier, of: o.order.length, position: o.order.findIndex((w) => w.address === address) + 1 }))
    .filter((p) => p.position > 0);
  return { worker: me, daily, jobs, incidents, positions };
}

export function validatorsView(snap: ChainSnapshot, db: DashboardStore) {
  const peer = peerOf(snap);
  const open = new Map(snap.challenges.map((c) => [c.address.toBase58(), c.data]));
  const indexed = db.prepare('SELECT * FROM challenges ORDER BY opened_at DESC, rowid DESC').all() as Record<string, unknown>[];
  const votes = db.prepare('SELECT validator, committed_sig AS committedSig, revealed_sig AS revealedSig, output_hash AS outputHash, weight, reward, penalty FROM votes WHERE challenge = ?');
  const challenges = indexed.map((c) => {
    const live = open.get(c.challenge as string);
    return {
      challenge: c.challenge,
      job: c.job,
      worker: c.worker,
      challenger: c.challenger,
      openedAt: c.opened_at,
      commits: live ? live.commits : c.commits,
      reveals: live ? live.reveals : c.reveals,
      forChallenger: live ? live.votesForChallenger : c.for_challenger,
      forWorker: live ? live.votesForWorker : c.for_worker,
      commitDeadline: live ? Number(live.commitDeadline) : null,
      revealDeadline: live ? Number(live.revealDeadline) : null,
      outcome: c.outcome ?? 'open',
      slashed: c.slashed === null ? null : peer(BigInt(c.slashed as number)),
      burned: c.burned === null ? null : peer(BigInt(c.burned as number)),
      challengerReward: c.challenger_reward === null ? null : peer(BigInt(c.challenger_reward as number)),
      refunded: c.refunded,
      openSig: c.open_sig,
      resolveSig: c.resolve_sig,
      votes: votes.all(c.challenge),
    };
  });
  // Challenges opened before the index began exist only as accounts.
  for (const [address, c] of open) {
    if (challenges.some((x) => x.challenge === address)) continue;
    challenges.push({
      challenge: address, job: c.job.toBase58(), worker: c.worker.toBase58(), challenger: c.challengerAuthority.toBase58(), openedAt: Number(c.openedAt),
      commits: c.commits, reveals: c.reveals, forChallenger: c.votesForChallenger, forWorker: c.votesForWorker,
      commitDeadline: Number(c.commitDeadline), revealDeadline: Number(c.revealDeadline), outcome: 'open', slashed: null, burned: null, challengerReward: null, refunded: null, openSig: null, resolveSig: null, votes: [],
    });
  }
  const validators = snap.validators.map((v) => ({
    address: v.address.toBase58(),
    authority: v.data.authority.toBase58(),
    bond: peer(v.data.bond),
    locked: peer(v.data.locked),
    won: v.data.challengesWon.toString(),
    lost: v.data.challengesLost.toString(),
    votesRevealed: v.data.votesRevealed.toString(),
    openChallenges: v.data.openChallenges,
    openVotes: v.data.openVotes,
  }));
  return { validators, challenges };
}

/** Parses a wallet address from a query string (null when absent; throws a one-line error when malformed). */
export function parseAddress(text: string | undefined): PublicKey | null {
  if (text === undefined || text === '') return null;
  if (text.length > 64 || !/^[1-9A-HJ-NP-Za-km-z]+$/.test(text)) throw new Error('not a base58 address');
  try {
    return new PublicKey(text);
  } catch {
    throw new Error('not a base58 address');
  }
}
