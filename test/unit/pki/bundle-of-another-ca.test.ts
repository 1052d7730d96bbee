/**
 * A bundle directory the index lists as NAME's may since hold another CA's bundle of NAME
 * (rev-day3 F1): after `init --force`, the old files moved away and alice re-issued from the
 * new CA into the same `--out`, `renew alice --dir DIR/replaced-<time>` must not overwrite it.
 */
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();
const FILES = ['ca.pem', 'cert.pem', 'key.pem'];

async function contents(dir: string): Promise<string[]> {
  return Promise.all(FILES.map((f) => readFile(join(dir, f), 'utf8')));
}

describe('a bundle directory now holding another CA\'s bundle of the same name', () => {
  test('renew from the replaced CA and issue from another CA refuse and leave the files byte-identical', async () => {
    const root = await tmp();
    const dir = join(root, 'ca');
    const out = join(root, 'home', 'alice');
    expect((await run('init', '--dir', dir, '--host', 'localhost')).code).toBe(0);
    await mkdir(join(root, 'home'));
    expect((await run('issue', 'alice', '--dir', dir, '--out', out)).code).toBe(0);
    expect((await run('init', '--dir', dir, '--force', '--host', 'localhost')).code).toBe(0);
    const replaced = (await readdir(dir)).find((n) => n.startsWith('replaced-'));
    expect(replaced).toBeDefined();
    const oldCa = join(dir, replaced as string);

    // The refusal's own advice: move those files away, then issue from the new CA.
    expect((await run('issue', 'alice', '--dir', dir, '--out', out)).code).toBe(1);
    await mkdir(join(root, 'old'));
    for (const f of FILES) await rename(join(out, f), join(root, 'old', f));
    expect((await run('issue', 'alice', '--dir', dir, '--out', out)).code).toBe(0);
    const before = await contents(out);

    const renew = await run('renew', 'alice', '--dir', oldCa);
    expect(renew.code).toBe(1);
    expect(renew.err).toMatch(/not a bundle this CA issued to "alice".*nothing was issued/);
    expect(await contents(out)).toEqual(before);

    // The same through `issue --force` from the old CA directory.
    const issue = await run('issue', 'alice', '--dir', oldCa, '--out', out, '--force');
    expect(issue.code).toBe(1);
    expect(await contents(out)).toEqual(before);

    // The new CA still renews its own alice in place.
    expect((await run('renew', 'alice', '--dir', dir)).code).toBe(0);
    expect(await readFile(join(out, 'ca.pem'), 'utf8')).toBe(before[0]);
    expect(await readFile(join(out, 'key.pem'), 'utf8')).not.toBe(before[2]);
  });
});
