/**
 * Identity: a verified client certificate turned into the caller's name, groups and fingerprint.
 * Pure: takes the DER bytes the TLS layer already verified against the CA.
 */
import { createHash } from 'node:crypto';
import { x509 } from '../pki/webcrypto.js';
import type { Identity } from '../core/types.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

/** Why a verified certificate still cannot be an identity. */
export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

function sansOf(cert: x509.X509Certificate): Identity['sans'] {
  const sans: Identity['sans'] = { dns: [], ip: [], email: [], uri: [] };
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const name of ext?.names.items ?? []) {
    if (name.type === 'dns') sans.dns.push(name.value);
    else if (name.type === 'ip') sans.ip.push(name.value);
    else if (name.type === 'email') sans.email.push(name.value);
    else if (name.type === 'url') sans.uri.push(name.value);
  }
  return sans;
}

/**
 * Build the Identity of a client certificate (DER). The certificate must name a subject CN
 * (or at least one SAN, used as the name) and, when it carries extendedKeyUsage, allow clientAuth.
 */
export function identityFromCertificate(der: Uint8Array): Identity {
  const cert = new x509.X509Certificate(new Uint8Array(der));
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  if (eku && !eku.usages.some((u) => u === CLIENT_AUTH || u === ANY_EKU)) {
    throw new IdentityError('certificate extendedKeyUsage does not allow clientAuth');
  }
  const subject = cert.subjectName;
  const sans = sansOf(cert);
  const name = subject.getField('CN')[0] ?? sans.email[0] ?? sans.dns[0] ?? sans.uri[0];
  if (!name) throw new IdentityError('certificate has no subject CN and no SAN to name the caller');
  return {
    name,
    groups: subject.getField('OU'),
    organizations: subject.getField('O'),
    sans,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    serial: cert.serialNumber.toLowerCase(),
    notAfter: cert.notAfter,
    issuer: cert.issuer,
  };
}
