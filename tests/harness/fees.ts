/** The fee split finalize_job must make, computed independently of the program. */
import { BPS, CREDIT_BASE_UNITS } from '../fixtures/embedded/market';

/**
 * `price` credits under `workerBps`/`stakerBps`: the worker gets floor(fee × workerBps / 10000),
 * the stakers floor(margin × stakerBps / 10000), the treasury the rest of the margin.
 */
export function split(price: bigint, workerBps: bigint, stakerBps: bigint): { fee: bigint; worker: bigint; staker: bigint; treasury: bigint } {
  const fee = price * CREDIT_BASE_UNITS;
  const worker = (fee * workerBps) / BPS;
  const margin = fee - worker;
  const staker = (margin * stakerBps) / BPS;
  return { fee, worker, staker, treasury: margin - staker };
}
