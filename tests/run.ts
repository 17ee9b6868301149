/**
 * `npm test` runner: each test file runs in its own mocha process, two at a time (one per
 * core), and the counts are summed into one closing line.
 *
 * Why processes: every solana-bankrun context keeps a runtime with its own threads alive until
 * the process exits, and idle contexts still poll. One process per file keeps a suite of
 * hundreds of contexts as fast at the end as at the start.
 *
 * A file whose process is killed by a signal before mocha reports (a native crash inside
 * solana-bankrun, seen once in hundreds of runs) is run once more; the crash stays in the output
 * and in the closing line. A failing test is never retried.
 *
 * Usage: tsx tests/run.ts [folder-or-file ...]   (default: every tests/**\/*.test.ts)
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const JOBS = Math.max(1, Number(process.env.TEST_JOBS ?? 2));
const SUMMARY = /^tests: (\d+) passed, (\d+) failed, (\d+) skipped$/m;

function collect(path: string, out: string[]): void {
  const full = join(ROOT, path);
  if (!existsSync(full)) throw new Error(`no such test path: ${path}`);
  if (statSync(full).isFile()) {
    out.push(relative(ROOT, full));
    return;
  }
  for (const entry of readdirSync(full).sort()) {
    const child = join(path, entry);
    if (statSync(join(ROOT, child)).isDirectory()) collect(child, out);
    else if (entry.endsWith('.test.ts')) out.push(child);
  }
}

interface FileResult {
  file: string;
  output: string;
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
  /** The signal that killed mocha before it reported, if one did. */
  signal: NodeJS.Signals | null;
}

function runFile(file: string): Promise<FileResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/mocha/bin/mocha.js'), file], {
      cwd: ROOT,
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'error' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code, signal) => {
      const m = SUMMARY.exec(output);
      const [passed, failed, skipped] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 1, 0];
      const crashed = !m && signal !== null ? signal : null;
      if (crashed) output += `\n   (mocha was killed by ${crashed} before it reported)\n`;
      resolve({ file, output, passed, failed: m ? failed : Math.max(1, failed), skipped, ok: code === 0 && !!m, signal: crashed });
    });
  });
}

async function main(): Promise<void> {
  const files: string[] = [];
  for (const p of process.argv.slice(2).length ? process.argv.slice(2) : ['tests']) collect(p, files);
  if (files.length === 0) throw new Error('no test files found');
  const started = Date.now();
  const results: FileResult[] = [];
  let next = 0;
  let printed = 0;
  const done = new Map<number, FileResult>();
  const crashes: string[] = [];
  // Print results in file order as soon as every earlier file has finished.
  const flush = () => {
    while (done.has(printed)) {
      const r = done.get(printed)!;
      process.stdout.write(`\n── ${r.file}\n${r.output.replace(SUMMARY, '').trimEnd()}\n`);
      if (!r.ok && r.failed === 0) process.stdout.write(`   (mocha exited abnormally)\n`);
      printed++;
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(JOBS, files.length) }, async () => {
      while (next < files.length) {
        const index = next++;
        let result = await runFile(files[index]);
        if (result.signal) {
          const first = result;
          result = await runFile(files[index]);
          result.output = `${first.output.trimEnd()}\n   (run again after ${first.signal})\n${result.output}`;
          crashes.push(`${files[index]} (${first.signal})`);
        }
        results.push(result);
        done.set(index, result);
        flush();
      }
    }),
  );
  const sum = (k: 'passed' | 'failed' | 'skipped') => results.reduce((s, r) => s + r[k], 0);
  const failedFiles = results.filter((r) => !r.ok).map((r) => r.file);
  console.log(`\n${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s` + (failedFiles.length ? `; failing: ${failedFiles.join(', ')}` : ''));
  if (crashes.length) console.log(`crashed and run again: ${crashes.join(', ')}`);
  console.log(`tests: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
  process.exit(failedFiles.length ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(`test runner failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
