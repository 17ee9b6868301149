/**
 * `peer worker start`: the worker node as a long-running service (worker/): serves the demo
 * model (or a GGUF by path or URL, an OpenAI-compatible upstream, or a hosted API as a ghost
 * node), registers and bonds, takes jobs and streams them encrypted. It returns once the service
 * is starting; SIGINT/SIGTERM stop it cleanly and a bad configuration exits 2 with one line.
 */
import type { Command } from 'commander';
import { runWorker } from '../../../worker';

/** The global `-C, --config` shadows this command's `--config` when written after `start`: take it back. */
function configAfterStart(cmd: Command): string | undefined {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const at = raw.indexOf('start');
  for (let i = at + 1; at >= 0 && i < raw.length; i++) {
    if (raw[i] === '--config') return raw[i + 1];
    if (raw[i].startsWith('--config=')) return raw[i].slice('--config='.length);
  }
  return undefined;
}

export function addWorkerStartCommand(worker: Command): void {
  worker
    .command('start')
    .description('run the worker node: model backend, encrypted streaming endpoint, registration, self-claim (config: YAML, PEER_WORKER_* env, flags)')
    .option('--config <file>', 'worker YAML config (rpc, keypair, http, backend, llama, upstream, ghost, market, confidential, cheat)')
    .option('--port <n>', 'endpoint port')
    .option('--host <host>', 'endpoint host')
    .option('--model <path|url>', 'GGUF file or URL [default: the demo model]')
    .option('--sha256 <hex>', "the model's sha256 (required for a URL)")
    .option('--backend <kind>', 'llama, upstream or ghost')
    .option('--tiers <list>', 'tiers to serve: open,verified,confidential')
    .option('--insecure-dev-enclave', 'confidential tier without a TEE (NOT hardware-attested)')
    .option('--log-format <format>', 'text or json')
    .action((opts: { config?: string; port?: string; host?: string; model?: string; sha256?: string; backend?: string; tiers?: string; insecureDevEnclave?: boolean; logFormat?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as { url?: string; keypair?: string };
      runWorker({ ...opts, config: opts.config ?? configAfterStart(cmd), url: globals.url, keypair: globals.keypair });
    });
}
