/**
 * Identity: a verified client certificate turned into the caller's name, groups and fingerprint.
 * Pure: takes the certificate as Node's TLS layer already parsed it (the object
 * `getPeerCertificate()` returns); only the issuer Name is read again from its DER.
 */
import { X509Certificate } from 'node:crypto';
import type { Identity } from '../core/types.js';
import { certificateNames, nameKey } from '../server/x509-name.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** The fields of Node's parsed certificate object (`PeerCertificate`) that identity reads. */
export interface ParsedCertificate {
  subject: Record<string, string | string[] | undefined>;
  issuer: Record<string, string | string[] | undefined>;
  subjectaltname?: string;
  ext_key_usage?: string[];
  fingerprint256: string;
  serialNumber: string;
  valid_to: string;
  /** basicConstraints CA:TRUE (Node sets it on the parsed object; absent in hand-made ones means false). */
  ca?: boolean;
  /** The DER certificate (its issuer Name is read from it: Node's parsed object folds it). */
  raw: Buffer;
}

/** Why a verified certificate still cannot be an identity. */
export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

function values(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * The index of the quote closing the JSON string that opens `text` (at index 0), or -1.
 * Node writes a backslash in the value as `\\` and a quote as `\"`, so a backslash always
 * starts a pair and the first quote outside a pair closes the string.
 */
function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/**
 * Parse Node's `subjectaltname` text: `DNS:a, IP Address:1.2.3.4, email:x, URI:y`, where a value
 * holding a separator, a quote, a backslash or a control character is written as a JSON string
 * (`DNS:"a\u002c b"` for `a, b`, `DNS:"x\\"` for `x\`). Throws IdentityError on text Node would not write (an
 * unterminated or malformed quoted value, or one not followed by `, `): the certificate is refused.
 */
export function parseSubjectAltName(text: string | undefined): Identity['sans'] {
  const sans: Identity['sans'] = { dns: [], ip: [], email: [], uri: [] };
  let rest = text ?? '';
  while (rest.length > 0) {
    const colon = rest.indexOf(':');
    if (colon < 0) break;
    const type = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
    let value: string;
    if (rest.startsWith('"')) {
      const end = closingQuote(rest);
      let parsed: unknown;
      try {
        parsed = end < 0 ? undefined : JSON.parse(rest.slice(0, end + 1));
      } catch {
        parsed = undefined;
      }
      rest = end < 0 ? '' : rest.slice(end + 1);
      if (typeof parsed !== 'string' || (rest !== '' && !rest.startsWith(', '))) {
        throw new IdentityError(`certificate subjectAltName has a malformed ${type} value`);
      }
      value = parsed;
    } else {
      const comma = rest.indexOf(', ');
      value = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? '' : rest.slice(comma);
    }
    if (rest.startsWith(', ')) rest = rest.slice(2);
    if (type === 'DNS') sans.dns.push(value);
    else if (type === 'IP Address') sans.ip.push(value);
    else if (type === 'email') sans.email.push(value);
    else if (type === 'URI') sans.uri.push(value);
  }
  return sans;
}

/**
 * A subject or issuer as Node parsed it, on one line (`CN=x, O=y`), for messages. Not for
 * comparing names: see Identity.issuerKey.
 */
function distinguishedName(name: ParsedCertificate['issuer']): string {
  return Object.entries(name)
    .flatMap(([k, v]) => values(v).map((x) => `${k}=${x}`))
    .join(', ');
}

/**
 * Build the Identity of a verified certificate. Its subject must hold exactly one CN, the name
 * `users:` matches; SANs never stand in for it (they are matched by `sans:` only), and with
 * several CNs tools disagree on which one names the holder (OpenSSL lists them in order, Go's
 * pkix keeps the last). When the certificate carries extendedKeyUsage it must list clientAuth:
 * anyExtendedKeyUsage alone does not do (OpenSSL's TLS client purpose check refuses it first).
 * A CA certificate (basicConstraints CA:TRUE) is refused: OpenSSL's purpose check lets one
 * through when its keyUsage has digitalSignature, as many corporate issuing CAs' does, and a
 * CA's name is not a caller's (docs/certificates.md).
 */
export function identityFromParsed(cert: ParsedCertificate): Identity {
  if (cert.ca === true) {
    throw new IdentityError('certificate is a CA certificate (basicConstraints CA:TRUE): a CA certificate does not name a caller; issue a client certificate (CA:FALSE) instead');
  }
  const eku = cert.ext_key_usage;
  if (eku && !eku.includes(CLIENT_AUTH)) {
    throw new IdentityError('certificate extendedKeyUsage does not allow clientAuth');
  }
  // Node gives no subject (or issuer) at all when one of its attributes is not a string
  // (OpenSSL accepts, say, a SEQUENCE where a DirectoryString goes): refused in words, not
  // with the TypeError reading it would throw.
  for (const [which, name] of [['subject', cert.subject], ['issuer', cert.issuer]] as const) {
    if (typeof name !== 'object' || name === null) {
      throw new IdentityError(`certificate ${which} has an attribute whose value is not a string (Node cannot read the name): it cannot name a caller`);
    }
  }
  const cns = values(cert.subject.CN);
  if (cns.length === 0) throw new IdentityError('certificate subject has no CN to name the caller');
  if (cns.length > 1) throw new IdentityError(`certificate subject has ${cns.length} CNs; exactly one must name the caller`);
  const name = cns[0] as string;
  if (name === '') throw new IdentityError('certificate subject CN is empty');
  const sans = parseSubjectAltName(cert.subjectaltname);
  return {
    name,
    groups: values(cert.subject.OU),
    organizations: values(cert.subject.O),
    sans,
    fingerprint: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    serial: cert.serialNumber.toLowerCase(),
    notAfter: new Date(cert.valid_to),
    issuer: distinguishedName(cert.issuer),
    issuerKey: certificateNameKeys(cert).issuerKey,
  };
}

/**
 * The subject and issuer of a certificate as OpenSSL matches names (x509-name.ts nameKey), read
 * from its DER. A certificate the DER reader refuses (BER lengths, which OpenSSL accepts) gets
 * keys from Node's parsed names instead: spelled alike, they still match each other.
 */
export function certificateNameKeys(cert: Pick<ParsedCertificate, 'raw' | 'subject' | 'issuer'>): { subjectKey: string; issuerKey: string } {
  try {
    const names = certificateNames(cert.raw);
    return { subjectKey: nameKey(names.subject), issuerKey: nameKey(names.issuer) };
  } catch {
    return { subjectKey: `node:${distinguishedName(cert.subject)}`, issuerKey: `node:${distinguishedName(cert.issuer)}` };
  }
}

/** The Identity of a DER certificate (tools and tests; the listener uses identityFromParsed). */
export function identityFromCertificate(der: Uint8Array): Identity {
  return identityFromParsed(new X509Certificate(der).toLegacyObject() as unknown as ParsedCertificate);
}
