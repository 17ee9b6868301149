/** Thin entries: `peer relay` / `peer proxy` (or `tsx relay/main.ts relay|proxy --config f.yaml …`). */
import { runService } from '../service-kit/lifecycle';
import { loadProxyConfig, loadRelayConfig, startProxy, startRelay } from './service';

export function runRelay(opts: { file?: string; flags?: Record<string, unknown> }): void {
  runService('relay', async () => startRelay(loadRelayConfig({ env: process.env, ...opts })));
}

export function runProxy(opts: { file?: string; flags?: Record<string, unknown> }): void {
  runService('proxy', async () => startProxy(loadProxyConfig({ env: process.env, ...opts })));
}

/** `--key value` / `--key=value` into flags (`--config` names the YAML file). */
function parseFlags(argv: string[]): { file?: string; flags: Record<string, unknown> } {
  const flags: Record<string, unknown> = {};
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    const [k, inline] = argv[i].slice(2).split(/=(.*)/s, 2);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    if (k === 'config') file = v;
    else flags[k.replace(/-/g, '_')] = v;
  }
  return { file, flags };
}

if (require.main === module) {
  const [which, ...rest] = process.argv.slice(2);
  try {
    if (which === 'relay') runRelay(parseFlags(rest));
    else if (which === 'proxy') runProxy(parseFlags(rest));
    else throw new Error('usage: relay/main.ts relay|proxy [--config file] [--key value …]');
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
