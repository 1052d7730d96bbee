/**
 * The certificate authority: creating one (`certs init`) and loading one to sign with. A
 * loaded CA may come from elsewhere (openssl, an older tool) as long as its key is readable.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { PkiError } from './errors.js';
import { noCaError } from './no-ca-error.js';
import { generateCaKey } from './ca-key.js';
import { importSigningKey, parsePrivateKey, type KeyAlgorithm, type KeyType } from './key-pair.js';
import { caSubject } from './names.js';
import type { PkiPaths } from './paths.js';
import { randomSerial } from './serial.js';
import { validity } from './validity.js';
import { x509 } from './webcrypto.js';

/** A CA ready to sign: its certificate, private key and the key identifier leaves point to. */
export interface CaSigner {
  cert: x509.X509Certificate;
  certPem: string;
  /** The whole `ca.pem` (it may also hold a parent CA): what client bundles get as their `ca.pem`. */
  bundlePem: string;
  key: CryptoKey;
  algorithm: KeyAlgorithm;
  /** authorityKeyIdentifier for certificates and CRLs this CA signs. */
  authorityKeyId: x509.AuthorityKeyIdentifierExtension;
}

/** A newly created CA, with its key in PEM for writing to `ca-key.pem`. */
export interface NewCa extends CaSigner {
  keyPem: string;
}

/** Creates a self-signed CA: basicConstraints CA:true (critical), keyCertSign + cRLSign, SKI; named by names.ts caSubject. */
export async function createCa(opts: {
  keyType: KeyType;
  days: number;
  now: Date;
  hostname?: string;
  /** The subject; by default caSubject's, unique per CA. Given, it may name a CA as another tool or an older dockgate did (`CN=dockgate CA <host>, O=dockgate`). */
  name?: x509.JsonName;
}): Promise<NewCa> {
  const { keys, ski, signer } = await generateCaKey(opts.keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: opts.name ?? caSubject(opts.hostname ?? hostname(), opts.now, ski.keyId),
    keys,
    signingAlgorithm: signer.algorithm.signing,
    ...validity(opts.now, opts.days),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ski,
    ],
  });
  return {
    cert,
    certPem: cert.toString('pem') + '\n',
    bundlePem: cert.toString('pem') + '\n',
    ...signer,
  };
}

/**
 * Loads `ca.pem` and `ca-key.pem`. Throws PKI_NO_CA when either is missing and PKI_BAD_KEY
 * when the key cannot be read (garbage, a passphrase, an unsupported type) or does not belong
 * to the certificate (signing with it would produce certificates nobody can verify).
 */
export async function loadCa(paths: PkiPaths): Promise<CaSigner> {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = await readFile(paths.ca, 'utf8');
    keyPem = await readFile(paths.caKey, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw await noCaError(paths, (err as NodeJS.ErrnoException).path ?? paths.ca);
    throw err;
  }
  // ca.pem may be a bundle; the CA that signs is the certificate matching ca-key.pem, and
  // conventionally the first one.
  const cert = new x509.X509Certificate(firstPem(certPem, paths.ca));
  // The key is read first, so an unreadable, encrypted or unsupported key is named as such
  // rather than reported as belonging to another certificate.
  const { key, algorithm } = await importSigningKey(keyPem, paths.caKey);
  if (!new X509Certificate(cert.toString('pem')).checkPrivateKey(parsePrivateKey(keyPem, paths.caKey))) {
    throw new PkiError('PKI_BAD_KEY', `${paths.caKey} does not belong to the certificate in ${paths.ca}`);
  }
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const authorityKeyId = ski
    ? new x509.AuthorityKeyIdentifierExtension(ski.keyId)
    : await x509.AuthorityKeyIdentifierExtension.create(cert.publicKey);
  return { cert, certPem: cert.toString('pem') + '\n', bundlePem: certPem, key, algorithm, authorityKeyId };
}

/**
 * The CA certificate of `ca.pem` (its first), without the key: what `certs list` needs to
 * tell this CA's CRL in `crl.pem` from another's. PKI_NO_CA when `ca.pem` is missing.
 */
export async function loadCaCert(paths: PkiPaths): Promise<x509.X509Certificate> {
  let certPem: string;
  try {
    certPem = await readFile(paths.ca, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw await noCaError(paths, paths.ca);
    throw err;
  }
  return new x509.X509Certificate(firstPem(certPem, paths.ca));
}

function firstPem(text: string, path: string): string {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  if (!match) throw new PkiError('PKI_NO_CA', `${path} holds no PEM certificate`);
  return match[0];
}

/** SHA-256 of a certificate's DER encoding, lowercase hex: the fingerprint used everywhere. */
export function fingerprintOf(cert: x509.X509Certificate): string {
  return createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex');
}
