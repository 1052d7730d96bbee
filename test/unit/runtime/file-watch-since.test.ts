/**
 * watchFiles' `since` (rev-fix-config R2): the gateway loads its files, then starts their
 * watches once its listeners are up, and fs.watchFile's first stat is taken then: a file
 * replaced in between was never reloaded. With the states taken before the load, a file that
 * differs when the watch starts is reported as a change; one that does not, is not.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStates, watchFiles } from '../../../src/runtime/file-watch.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/**
 * Two files in a scratch directory, their states taken, then `between` run, then both watched:
 * what the watch reported, once it has reported something (or after 10 s), plus a few polls.
 */
async function watchAfter(between: (dir: string) => void): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dg-watch-since-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const files = [join(dir, 'crl.pem'), join(dir, 'policy.yaml')];
  for (const f of files) writeFileSync(f, `${f} at start\n`);
  const states = fileStates(files);
  between(dir);
  const seen: string[] = [];
  const stop = watchFiles(files, (f) => seen.push(readFileSync(f, 'utf8')), { intervalMs: 50, quietMs: 100 }, states);
  cleanups.push(stop);
  for (let i = 0; i < 200 && seen.length === 0; i++) await sleep(50);
  await sleep(400);
  return seen;
}

describe('watchFiles since the files were loaded', () => {
  it('a file replaced by rename before its watch starts is reported, with its new content', async () => {
    const seen = await watchAfter((dir) => {
      writeFileSync(join(dir, 'crl.pem.new'), 'revokes bob\n');
      renameSync(join(dir, 'crl.pem.new'), join(dir, 'crl.pem'));
    });
    expect(seen).toEqual(['revokes bob\n']);
  });

  it('a file rewritten in place (same size) before its watch starts is reported', async () => {
    let file = '';
    const seen = await watchAfter((dir) => {
      file = join(dir, 'policy.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('at start', 'changed!'));
    });
    expect(seen).toEqual([`${file} changed!\n`]);
  });

  it('files unchanged since are not reported', async () => {
    expect(await watchAfter(() => {})).toEqual([]);
  });
});
