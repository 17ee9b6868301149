/**
 * Attestation verification time: one published SEV-SNP report (VCEK → ASK → ARK chain with
 * RSA-PSS, then the ECDSA P-384 report signature) and one published TDX v4 quote (PCK chain,
 * QE report signature, QE binding, ECDSA P-256 quote signature), each verified from scratch
 * every time (certificates parsed, nothing cached), as the attestation authority does per request.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitPem, verifySnpReport, verifyTdxQuote } from '../sdk/src/attestation';

const FIXTURES = join(__dirname, '..', 'tests', 'fixtures', 'attestation');
const AT = new Date('2026-06-01T00:00:00Z');

export interface AttestationRow {
  what: string;
  runs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  perSecond: number;
}

function time(what: string, runs: number, fn: () => void): AttestationRow {
  for (let i = 0; i < 5; i++) fn(); // warm up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / runs;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { what, runs, meanMs: round(mean), p50Ms: round(ms[Math.floor(runs / 2)]), p95Ms: round(ms[Math.floor(runs * 0.95)]), perSecond: Math.round(1000 / mean) };
}

export function measureAttestation(runs = 200): AttestationRow[] {
  const report = new Uint8Array(readFileSync(join(FIXTURES, 'snp-milan-report.bin')));
  const vcek = new X509Certificate(readFileSync(join(FIXTURES, 'snp-milan-vcek.der'))).toString();
  const [ask, ark] = splitPem(readFileSync(join(FIXTURES, 'snp-milan-ask-ark.pem'), 'utf8'));
  const quote = new Uint8Array(readFileSync(join(FIXTURES, 'tdx-spr-e4-quote.dat')));
  return [
    time('SEV-SNP report (Milan, VCEK → ASK → ARK, P-384)', runs, () => verifySnpReport(report, { vcek, ask, ark }, { now: AT, policy: { allowDebug: true } })),
    time('TDX v4 quote (PCK chain, QE report, P-256)', runs, () => verifyTdxQuote(quote, { now: AT })),
  ];
}

if (require.main === module) console.table(measureAttestation());
