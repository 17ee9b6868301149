/**
 * The mint's exported surface for other services (the gateway): open the mint's ledger in
 * process (the same SQLite file the `peer mint` service uses is safe to share: WAL, immediate
 * transactions, busy timeout) and redeem `X-Cashu` tokens with it. See mint/README.md.
 */
import { join } from 'node:path';
import { Ledger } from './ledger';
import { loadSeed } from './service';
import { openMintStore } from './store';

export { Ledger } from './ledger';
export { MintError, CODES } from './errors';
export { CHANGE_HEADER, PAYMENT_HEADER, encodeChangeHeader, parseChangeHeader, paymentRequired, redeem, type RedeemRequest, type Redemption } from './redeem';
export { startMint, loadMintConfig, type RunningMint, type MintConfig } from './service';
export { runMint } from './main';

/** The mint's ledger from its data directory (database + seed), for in-process redemption. */
export function openMintLedger(opts: { dataDir: string; seedFile?: string }): Ledger {
  const seed = loadSeed(opts.seedFile ?? join(opts.dataDir, 'seed.hex'));
  return new Ledger({ store: openMintStore(join(opts.dataDir, 'mint.sqlite')), seed });
}
