import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envName, loadConfig, secretValues, type Schema } from '../../service-kit';

const schema = {
  port: { type: 'int', default: 8080, min: 0, max: 65535, doc: 'HTTP port' },
  rpc_url: { type: 'url', required: true, doc: 'RPC' },
  'matcher.weight': { type: 'number', default: 0.5, min: 0, max: 1, doc: 'weight' },
  'matcher.enabled': { type: 'bool', default: true, doc: 'on' },
  tier: { type: 'enum', values: ['open', 'verified'] as const, default: 'open', doc: 'tier' },
  models: { type: 'list', default: [], doc: 'models' },
  api_key: { type: 'string', secret: true, doc: 'key' },
} satisfies Schema;

function yaml(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kit-config-'));
  const file = join(dir, 'c.yml');
  writeFileSync(file, text);
  return file;
}

describe('service-kit config', () => {
  it('layers defaults < file < env < flags, with nested YAML sections as dotted keys', () => {
    const file = yaml('port: 9000\nrpc_url: http://127.0.0.1:8899\nmatcher:\n  weight: 0.25\n  enabled: false\nmodels: [a, b]\n');
    const c = loadConfig({ service: 'demo', schema, file, env: { PEER_DEMO_PORT: '9100' }, flags: { 'matcher.weight': '0.75' } });
    assert.equal(c.port, 9100);
    assert.equal(c.rpc_url, 'http://127.0.0.1:8899');
    assert.equal(c['matcher.weight'], 0.75);
    assert.equal(c['matcher.enabled'], false);
    assert.deepEqual(c.models, ['a', 'b']);
    assert.equal(c.tier, 'open');
    assert.equal(c.api_key, undefined);
  });

  it('names the key and its source in one line for each kind of bad value', () => {
    const base = { PEER_DEMO_RPC_URL: 'http://x' };
    const cases: [Record<string, string>, RegExp][] = [
      [{ PEER_DEMO_PORT: '70000' }, /^port \(env PEER_DEMO_PORT\) must be at most 65535, got "70000"$/],
      [{ PEER_DEMO_PORT: '1.5' }, /port .* must be a whole number/],
      [{ PEER_DEMO_RPC_URL: 'not a url' }, /rpc_url .* must be a URL/],
      [{ PEER_DEMO_MATCHER_ENABLED: 'maybe' }, /matcher.enabled .* must be true or false/],
      [{ PEER_DEMO_TIER: 'gold' }, /tier .* must be one of open\|verified/],
    ];
    for (const [env, re] of cases) {
      assert.throws(() => loadConfig({ service: 'demo', schema, env: { ...base, ...env } }), (e: Error) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'));
    }
    assert.throws(() => loadConfig({ service: 'demo', schema, env: {} }), /rpc_url is required/);
    assert.throws(() => loadConfig({ service: 'demo', schema, file: '/nonexistent/x.yml' }), /does not exist/);
    assert.throws(() => loadConfig({ service: 'demo', schema, file: yaml('port: [1\n') }), /not valid YAML/);
    assert.throws(() => loadConfig({ service: 'demo', schema, file: yaml('prot: 1\n') }), /unknown key prot/);
    assert.throws(() => loadConfig({ service: 'demo', schema, flags: { nope: 1 } }), /unknown setting nope/);
  });

  it('never echoes a secret value in an error, and lists secrets for redaction', () => {
    const c = loadConfig({ service: 'demo', schema, env: { PEER_DEMO_RPC_URL: 'http://x', PEER_DEMO_API_KEY: 'sk-live-123456' } });
    assert.deepEqual(secretValues(schema, c), ['sk-live-123456']);
    assert.throws(
      () => loadConfig({ service: 'demo', schema, file: yaml('rpc_url: http://x\napi_key: [sk-live-123456]\n') }),
      (e: Error) => e.message.includes('[redacted]') && !e.message.includes('sk-live'),
    );
    assert.equal(envName('keepers', 'matcher.interval_ms'), 'PEER_KEEPERS_MATCHER_INTERVAL_MS');
  });
});
