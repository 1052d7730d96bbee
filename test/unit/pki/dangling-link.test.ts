/**
 * A dangling symbolic link as `--dir` or `--out` (rev-day2b F9): a one-line message naming the
 * link, before anything is signed, not a bare ENOENT after it.
 */
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readIndex } from '../../../src/pki/pki-index.js';
import { tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

describe('dangling symbolic links', () => {
  test.each([
    ['init --dir LINK', (link: string) => ['init', '--dir', link]],
    ['init --dir LINK/sub', (link: string) => ['init', '--dir', join(link, 'sub')]],
  ])('%s: refused naming the link', async (_what, argv) => {
    const base = await tmp();
    const link = join(base, 'dangling');
    await symlink(join(base, 'nowhere'), link);
    const r = await run(...argv(link));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${link} is a dangling symbolic link (to ${join(base, 'nowhere')}); remove it or create its target`);
    expect(r.err).not.toContain('ENOENT');
  });

  test('issue --out LINK: refused before signing, nothing indexed', async () => {
    const base = await tmp();
    const ca = join(base, 'ca');
    expect((await run('init', '--dir', ca)).code).toBe(0);
    const link = join(base, 'o7link');
    await symlink(join(base, 'nowhere'), link);
    const r = await run('issue', 'o7', '--dir', ca, '--out', link);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`bundle directory ${link}: it is a dangling symbolic link (to ${join(base, 'nowhere')}); remove it or create its target; nothing was issued`);
    expect((await readIndex(join(ca, 'index.json'))).certs.filter((e) => e.kind === 'client')).toEqual([]);
  });
});
