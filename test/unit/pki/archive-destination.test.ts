/**
 * `certs issue --archive FILE --force` (rev-day2b F8): only a regular file (or a link to one)
 * may be replaced; a FIFO, a device or a link to one stays what it is. And, as for --out, no
 * archive goes into another CA's directory.
 */
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readIndex } from '../../../src/pki/pki-index.js';
import { tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

describe('certs issue --archive --force', () => {
  let base: string;
  let ca: string;
  beforeAll(async () => {
    base = await tmp();
    ca = join(base, 'ca');
    expect((await run('init', '--dir', ca)).code).toBe(0);
    expect((await run('init', '--dir', join(base, 'other'))).code).toBe(0);
    execFileSync('mkfifo', [join(base, 'fifo')]);
    await symlink('/proc/self/fd/1', join(base, 'fakestdout'));
    await symlink('/dev/null', join(base, 'devnull'));
    await symlink(join(base, 'nowhere'), join(base, 'dangling'));
  });

  test.each([
    ['a FIFO', 'fifo', /that is not a regular file/],
    ['a link to /proc/self/fd/1', 'fakestdout', /that is a symbolic link to not a regular file/],
    ['a link to /dev/null', 'devnull', /that is a symbolic link to not a regular file/],
    ['a dangling link', 'dangling', /that is a symbolic link to nothing \(a dangling symbolic link\)/],
    ["another CA's directory", 'other/archive.tar.gz', /that is inside the CA directory .*\/other; write the archive elsewhere/],
    ["another CA's clients/", 'other/clients/archive.tar.gz', /that is inside the CA directory .*\/other; write the archive elsewhere/],
  ])('%s is refused, nothing issued, the path left as it was', async (_what, rel, message) => {
    const path = join(base, rel);
    await mkdir(join(base, 'other', 'clients'), { recursive: true });
    const before = await lstat(path).catch(() => undefined);
    const r = await run('issue', `n-${rel.replace(/\W/g, '')}`, '--dir', ca, '--archive', path, '--force');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('nothing was issued');
    const after = await lstat(path).catch(() => undefined);
    expect(after?.mode).toBe(before?.mode);
    expect((await readIndex(join(ca, 'index.json'))).certs.filter((e) => e.kind === 'client')).toEqual([]);
  });

  test('an existing regular file, and a link to one, are still replaced with --force', async () => {
    await writeFile(join(base, 'old.tar.gz'), 'old');
    await symlink(join(base, 'old.tar.gz'), join(base, 'link.tar.gz'));
    expect((await run('issue', 'reg', '--dir', ca, '--archive', join(base, 'old.tar.gz'), '--force')).code).toBe(0);
    expect((await readFile(join(base, 'old.tar.gz'))).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect((await run('issue', 'lnk', '--dir', ca, '--archive', join(base, 'link.tar.gz'), '--force')).code).toBe(0);
  });
});
