/**
 * Just enough DER walking to read a certificate's extensions by OID (node's X509Certificate
 * does the parsing and verification; it does not expose vendor extensions such as AMD's TCB
 * values in a VCEK). Not a general ASN.1 parser: it reads tag-length-value headers only.
 */
interface Tlv {
  tag: number;
  /** Start of the value. */
  start: number;
  end: number;
}

function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Error('truncated DER');
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  if (start + len > limit) throw new Error('DER value past its container');
  return { tag, start, end: start + len };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new Error('empty OID');
  const parts = [Math.floor(bytes[0] / 40), bytes[0] % 40];
  let value = 0;
  for (let i = 1; i < bytes.length; i++) {
    value = value * 128 + (bytes[i] & 0x7f);
    if (!(bytes[i] & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The raw extnValue (inside its OCTET STRING) of each extension of a DER certificate, by dotted OID. */
export function certificateExtensions(der: Uint8Array): Map<string, Uint8Array> {
  const cert = readTlv(der, 0, der.length);
  const tbs = children(der, cert)[0];
  const out = new Map<string, Uint8Array>();
  const wrapper = children(der, tbs).find((t) => t.tag === 0xa3);
  if (!wrapper) return out;
  const list = children(der, wrapper)[0];
  for (const ext of children(der, list)) {
    const parts = children(der, ext);
    const oid = parts[0];
    const value = parts[parts.length - 1];
    if (oid.tag !== 0x06 || value.tag !== 0x04) throw new Error('malformed extension');
    out.set(decodeOid(der.subarray(oid.start, oid.end)), der.subarray(value.start, value.end));
  }
  return out;
}

/** A DER INTEGER (small, non-negative) as a number. */
export function derSmallInteger(value: Uint8Array): number {
  const t = readTlv(value, 0, value.length);
  if (t.tag !== 0x02 || t.end - t.start > 4) throw new Error('not a small INTEGER');
  let n = 0;
  for (let i = t.start; i < t.end; i++) n = n * 256 + value[i];
  return n;
}

/** A DER string (IA5String, UTF8String, PrintableString) as text. */
export function derString(value: Uint8Array): string {
  const t = readTlv(value, 0, value.length);
  return Buffer.from(value.subarray(t.start, t.end)).toString('latin1');
}
