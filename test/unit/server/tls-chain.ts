/**
 * A real chain root -> intermediate made with the project's PKI code, leaves with chosen
 * serials, CRLs, and a TLS server built from loadTlsMaterial's options (what the gateway's
 * listener uses), for tests of TLS material, renegotiation and the revocation sweep.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll } from 'vitest';
import { createCa, type CaSigner, type NewCa } from '../../../src/pki/ca.js';
import { crlPem } from '../../../src/pki/crl.js';
import { createIntermediateCa } from '../../../src/pki/intermediate-ca.js';
import { exportPrivateKeyPem, generateKeyPair } from '../../../src/pki/key-pair.js';
import { randomSerial } from '../../../src/pki/serial.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { bindIdentity, identityOf } from '../../../src/server/peer-identity.js';
import { loadTlsMaterial, type TlsMaterial } from '../../../src/server/tls-material.js';

const now = new Date();

/** A certificate and its key in PEM. */
export interface Pair {
  certPem: string;
  keyPem: string;
  serial: string;
}

/**
 * A leaf signed by `ca` with subject CN=`cn` and the given serial (hex). `issuer` spells the
 * issuer Name otherwise than `ca`'s subject (OpenSSL matches them ignoring case and spacing).
 */
export async function leaf(
  ca: CaSigner,
  cn: string,
  serial: string,
  kind: 'client' | 'server' = 'client',
  issuer: string = ca.cert.subjectName.toString(),
  dates: { notBefore: Date; notAfter: Date } = { notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 86_400_000) },
): Promise<Pair> {
  const { keys } = await generateKeyPair('ecdsa');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: [{ CN: [cn] }],
    issuer,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm.signing,
    notBefore: dates.notBefore,
    notAfter: dates.notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ...(kind === 'server' ? [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }])] : []),
      ca.authorityKeyId,
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKeyPem(keys.privateKey), serial };
}

/**
 * A PEM CRL of `ca` revoking `serials`, signed at `thisUpdate` (default: when the test file
 * loaded). `keyId`: with the CA's authority key identifier, as `certs crl` writes one (OpenSSL
 * needs it to tell apart the CRLs of two CAs of one name).
 */
export async function crlOf(ca: CaSigner, serials: string[], thisUpdate: Date = now, keyId = false): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    ...(keyId ? { extensions: [ca.authorityKeyId] } : {}),
    issuer: ca.cert.subjectName,
    thisUpdate,
    nextUpdate: new Date(now.getTime() + 3 * 86_400_000),
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm.signing,
    entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: now })),
  });
  return crlPem(crl);
}

/**
 * `ca` re-issued with its old name and key (a renewed CA: `openssl req -x509 -key ca-key.pem`
 * with the old subject): a new certificate with a new serial and the same extensions, signed
 * by `by` (itself for a root; another CA: a cross-certificate, its authority key identifier
 * then `by`'s), valid for `dates` (by default from 30 s ago for 20 days). PEM.
 */
export async function reissue(ca: CaSigner, by: CaSigner = ca, dates: { notBefore: Date; notAfter: Date } = { notBefore: new Date(now.getTime() - 30_000), notAfter: new Date(now.getTime() + 20 * 86_400_000) }): Promise<string> {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: ca.cert.subjectName,
    issuer: by.cert.subjectName,
    publicKey: ca.cert.publicKey,
    signingKey: by.key,
    signingAlgorithm: by.algorithm.signing,
    notBefore: dates.notBefore,
    notAfter: dates.notAfter,
    extensions: ca === by ? ca.cert.extensions : [...ca.cert.extensions.filter((e) => !(e instanceof x509.AuthorityKeyIdentifierExtension)), by.authorityKeyId],
  });
  return cert.toString('pem') + '\n';
}

/**
 * The name `certs init` gave every CA before names were made unique (`CN=dockgate CA <host>,
 * O=dockgate`): how two CAs of one name still arise (a CA of then, another tool's re-keyed CA).
 */
export function legacyCaName(host: string): x509.JsonName {
  return [{ CN: [`dockgate CA ${host}`] }, { O: ['dockgate'] }];
}

/** Root, an intermediate under it and a server certificate of the root. */
export interface Chain {
  root: NewCa;
  int: NewCa;
  server: Pair;
  /** Load TLS material with `tls.ca` = `ca` (by default intermediate + root) and `tls.crl` = the given PEM text. */
  material(crl?: string, ca?: string): Promise<TlsMaterial>;
}

/**
 * Make a chain; its files live in a temporary directory removed after the test file. The
 * intermediate is `CN=<intermediate>, O=dockgate`; the root is `CN=dockgate CA root, O=dockgate`
 * (give that name to the intermediate for a chain whose CAs share a name).
 */
export async function makeChain(intermediate = 'team CA'): Promise<Chain> {
  const dir = await mkdtemp(join(tmpdir(), 'dockgate-chain-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const root = await createCa({ keyType: 'ecdsa', days: 30, now, name: legacyCaName('root') });
  const int = await createIntermediateCa(root, { commonName: intermediate, keyType: 'ecdsa', days: 30, now });
  const server = await leaf(root, 'localhost', '5e', 'server');
  await writeFile(join(dir, 'ca.pem'), int.bundlePem);
  await writeFile(join(dir, 'cert.pem'), server.certPem);
  await writeFile(join(dir, 'key.pem'), server.keyPem);
  let n = 0;
  return {
    root,
    int,
    server,
    async material(crl, ca) {
      const crlFile = crl === undefined ? undefined : join(dir, `crl-${++n}.pem`);
      if (crlFile) await writeFile(crlFile, crl as string);
      const caFile = ca === undefined ? join(dir, 'ca.pem') : join(dir, `ca-${++n}.pem`);
      if (ca !== undefined) await writeFile(caFile, ca);
      return loadTlsMaterial({ ca: caFile, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), crl: crlFile, partialChain: false });
    },
  };
}

/**
 * A TLS server with the gateway's listener options (client certificate required and verified);
 * `partialChain`: in OpenSSL's partial-chain mode, set as partial-chain.ts sets it.
 */
export async function listen(material: TlsMaterial, onSecure: (socket: tls.TLSSocket) => void = () => {}, partialChain = false): Promise<{ port: number; refused: string[]; close(): Promise<void> }> {
  const server = tls.createServer({ ...material.options, requestCert: true, rejectUnauthorized: true });
  if (partialChain) {
    const options = { ...material.options, allowPartialTrustChain: true } as tls.SecureContextOptions;
    (server as tls.Server & { _sharedCreds: tls.SecureContext })._sharedCreds = tls.createSecureContext(options);
  }
  const refused: string[] = [];
  const open = new Set<tls.TLSSocket>();
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    open.add(socket);
    socket.on('error', () => {});
    onSecure(socket);
  });
  server.on('tlsClientError', (err, socket) => refused.push(String(socket.authorizationError ?? err.message)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connect as `client`, trusting `ca` for the server; resolves once the handshake is done. */
export function connect(port: number, ca: string, client: Pair, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, cert: client.certPem, key: client.keyPem, ...options });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Connect each of `clients` (trusting `ca` for the server) to a listener with `material`, bind
 * each connection's identity as the gateway's listener does, then run `sweep` on the open
 * connections: what it returns, and the names of the connections it closed.
 */
export async function sweepOpen(material: TlsMaterial, ca: string, clients: Pair[], sweep: (open: Set<tls.TLSSocket>) => number): Promise<{ closed: number; names: string[] }> {
  const open = new Set<tls.TLSSocket>();
  const server = await listen(material, (socket) => {
    bindIdentity(socket);
    open.add(socket);
  });
  try {
    const sockets = await Promise.all(clients.map((c) => connect(server.port, ca, c)));
    for (const s of sockets) s.on('error', () => {});
    while (open.size < sockets.length) await new Promise((resolve) => setTimeout(resolve, 5));
    const closed = sweep(open);
    const names = [...open].filter((s) => s.destroyed).map((s) => identityOf(s)?.name ?? '?');
    for (const s of sockets) s.destroy();
    return { closed, names: names.sort() };
  } finally {
    await server.close();
  }
}
