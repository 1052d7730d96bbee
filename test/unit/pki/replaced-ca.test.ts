/**
 * `certs init --force` keeps the old CA in `DIR/replaced-<time>/`, a CA directory of its own
 * (rev-day2b F1): its index must point the moved bundles at `replaced-<time>/clients/`, and no
 * command run there may write into the new CA's `clients/`.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ensureDefaultPki } from '../../../src/pki/ensure-default-pki.js';
import { withIndexLock } from '../../../src/pki/index-lock.js';
import { readIndex } from '../../../src/pki/pki-index.js';
import { moveBundlePaths } from '../../../src/pki/replaced-index.js';
import { captureIo, openssl, tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

const indexWith = (bundles: (string | undefined)[]): string =>
  JSON.stringify({ version: 1, hosts: [], crlNumber: 1, certs: bundles.map((bundle, i) => ({ kind: 'client', name: `c${i}`, bundle })) }, null, 2) + '\n';

describe('moveBundlePaths', () => {
  test.each([
    ['default bundle', '/ca/clients/alice', '/ca/replaced-X/clients/alice'],
    ['nested below clients/', '/ca/clients/team/alice', '/ca/replaced-X/clients/team/alice'],
    ['through the real path of clients/', '/real/ca/clients/bob', '/ca/replaced-X/clients/bob'],
    ['--out elsewhere stays', '/home/me/alice', '/home/me/alice'],
    ['a sibling named like clients stays', '/ca/clients-old/alice', '/ca/clients-old/alice'],
    ['no bundle stays absent', undefined, undefined],
  ])('%s', (_what, before, after) => {
    const out = moveBundlePaths(indexWith([before]), ['/ca/clients', '/real/ca/clients'], '/ca/replaced-X/clients');
    expect((JSON.parse(out) as { certs: { bundle?: string }[] }).certs[0]?.bundle).toBe(after);
  });

  test.each([['not JSON', '{'], ['no certs list', '{"version":1}'], ['null', 'null']])('%s is returned unchanged', (_what, text) => {
    expect(moveBundlePaths(text, ['/ca/clients'], '/x')).toBe(text);
  });
});

describe('the replaced CA directory after init --force', () => {
  test('renew --dir replaced-<time> writes into its own clients/ and leaves the new CA bundle byte-identical', async () => {
    const dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    expect((await run('issue', 'alice', '--dir', dir)).code).toBe(0);
    const forced = await run('init', '--dir', dir, '--force');
    const old = /Kept the replaced files in (\S+) /.exec(forced.out)?.[1] ?? '';
    expect((await readIndex(join(old, 'index.json'))).certs.find((e) => e.name === 'alice')?.bundle).toBe(join(old, 'clients', 'alice'));
    expect((await run('issue', 'alice', '--dir', dir)).code).toBe(0);
    const files = ['ca.pem', 'cert.pem', 'key.pem'].map((f) => join(dir, 'clients', 'alice', f));
    const before = await Promise.all(files.map((f) => readFile(f, 'utf8')));

    const renewed = await run('renew', 'alice', '--dir', old);
    expect(renewed.err).toBe('');
    expect(renewed.out).toContain(join(old, 'clients', 'alice'));
    expect(await Promise.all(files.map((f) => readFile(f, 'utf8')))).toEqual(before);
    expect(openssl('verify', '-CAfile', join(old, 'ca.pem'), join(old, 'clients', 'alice', 'cert.pem')).status).toBe(0);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'clients', 'alice', 'cert.pem')).status).toBe(0);
  });

  test.each([
    ['renew into the new CA clients/ (an index from before the fix)', ['renew', 'alice'], true],
    ['issue --out into the new CA clients/', ['issue', 'bob', '--out', 'NEW/clients/bob'], false],
  ])('%s is refused, nothing written', async (_what, argv, stale) => {
    const dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    expect((await run('issue', 'alice', '--dir', dir)).code).toBe(0);
    const forced = await run('init', '--dir', dir, '--force');
    const old = /Kept the replaced files in (\S+) /.exec(forced.out)?.[1] ?? '';
    if (stale) {
      const index = JSON.parse(await readFile(join(old, 'index.json'), 'utf8')) as { certs: { bundle?: string }[] };
      for (const e of index.certs) if (e.bundle) e.bundle = e.bundle.replace(old, dir);
      await writeFile(join(old, 'index.json'), JSON.stringify(index));
    }
    const oldIndex = await readFile(join(old, 'index.json'), 'utf8');
    const r = await run(...argv.map((a) => a.replace('NEW', dir)), '--dir', old);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`it is inside ${dir}, another CA directory than ${old}`);
    expect(await readFile(join(dir, 'clients', 'alice', 'cert.pem')).catch(() => 'absent')).toBe('absent');
    expect(await readFile(join(dir, 'clients', 'bob', 'cert.pem')).catch(() => 'absent')).toBe('absent');
    expect(await readFile(join(old, 'index.json'), 'utf8')).toBe(oldIndex);
  });

  // rev-day2b F2: init --force took no lock, so an issue running meanwhile wrote the old CA's
  // index (and an old-CA bundle) over the new CA's.
  test('init --force waits for index.lock held by another command, then switches', async () => {
    const dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    const oldCa = await readFile(join(dir, 'ca.pem'), 'utf8');
    let forced: Promise<{ code: number }> | undefined;
    await withIndexLock(dir, async () => {
      forced = run('init', '--dir', dir, '--force');
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toBe(oldCa);
    });
    expect((await forced)?.code).toBe(0);
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).not.toBe(oldCa);
  });

  test('issue and init --force at once: the new index is the new CA\'s and lists its server certificate', async () => {
    const dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    const [issued, forced] = await Promise.all([run('issue', 'slow', '--key-type', 'rsa', '--dir', dir), run('init', '--dir', dir, '--force')]);
    expect(forced.code).toBe(0);
    const index = await readIndex(join(dir, 'index.json'));
    const serial = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-serial').stdout.trim().replace('serial=', '').toLowerCase();
    expect(index.certs.filter((e) => e.kind === 'server').map((e) => e.serial)).toEqual([serial]);
    // slow went into whichever CA the issue found: its bundle verifies against that CA.
    if (issued.code === 0 && index.certs.some((e) => e.name === 'slow')) {
      expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'clients', 'slow', 'cert.pem')).status).toBe(0);
    }
  });

  // rev-day2b F7: a clients/ left without a CA stayed in place; the new CA could not issue those
  // names, and the embedded default made a CA and then failed on its admin bundle (for good).
  async function leftoverClients(name: string): Promise<string> {
    const dir = join(await tmp(), 'certs');
    await mkdir(join(dir, 'clients', name), { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(dir, 'clients', name, f), 'old\n');
    return dir;
  }

  test('init --force moves a leftover clients/ without CA files; the name can be issued again', async () => {
    const dir = await leftoverClients('alice');
    const forced = await run('init', '--dir', dir, '--force');
    expect(forced.code).toBe(0);
    const old = /Kept the replaced files in (\S+) /.exec(forced.out)?.[1] ?? '';
    expect(await readFile(join(old, 'clients', 'alice', 'key.pem'), 'utf8')).toBe('old\n');
    expect((await run('issue', 'alice', '--dir', dir)).code).toBe(0);
  });

  test('init without --force refuses a leftover clients/, creating nothing', async () => {
    const dir = await leftoverClients('alice');
    const r = await run('init', '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(dir, 'clients')} holds bundles (alice) though ${dir} holds no CA; nothing was created`);
    expect((await readdir(dir)).sort()).toEqual(['clients']);
  });

  test('the embedded default refuses a leftover clients/admin before creating a CA, on every start', async () => {
    const dir = await leftoverClients('admin');
    for (let i = 0; i < 2; i++) {
      await expect(ensureDefaultPki(dir, captureIo().io)).rejects.toThrow(/holds bundles \(admin\) though .* holds no CA; nothing was created/);
      expect((await readdir(dir)).sort()).toEqual(['clients']);
    }
  });
});
