/**
 * Methods only a local network has (a real validator answers "Method not found"): a clock
 * fast-forward, so demos and the keepers can reach on-chain deadlines (challenge windows, vote
 * phases, job timeouts) without waiting them out. Like `solana-test-validator --warp-slot`,
 * but at run time. Time only ever moves forward.
 */
import { invalidParams } from '../errors';
import type { Handler } from '../context';

const MAX_WARP_SECS = 366 * 86_400;

export const devMethods: Record<string, Handler> = {
  /** params: [seconds]; answers the new slot and unix time. */
  peerDev_warpClock(params, ctx) {
    const seconds = Array.isArray(params) ? params[0] : undefined;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds <= 0 || seconds > MAX_WARP_SECS) {
      throw invalidParams(`peerDev_warpClock takes [seconds], a whole number from 1 to ${MAX_WARP_SECS}`);
    }
    ctx.bank.warp(seconds);
    ctx.log(`clock warped ${seconds} s`);
    return { slot: ctx.bank.slot, unixTimestamp: ctx.bank.unixTimestamp };
  },
};
