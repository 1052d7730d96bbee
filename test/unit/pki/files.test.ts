import { chown, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeFileAtomic } from '../../../src/pki/files.js';
import { modeOf, tempDirs } from './helpers.js';

const tmp = tempDirs();

describe('writeFileAtomic', () => {
  test('replaces by rename (new inode), with the requested mode even over a wider file', async () => {
    const dir = await tmp();
    const file = join(dir, 'key.pem');
    await writeFile(file, 'old', { mode: 0o644 });
    const before = await stat(file);
    await writeFileAtomic(file, 'new', 0o600);
    const after = await stat(file);
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(after.ino).not.toBe(before.ino);
    expect(await modeOf(file)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['key.pem']);
  });

  // CI runs as root; elsewhere chown needs root.
  const asRoot = process.getuid?.() === 0 || process.env.CI === 'true';
  test.runIf(asRoot)('run as root, a replaced file keeps its owner (a service user\'s key stays readable by the service)', async () => {
    const dir = await tmp();
    const file = join(dir, 'server-key.pem');
    await writeFile(file, 'old', { mode: 0o600 });
    await chown(file, 10001, 10002);
    await writeFileAtomic(file, 'new', 0o600);
    const after = await stat(file);
    expect([after.uid, after.gid]).toEqual([10001, 10002]);
    expect(await modeOf(file)).toBe(0o600);
  });

  test.runIf(asRoot)('run as root, a new file stays root\'s even in a directory another user owns (no private key handed over)', async () => {
    const dir = await tmp();
    await chown(dir, 10003, 10004);
    await writeFileAtomic(join(dir, 'ca-key.pem'), 'k', 0o600);
    const after = await stat(join(dir, 'ca-key.pem'));
    expect([after.uid, after.gid]).toEqual([0, 0]);
  });

  test('a failed rename removes its temporary file and touches nothing else', async () => {
    const dir = await tmp();
    const file = join(dir, 'index.json');
    await writeFile(file, 'old');
    // Renaming a file over a directory fails after the temporary file was written.
    const target = join(dir, 'sub');
    await (await import('node:fs/promises')).mkdir(join(target, 'x'), { recursive: true });
    await expect(writeFileAtomic(target, 'new', 0o644)).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['index.json', 'sub']);
    expect(await readFile(file, 'utf8')).toBe('old');
  });
});
