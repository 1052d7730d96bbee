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
  ])('%s', (_label, host, created, keyId, cn) => {
    expect(caSubject(host, created, keyId)).toEqual([{ CN: [cn] }, { O: ['dockgate'] }]);
    expect(cn.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
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
