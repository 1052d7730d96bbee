/**
 * Writing `crl.pem`: an X.509 v2 CRL signed by the CA, rebuilt from the index each time.
 *
 * Beware of nextUpdate: once it has passed, OpenSSL (and so Node's TLS with the `crl`
 * option) rejects every client with "CRL has expired". The CRL must therefore be re-signed
 * before then (`certs crl`, or any revoke); the default period is generous for that reason.
 */
import { PkiError } from './errors.js';
import { PUBLIC_MODE, writeFileAtomic } from './files.js';
import type { CaSigner } from './ca.js';
import type { PkiIndex } from './pki-index.js';
import type { PkiPaths } from './paths.js';
import { REVOCATION_REASONS } from './revocation-reason.js';
import { addDays } from './validity.js';
import { x509 } from './webcrypto.js';

const CRL_NUMBER_OID = '2.5.29.20';

/** DER INTEGER for a non-negative safe integer (the crlNumber extension's value). */
export function derInteger(value: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative integer: ${value}`);
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  // A set top bit would make the INTEGER negative: prefix a zero octet.
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return new Uint8Array([0x02, bytes.length, ...bytes]);
}

/** Builds and signs the CRL for every revoked entry of `index`, numbered `crlNumber`. */
export async function buildCrl(ca: CaSigner, index: PkiIndex, crlNumber: number, now: Date, days: number): Promise<x509.X509Crl> {
  return x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate: now,
    nextUpdate: addDays(now, days),
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm.signing,
    extensions: [ca.authorityKeyId, new x509.Extension(CRL_NUMBER_OID, false, derInteger(crlNumber))],
    entries: index.certs.flatMap((entry) =>
      entry.revoked
        ? [
            {
              serialNumber: entry.serial,
              revocationDate: new Date(entry.revoked.at),
              reason: REVOCATION_REASONS[entry.revoked.reason],
            },
          ]
        : [],
    ),
  });
}

/**
 * PEM of a CRL under the `X509 CRL` label. @peculiar/x509 labels CRLs `CRL`, which OpenSSL
 * (and therefore Node's TLS `crl` option) does not accept.
 */
export function crlPem(crl: x509.X509Crl): string {
  return x509.PemConverter.encode(crl.rawData, 'X509 CRL') + '\n';
}

/**
 * Increments `index.crlNumber`, signs a CRL with that number and writes `crl.pem`
 * atomically. The caller writes the index afterwards so the stored number matches the file.
 */
export async function writeCrl(paths: PkiPaths, ca: CaSigner, index: PkiIndex, now: Date, days: number): Promise<x509.X509Crl> {
  if (!Number.isSafeInteger(index.crlNumber + 1)) throw new PkiError('PKI_BAD_INDEX', 'crlNumber overflow');
  index.crlNumber += 1;
  const crl = await buildCrl(ca, index, index.crlNumber, now, days);
  await writeFileAtomic(paths.crl, crlPem(crl), PUBLIC_MODE);
  return crl;
}
