/**
 * `peer gateway` as a process: a bad flag is one line and exit 2; against a deployed market it
 * serves /health and /metrics, creates its demo key, and stops cleanly on SIGTERM.
 */
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../tools/workspace';
import { startMarket, type Market } from './helpers';

const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
const CLI = join(REPO_ROOT, 'cli/main.ts');

describe('peer gateway (process)', function () {
  this.timeout(180_000);
  let m: Market;

  before(async () => {
    m = await startMarket();
  });
  after(async () => m?.close());

  it('a bad flag or config value is one line on stderr and exit 2', () => {
    const r = spawnSync(TSX, [CLI, 'gateway', '--port', 'abc', '--db', join(m.dir, 'x.db')], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^error: port \(flag\) must be a whole number/);
    const t = spawnSync(TSX, [CLI, 'gateway', '--tier', 'gold', '--db', join(m.dir, 'x.db')], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(t.status, 2);
    assert.match(t.stderr, /default_tier/);
  });

  it('serves /health and /metrics with a demo key, and exits 0 on SIGTERM; the key never reaches the log', async () => {
    const wallet = Keypair.generate();
    await m.fundSol(wallet.publicKey);
    const keyfile = join(m.dir, 'gw.json');
    writeFileSync(keyfile, JSON.stringify(Array.from(wallet.secretKey)));
    const demo = 'process-demo-key-0123456789';
    const child = spawn(TSX, [CLI, '-u', m.net.rpcUrl, '-k', keyfile, 'gateway', '--port', '0', '--db', join(m.dir, 'p.db'), '--assign', 'matcher', '--demo-key', demo], { cwd: REPO_ROOT });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no http.listen line: ${stderr}`)), 60_000);
        const check = () => {
          const mm = /http\.listen url=(\S+)/.exec(stderr);
          if (mm) {
            clearTimeout(timer);
            resolve(mm[1]);
          }
        };
        child.stderr.on('data', check);
        child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
      });
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as { status: string; wallet: string };
      assert.equal(body.status, 'ok');
      assert.equal(body.wallet, wallet.publicKey.toBase58());
      assert.match(await (await fetch(`${url}/metrics`)).text(), /gateway_liabilities_credits/);
      const credits = await fetch(`${url}/v1/credits`, { headers: { authorization: `Bearer ${demo}` } });
      assert.equal(credits.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.match(stderr, /gateway\.stopped/);
    assert.ok(!stderr.includes(demo), 'the demo key is redacted from every log line');
  });
});
