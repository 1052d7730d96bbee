import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateNameKeys, identityFromCertificate, IdentityError, parseSubjectAltName } from '../../../src/identity/identity.js';
import { createCa } from '../../../src/pki/ca.js';
import { issueLeaf } from '../../../src/pki/leaf-certificate.js';

const dir = mkdtempSync('/tmp/dgt-identity-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Make a certificate with openssl (signed by a throwaway CA) and return its DER bytes. */
function makeCert(name: string, subject: string, ext: string): Buffer {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const crt = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', subject, '-out', csr], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', '2', '-extfile', extFile, '-out', crt], { stdio: 'ignore' });
  return new X509Certificate(readFileSync(crt)).raw;
}

beforeAll(() => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca.key'), '-subj', '/CN=test-ca', '-days', '2', '-out', join(dir, 'ca.pem')], { stdio: 'ignore' });
});

describe('identityFromCertificate', () => {
  it('takes the CN, OU groups in order, O values and SANs', () => {
    const der = makeCert('alice', '/O=Acme/OU=developers/OU=team-a/CN=alice', 'extendedKeyUsage=clientAuth\nsubjectAltName=email:alice@example.com,DNS:alice.example.com,URI:spiffe://acme/alice\n');
    const id = identityFromCertificate(der);
    expect(id.name).toBe('alice');
    expect(id.groups).toEqual(['developers', 'team-a']);
    expect(id.organizations).toEqual(['Acme']);
    expect(id.sans).toEqual({ dns: ['alice.example.com'], ip: [], email: ['alice@example.com'], uri: ['spiffe://acme/alice'] });
    expect(id.fingerprint).toBe(new X509Certificate(der).fingerprint256.replace(/:/g, '').toLowerCase());
    expect(id.serial).toBe(new X509Certificate(der).serialNumber.toLowerCase());
    expect(id.notAfter.getTime()).toBe(new Date(new X509Certificate(der).validTo).getTime());
  });

  it.each([
    ['a CN', '/OU=web/CN=abcd'],
    ['an OU beside a good CN', '/OU=abcd/CN=alice'],
  ])('refuses, in words, a subject with %s whose value is a SEQUENCE (Node reads no subject then)', (_what, subject) => {
    // OpenSSL accepts a SEQUENCE where a DirectoryString goes; Node's parsed certificate then has
    // no subject, and reading its CN threw a TypeError, logged as the refusal's detail
    // (rev-identity F2). The UTF8String "abcd" becomes SEQUENCE { UTF8String "ab" }: same length,
    // so the DER stays well-formed (its signature no longer verifies, which is not read here).
    const der = Buffer.from(makeCert(`seq-${subject.length}`, subject, 'extendedKeyUsage=clientAuth\n'));
    const at = der.lastIndexOf(Buffer.from('0c0461626364', 'hex'));
    expect(at).toBeGreaterThan(0);
    Buffer.from('30040c026162', 'hex').copy(der, at);
    expect(() => identityFromCertificate(der)).toThrow(new IdentityError('certificate subject has an attribute whose value is not a string (Node cannot read the name): it cannot name a caller'));
  });

  it('accepts a certificate without extendedKeyUsage (OpenSSL treats it as any purpose)', () => {
    expect(identityFromCertificate(makeCert('plain', '/CN=plain', 'basicConstraints=CA:FALSE\n')).name).toBe('plain');
  });

  // `users:` matches the subject CN; a SAN must never stand in for it, and with several CNs
  // OpenSSL and Go disagree on the name (first vs last).
  it.each([
    ['no CN, SAN DNS:admin', 'nocn-dns', '/OU=dev', 'subjectAltName=DNS:admin\n', 'certificate subject has no CN to name the caller'],
    ['no CN, SAN email', 'nocn-email', '/O=Acme', 'subjectAltName=email:bob@example.com\n', 'certificate subject has no CN to name the caller'],
    ['no CN, SAN URI', 'nocn-uri', '/O=Acme', 'subjectAltName=URI:spiffe://acme/admin\n', 'certificate subject has no CN to name the caller'],
    ['no CN and no SAN', 'nocn-nosan', '/OU=dev', '', 'certificate subject has no CN to name the caller'],
    ['two CNs', 'twocn', '/CN=admin/CN=alice', '', 'certificate subject has 2 CNs; exactly one must name the caller'],
    ['two CNs in one multi-valued RDN', 'twocn-rdn', '/CN=admin+CN=alice', '', 'certificate subject has 2 CNs; exactly one must name the caller'],
  ])('refuses a certificate with %s', (_label, file, subject, ext, message) => {
    const der = makeCert(file, subject, `extendedKeyUsage=clientAuth\n${ext}`);
    expect(() => identityFromCertificate(der)).toThrow(new IdentityError(message));
  });

  // docs/certificates.md: a CA certificate is refused as a client certificate. OpenSSL's
  // TLS-client purpose check does not look at CA:TRUE, so one whose keyUsage has
  // digitalSignature (many corporate issuing CAs) passed the handshake, and its CN named a caller.
  it.each([
    ['CA:TRUE with digitalSignature, no EKU', 'ca-ds', 'basicConstraints=critical,CA:TRUE\nkeyUsage=digitalSignature,keyCertSign,cRLSign\n', 'refuse'],
    ['CA:TRUE with digitalSignature and EKU clientAuth', 'ca-ds-eku', 'basicConstraints=critical,CA:TRUE\nkeyUsage=digitalSignature,keyCertSign,cRLSign\nextendedKeyUsage=clientAuth\n', 'refuse'],
    ['CA:TRUE, not critical, no keyUsage', 'ca-plain', 'basicConstraints=CA:TRUE\n', 'refuse'],
    ['CA:FALSE', 'ca-false', 'basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature\n', 'accept'],
    ['no basicConstraints', 'no-bc', 'keyUsage=digitalSignature\n', 'accept'],
  ])('a certificate with %s: %s', (_label, file, ext, want) => {
    const der = makeCert(file, `/CN=${file}`, ext);
    if (want === 'accept') expect(identityFromCertificate(der).name).toBe(file);
    else expect(() => identityFromCertificate(der)).toThrow(new IdentityError('certificate is a CA certificate (basicConstraints CA:TRUE): a CA certificate does not name a caller; issue a client certificate (CA:FALSE) instead'));
  });

  it('refuses an empty CN', async () => {
    const root = await createCa({ keyType: 'ecdsa', days: 2, now: new Date(), hostname: 'test' });
    const leaf = await issueLeaf(root, { kind: 'client', subject: [{ CN: [''] }, { OU: ['dev'] }], keyType: 'ecdsa', days: 1, now: new Date() });
    expect(() => identityFromCertificate(new X509Certificate(leaf.certPem).raw)).toThrow(new IdentityError('certificate subject CN is empty'));
  });

  it('with one CN, the SANs are kept for `sans:` selectors and do not change the name', () => {
    const id = identityFromCertificate(makeCert('cn-and-san', '/OU=dev/CN=bob', 'extendedKeyUsage=clientAuth\nsubjectAltName=DNS:admin,email:admin@example.com\n'));
    expect([id.name, id.sans.dns, id.sans.email]).toEqual(['bob', ['admin'], ['admin@example.com']]);
  });

  // Node quotes these SANs (`DNS:"a\u002c DNS:admin"`, `DNS:"bc\\"`); the trailing backslash
  // used to end the parse with a JSON SyntaxError, refusing the certificate.
  it('reads SANs holding a separator or a trailing backslash, and IPv6 addresses, as Node prints them', () => {
    const ext = 'extendedKeyUsage=clientAuth\nsubjectAltName=@alt\n[alt]\nDNS.1 = a, DNS:admin\nDNS.2 = bc\\\\\nDNS.3 = ok\nIP.1 = fe80::1\nURI.1 = spiffe://x/y\n';
    const id = identityFromCertificate(makeCert('quoted-sans', '/CN=svc', ext));
    expect(id.sans).toEqual({ dns: ['a, DNS:admin', 'bc\\', 'ok'], ip: ['FE80:0:0:0:0:0:0:1'], email: [], uri: ['spiffe://x/y'] });
  });

  it('refuses a certificate whose extendedKeyUsage excludes clientAuth', () => {
    expect(() => identityFromCertificate(makeCert('server', '/CN=server', 'extendedKeyUsage=serverAuth\n'))).toThrow(IdentityError);
    // As OpenSSL's TLS client purpose check (which refuses it at the handshake) reads it.
    expect(() => identityFromCertificate(makeCert('any-eku', '/CN=any', 'extendedKeyUsage=anyExtendedKeyUsage\n'))).toThrow(IdentityError);
  });

  it('keeps hostile characters in the name as data (they are escaped at output)', () => {
    const id = identityFromCertificate(makeCert('odd', '/CN=eve, admin/OU=a\\+b', 'extendedKeyUsage=clientAuth\n'));
    expect(id.name).toBe('eve, admin');
    expect(id.groups).toEqual(['a+b']);
  });
});

describe('parseSubjectAltName', () => {
  it.each([
    [undefined, { dns: [], ip: [], email: [], uri: [] }],
    ['DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1', { dns: ['localhost'], ip: ['127.0.0.1', '0:0:0:0:0:0:0:1'], email: [], uri: [] }],
    ['email:a@b.c, URI:spiffe://x/y', { dns: [], ip: [], email: ['a@b.c'], uri: ['spiffe://x/y'] }],
    // Node quotes a value that holds a separator; the quote must not end the value early.
    ['DNS:"evil, DNS:admin", DNS:ok', { dns: ['evil, DNS:admin', 'ok'], ip: [], email: [], uri: [] }],
    ['email:"a\\"b, c"', { dns: [], ip: [], email: ['a"b, c'], uri: [] }],
    // Node escapes a backslash as \\; a value ending in one used to throw a SyntaxError.
    ['DNS:"x\\\\", DNS:"a, b", URI:spiffe://example.org/ci', { dns: ['x\\', 'a, b'], ip: [], email: [], uri: ['spiffe://example.org/ci'] }],
    ['DNS:"x\\\\"', { dns: ['x\\'], ip: [], email: [], uri: [] }],
    ['DNS:"\\\\\\\\", DNS:ok', { dns: ['\\\\', 'ok'], ip: [], email: [], uri: [] }],
    // An escaped backslash before an escaped quote: the quote is data, the value goes on.
    ['DNS:"a\\\\\\", DNS:admin", DNS:ok', { dns: ['a\\", DNS:admin', 'ok'], ip: [], email: [], uri: [] }],
    // A hostile value that spells the separator and another SAN stays one value.
    ['DNS:"evil\\u002c DNS:admin", URI:"spiffe://x/\\\\"', { dns: ['evil, DNS:admin'], ip: [], email: [], uri: ['spiffe://x/\\'] }],
    ['URI:"a\\u0000b"', { dns: [], ip: [], email: [], uri: ['a\u0000b'] }],
    // Other kinds, quoted or not, are skipped whole.
    ['DirName:"CN=x\\u002c O=y", othername:"1.2.3:z\\\\", DNS:ok', { dns: ['ok'], ip: [], email: [], uri: [] }],
    ['IP Address:FE80:0:0:0:0:0:0:1', { dns: [], ip: ['FE80:0:0:0:0:0:0:1'], email: [], uri: [] }],
    // A plain value before a quoted one: only a value that starts with a quote is quoted.
    ['DNS:ok, DNS:"a, b"', { dns: ['ok', 'a, b'], ip: [], email: [], uri: [] }],
    ['URI:spiffe://x/y, email:"a, b@c", DNS:z', { dns: ['z'], ip: [], email: ['a, b@c'], uri: ['spiffe://x/y'] }],
  ])('%s', (text, want) => {
    expect(parseSubjectAltName(text)).toEqual(want);
  });

  // Text Node never writes: refuse the certificate with a reason, never a JSON SyntaxError.
  it.each([
    'DNS:"unterminated',
    'DNS:"x\\"',
    'DNS:"a"b, DNS:c',
    'DNS:"bad \\x escape"',
    'DNS:"a", DNS:"b\\\\\\"',
  ])('%s is refused', (text) => {
    expect(() => parseSubjectAltName(text)).toThrow(IdentityError);
    expect(() => parseSubjectAltName(text)).toThrow(/^certificate subjectAltName has a malformed DNS value$/);
  });
});

describe('certificateNameKeys', () => {
  it('a certificate the DER reader refuses (BER lengths OpenSSL accepts) gets keys from the parsed names, so it is not refused for that', () => {
    expect(certificateNameKeys({ raw: Buffer.from('3081', 'hex'), subject: { CN: 'alice' }, issuer: { CN: 'CA', O: 'x' } })).toEqual({ subjectKey: 'node:CN=alice', issuerKey: 'node:CN=CA, O=x' });
  });
});
