/**
 * X.509 Names (issuer and subject DNs) read with the DER reader: a readable one-line form for
 * log messages and comparisons, and issuer/subject matching in the manner of OpenSSL.
 */
import { DerSequence, DerTag, derChildren, expectTag, parseDer, readOid, type DerElement } from './der.js';

/** One attribute of a relative distinguished name, e.g. CN=dockgate CA. */
export interface NameAttribute {
  /** Attribute type, dotted OID. */
  oid: string;
  /** The value element as encoded (usually a string type). */
  value: DerElement;
}

/** A parsed Name: its DER encoding and its RDNs in encoded order. */
export interface X509Name {
  der: Buffer;
  /** Each RDN holds one attribute, or several for a multi-valued RDN. */
  rdns: NameAttribute[][];
}

/** Parse a Name: SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue). */
export function parseName(el: DerElement | undefined, what: string): X509Name {
  const seq = expectTag(el, DerTag.SEQUENCE, what);
  const rdns = derChildren(seq).map((set) => {
    const attributes = derChildren(expectTag(set, DerTag.SET, `${what} RDN`)).map((atv) => {
      const fields = new DerSequence(atv, `${what} attribute`);
      const oid = readOid(fields.next(DerTag.OID, 'type'));
      const value = fields.nextAny('value');
      fields.end();
      return { oid, value };
    });
    if (attributes.length === 0) throw new Error(`DER: empty RDN in ${what}`);
    return attributes;
  });
  return { der: seq.der, rdns };
}

const SHORT_NAMES: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['1.2.840.113549.1.9.1', 'emailAddress'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['2.5.4.5', 'serialNumber'],
]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a string-typed value, or undefined for other types and invalid encodings. */
function decodeString(value: DerElement): string | undefined {
  const bytes = value.content;
  try {
    switch (value.tag) {
      case DerTag.UTF8_STRING:
        return utf8.decode(bytes);
      case DerTag.PRINTABLE_STRING:
      case DerTag.IA5_STRING:
      case DerTag.VISIBLE_STRING:
      case DerTag.NUMERIC_STRING:
      case DerTag.TELETEX_STRING: // OpenSSL treats T61 as Latin-1 too.
        return bytes.toString('latin1');
      case DerTag.BMP_STRING:
        if (bytes.length % 2 !== 0) return undefined;
        return Buffer.from(bytes).swap16().toString('utf16le');
      case DerTag.UNIVERSAL_STRING: {
        if (bytes.length % 4 !== 0) return undefined;
        let text = '';
        for (let i = 0; i < bytes.length; i += 4) text += String.fromCodePoint(bytes.readUInt32BE(i));
        return text;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined; // invalid UTF-8, or a code point beyond U+10FFFF
  }
}

/** RFC 4514-style escaping, so a value cannot fake a separator or a new log line. */
function escapeValue(text: string): string {
  const chars = [...text];
  return chars
    .map((ch, i) => {
      const code = ch.codePointAt(0) as number;
      if (code < 0x20 || code === 0x7f) return `\\${code.toString(16).toUpperCase().padStart(2, '0')}`;
      const edge = (i === 0 && (ch === ' ' || ch === '#')) || (i === chars.length - 1 && ch === ' ');
      return edge || ',+"\\<>;'.includes(ch) ? `\\${ch}` : ch;
    })
    .join('');
}

/**
 * A Name on one line in certificate order, e.g. `CN=dockgate CA, O=Example`: common attribute
 * short names, other types as dotted OIDs, multi-valued RDNs joined with `+`, values that are
 * not strings as `#` and the hex of their encoding.
 */
export function formatName(name: X509Name): string {
  return name.rdns
    .map((rdn) =>
      rdn
        .map(({ oid, value }) => {
          const text = decodeString(value);
          return `${SHORT_NAMES.get(oid) ?? oid}=${text === undefined ? `#${value.der.toString('hex')}` : escapeValue(text)}`;
        })
        .join('+'),
    )
    .join(', ');
}

/** The string types OpenSSL canonicalises (ASN1_MASK_CANON); others compare as encoded. */
const CANONICAL_TAGS: ReadonlySet<number> = new Set([
  DerTag.UTF8_STRING,
  DerTag.BMP_STRING,
  DerTag.UNIVERSAL_STRING,
  DerTag.PRINTABLE_STRING,
  DerTag.TELETEX_STRING,
  DerTag.IA5_STRING,
  DerTag.VISIBLE_STRING,
]);

/**
 * OpenSSL's canonical value (x509_name_canon): the text regardless of string type, ASCII
 * whitespace trimmed and runs of it collapsed to one space, ASCII letters lowercased.
 */
function canonicalValue(value: DerElement): string {
  const text = CANONICAL_TAGS.has(value.tag) ? decodeString(value) : undefined;
  if (text === undefined) return `#${value.der.toString('hex')}`;
  const canonical = text
    .replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
    .replace(/[ \t\n\v\f\r]+/g, ' ')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
  return `"${canonical}`;
}

/**
 * A key equal for two Names exactly when OpenSSL's canonical encodings would be equal: what
 * OpenSSL matches a certificate's issuer to a CA's subject (and a CRL to its CA) by. Compare
 * these, not one-line forms: OpenSSL accepts a certificate whose issuer differs from its CA's
 * subject in case or spacing, and a revocation must find it all the same.
 */
export function nameKey(name: X509Name): string {
  // Within an RDN (a SET) the order of attributes does not matter; between RDNs it does.
  return JSON.stringify(name.rdns.map((rdn) => rdn.map(({ oid, value }) => JSON.stringify([oid, canonicalValue(value)])).sort()));
}

/**
 * Whether two Names name the same entity: the same DER bytes or, failing that, the same
 * canonical form (same RDNs and attribute types; string values equal ignoring string type,
 * ASCII case and surrounding or repeated whitespace), as OpenSSL matches a CRL to its issuer.
 */
export function sameName(a: X509Name, b: X509Name): boolean {
  return a.der.equals(b.der) || nameKey(a) === nameKey(b);
}

/** The issuer and subject Names of a DER certificate (its TBSCertificate read up to the subject). */
export function certificateNames(der: Buffer): { issuer: X509Name; subject: X509Name } {
  const certificate = new DerSequence(parseDer(der), 'Certificate');
  const tbs = new DerSequence(certificate.next(DerTag.SEQUENCE, 'tbsCertificate'), 'tbsCertificate');
  tbs.optional(DerTag.CONTEXT_0); // version
  tbs.next(DerTag.INTEGER, 'serialNumber');
  tbs.next(DerTag.SEQUENCE, 'signature');
  const issuer = parseName(tbs.next(DerTag.SEQUENCE, 'issuer'), 'issuer');
  tbs.next(DerTag.SEQUENCE, 'validity');
  return { issuer, subject: parseName(tbs.next(DerTag.SEQUENCE, 'subject'), 'subject') };
}
