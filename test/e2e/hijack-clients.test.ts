/**
 * Hijacked sessions (attach, exec start, the BuildKit session) with the real docker CLIs, real
 * TLS and a real private dockerd: a refused upgrade makes both CLIs fail with an error and a
 * non-zero exit, never hang, print the refusal as container output or exit 0; and a BuildKit
 * build from the 20.10 CLI, whose session lists its gRPC methods in repeated headers, works.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, run, startGateway, type TestGateway, type TestPki, tlsArgs } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-hijack-clients';
const CLI20 = '/usr/bin/docker';
const CLI28 = 'docker';
const has20 = existsSync(CLI20) || process.env.CI === 'true';
let pki: TestPki;
let gw: TestGateway;
let admin: string;
let viewer: string;

/** viewer may read, create exec sessions and containers, but neither attach nor start an exec. */
const POLICY = `version: 1
rules:
  - name: admins
    who: { users: [admin] }
    allow: all
  - name: viewers
    who: { users: [viewer] }
    allow: [power:read, ContainerExec, ContainerCreate, ContainerStart, ContainerWait, ContainerDelete]
    guards: { privileged: false, hostNamespaces: false, binds: false, volumesFrom: false, capabilities: false, devices: false, execRoot: false }
`;

beforeAll(async () => {
  pki = await makePki({ admin: [], viewer: [] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  admin = pki.bundle('admin');
  viewer = pki.bundle('viewer');
  for (const args of [
    ['run', '-dit', '--label', LABEL, '--name', 'dgt-hj-tty', 'busybox', 'sh'],
    ['run', '-d', '--label', LABEL, '--name', 'dgt-hj-plain', 'busybox', 'sleep', '600'],
  ]) {
    const r = await docker(admin, gw.port, args);
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await dockerDirect(socket, ['rmi', '-f', 'dgt-hj-buildkit:1']);
  await gw?.stop();
});

/** Running containers with this file's label, from the daemon. */
async function running(): Promise<string[]> {
  const r = await dockerDirect(socket, ['ps', '-q', '--filter', `label=${LABEL}`]);
  return r.stdout.split('\n').filter(Boolean);
}

describe('a refused upgrade: both CLIs fail cleanly', () => {
  const clis = [CLI28, ...(has20 ? [CLI20] : [])];

  it.each(clis)('%s attach --no-stdin to a tty container: exit 1, no hang, no refusal printed as output', async (cli) => {
    const r = await docker(viewer, gw.port, ['attach', '--no-stdin', 'dgt-hj-tty'], { cli, timeoutMs: 20_000 });
    // Killed by the timeout, code is null: the CLI waited for a stream that never came.
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/403/);
  });

  it.each(clis)('%s exec -i on a plain container: exit 1, the refusal is no command output', async (cli) => {
    const r = await docker(viewer, gw.port, ['exec', '-i', 'dgt-hj-plain', 'echo', 'escaped'], { cli, input: '', timeoutMs: 20_000 });
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('Unrecognized input header');
  });

  it.runIf(has20)('the 20.10 CLI, exec -it in a terminal: a non-zero exit (it exited 0)', async () => {
    const cmd = [CLI20, ...tlsArgs(viewer, gw.port), 'exec', '-it', 'dgt-hj-tty', 'sh', '-c', 'echo escaped'].map((a) => `'${a}'`).join(' ');
    const r = await run('script', ['-qec', cmd, '/dev/null'], { timeoutMs: 20_000 });
    expect(r.code).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('escaped');
  });

  it.each(clis)('%s run without -d: the attach is refused before the container starts', async (cli) => {
    const before = await running();
    const r = await docker(viewer, gw.port, ['run', '--rm', '-i', '--label', LABEL, 'busybox', 'sh', '-c', 'echo escaped; sleep 600'], { cli, input: '', timeoutMs: 20_000 });
    expect(r.code).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('escaped');
    // Nothing left running with nobody attached (the 20.10 CLI used to start it anyway).
    expect((await running()).filter((id) => !before.includes(id))).toEqual([]);
  });
});

describe('BuildKit through the gateway', () => {
  it.runIf(has20)('DOCKER_BUILDKIT=1 with the 20.10 CLI: the session offers the build context (repeated headers kept)', async () => {
    const ctx = scratchDir('buildkit-ctx-');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY hello.txt /hello.txt\n');
    writeFileSync(join(ctx, 'hello.txt'), 'built-with-buildkit\n');
    const env = { ...process.env, DOCKER_BUILDKIT: '1' };
    const b = await docker(admin, gw.port, ['build', '-t', 'dgt-hj-buildkit:1', ctx], { cli: CLI20, env, timeoutMs: 120_000 });
    expect(b.stderr).not.toContain('no local sources enabled');
    expect(b.code, b.stderr).toBe(0);
    const r = await docker(admin, gw.port, ['run', '--rm', 'dgt-hj-buildkit:1', 'cat', '/hello.txt']);
    expect([r.code, r.stdout]).toEqual([0, 'built-with-buildkit\n']);
  });

  it.runIf(has20)('the shipped ci-runner preset lets group ci build with BuildKit, and its images guard still holds', async () => {
    const ci = await makePki({ runner: ['ci'] });
    const g = await startGateway(ci.dir, configYaml(ci, socket, `policy: ${resolve('config/policies/ci-runner.yaml')}\n`));
    try {
      const ctx = scratchDir('buildkit-ci-');
      // COPY from the context: served by the client over the session (no RUN: the daemon has no bridge).
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY ci.txt /ci.txt\n');
      writeFileSync(join(ctx, 'ci.txt'), 'ci-buildkit\n');
      const env = { ...process.env, DOCKER_BUILDKIT: '1' };
      const b = await docker(ci.bundle('runner'), g.port, ['build', '-t', 'registry.example.com/dgt/ci-bk:1', ctx], { cli: CLI20, env, timeoutMs: 120_000 });
      expect(b.code, b.stderr).toBe(0);
      expect((await dockerDirect(socket, ['run', '--rm', 'registry.example.com/dgt/ci-bk:1', 'cat', '/ci.txt'])).stdout).toBe('ci-buildkit\n');
      const refused = await docker(ci.bundle('runner'), g.port, ['build', '-t', 'dgt-ci-not-allowed:1', ctx], { cli: CLI20, env, timeoutMs: 120_000 });
      expect(refused.code).not.toBe(0);
      expect((await dockerDirect(socket, ['image', 'inspect', 'dgt-ci-not-allowed:1'])).code).not.toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'registry.example.com/dgt/ci-bk:1']);
      await g.stop();
    }
  });
});
