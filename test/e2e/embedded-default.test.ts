/**
 * `dockgate serve` with no config at all: creates ./certs with a CA, a server certificate and
 * an admin bundle, prints a docker command line that really connects, and listens on 2376.
 * It keeps its own CRL fresh: one close to its nextUpdate is re-signed and reloaded. A first
 * start whose port is taken creates nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, docker, dockgate, run } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** crl.pem's nextUpdate as openssl reads it. */
async function opensslNextUpdate(file: string): Promise<Date> {
  const r = await run('openssl', ['crl', '-in', file, '-noout', '-nextupdate']);
  expect(r.code, r.stderr).toBe(0);
  const m = /^nextUpdate=(.+)$/m.exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  return new Date((m as RegExpExecArray)[1] as string);
}

/** The JSON lines of the operational log with `event` set to `event`. */
function events(log: string, event: string): Array<Record<string, unknown>> {
  return log
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

it('creates a PKI on first start and prints connect lines that work', async () => {
  const cwd = scratchDir('default-');
  const env = { ...process.env };
  delete env.DOCKGATE_CONFIG;
  const child = spawn(process.execPath, [CLI, 'serve'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const until = Date.now() + 30_000;
    while (!err.includes('dockgate listening') && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(err).toContain('"listen":"0.0.0.0:2376"');
    expect(err).toContain('"upstream":"unix:///var/run/docker.sock"');
    const bundle = join(cwd, 'certs', 'clients', 'admin');
    for (const f of ['ca.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem', 'crl.pem']) expect(existsSync(join(cwd, 'certs', f))).toBe(true);
    expect(statSync(join(bundle, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, 'certs', 'ca-key.pem')).mode & 0o077).toBe(0);
    expect(out).toContain(`export DOCKER_CERT_PATH=${bundle}`);
    expect(out).toContain('export DOCKER_TLS_VERIFY=1');
    const line = out.split('\n').find((l) => l.startsWith('docker --tlsverify'));
    expect(line).toBeDefined();
    // Run the printed command, pointed at loopback (the printed host is this machine's name).
    const args = (line as string).split(' ').slice(1).map((a) => a.replace(/^tcp:\/\/[^:]+:2376$/, 'tcp://127.0.0.1:2376'));
    const r = await run('docker', args);
    // The TLS handshake and identity work; this machine has no daemon on /var/run/docker.sock
    // (the tests use a private one), so the gateway answers 502 naming it, or the real version.
    expect(`${r.stdout}${r.stderr}`).toMatch(/Server:|dockgate: upstream unix:\/\/\/var\/run\/docker\.sock unreachable/);
    expect(r.stderr).not.toMatch(/certificate|tls:/i);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
  }
});

// A first start made ./certs (a CA, an admin bundle) and only then failed to bind: a CA left
// behind for a gateway that never ran. Its ports are checked first now.
it.each([
  ['the Docker API port (0.0.0.0:2376)', '0.0.0.0', 2376, 'Docker API listener (listen): listen EADDRINUSE: address already in use 0.0.0.0:2376: another process listens there'],
  ['the admin port (127.0.0.1:9376)', '127.0.0.1', 9376, 'admin listener (admin): listen EADDRINUSE: address already in use 127.0.0.1:9376: another process listens there'],
])('a first start whose port is taken, %s: exit 1, the listener\'s message, nothing created', async (_name, host, port, message) => {
  const holder = createServer();
  await new Promise<void>((resolve, reject) => holder.once('error', reject).listen(port, host, resolve));
  try {
    const cwd = scratchDir('default-taken-');
    const env = { ...process.env };
    delete env.DOCKGATE_CONFIG;
    const r = await run(process.execPath, [CLI, 'serve'], { cwd, env, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toEqual([expect.stringMatching(/^dockgate: cannot start: /)]);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
    expect(readdirSync(cwd)).toEqual([]);
  } finally {
    await new Promise((r) => holder.close(r));
  }
});

it.each([
  ['--config \'\'', ['serve', '--config', ''], {}, '--config is empty'],
  ['DOCKGATE_CONFIG= (set but empty)', ['serve'], { DOCKGATE_CONFIG: '' }, 'DOCKGATE_CONFIG is set but empty'],
  ['DOCKGATE_CONFIG=" "', ['serve'], { DOCKGATE_CONFIG: ' ' }, 'DOCKGATE_CONFIG is set but empty'],
])('an empty config (%s) is a usage error, not the embedded default', async (_name, args, extra, message) => {
  const cwd = scratchDir('empty-config-');
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('DOCKGATE_CONFIG' in extra)) delete env.DOCKGATE_CONFIG;
  const r = await run(process.execPath, [CLI, ...args], { cwd, env, timeoutMs: 20_000 });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(message);
  // The embedded default would have made a PKI here and listened on 0.0.0.0:2376.
  expect(existsSync(join(cwd, 'certs'))).toBe(false);
});

it('re-signs a CRL close to its nextUpdate at start, reloads it, and clients still get in', async () => {
  const cwd = scratchDir('default-crl-');
  const env = { ...process.env };
  delete env.DOCKGATE_CONFIG;
  const certs = join(cwd, 'certs');
  // The PKI the embedded default would make, then its CRL re-signed to a 1-day validity (well
  // under the 10 days left at which the gateway re-signs).
  for (const args of [
    ['certs', 'init', '--dir', certs, '--host', '127.0.0.1'],
    ['certs', 'issue', 'admin', '--dir', certs, '--group', 'admin'],
    ['certs', 'crl', '--dir', certs, '--crl-days', '1'],
  ]) {
    const r = await dockgate(args, { cwd, env });
    expect(r.code, r.stderr).toBe(0);
  }
  const crlFile = join(certs, 'crl.pem');
  const short = await opensslNextUpdate(crlFile);
  expect(short.getTime() - Date.now()).toBeLessThan(DAY_MS + 60_000);

  const child = spawn(process.execPath, [CLI, 'serve'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await until(() => err.includes('dockgate listening') || child.exitCode !== null, 30_000, 'the gateway to listen');
    expect(err).toContain('"config":"(embedded default)"');
    const [resigned] = await until(() => (events(err, 'crl-resigned').length > 0 ? events(err, 'crl-resigned') : false), 30_000, 'a crl-resigned event').catch((e: Error) => {
      throw new Error(`${e.message}; the gateway's log:\n${err}`);
    });
    expect(events(err, 'crl-resign-failed')).toEqual([]);
    expect(resigned?.dir).toBe(certs);
    expect(resigned?.previousNextUpdate).toBe(short.toISOString());

    // A full validity again, on disk (openssl's reading, to the second) and in the event.
    const fresh = await opensslNextUpdate(crlFile);
    expect(fresh.getTime() - Date.now()).toBeGreaterThan(29 * DAY_MS);
    expect(Math.abs(new Date(resigned?.nextUpdate as string).getTime() - fresh.getTime())).toBeLessThan(1000);

    // The file watch reloads it: the readiness check names the new nextUpdate as in force.
    const ready = await until(
      async () => {
        const r = await fetch('http://127.0.0.1:9376/readyz').catch(() => undefined);
        const body = r ? ((await r.json()) as { checks: Record<string, { ok: boolean; detail?: string }> }) : undefined;
        const detail = body?.checks.certificates?.detail ?? '';
        return detail.includes(`CRLs valid until ${fresh.toISOString()}`) ? detail : false;
      },
      15_000,
      'the re-signed CRL in force (readyz certificates)',
    );
    expect(ready).toContain('server certificate valid until');
    expect(err).toContain('TLS material loaded');

    // The admin bundle still gets in with the new CRL (the daemon on /var/run/docker.sock is
    // not there in the tests: a 502 naming it, past the TLS handshake, is as good as a version).
    const r = await docker(join(certs, 'clients', 'admin'), 2376, ['version']);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Server:|dockgate: upstream unix:\/\/\/var\/run\/docker\.sock unreachable/);
    expect(r.stderr).not.toMatch(/certificate|tls:/i);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
  }
});
