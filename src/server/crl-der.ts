/**
 * One CRL's DER (CertificateList) read into the fields the checks need, strictly: what OpenSSL
 * would not take (a version other than v2, two differing algorithms, a cRLNumber it cannot read)
 * is refused here too.
 */
import { DerSequence, DerTag, derChildren, expectTag, parseDer, readBitStringBytes, readSignedIntegerHex, readOid, readSmallInteger, readTime, type DerElement } from './der.js';
import { normalizeSerialHex } from './crl-serial.js';
import { parseName, type X509Name } from './x509-name.js';

/** The fields of one CRL that the checks need. */
export interface CrlFields {
  /** tbsCertList exactly as encoded: what the signature covers. */
  tbs: Buffer;
  /** The AlgorithmIdentifier (inner and outer are equal). */
  algorithm: DerElement;
  signature: Buffer;
  issuer: X509Name;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serials, normalised. */
  serials: string[];
  /** The cRLNumber extension's value, when present. */
  crlNumber?: bigint;
}

/**
 * CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier,
 *   issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *   revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time,
 *     crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 */
export function readCrl(der: Buffer): CrlFields {
  const list = new DerSequence(parseDer(der), 'CertificateList');
  const tbsElement = list.next(DerTag.SEQUENCE, 'tbsCertList');
  const outerAlgorithm = list.next(DerTag.SEQUENCE, 'signatureAlgorithm');
  const signature = readBitStringBytes(list.next(DerTag.BIT_STRING, 'signatureValue'));
  list.end();

  const tbs = new DerSequence(tbsElement, 'tbsCertList');
  const version = tbs.optional(DerTag.INTEGER);
  if (version && readSmallInteger(version) !== 1) throw new Error('version is not v2');
  const algorithm = tbs.next(DerTag.SEQUENCE, 'signature');
  if (!algorithm.der.equals(outerAlgorithm.der)) throw new Error('signatureAlgorithm differs from the signature field of tbsCertList');
  const issuer = parseName(tbs.next(DerTag.SEQUENCE, 'issuer'), 'issuer');
  const thisUpdate = readTime(tbs.nextAny('thisUpdate'));
  const next = tbs.optional(DerTag.UTC_TIME, DerTag.GENERALIZED_TIME);
  const nextUpdate = next ? readTime(next) : undefined;
  const serials: string[] = [];
  const revoked = tbs.optional(DerTag.SEQUENCE);
  if (revoked) {
    for (const entryElement of derChildren(revoked)) {
      const entry = new DerSequence(entryElement, 'revokedCertificates entry');
      serials.push(normalizeSerialHex(readSignedIntegerHex(entry.next(DerTag.INTEGER, 'userCertificate'))));
      readTime(entry.nextAny('revocationDate'));
      const extensions = entry.optional(DerTag.SEQUENCE);
      if (extensions) readExtensions(extensions, 'crlEntryExtensions');
      entry.end();
    }
  }
  const crlExtensions = tbs.optional(DerTag.CONTEXT_0);
  let crlNumber: bigint | undefined;
  if (crlExtensions) {
    const wrapper = new DerSequence(crlExtensions, 'crlExtensions', DerTag.CONTEXT_0);
    const numbers = readExtensions(wrapper.next(DerTag.SEQUENCE, 'Extensions'), 'crlExtensions').filter((e) => e.oid === CRL_NUMBER);
    wrapper.end();
    // OpenSSL marks a CRL whose cRLNumber it cannot read (or finds twice) invalid.
    if (numbers.length > 1) throw new Error('cRLNumber extension appears more than once');
    const [number] = numbers;
    if (number) crlNumber = readCrlNumber(number.value);
  }
  tbs.end();
  return { tbs: tbsElement.der, algorithm, signature, issuer, thisUpdate, nextUpdate, serials, crlNumber };
}

/** id-ce-cRLNumber. */
const CRL_NUMBER = '2.5.29.20';

/** CRLNumber ::= INTEGER (0..MAX), inside the extension's OCTET STRING. */
function readCrlNumber(value: Buffer): bigint {
  const hex = readSignedIntegerHex(expectTag(parseDer(value), DerTag.INTEGER, 'cRLNumber'));
  if (hex.startsWith('-')) throw new Error('cRLNumber is negative');
  return BigInt(`0x${hex}`);
}

/** One extension: its OID and the content of its extnValue. */
interface Extension {
  oid: string;
  value: Buffer;
}

/** Extensions ::= SEQUENCE OF SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
function readExtensions(el: DerElement, what: string): Extension[] {
  return derChildren(el).map((extension) => {
    const fields = new DerSequence(extension, what);
    const oid = readOid(fields.next(DerTag.OID, 'extnID'));
    fields.optional(DerTag.BOOLEAN);
    const value = fields.next(DerTag.OCTET_STRING, 'extnValue').content;
    fields.end();
    return { oid, value };
  });
}
