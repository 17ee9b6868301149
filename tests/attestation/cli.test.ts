/**
 * `peer attest verify <evidence-file>`: exit 0 printing kind, measurement and bound keys for
 * evidence that verifies; exit 1 with `error: <reason>: …` for evidence that does not; 2 for
 * usage errors. Through runCli (the code the executable returns) and once through the real
 * executable.
 */
import { Keypair } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/program';
import { openEnclave } from '../../attestation/enclave';
import { FIXTURES, read, SNP_MEASUREMENT_HEX, TDX_MRTD_HEX } from './fixtures';

const REPO = join(__dirname, '..', '..');
const AT = '2026-06-01T00:00:00Z';

async function peer(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const home = mkdtempSync(join(tmpdir(), 'peer-home-'));
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), home, cwd: REPO });
  return { code, stdout, stderr };
}

describe('peer attest verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-cli-'));
  const tdxFile = join(FIXTURES, 'tdx-spr-e4-evidence.json');
  const snpFile = join(FIXTURES, 'snp-milan-evidence.json');

  it('the published TDX quote: exit 0 with kind, MRTD and measurement id (JSON and text)', async () => {
    const r = await peer(['attest', 'verify', tdxFile, '--at', AT, '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.kind, 'tdx');
    assert.equal(out.hardwareAttested, true);
    assert.equal((out.measurement as Record<string, string>).mrtd, TDX_MRTD_HEX);
    assert.equal(out.boundKeys, 'none checked (the evidence names no keys)');
    const text = await peer(['attest', 'verify', tdxFile, '--at', AT, '--allow', `tdx:${TDX_MRTD_HEX}`]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Kind:\s+tdx/);
    assert.match(text.stdout, new RegExp(`Mrtd:\\s+${TDX_MRTD_HEX}`));
    assert.match(text.stdout, new RegExp(`Allowed By:\\s+tdx:${TDX_MRTD_HEX}`));
  });

  it('the published SNP report: exit 1 debug-enabled by default; exit 0 with --allow-debug', async () => {
    const refused = await peer(['attest', 'verify', snpFile, '--at', AT]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: debug-enabled: /);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
    const ok = await peer(['attest', 'verify', snpFile, '--at', AT, '--allow-debug', '--output', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as Record<string, unknown>;
    assert.equal(out.kind, 'sev-snp');
    assert.equal(out.measurement, SNP_MEASUREMENT_HEX);
  });

  it('exit 1 with the reason: tampered, not allowed, wrong keys, DEV, expired, malformed, missing', async () => {
    const tdx = JSON.parse(read('tdx-spr-e4-evidence.json').toString('utf8')) as Record<string, string>;
    const quote = Buffer.from(tdx.report, 'base64');
    quote[48 + 136] ^= 1; // MRTD
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify({ ...tdx, report: quote.toString('base64') }));
    const wrongKeys = join(dir, 'keys.json');
    const k = Keypair.generate();
    writeFileSync(wrongKeys, JSON.stringify({ ...tdx, keys: { signing: k.publicKey.toBase58(), encryption: Buffer.alloc(32, 9).toString('base64') } }));
    const dev = join(dir, 'dev.json');
    writeFileSync(dev, JSON.stringify((await openEnclave({ mode: 'dev', insecureDevEnclave: true })).evidenceFile));
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"version":1,"kind":"tdx","report":"AAAA"}');
    const cases: [string[], RegExp][] = [
      [['attest', 'verify', tampered, '--at', AT], /^error: report-signature: /],
      [['attest', 'verify', tdxFile, '--at', AT, '--allow', `sev-snp:${SNP_MEASUREMENT_HEX}`], /^error: measurement-not-allowed: /],
      [['attest', 'verify', wrongKeys, '--at', AT], /^error: report-data-mismatch: /],
      [['attest', 'verify', dev], /^error: dev-not-allowed: /],
      [['attest', 'verify', tdxFile, '--at', '2031-01-01T00:00:00Z'], /^error: certificate-expired: /],
      [['attest', 'verify', junk], /^error: malformed-evidence: /],
      [['attest', 'verify', join(dir, 'missing.json')], /^error: evidence file not found/],
      [['attest', 'verify', tdxFile, '--at', 'yesterday'], /^error: --at must be an ISO 8601 time/],
    ];
    for (const [argv, pattern] of cases) {
      const r = await peer(argv);
      assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
    }
  });

  it('DEV evidence with --allow-dev: exit 0, marked NOT hardware-attested, with the bound keys', async () => {
    const enclave = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    const file = join(dir, 'dev-ok.json');
    writeFileSync(file, JSON.stringify(enclave.evidenceFile));
    const r = await peer(['attest', 'verify', file, '--allow-dev', '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.hardwareAttested, false);
    assert.equal(out.attestation, 'DEV enclave: NOT hardware-attested');
    assert.deepEqual(out.boundKeys, { signing: enclave.signingKey.publicKey.toBase58(), encryption: Buffer.from(enclave.encryptionKeyPair.publicKey).toString('base64') });
  });

  it('usage errors exit 2', async () => {
    assert.equal((await peer(['attest', 'verify'])).code, 2);
    assert.equal((await peer(['attest', 'verify', tdxFile, '--bogus'])).code, 2);
  });

  it('the executable: exit 0 and exit 1', () => {
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'attest', 'verify', tdxFile, '--at', AT], { cwd: REPO, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Kind:\s+tdx/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'attest', 'verify', tdxFile, '--at', AT, '--allow', `sev-snp:${SNP_MEASUREMENT_HEX}`], { cwd: REPO, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^error: measurement-not-allowed: /);
  });
});
