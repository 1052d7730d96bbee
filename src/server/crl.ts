/**
 * Reads a PEM CRL and checks that one of the trusted CA certificates signed it, so a corrupt
 * or foreign CRL is refused before it reaches the TLS context.
 *
 * Only node:crypto and a small DER reader: the long-running gateway does not load an X.509
 * library (and its reflect-metadata polyfill, some 18 MiB of resident memory) to read a CRL.
 */
import { X509Certificate, createHash, verify, type KeyObject } from 'node:crypto';
import { DerSequence, DerTag, derChildren, expectTag, parseDer, readBitStringBytes, readNull, readSignedIntegerHex, readOid, readSmallInteger, readTime, type DerElement } from './der.js';
import { caKey } from './ca-key.js';
import { certificateNames, formatName, nameKey, parseName, sameName, type X509Name } from './x509-name.js';

/** Normalise a serial number for comparison: lowercase hex without leading zeros. */
export function normalizeSerialHex(serial: string): string {
  const negative = serial.startsWith('-');
  const digits = (negative ? serial.slice(1) : serial).toLowerCase().replace(/^0+(?=.)/, '');
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** One verified CRL of the file. */
export interface CrlInfo {
  /** Issuer DN (a CA of the bundle), formatted like `CN=dockgate CA, O=Example`. For messages. */
  issuer: string;
  /**
   * The CA whose key verified it (ca-key.ts caKey): what the CRL is matched to its CA by, as
   * two CAs of `tls.ca` may share a name.
   */
  ca: string;
  /** Before this, OpenSSL refuses every certificate the issuer signed ("CRL is not yet valid"). */
  thisUpdate: Date;
  /** After this, OpenSSL refuses every certificate the issuer signed ("CRL has expired"). */
  nextUpdate?: Date;
  /**
   * The cRLNumber extension, when the CRL has one: RFC 5280 has it increase with every CRL a
   * CA issues, so one not higher than the CRL in force's is an older CRL, or another CRL under
   * the same number, unless it is that very CRL (crl-rollback.ts).
   */
  crlNumber?: bigint;
  /**
   * SHA-256 (hex) of its tbsCertList, what the signature covers: two CRLs with the same one say
   * the same thing (the same CRL read again, whatever its PEM wrapping or signature bytes).
   */
  tbsHash: string;
  /** Its PEM block as read: what goes to the TLS context (a held CRL's block is swapped per CA, crl-pending.ts). */
  block: string;
  /**
   * Its CA certificate's SHA-256 fingerprint, first 16 hex digits (as `certs list` shows
   * certificates), set only when another CA of `tls.ca` (another key) has the same name: the
   * messages naming the CA add it (caLabel), or the two could not be told apart.
   */
  caFingerprint?: string;
}

/**
 * A CA as messages name it: its subject in quotes and, when another CA of the bundle shares the
 * name (`fingerprint` given), which certificate: `"CN=…" (CA certificate sha256 0123456789abcdef)`.
 */
export function caLabel(subject: string, fingerprint?: string): string {
  return fingerprint === undefined ? `"${subject}"` : `"${subject}" (CA certificate sha256 ${fingerprint})`;
}

/** The fingerprint prefix caLabel shows: SHA-256 of the DER certificate, 16 lowercase hex digits. */
function shortFingerprint(cert: X509Certificate): string {
  return cert.fingerprint256.replace(/:/g, '').toLowerCase().slice(0, 16);
}

/** Per CA of `cas` (caKey), its fingerprint prefix when another CA (another key) has its name. */
function sharedNameFingerprints(cas: readonly TrustedCa[]): Map<string, string> {
  const keysByName = new Map<string, Set<string>>();
  for (const ca of cas) {
    const name = nameKey(ca.subject);
    keysByName.set(name, (keysByName.get(name) ?? new Set()).add(ca.ca));
  }
  const out = new Map<string, string>();
  for (const ca of cas) if ((keysByName.get(nameKey(ca.subject))?.size ?? 0) > 1 && !out.has(ca.ca)) out.set(ca.ca, ca.fingerprint);
  return out;
}

/** What one CRL revokes: serials of certificates its signer issued, and only those. */
export interface Revocations {
  /** Index in the CA bundle of the CA whose key verified the CRL. */
  signer: number;
  /** Revoked serials, normalised. */
  serials: ReadonlySet<string>;
}

/** What a CRL file says, once verified. */
export interface ParsedCrl {
  /** Revoked serials (normalised hex) across every CRL in the file. */
  serials: Set<string>;
  crls: CrlInfo[];
  /** Per CRL, in file order: serials by issuer (a serial alone is ambiguous across CAs). */
  revocations: Revocations[];
}

/** The fields of one CRL that the checks need. */
interface CrlFields {
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

/** A trusted CA certificate: its subject and public key. */
interface TrustedCa {
  subject: X509Name;
  publicKey: KeyObject;
  /** caKey of it. */
  ca: string;
  /** Its fingerprint prefix (shortFingerprint). */
  fingerprint: string;
}

/** A signature algorithm the gateway accepts on a CRL. */
interface SignatureScheme {
  name: string;
  /** Digest for node:crypto's verify; null for Ed25519. */
  digest: string | null;
  /** The CA key type it needs (KeyObject.asymmetricKeyType). */
  keyType: 'ec' | 'rsa' | 'ed25519';
  /** Whether AlgorithmIdentifier.parameters may be NULL (RSA) rather than absent. */
  nullParameters: boolean;
}

const SCHEMES: ReadonlyMap<string, SignatureScheme> = new Map([
  ['1.2.840.10045.4.3.2', { name: 'ecdsa-with-SHA256', digest: 'sha256', keyType: 'ec', nullParameters: false }],
  ['1.2.840.10045.4.3.3', { name: 'ecdsa-with-SHA384', digest: 'sha384', keyType: 'ec', nullParameters: false }],
  ['1.2.840.10045.4.3.4', { name: 'ecdsa-with-SHA512', digest: 'sha512', keyType: 'ec', nullParameters: false }],
  ['1.2.840.113549.1.1.11', { name: 'sha256WithRSAEncryption', digest: 'sha256', keyType: 'rsa', nullParameters: true }],
  ['1.2.840.113549.1.1.12', { name: 'sha384WithRSAEncryption', digest: 'sha384', keyType: 'rsa', nullParameters: true }],
  ['1.2.840.113549.1.1.13', { name: 'sha512WithRSAEncryption', digest: 'sha512', keyType: 'rsa', nullParameters: true }],
  ['1.3.101.112', { name: 'Ed25519', digest: null, keyType: 'ed25519', nullParameters: false }],
]);

/**
 * The PEM `X509 CRL` blocks of a file, in order. Node's `crl` option reads one CRL per string
 * or Buffer, so a file holding several (root and intermediate) must be passed as this array.
 */
export function crlBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? [];
}

/**
 * Parse `pem` (one or more CRLs) and verify each against the CA certificates.
 * Throws an Error naming `file` when a CRL is unreadable, issued by an unknown CA or unsigned.
 */
export async function parseCrl(pem: string, caPems: readonly string[], file: string): Promise<ParsedCrl> {
  const blocks = crlBlocks(pem);
  if (blocks.length === 0) throw new Error(`${file}: no PEM CRL found`);
  const cas = caPems.map(readCa);
  const shared = sharedNameFingerprints(cas);
  const serials = new Set<string>();
  const crls: CrlInfo[] = [];
  const revocations: Revocations[] = [];
  for (const block of blocks) {
    let crl: CrlFields;
    try {
      crl = readCrl(pemBody(block, 'X509 CRL'));
    } catch (err) {
      throw new Error(`${file}: not a valid CRL (${(err as Error).message})`, { cause: err });
    }
    const issuer = formatName(crl.issuer);
    // Byte-identical subjects first, then those OpenSSL would also match after canonicalisation.
    // Several CAs may share a subject (a re-keyed CA): the one whose key verifies it is its CA.
    const exact = cas.filter((ca) => ca.subject.der.equals(crl.issuer.der));
    const candidates = [...exact, ...cas.filter((ca) => !exact.includes(ca) && sameName(ca.subject, crl.issuer))];
    if (candidates.length === 0) throw new Error(`${file}: CRL issuer "${issuer}" is not one of the trusted CAs`);
    let scheme: SignatureScheme;
    try {
      scheme = signatureScheme(crl.algorithm);
    } catch (err) {
      throw new Error(`${file}: CRL of "${issuer}": ${(err as Error).message}`, { cause: err });
    }
    const signer = candidates.find((ca) => verifies(scheme, crl, ca.publicKey));
    if (!signer) throw new Error(`${file}: CRL signature of "${issuer}" does not verify against that CA`);
    for (const serial of crl.serials) serials.add(serial);
    // Named as the CA that signed it, so casWithoutCrl sees it as covered even when the
    // CRL spells the name differently (case, spacing, string type).
    crls.push({
      issuer: formatName(signer.subject),
      ca: signer.ca,
      thisUpdate: crl.thisUpdate,
      nextUpdate: crl.nextUpdate,
      ...(crl.crlNumber === undefined ? {} : { crlNumber: crl.crlNumber }),
      tbsHash: createHash('sha256').update(crl.tbs).digest('hex'),
      block,
      ...(shared.has(signer.ca) ? { caFingerprint: shared.get(signer.ca) } : {}),
    });
    revocations.push({ signer: cas.indexOf(signer), serials: new Set(crl.serials) });
  }
  return { serials, crls, revocations };
}

/** A CA of the bundle that no CRL covers. */
export interface CaWithoutCrl {
  /** Its subject, formatted. */
  subject: string;
  /** Its place in the bundle, from 0. */
  index: number;
  /** Another CA of the bundle has the same subject (and another key). */
  sharedName: boolean;
  /** Its fingerprint prefix, as caLabel shows it. */
  fingerprint: string;
}

/**
 * Node's TLS sets OpenSSL's CRL_CHECK_ALL: every certificate of a chain (not just the client's)
 * needs a CRL from its issuer, or the handshake fails with "unable to get certificate CRL".
 * Returns the trusted CAs that have no CRL, i.e. whose certificates will be refused. A CRL
 * covers the CA whose key verified it (CrlInfo.ca), not every CA of its issuer's name.
 */
export function crlGaps(caPems: readonly string[], crls: readonly CrlInfo[]): CaWithoutCrl[] {
  const covered = new Set(crls.map((c) => c.ca));
  const cas = caPems.map(readCa);
  const keysByName = new Map<string, Set<string>>();
  for (const ca of cas) {
    const name = nameKey(ca.subject);
    keysByName.set(name, (keysByName.get(name) ?? new Set()).add(ca.ca));
  }
  return cas.flatMap((ca, index) =>
    covered.has(ca.ca) ? [] : [{ subject: formatName(ca.subject), index, sharedName: (keysByName.get(nameKey(ca.subject))?.size ?? 0) > 1, fingerprint: ca.fingerprint }],
  );
}

/** The subjects of the trusted CAs that have no CRL (crlGaps). */
export function casWithoutCrl(caPems: readonly string[], crls: readonly CrlInfo[]): string[] {
  return crlGaps(caPems, crls).map((gap) => gap.subject);
}

/** The DER inside one PEM block; refuses a body that is not clean base64. */
function pemBody(block: string, label: string): Buffer {
  const body = block.slice(`-----BEGIN ${label}-----`.length, block.length - `-----END ${label}-----`.length).replace(/\s+/g, '');
  // Buffer.from(..., 'base64') skips characters it does not know; check first.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body)) throw new Error('PEM body is not base64');
  return Buffer.from(body, 'base64');
}

/** A CA certificate of the bundle: node:crypto for the key, the DER reader for the subject. */
function readCa(pem: string, index: number): TrustedCa {
  try {
    const cert = new X509Certificate(pem);
    const { subject } = certificateNames(cert.raw);
    return { subject, publicKey: cert.publicKey, ca: caKey(nameKey(subject), cert.publicKey), fingerprint: shortFingerprint(cert) };
  } catch (err) {
    throw new Error(`CA certificate ${index + 1} of the bundle is not a valid certificate (${(err as Error).message})`, { cause: err });
  }
}

/**
 * CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier,
 *   issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *   revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time,
 *     crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 */
function readCrl(der: Buffer): CrlFields {
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

/** The accepted scheme an AlgorithmIdentifier names; throws naming the OID of any other. */
function signatureScheme(algorithm: DerElement): SignatureScheme {
  const fields = new DerSequence(algorithm, 'AlgorithmIdentifier');
  const oid = readOid(fields.next(DerTag.OID, 'algorithm'));
  const scheme = SCHEMES.get(oid);
  if (!scheme) throw new Error(`signature algorithm ${oid} is not supported (accepted: ${[...SCHEMES.values()].map((s) => s.name).join(', ')})`);
  const parameters = fields.optional(DerTag.NULL);
  if (parameters) {
    if (!scheme.nullParameters) throw new Error(`signature algorithm ${oid} (${scheme.name}) must not have parameters`);
    readNull(parameters);
  }
  fields.end();
  return scheme;
}

/** Whether `key` verifies the CRL's signature under `scheme`; a key of the wrong type never does. */
function verifies(scheme: SignatureScheme, crl: CrlFields, key: KeyObject): boolean {
  if (key.asymmetricKeyType !== scheme.keyType) return false;
  try {
    return verify(scheme.digest, crl.tbs, key, crl.signature);
  } catch {
    return false;
  }
}
