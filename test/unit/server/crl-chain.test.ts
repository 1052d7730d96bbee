import { describe, expect, it } from 'vitest';
import { createCa } from '../../../src/pki/ca.js';
import { crlPem } from '../../../src/pki/crl.js';
import { createIntermediateCa } from '../../../src/pki/intermediate-ca.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import type { NewCa } from '../../../src/pki/ca.js';
import { parseCrl } from '../../../src/server/crl.js';
import { casWithoutCrl } from '../../../src/server/crl-gaps.js';
import { legacyCaName } from './tls-chain.js';

const now = new Date();

async function crlOf(ca: NewCa, serials: string[], nextUpdate: Date): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate: now,
    nextUpdate,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm.signing,
    entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: now })),
  });
  return crlPem(crl);
}

describe('CRLs for a chain (root -> intermediate)', async () => {
  const root = await createCa({ keyType: 'ecdsa', days: 30, now, name: legacyCaName('root') });
  const int = await createIntermediateCa(root, { commonName: 'team CA', keyType: 'ecdsa', days: 30, now });
  const cas = [int.certPem, root.certPem];
  const in3days = new Date(now.getTime() + 3 * 86_400_000);

  it('the intermediate is a CA signed by the root, pathLen 0, and ends no later than the root', async () => {
    expect(int.cert.issuer).toBe(root.cert.subject);
    expect(await int.cert.verify({ publicKey: root.cert.publicKey, signatureOnly: true })).toBe(true);
    const bc = int.cert.getExtension(x509.BasicConstraintsExtension);
    expect([bc?.ca, bc?.pathLength, bc?.critical]).toEqual([true, 0, true]);
    expect(int.cert.notAfter.getTime()).toBeLessThanOrEqual(root.cert.notAfter.getTime());
    expect(int.bundlePem).toBe(int.certPem + root.bundlePem);
  });

  it('a file with both CRLs: serials of both, each nextUpdate, no CA left uncovered', async () => {
    const pem = (await crlOf(int, ['0A1B'], in3days)) + (await crlOf(root, ['ff'], in3days));
    const parsed = await parseCrl(pem, cas, '/x/crl.pem');
    expect([...parsed.serials].sort()).toEqual(['a1b', 'ff']);
    expect(parsed.crls.map((c) => [c.issuer, c.nextUpdate?.getTime()])).toEqual([
      [int.cert.subject, Math.floor(in3days.getTime() / 1000) * 1000],
      [root.cert.subject, Math.floor(in3days.getTime() / 1000) * 1000],
    ]);
    expect(casWithoutCrl(cas, parsed.crls)).toEqual([]);
  });

  it('only the intermediate CRL: the root is reported as uncovered (OpenSSL CRL_CHECK_ALL refuses everyone)', async () => {
    const parsed = await parseCrl(await crlOf(int, [], in3days), cas, '/x/crl.pem');
    expect(casWithoutCrl(cas, parsed.crls)).toEqual([root.cert.subject]);
  });

  it('a CRL whose issuer name matches but whose signature does not is refused, naming the file', async () => {
    const impostor = await createCa({ keyType: 'ecdsa', days: 30, now, name: legacyCaName('root') });
    await expect(parseCrl(await crlOf(impostor, [], in3days), cas, '/x/crl.pem')).rejects.toThrow(`/x/crl.pem: CRL signature of "${root.cert.subject}" does not verify against that CA`);
  });
});
