/**
 * The attestation authority's HTTP service on a real loopback port: what it answers for good
 * and bad input, that every decision is logged once and stored before the answer, that the
 * keypair never reaches a log line, its config errors, and the process lifecycle.
 */
import { Keypair } from '@solana/web3.js';
import Database from 'better-sqlite3';
import bs58 from 'bs58';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { loadAttestationConfig } from '../../attestation/config';
import { EnclaveUnavailableError, openEnclave, requestAttestation } from '../../attestation/enclave';
import { startAttestationService, type AttestationService } from '../../attestation/service';
import { AttestationError, attestationMessage, DEV_MEASUREMENT_ID } from '../../sdk/src';
import { ConfigError } from '../../service-kit';
import { read, TDX_MRTD_HEX } from './fixtures';

const REPO = join(__dirname, '..', '..');

function tempKeypair(dir: string): { path: string; keypair: Keypair } {
  const keypair = Keypair.generate();
  const path = join(dir, 'authority.json');
  writeFileSync(path, JSON.stringify(Array.from(keypair.secretKey)));
  return { path, keypair };
}

describe('attestation service (HTTP)', () => {
  let dir: string;
  let service: AttestationService;
  let keypair: Keypair;
  const lines: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attest-'));
    const kp = tempKeypair(dir);
    keypair = kp.keypair;
    const config = loadAttestationConfig({ flags: { keypair: kp.path, allow: `tdx:${TDX_MRTD_HEX}`, allow_dev: true, port: 0, db: join(dir, 'a.db'), ttl_seconds: 3_600 }, env: {} });
    service = await startAttestationService({ config, write: (l) => lines.push(l) });
  });
  after(async () => service?.stop());

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(`${service.url}/v1/attest`, { method: 'POST', body, headers });

  it('GET /v1/authority names the key and the allow-list; /health and /metrics answer', async () => {
    const info = (await (await fetch(`${service.url}/v1/authority`)).json()) as Record<string, unknown>;
    assert.equal(info.authority, keypair.publicKey.toBase58());
    assert.deepEqual(info.allow, [`tdx:${TDX_MRTD_HEX}`, 'dev']);
    assert.equal(info.allowDev, true);
    const health = await fetch(`${service.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as Record<string, unknown>).authority, keypair.publicKey.toBase58());
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /# TYPE peer_attestation_requests_total counter/);
  });

  it('POST /v1/attest signs DEV evidence (allowed by this config) with the register_enclave message', async () => {
    const enclave = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    const worker = Keypair.generate().publicKey;
    const res = await post(JSON.stringify({ worker: worker.toBase58(), evidence: enclave.evidenceFile }));
    assert.equal(res.status, 200);
    const a = (await res.json()) as Record<string, string | number | boolean>;
    assert.equal(a.kind, 'dev');
    assert.equal(a.hardwareAttested, false);
    assert.match(String(a.label), /NOT hardware-attested/);
    assert.equal(a.measurement, Buffer.from(DEV_MEASUREMENT_ID).toString('hex'));
    const message = attestationMessage(worker, enclave.signingKey.publicKey.toBytes(), DEV_MEASUREMENT_ID, BigInt(a.expiresAt as number));
    assert.ok(nacl.sign.detached.verify(message, Buffer.from(String(a.signature), 'base64'), keypair.publicKey.toBytes()));
    assert.ok(lines.some((l) => / INFO attested /.test(l) && l.includes(worker.toBase58()) && /kind=dev/.test(l)));
  });

  it('requestAttestation (the worker\'s side): a checked registration, the reason of a refusal, an impostor authority refused', async () => {
    const enclave = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    const worker = Keypair.generate().publicKey;
    const reg = await requestAttestation({ authorityUrl: service.url, worker, enclave, expectedAuthority: keypair.publicKey });
    assert.equal(reg.hardwareAttested, false);
    assert.match(reg.label, /NOT hardware-attested/);
    assert.ok(Buffer.from(reg.measurement).equals(Buffer.from(DEV_MEASUREMENT_ID)));
    assert.ok(nacl.sign.detached.verify(attestationMessage(worker, reg.enclaveKey, reg.measurement, reg.expiresAt), reg.attestationSignature, keypair.publicKey.toBytes()));
    // the market names another authority: the answer is not usable
    await assert.rejects(requestAttestation({ authorityUrl: service.url, worker, enclave, expectedAuthority: Keypair.generate().publicKey }), (e: unknown) => e instanceof EnclaveUnavailableError && /not the market's authority/.test(e.message));
    // a refusal carries the authority's reason
    const tdx = JSON.parse(read('tdx-spr-e4-evidence.json').toString('utf8')) as Record<string, unknown>;
    const impostor = { ...enclave, evidenceFile: { ...tdx, keys: enclave.evidenceFile.keys } as typeof enclave.evidenceFile };
    await assert.rejects(requestAttestation({ authorityUrl: service.url, worker, enclave: impostor, expectedAuthority: keypair.publicKey }), (e: unknown) => e instanceof AttestationError && e.reason === 'report-data-mismatch');
    // nobody listening
    await assert.rejects(requestAttestation({ authorityUrl: 'http://127.0.0.1:1', worker, enclave, expectedAuthority: keypair.publicKey }), EnclaveUnavailableError);
  });

  it('bad input: one clear error each, with the right status, and nothing signed', async () => {
    const worker = Keypair.generate().publicKey.toBase58();
    const tdx = JSON.parse(read('tdx-spr-e4-evidence.json').toString('utf8')) as Record<string, unknown>;
    const enclave = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    const cases: [string, Promise<Response>, number, string][] = [
      ['not JSON content type', post('{}', { 'content-type': 'text/plain' }), 415, 'malformed-evidence'],
      ['invalid JSON', post('{"worker":'), 400, 'malformed-evidence'],
      ['too large', post(JSON.stringify({ worker, evidence: 'x'.repeat(70_000) })), 413, 'malformed-evidence'],
      ['an array', post('[]'), 400, 'malformed-evidence'],
      ['no worker', post(JSON.stringify({ evidence: enclave.evidenceFile })), 400, 'malformed-evidence'],
      ['bad worker', post(JSON.stringify({ worker: 'nope', evidence: enclave.evidenceFile })), 400, 'malformed-evidence'],
      ['unknown field', post(JSON.stringify({ worker, evidence: enclave.evidenceFile, admin: true })), 400, 'malformed-evidence'],
      ['evidence not base64', post(JSON.stringify({ worker, evidence: { ...enclave.evidenceFile, report: '***' } })), 400, 'malformed-evidence'],
      ['evidence without keys', post(JSON.stringify({ worker, evidence: tdx })), 400, 'malformed-evidence'],
      ['a genuine quote for other keys', post(JSON.stringify({ worker, evidence: { ...tdx, keys: enclave.evidenceFile.keys } })), 422, 'report-data-mismatch'],
      ['one flipped bit in the quote', post(JSON.stringify({ worker, evidence: { ...tdx, report: flip(String(tdx.report), 200), keys: enclave.evidenceFile.keys } })), 422, 'report-signature'],
    ];
    for (const [what, pending, status, reason] of cases) {
      const res = await pending;
      assert.equal(res.status, status, what);
      const body = (await res.json()) as { error: string; message: string };
      assert.equal(body.error, reason, `${what}: ${body.message}`);
      assert.ok(body.message.length > 0 && !body.message.includes('\n'), what);
      assert.equal((body as Record<string, unknown>).signature, undefined);
    }
    const refusals = lines.filter((l) => / WARN refused /.test(l));
    assert.ok(refusals.length >= cases.length);
    assert.ok(refusals.some((l) => /reason=report-data-mismatch/.test(l)));
  });

  it('stores every decision before answering; the keypair never reaches a log line', () => {
    const db = new Database(join(dir, 'a.db'), { readonly: true });
    const rows = db.prepare('SELECT accepted, reason FROM decisions').all() as { accepted: number; reason: string }[];
    db.close();
    assert.ok(rows.filter((r) => r.accepted === 1).length >= 1);
    assert.ok(rows.some((r) => r.accepted === 0 && r.reason === 'report-signature'));
    const secret58 = bs58.encode(keypair.secretKey);
    const seed58 = bs58.encode(keypair.secretKey.subarray(0, 32));
    for (const l of lines) {
      assert.ok(!l.includes(secret58) && !l.includes(seed58) && !l.includes(JSON.stringify(Array.from(keypair.secretKey)).slice(1, 40)), 'a log line carries the secret key');
    }
  });
});

function flip(base64: string, byte: number): string {
  const b = Buffer.from(base64, 'base64');
  b[byte] ^= 1;
  return b.toString('base64');
}

describe('attestation service: configuration and process', () => {
  it('bad config values are one ConfigError line naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attest-cfg-'));
    const { path } = tempKeypair(dir);
    assert.throws(() => loadAttestationConfig({ flags: { keypair: path, allow: 'sev-snp:abc' }, env: {} }), (e: unknown) => e instanceof ConfigError && /allow/.test(e.message));
    assert.throws(() => loadAttestationConfig({ flags: { keypair: path }, env: {} }), (e: unknown) => e instanceof ConfigError && /refuse every enclave/.test(e.message));
    assert.throws(() => loadAttestationConfig({ flags: { allow_dev: true }, env: {} }), (e: unknown) => e instanceof ConfigError && /keypair/.test(e.message));
    assert.throws(() => loadAttestationConfig({ flags: { keypair: path, allow_dev: true, ttl_seconds: 5 }, env: {} }), (e: unknown) => e instanceof ConfigError && /ttl_seconds/.test(e.message));
    assert.throws(() => loadAttestationConfig({ flags: { keypair: path, allow_dev: true }, env: { PEER_ATTESTATION_TDX_MIN_TEE_TCB_SVN: 'zz' } }), (e: unknown) => e instanceof ConfigError && /min_tee_tcb_svn/.test(e.message));
    const yml = join(dir, 'a.yml');
    writeFileSync(yml, `keypair: ${path}\nallow:\n  - tdx:${TDX_MRTD_HEX}\nport: 0\n`);
    const c = loadAttestationConfig({ file: yml, env: {} });
    assert.deepEqual(c.allow, [`tdx:${TDX_MRTD_HEX}`]);
  });

  function run(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'attestation/main.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        for (const line of d.toString().split('\n')) if (line) onLine?.(line, child);
      });
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  }

  it('a missing keypair exits 2 with one line; SIGTERM stops a running service with 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attest-proc-'));
    const missing = await run(['--keypair', join(dir, 'none.json'), '--allow-dev']);
    assert.equal(missing.code, 2);
    assert.deepEqual(missing.stderr.trim().split('\n'), [`error: attestation: keypair file not found: ${join(dir, 'none.json')}`]);
    const unknown = await run(['--bogus', 'x']);
    assert.equal(unknown.code, 2);
    const { path } = tempKeypair(dir);
    const ran = await run(['--keypair', path, '--allow-dev', '--port', '0', '--db', join(dir, 'p.db')], (line, child) => {
      if (/ INFO started /.test(line)) child.kill('SIGTERM');
    });
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stderr, /WARN dev-allowed/);
    assert.match(ran.stderr, /INFO stopped/);
  });
});
