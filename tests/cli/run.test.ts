/**
 * The whole CLI in-process (argument parsing, context, output, exit code) with the bankrun
 * transport injected: Solana CLI defaults (config.yml, monikers), text and JSON output,
 * --simulate and --print-only, and every failure as one line with a non-zero exit.
 */
import { Keypair, VersionedTransaction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sdk from '../../sdk/src';
import { CLUSTERS } from '../../cli/config';
import { PEER, USDC, type Actor } from '../sdk/helpers';
import { cliFixture, tempHome, type CliFixture } from './helpers';

function oneLine(text: string): void {
  assert.equal(text.trim().split('\n').length, 1, `expected one line, got:\n${text}`);
  assert.ok(!/\n\s+at /.test(text), 'no stack trace');
}

describe('cli: peer (in-process, against bankrun)', () => {
  let fx: CliFixture;
  let alice: Actor;
  let aliceKey: string;

  before(async () => {
    fx = await cliFixture();
    alice = await fx.actor({ usdc: 50n * USDC, peer: 100n * PEER });
    aliceKey = fx.keypairFile(alice.keypair);
  });

  it('takes the cluster and keypair from the Solana CLI config, and -u monikers over it', async () => {
    const home = tempHome();
    const keyPath = join(home, 'my-key.json');
    writeFileSync(keyPath, JSON.stringify([...alice.keypair.secretKey]));
    writeFileSync(join(home, '.config/solana/cli/config.yml'), `---\njson_rpc_url: "https://api.devnet.solana.com"\nkeypair_path: ${keyPath}\ncommitment: confirmed\n`);
    const r = await fx.run(['credits', 'balance', '--output', 'json'], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.url, CLUSTERS.devnet);
    assert.equal(JSON.parse(r.stdout).owner, alice.publicKey.toBase58(), 'the config\'s keypair');
    for (const [moniker, url] of [
      ['m', CLUSTERS['mainnet-beta']],
      ['testnet', CLUSTERS.testnet],
      ['l', CLUSTERS.localnet],
      ['http://10.0.0.1:8899', 'http://10.0.0.1:8899'],
    ]) {
      assert.equal((await fx.run(['credits', 'balance', '-u', moniker], { home })).url, url);
    }
    // Without a config: localnet and ~/.config/solana/id.json.
    const bare = tempHome();
    const missing = await fx.run(['credits', 'buy', '1'], { home: bare });
    assert.equal(missing.code, 1);
    oneLine(missing.stderr);
    assert.ok(missing.stderr.includes(join(bare, '.config/solana/id.json')));
    const r2 = await fx.run(['credits', 'balance', alice.publicKey.toBase58()], { home: bare });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.url, CLUSTERS.localnet);
  });

  it('prints text by default and the stable JSON with --output json', async () => {
    const text = await fx.run(['credits', 'buy', '12.5', '-k', aliceKey]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Credit Account:\s+\w+$/m);
    assert.match(text.stdout, /^Credits:\s+1250$/m);
    assert.match(text.stdout, /^  Signature:\s+\w+$/m);
    const json = await fx.run(['credits', 'balance', '-k', aliceKey, '--output', 'json']);
    assert.deepEqual(JSON.parse(json.stdout), {
      owner: alice.publicKey.toBase58(),
      creditAccount: sdk.findCreditAccountPda(alice.publicKey)[0].toBase58(),
      exists: true,
      credits: '1250',
      usd: '12.5',
      lockedCredits: '0',
      lockedUsd: '0',
      jobsPosted: '0',
    });
  });

  it('--simulate sends nothing and shows the units and logs; --print-only prints the unsigned transaction', async () => {
    const sim = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--simulate', '--output', 'json']);
    assert.equal(sim.code, 0, sim.stderr);
    const out = JSON.parse(sim.stdout);
    assert.equal(out.tx.signature, null);
    assert.equal(out.tx.mode, 'simulate');
    assert.ok(out.tx.logs.length > 0);
    const textSim = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--simulate']);
    assert.match(textSim.stdout, /^Logs:\n {2}Program /m);
    const printed = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--print-only', '--output', 'json']);
    const tx = VersionedTransaction.deserialize(Buffer.from(JSON.parse(printed.stdout).tx.transaction, 'base64'));
    assert.ok(tx.message.staticAccountKeys[0].equals(alice.publicKey));
    assert.equal((await sdk.creditBalance(alice.ctx)).balance, 1250n, 'nothing was sent');
    const both = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--print-only', '--simulate']);
    assert.equal(both.code, 1);
    oneLine(both.stderr);
  });

  it('applies --priority-fee with --priority-fee-cap', async () => {
    const r = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--priority-fee', '1000000', '--priority-fee-cap', '500', '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const tx = JSON.parse(r.stdout).tx;
    assert.ok(tx.priorityFeeMicroLamports > 0 && (tx.priorityFeeMicroLamports * tx.computeUnitLimit) / 1e6 <= 500);
    const bad = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--priority-fee', '-1']);
    assert.equal(bad.code, 1);
    oneLine(bad.stderr);
  });

  it('insufficient funds, program errors and bad input: one line, exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [['credits', 'buy', '10000', '-k', aliceKey], /^error: insufficient funds: the token account holds less than the amount$/],
      [['credits', 'redeem', '100000', '-k', aliceKey], /^error: peer_market error InsufficientCredits \(\d+\): Not enough free credits$/],
      [['stake', '1000', '-k', aliceKey], /^error: peer_staking error InsufficientFunds \(\d+\)/],
      [['worker', 'unbond', '1', '-k', aliceKey], /^error: peer_market error \w+ \(\d+\)/],
      [['credits', 'buy', '1.001', '-k', aliceKey], /too many decimal places/],
      [['stake', '0', '-k', aliceKey], /greater than zero/],
      [['job', 'cancel', 'xyz', '-k', aliceKey], /job is not a valid address/],
      [['credits', 'buy', '1', '-u', 'moon'], /unknown cluster "moon"/],
      [['credits', 'buy', '1', '--commitment', 'eventual'], /unknown commitment/],
      [['credits', 'buy', '1', '-C', '/nonexistent/config.yml'], /config file not found/],
      [['status'], /no keypair: pass the owner address/],
    ];
    for (const [argv, reason] of cases) {
      const r = await fx.run(argv);
      assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      oneLine(r.stderr);
      assert.match(r.stderr.trim(), reason, argv.join(' '));
    }
    const broke = fx.keypairFile(Keypair.generate(), 'broke.json');
    const r = await fx.run(['credits', 'buy', '1', '-k', broke]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: insufficient funds: the fee payer has no SOL/);
  });

  it('usage errors: one line, exit 2', async () => {
    for (const argv of [['stake', '1', '--bogus'], ['frobnicate'], ['job', 'post', '--model', 'm'], ['credits', 'buy'], ['status', '--output', 'yaml']]) {
      const r = await fx.run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      oneLine(r.stderr);
      assert.match(r.stderr, /^error: /);
    }
  });

  it('reads a keypair file and refuses a broken one', async () => {
    const bad = join(fx.home, 'bad.json');
    writeFileSync(bad, '[1,2,3]');
    const r = await fx.run(['credits', 'buy', '1', '-k', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: invalid keypair file .*bad\.json: expected a JSON array of 64 bytes\n$/);
  });
});
