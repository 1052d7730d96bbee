/**
 * loadTlsMaterial refuses, with the file (and the place in a bundle) named, what would only
 * fail later at every handshake: a `tls.ca` entry that is not a CA, a `tls.cert` that is not
 * for TLS servers, and a PEM block whose body is not a certificate. The admin listener's own
 * files (loadAdminTls without a CA) get the server-certificate check too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdminTls } from '../../../src/admin/admin-tls.js';
import { exportPrivateKeyPem, generateKeyPair } from '../../../src/pki/key-pair.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { loadTlsMaterial, TlsMaterialError } from '../../../src/server/tls-material.js';
import { crlOf, leaf, makeChain, type Pair } from './tls-chain.js';

const GARBAGE_CERT = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGUgYXQgYWxs\n-----END CERTIFICATE-----\n';

describe('loadTlsMaterial: what tls.ca and tls.cert must be', async () => {
  const chain = await makeChain();
  const client = await leaf(chain.root, 'alice', '0a01', 'client');
  let dir: string;
  const file = (name: string) => join(dir, name);
  const put = (name: string, text: string) => writeFile(file(name), text);
  const load = (files: { ca?: string; cert?: string; key?: string; crl?: string }, partialChain = false) =>
    loadTlsMaterial({
      ca: file(files.ca ?? 'ca.pem'),
      cert: file(files.cert ?? 'cert.pem'),
      key: file(files.key ?? 'key.pem'),
      crl: files.crl === undefined ? undefined : file(files.crl),
      partialChain,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockgate-tls-checks-'));
    await put('ca.pem', chain.int.bundlePem);
    await put('cert.pem', chain.server.certPem);
    await put('key.pem', chain.server.keyPem);
    await put('client-cert.pem', client.certPem);
    await put('client-key.pem', client.keyPem);
    await put('crl.pem', (await crlOf(chain.root, [])) + (await crlOf(chain.int, [])));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the real layout loads without a warning', async () => {
    expect((await load({ crl: 'crl.pem' })).warnings).toEqual([]);
  });

  it('everyCaHasCrl: with a CRL of every CA, not without tls.crl, and not with partialChain (OpenSSL then wants the anchor\'s issuer\'s CRL too)', async () => {
    expect([(await load({ crl: 'crl.pem' })).everyCaHasCrl, (await load({})).everyCaHasCrl, (await load({ crl: 'crl.pem' }, true)).everyCaHasCrl]).toEqual([true, false, false]);
  });

  it('a tls.ca that is the server certificate (CA:FALSE) is refused, naming the file and the certificate', async () => {
    await expect(load({ ca: 'cert.pem' })).rejects.toThrow(`${file('cert.pem')}: certificate 1 of 1 ("CN=localhost") is not a CA certificate (no basicConstraints CA:TRUE)`);
  });

  it('a leaf anywhere in the bundle is refused; the message names its place', async () => {
    await put('mixed.pem', chain.int.bundlePem + client.certPem);
    await expect(load({ ca: 'mixed.pem' })).rejects.toThrow(/mixed\.pem: certificate 3 of 3 \("CN=alice"\) is not a CA certificate/);
  });

  it('with partialChain a leaf in tls.ca (a pinned certificate) loads, with a warning', async () => {
    await put('pinned.pem', chain.int.bundlePem + client.certPem);
    const m = await load({ ca: 'pinned.pem' }, true);
    expect(m.warnings).toEqual([`${file('pinned.pem')}: certificate 3 of 3 ("CN=alice") is not a CA certificate: only a client presenting exactly that certificate is accepted, none it signed`]);
  });

  it('a self-signed version 1 root (OpenSSL accepts it as a CA) loads', async () => {
    const v1 = join(dir, 'v1');
    execFileSync('mkdir', ['-p', v1]);
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: v1, stdio: 'ignore' });
    ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-subj', '/CN=v1 root', '-out', 'r.csr');
    ossl('x509', '-req', '-in', 'r.csr', '-signkey', 'k.pem', '-days', '2', '-out', 'c.pem');
    expect(execFileSync('openssl', ['x509', '-in', join(v1, 'c.pem'), '-noout', '-text'], { encoding: 'utf8' })).toMatch(/Version: 1 \(0x0\)/);
    await put('with-v1.pem', chain.int.bundlePem + (await readFile(join(v1, 'c.pem'), 'utf8')));
    expect((await load({ ca: 'with-v1.pem' })).warnings).toEqual([]);
  });

  it('a client certificate as tls.cert (extendedKeyUsage without serverAuth) is refused, naming the file', async () => {
    await expect(load({ cert: 'client-cert.pem', key: 'client-key.pem' })).rejects.toThrow(
      `${file('client-cert.pem')}: the certificate of "CN=alice" is not for TLS servers (extendedKeyUsage 1.3.6.1.5.5.7.3.2 lacks serverAuth)`,
    );
  });

  it('a server certificate without extendedKeyUsage (no restriction) loads', async () => {
    const noEku = await leafWithoutEku(chain.root);
    await put('noeku-cert.pem', noEku.certPem);
    await put('noeku-key.pem', noEku.keyPem);
    expect((await load({ cert: 'noeku-cert.pem', key: 'noeku-key.pem' })).serverSerial).toBe('5f');
  });

  // Lower case, as `certs list`, `certs revoke SERIAL` and the audit write serials (rev-docs F4):
  // the `TLS material loaded` line and the server-certificate-refused message quote it.
  it('the server serial is lowercase hex on both listeners', async () => {
    const noEku = await leafWithoutEku(chain.root);
    await put('noeku-cert.pem', noEku.certPem);
    await put('noeku-key.pem', noEku.keyPem);
    expect((await loadAdminTls({ cert: file('noeku-cert.pem'), key: file('noeku-key.pem') })).server.serial).toBe('5f');
    expect((await loadAdminTls({ cert: file('noeku-cert.pem'), key: file('noeku-key.pem'), ca: file('ca.pem') })).server.serial).toBe('5f');
  });

  it('a corrupt body in tls.cert names the file', async () => {
    await put('garbage-cert.pem', GARBAGE_CERT);
    await expect(load({ cert: 'garbage-cert.pem' })).rejects.toThrow(new RegExp(`^${escape(file('garbage-cert.pem'))}: the server certificate is not a valid certificate \\(`));
  });

  it('a corrupt chain certificate after the server certificate names the file and its place', async () => {
    await put('chain-garbage.pem', chain.server.certPem + GARBAGE_CERT);
    await expect(load({ cert: 'chain-garbage.pem' })).rejects.toThrow(`${file('chain-garbage.pem')}: chain certificate 2 of 2 is not a valid certificate (`);
  });

  it.each([
    ['without', undefined],
    ['with', 'crl.pem'],
  ])('a corrupt body in tls.ca names the file and the place in the bundle (%s a CRL)', async (_what, crl) => {
    await put('garbage-ca.pem', chain.int.bundlePem + GARBAGE_CERT);
    await expect(load({ ca: 'garbage-ca.pem', crl })).rejects.toThrow(`${file('garbage-ca.pem')}: certificate 3 of 3 is not a valid certificate (`);
  });

  it.each([
    // [case, files, the problems, in order, each naming its file]
    ['a garbage key and a garbage CRL', { key: 'garbage-key.pem', crl: 'garbage-crl.pem' }, ['garbage-key.pem: not a usable private key (', 'garbage-crl.pem: no PEM CRL found']],
    ['a leaf as tls.ca and a garbage CRL', { ca: 'cert.pem', crl: 'garbage-crl.pem' }, ['cert.pem: certificate 1 of 1 ("CN=localhost") is not a CA certificate', 'garbage-crl.pem: no PEM CRL found']],
    ['a missing CA, a client certificate as tls.cert and the wrong key', { ca: 'missing.pem', cert: 'client-cert.pem', key: 'key.pem' }, ['missing.pem: ENOENT', 'client-cert.pem: the certificate of "CN=alice" is not for TLS servers']],
    ['a missing certificate and a missing key', { cert: 'missing-cert.pem', key: 'missing-key.pem' }, ['missing-cert.pem: ENOENT', 'missing-key.pem: ENOENT']],
    ['a key that does not match', { key: 'client-key.pem' }, [`client-key.pem: private key does not match the certificate in`]],
  ] as const)('every problem at once: %s', async (_case, files, expected) => {
    await put('garbage-key.pem', '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
    await put('garbage-crl.pem', 'not a CRL\n');
    const err = await load(files).then(() => undefined, (e: unknown) => e as TlsMaterialError);
    expect(err).toBeInstanceOf(TlsMaterialError);
    expect(err?.problems).toHaveLength(expected.length);
    expected.forEach((text, i) => expect(err?.problems[i]).toContain(`${dir}/${text}`));
  });

  it('a FIFO, a directory or a device in a TLS file\'s place is refused at once, naming the file (a FIFO held every request until written to)', async () => {
    execFileSync('mkfifo', [file('crl.fifo')]);
    await symlink('/dev/zero', file('zero.pem'));
    const err = await load({ crl: 'crl.fifo', cert: 'zero.pem', key: '.' }).then(() => undefined, (e: unknown) => e as TlsMaterialError);
    expect(err?.problems).toEqual([
      `${file('zero.pem')} is not a regular file (a device or socket)`,
      `${file('.')} is not a regular file (a directory)`,
      `${file('crl.fifo')} is not a regular file (a FIFO)`,
    ]);
  });

  it('loadAdminTls (no CA) reports a bad certificate and a bad key together', async () => {
    await put('garbage-key.pem', '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
    const err = await loadAdminTls({ cert: file('garbage-cert.pem'), key: file('garbage-key.pem') }).then(() => undefined, (e: unknown) => e as TlsMaterialError);
    expect(err?.problems).toEqual([expect.stringContaining(`${file('garbage-cert.pem')}: the server certificate is not a valid certificate (`), expect.stringContaining(`${file('garbage-key.pem')}: not a usable private key (`)]);
  });

  it('loadAdminTls with a CA: a scraper\'s own certificate pinned in admin.tls.ca loads, with a warning (it did before the CA check)', async () => {
    const m = await loadAdminTls({ cert: file('cert.pem'), key: file('key.pem'), ca: file('client-cert.pem') });
    expect(m.warnings).toEqual([`${file('client-cert.pem')}: certificate 1 of 1 ("CN=alice") is not a CA certificate: only a client presenting exactly that certificate is accepted, none it signed`]);
  });

  it('loadAdminTls (no CA) refuses a client certificate and names a corrupt certificate file', async () => {
    await expect(loadAdminTls({ cert: file('client-cert.pem'), key: file('client-key.pem') })).rejects.toThrow(`${file('client-cert.pem')}: the certificate of "CN=alice" is not for TLS servers`);
    await expect(loadAdminTls({ cert: file('garbage-cert.pem'), key: file('key.pem') })).rejects.toThrow(`${file('garbage-cert.pem')}: the server certificate is not a valid certificate (`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A server certificate signed by `ca` with no extendedKeyUsage extension at all. */
async function leafWithoutEku(ca: Awaited<ReturnType<typeof makeChain>>['root']): Promise<Pair> {
  const { keys } = await generateKeyPair('ecdsa');
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '5f',
    subject: [{ CN: ['localhost'] }],
    issuer: ca.cert.subjectName,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm.signing,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }])],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKeyPem(keys.privateKey), serial: '5f' };
}
