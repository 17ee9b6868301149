/** `localnet/main.ts`: flags, clear errors for bad flags and busy ports, loopback only. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Localnet } from '../../localnet';
import { parseArgs, UsageError } from '../../localnet/main';
import { REPO_ROOT } from '../../tools/workspace';
import { startTestLocalnet, stop } from './helpers';

function cli(args: string[]) {
  return spawnSync(process.execPath, ['-r', 'tsx/cjs', 'localnet/main.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('localnet: command line', () => {
  let net: Localnet | undefined;

  after(async () => {
    await stop(net);
  });

  it('parses its flags', () => {
    assert.deepEqual(parseArgs(['--rpc-port', '9000', '--ws-port=9100', '--ledger', 'x', '--reset', '--slot-ms', '50', '--quiet']), {
      quiet: true,
      rpcPort: 9000,
      wsPort: 9100,
      ledgerDir: 'x',
      reset: true,
      slotMs: 50,
    });
    assert.equal(parseArgs(['-h']), 'help');
    assert.deepEqual(parseArgs([]), { quiet: false });
  });

  it('rejects bad flags with a reason', () => {
    const cases: [string[], RegExp][] = [
      [['--frobnicate'], /unknown option --frobnicate/],
      [['--rpc-port'], /--rpc-port needs a value/],
      [['--rpc-port', 'abc'], /must be a number/],
      [['--rpc-port', '70000'], /between 0 and 65535/],
      [['--slot-ms', '1'], /between 10 and 60000/],
      [['--ledger'], /--ledger needs a directory/],
      [['--reset'], /--reset needs --ledger/],
      [['--rpc-port', '9000', '--ws-port', '9000'], /must differ/],
    ];
    for (const [args, message] of cases) assert.throws(() => parseArgs(args), (err: unknown) => err instanceof UsageError && message.test(err.message), args.join(' '));
  });

  it('exits 2 with usage on a bad flag, 0 with --help', () => {
    const bad = cli(['--nope']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --nope/);
    assert.match(bad.stderr, /usage: localnet/);
    const help = cli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--ledger DIR/);
  });

  it('refuses a port in use and a host that is not loopback, clearly', async () => {
    net = await startTestLocalnet();
    const busy = cli(['--rpc-port', String(net.rpcPort), '--ws-port', '0']);
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, new RegExp(`RPC port ${net.rpcPort} on 127.0.0.1 is already in use`));
    const busyWs = cli(['--rpc-port', '0', '--ws-port', String(net.wsPort)]);
    assert.equal(busyWs.status, 1);
    assert.match(busyWs.stderr, new RegExp(`WebSocket port ${net.wsPort} on 127.0.0.1 is already in use`));
    const host = cli(['--host', '0.0.0.0']);
    assert.equal(host.status, 1);
    assert.match(host.stderr, /not a loopback address/);
  });
});
