/**
 * `npm run bench` must keep running as the programs change (it rotted once: the economics
 * changed and two of its parts failed). Its fast parts, over the real programs in bankrun, run
 * here: every flow they drive must succeed and report what it measured. No number is judged.
 */
import assert from 'node:assert/strict';
import { measureMarket, type CuRow } from '../../bench/market';
import { measureSdk } from '../../bench/sdk';
import { measureStaking } from '../../bench/staking';
import { measureVerification } from '../../bench/verification';

describe('bench: the compute-unit and SDK-flow parts still run', function () {
  this.timeout(300_000);

  it('market, verification and staking: every instruction measured with its units', async () => {
    const rows: CuRow[] = [];
    const lifecycles = await measureMarket(rows);
    await measureVerification(rows);
    await measureStaking(rows);
    assert.deepEqual(lifecycles.map((l) => l.tier), ['open', 'verified', 'confidential']);
    for (const l of lifecycles) assert.equal(l.transactions, 4, `${l.tier}: one transaction per step`);
    const measured = new Set(rows.map((r) => r.instruction));
    for (const ix of ['post_job', 'assign_job', 'submit_result', 'finalize_job', 'challenge_job', 'commit_vote', 'reveal_vote', 'resolve_challenge', 'dispute (total)', 'stake', 'claim_rewards']) {
      assert.ok(measured.has(ix), `no measurement of ${ix}`);
    }
    for (const r of rows) assert.ok(r.computeUnits > 0, `${r.instruction} (${r.case}) reported no units`);
  });

  it('SDK flows: every role\'s flow runs and counts its calls', async () => {
    const rows = await measureSdk();
    assert.ok(rows.length >= 30);
    for (const flow of ['claim rewards', 'resolve challenge', 'expire job', 'finalize job']) assert.ok(rows.some((r) => r.flow === flow), `no row for ${flow}`);
    for (const r of rows) assert.ok(r.rpcCalls > 0, `${r.flow} made no calls`);
  });
});
