/**
 * A CA directory reached through a symbolic link (`./certs -> real`), as `--dir` or the
 * embedded default's directory (rev-fixes1 F4): a bundle written into its own `clients/NAME`
 * is inside that CA, not "another CA directory". Both paths are resolved the same way.
 */
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ensureDefaultPki } from '../../../src/pki/ensure-default-pki.js';
import { exists } from '../../../src/pki/files.js';
import { captureIo, tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

/** `base/certs` -> `base/real` (an empty directory); returns the link. */
async function linkedDir(): Promise<string> {
  const base = await tmp();
  await mkdir(join(base, 'real'));
  const link = join(base, 'certs');
  await symlink(join(base, 'real'), link);
  return link;
}

describe('a CA directory that is a symbolic link', () => {
  test('the embedded default creates the CA and its admin bundle', async () => {
    const link = await linkedDir();
    const r = await ensureDefaultPki(link, captureIo().io);
    expect(r.created).toBe(true);
    expect(await exists(join(link, 'clients', 'admin', 'cert.pem'))).toBe(true);
  });

  test.each([
    ['issue into the default clients/NAME', (dir: string) => ['issue', 'bob', '--dir', dir]],
    ['issue --out DIR/clients/NAME', (dir: string) => ['issue', 'bob', '--dir', dir, '--out', join(dir, 'clients', 'bob')]],
  ])('%s', async (_what, argv) => {
    const link = await linkedDir();
    expect((await run('init', '--dir', link)).code).toBe(0);
    const r = await run(...argv(link));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await exists(join(link, 'clients', 'bob', 'key.pem'))).toBe(true);
    const renewed = await run('renew', 'bob', '--dir', link);
    expect(renewed.err).toBe('');
    expect(renewed.code).toBe(0);
  });

  test('a bundle inside another CA directory is still refused', async () => {
    const link = await linkedDir();
    const other = join(link, '..', 'other');
    expect((await run('init', '--dir', link)).code).toBe(0);
    expect((await run('init', '--dir', other)).code).toBe(0);
    const r = await run('issue', 'bob', '--dir', link, '--out', join(other, 'clients', 'bob'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/it is inside .*other, another CA directory than .*real/);
  });
});
