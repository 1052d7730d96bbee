/**
 * What `certs issue --archive`, `certs issue --out` and `certs init` must not overwrite
 * (rev-pki findings 1, 2, 8): the CA key, another client's bundle, another CA's ca.pem, a
 * server key or index left without a CA. Each refusal comes before anything is signed.
 */
import { readFile, mkdir, rename, symlink, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readIndex } from '../../../src/pki/pki-index.js';
import { modeOf, openssl, tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

/** Names in the CA's index, to check a refusal issued nothing. */
async function names(dir: string): Promise<string[]> {
  return (await readIndex(join(dir, 'index.json'))).certs.map((e) => e.name);
}

describe('certs issue --archive', () => {
  let dir: string;
  let outside: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'certs');
    outside = await tmp();
    expect((await run('init', '--dir', dir, '--host', '127.0.0.1')).code).toBe(0);
    expect((await run('issue', 'alice', '--dir', dir)).code).toBe(0);
    await writeFile(join(outside, 'existing.tar.gz'), 'precious');
    await mkdir(join(outside, 'elsewhere'));
    await symlink(dir, join(outside, 'link-to-ca'));
  });

  test.each([
    ['the CA key', (d: string) => join(d, 'ca-key.pem'), []],
    ['the CA key, with --force', (d: string) => join(d, 'ca-key.pem'), ['--force']],
    ['index.json, with --force', (d: string) => join(d, 'index.json'), ['--force']],
    ['a new file in the CA directory', (d: string) => join(d, 'mallory.tar.gz'), []],
    ['a new file under clients/', (d: string) => join(d, 'clients', 'mallory.tar.gz'), []],
    ['the CA key through a symbolic link to the CA directory', (_d: string, o: string) => join(o, 'link-to-ca', 'ca-key.pem'), ['--force']],
  ])('a path inside the CA directory is refused: %s', async (_what, path, extra) => {
    const target = path(dir, outside);
    const before = await readFile(join(dir, 'ca-key.pem'), 'utf8');
    const r = await run('issue', 'mallory', '--dir', dir, '--archive', target, ...extra);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/inside the CA directory .*nothing was issued/);
    expect(await readFile(join(dir, 'ca-key.pem'), 'utf8')).toBe(before);
    expect(await names(dir)).not.toContain('mallory');
  });

  test('an existing file is refused without --force and nothing is issued', async () => {
    const r = await run('issue', 'bob', '--dir', dir, '--archive', join(outside, 'existing.tar.gz'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the file exists; name a new file, or pass --force to replace it; nothing was issued/);
    expect(await readFile(join(outside, 'existing.tar.gz'), 'utf8')).toBe('precious');
    expect(await names(dir)).not.toContain('bob');
  });

  test('with --force an existing file outside the CA directory is replaced', async () => {
    const r = await run('issue', 'bob', '--dir', dir, '--archive', join(outside, 'existing.tar.gz'), '--force');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((await readFile(join(outside, 'existing.tar.gz'))).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  test('a path inside the bundle directory given with --out is refused', async () => {
    const out = join(outside, 'elsewhere');
    const r = await run('issue', 'carol', '--dir', dir, '--out', out, '--archive', join(out, 'key.pem'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/inside the bundle directory/);
    expect(await names(dir)).not.toContain('carol');
  });
});

describe('certs issue --out', () => {
  let dir: string;
  let scrapers: string;
  let root: string;
  beforeAll(async () => {
    root = await tmp();
    dir = join(root, 'certs');
    scrapers = join(root, 'scrapers');
    expect((await run('init', '--dir', dir, '--host', '127.0.0.1')).code).toBe(0);
    expect((await run('init', '--dir', scrapers, '--host', '127.0.0.1')).code).toBe(0);
    expect((await run('issue', 'alice', '--dir', dir)).code).toBe(0);
    await mkdir(join(root, 'docker-dir'));
    await writeFile(join(root, 'docker-dir', 'ca.pem'), 'another CA');
    await mkdir(join(root, 'only-index'));
    await writeFile(join(root, 'only-index', 'index.json'), '{}');
  });

  test.each([
    ["another client's bundle", () => join(dir, 'clients', 'alice'), /already holds ca\.pem, cert\.pem, key\.pem, the bundle of "alice", not of "bob"/],
    ["another CA directory (its ca.pem)", () => scrapers, /holds ca-key\.pem, so it is a CA directory/],
    ['this CA directory', () => dir, /holds ca-key\.pem, so it is a CA directory/],
    ['a directory holding only an index.json', () => join(root, 'only-index'), /holds index\.json, so it is a CA directory/],
    ['a directory with a ca.pem the index knows nothing of', () => join(root, 'docker-dir'), /already holds ca\.pem, which the index does not list as a bundle of "bob"/],
  ])('refused: %s; nothing is written or issued', async (_what, out, message) => {
    const target = out();
    const files = ['ca.pem', 'cert.pem', 'key.pem', 'ca-key.pem'];
    const before = await Promise.all(files.map((f) => readFile(join(target, f), 'utf8').catch(() => '')));
    for (const force of [[], ['--force']]) {
      const r = await run('issue', 'bob', '--dir', dir, '--out', target, ...force);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/nothing was issued/);
    }
    expect(await Promise.all(files.map((f) => readFile(join(target, f), 'utf8').catch(() => '')))).toEqual(before);
    expect(await names(dir)).not.toContain('bob');
    // The other CA still signs.
    expect((await run('issue', 'x', '--dir', scrapers, '--force')).code).toBe(0);
  });

  test("NAME's own bundle directory: re-issue with --force, and after revocation without it", async () => {
    const forced = await run('issue', 'alice', '--dir', dir, '--force');
    expect(forced.code).toBe(0);
    expect((await run('revoke', 'alice', '--dir', dir)).code).toBe(0);
    const again = await run('issue', 'alice', '--dir', dir, '--out', join(dir, 'clients', 'alice'));
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
  });

  test('renew refuses a bundle directory that has since become a CA directory', async () => {
    expect((await run('issue', 'dora', '--dir', dir, '--out', join(root, 'dora'))).code).toBe(0);
    await writeFile(join(root, 'dora', 'ca-key.pem'), 'someone made a CA here');
    const r = await run('renew', 'dora', '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/so it is a CA directory/);
  });
});

describe('certs init', () => {
  test.each([['server-key.pem'], ['server-cert.pem'], ['index.json'], ['crl.pem']])(
    'refuses a directory holding %s without a CA, unless --force',
    async (file) => {
      const dir = await tmp();
      await writeFile(join(dir, file), 'hand-placed');
      const r = await run('init', '--dir', dir);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${join(dir, file)} exists though ${dir} holds no CA`);
      expect(await readFile(join(dir, file), 'utf8')).toBe('hand-placed');
      await expect(stat(join(dir, 'ca.pem'))).rejects.toThrow();
      const forced = await run('init', '--dir', dir, '--force');
      expect(forced.code).toBe(0);
      const kept = /Kept the replaced files in (\S+)/.exec(forced.out)?.[1] ?? '';
      expect(await readFile(join(kept, file), 'utf8')).toBe('hand-placed');
    },
  );

  test('--force keeps the old CA as a working CA directory and lets every bundle be re-issued', async () => {
    const dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    expect((await run('issue', 'alice', '--dir', dir)).code).toBe(0);
    expect((await run('revoke', 'alice', '--dir', dir)).code).toBe(0);
    expect((await run('issue', 'alice', '--dir', dir)).code).toBe(0);
    const oldKey = await readFile(join(dir, 'ca-key.pem'), 'utf8');
    const oldCa = await readFile(join(dir, 'ca.pem'), 'utf8');
    const oldAliceCert = await readFile(join(dir, 'clients', 'alice', 'cert.pem'), 'utf8');

    const r = await run('init', '--dir', dir, '--force');
    expect(r.code).toBe(0);
    const kept = /Kept the replaced files in (\S+) /.exec(r.out)?.[1] ?? '';
    expect(kept).toMatch(/\/replaced-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(await modeOf(kept)).toBe(0o700);
    expect(await readFile(join(kept, 'ca-key.pem'), 'utf8')).toBe(oldKey);
    expect(await modeOf(join(kept, 'ca-key.pem'))).toBe(0o600);
    expect(await modeOf(join(kept, 'server-key.pem'))).toBe(0o600);
    expect(await readFile(join(kept, 'ca.pem'), 'utf8')).toBe(oldCa);
    expect(await readFile(join(kept, 'clients', 'alice', 'cert.pem'), 'utf8')).toBe(oldAliceCert);
    expect(await readFile(join(dir, 'ca-key.pem'), 'utf8')).not.toBe(oldKey);

    // The old CA's CRL can still be re-signed (and keeps its revocation), and its clients revoked.
    const crl = await run('crl', '--dir', kept);
    expect(crl.err).toBe('');
    expect(crl.out).toMatch(/Wrote CRL #3 /);
    expect((await run('revoke', 'alice', '--dir', kept)).code).toBe(0);
    const text = openssl('crl', '-in', join(kept, 'crl.pem'), '-CAfile', join(kept, 'ca.pem'), '-noout', '-text');
    expect(text.stderr).toContain('verify OK');
    expect(text.stdout.match(/Serial Number:/g)).toHaveLength(2);

    // The new CA issues alice again into the default bundle directory.
    const again = await run('issue', 'alice', '--dir', dir);
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'clients', 'alice', 'cert.pem')).status).toBe(0);

    // A second --force in the same second gets a directory of its own.
    const second = await run('init', '--dir', dir, '--force');
    const kept2 = /Kept the replaced files in (\S+) /.exec(second.out)?.[1] ?? '';
    expect(kept2).not.toBe(kept);
    await rename(kept2, `${kept2}.checked`);
  });

  test.runIf(process.platform === 'linux')('--dir on a pseudo-filesystem (/proc/...) fails at once instead of spinning', async () => {
    const r = await run('init', '--dir', '/proc/dockgate-nope/certs');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot create the directory \/proc\/dockgate-nope \(ENOENT\)/);
  }, 3000);

  test('--dir below a file is refused naming it', async () => {
    const file = join(await tmp(), 'plain');
    await writeFile(file, '');
    const r = await run('init', '--dir', join(file, 'certs'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file} is not a directory`);
  });
});
