/**
 * One PDA, one seed path: an account name that is a PDA in several instructions must be derived
 * from the same seeds (accounts of the same name) everywhere, or client generators such as
 * Codama give it two names.
 */
import { strict as assert } from 'node:assert';
import market from '../../sdk/src/idl/peer_market.json';
import staking from '../../sdk/src/idl/peer_staking.json';

interface IdlAccount {
  name: string;
  pda?: { seeds: unknown[] };
}
interface Idl {
  metadata: { name: string };
  instructions: { name: string; accounts: IdlAccount[] }[];
}

describe('IDL: every PDA has one seed path', () => {
  for (const idl of [market, staking] as unknown as Idl[]) {
    it(`${idl.metadata.name}: the same account name is derived from the same seeds in every instruction`, () => {
      const seen = new Map<string, { seeds: string; where: string }>();
      const conflicts: string[] = [];
      for (const ix of idl.instructions) {
        for (const account of ix.accounts) {
          if (!account.pda) continue;
          const seeds = JSON.stringify(account.pda.seeds);
          const first = seen.get(account.name);
          if (!first) seen.set(account.name, { seeds, where: ix.name });
          else if (first.seeds !== seeds) conflicts.push(`${account.name}: ${first.where} ${first.seeds} vs ${ix.name} ${seeds}`);
        }
      }
      assert.deepEqual(conflicts, []);
      assert.ok(seen.size > 0);
    });
  }
});
