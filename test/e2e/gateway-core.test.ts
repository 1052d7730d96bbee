/**
 * The gateway core with the real docker CLI, real TLS and a real private dockerd:
 * every kind of call the CLI makes (plain, streaming, uploads, hijacks) works through it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, run, startGateway, tlsArgs, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
let admin: string;

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  gw = await startGateway(pki.dir, configYaml(pki, socket));
  admin = pki.bundle('admin');
});

afterAll(async () => {
  await dockerDirect(socket, ['rm', '-f', 'core-logs', 'core-exec', 'core-attach', 'core-cp']);
  await gw?.stop();
});

describe('docker CLI 28 through the gateway', () => {
  it('version shows the daemon behind the gateway', async () => {
    const r = await docker(admin, gw.port, ['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const direct = await dockerDirect(socket, ['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}']);
    expect(r.stdout.trim()).toBe(direct.stdout.trim());
  });

  it('info reports the same daemon id as the socket', async () => {
    const r = await docker(admin, gw.port, ['info', '--format', '{{.ID}}']);
    const direct = await dockerDirect(socket, ['info', '--format', '{{.ID}}']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(direct.stdout.trim());
  });

  it('run --rm echoes and removes the container', async () => {
    const marker = `hello-${randomBytes(4).toString('hex')}`;
    const r = await docker(admin, gw.port, ['run', '--rm', 'busybox', 'echo', marker]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(marker);
    const left = await dockerDirect(socket, ['ps', '-a', '--filter', 'ancestor=busybox', '--format', '{{.Command}}']);
    expect(left.stdout).not.toContain(marker);
  });

  it('run -d, logs -f follows output while the container prints, stop ends it', async () => {
    const started = await docker(admin, gw.port, ['run', '-d', '--name', 'core-logs', 'busybox', 'sh', '-c', 'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.2; done']);
    expect(started.code).toBe(0);
    const follow = docker(admin, gw.port, ['logs', '-f', 'core-logs'], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 2000));
    const stop = await docker(admin, gw.port, ['stop', '-t', '1', 'core-logs']);
    expect(stop.code).toBe(0);
    const logs = await follow;
    expect(logs.code).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines[0]).toBe('line-0');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    lines.forEach((l, i) => expect(l).toBe(`line-${i}`));
  });

  it('exec -i with piped stdin ends on EOF (half-close)', async () => {
    expect((await docker(admin, gw.port, ['run', '-d', '--name', 'core-exec', 'busybox', 'sleep', '600'])).code).toBe(0);
    const input = Array.from({ length: 1000 }, (_, i) => `stdin-${i}`).join('\n') + '\n';
    const r = await docker(admin, gw.port, ['exec', '-i', 'core-exec', 'cat'], { input, timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(input);
  });

  it('exec -t allocates a terminal', async () => {
    const r = await docker(admin, gw.port, ['exec', '-t', 'core-exec', 'sh', '-c', 'test -t 1 && echo tty-yes']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('tty-yes');
  });

  it('attach streams the output of a running container until it exits', async () => {
    const started = await docker(admin, gw.port, ['run', '-d', '--name', 'core-attach', 'busybox', 'sh', '-c', 'sleep 2; echo attached-one; echo attached-two; sleep 1']);
    expect(started.code).toBe(0);
    const r = await docker(admin, gw.port, ['attach', '--no-stdin', 'core-attach'], { timeoutMs: 30_000 });
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['attached-one', 'attached-two']);
  });

  it('cp a 64 MiB file in and out with matching sha256', async () => {
    const dir = scratchDir('cp-');
    const data = randomBytes(64 * 1024 * 1024);
    writeFileSync(join(dir, 'big.bin'), data);
    expect((await docker(admin, gw.port, ['run', '-d', '--name', 'core-cp', 'busybox', 'sleep', '600'])).code).toBe(0);
    const cpIn = await docker(admin, gw.port, ['cp', join(dir, 'big.bin'), 'core-cp:/tmp/big.bin'], { timeoutMs: 120_000 });
    expect(cpIn.code).toBe(0);
    const inside = await dockerDirect(socket, ['exec', 'core-cp', 'sha256sum', '/tmp/big.bin']);
    expect(inside.stdout.split(' ')[0]).toBe(sha256(data));
    const cpOut = await docker(admin, gw.port, ['cp', 'core-cp:/tmp/big.bin', join(dir, 'out.bin')], { timeoutMs: 120_000 });
    expect(cpOut.code).toBe(0);
    expect(sha256(readFileSync(join(dir, 'out.bin')))).toBe(sha256(data));
  });

  it('build with the classic builder from a context holding a 32 MiB file', async () => {
    const dir = scratchDir('build-');
    const blob = randomBytes(32 * 1024 * 1024);
    writeFileSync(join(dir, 'blob.bin'), blob);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY blob.bin /blob.bin\nRUN sha256sum /blob.bin > /blob.sha\n');
    const r = await run('docker', [...tlsArgs(admin, gw.port), 'build', '-t', 'dgt-built:1', dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 180_000 });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    const sum = await dockerDirect(socket, ['run', '--rm', 'dgt-built:1', 'cat', '/blob.sha']);
    expect(sum.stdout.split(' ')[0]).toBe(sha256(blob));
  });

  it('save | load round-trips an image', async () => {
    const dir = scratchDir('save-');
    const tar = join(dir, 'img.tar');
    expect((await docker(admin, gw.port, ['tag', 'busybox:latest', 'dgt-saved:1'])).code).toBe(0);
    expect((await docker(admin, gw.port, ['save', '-o', tar, 'dgt-saved:1'], { timeoutMs: 60_000 })).code).toBe(0);
    expect(existsSync(tar)).toBe(true);
    expect((await docker(admin, gw.port, ['rmi', 'dgt-saved:1'])).code).toBe(0);
    const load = await docker(admin, gw.port, ['load', '-i', tar], { timeoutMs: 60_000 });
    expect(load.code).toBe(0);
    expect(load.stdout).toContain('dgt-saved:1');
    const direct = await dockerDirect(socket, ['image', 'inspect', 'dgt-saved:1', '--format', '{{.Id}}']);
    expect(direct.code).toBe(0);
  });

  it('events streams a container start', async () => {
    const since = Math.floor(Date.now() / 1000);
    const events = docker(admin, gw.port, ['events', '--since', String(since), '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}}'], { timeoutMs: 8_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await docker(admin, gw.port, ['run', '--rm', '--name', 'core-events', 'busybox', 'true'])).code).toBe(0);
    const r = await events;
    expect(r.stdout.split('\n')).toContain('core-events');
  });

  it('ps, inspect and rm -f agree with the daemon', async () => {
    const ps = await docker(admin, gw.port, ['ps', '--filter', 'name=core-exec', '--format', '{{.Names}}']);
    expect(ps.stdout.trim()).toBe('core-exec');
    const inspect = await docker(admin, gw.port, ['inspect', '--format', '{{.Config.Cmd}}', 'core-exec']);
    expect(inspect.stdout.trim()).toBe('[sleep 600]');
    expect((await docker(admin, gw.port, ['rm', '-f', 'core-exec'])).code).toBe(0);
    const gone = await dockerDirect(socket, ['inspect', 'core-exec']);
    expect(gone.code).not.toBe(0);
  });
});

describe("Debian's docker CLI 20.10 through the gateway", () => {
  const cli = '/usr/bin/docker';
  it.runIf(existsSync(cli) || process.env.CI === 'true')('version, run --rm and exec -i work', async () => {
    const v = await docker(admin, gw.port, ['version', '--format', '{{.Client.Version}} {{.Server.APIVersion}}'], { cli });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^20\.10\.\S+ 1\.41/);
    const r = await docker(admin, gw.port, ['run', '--rm', '-i', 'busybox', 'cat'], { cli, input: 'through-20.10\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('through-20.10\n');
  });

  it.runIf(existsSync(cli) || process.env.CI === 'true')('commit works (its body is the JSON null, which Go reads as no body)', async () => {
    expect((await docker(admin, gw.port, ['create', '--name', 'core-commit-src', 'busybox', 'true'], { cli })).code).toBe(0);
    try {
      const c = await docker(admin, gw.port, ['commit', 'core-commit-src', 'core-committed:20'], { cli });
      expect(c.stderr).toBe('');
      expect(c.code).toBe(0);
      expect((await dockerDirect(socket, ['image', 'inspect', 'core-committed:20'])).code).toBe(0);
    } finally {
      await dockerDirect(socket, ['rm', '-f', 'core-commit-src']);
      await dockerDirect(socket, ['rmi', '-f', 'core-committed:20']);
    }
  });
});

describe('a dual-stack listener', () => {
  it('serves both CLIs over ::1 and 127.0.0.1, and names each client as parseListen reads it', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket).replace('listen: 127.0.0.1:0', 'listen: "[::]:0"'));
    try {
      expect(own.stderr()).toMatch(/"listen":"\[::\]:\d+"/);
      for (const host of ['[::1]', '127.0.0.1']) {
        for (const cli of ['/usr/local/bin/docker', '/usr/bin/docker']) {
          const args = tlsArgs(admin, own.port).map((a) => a.replace('tcp://127.0.0.1:', `tcp://${host}:`));
          const r = await run(cli, [...args, 'version', '--format', '{{.Server.Version}}']);
          expect(r.stderr).toBe('');
          expect(r.code).toBe(0);
        }
      }
      const clients = own
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { client: string }).client);
      // An IPv6 client in brackets; an IPv4 client by its IPv4 address, not ::ffff:127.0.0.1.
      expect(new Set(clients.map((c) => c.replace(/:\d+$/, '')))).toEqual(new Set(['[::1]', '127.0.0.1']));
    } finally {
      await own.stop();
    }
  });
});
