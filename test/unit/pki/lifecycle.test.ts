import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { verifyKeyMatchesCert } from '../../../src/pki/describe-certificate.js';
import { PkiError } from '../../../src/pki/errors.js';
import { initPki } from '../../../src/pki/init-pki.js';
import { issueClient } from '../../../src/pki/issue-client.js';
import { listCerts } from '../../../src/pki/list-certs.js';
import { readIndex } from '../../../src/pki/pki-index.js';
import { renewClient } from '../../../src/pki/renew-client.js';
import { refreshCrl, revokeCert } from '../../../src/pki/revoke-cert.js';
import { rotateServer } from '../../../src/pki/rotate-server.js';
import { openssl, tempDirs } from './helpers.js';

const tmp = tempDirs();

/** `openssl verify` with CRL checking against the CA directory's crl.pem. */
function verifyWithCrl(dir: string, cert: string) {
  return openssl('verify', '-crl_check', '-CAfile', join(dir, 'ca.pem'), '-CRLfile', join(dir, 'crl.pem'), cert);
}

describe('revoke', () => {
  let dir: string;
  let aliceSerial: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'certs');
    await initPki({ dir, hosts: [] });
    aliceSerial = (await issueClient({ dir, name: 'alice', groups: ['dev'] })).entry.serial;
    await issueClient({ dir, name: 'bob', groups: ['ops'] });
  });

  test('before revocation both clients pass a CRL-checked verify', () => {
    expect(verifyWithCrl(dir, join(dir, 'clients/alice/cert.pem')).status).toBe(0);
    expect(verifyWithCrl(dir, join(dir, 'clients/bob/cert.pem')).status).toBe(0);
  });

  test('revoking a name writes a CA-signed CRL that fails that client and passes the other', async () => {
    const revoked = await revokeCert({ dir, nameOrSerial: 'alice', reason: 'keyCompromise' });
    expect(revoked.map((e) => e.serial)).toEqual([aliceSerial]);
    const crl = openssl('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text');
    expect(crl.stderr).toContain('verify OK');
    expect(crl.stdout).toMatch(/Version 2/);
    expect(crl.stdout).toMatch(/CRL Number:\s*\n\s+2\n/);
    expect(crl.stdout).toContain(`Serial Number: ${aliceSerial.toUpperCase()}`);
    expect(crl.stdout).toMatch(/CRL Reason Code:\s*\n\s+Key Compromise/);
    const alice = verifyWithCrl(dir, join(dir, 'clients/alice/cert.pem'));
    expect(alice.status).not.toBe(0);
    expect(alice.stdout + alice.stderr).toContain('certificate revoked');
    expect(verifyWithCrl(dir, join(dir, 'clients/bob/cert.pem')).status).toBe(0);
  });

  test('the index marks the revocation; list shows it', async () => {
    const certs = await listCerts(dir);
    const alice = certs.find((c) => c.name === 'alice');
    expect(alice?.status).toBe('revoked');
    expect(alice?.revoked?.reason).toBe('keyCompromise');
    expect(certs.find((c) => c.name === 'bob')?.status).toBe('valid');
    expect((await readIndex(join(dir, 'index.json'))).crlNumber).toBe(2);
  });

  test('revoking again is PKI_ALREADY_REVOKED; an unknown name is PKI_NOT_FOUND', async () => {
    const again = await revokeCert({ dir, nameOrSerial: 'alice' }).catch((e: unknown) => e);
    expect((again as PkiError).code).toBe('PKI_ALREADY_REVOKED');
    const bySerial = await revokeCert({ dir, nameOrSerial: aliceSerial.toUpperCase() }).catch((e: unknown) => e);
    expect((bySerial as PkiError).code).toBe('PKI_ALREADY_REVOKED');
    const missing = await revokeCert({ dir, nameOrSerial: 'nobody' }).catch((e: unknown) => e);
    expect((missing as PkiError).code).toBe('PKI_NOT_FOUND');
  });

  test('revoking by serial (colon form) revokes only that certificate; crlNumber increments', async () => {
    const carol = await issueClient({ dir, name: 'carol' });
    const colons = (carol.entry.serial.match(/../g) ?? []).join(':').toUpperCase();
    await revokeCert({ dir, nameOrSerial: colons, reason: 'cessationOfOperation' });
    const crl = openssl('crl', '-in', join(dir, 'crl.pem'), '-noout', '-text').stdout;
    expect(crl).toMatch(/CRL Number:\s*\n\s+3\n/);
    expect(crl).toContain(`Serial Number: ${aliceSerial.toUpperCase()}`);
    expect(crl).toContain(`Serial Number: ${carol.entry.serial.toUpperCase()}`);
    expect(crl).toMatch(/Cessation Of Operation/);
    expect(verifyWithCrl(dir, join(dir, 'clients/bob/cert.pem')).status).toBe(0);
  });

  test('no temporary files are left behind by the atomic writes', async () => {
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('refreshCrl re-signs with the same entries, a new number and a new nextUpdate', async () => {
    const now = new Date();
    const { crlNumber, nextUpdate } = await refreshCrl({ dir, crlDays: 3, now });
    expect(crlNumber).toBe(4);
    expect(nextUpdate.getTime()).toBe(Math.floor((now.getTime() + 3 * 86400_000) / 1000) * 1000);
    const alice = verifyWithCrl(dir, join(dir, 'clients/alice/cert.pem'));
    expect(alice.stdout + alice.stderr).toContain('certificate revoked');
    expect(verifyWithCrl(dir, join(dir, 'clients/bob/cert.pem')).status).toBe(0);
  });
});

describe('renew', () => {
  test('keeps name and groups, new key and serial, same bundle dir; the old one stays valid', async () => {
    const dir = await tmp();
    await initPki({ dir, hosts: [] });
    const first = await issueClient({ dir, name: 'erin', groups: ['dev', 'build'] });
    const oldCert = await readFile(first.bundle.cert, 'utf8');
    const oldKey = await readFile(first.bundle.key, 'utf8');
    const { entry, previous, bundle } = await renewClient({ dir, name: 'erin', days: 30 });
    expect(previous.serial).toBe(first.entry.serial);
    expect(entry.serial).not.toBe(first.entry.serial);
    expect(entry.groups).toEqual(['dev', 'build']);
    expect(bundle.dir).toBe(first.bundle.dir);
    const newKey = await readFile(bundle.key, 'utf8');
    expect(newKey).not.toBe(oldKey);
    expect(verifyKeyMatchesCert(await readFile(bundle.cert, 'utf8'), newKey)).toBe(true);
    const subject = openssl('x509', '-in', bundle.cert, '-noout', '-subject', '-nameopt', 'oneline').stdout.trim();
    expect(subject).toBe('subject=CN = erin, OU = dev, OU = build');
    // The previous certificate still verifies: renew does not revoke it.
    const oldPath = join(dir, 'old.pem');
    await (await import('node:fs/promises')).writeFile(oldPath, oldCert);
    expect(verifyWithCrl(dir, oldPath).status).toBe(0);
    const index = await readIndex(join(dir, 'index.json'));
    expect(index.certs.filter((e) => e.name === 'erin')).toHaveLength(2);
    // Revoking the name now takes both away.
    const revoked = await revokeCert({ dir, nameOrSerial: 'erin' });
    expect(revoked.map((e) => e.serial).sort()).toEqual([first.entry.serial, entry.serial].sort());
    expect(verifyWithCrl(dir, oldPath).status).not.toBe(0);
    expect(verifyWithCrl(dir, bundle.cert).status).not.toBe(0);
  });

  test('renewing an unknown name is PKI_NOT_FOUND', async () => {
    const dir = await tmp();
    await initPki({ dir, hosts: [] });
    const err = await renewClient({ dir, name: 'ghost' }).catch((e: unknown) => e);
    expect((err as PkiError).code).toBe('PKI_NOT_FOUND');
  });
});

describe('rotateServer', () => {
  test('keeps the SANs, adds new hosts, changes the serial, and the new pair matches', async () => {
    const dir = await tmp();
    await initPki({ dir, hosts: ['gw.example.com', '10.0.0.5'], machineName: 'box' });
    const sanOf = () => openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-ext', 'subjectAltName').stdout;
    const serialOf = () => openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-serial').stdout;
    const before = { san: sanOf(), serial: serialOf() };
    const entry = await rotateServer({ dir, hosts: ['new.example.com'], machineName: 'box' });
    expect(serialOf()).not.toBe(before.serial);
    expect(serialOf().trim()).toBe(`serial=${entry.serial.toUpperCase()}`);
    expect(sanOf()).toContain(
      'DNS:localhost, DNS:box, DNS:gw.example.com, DNS:new.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.0.5',
    );
    expect(
      verifyKeyMatchesCert(await readFile(join(dir, 'server-cert.pem'), 'utf8'), await readFile(join(dir, 'server-key.pem'), 'utf8')),
    ).toBe(true);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'server-cert.pem')).status).toBe(0);
    const index = await readIndex(join(dir, 'index.json'));
    expect(index.certs.filter((e) => e.kind === 'server')).toHaveLength(2);
    expect(index.hosts).toEqual(['gw.example.com', '10.0.0.5', 'new.example.com']);
  });
});

describe('a CA made by openssl (a corporate sub-CA)', () => {
  test.each([
    ['RSA key in PKCS#1 form', ['-newkey', 'rsa:2048', '-traditional']],
    ['P-384 key in SEC1 form', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
  ])('%s: issue works without an index, and revoke writes a CRL openssl accepts', async (_label, keyArgs) => {
    const dir = await tmp();
    const req = openssl(
      'req', '-x509', ...keyArgs.filter((a) => a !== '-traditional'), '-nodes', '-keyout', join(dir, 'ca-key.pem'), '-out', join(dir, 'ca.pem'),
      '-subj', '/CN=Corp Sub CA/O=Corp', '-days', '30',
      '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    );
    expect(req.status).toBe(0);
    if (keyArgs.includes('-traditional')) {
      expect(openssl('rsa', '-in', join(dir, 'ca-key.pem'), '-traditional', '-out', join(dir, 'ca-key.pem')).status).toBe(0);
      expect(await readFile(join(dir, 'ca-key.pem'), 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    } else {
      expect(openssl('ec', '-in', join(dir, 'ca-key.pem'), '-out', join(dir, 'ca-key.pem')).status).toBe(0);
      expect(await readFile(join(dir, 'ca-key.pem'), 'utf8')).toContain('BEGIN EC PRIVATE KEY');
    }
    const { bundle, entry } = await issueClient({ dir, name: 'frank', groups: ['corp'] });
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', bundle.cert).status).toBe(0);
    // Validity is capped at the CA's 30 days.
    expect(Date.parse(entry.notAfter)).toBeLessThanOrEqual(Date.now() + 31 * 86400_000);
    await revokeCert({ dir, nameOrSerial: 'frank' });
    expect(openssl('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout').stderr).toContain('verify OK');
    expect(verifyWithCrl(dir, bundle.cert).status).not.toBe(0);
  });

  test('a key that does not belong to ca.pem is refused before signing anything', async () => {
    const dir = await tmp();
    await initPki({ dir, hosts: [] });
    const other = await tmp();
    await initPki({ dir: other, hosts: [] });
    await (await import('node:fs/promises')).copyFile(join(other, 'ca-key.pem'), join(dir, 'ca-key.pem'));
    const err = await issueClient({ dir, name: 'gina' }).catch((e: unknown) => e);
    expect((err as PkiError).code).toBe('PKI_BAD_KEY');
  });
});

describe('concurrent commands', () => {
  test('parallel issues and a revoke all land in the index (index.lock serialises them)', async () => {
    const dir = await tmp();
    await initPki({ dir, hosts: [] });
    const names = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    await Promise.all(names.map((name) => issueClient({ dir, name })));
    await Promise.all([revokeCert({ dir, nameOrSerial: 'u1' }), issueClient({ dir, name: 'u7' }), revokeCert({ dir, nameOrSerial: 'u2' })]);
    const index = await readIndex(join(dir, 'index.json'));
    expect(index.certs.filter((e) => e.kind === 'client').map((e) => e.name).sort()).toEqual([...names, 'u7']);
    expect(index.certs.filter((e) => e.revoked).map((e) => e.name).sort()).toEqual(['u1', 'u2']);
    expect(index.crlNumber).toBe(3);
    expect(await readdir(dir)).not.toContain('index.lock');
  });
});
