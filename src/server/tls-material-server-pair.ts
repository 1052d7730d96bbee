/**
 * A listener's server certificate (chain) and private key: each read and checked, the key
 * against the certificate, and a certificate clients would refuse (no serverAuth) refused.
 */
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { collecting, oneLine, parseCertificate, readTlsFile, splitPem } from './tls-material-files.js';

/**
 * A listener's server certificate (chain) and key, each read and checked apart and the key
 * against the certificate when both are usable; every problem goes to `problems`, each naming
 * its file. Undefined when there was one. The Docker listener's and the admin listener's.
 */
export function loadServerPair(files: { cert: string; key: string }, problems: string[]): { cert: Buffer; key: Buffer; server: X509Certificate } | undefined {
  const attempt = collecting(problems);
  const cert = readTlsFile(files.cert, attempt);
  const key = readTlsFile(files.key, attempt);
  const server = cert === undefined ? undefined : attempt(() => serverCertificate(cert, files.cert));
  const privateKey = key === undefined ? undefined : attempt(() => usableKey(key, files.key));
  if (!cert || !key || !server || !privateKey) return undefined;
  const pub = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!pub.equals(server.publicKey.export({ type: 'spki', format: 'der' }))) {
    problems.push(`${files.key}: private key does not match the certificate in ${files.cert}`);
    return undefined;
  }
  return { cert, key, server };
}

/** The server certificate of `tls.cert` (its first block), after the chain behind it parses and its use is checked. */
function serverCertificate(cert: Buffer, file: string): X509Certificate {
  const [serverPem, ...chainPems] = splitPem(cert.toString('utf8'));
  if (!serverPem) throw new Error(`${file}: no PEM certificate found`);
  const server = parseCertificate(serverPem, `${file}: the server certificate`);
  chainPems.forEach((pem, i) => parseCertificate(pem, `${file}: chain certificate ${i + 2} of ${chainPems.length + 1}`));
  checkServerCertificate(server, file);
  return server;
}

/** The private key of `file`; throws naming the file when Node cannot use it. */
function usableKey(key: Buffer, file: string): KeyObject {
  try {
    return createPrivateKey(key);
  } catch (err) {
    throw new Error(`${file}: not a usable private key (${(err as Error).message})`, { cause: err });
  }
}

/** id-kp-serverAuth and anyExtendedKeyUsage. */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';

/**
 * Refuse a server certificate that clients will refuse: one whose extendedKeyUsage leaves out
 * serverAuth (a client bundle's cert.pem by mistake). Docker's Go client and OpenSSL-based
 * clients check it; the handshake would fail for every client with an error on their side only.
 */
function checkServerCertificate(cert: X509Certificate, file: string): void {
  // Node 20: the extendedKeyUsage OIDs, undefined without the extension (no restriction).
  const eku = cert.keyUsage as string[] | undefined;
  if (eku && !eku.includes(SERVER_AUTH) && !eku.includes(ANY_EKU)) {
    throw new Error(
      `${file}: the certificate of "${oneLine(cert.subject)}" is not for TLS servers (extendedKeyUsage ${eku.join(', ')} lacks serverAuth): ` +
        'clients refuse it; use the server certificate (dockgate certs init writes server-cert.pem), not a client certificate',
    );
  }
}
