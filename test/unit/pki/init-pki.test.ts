import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { initPki } from '../../../src/pki/init-pki.js';
import { describeCertificate, verifyKeyMatchesCert } from '../../../src/pki/describe-certificate.js';
import { PkiError } from '../../../src/pki/errors.js';
import { readIndex } from '../../../src/pki/pki-index.js';
import { modeOf, openssl, tempDirs } from './helpers.js';

const tmp = tempDirs();

describe('initPki (ECDSA default)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'certs');
    await initPki({ dir, hosts: ['gw.example.com', '10.1.2.3', '[fd00::7]'], machineName: 'buildhost' });
  });

  test('the server certificate verifies against the CA for sslserver, not sslclient', () => {
    const ok = openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'server-cert.pem'));
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const asClient = openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', join(dir, 'server-cert.pem'));
    expect(asClient.status).not.toBe(0);
  });

  test('server SANs: loopback, machine name and every --host, IPs as IP SANs', () => {
    const r = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-ext', 'subjectAltName');
    expect(r.stdout).toContain(
      'DNS:localhost, DNS:buildhost, DNS:gw.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.1.2.3, IP Address:FD00:0:0:0:0:0:0:7',
    );
  });

  test('CA profile: CA:TRUE critical, keyCertSign + cRLSign critical, SKI, P-256', () => {
    const r = openssl('x509', '-in', join(dir, 'ca.pem'), '-noout', '-text');
    expect(r.stdout).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(r.stdout).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(r.stdout).toContain('X509v3 Subject Key Identifier');
    expect(r.stdout).toContain('NIST CURVE: P-256');
  });

  test('server profile: CA:FALSE, digitalSignature, serverAuth, AKI = CA SKI, 128-bit serial', () => {
    const ca = openssl('x509', '-in', join(dir, 'ca.pem'), '-noout', '-ext', 'subjectKeyIdentifier').stdout;
    const caSki = /\n\s+([0-9A-F:]+)/.exec(ca)?.[1];
    const r = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-text').stdout;
    expect(r).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(r).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(r).toMatch(/Extended Key Usage:\s*\n\s+TLS Web Server Authentication\n/);
    expect(caSki).toBeDefined();
    expect(r).toMatch(new RegExp(`Authority Key Identifier:\\s*\\n\\s+(keyid:)?${caSki}`));
    const serial = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-serial').stdout.trim();
    expect(serial).toMatch(/^serial=[89A-F][0-9A-F]{31}$/);
  });

  test('private keys are 0600, certificates 0644, the directory 0700', async () => {
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(await modeOf(join(dir, 'server-key.pem'))).toBe(0o600);
    expect(await modeOf(join(dir, 'ca.pem'))).toBe(0o644);
    expect(await modeOf(join(dir, 'server-cert.pem'))).toBe(0o644);
  });

  test('keys match their certificates', async () => {
    const [ca, caKey, cert, key] = await Promise.all(
      ['ca.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    expect(verifyKeyMatchesCert(ca ?? '', caKey ?? '')).toBe(true);
    expect(verifyKeyMatchesCert(cert ?? '', key ?? '')).toBe(true);
    expect(verifyKeyMatchesCert(cert ?? '', caKey ?? '')).toBe(false);
    expect(verifyKeyMatchesCert('not a cert', key ?? '')).toBe(false);
  });

  test('describeCertificate agrees with openssl', async () => {
    const pem = await readFile(join(dir, 'server-cert.pem'), 'utf8');
    const d = describeCertificate(pem);
    const o = (flag: string) => openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', flag, '-nameopt', 'RFC2253').stdout.trim();
    expect(d.subject).toBe('CN=dockgate server');
    expect(d.issuer).toMatch(/^CN=dockgate CA buildhost \d{4}-\d\d-\d\dT\d\d:\d\dZ [0-9a-f]{8}, O=dockgate$/);
    expect(d.serial).toBe(o('-serial').slice('serial='.length).toLowerCase());
    expect(d.fingerprint).toBe(openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-fingerprint', '-sha256').stdout.trim().replace(/^.*=/, '').replace(/:/g, '').toLowerCase());
    expect(d.notAfter.getTime()).toBe(Date.parse(o('-enddate').slice('notAfter='.length)));
    expect(() => describeCertificate('garbage')).toThrow();
  });

  test('an empty CRL exists, is signed by the CA and carries crlNumber 1', () => {
    const r = openssl('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text');
    expect(r.stderr).toContain('verify OK');
    expect(r.stdout).toMatch(/CRL Number:\s*\n\s+1\n/);
    expect(r.stdout).toContain('No Revoked Certificates.');
  });

  test('the index records the init hosts and the server certificate', async () => {
    const index = await readIndex(join(dir, 'index.json'));
    expect(index.hosts).toEqual(['gw.example.com', '10.1.2.3', 'fd00::7']);
    expect(index.crlNumber).toBe(1);
    expect(index.certs).toHaveLength(1);
    const serial = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-serial').stdout.trim().slice(7);
    const fp = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-fingerprint', '-sha256').stdout;
    expect(index.certs[0]).toMatchObject({
      kind: 'server',
      serial: serial.toLowerCase(),
      fingerprint: fp.trim().split('=')[1]?.replace(/:/g, '').toLowerCase(),
    });
  });

  test('refuses to overwrite the CA without force, and replaces it with force', async () => {
    const before = await readFile(join(dir, 'ca.pem'), 'utf8');
    const err = await initPki({ dir, hosts: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PkiError);
    expect((err as PkiError).code).toBe('PKI_CA_EXISTS');
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toBe(before);

    await initPki({ dir, hosts: ['other.example'], force: true });
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).not.toBe(before);
    const index = await readIndex(join(dir, 'index.json'));
    expect(index.hosts).toEqual(['other.example']);
  });
});

// RSA 4096 key generation takes seconds and varies widely; the unit project's default
// timeout is 5 s.
describe('initPki edge cases', () => {
  test('works in an existing empty directory (a mounted volume) and leaves its mode alone', async () => {
    const dir = await tmp();
    await initPki({ dir, hosts: [] });
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server-cert.pem')).status).toBe(0);
  });

  test.each([['bad host!'], ['-x'], ['a..b']])('rejects --host %j before writing anything', async (host) => {
    const dir = join(await tmp(), 'c');
    const err = await initPki({ dir, hosts: [host] }).catch((e: unknown) => e);
    expect((err as PkiError).code).toBe('PKI_BAD_HOST');
    expect(openssl('x509', '-in', join(dir, 'ca.pem')).status).not.toBe(0);
  });

  test('RSA 4096 on request, with keyEncipherment on the server certificate', async () => {
    const dir = await tmp();
    await initPki({ dir, hosts: [], keyType: 'rsa' });
    const ca = openssl('x509', '-in', join(dir, 'ca.pem'), '-noout', '-text').stdout;
    expect(ca).toContain('Public-Key: (4096 bit)');
    expect(ca).toContain('sha256WithRSAEncryption');
    const server = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-text').stdout;
    expect(server).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'server-cert.pem')).status).toBe(0);
    expect(openssl('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout').stderr).toContain('verify OK');
  }, 120_000);
});
