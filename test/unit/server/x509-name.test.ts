/**
 * Names as OpenSSL matches them (nameKey, sameName), which revocation decides by: an issuer
 * matches a CA's subject despite string type, ASCII case and spacing, and for nothing else.
 * Names are built here byte by byte, so each case says exactly what differs.
 */
import { describe, expect, it } from 'vitest';
import { parseDer } from '../../../src/server/der.js';
import { formatName, nameKey, parseName, sameName, type X509Name } from '../../../src/server/x509-name.js';

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const OIDS: Readonly<Record<string, Buffer>> = {
  CN: Buffer.from([0x55, 0x04, 0x03]),
  O: Buffer.from([0x55, 0x04, 0x0a]),
  OU: Buffer.from([0x55, 0x04, 0x0b]),
};
const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const NUMERIC = 0x12;
const BMP = 0x1e;
const OCTETS = 0x04;
const IA5 = 0x16;
const VISIBLE = 0x1a;
const TELETEX = 0x14;
const UNIVERSAL = 0x1c;

/** `text` as a UniversalString holds it: one big-endian 32-bit code point per character. */
function utf32(text: string): Buffer {
  const chars = [...text];
  const out = Buffer.alloc(4 * chars.length);
  chars.forEach((c, i) => out.writeUInt32BE(c.codePointAt(0) ?? 0, 4 * i));
  return out;
}

/** One attribute: [type, value] or [type, value, string tag]. */
type Attr = [keyof typeof OIDS, string] | [keyof typeof OIDS, string, number];

function attribute([type, value, tag = UTF8]: Attr): Buffer {
  const bytes = tag === BMP ? Buffer.from(value, 'utf16le').swap16() : tag === UNIVERSAL ? utf32(value) : Buffer.from(value, tag === UTF8 ? 'utf8' : 'latin1');
  return tlv(0x30, Buffer.concat([tlv(0x06, OIDS[type] as Buffer), tlv(tag, bytes)]));
}

/** A Name of RDNs, each a list of attributes (several make a multi-valued RDN). */
function name(...rdns: Attr[][]): X509Name {
  return parseName(parseDer(tlv(0x30, Buffer.concat(rdns.map((rdn) => tlv(0x31, Buffer.concat(rdn.map(attribute))))))), 'test');
}

describe('nameKey and sameName', () => {
  it.each<[string, X509Name, X509Name]>([
    ['ASCII case', name([['CN', 'Team CA']]), name([['CN', 'TEAM ca']])],
    ['spacing: leading, trailing and repeated', name([['CN', 'Team CA']]), name([['CN', '  Team \t  CA ']])],
    ['string type: UTF8String and PrintableString', name([['CN', 'Team CA', UTF8]]), name([['CN', 'Team CA', PRINTABLE]])],
    ['string type: BMPString', name([['CN', 'Team CA', BMP]]), name([['CN', 'team ca', UTF8]])],
    ['string type: IA5String', name([['CN', 'Team CA', IA5]]), name([['CN', 'team  ca', UTF8]])],
    ['string type: VisibleString', name([['CN', 'Team CA', VISIBLE]]), name([['CN', 'team ca', PRINTABLE]])],
    ['string type: TeletexString', name([['CN', 'Team CA', TELETEX]]), name([['CN', ' team ca', UTF8]])],
    ['order within a multi-valued RDN', name([['CN', 'a'], ['O', 'b']]), name([['O', 'b'], ['CN', 'a']])],
  ])('the same entity despite %s', (_label, a, b) => {
    expect(nameKey(a)).toBe(nameKey(b));
    expect(sameName(a, b)).toBe(true);
  });

  it.each<[string, X509Name, X509Name]>([
    ['another attribute type with the same value', name([['CN', 'Team CA']]), name([['O', 'Team CA']])],
    ['the RDNs in another order', name([['CN', 'a']], [['O', 'b']]), name([['O', 'b']], [['CN', 'a']])],
    ['one multi-valued RDN against two RDNs', name([['CN', 'a'], ['O', 'b']]), name([['CN', 'a']], [['O', 'b']])],
    ['non-ASCII case (OpenSSL folds ASCII only)', name([['CN', 'Équipe']]), name([['CN', 'équipe']])],
    ['a NumericString (not canonicalised) against a PrintableString', name([['CN', '123', NUMERIC]]), name([['CN', '123', PRINTABLE]])],
    ['a value that is no string against its text', name([['CN', 'abc', OCTETS]]), name([['CN', 'abc', UTF8]])],
    ['an extra RDN', name([['CN', 'a']]), name([['CN', 'a']], [['OU', 'x']])],
  ])('different entities: %s', (_label, a, b) => {
    expect(nameKey(a)).not.toBe(nameKey(b));
    expect(sameName(a, b)).toBe(false);
  });

  it('refuses an empty RDN', () => {
    expect(() => parseName(parseDer(tlv(0x30, tlv(0x31, Buffer.alloc(0)))), 'issuer')).toThrow('empty RDN in issuer');
  });
});

describe('formatName', () => {
  it.each<[string, X509Name, string]>([
    ['short names, RDNs in order, multi-valued joined with +', name([['CN', 'a'], ['O', 'b']], [['OU', 'c']]), 'CN=a+O=b, OU=c'],
    ['a BMPString', name([['CN', 'Équipe', BMP]]), 'CN=Équipe'],
    // Mutation review s29: every 4-octet character of a UniversalString, none read past the end.
    ['a UniversalString', name([['CN', 'Équipe \u{1F600}', UNIVERSAL]]), 'CN=Équipe \u{1F600}'],
    ['a control character cannot start a new log line', name([['CN', 'a\nCN=admin']]), 'CN=a\\0ACN=admin'],
    ['DEL escaped too', name([['CN', 'a\x7f']]), 'CN=a\\7F'],
    ['separators escaped', name([['CN', 'a, O=b+c']]), 'CN=a\\, O=b\\+c'],
    ['a value that is no string: # and its encoding', name([['CN', 'ab', OCTETS]]), 'CN=#04026162'],
  ])('%s', (_label, n, text) => {
    expect(formatName(n)).toBe(text);
  });
});
