/**
 * `certs crl` and `certs revoke` must not write a CRL the index does not account for
 * (rev-pki finding 3a/3b): a lost index.json, or one restored from a backup older than
 * crl.pem, would sign a CRL with a lower number and without the revocations made since.
 */
import { copyFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { derIntegerValue } from '../../../src/pki/crl-succession.js';
import { derInteger } from '../../../src/pki/crl.js';
import { openssl, tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

describe('CRL succession', () => {
  let dir: string;
  let aliceSerial: string;
  beforeEach(async () => {
    dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    aliceSerial = /serial\s+(\S+)/.exec((await run('issue', 'alice', '--dir', dir)).out)?.[1] ?? '';
    expect((await run('issue', 'bob', '--dir', dir)).code).toBe(0);
    // The index as a backup taken before alice's revocation (crlNumber 1).
    await copyFile(join(dir, 'index.json'), join(dir, '..', 'index-before-revoke.json'));
    expect((await run('revoke', 'alice', '--dir', dir, '--reason', 'keyCompromise')).code).toBe(0);
  });

  test.each([
    ['crl', ['crl']],
    ['revoke bob', ['revoke', 'bob']],
    ['revoke by serial', ['revoke', 'ffff']],
  ])('index.json missing: %s is refused and crl.pem stays as it was', async (_what, argv) => {
    await rename(join(dir, 'index.json'), join(dir, '..', 'lost.json'));
    const before = await readFile(join(dir, 'crl.pem'), 'utf8');
    const r = await run(...argv, '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/index\.json is missing, but .*crl\.pem is CRL #2 of this CA and revokes 1 certificate\(s\): a CRL written from an empty index would lift every revocation\. If this CA had an index\.json, restore it from a backup/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(await readFile(join(dir, 'crl.pem'), 'utf8')).toBe(before);
    // Restoring the index is the way out.
    await rename(join(dir, '..', 'lost.json'), join(dir, 'index.json'));
    const again = await run('crl', '--dir', dir);
    expect(again.out).toMatch(/Wrote CRL #3 /);
    expect(openssl('crl', '-in', join(dir, 'crl.pem'), '-noout', '-text').stdout).toContain(`Serial Number: ${aliceSerial.toUpperCase()}`);
  });

  test('an index older than crl.pem is refused, naming the revocation it lacks', async () => {
    await copyFile(join(dir, '..', 'index-before-revoke.json'), join(dir, 'index.json'));
    const before = await readFile(join(dir, 'crl.pem'), 'utf8');
    for (const argv of [['crl'], ['revoke', 'bob']]) {
      const r = await run(...argv, '--dir', dir);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`the crlNumber of ${join(dir, 'index.json')} (1) is below the CRL Number of ${join(dir, 'crl.pem')} (#2)`);
      expect(r.err).toContain(`lacks 1 revocation(s) it holds (serial ${aliceSerial})`);
    }
    expect(await readFile(join(dir, 'crl.pem'), 'utf8')).toBe(before);
  });

  // rev-day2b F3: issue/renew/rotate-server wrote a fresh index next to crl.pem; restoring the
  // right index then dropped what they had issued (an admin certificate nobody could revoke).
  test.each([
    ['issue', true, ['issue', 'mallory', '--group', 'admin']],
    ['renew', true, ['renew', 'bob']],
    ['rotate-server', true, ['rotate-server']],
    ['issue', false, ['issue', 'mallory', '--group', 'admin']],
    ['renew', false, ['renew', 'bob']],
    ['rotate-server', false, ['rotate-server']],
  ])('%s is refused and writes nothing (index.json missing: %s; else older than crl.pem)', async (_what, missing, argv) => {
    if (missing) await rename(join(dir, 'index.json'), join(dir, '..', 'lost.json'));
    else await copyFile(join(dir, '..', 'index-before-revoke.json'), join(dir, 'index.json'));
    const files = ['index.json', 'crl.pem', 'server-cert.pem', 'server-key.pem', 'clients/bob/cert.pem'];
    const before = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8').catch(() => 'absent')));
    const r = await run(...argv, '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      missing
        ? /index\.json is missing, but .*crl\.pem is CRL #2 of this CA and revokes 1 certificate\(s\): an index started now would lack every revocation.*nothing was issued or written/
        : /the crlNumber of .*index\.json \(1\) is below the CRL Number .*\(#2\).*nothing was issued or written/,
    );
    expect(await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8').catch(() => 'absent')))).toEqual(before);
    expect(await readFile(join(dir, 'clients', 'mallory', 'key.pem')).catch(() => 'absent')).toBe('absent');
  });

  // rev-docs F3: list read a lost index as empty ("no certificates in the index", exit 0).
  test.each([
    ['missing', /index\.json is missing, but .*crl\.pem is CRL #2 of this CA and revokes 1 certificate\(s\): the certificates this CA issued are listed from the index alone.*restore it from a backup.*never had one.*list its certificates with those tools.*; nothing is listed/],
    ['older than crl.pem', /the crlNumber of .*index\.json \(1\) is below the CRL Number .*\(#2\).*lacks 1 revocation\(s\).*nothing is listed/],
  ])('list is refused when index.json is %s', async (what, message) => {
    if (what === 'missing') await rename(join(dir, 'index.json'), join(dir, '..', 'lost.json'));
    else await copyFile(join(dir, '..', 'index-before-revoke.json'), join(dir, 'index.json'));
    for (const json of [[], ['--json']]) {
      const r = await run('list', '--dir', dir, ...json);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  test('list of a CA without index.json and without crl.pem (made by other tools) is empty', async () => {
    await rm(join(dir, 'index.json'));
    await rm(join(dir, 'crl.pem'));
    const r = await run('list', '--dir', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/no certificates in the index of /);
  });

  test('index.json missing and crl.pem unreadable: refused too', async () => {
    await rm(join(dir, 'index.json'));
    await writeFile(join(dir, 'crl.pem'), 'not a CRL');
    const r = await run('crl', '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/crl\.pem exists but holds no readable CRL/);
  });

  test('a CA without index.json and without crl.pem still gets a CRL (a CA made by other tools)', async () => {
    await rm(join(dir, 'index.json'));
    await rm(join(dir, 'crl.pem'));
    const r = await run('crl', '--dir', dir);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/Wrote CRL #1 /);
  });

  test("another CA's CRL in crl.pem does not count", async () => {
    const other = join(await tmp(), 'other');
    expect((await run('init', '--dir', other)).code).toBe(0);
    await rm(join(dir, 'index.json'));
    await copyFile(join(other, 'crl.pem'), join(dir, 'crl.pem'));
    expect((await run('crl', '--dir', dir)).code).toBe(0);
  });

  test.each([0, 1, 127, 128, 255, 256, 65_535, 2 ** 40])('derIntegerValue reads back derInteger(%d)', (n) => {
    expect(derIntegerValue(derInteger(n))).toBe(BigInt(n));
  });

  test.each([[[0x04, 0x01, 0x01]], [[0x02, 0x02, 0x01]], [[0x02]], [[0x02, 0x81, 0x01, 0x01]]])('derIntegerValue refuses %j', (bytes) => {
    expect(derIntegerValue(new Uint8Array(bytes))).toBeUndefined();
  });
});
