/**
 * ensureDefaultPki's `beforeCreate`: serve's check that its listeners can bind runs once nothing
 * is in the way and before anything is created, so that a first start whose port is taken leaves
 * no CA behind (it made ./certs, then failed to listen). Not run when there is nothing to create,
 * nor when ./certs is refused (its message comes first, as before).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DefaultPkiError, ensureDefaultPki } from '../../../src/pki/cli.js';
import { captureIo, tempDirs } from './helpers.js';

const tmp = tempDirs();

/** A beforeCreate that records its calls and, when given, throws `fail`. */
function check(fail?: Error): { calls: number; run: () => Promise<void> } {
  const c = {
    calls: 0,
    run: async () => {
      c.calls++;
      if (fail) throw fail;
    },
  };
  return c;
}

describe('ensureDefaultPki: beforeCreate', () => {
  test('throwing: its error as it is, nothing created (no directory made)', async () => {
    const dir = join(await tmp(), 'certs');
    const taken = new Error('admin listener (admin): listen EADDRINUSE: address already in use 127.0.0.1:9376');
    const before = check(taken);
    const c = captureIo();
    await expect(ensureDefaultPki(dir, c.io, before.run)).rejects.toBe(taken);
    expect(before.calls).toBe(1);
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(c.out()).toBe('');
  });

  test('throwing, with an empty directory there: left empty', async () => {
    const dir = join(await tmp(), 'volume');
    await mkdir(dir);
    await expect(ensureDefaultPki(dir, captureIo().io, check(new Error('taken')).run)).rejects.toThrow('taken');
    expect(await readdir(dir)).toEqual([]);
  });

  test('passing: run once, then the PKI is made; not run once it exists', async () => {
    const dir = join(await tmp(), 'certs');
    const before = check();
    expect(await ensureDefaultPki(dir, captureIo().io, before.run)).toMatchObject({ created: true });
    expect(before.calls).toBe(1);
    expect(await readdir(dir)).toContain('ca.pem');
    const again = check(new Error('not to be called'));
    expect(await ensureDefaultPki(dir, captureIo().io, again.run)).toEqual({ created: false });
    expect(again.calls).toBe(0);
  });

  test('not run when ./certs is refused: that message first, as before', async () => {
    const dir = join(await tmp(), 'certs');
    await mkdir(dir);
    await writeFile(join(dir, 'ca-key.pem'), 'x');
    const before = check(new Error('taken'));
    await expect(ensureDefaultPki(dir, captureIo().io, before.run)).rejects.toBeInstanceOf(DefaultPkiError);
    expect(before.calls).toBe(0);
  });
});
