/**
 * Every CA `certs init` makes has a name of its own (rev-docs F2): two CAs of one host (an old
 * and a new one after `init --force`, a scrapers' CA) used to share `CN=dockgate CA <host>`,
 * so `identity.issuer`, the logs and the docker CLI's wrong-CA error read the same for both.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createCa } from '../../../src/pki/ca.js';
import { caSubject, MAX_NAME_LENGTH } from '../../../src/pki/names.js';

const AT = new Date('2026-12-06T13:31:42.123Z');

describe('caSubject', () => {
  test.each([
    ['a short host', 'gw1', AT, 'AB12CD34EF', 'dockgate CA gw1 2026-12-06T13:31Z ab12cd34'],
    ['a host of 25 characters, the most kept whole', 'h'.repeat(25), AT, '0011223344', `dockgate CA ${'h'.repeat(25)} 2026-12-06T13:31Z 00112233`],
    ['a long host is cut, the time and key id are not', 'ip-10-0-1-23.eu-west-1.compute.internal', AT, 'ffeeddccbbaa', 'dockgate CA ip-10-0-1-23.eu-west-1.co 2026-12-06T13:31Z ffeeddcc'],
    // rev-fix-reload R3: cut by characters, not UTF-16 units, so a surrogate pair is not split.
    ['a non-BMP character at the cut is kept whole', `${'a'.repeat(24)}\u{1F600}x`, AT, '0011223344', `dockgate CA ${'a'.repeat(24)}\u{1F600} 2026-12-06T13:31Z 00112233`],
    ['a host of 30 non-BMP characters keeps 25 of them', '\u{1F600}'.repeat(30), AT, '0011223344', `dockgate CA ${'\u{1F600}'.repeat(25)} 2026-12-06T13:31Z 00112233`],
    ['accented characters count one each', 'h\u00e9llo-'.repeat(5), AT, '0011223344', `dockgate CA ${'h\u00e9llo-'.repeat(5).slice(0, 25)} 2026-12-06T13:31Z 00112233`],
  ])('%s', (_label, host, created, keyId, cn) => {
    expect(caSubject(host, created, keyId)).toEqual([{ CN: [cn] }, { O: ['dockgate'] }]);
    // 64 characters, as X.520's ub-common-name (and OpenSSL's check of it) counts them.
    expect(Array.from(cn).length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
  });
});

describe('createCa with a host name the cut used to break', () => {
  test.each([
    ['a non-BMP character at the cut', `${'a'.repeat(24)}\u{1F600}x`, `${'a'.repeat(24)}\u{1F600}`],
    ['only non-BMP characters', '\u{1F600}'.repeat(30), '\u{1F600}'.repeat(25)],
  ])('%s: the CA is made, its CN carries the whole characters and stays within 64', async (_label, hostname, kept) => {
    const ca = await createCa({ keyType: 'ecdsa', days: 30, now: AT, hostname });
    const subject = new X509Certificate(ca.certPem).subject;
    const cn = /^CN=(.*)$/m.exec(subject)?.[1] ?? '';
    expect(cn.startsWith(`dockgate CA ${kept} 2026-12-06T13:31Z `)).toBe(true);
    expect(Array.from(cn).length).toBe(MAX_NAME_LENGTH);
  });
});

describe('createCa', () => {
  test('two CAs of one host made in the same minute have different subjects, each carrying its key id', async () => {
    const make = async () => {
      const ca = await createCa({ keyType: 'ecdsa', days: 30, now: AT, hostname: 'vm' });
      return { subject: new X509Certificate(ca.certPem).subject, keyId: (ca.authorityKeyId.keyId ?? '').toLowerCase() };
    };
    const [a, b] = [await make(), await make()];
    expect(a.subject).not.toBe(b.subject);
    for (const ca of [a, b]) expect(ca.subject).toBe(`CN=dockgate CA vm 2026-12-06T13:31Z ${ca.keyId.slice(0, 8)}\nO=dockgate`);
  });
});
