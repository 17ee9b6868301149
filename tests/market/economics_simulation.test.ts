/**
 * The trust-economics simulation (bench/simulate.ts) in a small run over the real programs:
 * every acceptance check must hold — cheating has negative expected profit for every q > 0 at
 * the default sampling rate, snipers earn at most their time-weighted share, a coalition needs
 * more stake than the honest validators to decide, and honest workers are never slashed.
 * `npm run simulate` runs the full 10,000-job version.
 */
import assert from 'node:assert/strict';
import { simulate } from '../../bench/simulate';

describe('economics: the agent simulation over the real programs (small run)', function () {
  this.timeout(0);

  it('passes every acceptance check', async () => {
    const report = await simulate({ jobs: 300, cheaterJobs: 100 });
    for (const [check, ok] of Object.entries(report.acceptance)) assert.ok(ok, check);
    assert.equal(report.honest.falseSlashes, 0);
    assert.ok(report.caughtPayoff.jobs > 0, 'some cheats were caught and their cost measured');
    // more sampling, less profit: the expected curve falls with p
    const gains = report.expectedCurve.map((e) => e.gainOverHonest);
    for (let i = 1; i < gains.length; i++) assert.ok(gains[i] <= gains[i - 1]);
    assert.ok(report.coalition.find((c) => c.stakeRatio > 1)?.outcome === 'challengerWon', 'with more stake than the honest validators a coalition does decide: the bound is tight');
  });
});
