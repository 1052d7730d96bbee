/**
 * Commands a message tells the operator to run are printed as this process can be run
 * (rev-newuser F1): on a checkout there is no `dockgate` on PATH, and `dockgate certs init ...`
 * failed with "command not found".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/validate.js';
import { main } from '../../../src/cli/dispatch.js';
import { commandName, selfCommand, setCommandName, withCommandName } from '../../../src/core/command-name.js';
import { runCertsCommand } from '../../../src/pki/cli.js';
import { ensureDefaultPki } from '../../../src/pki/ensure-default-pki.js';
import { lockoutMessage } from '../../../src/runtime/crl-lockouts.js';
import { expiryWarnings } from '../../../src/runtime/expiry-warnings.js';
import { expiredCrlRefusal } from '../../../src/server/crl-expired-chain.js';
import { captureIo } from '../pki/helpers.js';

/** A file system of links: path -> real path (a path absent here does not exist). */
const fs = (links: Record<string, string>) => (path: string): string | undefined => links[path];

describe('selfCommand: how this process can be run again', () => {
  const checkout = '/home/op/dockgate/dist/cli/main.js';
  it.each([
    ['a global install, its link on PATH', '/usr/local/bin/dockgate', '/usr/bin:/usr/local/bin', { '/usr/local/bin/dockgate': '/usr/local/lib/node_modules/dockgate/dist/cli/main.js' }, 'dockgate'],
    ['a checkout, no dockgate on PATH (npm start, node dist/cli/main.js)', checkout, '/usr/bin:/usr/local/bin', { [checkout]: checkout }, `node ${checkout}`],
    ['a checkout linked onto PATH (npm link, ln -s)', checkout, '/usr/local/bin', { [checkout]: checkout, '/usr/local/bin/dockgate': checkout }, 'dockgate'],
    ['another install comes first on PATH', checkout, '/opt/bin:/usr/local/bin', { [checkout]: checkout, '/opt/bin/dockgate': '/opt/old/dist/cli/main.js', '/usr/local/bin/dockgate': checkout }, `node ${checkout}`],
    ['npx: node_modules/.bin is npm\'s, not the shell\'s; printed by its real path', '/home/op/dockgate/node_modules/.bin/dockgate', '/home/op/dockgate/node_modules/.bin:/usr/bin', { '/home/op/dockgate/node_modules/.bin/dockgate': checkout }, `node ${checkout}`],
    ['a path with a space is quoted', '/home/op/my gate/dist/cli/main.js', '/usr/bin', { '/home/op/my gate/dist/cli/main.js': '/home/op/my gate/dist/cli/main.js' }, "node '/home/op/my gate/dist/cli/main.js'"],
    ['no script (an embedding): dockgate', undefined, '/usr/bin', {}, 'dockgate'],
  ])('%s', (_label, script, pathEnv, links, want) => {
    expect(selfCommand(script, pathEnv, fs(links))).toBe(want);
  });
});

describe('messages name the command set for this process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-command-name-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => setCommandName('dockgate'));
  const cmd = 'node /home/op/dockgate/dist/cli/main.js';

  it('is dockgate until set', () => {
    expect(commandName()).toBe('dockgate');
  });

  it('the missing default TLS files of a config', () => {
    setCommandName(cmd);
    let got: string[] = [];
    try {
      buildConfig({}, dir, 'x.yaml');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      got = err.problems.map((p) => p.message);
    }
    expect(got).toHaveLength(3);
    // One certs init writes all three: the command is printed once, in the first (it was three times).
    expect(got[0]).toContain(`create it with "${cmd} certs init --dir ${join(dir, 'certs')}"`);
    expect(got.join('\n').split(cmd)).toHaveLength(2);
    for (const m of got.slice(1)) expect(m).toContain('the certs init command above creates it too');
  });

  it('certs init\'s next step, and a command with no CA', async () => {
    setCommandName(cmd);
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
    const pki = join(dir, 'pki');
    expect(await runCertsCommand(['list', '--dir', pki], io as never)).not.toBe(0);
    expect(err.join('')).toContain(`run "${cmd} certs init --dir ${pki}" first`);
    expect(await runCertsCommand(['init', '--dir', pki, '--host', 'gw.test'], io as never)).toBe(0);
    expect(out.join('')).toContain(`Next: ${cmd} certs issue NAME --dir ${pki} --group GROUP`);
  });

  it('the embedded default\'s first start: how to issue a teammate\'s bundle', async () => {
    setCommandName(cmd);
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } };
    const certs = join(dir, 'default-certs');
    expect((await ensureDefaultPki(certs, io as never)).created).toBe(true);
    expect(out.join('')).toContain(`issue one per teammate with "${cmd} certs issue NAME --dir ${certs}"`);
  });
});

/** `dockgate` followed by a command (not the `dockgate policy:` prefix of an error): what a help text must not print once the name is set. */
const BARE_COMMAND = /\bdockgate (serve|certs|policy|help|COMMAND|--version|--help)\b(?!:)/;

// Help and usage texts said `Usage: dockgate serve` on a checkout, where the hints beside them
// said `node /path/dist/cli/main.js ...`: one name for both.
describe('help and usage texts name the command as the hints do', () => {
  afterEach(() => setCommandName('dockgate'));
  const cmd = 'node /home/op/dockgate/dist/cli/main.js';

  it.each([
    [['--help'], 'stdout', `  ${cmd} serve [--config FILE]`],
    [[], 'stderr', `Run "${cmd} COMMAND --help" for a command's flags.`],
    [['frobnicate'], 'stderr', `  ${cmd} --version | --help`],
    [['serve', '--help'], 'stdout', `Usage: ${cmd} serve [--config FILE]`],
    [['serve', 'x'], 'stderr', `("${cmd} certs crl --dir ./certs")`],
    [['certs', '--help'], 'stdout', `Run "${cmd} certs COMMAND --help" for the options of a command.`],
    [['certs'], 'stderr', `Usage: ${cmd} certs COMMAND [OPTIONS]`],
    [['certs', 'issue', '--help'], 'stdout', `Usage: ${cmd} certs issue NAME`],
    [['certs', 'help', 'crl'], 'stdout', `Usage: ${cmd} certs crl [--dir DIR]`],
    [['help', 'policy'], 'stdout', `  ${cmd} policy explain --as NAME`],
    [['policy'], 'stderr', `  ${cmd} policy check [--policy FILE | --config FILE]`],
    [['policy', 'frob'], 'stderr', `  ${cmd} policy check`],
  ])('%j', async (argv, stream, want) => {
    setCommandName(cmd);
    const c = captureIo();
    await main(argv, c.io);
    const text = stream === 'stdout' ? c.out() : c.err();
    expect(text).toContain(want);
    expect(text).not.toMatch(BARE_COMMAND);
  });

  it.each([
    ['the version line and the program name stay', 'dockgate 0.1.0: a gateway', 'dockgate 0.1.0: a gateway'],
    ['a dockgate gateway stays', 'the CA of a dockgate gateway', 'the CA of a dockgate gateway'],
    ['a command in quotes', 'run "dockgate certs crl" now', `run "${cmd} certs crl" now`],
    ['every command of a text', 'dockgate serve; dockgate policy check', `${cmd} serve; ${cmd} policy check`],
  ])('withCommandName: %s', (_label, text, want) => {
    setCommandName(cmd);
    expect(withCommandName(text)).toBe(want);
  });

  it('the gateway\'s expiry and CRL lock-out hints', () => {
    setCommandName(cmd);
    const now = new Date('2026-12-05T00:00:00Z');
    const soon = new Date('2026-12-06T00:00:00Z');
    const [server, crl] = expiryWarnings(
      [
        { kind: 'server certificate', name: 's', file: '/etc/s.pem', expires: soon },
        { kind: 'CRL', name: 'c', file: '/etc/c.pem', expires: soon },
      ],
      now,
    );
    expect(server?.message).toContain(`run "${cmd} certs rotate-server"`);
    expect(crl?.message).toContain(`run "${cmd} certs crl"`);
    expect(lockoutMessage({ reason: 'crl-expired', ca: 'CN=a', at: now })).toContain(`("${cmd} certs crl")`);
    // A handshake refused as it completes because the CRL in force expired meanwhile (tls-handshake-failed's detail).
    for (const listener of ['docker', 'admin'] as const) {
      expect(expiredCrlRefusal({ issuer: 'CN=a', nextUpdate: now }, soon, listener)).toContain(`"${cmd} certs crl")`);
    }
  });
});
