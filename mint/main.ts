/** Thin entry: `peer mint` (or `tsx mint/main.ts --config mint.yaml --port 3338`). */
import { runService } from '../service-kit/lifecycle';
import { loadMintConfig, startMint } from './service';

export function runMint(opts: { file?: string; flags?: Record<string, unknown>; env?: NodeJS.ProcessEnv }): void {
  runService('mint', async () => startMint(loadMintConfig({ env: process.env, ...opts })));
}

/** `--key value` / `--key=value` pairs into dotted flags (keys with - become _). */
export function parseFlags(argv: string[]): { file?: string; flags: Record<string, unknown> } {
  const flags: Record<string, unknown> = {};
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split(/=(.*)/s, 2);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    if (k === 'config') file = v;
    else flags[k.replace(/-/g, '_')] = v;
  }
  return { file, flags };
}

if (require.main === module) {
  try {
    runMint(parseFlags(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
