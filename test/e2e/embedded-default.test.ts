/**
 * `dockgate serve` with no config at all: creates ./certs with a CA, a server certificate and
 * an admin bundle, prints a docker command line that really connects, and listens on 2376.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, run } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

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
