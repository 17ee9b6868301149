/** Certificate chains with node:crypto's X509Certificate: parse, check validity, verify up to a pinned root. */
import { X509Certificate } from 'node:crypto';
import { refuse } from './errors';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/** Every PEM certificate block in `text`, in order. */
export function splitPem(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

/** A certificate from PEM or DER; unparseable input is `malformed-evidence`. */
export function parseCertificate(input: string | Uint8Array, what: string): X509Certificate {
  try {
    const cert = new X509Certificate(typeof input === 'string' ? input : Buffer.from(input));
    void cert.publicKey; // decoded lazily: a damaged key must fail here, as malformed, not later
    return cert;
  } catch (err) {
    return refuse('malformed-evidence', `the ${what} certificate does not parse (${(err as Error).message})`);
  }
}

/** A one-line name for messages: the certificate's CN. */
export function commonName(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  return cn ? cn[1] : cert.subject.replace(/\n/g, ', ');
}

export function checkValidity(cert: X509Certificate, now: Date, what: string): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from || now > to) refuse('certificate-expired', `the ${what} certificate (${commonName(cert)}) is valid ${cert.validFrom} to ${cert.validTo}, not at ${now.toISOString()}`);
}

/**
 * Verifies `chain` (leaf first) link by link, and that its last certificate is issued and
 * signed by `root` (pinned, self-signed). A root certificate included in the chain must be
 * byte-identical to the pinned one.
 */
export function verifyChainToRoot(chain: { cert: X509Certificate; what: string }[], root: X509Certificate, now: Date): void {
  if (!root.verify(root.publicKey)) refuse('untrusted-root', `the pinned root ${commonName(root)} is not self-signed`);
  checkValidity(root, now, 'root');
  const links = chain.filter((c, i) => !(i === chain.length - 1 && c.cert.raw.equals(root.raw)));
  for (const { cert, what } of chain) {
    if (cert.issuer === cert.subject && !cert.raw.equals(root.raw)) refuse('untrusted-root', `the ${what} certificate (${commonName(cert)}) is a self-signed root that is not the pinned ${commonName(root)}`);
  }
  for (let i = 0; i < links.length; i++) {
    const { cert, what } = links[i];
    const issuer = i + 1 < links.length ? links[i + 1] : { cert: root, what: 'root' };
    checkValidity(cert, now, what);
    if (cert.issuer !== issuer.cert.subject) {
      if (issuer.cert === root) refuse('untrusted-root', `the ${what} certificate is issued by "${cert.issuer.replace(/\n/g, ', ')}", not by the pinned ${commonName(root)}`);
      refuse('certificate-chain', `the ${what} certificate is not issued by the ${issuer.what} certificate`);
    }
    if (!cert.verify(issuer.cert.publicKey)) {
      refuse(issuer.cert === root ? 'untrusted-root' : 'certificate-chain', `the ${what} certificate's signature does not verify with the ${issuer.what} key (${commonName(issuer.cert)})`);
    }
  }
}
