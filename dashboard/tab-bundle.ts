/**
 * Builds the tab worker's script (dashboard/tab/main.ts and what it imports: the worker's job
 * runner and endpoint, the SDK, wllama's JavaScript) for the browser with esbuild, in memory,
 * once per process. Node built-ins the code touches get browser versions (tab/shims/): Buffer,
 * and node:crypto's randomBytes and sha256. The 10 MB wasm file is served as is from
 * node_modules, not bundled.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

const TAB = join(__dirname, 'tab');
let bundled: Promise<{ js: Uint8Array; ms: number }> | null = null;

export function tabBundle(): Promise<{ js: Uint8Array; ms: number }> {
  bundled ??= (async () => {
    const started = Date.now();
    const result = await build({
      entryPoints: [join(TAB, 'main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
      inject: [join(TAB, 'shims', 'buffer.ts')],
      alias: {
        'node:crypto': join(TAB, 'shims', 'node-crypto.ts'),
        crypto: join(TAB, 'shims', 'node-crypto.ts'),
      },
      define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    });
    return { js: result.outputFiles[0].contents, ms: Date.now() - started };
  })();
  bundled.catch(() => {
    bundled = null;
  });
  return bundled;
}
