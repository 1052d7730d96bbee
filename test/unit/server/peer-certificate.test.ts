/**
 * What a refused handshake's log line says of the client certificate (rev-pki F6): its CN,
 * serial, issuer and fingerprint as the audit record has them, and whether its chain goes
 * through a certificate that is no CA (Node's UNSPECIFIED). Node's parsed objects are made from
 * real certificates where it matters (toLegacyObject), by hand for the chain shapes.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCa } from '../../../src/pki/ca.js';
import { issueLeaf } from '../../../src/pki/leaf-certificate.js';
import { classifyVerifyError } from '../../../src/server/handshake-failure.js';
import { chainProblem, refusedCertificate } from '../../../src/server/peer-certificate.js';
import { certificateField } from '../../../src/observe/observer.js';

describe('refusedCertificate', async () => {
  const now = new Date();
  const ca = await createCa({ keyType: 'ecdsa', days: 30, now, hostname: 'peer-test' });
  const leaf = await issueLeaf(ca, { kind: 'client', subject: [{ CN: ['bob'] }, { OU: ['dev'] }], keyType: 'ecdsa', days: 30, now });
  const x509 = new X509Certificate(leaf.certPem);

  it('names a certificate as the audit record names an identity', () => {
    expect(refusedCertificate(x509.toLegacyObject())).toEqual({
      cn: 'bob',
      serial: x509.serialNumber.toLowerCase(),
      issuer: x509.issuer.split('\n').join(', '),
      fingerprint: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    });
  });

  it.each([
    ['no certificate (Node gives an empty object)', {}, undefined],
    ['null', null, undefined],
    ['a certificate without CN', { subject: { O: 'x' }, issuer: { CN: 'ca' }, serialNumber: '0A', fingerprint256: 'AB:CD' }, { serial: '0a', issuer: 'CN=ca', fingerprint: 'abcd' }],
    ['two CNs: the first', { subject: { CN: ['a', 'b'] }, issuer: { CN: 'ca', O: ['x', 'y'] }, serialNumber: '01', fingerprint256: 'EF' }, { cn: 'a', serial: '01', issuer: 'CN=ca, O=x, O=y', fingerprint: 'ef' }],
  ])('%s', (_label, cert, want) => {
    expect(refusedCertificate(cert as never)).toEqual(want);
  });

  it('the log line cuts what the client wrote as the audit record does', () => {
    const long = 'x'.repeat(300);
    const field = certificateField({ cn: long, serial: 'f'.repeat(100), issuer: `CN=${long}`, fingerprint: 'ab' });
    expect(field.certificate?.cn).toBe(`${'x'.repeat(256)}...[truncated 44 chars]`);
    expect(field.certificate?.serial).toBe(`${'f'.repeat(64)}...[truncated 36 chars]`);
    expect(field.certificate?.issuer.startsWith(`CN=${'x'.repeat(253)}...[truncated`)).toBe(true);
    expect(certificateField(undefined)).toEqual({});
  });
});

describe('chainProblem and the UNSPECIFIED verify code', () => {
  type Parsed = { subject: Record<string, string>; issuer: Record<string, string>; serialNumber: string; fingerprint256: string; ca: boolean; issuerCertificate?: Parsed };
  const cert = (cn: string, issuer: string, ca: boolean, issuerCertificate?: Parsed): Parsed => ({ subject: { CN: cn }, issuer: { CN: issuer }, serialNumber: `${cn.length}A`, fingerprint256: `F${cn.length}`, ca, issuerCertificate });
  const root = cert('root', 'root', true);
  root.issuerCertificate = root;
  const selfSigned = cert('admin', 'admin', false);
  selfSigned.issuerCertificate = selfSigned;

  it.each([
    // A leaf signed with alice's client key: OpenSSL does not take alice (no keyCertSign) as its issuer, so Node's chain stops at the leaf.
    ['a leaf whose issuer Node could not find (signed with a client key)', cert('admin', 'alice', false), 'its issuer "CN=alice" is no CA of tls.ca, and no certificate the client sent can have issued it'],
    ['a chain through a certificate with keyCertSign but no CA:TRUE', cert('admin', 'alice', false, cert('alice', 'root', false, root)), 'its chain goes through "alice" (serial 5a, issuer "CN=root"), which is not a CA certificate (no basicConstraints CA:TRUE)'],
    ['a leaf of a CA of tls.ca', cert('bob', 'root', false, root), undefined],
    ['a leaf of an intermediate the client sent', cert('bob', 'team', false, cert('team', 'root', true, root)), undefined],
    ['a self-signed leaf (its own issuer)', selfSigned, undefined],
    ['no certificate', undefined, undefined],
  ])('%s', (_label, peer, want) => {
    const got = chainProblem(peer as never);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(want);
  });

  it.each([
    ['docker' as const, 'its issuer "CN=alice" is no CA of tls.ca, and no certificate the client sent can have issued it (one lacking basicConstraints CA:TRUE or keyUsage keyCertSign, such as a client certificate)'],
    ['admin' as const, 'its issuer "CN=alice" is no CA of admin.tls.ca, and no certificate the scraper sent can have issued it (one lacking basicConstraints CA:TRUE or keyUsage keyCertSign, such as a client certificate)'],
  ])('names the %s listener\'s CA bundle and peers', (listener, want) => {
    expect(chainProblem(cert('admin', 'alice', false) as never, listener)).toBe(want);
  });

  it.each([
    ['UNSPECIFIED', 'a problem', 'unknown-ca'],
    ['INVALID_CA', 'a problem', 'unknown-ca'],
    ['UNABLE_TO_GET_CRL', 'a problem', 'unknown-ca'],
    ['UNSPECIFIED', undefined, 'other'],
    ['CERT_REVOKED', 'a problem', 'revoked'],
    ['CERT_HAS_EXPIRED', 'a problem', 'expired'],
  ] as const)('classifyVerifyError(%s) with chain problem %s -> %s', (code, problem, reason) => {
    const out = classifyVerifyError(code, false, problem);
    expect(out.reason).toBe(reason);
    if (reason === 'unknown-ca' && problem) expect(out.detail).toBe(`client certificate not verified: ${code} (${problem})`);
  });
});
