import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCertsCommand } from '../../../src/pki/cli.js';
import { parseCrl } from '../../../src/server/crl.js';
import { casWithoutCrl, crlGaps } from '../../../src/server/crl-gaps.js';
import { normalizeSerialHex } from '../../../src/server/crl-serial.js';
import { derChildren, parseDer, readBitStringBytes, readIntegerHex, readNull, readOid, readSignedIntegerHex, readSmallInteger, readTime, type DerElement } from '../../../src/server/der.js';
import { captureIo } from '../pki/helpers.js';

const FILE = '/x/crl.pem';
const dir = mkdtempSync(join(tmpdir(), 'dgt-crl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ossl(args: string[], env: Record<string, string> = {}): string {
  return execFileSync('openssl', args, { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// `openssl ca -gencrl` with a per-CRL index (revoked entries) and CRL number; the CRL carries
// extensions (authorityKeyIdentifier, crlNumber) so the [0] crlExtensions field is read too.
writeFileSync(
  join(dir, 'ca.cnf'),
  ['[ ca ]', 'default_ca = d', '[ d ]', 'database = $ENV::CRL_DB', 'crlnumber = $ENV::CRL_NUM', 'crl_extensions = crl_ext', '[ crl_ext ]', 'authorityKeyIdentifier = keyid:always', ''].join('\n'),
);
// string_mask=default: PrintableString where possible (openssl's own default config says UTF8String).
writeFileSync(join(dir, 'printable.cnf'), ['[ req ]', 'distinguished_name = dn', 'string_mask = default', '[ dn ]', ''].join('\n'));

const KEYS = {
  p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa: ['-newkey', 'rsa:2048'],
  ed25519: ['-newkey', 'ed25519'],
} as const;

interface Ca {
  pem: string;
  cert: string;
  key: string;
}

let counter = 0;

/** A CA certificate made by openssl: a new key of `keyArgs`, or the key of `reuse`. */
function makeCa(subject: string, key: readonly string[] | { reuse: Ca }, opts: { issuer?: Ca; config?: string } = {}): Ca {
  const name = `ca${++counter}`;
  const keyFile = 'reuse' in key ? key.reuse.key : `${name}.key`;
  const keyArgs = 'reuse' in key ? ['-key', keyFile] : [...key, '-nodes', '-keyout', keyFile];
  ossl([
    'req', '-x509', ...(opts.config ? ['-config', opts.config] : []), ...keyArgs, '-out', `${name}.pem`, '-subj', subject, '-days', '30',
    '-addext', 'basicConstraints=critical,CA:true', ...(opts.issuer ? ['-CA', opts.issuer.cert, '-CAkey', opts.issuer.key] : []),
  ]);
  return { pem: readFileSync(join(dir, `${name}.pem`), 'utf8'), cert: `${name}.pem`, key: keyFile };
}

interface Crl {
  pem: string;
  path: string;
}

/** A CRL signed by `ca` revoking `serials` (hex, as in openssl's index.txt). */
function makeCrl(ca: Ca, serials: readonly string[], opts: { md?: string; days?: number; sigopt?: string[] } = {}): Crl {
  const name = `crl${++counter}`;
  // Every other entry carries a reason code, i.e. crlEntryExtensions.
  writeFileSync(join(dir, `${name}.idx`), serials.map((s, i) => `R\t300101000000Z\t240101000000Z${i % 2 ? ',keyCompromise' : ''}\t${s}\tunknown\t/CN=c${i}\n`).join(''));
  writeFileSync(join(dir, `${name}.num`), '1000\n');
  ossl(
    ['ca', '-config', 'ca.cnf', '-gencrl', '-cert', ca.cert, '-keyfile', ca.key, '-md', opts.md ?? 'sha256', '-crldays', String(opts.days ?? 7), ...(opts.sigopt ?? []), '-out', `${name}.pem`],
    { CRL_DB: `${name}.idx`, CRL_NUM: `${name}.num` },
  );
  return { pem: readFileSync(join(dir, `${name}.pem`), 'utf8'), path: `${name}.pem` };
}

/** What openssl itself reads in a CRL, to hold the parser to. */
function opensslView(crl: Crl): { text: string; serials: string[]; thisUpdate: Date; nextUpdate: Date; crlNumber?: bigint } {
  const text = ossl(['crl', '-noout', '-text', '-in', crl.path]);
  const serials = [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => (m[1] as string).toLowerCase().replace(/^0+/, '')).sort();
  const thisUpdate = new Date(ossl(['crl', '-noout', '-lastupdate', '-in', crl.path]).trim().replace(/^lastUpdate=/, ''));
  const nextUpdate = new Date(ossl(['crl', '-noout', '-nextupdate', '-in', crl.path]).trim().replace(/^nextUpdate=/, ''));
  // openssl prints a small CRL Number in decimal.
  const number = /X509v3 CRL Number: *\n *(\d+)\n/.exec(text)?.[1];
  return { text, serials, thisUpdate, nextUpdate, ...(number === undefined ? {} : { crlNumber: BigInt(number) }) };
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function pemOf(der: Buffer): string {
  return `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END X509 CRL-----\n`;
}

/** `der` with the first occurrence of `find` (searched from the end when `last`) replaced by `replace`. */
function patched(der: Buffer, find: number[], replace: number[], last = false): Buffer {
  const at = last ? der.lastIndexOf(Buffer.from(find)) : der.indexOf(Buffer.from(find));
  expect(at).toBeGreaterThan(0);
  const out = Buffer.from(der);
  Buffer.from(replace).copy(out, at);
  return out;
}

// Serials as openssl's index holds them: a leading zero, top bits set (DER prefixes 00), a long one.
const SERIALS = ['0A1B', 'FF', '80', 'C0FFEE0123456789ABCDEF00112233445566'];
const EXPECTED_SERIALS = ['80', 'a1b', 'c0ffee0123456789abcdef00112233445566', 'ff'];

const cas: Partial<Record<keyof typeof KEYS, Ca>> = {};
function caFor(key: keyof typeof KEYS): Ca {
  return (cas[key] ??= makeCa(`/CN=${key} CA/O=Example`, KEYS[key]));
}

describe('parseCrl with CRLs made by openssl', () => {
  it.each([
    { key: 'p256', md: 'sha256', algorithm: 'ecdsa-with-SHA256' },
    { key: 'p384', md: 'sha384', algorithm: 'ecdsa-with-SHA384' },
    { key: 'p256', md: 'sha512', algorithm: 'ecdsa-with-SHA512' },
    { key: 'rsa', md: 'sha256', algorithm: 'sha256WithRSAEncryption' },
    { key: 'rsa', md: 'sha384', algorithm: 'sha384WithRSAEncryption' },
    { key: 'rsa', md: 'sha512', algorithm: 'sha512WithRSAEncryption' },
    { key: 'ed25519', md: 'default', algorithm: 'ED25519' },
  ] as const)('$algorithm ($key CA): the revoked serials and nextUpdate openssl reads', async ({ key, md, algorithm }) => {
    const ca = caFor(key);
    const crl = makeCrl(ca, SERIALS, { md });
    const view = opensslView(crl);
    expect(view.text).toContain(`Signature Algorithm: ${algorithm}`);
    expect(view.serials).toEqual(EXPECTED_SERIALS);
    const parsed = await parseCrl(crl.pem, [ca.pem], FILE);
    expect([...parsed.serials].sort()).toEqual(EXPECTED_SERIALS);
    // openssl ca wrote CRL number 1000 (hex) from the crlnumber file; openssl prints it in decimal.
    expect(view.text).toMatch(/X509v3 CRL Number: *\n *4096\n/);
    expect(parsed.crls).toEqual([{ issuer: `CN=${key} CA, O=Example`, ca: expect.any(String), tbsHash: expect.stringMatching(/^[0-9a-f]{64}$/), block: expect.stringMatching(/^-----BEGIN X509 CRL-----[^]+-----END X509 CRL-----$/), thisUpdate: view.thisUpdate, nextUpdate: view.nextUpdate, crlNumber: 4096n }]);
  });

  it('tbsHash: the same CRL read again (even wrapped otherwise) has the same, another CRL of the CA (same number, same revocations) another', async () => {
    const ca = caFor('p256');
    const crl = makeCrl(ca, ['01']);
    const [first] = (await parseCrl(crl.pem, [ca.pem], FILE)).crls;
    const rewrapped = pemOf(derOf(crl.pem)).replace(/\n(?!-)/g, '\n\n');
    expect((await parseCrl(rewrapped, [ca.pem], FILE)).crls[0]?.tbsHash).toBe(first?.tbsHash);
    // makeCrl writes CRL Number 1000 each time; a second later thisUpdate differs.
    await new Promise((r) => setTimeout(r, 1100));
    const again = makeCrl(ca, ['01']);
    const [second] = (await parseCrl(again.pem, [ca.pem], FILE)).crls;
    expect(second?.crlNumber).toBe(first?.crlNumber);
    expect(second?.tbsHash).not.toBe(first?.tbsHash);
  });

  it('a serial with the top bit set is encoded with a 00 octet, which the normalisation drops', async () => {
    const ca = caFor('p256');
    const crl = makeCrl(ca, ['FF']);
    expect(derOf(crl.pem).includes(Buffer.from([0x02, 0x02, 0x00, 0xff]))).toBe(true);
    expect([...(await parseCrl(crl.pem, [ca.pem], FILE)).serials]).toEqual(['ff']);
  });

  it('an empty CRL (no revokedCertificates field) has no serials, and its nextUpdate', async () => {
    const ca = caFor('rsa');
    const crl = makeCrl(ca, [], { days: 3 });
    expect(opensslView(crl).text).toContain('No Revoked Certificates.');
    const parsed = await parseCrl(crl.pem, [ca.pem], FILE);
    expect(parsed.serials.size).toBe(0);
    expect(parsed.crls).toEqual([{ issuer: 'CN=rsa CA, O=Example', ca: expect.any(String), tbsHash: expect.stringMatching(/^[0-9a-f]{64}$/), block: expect.stringMatching(/^-----BEGIN X509 CRL-----[^]+-----END X509 CRL-----$/), thisUpdate: opensslView(crl).thisUpdate, nextUpdate: opensslView(crl).nextUpdate, crlNumber: opensslView(crl).crlNumber }]);
  });

  it('a nextUpdate after 2049 is a GeneralizedTime and read as such', async () => {
    const ca = caFor('p256');
    const crl = makeCrl(ca, ['01'], { days: 10_000 });
    const nextUpdate = opensslView(crl).nextUpdate;
    expect(nextUpdate.getUTCFullYear()).toBeGreaterThan(2049);
    const hhmmss = nextUpdate.toISOString().replace(/\D/g, '').slice(0, 14);
    expect(derOf(crl.pem).includes(Buffer.from(`\x18\x0f${hhmmss}Z`, 'latin1'))).toBe(true);
    expect((await parseCrl(crl.pem, [ca.pem], FILE)).crls[0]?.nextUpdate).toEqual(nextUpdate);
  });

  it('the certs tooling: the serial `certs revoke` revoked is in the CRL it wrote', async () => {
    const d = join(dir, 'pki');
    const run = async (...argv: string[]) => {
      const io = captureIo();
      expect(await runCertsCommand(argv, io.io), io.err()).toBe(0);
    };
    await run('init', '--dir', d, '--host', '127.0.0.1');
    await run('issue', 'alice', '--dir', d);
    await run('issue', 'bob', '--dir', d);
    await run('revoke', 'alice', '--dir', d);
    const serial = ossl(['x509', '-noout', '-serial', '-in', join(d, 'clients', 'alice', 'cert.pem')]).trim().replace(/^serial=/, '').toLowerCase().replace(/^0+/, '');
    const crl: Crl = { pem: readFileSync(join(d, 'crl.pem'), 'utf8'), path: join(d, 'crl.pem') };
    expect(opensslView(crl).serials).toEqual([serial]);
    const caPem = readFileSync(join(d, 'ca.pem'), 'utf8');
    const parsed = await parseCrl(crl.pem, [caPem], FILE);
    expect([...parsed.serials]).toEqual([serial]);
    expect(parsed.crls).toEqual([{ issuer: ossl(['x509', '-noout', '-subject', '-nameopt', 'sep_comma_plus_space', '-in', join(d, 'ca.pem')]).trim().replace(/^subject=/, ''), ca: expect.any(String), tbsHash: expect.stringMatching(/^[0-9a-f]{64}$/), block: expect.stringMatching(/^-----BEGIN X509 CRL-----[^]+-----END X509 CRL-----$/), thisUpdate: opensslView(crl).thisUpdate, nextUpdate: opensslView(crl).nextUpdate, crlNumber: opensslView(crl).crlNumber }]);
    expect(casWithoutCrl([caPem], parsed.crls)).toEqual([]);
  });

  describe('root + intermediate', () => {
    const root = makeCa('/CN=Root CA/O=Example', KEYS.p256);
    const int = makeCa('/CN=Team CA/O=Example', KEYS.rsa, { issuer: root });
    const bundle = [int.pem, root.pem];

    it('the intermediate is issued by the root', () => {
      expect(ossl(['x509', '-noout', '-issuer', '-in', int.cert]).trim()).toBe('issuer=CN = Root CA, O = Example');
    });

    it('two CRL blocks in one file: serials of both, both issuers, no CA uncovered', async () => {
      const intCrl = makeCrl(int, ['1001', '1002']);
      const rootCrl = makeCrl(root, ['02'], { days: 30 });
      const parsed = await parseCrl(intCrl.pem + rootCrl.pem, bundle, FILE);
      expect([...parsed.serials].sort()).toEqual(['1001', '1002', '2']);
      expect(parsed.crls).toEqual([
        { issuer: 'CN=Team CA, O=Example', ca: expect.any(String), tbsHash: expect.stringMatching(/^[0-9a-f]{64}$/), block: expect.stringMatching(/^-----BEGIN X509 CRL-----[^]+-----END X509 CRL-----$/), thisUpdate: opensslView(intCrl).thisUpdate, nextUpdate: opensslView(intCrl).nextUpdate, crlNumber: 4096n },
        { issuer: 'CN=Root CA, O=Example', ca: expect.any(String), tbsHash: expect.stringMatching(/^[0-9a-f]{64}$/), block: expect.stringMatching(/^-----BEGIN X509 CRL-----[^]+-----END X509 CRL-----$/), thisUpdate: opensslView(rootCrl).thisUpdate, nextUpdate: opensslView(rootCrl).nextUpdate, crlNumber: 4096n },
      ]);
      expect(casWithoutCrl(bundle, parsed.crls)).toEqual([]);
    });

    it('only the intermediate CRL: casWithoutCrl lists exactly the root', async () => {
      const parsed = await parseCrl(makeCrl(int, []).pem, bundle, FILE);
      expect(casWithoutCrl(bundle, parsed.crls)).toEqual(['CN=Root CA, O=Example']);
      // The root's name is its own: the gap does not say another CA shares it.
      expect(crlGaps(bundle, parsed.crls)).toEqual([{ subject: 'CN=Root CA, O=Example', index: 1, sharedName: false, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
      expect(casWithoutCrl(bundle, [])).toEqual(['CN=Team CA, O=Example', 'CN=Root CA, O=Example']);
    });
  });

  describe('issuer names', () => {
    const printable = makeCa('/CN=Canon CA/O=Example', KEYS.p256, { config: 'printable.cnf' });
    const respelled = makeCa('/CN=  canon   ca /O=EXAMPLE', { reuse: printable });

    it('the fixtures differ in string type, case and spacing', () => {
      const show = (ca: Ca) => ossl(['x509', '-noout', '-subject', '-nameopt', 'show_type,sep_comma_plus', '-in', ca.cert]).trim();
      expect(show(printable)).toBe('subject=CN=PRINTABLESTRING:Canon CA,O=PRINTABLESTRING:Example');
      expect(show(respelled)).toBe('subject=CN=UTF8STRING:  canon   ca ,O=UTF8STRING:EXAMPLE');
    });

    it('a CRL whose issuer matches a CA only after canonicalisation is accepted, named as that CA', async () => {
      const crl = makeCrl(respelled, ['0B']);
      const parsed = await parseCrl(crl.pem, [printable.pem], FILE);
      expect([...parsed.serials]).toEqual(['b']);
      expect(parsed.crls.map((c) => c.issuer)).toEqual(['CN=Canon CA, O=Example']);
      expect(casWithoutCrl([printable.pem], parsed.crls)).toEqual([]);
    });

    it('canonicalisation does not ignore other differences', async () => {
      const other = makeCa('/CN=Canon CB/O=Example', { reuse: printable });
      await expect(parseCrl(makeCrl(other, []).pem, [printable.pem], FILE)).rejects.toThrow(`${FILE}: CRL issuer "CN=Canon CB, O=Example" is not one of the trusted CAs`);
      const extra = makeCa('/CN=Canon CA/O=Example/OU=x', { reuse: printable });
      await expect(parseCrl(makeCrl(extra, []).pem, [printable.pem], FILE)).rejects.toThrow('is not one of the trusted CAs');
    });

    it('formatting: short names, multi-valued RDNs, escaping, other attribute types as OIDs', () => {
      const ca = makeCa('/CN=Multi, Inc.+OU=Ops/DC=example/emailAddress=ca@example.com/serialNumber=42/title=boss/L= #lead;trail /ST=S/C=DE', { reuse: printable });
      // openssl writes the SET of the multi-valued RDN in DER order: OU before CN here.
      expect(casWithoutCrl([ca.pem], [])).toEqual(['OU=Ops+CN=Multi\\, Inc., DC=example, emailAddress=ca@example.com, serialNumber=42, 2.5.4.12=boss, L=\\ #lead\\;trail\\ , ST=S, C=DE']);
    });
  });

  describe('refusals', () => {
    it('a CRL with the trusted issuer name signed by another key: does not verify', async () => {
      const trusted = caFor('p256');
      const impostor = makeCa('/CN=p256 CA/O=Example', KEYS.p256);
      const crl = makeCrl(impostor, ['0A1B']);
      await expect(parseCrl(crl.pem, [trusted.pem], FILE)).rejects.toThrow(`${FILE}: CRL signature of "CN=p256 CA, O=Example" does not verify against that CA`);
      // A re-keyed CA: several CAs share the subject, and the one whose key verifies will do.
      expect([...(await parseCrl(crl.pem, [trusted.pem, impostor.pem], FILE)).serials]).toEqual(['a1b']);
    });

    it('a CRL from a foreign CA: not one of the trusted CAs', async () => {
      const foreign = makeCa('/CN=Foreign CA/O=Elsewhere', KEYS.p256);
      await expect(parseCrl(makeCrl(foreign, ['01']).pem, [caFor('p256').pem, caFor('rsa').pem], FILE)).rejects.toThrow(
        `${FILE}: CRL issuer "CN=Foreign CA, O=Elsewhere" is not one of the trusted CAs`,
      );
    });

    it.each(['p256', 'rsa', 'ed25519'] as const)('%s: one changed byte in the TBS (a revoked serial) does not verify', async (key) => {
      const ca = caFor(key);
      const der = derOf(makeCrl(ca, SERIALS, { md: key === 'ed25519' ? 'default' : 'sha256' }).pem);
      const tampered = pemOf(patched(der, [0x02, 0x02, 0x0a, 0x1b], [0x02, 0x02, 0x0a, 0x1c]));
      expect(opensslViewOfPem(tampered).serials).toContain('a1c');
      await expect(parseCrl(tampered, [ca.pem], FILE)).rejects.toThrow(`${FILE}: CRL signature of "CN=${key} CA, O=Example" does not verify against that CA`);
    });

    it('an outer signatureAlgorithm different from the one in the TBS is refused', async () => {
      const ca = caFor('p256');
      const der = derOf(makeCrl(ca, ['01']).pem);
      const sha256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
      const outerSha384 = patched(der, sha256, [...sha256.slice(0, -1), 0x03], true);
      await expect(parseCrl(pemOf(outerSha384), [ca.pem], FILE)).rejects.toThrow(`${FILE}: not a valid CRL (signatureAlgorithm differs from the signature field of tbsCertList)`);
    });

    it.each([
      { label: 'sha1WithRSAEncryption', oid: '1.2.840.113549.1.1.5', opts: { md: 'sha1' } },
      { label: 'RSASSA-PSS', oid: '1.2.840.113549.1.1.10', opts: { md: 'sha256', sigopt: ['-sigopt', 'rsa_padding_mode:pss'] } },
    ])('$label is refused, naming $oid', async ({ oid, opts }) => {
      const ca = caFor('rsa');
      await expect(parseCrl(makeCrl(ca, ['01'], opts).pem, [ca.pem], FILE)).rejects.toThrow(`${FILE}: CRL of "CN=rsa CA, O=Example": signature algorithm ${oid} is not supported`);
    });

    it('no PEM CRL block', async () => {
      await expect(parseCrl(caFor('p256').pem, [caFor('p256').pem], FILE)).rejects.toThrow(`${FILE}: no PEM CRL found`);
    });

    it.each([
      { label: 'DER that is not a SEQUENCE', pem: () => pemOf(Buffer.from([0x04, 0x01, 0x41])), reason: 'DER: CertificateList has tag 0x4, expected 0x30' },
      { label: 'truncated', pem: () => pemOf(derOf(makeCrl(caFor('p256'), ['01']).pem).subarray(0, -5)), reason: 'runs past the end of the input' },
      { label: 'a trailing byte', pem: () => pemOf(Buffer.concat([derOf(makeCrl(caFor('p256'), ['01']).pem), Buffer.from([0])])), reason: '1 trailing bytes after the outer element' },
      { label: 'not base64', pem: () => '-----BEGIN X509 CRL-----\nMIIB!!!!\n-----END X509 CRL-----\n', reason: 'PEM body is not base64' },
      { label: 'a certificate', pem: () => pemOf(derOf(caFor('p256').pem)), reason: 'tbsCertList.signature has tag 0xa0, expected 0x30' },
      { label: 'an empty SEQUENCE', pem: () => pemOf(Buffer.from([0x30, 0x00])), reason: 'CertificateList.tbsCertList is missing' },
    ])('$label: not a valid CRL', async ({ pem, reason }) => {
      const text = pem();
      const err = await parseCrl(text, [caFor('p256').pem], FILE).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(new RegExp(`^${FILE}: not a valid CRL \\(`));
      expect((err as Error).message).toContain(reason);
    });
  });
});

/** One DER element: tag, definite length (short or long form), content. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

/**
 * A CRL of `ca` rebuilt from openssl's: `edit` changes the TBS's elements, the signature
 * algorithm is `algorithm` in the TBS and outside it, and the TBS is signed again with the CA's
 * key (`digest` sha256, or null for Ed25519), so the signature itself verifies and only the
 * change can make the parser refuse it.
 */
function resigned(ca: Ca, edit: (tbs: Buffer[]) => Buffer[], algorithm: Buffer, digest: string | null): string {
  const [tbsElement] = derChildren(parseDer(derOf(makeCrl(ca, ['0A1B', '02']).pem)));
  const elements = derChildren(tbsElement as DerElement).map((el) => el.der);
  const versionAt = (tbsElement as DerElement).content[0] === 0x02 ? 1 : 0;
  elements[versionAt] = algorithm;
  const tbs = tlv(0x30, Buffer.concat(edit(elements)));
  const signature = sign(digest, tbs, createPrivateKey(readFileSync(join(dir, ca.key))));
  return pemOf(tlv(0x30, Buffer.concat([tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))])));
}

const ECDSA_SHA256 = Buffer.from([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);

describe('parseCrl: CRLs rebuilt and signed again, each with one defect (kills mutants of crl.ts)', () => {
  it('a control: the rebuilt CRL itself is read', async () => {
    const ca = caFor('p256');
    expect([...(await parseCrl(resigned(ca, (tbs) => tbs, ECDSA_SHA256, 'sha256'), [ca.pem], FILE)).serials].sort()).toEqual(['2', 'a1b']);
  });

  it('an Ed25519 algorithm over an ECDSA-SHA256 signature by the CA does not verify (the key type must match the scheme)', async () => {
    // Node's verify(null, data, ecKey, sig) accepts a SHA-256 ECDSA signature; OpenSSL refuses such a CRL.
    const ca = caFor('p256');
    const ed25519 = Buffer.from([0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70]);
    await expect(parseCrl(resigned(ca, (tbs) => tbs, ed25519, 'sha256'), [ca.pem], FILE)).rejects.toThrow(`${FILE}: CRL signature of "CN=p256 CA, O=Example" does not verify against that CA`);
  });

  it('ECDSA with NULL parameters is refused', async () => {
    const ca = caFor('p256');
    const withNull = Buffer.from([0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00]);
    await expect(parseCrl(resigned(ca, (tbs) => tbs, withNull, 'sha256'), [ca.pem], FILE)).rejects.toThrow('signature algorithm 1.2.840.10045.4.3.2 (ecdsa-with-SHA256) must not have parameters');
  });

  it('a version other than v2 is refused', async () => {
    const ca = caFor('p256');
    const v3 = (tbs: Buffer[]) => [Buffer.from([0x02, 0x01, 0x02]), ...tbs.slice(tbs[0]?.[0] === 0x02 ? 1 : 0)];
    await expect(parseCrl(resigned(ca, v3, ECDSA_SHA256, 'sha256'), [ca.pem], FILE)).rejects.toThrow('version is not v2');
  });

  // The crlExtensions [0] replaced by one holding the given cRLNumber extensions (extnValue contents).
  const withCrlNumbers = (...values: number[][]) => (tbs: Buffer[]) => [
    ...tbs.filter((el) => el[0] !== 0xa0),
    tlv(0xa0, tlv(0x30, Buffer.concat(values.map((v) => tlv(0x30, Buffer.concat([Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x14]), tlv(0x04, Buffer.from(v))])))))),
  ];
  it.each([
    ['0', [0x02, 0x01, 0x00], 0n],
    ['a 9-octet number (past 2^64)', [0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01], 2n ** 64n + 1n],
    ['one with the top bit set (a 00 octet first)', [0x02, 0x02, 0x00, 0x80], 128n],
  ])('the CRL Number is read: %s', async (_label, value, want) => {
    const ca = caFor('p256');
    expect((await parseCrl(resigned(ca, withCrlNumbers(value), ECDSA_SHA256, 'sha256'), [ca.pem], FILE)).crls[0]?.crlNumber).toBe(want);
  });

  it.each([
    ['twice', [[0x02, 0x01, 0x01], [0x02, 0x01, 0x02]], 'cRLNumber extension appears more than once'],
    ['negative', [[0x02, 0x01, 0xff]], 'cRLNumber is negative'],
    ['not an INTEGER', [[0x04, 0x01, 0x01]], 'cRLNumber has tag 0x4'],
  ])('a CRL Number %s is refused (OpenSSL marks such a CRL invalid)', async (_label, values, message) => {
    const ca = caFor('p256');
    await expect(parseCrl(resigned(ca, withCrlNumbers(...values), ECDSA_SHA256, 'sha256'), [ca.pem], FILE)).rejects.toThrow(message);
  });

  it('trailing data in a revokedCertificates entry is refused', async () => {
    const ca = caFor('p256');
    const padded = (tbs: Buffer[]) =>
      tbs.map((el) => {
        const entries = el[0] === 0x30 && derChildren(parseDer(el)).every((e) => e.tag === 0x30 && e.content[0] === 0x02);
        if (!entries) return el;
        // Each entry SEQUENCE { userCertificate, revocationDate } gets a stray INTEGER after them.
        return tlv(0x30, Buffer.concat(derChildren(parseDer(el)).map((entry) => tlv(0x30, Buffer.concat([entry.content, Buffer.from([0x02, 0x01, 0x05])])))));
      });
    await expect(parseCrl(resigned(ca, padded, ECDSA_SHA256, 'sha256'), [ca.pem], FILE)).rejects.toThrow('revokedCertificates entry');
  });
});

function opensslViewOfPem(pem: string): { serials: string[] } {
  const path = `view${++counter}.pem`;
  writeFileSync(join(dir, path), pem);
  return opensslView({ pem, path });
}

/** Read every element of `el` and below, as the CRL parser would. */
function walk(el: DerElement): void {
  if (el.tag & 0x20) derChildren(el).forEach(walk);
}

describe('DER reader', () => {
  it.each([
    { label: 'indefinite length', bytes: [0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00], error: 'DER: indefinite length at offset 0' },
    { label: 'length past the end', bytes: [0x30, 0x05, 0x02, 0x01, 0x01], error: 'DER: length 5 at offset 0 runs past the end of the input' },
    { label: 'inner length past its parent', bytes: [0x30, 0x03, 0x02, 0x05, 0x01], error: 'DER: length 5 at offset 0 runs past the end of the input' },
    { label: 'trailing bytes', bytes: [0x30, 0x03, 0x02, 0x01, 0x01, 0x00], error: 'DER: 1 trailing bytes after the outer element' },
    { label: 'non-minimal long-form length', bytes: [0x30, 0x81, 0x03, 0x02, 0x01, 0x01], error: 'DER: non-minimal length at offset 0' },
    { label: 'length with a leading zero octet', bytes: [0x30, 0x82, 0x00, 0x03, 0x02, 0x01, 0x01], error: 'DER: non-minimal length at offset 0' },
    { label: 'high tag number form', bytes: [0x1f, 0x81, 0x00, 0x00], error: 'DER: high tag number form at offset 0 is not supported' },
    { label: 'no length octet', bytes: [0x30], error: 'DER: length past the end of the input at offset 1' },
    { label: 'empty input', bytes: [], error: 'DER: tag past the end of the input at offset 0' },
  ])('refuses $label', ({ bytes, error }) => {
    expect(() => walk(parseDer(Buffer.from(bytes)))).toThrow(error);
  });

  it('reads a well-formed long-form length', () => {
    const content = Buffer.alloc(200, 0x41);
    const el = parseDer(Buffer.concat([Buffer.from([0x04, 0x81, 200]), content]));
    expect([el.tag, el.content.equals(content), el.der.length]).toEqual([0x04, true, 203]);
  });

  it.each([
    { label: 'UTCTime before 50 is 20xx', bytes: [0x17, ...Buffer.from('491231235959Z')], iso: '2049-12-31T23:59:59.000Z' },
    { label: 'UTCTime from 50 is 19xx', bytes: [0x17, ...Buffer.from('500101000000Z')], iso: '1950-01-01T00:00:00.000Z' },
    { label: 'GeneralizedTime', bytes: [0x18, ...Buffer.from('20510203040506Z')], iso: '2051-02-03T04:05:06.000Z' },
    { label: 'GeneralizedTime with fractional seconds', bytes: [0x18, ...Buffer.from('20510203040506.25Z')], iso: '2051-02-03T04:05:06.250Z' },
  ])('time: $label', ({ bytes, iso }) => {
    expect(readTime(parseDer(Buffer.from([bytes[0] as number, bytes.length - 1, ...bytes.slice(1)]))).toISOString()).toBe(iso);
  });

  it.each([
    ['a local time', 0x17, '491231235959'],
    ['30 February', 0x18, '20510230000000Z'],
    ['hour 24', 0x17, '490101240000Z'],
    ['an OCTET STRING', 0x04, '491231235959Z'],
  ])('time: refuses %s', (_label, tag, text) => {
    expect(() => readTime(parseDer(Buffer.from([tag, text.length, ...Buffer.from(text)])))).toThrow(/DER: (not a UTCTime|invalid date)/);
  });

  it('INTEGER: content as hex, refusing empty and non-minimal encodings', () => {
    expect(readIntegerHex(parseDer(Buffer.from([0x02, 0x02, 0x00, 0x80])))).toBe('0080');
    expect(() => readIntegerHex(parseDer(Buffer.from([0x02, 0x02, 0x00, 0x7f])))).toThrow('non-minimal INTEGER');
    expect(() => readIntegerHex(parseDer(Buffer.from([0x02, 0x00])))).toThrow('empty INTEGER');
  });

  // Mutation review s29: the length-octet bound, NULL and BIT STRING checks had no row.
  it('refuses a length of more than 4 octets', () => {
    expect(() => parseDer(Buffer.from([0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00]))).toThrow('DER: length of 5 octets at offset 0');
  });

  it('a small INTEGER: up to 4 octets, not negative', () => {
    expect(readSmallInteger(parseDer(Buffer.from([0x02, 0x01, 0x01])))).toBe(1);
    expect(readSmallInteger(parseDer(Buffer.from([0x02, 0x04, 0x7f, 0xff, 0xff, 0xff])))).toBe(0x7fffffff);
    expect(() => readSmallInteger(parseDer(Buffer.from([0x02, 0x01, 0x80])))).toThrow('DER: INTEGER at offset 0 is out of range');
    expect(() => readSmallInteger(parseDer(Buffer.from([0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00])))).toThrow('DER: INTEGER at offset 0 is out of range');
  });

  it('NULL: no content', () => {
    expect(() => readNull(parseDer(Buffer.from([0x05, 0x00])))).not.toThrow();
    expect(() => readNull(parseDer(Buffer.from([0x05, 0x01, 0x00])))).toThrow('DER: NULL with content at offset 0');
  });

  it('BIT STRING: the bytes after a zero unused-bits octet, refusing unused bits and an empty one', () => {
    expect(readBitStringBytes(parseDer(Buffer.from([0x03, 0x03, 0x00, 0xab, 0xcd])))).toEqual(Buffer.from([0xab, 0xcd]));
    expect(() => readBitStringBytes(parseDer(Buffer.from([0x03, 0x02, 0x01, 0xfe])))).toThrow('DER: BIT STRING at offset 0 has 1 unused bits');
    expect(() => readBitStringBytes(parseDer(Buffer.from([0x03, 0x00])))).toThrow('DER: empty BIT STRING at offset 0');
  });

  it('OBJECT IDENTIFIER: dotted form, refusing padded or truncated arcs', () => {
    expect(readOid(parseDer(Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02])))).toBe('1.2.840.10045.4.3.2');
    expect(readOid(parseDer(Buffer.from([0x06, 0x03, 0x2b, 0x65, 0x70])))).toBe('1.3.101.112');
    expect(() => readOid(parseDer(Buffer.from([0x06, 0x03, 0x2a, 0x80, 0x01])))).toThrow('non-minimal OBJECT IDENTIFIER');
    expect(() => readOid(parseDer(Buffer.from([0x06, 0x02, 0x2a, 0x86])))).toThrow('truncated OBJECT IDENTIFIER');
  });
});

describe('memory: the CRL check does not load an X.509 library', () => {
  it('src/server/crl.ts and crl-gaps.ts reach only node:crypto and their own DER, Name and CA-key modules (no @peculiar/x509, no reflect-metadata)', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const files = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string): void => {
      if (files.has(file)) return;
      files.add(file);
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = (m[1] ?? m[2]) as string;
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else bare.add(spec);
      }
    };
    visit(join(root, 'src/server/crl.ts'));
    visit(join(root, 'src/server/crl-gaps.ts'));
    expect([...files].map((f) => relative(root, f)).sort()).toEqual([
      'src/server/ca-key.ts',
      'src/server/crl-der.ts',
      'src/server/crl-gaps.ts',
      'src/server/crl-serial.ts',
      'src/server/crl-signature.ts',
      'src/server/crl-trusted-cas.ts',
      'src/server/crl.ts',
      'src/server/der.ts',
      'src/server/x509-name.ts',
    ]);
    expect([...bare]).toEqual(['node:crypto']);
  });
});

/** A DER INTEGER element with `content` (hex). */
const integer = (content: string): DerElement => parseDer(Buffer.from(`02${(content.length / 2).toString(16).padStart(2, '0')}${content}`, 'hex'));

describe('serials as Node reports them', () => {
  // Node gives a certificate's serial as signed hex (`-01` for the DER byte ff); CRL entries
  // are two's complement DER: both must name the same certificate, and -1 is not 255.
  it.each([
    ['01', '01'],
    ['7f', '7f'],
    ['00ff', '00ff'],
    ['ff', '-1'],
    ['80', '-80'],
    ['ff01', '-ff'],
    ['00800000', '00800000'],
  ])('DER INTEGER content %s is %s', (der, signed) => {
    expect(readSignedIntegerHex(integer(der))).toBe(signed);
  });
  it.each([
    ['00FF', 'ff'],
    ['-01', '-1'],
    ['-1', '-1'],
    ['-00', '0'],
    ['000', '0'],
    ['0A01', 'a01'],
  ])('normalizeSerialHex(%s) is %s', (serial, want) => {
    expect(normalizeSerialHex(serial)).toBe(want);
  });
  it('a negative serial and its two\'s complement bytes read as positive are different certificates', () => {
    expect(normalizeSerialHex(readSignedIntegerHex(integer('ff')))).not.toBe(normalizeSerialHex('ff'));
    expect(normalizeSerialHex(readSignedIntegerHex(integer('ff')))).toBe(normalizeSerialHex('-01'));
  });
});
