/** The published attestation vectors (tests/fixtures/attestation/README.md) and ways to tamper with them. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitPem } from '../../sdk/src/attestation';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'attestation');
export const read = (name: string): Buffer => readFileSync(join(FIXTURES, name));

/** A fixed instant inside every published certificate's validity (the tests must not age). */
export const AT = new Date('2026-06-01T00:00:00Z');

export const SNP_REPORT = new Uint8Array(read('snp-milan-report.bin'));
export const SNP_VCEK_PEM = new X509Certificate(read('snp-milan-vcek.der')).toString();
export const [SNP_ASK_PEM, SNP_ARK_PEM] = splitPem(read('snp-milan-ask-ark.pem').toString('utf8'));
export const SNP_EVIDENCE_FILE = join(FIXTURES, 'snp-milan-evidence.json');
/** The published SNP report is from a guest launched with debugging allowed (policy 0xb0000). */
export const SNP_MEASUREMENT_HEX = 'b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01';

export const TDX_QUOTE = new Uint8Array(read('tdx-spr-e4-quote.dat'));
export const TDX_EVIDENCE_FILE = join(FIXTURES, 'tdx-spr-e4-evidence.json');
export const TDX_MRTD_HEX = '6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb';

/** A copy with one bit flipped at `offset`. */
export function flipBit(bytes: Uint8Array, offset: number, bit = 0): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[offset] ^= 1 << bit;
  return copy;
}

/** A PEM certificate with one bit flipped in its DER, at `fromEnd` bytes before the end (in the signature). */
export function flipCertificateBit(pem: string, fromEnd = 1): string {
  const der = new X509Certificate(pem).raw;
  const copy = Buffer.from(der);
  copy[copy.length - fromEnd] ^= 1;
  const b64 = copy.toString('base64').replace(/(.{64})/g, '$1\n').trim();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

// TDX quote layout offsets (see sdk/src/attestation/tdx.ts)
export const TDX = {
  body: 48,
  mrTd: 48 + 136,
  tdAttributes: 48 + 120,
  reportData: 48 + 520,
  signature: 48 + 584 + 4,
  attestationKey: 48 + 584 + 4 + 64,
  qeReport: 48 + 584 + 4 + 128 + 6,
  qeReportSignature: 48 + 584 + 4 + 128 + 6 + 384,
};

/** The quote with its embedded PCK certificate (the first PEM) replaced by `pem` of the same length. */
export function replacePckCertificate(quote: Uint8Array, pem: string): Uint8Array {
  const text = Buffer.from(quote).toString('latin1');
  const start = text.indexOf('-----BEGIN CERTIFICATE-----');
  const end = text.indexOf('-----END CERTIFICATE-----', start) + '-----END CERTIFICATE-----'.length;
  const original = text.slice(start, end);
  const replacement = pem.trim().replace(/\n/g, original.includes('\r\n') ? '\r\n' : '\n');
  if (replacement.length !== original.length) throw new Error(`replacement PEM is ${replacement.length} chars, the original ${original.length}`);
  const out = Buffer.from(quote);
  out.write(replacement, start, 'latin1');
  return new Uint8Array(out);
}
