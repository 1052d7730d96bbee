import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { PkiError } from '../../../src/pki/errors.js';
import { initPki } from '../../../src/pki/init-pki.js';
import { issueClient } from '../../../src/pki/issue-client.js';
import { readIndex } from '../../../src/pki/pki-index.js';
import { modeOf, openssl, tempDirs } from './helpers.js';

const tmp = tempDirs();

describe('issueClient', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'certs');
    await initPki({ dir, hosts: ['gw.example.com'] });
  });

  test('writes a bundle that verifies for sslclient and not for sslserver', async () => {
    const { bundle } = await issueClient({ dir, name: 'alice', groups: ['dev', 'ops'] });
    expect(bundle.dir).toBe(join(dir, 'clients', 'alice'));
    const ok = openssl('verify', '-CAfile', bundle.ca, '-purpose', 'sslclient', bundle.cert);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(': OK');
    expect(openssl('verify', '-CAfile', bundle.ca, '-purpose', 'sslserver', bundle.cert).status).not.toBe(0);
    expect(await readFile(bundle.ca, 'utf8')).toBe(await readFile(join(dir, 'ca.pem'), 'utf8'));
  });

  test('subject is CN=name then one OU per group, in order; EKU clientAuth only; no SAN', () => {
    const cert = join(dir, 'clients', 'alice', 'cert.pem');
    const subject = openssl('x509', '-in', cert, '-noout', '-subject', '-nameopt', 'oneline').stdout.trim();
    expect(subject).toBe('subject=CN = alice, OU = dev, OU = ops');
    const text = openssl('x509', '-in', cert, '-noout', '-text').stdout;
    expect(text).toMatch(/Extended Key Usage:\s*\n\s+TLS Web Client Authentication\n/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).not.toContain('Subject Alternative Name');
  });

  test('key.pem is 0600 and the bundle directory 0700', async () => {
    expect(await modeOf(join(dir, 'clients', 'alice', 'key.pem'))).toBe(0o600);
    expect(await modeOf(join(dir, 'clients', 'alice', 'cert.pem'))).toBe(0o644);
    expect(await modeOf(join(dir, 'clients', 'alice'))).toBe(0o700);
  });

  test('records the certificate in the index with what openssl reads from it', async () => {
    const index = await readIndex(join(dir, 'index.json'));
    const entry = index.certs.find((e) => e.name === 'alice');
    const cert = join(dir, 'clients', 'alice', 'cert.pem');
    const serial = openssl('x509', '-in', cert, '-noout', '-serial').stdout.trim().slice('serial='.length).toLowerCase();
    const enddate = openssl('x509', '-in', cert, '-noout', '-enddate').stdout.trim().slice('notAfter='.length);
    expect(entry).toMatchObject({ kind: 'client', groups: ['dev', 'ops'], serial, keyType: 'ecdsa', bundle: join(dir, 'clients', 'alice') });
    expect(Date.parse(entry?.notAfter ?? '')).toBe(Date.parse(enddate));
    expect(entry?.revoked).toBeUndefined();
  });

  test('default lifetime is 365 days; --days changes it', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const { entry } = await issueClient({ dir, name: 'short', days: 7, now });
    expect(entry.notAfter).toBe('2030-01-08T00:00:00.000Z');
    const { entry: dflt } = await issueClient({ dir, name: 'long', now });
    expect(dflt.notAfter).toBe('2031-01-01T00:00:00.000Z');
  });

  test('refuses to re-issue a name that has a valid certificate unless forced', async () => {
    const err = await issueClient({ dir, name: 'alice' }).catch((e: unknown) => e);
    expect((err as PkiError).code).toBe('PKI_NAME_EXISTS');
    expect((err as PkiError).message).toContain('certs renew alice');
    const { entry } = await issueClient({ dir, name: 'alice', groups: ['dev'], force: true });
    const index = await readIndex(join(dir, 'index.json'));
    expect(index.certs.filter((e) => e.name === 'alice').map((e) => e.serial)).toContain(entry.serial);
  });

  test('--out writes the bundle elsewhere; RSA client keys on request', async () => {
    const out = join(await tmp(), 'bob-bundle');
    const { bundle } = await issueClient({ dir, name: 'bob', out, keyType: 'rsa' });
    expect(bundle.dir).toBe(out);
    expect(openssl('verify', '-CAfile', join(out, 'ca.pem'), '-purpose', 'sslclient', join(out, 'cert.pem')).status).toBe(0);
    expect(openssl('x509', '-in', join(out, 'cert.pem'), '-noout', '-text').stdout).toContain('Public-Key: (4096 bit)');
    expect(await modeOf(join(out, 'key.pem'))).toBe(0o600);
  }, 120_000);

  test.each([
    ['', 'PKI_BAD_NAME'],
    ['a/b', 'PKI_BAD_NAME'],
    ['..', 'PKI_BAD_NAME'],
    ['tab\there', 'PKI_BAD_NAME'],
    ['x'.repeat(65), 'PKI_BAD_NAME'],
    ['-rf', 'PKI_BAD_NAME'],
    [' padded', 'PKI_BAD_NAME'],
  ])('rejects the name %j', async (name, code) => {
    const err = await issueClient({ dir, name }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PkiError);
    expect((err as PkiError).code).toBe(code);
  });

  test('rejects a group with control characters', async () => {
    const err = await issueClient({ dir, name: 'carol', groups: ['ok', 'bad\u0007'] }).catch((e: unknown) => e);
    expect((err as PkiError).code).toBe('PKI_BAD_GROUP');
  });

  test('a directory without a CA is a clear PKI_NO_CA error', async () => {
    const err = await issueClient({ dir: await tmp(), name: 'dave' }).catch((e: unknown) => e);
    expect((err as PkiError).code).toBe('PKI_NO_CA');
    expect((err as PkiError).message).toContain('certs init');
  });
});
