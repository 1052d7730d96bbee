/** isRevoked's walk up the chain (revoked.ts): a CA two levels above the client's issuer, and two roots of one name (cases a mutation review found untested). */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { identityFromCertificate } from '../../../src/identity/identity.js';
import { createCa } from '../../../src/pki/ca.js';
import { createIntermediateCa } from '../../../src/pki/intermediate-ca.js';
import { isRevoked } from '../../../src/server/revoked.js';
import { loadTlsMaterial } from '../../../src/server/tls-material.js';
import { crlOf, leaf } from './tls-chain.js';

const now = new Date();

describe('the revocation walk up the chain', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dockgate-revocation-walk-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  let n = 0;
  const material = async (caPem: string, crl: string, server: { certPem: string; keyPem: string }) => {
    const k = ++n;
    await writeFile(join(dir, `ca-${k}.pem`), caPem);
    await writeFile(join(dir, `crl-${k}.pem`), crl);
    await writeFile(join(dir, `cert-${k}.pem`), server.certPem);
    await writeFile(join(dir, `key-${k}.pem`), server.keyPem);
    return loadTlsMaterial({ ca: join(dir, `ca-${k}.pem`), cert: join(dir, `cert-${k}.pem`), key: join(dir, `key-${k}.pem`), crl: join(dir, `crl-${k}.pem`), partialChain: false });
  };
  const raw = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);

  it('root -> int1 -> int2 -> ivan: the root revoking int1 revokes ivan', async () => {
    const root = await createCa({ keyType: 'ecdsa', days: 30, now, hostname: 'three' });
    const int1 = await createIntermediateCa(root, { commonName: 'int one', keyType: 'ecdsa', days: 30, now });
    const int2 = await createIntermediateCa(int1, { commonName: 'int two', keyType: 'ecdsa', days: 30, now });
    const server = await leaf(root, 'localhost', '5e', 'server');
    const ivan = await leaf(int2, 'ivan', '0e01');
    const ca = int2.certPem + int1.certPem + root.certPem;
    const clean = (await crlOf(root, [])) + (await crlOf(int1, [])) + (await crlOf(int2, []));
    const revoked = (await crlOf(root, [int1.cert.serialNumber])) + (await crlOf(int1, [])) + (await crlOf(int2, []));
    const id = identityFromCertificate(raw(ivan.certPem));
    expect(isRevoked(id, await material(ca, clean, server), () => raw(ivan.certPem))).toBe(false);
    expect(isRevoked(id, await material(ca, revoked, server), () => raw(ivan.certPem))).toBe(true);
  });

  it('two roots of one name: the second root revoking the first one\'s intermediate\'s serial does not revoke its client', async () => {
    const ca1 = await createCa({ keyType: 'ecdsa', days: 30, now, hostname: 'twin' });
    const ca2 = await createCa({ keyType: 'ecdsa', days: 30, now, hostname: 'twin' });
    const int1 = await createIntermediateCa(ca1, { commonName: 'team one', keyType: 'ecdsa', days: 30, now });
    const server = await leaf(ca1, 'localhost', '5e', 'server');
    const ivan = await leaf(int1, 'ivan', '0e01');
    const ca = int1.certPem + ca1.certPem + ca2.certPem;
    const crl = (await crlOf(ca1, [], now, true)) + (await crlOf(ca2, [int1.cert.serialNumber], now, true)) + (await crlOf(int1, [], now, true));
    const id = identityFromCertificate(raw(ivan.certPem));
    expect(isRevoked(id, await material(ca, crl, server), () => raw(ivan.certPem))).toBe(false);
  });
});
