/**
 * The `peer` executable as a subprocess (cli/bin/peer.js): help, argument errors, keypair and
 * config file errors, an unreachable cluster. No chain involved; every failure is one line on
 * stderr with a non-zero exit, never a stack trace.
 */
import { Keypair } from '@solana/web3.js';
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempHome } from './helpers';

const BIN = join(__dirname, '..', '..', 'cli', 'bin', 'peer.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function peer(args: string[], home: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, HOME: home, PEER_DEBUG: '' }, cwd: home, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function oneLineError(r: Result, reason: RegExp, code = 1): void {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line:\n${r.stderr}`);
  assert.ok(!/^\s+at /m.test(r.stderr), 'no stack trace');
  assert.match(r.stderr, /^error: /);
  assert.match(r.stderr, reason);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('cli: the peer binary', function () {
  this.timeout(120_000);
  const home = tempHome();
  const keyPath = join(home, 'id.json');
  writeFileSync(keyPath, JSON.stringify([...Keypair.generate().secretKey]));

  it('prints help for the whole tree and each command', async () => {
    const [top, register, update, post, version, none] = await Promise.all([
      peer(['--help'], home),
      peer(['worker', 'register', '--help'], home),
      peer(['admin', 'config', 'update', '--help'], home),
      peer(['job', 'post', '--help'], home),
      peer(['--version'], home),
      peer([], home),
    ]);
    assert.equal(top.code, 0);
    for (const c of ['stake', 'unstake', 'withdraw', 'claim', 'status', 'worker', 'credits', 'job', 'validator', 'admin']) assert.match(top.stdout, new RegExp(`^  ${c}\\b`, 'm'), c);
    for (const o of ['-u, --url', '-k, --keypair', '--commitment', '--output', '--simulate', '--print-only']) assert.ok(top.stdout.includes(o), o);
    assert.equal(register.code, 0);
    for (const o of ['--tier', '--model', '--price', '--capacity', '--endpoint', '--encryption-key']) assert.ok(register.stdout.includes(o), o);
    assert.equal(update.code, 0);
    for (const o of ['--worker-fee-bps', '--min-bond', '--challenge-window-secs', '--paused', '--pool-min-stake', '--pool-unstake-cooldown-secs']) assert.ok(update.stdout.includes(o), o);
    assert.equal(post.code, 0);
    assert.ok(post.stdout.includes('--max-price <usd>'));
    assert.equal(version.stdout.trim(), '0.1.0');
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^Usage: peer/);
  });

  it('refuses bad arguments before touching a keypair or the network', async () => {
    const results = await Promise.all([
      peer(['credits', 'buy', '1.234'], home),
      peer(['credits', 'buy', '-5'], home),
      peer(['credits', 'buy', 'NaN'], home),
      peer(['stake', '--', '-1'], home),
      peer(['stake', '1e9'], home),
      peer(['job', 'post', '--model', 'm', '--max-price', '0.001', '--prompt', 'x'], home),
      peer(['worker', 'register', '--tier', 'gold', '--model', 'm', '--price', 'open=1', '--endpoint', 'e'], home),
    ]);
    oneLineError(results[0], /too many decimal places \(at most 2 for USD\): 1\.234/);
    oneLineError(results[1], /must not be negative/);
    oneLineError(results[2], /is not a number: NaN/);
    oneLineError(results[3], /must not be negative/);
    oneLineError(results[4], /without an exponent/);
    oneLineError(results[5], /--max-price has too many decimal places/);
    oneLineError(results[6], /unknown tier "gold"/);
  });

  it('usage errors exit 2 with one line', async () => {
    const results = await Promise.all([
      peer(['stake', '1', '--frobnicate'], home),
      peer(['teleport'], home),
      peer(['credits', 'buy'], home),
      peer(['status', '--output', 'xml'], home),
    ]);
    oneLineError(results[0], /unknown option '--frobnicate'/, 2);
    oneLineError(results[1], /unknown command 'teleport'/, 2);
    oneLineError(results[2], /missing required argument 'usd'/, 2);
    oneLineError(results[3], /argument 'xml' is invalid/, 2);
  });

  it('keypair and config file errors name the file', async () => {
    const cfgHome = tempHome();
    writeFileSync(join(cfgHome, '.config/solana/cli/config.yml'), `json_rpc_url: http://127.0.0.1:1\nkeypair_path: ${join(cfgHome, 'nope.json')}\n`);
    const broken = join(home, 'broken.json');
    writeFileSync(broken, '{"not": "a key"}');
    const badYaml = join(home, 'bad.yml');
    writeFileSync(badYaml, 'json_rpc_url: [unclosed');
    const results = await Promise.all([
      peer(['credits', 'buy', '1'], tempHome()),
      peer(['credits', 'buy', '1', '-k', join(home, 'missing.json')], home),
      peer(['credits', 'buy', '1'], cfgHome),
      peer(['credits', 'buy', '1', '-k', broken], home),
      peer(['credits', 'buy', '1', '-C', badYaml], home),
    ]);
    oneLineError(results[0], /keypair file not found: .*\.config\/solana\/id\.json/);
    oneLineError(results[1], /keypair file not found: .*missing\.json/);
    oneLineError(results[2], /keypair file not found: .*nope\.json/);
    oneLineError(results[3], /invalid keypair file .*broken\.json/);
    oneLineError(results[4], /cannot read config file .*bad\.yml/);
  });

  it('an unreachable cluster is one line too', async () => {
    const port = await closedPort();
    const r = await peer(['credits', 'balance', '-k', keyPath, '-u', `http://127.0.0.1:${port}`], home);
    oneLineError(r, new RegExp(`failed at http://127\\.0\\.0\\.1:${port}`));
  });
});
