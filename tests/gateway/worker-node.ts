/** A real worker node for the gateway suites (worker/service.ts). */
import { Keypair } from '@solana/web3.js';
import { join } from 'node:path';
import { loadWorkerConfig } from '../../worker/config';
import { startWorker, type StartWorkerOptions } from '../../worker/service';
import { createLogger } from '../../service-kit/log';
import { PEER, type Market } from './helpers';

/** A real worker node (worker/service.ts): the in-process demo model behind its job endpoint, registered and bonded. */
export async function startTestWorker(m: Market, opts: { flags?: Record<string, unknown>; quiet?: boolean; onEnclave?: StartWorkerOptions['onEnclave'] } = {}) {
  const keypair = Keypair.generate();
  await m.fundSol(keypair.publicKey);
  await m.fundPeer(keypair.publicKey, 5_000n * PEER);
  const { config, rpcUrl } = loadWorkerConfig({
    env: {},
    flags: {
      'rpc.url': m.net.rpcUrl,
      'http.port': 0,
      'store.path': join(m.dir, `worker-${keypair.publicKey.toBase58().slice(0, 8)}.sqlite`),
      'market.bond': '2000',
      'market.capacity': 8,
      'market.poll_ms': 200,
      'market.self_claim': false,
      ...opts.flags,
    },
  });
  const log = createLogger({ service: 'worker', write: (line) => (opts.quiet === false ? process.stderr.write(`${line}\n`) : undefined) });
  return startWorker({ config, rpcUrl, keypair, log, onEnclave: opts.onEnclave });
}
