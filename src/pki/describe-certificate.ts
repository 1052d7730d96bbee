/**
 * Read-only views of PEM material for status output and the TLS reload path. Synchronous and
 * based on Node's own X509 parser: the gateway checks files with the same library that will
 * load them into the TLS context.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { normalizeSerial } from './serial.js';

/** What `dockgate` prints about a certificate. */
export interface CertificateDescription {
  /** Subject DN, one `TYPE=value` per line joined with `, ` (Node's rendering). */
  subject: string;
  issuer: string;
  /** Serial, lowercase hex without leading zero octets. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER certificate, lowercase hex without separators. */
  fingerprint: string;
}

/** Describes the first certificate in `pem`. Throws when it holds no parsable certificate. */
export function describeCertificate(pem: string | Buffer): CertificateDescription {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject.split('\n').join(', '),
    issuer: cert.issuer.split('\n').join(', '),
    serial: normalizeSerial(cert.serialNumber) ?? cert.serialNumber.toLowerCase(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

/**
 * True when `keyPem` is the private key of the (first) certificate in `certPem`. False for a
 * mismatched pair and for anything unparsable, so a reload can keep the old material in
 * force instead of throwing.
 */
export function verifyKeyMatchesCert(certPem: string | Buffer, keyPem: string | Buffer): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
