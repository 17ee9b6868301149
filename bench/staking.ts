/**
 * peer_staking's part of `npm run bench`: compute units of every instruction in its costly
 * realistic case (new USDC to accrue, rewards to settle, one token transfer), in bankrun,
 * whose classic SPL Token charges 4,645 CU for the transfer alone.
 */
import { startEmbedded } from '../tests/fixtures/embedded/env';
import { measureStakingUnits, type UnitsRow } from '../tests/fixtures/embedded/staking';

export async function measureStaking(rows: UnitsRow[]): Promise<void> {
  rows.push(...(await measureStakingUnits(await startEmbedded())));
}
