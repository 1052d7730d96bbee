import { spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ensureDefaultPki, runCertsCommand } from '../../../src/pki/cli.js';
import { captureIo, modeOf, openssl, tempDirs } from './helpers.js';

const tmp = tempDirs();

async function run(...argv: string[]) {
  const c = captureIo();
  const code = await runCertsCommand(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('certs CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'ca dir');
    const r = await run('init', '--dir', dir, '--host', '127.0.0.1', '--host', 'gw.example.com', '--days', '90');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  test('a second init is refused with one line and exit 1', async () => {
    const r = await run('init', '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^dockgate certs: a CA already exists .*--force/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  test('issue prints the connect lines with the first non-loopback init host', async () => {
    const r = await run('issue', 'alice', '--dir', dir, '--group', 'dev', '--group=ops');
    expect(r.code).toBe(0);
    const bundle = join(dir, 'clients', 'alice');
    const q = (p: string) => `'${p}'`; // the directory has a space: paths are quoted
    expect(r.out).toContain('Issued a client certificate for "alice" (groups: dev, ops)');
    expect(r.out).toContain('export DOCKER_HOST=tcp://gw.example.com:2376\n');
    expect(r.out).toContain('export DOCKER_TLS_VERIFY=1\n');
    expect(r.out).toContain(`export DOCKER_CERT_PATH=${q(bundle)}\n`);
    expect(r.out).toContain(
      `docker --tlsverify --tlscacert=${q(join(bundle, 'ca.pem'))} --tlscert=${q(join(bundle, 'cert.pem'))} --tlskey=${q(join(bundle, 'key.pem'))} -H tcp://gw.example.com:2376 version\n`,
    );
    expect(r.out).toContain(
      `docker context create alice --docker "host=tcp://gw.example.com:2376,ca=${join(bundle, 'ca.pem')},cert=${join(bundle, 'cert.pem')},key=${join(bundle, 'key.pem')}"`,
    );
  });

  test('--connect-host overrides the host; IPv6 gets brackets', async () => {
    const r = await run('issue', 'v6', '--dir', dir, '--connect-host', 'fd00::1');
    expect(r.out).toContain('export DOCKER_HOST=tcp://[fd00::1]:2376\n');
    const p = await run('issue', 'port', '--dir', dir, '--connect-host', 'docker.example.com:12376');
    expect(p.out).toContain('export DOCKER_HOST=tcp://docker.example.com:12376\n');
  });

  test('--archive writes a 0600 .tar.gz holding the three files, key 0600 inside', async () => {
    const archive = join(await tmp(), 'bob.tar.gz');
    const r = await run('issue', 'bob', '--dir', dir, '--archive', archive);
    expect(r.code).toBe(0);
    expect(await modeOf(archive)).toBe(0o600);
    const listing = spawnSync('tar', ['-tvzf', archive], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    const rows = listing.stdout.trim().split('\n').map((l) => [l.split(/\s+/)[0], l.split(/\s+/).at(-1)]);
    expect(rows).toEqual([
      ['drwx------', 'bob/'],
      ['-rw-r--r--', 'bob/ca.pem'],
      ['-rw-r--r--', 'bob/cert.pem'],
      ['-rw-------', 'bob/key.pem'],
    ]);
    const out = await tmp();
    expect(spawnSync('tar', ['-xpzf', archive, '-C', out]).status).toBe(0);
    expect(await readFile(join(out, 'bob', 'key.pem'), 'utf8')).toBe(await readFile(join(dir, 'clients', 'bob', 'key.pem'), 'utf8'));
    expect(openssl('verify', '-CAfile', join(out, 'bob', 'ca.pem'), join(out, 'bob', 'cert.pem')).status).toBe(0);
  });

  test('--archive into a missing directory issues nothing: exit 1 naming the directory, and a retry works', async () => {
    // A CA of its own: the tests below list every entry of the shared one.
    const dir = join(await tmp(), 'ca');
    expect((await run('init', '--dir', dir, '--host', '127.0.0.1')).code).toBe(0);
    const parent = await tmp();
    const missing = join(parent, 'no-such-dir');
    const r = await run('issue', 'dave', '--dir', dir, '--archive', join(missing, 'dave.tar.gz'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`dockgate certs: --archive ${join(missing, 'dave.tar.gz')}: the directory ${missing} does not exist (create it first); nothing was issued\n`);
    expect(r.err).not.toContain('.tmp');
    expect(r.out).toBe('');
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { certs: Array<{ name: string }> };
    expect(index.certs.map((c) => c.name)).not.toContain('dave');
    // A directory given as the archive, and a file given as its directory, are refused the same way.
    expect((await run('issue', 'dave', '--dir', dir, '--archive', parent)).err).toContain('that is a directory; name the .tar.gz file to write; nothing was issued');
    expect((await run('issue', 'dave', '--dir', dir, '--archive', join(dir, 'index.json', 'x.tar.gz'))).err).toContain(`${join(dir, 'index.json')} is not a directory; nothing was issued`);
    const retry = await run('issue', 'dave', '--dir', dir, '--archive', join(parent, 'dave.tar.gz'));
    expect(retry.err).toBe('');
    expect(retry.code).toBe(0);
    expect(await modeOf(join(parent, 'dave.tar.gz'))).toBe(0o600);
  });

  test('list shows a table and --json the entries with status', async () => {
    await run('revoke', 'bob', '--dir', dir, '--reason', 'key-compromise');
    const table = await run('list', '--dir', dir);
    expect(table.code).toBe(0);
    const lines = table.out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+GROUPS\s+SERIAL\s+FINGERPRINT\s+NOT AFTER\s+STATUS$/);
    // The fingerprint column is the audit log's form (lowercase hex, no colons), cut to 16 digits.
    const alice = /^alice\s+client\s+dev,ops\s+[0-9a-f]{32}\s+([0-9a-f]{16})\s+\S+Z\s+valid$/.exec(lines.find((l) => l.startsWith('alice')) ?? '');
    expect(alice).not.toBeNull();
    expect(lines.find((l) => l.startsWith('bob'))).toMatch(/revoked \(keyCompromise\)$/);
    const json = JSON.parse((await run('list', '--dir', dir, '--json')).out) as { name: string; status: string; fingerprint: string }[];
    expect(json.find((e) => e.name === 'alice')?.fingerprint.startsWith(alice?.[1] ?? '-')).toBe(true);
    expect(json.map((e) => [e.name, e.status])).toEqual([
      ['server', 'valid'],
      ['alice', 'valid'],
      ['v6', 'valid'],
      ['port', 'valid'],
      ['bob', 'revoked'],
    ]);
  });

  test('renew and rotate-server succeed and report the new serial', async () => {
    const renew = await run('renew', 'alice', '--dir', dir, '--days', '10');
    expect(renew.code).toBe(0);
    expect(renew.out).toMatch(/The previous certificate \(serial [0-9a-f]{32}\) stays valid until/);
    const rotate = await run('rotate-server', '--dir', dir, '--host', 'extra.example.com');
    expect(rotate.code).toBe(0);
    expect(rotate.out).toContain('extra.example.com');
    const serial = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-serial').stdout.trim().slice(7).toLowerCase();
    expect(rotate.out).toContain(`serial       ${serial}`);
  });

  test.each([
    [['issue'], 2, 'missing NAME (see "dockgate certs issue --help")'],
    [['issue', 'x', 'y'], 2, 'expected one NAME, got 2 arguments'],
    [['issue', 'x', '--gruop', 'dev'], 2, 'unknown option --gruop'],
    [['init', '--key-type', 'dsa'], 2, 'unknown key type "dsa"'],
    [['issue', 'x', '--days', 'ten'], 2, '--days must be a positive whole number'],
    [['revoke', 'alice', '--reason', 'bored'], 2, 'unknown revocation reason "bored"'],
    [['list', '--dir'], 2, '--dir needs a value'],
    [['frobnicate'], 2, 'unknown command "frobnicate"'],
    [['help', 'isue'], 2, 'unknown command "isue" (see "dockgate certs --help")'],
    [['help', 'toString'], 2, 'unknown command "toString"'],
    [['help', '__proto__'], 2, 'unknown command "__proto__"'],
    [['toString'], 2, 'unknown command "toString" (see "dockgate certs --help")'],
    [['revoke', 'nobody', '--dir', '@DIR'], 1, 'no certificate with name or serial "nobody"'],
    [['issue', 'a/b', '--dir', '@DIR'], 2, 'must not contain / or \\ (see "dockgate certs issue --help")'],
    [['issue', '..', '--dir', '@DIR'], 2, 'name ".." is not allowed'],
    [['issue', 'carol', '--group', ' x', '--dir', '@DIR'], 2, 'group'],
    [['issue', 'carol', '--connect-host', 'a b:99', '--dir', '@DIR'], 2, '--connect-host "a b:99" is not HOST, HOST:PORT or [IPv6]:PORT'],
    [['renew', 'alice', '--connect-host', 'gw:99999', '--dir', '@DIR'], 2, 'port must be 1-65535'],
    [['list', '--dir', '@EMPTY'], 1, 'no CA in'],
  ])('%j exits %i with a one-line error', async (argv, code, message) => {
    const empty = await tmp();
    const r = await run(...argv.map((a) => a.replace('@DIR', dir).replace('@EMPTY', empty)));
    expect(r.code).toBe(code);
    if (code === 0) return;
    expect(r.err).toContain(message);
    expect(r.err.startsWith('dockgate certs: ')).toBe(true);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  test.each([['init'], ['issue'], ['list'], ['revoke'], ['renew'], ['rotate-server'], ['crl']])('%s --help prints usage and exits 0', async (cmd) => {
    const r = await run(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: dockgate certs ${cmd}`));
  });

  test.each([['init'], ['issue'], ['list'], ['revoke'], ['renew'], ['rotate-server'], ['crl']])('help %s prints that command\'s usage and exits 0', async (cmd) => {
    const r = await run('help', cmd);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(new RegExp(`^Usage: dockgate certs ${cmd}`));
  });

  test('--archive takes a name longer than ustar\'s 100 bytes (pax path records): every file, key 0600', async () => {
    const name = '\u2026'.repeat(40); // 40 characters, 120 bytes of UTF-8
    const archive = join(await tmp(), 'long.tar.gz');
    const r = await run('issue', name, '--dir', dir, '--archive', archive);
    expect(r.code).toBe(0);
    const listing = spawnSync('tar', ['-tvzf', archive], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    const rows = listing.stdout.trim().split('\n').map((l) => [l.split(/\s+/)[0], l.split(/\s+/).at(-1)]);
    expect(rows).toEqual([
      ['drwx------', `${name}/`],
      ['-rw-r--r--', `${name}/ca.pem`],
      ['-rw-r--r--', `${name}/cert.pem`],
      ['-rw-------', `${name}/key.pem`],
    ]);
    const out = await tmp();
    expect(spawnSync('tar', ['-xpzf', archive, '-C', out]).status).toBe(0);
    expect(await modeOf(join(out, name, 'key.pem'))).toBe(0o600);
    expect(await readFile(join(out, name, 'key.pem'), 'utf8')).toBe(await readFile(join(dir, 'clients', name, 'key.pem'), 'utf8'));
    await run('revoke', name, '--dir', dir);
  });

  test('no command prints the overview on stderr and exits 2', async () => {
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.err).toContain('rotate-server');
  });
});

describe('ensureDefaultPki', () => {
  test('creates a PKI and an admin bundle in an empty directory, then leaves it alone', async () => {
    const dir = join(await tmp(), 'volume');
    await mkdir(dir);
    const c = captureIo();
    const first = await ensureDefaultPki(dir, c.io);
    expect(first).toEqual({ created: true, adminBundle: join(dir, 'clients', 'admin') });
    expect(c.out()).toContain(`export DOCKER_HOST=tcp://${hostname()}:2376`);
    expect(c.out()).toMatch(/docker --tlsverify .* version/);
    const cert = join(dir, 'clients', 'admin', 'cert.pem');
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', cert).status).toBe(0);
    expect(openssl('x509', '-in', cert, '-noout', '-subject', '-nameopt', 'oneline').stdout.trim()).toBe('subject=CN = admin, OU = admin');
    const san = openssl('x509', '-in', join(dir, 'server-cert.pem'), '-noout', '-ext', 'subjectAltName').stdout;
    expect(san).toContain(`DNS:${hostname().toLowerCase()}`);
    const again = await ensureDefaultPki(dir, captureIo().io);
    expect(again).toEqual({ created: false });
  });
});
