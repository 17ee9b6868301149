/**
 * The matcher's quality score of a worker for a job: pure arithmetic over on-chain reputation,
 * measured latency and price, shared by the matcher and the dashboard (which shows the parts).
 * No I/O, no randomness: the same inputs always give the same ranking.
 *
 *   reliability = (completed + k·p) / (completed + expired + c·lost + k)
 *                 (a Beta prior worth k jobs at success rate p, so a newcomer starts at p,
 *                  neither at 0 nor at 1; a lost challenge weighs c failures)
 *   latency     = mean of  R_s / (R_s + avg slots)   with avg slots = (sum + k·R_s) / (samples + k)
 *                 and      R_ms / (R_ms + probe ms)   (when the matcher has probed the worker)
 *   price       = 1 − price / max price              (0 at the job's max, 1 if free)
 *   score       = (w_r·reliability + w_l·latency + w_p·price) / (w_r + w_l + w_p)
 *
 * keepers/README.md has a worked example.
 */

export interface QualityParams {
  weightReliability: number;
  weightLatency: number;
  weightPrice: number;
  /** Reliability assumed for a worker without history (the prior's mean). */
  priorSuccess: number;
  /** How many jobs of evidence the prior is worth. */
  priorStrength: number;
  /** A lost challenge counts as this many failed jobs. */
  challengePenalty: number;
  /** On-chain latency, in slots, that scores 0.5. */
  latencyRefSlots: number;
  /** Probe round trip, in milliseconds, that scores 0.5. */
  latencyRefMs: number;
}

export const DEFAULT_QUALITY: QualityParams = {
  weightReliability: 0.6,
  weightLatency: 0.25,
  weightPrice: 0.15,
  priorSuccess: 0.8,
  priorStrength: 5,
  challengePenalty: 10,
  latencyRefSlots: 25,
  latencyRefMs: 250,
};

/** The on-chain reputation counters (the Worker account's `reputation`). */
export interface ReputationCounts {
  jobsCompleted: bigint | number;
  jobsExpired: bigint | number;
  challengesLost: bigint | number;
  latencySlotsSum: bigint | number;
  latencySamples: bigint | number;
}

export interface QualityInput {
  reputation: ReputationCounts;
  /** The worker's price for the job's tier, in credits. */
  price: bigint | number;
  /** The job's max price, in credits. */
  maxPrice: bigint | number;
  /** The matcher's latest probe round trip in ms (null: not probed). */
  probeMs: number | null;
}

export interface QualityScore {
  score: number;
  reliability: number;
  latency: number;
  price: number;
  /** Jobs the worker has finished either way (completed + expired + challenges lost). */
  history: number;
  /** Mean on-chain latency in slots (null: no samples). */
  meanLatencySlots: number | null;
}

const num = (v: bigint | number): number => (typeof v === 'bigint' ? Number(v) : v);

export function checkQualityParams(p: QualityParams): void {
  const weights = [p.weightReliability, p.weightLatency, p.weightPrice];
  if (weights.some((w) => !(w >= 0)) || weights.reduce((a, b) => a + b, 0) <= 0) throw new Error('quality weights must be non-negative and not all zero');
  if (!(p.priorSuccess > 0 && p.priorSuccess < 1)) throw new Error('priorSuccess must be within (0, 1)');
  if (!(p.priorStrength >= 0) || !(p.challengePenalty >= 1) || !(p.latencyRefSlots > 0) || !(p.latencyRefMs > 0)) throw new Error('quality parameters out of range');
}

export function reliabilityOf(rep: ReputationCounts, p: QualityParams = DEFAULT_QUALITY): number {
  const completed = num(rep.jobsCompleted);
  const failures = num(rep.jobsExpired) + p.challengePenalty * num(rep.challengesLost);
  return (completed + p.priorStrength * p.priorSuccess) / (completed + failures + p.priorStrength);
}

export function latencyOf(rep: ReputationCounts, probeMs: number | null, p: QualityParams = DEFAULT_QUALITY): number {
  const samples = num(rep.latencySamples);
  const avgSlots = (num(rep.latencySlotsSum) + p.priorStrength * p.latencyRefSlots) / Math.max(samples + p.priorStrength, 1e-9);
  const slotsPart = p.latencyRefSlots / (p.latencyRefSlots + Math.max(0, avgSlots));
  if (probeMs === null || !Number.isFinite(probeMs)) return slotsPart;
  const probePart = p.latencyRefMs / (p.latencyRefMs + Math.max(0, probeMs));
  return (slotsPart + probePart) / 2;
}

export function priceOf(price: bigint | number, maxPrice: bigint | number): number {
  const max = num(maxPrice);
  if (!(max > 0)) return 0;
  return Math.min(1, Math.max(0, 1 - num(price) / max));
}

export function qualityScore(input: QualityInput, p: QualityParams = DEFAULT_QUALITY): QualityScore {
  const reliability = reliabilityOf(input.reputation, p);
  const latency = latencyOf(input.reputation, input.probeMs, p);
  const price = priceOf(input.price, input.maxPrice);
  const total = p.weightReliability + p.weightLatency + p.weightPrice;
  const score = (p.weightReliability * reliability + p.weightLatency * latency + p.weightPrice * price) / total;
  const rep = input.reputation;
  const samples = num(rep.latencySamples);
  return {
    score,
    reliability,
    latency,
    price,
    history: num(rep.jobsCompleted) + num(rep.jobsExpired) + num(rep.challengesLost),
    meanLatencySlots: samples > 0 ? num(rep.latencySlotsSum) / samples : null,
  };
}

/**
 * Orders candidates best first: higher score, then more history, then the address (so ties
 * break the same way every time, never at random and never by price alone).
 */
export function compareCandidates(a: { key: string; quality: QualityScore }, b: { key: string; quality: QualityScore }): number {
  if (a.quality.score !== b.quality.score) return b.quality.score - a.quality.score;
  if (a.quality.history !== b.quality.history) return b.quality.history - a.quality.history;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
