/** `localnet/main.ts` and `config.ts`: flags, file and env, clear errors for bad values and busy ports, loopback only. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Localnet } from '../../localnet';
import { localnetOptions, loadLocalnetConfig } from '../../localnet/config';
import { parseArgs, UsageError } from '../../localnet/main';
import { ConfigError } from '../../service-kit/config';
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

  it('parses its flags into the configuration', () => {
    const args = parseArgs(['--rpc-port', '9000', '--ws-port=9100', '--ledger', 'x', '--reset', '--slot-ms', '50', '--quiet']);
    assert.notEqual(args, 'help');
    if (args === 'help') return;
    assert.deepEqual(args.flags, { rpc_port: '9000', ws_port: '9100', ledger: 'x', reset: true, slot_ms: '50', quiet: true });
    const config = loadLocalnetConfig({ flags: args.flags, env: {} });
    assert.deepEqual(localnetOptions(config), { rpcPort: 9000, wsPort: 9100, host: '127.0.0.1', ledgerDir: 'x', reset: true, slotMs: 50 });
    assert.equal(config.quiet, true);
    assert.equal(parseArgs(['-h']), 'help');
    assert.deepEqual(parseArgs([]), { flags: {} });
    assert.deepEqual(localnetOptions(loadLocalnetConfig({ env: {} })), {
      rpcPort: 8899,
      wsPort: undefined,
      host: '127.0.0.1',
      ledgerDir: undefined,
      reset: false,
      slotMs: 400,
    });
  });

  it('reads a YAML file and PEER_LOCALNET_* env; flags win over env, env over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'localnet-config-'));
    try {
      const file = join(dir, 'localnet.yaml');
      writeFileSync(file, 'rpc_port: 9500\nslot_ms: 100\nledger: /tmp/l\n');
      const fromFile = loadLocalnetConfig({ file, env: {} });
      assert.equal(fromFile.rpc_port, 9500);
      assert.equal(fromFile.slot_ms, 100);
      assert.equal(fromFile.ledger, '/tmp/l');
      const fromEnv = loadLocalnetConfig({ file, env: { PEER_LOCALNET_SLOT_MS: '200' } });
      assert.equal(fromEnv.slot_ms, 200);
      const fromFlag = loadLocalnetConfig({ file, env: { PEER_LOCALNET_SLOT_MS: '200' }, flags: { slot_ms: '300' } });
      assert.equal(fromFlag.slot_ms, 300);
      writeFileSync(file, 'rpc_prot: 1\n');
      assert.throws(() => loadLocalnetConfig({ file, env: {} }), (e: unknown) => e instanceof ConfigError && /unknown key rpc_prot/.test(e.message));
      assert.throws(() => loadLocalnetConfig({ env: { PEER_LOCALNET_RPC_PORT: 'x' } }), (e: unknown) => e instanceof ConfigError && /rpc_port \(env PEER_LOCALNET_RPC_PORT\)/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad flags with a reason', () => {
    const usage: [string[], RegExp][] = [
      [['--frobnicate'], /unknown option --frobnicate/],
      [['--rpc-port'], /--rpc-port needs a value/],
      [['--ledger'], /--ledger needs a value/],
      [['--config'], /--config needs a value/],
    ];
    for (const [args, message] of usage) assert.throws(() => parseArgs(args), (err: unknown) => err instanceof UsageError && message.test(err.message), args.join(' '));
    const values: [string[], RegExp][] = [
      [['--rpc-port', 'abc'], /rpc_port \(flag\) must be a whole number/],
      [['--rpc-port', '70000'], /rpc_port \(flag\) must be at most 65535/],
      [['--slot-ms', '1'], /slot_ms \(flag\) must be at least 10/],
      [['--reset'], /reset needs a ledger directory/],
      [['--rpc-port', '9000', '--ws-port', '9000'], /must differ/],
    ];
    for (const [args, message] of values) {
      const parsed = parseArgs(args);
      assert.notEqual(parsed, 'help');
      if (parsed === 'help') continue;
      assert.throws(() => loadLocalnetConfig({ flags: parsed.flags, env: {} }), (err: unknown) => err instanceof ConfigError && message.test(err.message), args.join(' '));
    }
  });

  it('exits 2 with usage on a bad flag, 2 with one line on a bad value, 0 with --help', () => {
    const bad = cli(['--nope']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --nope/);
    assert.match(bad.stderr, /usage: localnet/);
    const value = cli(['--slot-ms', '5']);
    assert.equal(value.status, 2);
    assert.equal(value.stderr.trim(), 'error: slot_ms (flag) must be at least 10, got "5"');
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
