/**
 * Identity: a verified client certificate turned into the caller's name, groups and fingerprint.
 * Pure: takes the certificate as Node's TLS layer already parsed it (the object
 * `getPeerCertificate()` returns), so a new connection costs no second ASN.1 parse.
 */
import { X509Certificate } from 'node:crypto';
import type { Identity } from '../core/types.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

/** The fields of Node's parsed certificate object (`PeerCertificate`) that identity reads. */
export interface ParsedCertificate {
  subject: Record<string, string | string[] | undefined>;
  issuer: Record<string, string | string[] | undefined>;
  subjectaltname?: string;
  ext_key_usage?: string[];
  fingerprint256: string;
  serialNumber: string;
  valid_to: string;
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
 * Parse Node's `subjectaltname` text: `DNS:a, IP Address:1.2.3.4, email:x, URI:y`, where a value
 * holding a separator is written as a JSON string (`DNS:"a, b"`).
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
      // JSON-quoted: find the closing quote that is not escaped.
      let end = 1;
      while (end < rest.length && !(rest[end] === '"' && rest[end - 1] !== '\\')) end++;
      value = JSON.parse(rest.slice(0, end + 1)) as string;
      rest = rest.slice(end + 1);
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
 * A subject or issuer as Node parsed it, on one line (`CN=x, O=y`). The identity's issuer and
 * the revocation sweep's CA names are both spelled this way, so they compare as strings.
 */
export function distinguishedName(name: ParsedCertificate['issuer']): string {
  return Object.entries(name)
    .flatMap(([k, v]) => values(v).map((x) => `${k}=${x}`))
    .join(', ');
}

/**
 * Build the Identity of a verified certificate. Its subject must hold exactly one CN, the name
 * `users:` matches; SANs never stand in for it (they are matched by `sans:` only), and with
 * several CNs tools disagree on which one names the holder (OpenSSL lists them in order, Go's
 * pkix keeps the last). When the certificate carries extendedKeyUsage it must allow clientAuth.
 */
export function identityFromParsed(cert: ParsedCertificate): Identity {
  const eku = cert.ext_key_usage;
  if (eku && !eku.some((u) => u === CLIENT_AUTH || u === ANY_EKU)) {
    throw new IdentityError('certificate extendedKeyUsage does not allow clientAuth');
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
  };
}

/** The Identity of a DER certificate (tools and tests; the listener uses identityFromParsed). */
export function identityFromCertificate(der: Uint8Array): Identity {
  return identityFromParsed(new X509Certificate(der).toLegacyObject() as unknown as ParsedCertificate);
}
