/**
 * A file the config names, or the config file itself, that cannot be read is said in
 * dockgate's words (rev-newuser F7, F9): `no such file` once, with `certs init` where it would
 * write that file, and an EACCES names owner, mode and who dockgate runs as.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configReadProblem } from '../../../src/config/config-text.js';
import { buildConfig, loadConfig } from '../../../src/config/load.js';
import { accessDetail, readFailure, unreadableReason, type Ownership } from '../../../src/config/unreadable.js';
import { ConfigError } from '../../../src/config/validate.js';

const dir = mkdtempSync(join(tmpdir(), 'dockgate-unreadable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const self = { uid: 65534, gid: 65534, groups: [65534, 999] };
const tree = (entries: Record<string, Ownership>) => (path: string): Ownership | undefined => entries[path];

describe('an EACCES names the owner and mode, and who dockgate runs as', () => {
  it.each([
    ['the file is root\'s, 0600', { '/var/lib/dockgate/certs/ca.pem': { uid: 0, gid: 0, mode: 0o100600 } }, 'owned by uid 0 gid 0, mode 0600; dockgate runs as uid 65534 gid 65534 (groups 999)'],
    ['a directory above it may not be searched', { '/var/lib/dockgate': { uid: 65534, gid: 65534, mode: 0o40700 } }, 'the directory /var/lib/dockgate (uid 65534 gid 65534, mode 0700) does not let it through; dockgate runs as uid 65534 gid 65534 (groups 999)'],
    ['nothing can be stat\'ed', {}, 'dockgate runs as uid 65534 gid 65534 (groups 999)'],
  ])('%s', (_label, entries, want) => {
    expect(accessDetail('/var/lib/dockgate/certs/ca.pem', tree(entries), self)).toBe(want);
  });

  it.each([
    ['ENOENT', 'no such file'],
    ['EACCES', 'not readable (EACCES: owned by uid 0 gid 0, mode 0600; dockgate runs as uid 65534 gid 65534 (groups 999))'],
    ['EISDIR', 'not readable (EISDIR)'],
  ])('%s', (code, want) => {
    expect(unreadableReason('/x/ca.pem', code, tree({ '/x/ca.pem': { uid: 0, gid: 0, mode: 0o600 } }), self)).toBe(want);
  });
});

describe('the config file itself (rev-newuser F9)', () => {
  it('a missing one: "no such file", the path once, none of Node\'s ENOENT text', () => {
    const missing = join(dir, 'absent.yaml');
    let got: string[] = [];
    try {
      loadConfig(missing);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      got = err.problems.map((p) => `${p.path}: ${p.message}`);
    }
    expect(got).toEqual([`(file): ${missing}: no such file`]);
  });

  it('a refusal that names the path already is not prefixed again', () => {
    const sub = join(dir, 'a-directory.yaml');
    mkdirSync(sub);
    expect(configReadProblem(sub, new Error(`${sub} is not a regular file (a directory)`))).toBe(`${sub} is not a regular file (a directory)`);
  });
});

describe('explicit TLS paths that do not exist get the certs init hint where init would write them (rev-newuser F7)', () => {
  const problemsOf = (base: string, doc: Record<string, unknown>): string[] => {
    try {
      buildConfig(doc, base, 'x.yaml');
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems.map((p) => `${p.path}: ${p.message}`.split(base).join(''));
    }
  };
  const tls = { ca: 'pki/ca.pem', cert: 'pki/server-cert.pem', key: 'pki/server-key.pem', crl: 'pki/crl.pem' };

  it('a directory with none of init\'s files: every file init writes gets the hint, the command once (the first)', () => {
    const base = mkdtempSync(join(dir, 'fresh-'));
    const hint = 'create it with "dockgate certs init --dir /pki"';
    const again = 'the certs init command above creates it too';
    expect(problemsOf(base, { tls })).toEqual([
      `tls.ca: /pki/ca.pem: no such file: ${hint}`,
      `tls.cert: /pki/server-cert.pem: no such file: ${again}`,
      `tls.key: /pki/server-key.pem: no such file: ${again}`,
      `tls.crl: /pki/crl.pem: no such file: ${again}`,
    ]);
  });

  it('the command once per directory: admin.tls files in another directory get their own', () => {
    const base = mkdtempSync(join(dir, 'two-'));
    const admin = { listen: '127.0.0.1:0', tls: { ca: 'adm/ca.pem', cert: 'adm/server-cert.pem', key: 'adm/server-key.pem' } };
    const got = problemsOf(base, { tls, admin });
    expect(got.filter((p) => p.includes('create it with "dockgate certs init --dir /pki"'))).toEqual(['tls.ca: /pki/ca.pem: no such file: create it with "dockgate certs init --dir /pki"']);
    expect(got.filter((p) => p.includes('create it with "dockgate certs init --dir /adm"'))).toHaveLength(1);
    expect(got.filter((p) => p.endsWith('the certs init command above creates it too'))).toHaveLength(5);
  });

  it('no hint where init would refuse, or for a name init does not write', () => {
    const base = mkdtempSync(join(dir, 'partial-'));
    mkdirSync(join(base, 'pki'));
    writeFileSync(join(base, 'pki', 'ca.pem'), 'x');
    expect(problemsOf(base, { tls })).toEqual([
      'tls.cert: /pki/server-cert.pem: no such file',
      'tls.key: /pki/server-key.pem: no such file',
      'tls.crl: /pki/crl.pem: no such file',
    ]);
    const other = mkdtempSync(join(dir, 'names-'));
    expect(problemsOf(other, { tls: { ca: 'ca.crt', cert: 'gw.crt', key: 'gw.key' } })).toEqual([
      'tls.ca: /ca.crt: no such file',
      'tls.cert: /gw.crt: no such file',
      'tls.key: /gw.key: no such file',
    ]);
  });
});

describe('readFailure: a policy file (policy check, explain, a reload), a config file for policy --config, a --body file', () => {
  const osError = (code: string, file: string) => Object.assign(new Error(`${code}: Node's own text, open '${file}'`), { code, syscall: 'open', path: file });
  const lookup = tree({ '/etc/dockgate/policy.yaml': { uid: 0, gid: 0, mode: 0o100600 } });
  it.each([
    ['missing, absolute', '/etc/dockgate/nope.yaml', osError('ENOENT', '/etc/dockgate/nope.yaml'), 'no such file'],
    ['missing, relative: where it was looked for', 'nope.yaml', osError('ENOENT', 'nope.yaml'), `no such file (looked for ${join(process.cwd(), 'nope.yaml')})`],
    ['not readable: owner, mode, who dockgate runs as', '/etc/dockgate/policy.yaml', osError('EACCES', '/etc/dockgate/policy.yaml'), 'not readable (EACCES: owned by uid 0 gid 0, mode 0600; dockgate runs as uid 65534 gid 65534 (groups 999))'],
    ['another OS error: its code', '/etc/dockgate/policy.yaml', osError('EIO', '/etc/dockgate/policy.yaml'), 'not readable (EIO)'],
    ['a refusal of dockgate\'s own: as it is', '/etc/dockgate', new Error('/etc/dockgate is not a regular file (a directory)'), '/etc/dockgate is not a regular file (a directory)'],
  ])('%s', (_label, file, err, want) => {
    const said = readFailure(file, err, lookup, self);
    expect(said).toBe(want);
    expect(said).not.toContain("Node's own text");
  });
});
