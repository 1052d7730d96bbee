/**
 * The advice of a refusal must hold in the directory refused (rev-fixes1 F5): `certs init` is
 * not advised where it would itself refuse, and "restore index.json from a backup" is not the
 * only way out for a CA made by other tools, which never had one.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

describe('advice for a directory without a CA', () => {
  test('an empty directory: run certs init', async () => {
    const dir = await tmp();
    const r = await run('list', '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no CA in ${dir} (missing ${join(dir, 'ca.pem')}); run "dockgate certs init --dir ${dir}" first`);
  });

  test.each([
    ['list', ['list']],
    ['issue', ['issue', 'bob']],
  ])('only index.json left: %s advises restoring ca.pem or init --force, and init indeed refuses', async (_what, argv) => {
    const base = await tmp();
    const ca = join(base, 'ca');
    expect((await run('init', '--dir', ca)).code).toBe(0);
    const dir = join(base, 'l2');
    await mkdir(dir);
    await copyFile(join(ca, 'index.json'), join(dir, 'index.json'));
    const r = await run(...argv, '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no CA in ${dir} (missing ${join(dir, 'ca.pem')}, though it holds index.json): restore ca.pem from a backup, or start a new CA with "dockgate certs init --dir ${dir} --force"`);
    expect(r.err).not.toContain('first');
    expect((await run('init', '--dir', dir)).code).toBe(1);
    expect((await run('init', '--dir', dir, '--force')).code).toBe(0);
  });
});

describe('a CA without index.json whose crl.pem is its own', () => {
  test.each([
    ['list', ['list'], 'list its certificates with those tools; nothing is listed'],
    ['crl', ['crl'], 'keep revoking with those tools'],
    ['issue', ['issue', 'bob'], 'keep issuing with those tools'],
  ])('%s names both cases: a lost index, and a CA that never had one', async (_what, argv, foreign) => {
    const dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    expect((await run('crl', '--dir', dir)).code).toBe(0);
    await rm(join(dir, 'index.json'));
    const r = await run(...argv, '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`If this CA had an index.json, restore it from a backup into ${dir}; if it never had one (a CA made by other tools, with a crl.pem of their own), dockgate cannot tell what it issued: ${foreign}`);
  });
});
