/**
 * Two CAs of one name in `tls.ca` (a second `dockgate certs init` on one host, a CA re-keyed
 * under its old name, an intermediate named as its root): each CRL, revocation and missing CRL
 * belongs to the CA whose key signed it, not to every CA of that name. Real CAs and CRLs from the project's PKI code, real TLS
 * connections with the gateway's TLS options for the revocation sweep.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { identityFromCertificate } from '../../../src/identity/identity.js';
import { createCa, type CaSigner } from '../../../src/pki/ca.js';
import { crlPem } from '../../../src/pki/crl.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { crlLockouts, lockoutMessage } from '../../../src/runtime/crl-lockouts.js';
import { pendingCrl } from '../../../src/runtime/crl-pending.js';
import { crlRollback } from '../../../src/runtime/crl-rollback.js';
import { certificatesCheck } from '../../../src/runtime/expiry-warnings.js';
import { closeRevokedConnections } from '../../../src/runtime/revocation.js';
import { isRevoked } from '../../../src/server/revoked.js';
import { loadTlsMaterial, type TlsMaterial } from '../../../src/server/tls-material.js';
import { leaf, legacyCaName, makeChain, sweepOpen, type Pair } from './tls-chain.js';

const now = new Date();
const NAME = 'CN=dockgate CA twin, O=dockgate';

/** A CRL of `ca` revoking `serials`, as `certs crl` writes one (with the CA's authority key identifier). */
async function crlOf(ca: CaSigner, serials: string[], thisUpdate: Date = now, nextUpdate = new Date(now.getTime() + 3 * 86_400_000)): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm.signing,
    extensions: [ca.authorityKeyId],
    entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: now })),
  });
  return crlPem(crl);
}

describe('two CAs of one name in tls.ca', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dockgate-twins-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  // Both "CN=dockgate CA twin, O=dockgate", with their own keys; tls.ca holds ca1 then ca2.
  const ca1 = await createCa({ keyType: 'ecdsa', days: 30, now, name: legacyCaName('twin') });
  const ca2 = await createCa({ keyType: 'ecdsa', days: 30, now, name: legacyCaName('twin') });
  const server = await leaf(ca1, 'localhost', '5e', 'server');
  // alice and bob share a serial under the two CAs.
  const alice = await leaf(ca1, 'alice', '0a01');
  const bob = await leaf(ca2, 'bob', '0a01');
  const carol = await leaf(ca2, 'carol', '0c02');
  await writeFile(join(dir, 'ca.pem'), ca1.certPem + ca2.certPem);
  await writeFile(join(dir, 'cert.pem'), server.certPem);
  await writeFile(join(dir, 'key.pem'), server.keyPem);
  let n = 0;
  const material = async (...crls: string[]): Promise<TlsMaterial> => {
    const crl = crls.length === 0 ? undefined : join(dir, `crl-${++n}.pem`);
    if (crl) await writeFile(crl, crls.join(''));
    return loadTlsMaterial({ ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), crl, partialChain: false });
  };
  /** How messages tell a CA of a shared name apart: its certificate's SHA-256 fingerprint, first 16 hex digits (as `certs list`). */
  const named = (ca: CaSigner) => `"${NAME}" (CA certificate sha256 ${new X509Certificate(ca.certPem).fingerprint256.replace(/:/g, '').toLowerCase().slice(0, 16)})`;
  const shared = `${join(dir, 'ca.pem')}: certificates 1, 2 of 2 are CAs of one name, "${NAME}", with different keys`;
  const missing = (i: number) => `holds no CRL issued by "${NAME}" (certificate ${i} of 2 in ${join(dir, 'ca.pem')}; another CA of that name has one)`;

  it.each([
    ['both CRLs', ['ca1', 'ca2'], true, [shared]],
    ['both CRLs, the second CA\'s first', ['ca2', 'ca1'], true, [shared]],
    ['only the first CA\'s CRL: the second CA lacks one', ['ca1'], false, [shared, missing(2)]],
    ['only the second CA\'s CRL: the first CA lacks one', ['ca2'], false, [shared, missing(1)]],
    ['no tls.crl', [], false, [shared]],
  ])('%s: everyCaHasCrl, and the warnings', async (_label, which: string[], every: boolean, warnings: string[]) => {
    const m = await material(...(await Promise.all(which.map((c) => crlOf(c === 'ca1' ? ca1 : ca2, [])))));
    expect(m.everyCaHasCrl).toBe(every);
    expect(m.warnings).toHaveLength(warnings.length);
    warnings.forEach((w, i) => expect(m.warnings[i]).toContain(w));
    // Each CRL and its revocations belong to the CA that signed it.
    const cas = which.map((c) => (c === 'ca1' ? 0 : 1));
    expect(m.crls.map((c) => m.caNames.findIndex((ca) => ca.ca === c.ca))).toEqual(cas);
    expect(m.revocations.map((r) => m.caNames.findIndex((ca) => ca.ca === r.ca))).toEqual(cas);
  });

  it('one CA in tls.ca twice (the same certificate) is one CA: no shared-name warning', async () => {
    await writeFile(join(dir, 'ca-twice.pem'), ca1.certPem + ca1.certPem);
    await writeFile(join(dir, 'crl-twice.pem'), await crlOf(ca1, []));
    const m = await loadTlsMaterial({ ca: join(dir, 'ca-twice.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), crl: join(dir, 'crl-twice.pem'), partialChain: false });
    expect([m.warnings, m.everyCaHasCrl]).toEqual([[], true]);
  });

  it.each([
    ['nothing revoked', [], [], []],
    ['serial 0a01 by the second CA: only its certificate (bob), not the first CA\'s with that serial', [], ['0a01'], ['bob']],
    ['serial 0a01 by the first CA: only alice', ['0a01'], [], ['alice']],
    ['serial 0c02 by the second CA: carol', [], ['0c02'], ['carol']],
    ['serial 0a01 by both', ['0a01'], ['0a01'], ['alice', 'bob']],
  ])('the revocation sweep, %s', async (_label, by1: string[], by2: string[], want: string[]) => {
    const handshake = await material(await crlOf(ca1, []), await crlOf(ca2, []));
    const next = await material(await crlOf(ca1, by1), await crlOf(ca2, by2));
    expect(await sweepOpen(handshake, ca1.certPem, [alice, bob, carol], (open) => closeRevokedConnections(open, next))).toEqual({ closed: want.length, names: want });
  });

  it.each([
    ['alice (first CA), with her certificate', alice, 'own', false],
    ['bob (second CA), with his certificate', bob, 'own', true],
    ['alice without a certificate to tell the CAs apart: either CA counts (errs towards closing)', alice, 'none', true],
    ['bob without one', bob, 'none', true],
  ])('isRevoked after the second CA revoked serial 0a01: %s', async (_label, who: Pair, der: string, want: boolean) => {
    const m = await material(await crlOf(ca1, []), await crlOf(ca2, ['0a01']));
    const raw = new x509.X509Certificate(who.certPem).rawData;
    const identity = identityFromCertificate(new Uint8Array(raw));
    expect(isRevoked(identity, m, der === 'own' ? () => new Uint8Array(raw) : () => undefined)).toBe(want);
  });

  it('an older CRL of the second CA is a rollback, though the first CA\'s CRL in force is older still', async () => {
    const at = (s: number) => new Date(Math.floor(now.getTime() / 1000) * 1000 - s * 1000);
    const first = await crlOf(ca1, [], at(30));
    const inForce = await material(first, await crlOf(ca2, ['0a01'], at(10)));
    const older = await material(first, await crlOf(ca2, [], at(20)));
    expect(crlRollback(inForce.crls, older.crls, now)).toBe(
      `the CRL of ${named(ca2)} was issued at ${at(20).toISOString()}, before the one in force (${at(10).toISOString()}): loading it would lift the revocations made since; refused (restart the gateway to load an older CRL on purpose)`,
    );
    const newer = await material(first, await crlOf(ca2, ['0a01'], at(5)));
    expect(crlRollback(inForce.crls, newer.crls, now)).toBeUndefined();
  });

  // rev-fixes2 F4: /readyz, the crl-lockout line and the crl-pending line name which CA of the name.
  it('a CA of the name without a CRL: /readyz names its certificate', async () => {
    const m = await material(await crlOf(ca1, []));
    expect(m.casWithoutCrl).toEqual([named(ca2)]);
    expect(certificatesCheck({ serverNotAfter: new Date(now.getTime() + 86_400_000), crls: m.crls, casWithoutCrl: m.casWithoutCrl }, now).detail).toContain(`CA ${named(ca2)} has no CRL in tls.crl`);
  });

  it('an expired CRL of one CA of the name: the crl-lockout line and /readyz name its certificate', async () => {
    const m = await material(await crlOf(ca1, []), await crlOf(ca2, [], new Date(now.getTime() - 2 * 86_400_000), new Date(now.getTime() - 86_400_000)));
    const [lockout] = crlLockouts([], m.crls, now);
    expect(lockoutMessage(lockout as NonNullable<typeof lockout>)).toMatch(new RegExp(`^the CRL of ${named(ca2).replace(/[().]/g, '\\$&')} in force expired on`));
    expect(certificatesCheck({ serverNotAfter: new Date(now.getTime() + 86_400_000), crls: m.crls }, now).detail).toContain(`CRL of ${named(ca2)} expired on`);
  });

  it('a CRL of one CA of the name held until it is valid: the crl-pending line names its certificate', async () => {
    const inForce = await material(await crlOf(ca1, []), await crlOf(ca2, []));
    const future = await material(await crlOf(ca1, []), await crlOf(ca2, [], new Date(now.getTime() + 86_400_000), new Date(now.getTime() + 5 * 86_400_000)));
    expect(pendingCrl(inForce.crls, future.crls, now, 'crl.pem')?.message).toContain(`the new CRL of ${named(ca2)} (thisUpdate`);
  });

  it('one CA of a name alone: named by its subject only', async () => {
    await writeFile(join(dir, 'ca-one.pem'), ca1.certPem);
    await writeFile(join(dir, 'crl-one.pem'), await crlOf(ca1, [], new Date(now.getTime() - 2 * 86_400_000), new Date(now.getTime() - 86_400_000)));
    const m = await loadTlsMaterial({ ca: join(dir, 'ca-one.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), crl: join(dir, 'crl-one.pem'), partialChain: false });
    const [lockout] = crlLockouts([], m.crls, now);
    expect(lockoutMessage(lockout as NonNullable<typeof lockout>)).toMatch(/^the CRL of "CN=dockgate CA twin, O=dockgate" in force expired on/);
  });
});

describe('an intermediate named as its root', async () => {
  // Both "CN=dockgate CA root, O=dockgate"; tls.ca holds the intermediate, then the root.
  const chain = await makeChain('dockgate CA root');
  const ivan = await leaf(chain.int, 'ivan', '0e05');
  const judy = await leaf(chain.root, 'judy', '0f06');
  const intSerial = new x509.X509Certificate(chain.int.certPem).serialNumber;

  it.each([
    ['the intermediate revoked by the root: ivan, with his certificate', ivan, 'own', [intSerial], [], true],
    ['the intermediate revoked by the root: ivan, without a certificate', ivan, 'none', [intSerial], [], true],
    ['the intermediate revoked by the root: judy (the root\'s) stays', judy, 'own', [intSerial], [], false],
    ['ivan\'s serial by the root: not ivan, with his certificate (the intermediate issued him)', ivan, 'own', ['0e05'], [], false],
    ['ivan\'s serial by the root, without his certificate: either CA of the name counts (errs towards closing)', ivan, 'none', ['0e05'], [], true],
    ['judy\'s serial by the intermediate: not judy, with her certificate', judy, 'own', [], ['0f06'], false],
    ['judy\'s serial by the intermediate, without her certificate: revoked', judy, 'none', [], ['0f06'], true],
    ['the root\'s own serial in its CRL: nobody (a root is not walked above)', ivan, 'own', [new x509.X509Certificate(chain.root.certPem).serialNumber], [], false],
  ])('isRevoked, %s', async (_label, who: Pair, der: string, byRoot: string[], byInt: string[], want: boolean) => {
    const m = await chain.material((await crlOf(chain.root, byRoot)) + (await crlOf(chain.int, byInt)));
    const raw = new x509.X509Certificate(who.certPem).rawData;
    const identity = identityFromCertificate(new Uint8Array(raw));
    expect(isRevoked(identity, m, der === 'own' ? () => new Uint8Array(raw) : () => undefined)).toBe(want);
  });
});
