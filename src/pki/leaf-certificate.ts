/**
 * Signing end-entity certificates (client and server) with the CA. Both kinds share the
 * profile; only the extendedKeyUsage and SANs differ, so a client certificate can never serve
 * and a server certificate can never log in.
 */
import { fingerprintOf, type CaSigner } from './ca.js';
import { exportPrivateKeyPem, generateKeyPair, type KeyType } from './key-pair.js';
import { ipSanText, type ServerSans } from './hosts.js';
import { randomSerial } from './serial.js';
import { validity } from './validity.js';
import { x509 } from './webcrypto.js';

/** What to put in a new leaf certificate. */
export interface LeafRequest {
  kind: 'client' | 'server';
  subject: x509.JsonName;
  keyType: KeyType;
  days: number;
  now: Date;
  /** Server certificates only. */
  sans?: ServerSans;
}

/** A signed leaf with its new private key. */
export interface IssuedLeaf {
  cert: x509.X509Certificate;
  certPem: string;
  keyPem: string;
  serial: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Generates a key and signs a certificate for it: CA:false, keyUsage digitalSignature (plus
 * keyEncipherment for RSA, which RSA key exchange needs), EKU clientAuth or serverAuth only,
 * SKI and AKI, a random 128-bit serial. Validity never exceeds the CA's.
 */
export async function issueLeaf(ca: CaSigner, req: LeafRequest): Promise<IssuedLeaf> {
  const { keys } = await generateKeyPair(req.keyType);
  const usage =
    req.keyType === 'rsa'
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
      : x509.KeyUsageFlags.digitalSignature;
  const eku = req.kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([eku], false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ca.authorityKeyId,
  ];
  if (req.sans) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...req.sans.dns.map((value) => ({ type: 'dns' as const, value })),
        // Hex groups only: the encoder misreads `::ffff:10.0.0.1` (hosts.ts). One SAN per
        // address, however an older index spelled it.
        ...[...new Set(req.sans.ip.map(ipSanText))].map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  const serial = randomSerial();
  const dates = validity(req.now, req.days, ca.cert.notAfter);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: req.subject,
    issuer: ca.cert.subjectName,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm.signing,
    ...dates,
    extensions,
  });
  return {
    cert,
    certPem: cert.toString('pem') + '\n',
    keyPem: await exportPrivateKeyPem(keys.privateKey),
    serial,
    fingerprint: fingerprintOf(cert),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}
