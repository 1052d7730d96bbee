/**
 * Per-identity policy with the real docker CLI, real TLS and a real private dockerd: four
 * identities in different groups, the developer guards refusing each dangerous `docker run`
 * flag with the readable message and the CLI's daemon-error exit status, and the daemon
 * itself checked (on its socket) to show nothing was created.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, makePki, removeContainers, run, startGateway, type TestGateway, type TestPki, tlsArgs } from './support/gateway.js';
import { startHoldingRelay, type HoldingRelay } from './support/holding-relay.js';
import { scratchDir } from './support/scratch.js';
import { joinOneNodeSwarm, leaveOneNodeSwarm } from './support/swarm.js';

const socket = inject('dockerSocket');
/** Label on every container this file creates, so leftovers are found and removed. */
const LABEL = 'dgt-policy-test';
let pki: TestPki;
let gw: TestGateway;
let devRoot: string;
let alice: string;
let ci: string;
let reader: string;
let admin: string;
let ops: string;

/** The policy under test: the presets' ideas, binds under a temp dir standing in for /srv/dev. */
function policyYaml(devDir: string): string {
  return `version: 1
rules:
  - name: admins-anything
    who: { users: [admin] }
    allow: all
  - name: no-plugins-or-swarm
    who: { anyone: true }
    deny: [section:plugins, section:swarm]
  - name: dev-read
    who: { groups: [developers] }
    allow: [power:read]
  - name: dev-containers
    who: { groups: [developers] }
    allow: [ContainerCreate, ContainerStart, ContainerStop, ContainerKill, ContainerWait, ContainerDelete,
            ContainerAttach, ContainerExec, ExecStart, ExecResize, ContainerResize]
    guards:
      privileged: false
      hostNamespaces: false
      binds: { allow: ["${devDir}/{user}"] }
      volumesFrom: false
      capabilities: { allow: [NET_BIND_SERVICE] }
      devices: false
      securityOptions: false
      maskedPaths: false
      sysctls: false
      cgroupParent: false
      runtimes: false
      logDrivers: { allow: [json-file, local] }
      volumeDrivers: false
      execRoot: false
  - name: ci-build-and-run
    who: { groups: [ci] }
    allow: [power:read, ImageBuild, ContainerCreate, ContainerStart, ContainerWait, ContainerAttach, ContainerDelete]
    guards:
      privileged: false
      hostNamespaces: false
      binds: false
      volumesFrom: false
      capabilities: false
      devices: false
      securityOptions: false
      maskedPaths: false
      sysctls: false
      cgroupParent: false
      runtimes: false
      volumeDrivers: false
      images: { allow: [busybox] }
      buildOptions: false
  - name: readers
    who: { users: [reader] }
    allow: [power:read]
  - name: ops-services
    who: { groups: [ops] }
    allow: [power:read, ServiceCreate]
    guards:
      hostNamespaces: false
      binds: { allow: ["${devDir}/alice"] }
`;
}

/** Containers created with this file's label and `case` value, straight from the daemon. */
async function containersWith(value: string): Promise<string> {
  const r = await dockerDirect(socket, ['ps', '-a', '--filter', `label=${LABEL}=${value}`, '--format', '{{.ID}} {{.Names}}']);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

beforeAll(async () => {
  pki = await makePki({ admin: [], alice: ['developers'], ci: ['ci'], reader: [], ops: ['ops'] });
  devRoot = scratchDir('srv-dev-');
  mkdirSync(join(devRoot, 'alice'));
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, policyYaml(devRoot));
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  [alice, ci, reader, admin, ops] = ['alice', 'ci', 'reader', 'admin', 'ops'].map((n) => pki.bundle(n)) as [string, string, string, string, string];
});

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await dockerDirect(socket, ['rmi', '-f', 'dgt-policy-other:1', 'busybox:dgt-policy-built']);
  await gw?.stop();
});

describe('alice (developers): allowed', () => {
  it('docker run --rm busybox echo ok works and leaves nothing behind', async () => {
    const r = await docker(alice, gw.port, ['run', '--rm', '--label', `${LABEL}=allowed`, 'busybox', 'echo', 'ok']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ok\n');
    expect(await containersWith('allowed')).toBe('');
  });

  it('a bind under her own directory is allowed and really mounted', async () => {
    writeFileSync(join(devRoot, 'alice', 'hello.txt'), 'from-the-host\n');
    const r = await docker(alice, gw.port, ['run', '--rm', '--label', `${LABEL}=bind-ok`, '-v', `${devRoot}/alice:/w:ro`, 'busybox', 'cat', '/w/hello.txt']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('from-the-host\n');
  });

  it.each(DOCKER_CLIS)('a create sent with API 1.40 (%s CLI) gets a private cgroup namespace; API 1.41 is left to the daemon', async (version, cli) => {
    const label = `cgroupns-${version}`;
    const modes: string[] = [];
    for (const api of ['1.40', '1.41']) {
      const r = await docker(alice, gw.port, ['create', '--label', `${LABEL}=${label}`, 'busybox', 'true'], { cli, env: { ...process.env, DOCKER_API_VERSION: api } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const mode = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}}', r.stdout.trim()]);
      modes.push(mode.stdout.trim());
    }
    // dockerd would have given the 1.40 create the host's on a cgroup v1 host (its own 1.40 rule).
    expect(modes[0]).toBe('private');
    // The daemon's default (host on a cgroup v1 host without default-cgroupns-mode), untouched.
    const direct = await dockerDirect(socket, ['create', '--label', `${LABEL}=${label}`, 'busybox', 'true']);
    const daemonDefault = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}}', direct.stdout.trim()]);
    expect(modes[1]).toBe(daemonDefault.stdout.trim());
    const record = gw.stdout().split('\n').filter((l) => l.includes('"ContainerCreate"') && l.includes('"apiVersion":"1.40"')).at(-1);
    expect(record).toContain('HostConfig.CgroupnsMode set to \\"private\\"');
  });

  // dockerd answers 500 to NanoCpus 1e9 (Go refuses it in an int64) and to BlkioWeight -0 (in a
  // uint16); the amendment would re-serialise them as 1000000000 and 0 (found by a differential fuzz).
  it.each([
    ['1e9', 'respelled', '"NanoCpus":1e9'],
    ['-0', 'negzero', '"BlkioWeight":-0'],
  ])('an amended body that writes a whole number as %s is refused (400), not re-spelled into one dockerd accepts', async (_, label, field) => {
    const r = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(alice, 'ca.pem'), '--cert', join(alice, 'cert.pem'), '--key', join(alice, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', `{"Image":"busybox","Labels":{"${LABEL}":"${label}"},"HostConfig":{${field}}}`, `https://127.0.0.1:${gw.port}/v1.40/containers/create`]);
    expect(r.stdout).toMatch(/\n400$/);
    expect(r.stdout).toContain('whole number with a fraction or an exponent');
    expect(await containersWith(label)).toBe('');
  });

  it('a small allowed capability is accepted', async () => {
    const r = await docker(alice, gw.port, ['run', '--rm', '--label', `${LABEL}=cap-ok`, '--cap-add', 'NET_BIND_SERVICE', 'busybox', 'true']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('alice (developers): each dangerous docker run flag is refused before the daemon sees it', () => {
  // [case label, docker run flags ({dev} = the developers' bind root), rule, reason fragment]
  const cases: [string, string[], string, string][] = [
    ['privileged', ['--privileged'], 'dev-containers', 'HostConfig.Privileged is not allowed'],
    ['bind-root', ['-v', '/:/host'], 'dev-containers', 'HostConfig.Binds[0] "/" is outside the allowed host paths'],
    ['bind-escape', ['-v', '{dev}/alice/../../..:/host'], 'dev-containers', 'is outside the allowed host paths'],
    [
      'volume-opt-bind',
      ['--mount', 'type=volume,dst=/x,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/'],
      'dev-containers',
      'HostConfig.Mounts[0]',
    ],
    // A volume binding alice's own directory: anyone could then mount it by name.
    [
      'volume-opt-bind-own',
      ['--mount', 'type=volume,src=dgt-policy-alice-src,dst=/x,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device={dev}/alice'],
      'dev-containers',
      'allowed only under a per-user prefix, and a volume can be mounted by name by anyone',
    ],
    ['pid-host', ['--pid', 'host'], 'dev-containers', 'HostConfig.PidMode "host" is not allowed'],
    ['net-host', ['--network', 'host'], 'dev-containers', 'HostConfig.NetworkMode "host" is not allowed'],
    ['cap-sys-admin', ['--cap-add', 'SYS_ADMIN'], 'dev-containers', 'SYS_ADMIN'],
    ['seccomp-unconfined', ['--security-opt', 'seccomp=unconfined'], 'dev-containers', 'seccomp'],
    ['device', ['--device', '/dev/null'], 'dev-containers', 'HostConfig.Devices'],
    // runc would bind-mount <bundle>/tmpfs from the host: a tmpfs option that makes a bind.
    ['tmpfs-rbind', ['--tmpfs', '/x:rbind'], 'dev-containers', 'HostConfig.Tmpfs["/x"] option "rbind" is not allowed'],
  ];

  it.each(cases)('%s', async (label, flags, rule, reason) => {
    const args = flags.map((f) => f.replace('{dev}', devRoot));
    const volumesBefore = await dockerDirect(socket, ['volume', 'ls', '-q']);
    const r = await docker(alice, gw.port, ['run', '--rm', '--label', `${LABEL}=${label}`, '--name', `dgt-policy-${label}`, ...args, 'busybox', 'echo', 'escaped']);
    expect(r.code).toBe(125);
    expect(r.stdout).not.toContain('escaped');
    expect(r.stderr).toContain('Error response from daemon: dockgate: denied ContainerCreate for alice (groups developers): ');
    expect(r.stderr).toContain(reason);
    expect(r.stderr).toContain(`(rule "${rule}")`);
    // The line as the README and docs/policy.md quote it (CLI 28.x: no final '.').
    if (label === 'privileged') expect(r.stderr).toContain('docker: Error response from daemon: dockgate: denied ContainerCreate for alice (groups developers): HostConfig.Privileged is not allowed (rule "dev-containers")\n');
    expect(await containersWith(label)).toBe('');
    const byName = await dockerDirect(socket, ['inspect', `dgt-policy-${label}`]);
    expect(byName.code).not.toBe(0);
    const volumesAfter = await dockerDirect(socket, ['volume', 'ls', '-q']);
    expect(volumesAfter.stdout).toBe(volumesBefore.stdout);
  });

  it('docker create --privileged is refused the same way (the CLI exits 1 for create)', async () => {
    const r = await docker(alice, gw.port, ['create', '--label', `${LABEL}=create-privileged`, '--privileged', 'busybox', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dockgate: denied ContainerCreate for alice (groups developers): HostConfig.Privileged is not allowed (rule "dev-containers")');
    expect(await containersWith('create-privileged')).toBe('');
  });
});

describe('alice (developers): exec, plugins and swarm', () => {
  beforeAll(async () => {
    const r = await docker(alice, gw.port, ['run', '-d', '--label', `${LABEL}=exec-target`, '--name', 'dgt-policy-exec', 'busybox', 'sleep', '600']);
    expect(r.code).toBe(0);
  });

  it('docker exec works, docker exec --privileged is refused (exit 1) and the daemon created no exec for it', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const ok = await docker(alice, gw.port, ['exec', 'dgt-policy-exec', 'echo', 'inside']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('inside\n');
    const r = await docker(alice, gw.port, ['exec', '--privileged', 'dgt-policy-exec', 'echo', 'escaped']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('escaped');
    expect(r.stderr).toContain('Error response from daemon: dockgate: denied ContainerExec for alice (groups developers): Privileged is not allowed (rule "dev-containers")');
    // The daemon's own event log: one exec_create, for the allowed command only.
    const events = await dockerDirect(socket, [
      'events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1),
      '--filter', 'container=dgt-policy-exec', '--filter', 'event=exec_create', '--format', '{{.Action}}',
    ]);
    expect(events.stdout.trim().split('\n')).toEqual(['exec_create: echo inside']);
  });

  it('docker exec -u root is refused by execRoot', async () => {
    const r = await docker(alice, gw.port, ['exec', '-u', 'root', 'dgt-policy-exec', 'id']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dockgate: denied ContainerExec for alice (groups developers): ');
    expect(r.stderr).toContain('(rule "dev-containers")');
  });

  it('docker exec -u ":" (uid 0 for dockerd, whatever the container\'s user) is refused by execRoot', async () => {
    const run = await dockerDirect(socket, ['run', '-d', '-u', '1000', '--label', `${LABEL}=exec-user`, '--name', 'dgt-policy-exec-user', 'busybox', 'sleep', '600']);
    expect(run.code).toBe(0);
    // What dockerd does with these on its own socket.
    expect((await dockerDirect(socket, ['exec', 'dgt-policy-exec-user', 'id', '-u'])).stdout.trim()).toBe('1000');
    expect((await dockerDirect(socket, ['exec', '-u', ':', 'dgt-policy-exec-user', 'id', '-u'])).stdout.trim()).toBe('0');
    const r = await docker(alice, gw.port, ['exec', '-u', ':', 'dgt-policy-exec-user', 'id', '-u']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('dockgate: denied ContainerExec for alice (groups developers): User ":" runs the exec session as root (rule "dev-containers")');
  });

  it('docker plugin install is refused by the gateway (not by the network) and installs nothing', async () => {
    const r = await docker(alice, gw.port, ['plugin', 'install', '--grant-all-permissions', 'dgt-example/no-such-plugin:1'], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dockgate: denied (GetPluginPrivileges|PluginPull) for alice \(groups developers\): denied by policy \(rule "no-plugins-or-swarm"\)/);
    expect(r.stderr).not.toMatch(/lookup|dial tcp|registry-1|no such host/i);
    const plugins = await dockerDirect(socket, ['plugin', 'ls', '-q']);
    expect(plugins.stdout.trim()).toBe('');
  });

  it('docker swarm init is refused and the daemon stays out of swarm mode', async () => {
    const r = await docker(alice, gw.port, ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dockgate: denied SwarmInit for alice (groups developers): denied by policy (rule "no-plugins-or-swarm")');
    const state = await dockerDirect(socket, ['info', '--format', '{{.Swarm.LocalNodeState}}']);
    expect(state.stdout.trim()).toBe('inactive');
  });

  it('even admin-free reads of swarm secrets are refused: docker swarm join-token', async () => {
    const r = await docker(alice, gw.port, ['swarm', 'join-token', 'worker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dockgate: denied SwarmInspect for alice (groups developers): denied by policy (rule "no-plugins-or-swarm")');
  });
});

describe('ci (group ci): builds and runs busybox only', () => {
  beforeAll(async () => {
    expect((await dockerDirect(socket, ['tag', 'busybox:latest', 'dgt-policy-other:1'])).code).toBe(0);
  });

  it('runs busybox', async () => {
    const r = await docker(ci, gw.port, ['run', '--rm', '--label', `${LABEL}=ci-ok`, 'busybox', 'echo', 'ci-ok']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ci-ok\n');
  });

  it('may not run another image (even the same bits under another name)', async () => {
    const r = await docker(ci, gw.port, ['run', '--rm', '--label', `${LABEL}=ci-other`, 'dgt-policy-other:1', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('dockgate: denied ContainerCreate for ci (groups ci): ');
    expect(r.stderr).toContain('(rule "ci-build-and-run")');
    expect(await containersWith('ci-other')).toBe('');
  });

  it('may not bind anything from the host', async () => {
    const r = await docker(ci, gw.port, ['run', '--rm', '--label', `${LABEL}=ci-bind`, '-v', '/var/run:/x', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('is a host path and none are allowed (rule "ci-build-and-run")');
    expect(await containersWith('ci-bind')).toBe('');
  });

  it('builds with the classic builder, but not on the host network', async () => {
    const dir = scratchDir('policy-build-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo built > /built\n');
    const env = { ...process.env, DOCKER_BUILDKIT: '0' };
    const hostNet = await run('docker', [...tlsArgs(ci, gw.port), 'build', '--network', 'host', '-t', 'busybox:dgt-policy-built', dir], { env });
    expect(hostNet.code).toBe(1);
    expect(hostNet.stderr).toContain('dockgate: denied ImageBuild for ci (groups ci): ');
    expect(hostNet.stderr).toContain('(rule "ci-build-and-run")');
    expect((await dockerDirect(socket, ['image', 'inspect', 'busybox:dgt-policy-built'])).code).not.toBe(0);
    const ok = await run('docker', [...tlsArgs(ci, gw.port), 'build', '-t', 'busybox:dgt-policy-built', dir], { env, timeoutMs: 120_000 });
    expect(ok.code).toBe(0);
    const built = await dockerDirect(socket, ['run', '--rm', 'busybox:dgt-policy-built', 'cat', '/built']);
    expect(built.stdout).toBe('built\n');
  });

  it('may not exec (no rule allows it)', async () => {
    const r = await docker(ci, gw.port, ['exec', 'dgt-policy-exec', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dockgate: denied ContainerExec for ci (groups ci): no rule allows it (rule "default")');
  });
});

describe('reader (no group) and admin', () => {
  it('reader can ps and sees what the daemon sees', async () => {
    const r = await docker(reader, gw.port, ['ps', '-a', '--filter', `label=${LABEL}=exec-target`, '--format', '{{.Names}}']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('dgt-policy-exec');
  });

  it('reader cannot run: no rule allows it, exit 125, nothing created', async () => {
    const r = await docker(reader, gw.port, ['run', '--rm', '--label', `${LABEL}=reader-run`, 'busybox', 'echo', 'no']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('Error response from daemon: dockgate: denied ContainerCreate for reader (groups none): no rule allows it (rule "default")');
    expect(await containersWith('reader-run')).toBe('');
  });

  it('reader cannot read a container filesystem (docker cp out is exfiltration)', async () => {
    const r = await docker(reader, gw.port, ['cp', 'dgt-policy-exec:/etc/passwd', '-']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dockgate: denied ');
    expect(r.stderr).toContain('for reader (groups none): no rule allows it (rule "default")');
  });

  it('admin may create a privileged container (the first rule has no guards on purpose)', async () => {
    // Created, not started: this sandbox cannot run privileged containers at all.
    const r = await docker(admin, gw.port, ['create', '--label', `${LABEL}=admin-privileged`, '--name', 'dgt-policy-admin', '--privileged', 'busybox', 'true']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const hc = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.Privileged}}', 'dgt-policy-admin']);
    expect(hc.stdout.trim()).toBe('true');
  });
});

describe("Debian's docker CLI 20.10 gets the same refusal", () => {
  const cli = '/usr/bin/docker';
  it.runIf(existsSync(cli) || process.env.CI === 'true')('run --privileged and --pid host are refused with exit 125', async () => {
    for (const [label, flags, reason] of [
      ['cli20-privileged', ['--privileged'], 'HostConfig.Privileged is not allowed'],
      ['cli20-pid-host', ['--pid', 'host'], 'HostConfig.PidMode "host" is not allowed'],
    ] as const) {
      const r = await docker(alice, gw.port, ['run', '--rm', '--label', `${LABEL}=${label}`, ...flags, 'busybox', 'echo', 'escaped'], { cli });
      expect(r.code).toBe(125);
      // The 20.10 CLI ends the line with a '.' (the README quotes the 28.x CLI, which does not).
      expect(r.stderr).toContain(`docker: Error response from daemon: dockgate: denied ContainerCreate for alice (groups developers): ${reason} (rule "dev-containers").\n`);
      expect(await containersWith(label)).toBe('');
    }
    const ok = await docker(alice, gw.port, ['run', '--rm', '--label', `${LABEL}=cli20-ok`, 'busybox', 'echo', 'ok-20.10'], { cli });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('ok-20.10\n');
  });
});

// `docker service create --network host` sends the swarm host network's ID, which the name check
// let through and whose tasks got the host's network namespace (found by the svcfuzz review):
// under hostNamespaces: false the gateway now resolves each service network on the daemon.
// Runs last: the swarm is left again after it (the swarm case above expects none).
describe('ops (group ops): services under hostNamespaces: false, in a one-node swarm', () => {
  const services: string[] = [];
  beforeAll(async () => {
    await joinOneNodeSwarm(socket, 'dgt-policy-ov');
  });

  afterAll(async () => {
    await leaveOneNodeSwarm(socket, 'dgt-policy-ov', services);
  });

  it.each(DOCKER_CLIS)('docker service create --network host (%s CLI) is refused by the guard and creates nothing', async (version, cli) => {
    const name = `dgt-policy-hostnet-${version.replace('.', '')}`;
    services.push(name);
    const r = await docker(ops, gw.port, ['service', 'create', '-d', '--no-resolve-image', '--name', name, '--network', 'host', 'busybox', 'sleep', '600'], { cli });
    expect(r.code).toBe(1);
    // The CLI sends the swarm host network's ID, never the name.
    expect(r.stderr).toMatch(/dockgate: denied ServiceCreate for ops \(groups ops\): TaskTemplate\.Networks\[0\]\.Target "[0-9a-z]{25}" is the host network, which is not allowed \(rule "ops-services"\)/);
    expect((await dockerDirect(socket, ['service', 'inspect', name])).code).not.toBe(0);
    const record = gw.stdout().split('\n').filter((l) => l.includes('"ServiceCreate"') && l.includes(name)).at(-1);
    expect(JSON.parse(record ?? '{}')).toMatchObject({ decision: 'deny', rule: 'ops-services', code: 'host-namespace', status: 403 });
  });

  it('the raw API naming the local host network by an ID prefix is refused too', async () => {
    const local = (await dockerDirect(socket, ['network', 'inspect', '--format', '{{.Id}}', '--', 'host'])).stdout.trim().slice(0, 12);
    const body = JSON.stringify({ Name: 'dgt-policy-hostnet-raw', TaskTemplate: { ContainerSpec: { Image: 'busybox', Command: ['sleep', '600'] }, Networks: [{ Target: local }] } });
    services.push('dgt-policy-hostnet-raw');
    const r = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(ops, 'ca.pem'), '--cert', join(ops, 'cert.pem'), '--key', join(ops, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', body, `https://127.0.0.1:${gw.port}/v1.41/services/create`]);
    expect(r.stdout).toMatch(/\n403$/);
    expect(r.stdout).toContain(`TaskTemplate.Networks[0].Target \\"${local}\\" is the host network, which is not allowed (rule \\"ops-services\\")`);
    expect((await dockerDirect(socket, ['service', 'inspect', 'dgt-policy-hostnet-raw'])).code).not.toBe(0);
  });

  // A gateway whose daemon connection goes through a relay that holds `GET /networks/...`
  // (the look-up) for `holdMs`: the client may leave meanwhile, or the daemon be gone.
  describe('behind a relay that holds the network look-up', () => {
    let relay: HoldingRelay;
    let slow: TestGateway;
    beforeAll(async () => {
      relay = await startHoldingRelay(socket, 2500);
      relay.hold = (line) => line.startsWith('GET /networks/');
      slow = await startGateway(pki.dir, configYaml(pki, relay.path, `policy: ${join(pki.dir, 'policy.yaml')}\n`));
    });
    afterAll(async () => {
      await slow?.stop();
      relay?.close();
    });

    const hostnetCreate = async (name: string, maxTime: string): Promise<string> => {
      const local = (await dockerDirect(socket, ['network', 'inspect', '--format', '{{.Id}}', '--', 'host'])).stdout.trim();
      const body = JSON.stringify({ Name: name, TaskTemplate: { ContainerSpec: { Image: 'busybox', Command: ['sleep', '600'] }, Networks: [{ Target: local }] } });
      services.push(name);
      const r = await run('curl', ['-s', '--max-time', maxTime, '-w', '\n%{http_code}', '--cacert', join(ops, 'ca.pem'), '--cert', join(ops, 'cert.pem'), '--key', join(ops, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', body, `https://127.0.0.1:${slow.port}/v1.41/services/create`]);
      return r.stdout;
    };
    const recordOf = async (name: string): Promise<Record<string, unknown>> => {
      let line: string | undefined;
      for (let i = 0; i < 100 && !line; i++) {
        line = slow.stdout().split('\n').find((l) => l.includes('"ServiceCreate"') && l.includes(name));
        if (!line) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return JSON.parse(line ?? '{}') as Record<string, unknown>;
    };

    it('a client that leaves during the look-up is recorded with the refusal the look-up reached, and nothing is created', async () => {
      expect(await hostnetCreate('dgt-policy-left', '1')).toMatch(/\n000$/);
      const record = await recordOf('dgt-policy-left');
      expect(record).toMatchObject({ decision: 'deny', rule: 'ops-services', code: 'host-namespace', status: 0 });
      expect(record.reason).toMatch(/is the host network, which is not allowed; the client left before the gateway had decided \(it was looking something up on the daemon\); nothing was forwarded$/);
      expect((await dockerDirect(socket, ['service', 'inspect', 'dgt-policy-left'])).code).not.toBe(0);
    });

    it('a daemon that cannot be reached for the look-up is a 502 upstream failure, not a refusal by the guard', async () => {
      relay.close();
      const out = await hostnetCreate('dgt-policy-nodaemon', '10');
      expect(out).toMatch(/\n502$/);
      expect(out).toContain('could not be checked for the host network: the look-up on the daemon failed');
      const record = await recordOf('dgt-policy-nodaemon');
      expect(record).toMatchObject({ decision: 'error', rule: 'ops-services', status: 502 });
      expect(String(record.reason)).toMatch(/^upstream-failed: dockgate: TaskTemplate\.Networks\[0\]\.Target "[0-9a-f]{64}" could not be checked for the host network: the look-up on the daemon failed/);
    });
  });

  // The swarm agent expands Go templates in a mount's Source on the node: `.{{print}}.` is `..`
  // there, so this Source, under the allowed directory as written, bound its parent (probe37 saw a
  // task container of this dockerd bind the host's /etc so). A template is refused in it.
  it('a service bind source holding a swarm template is refused and creates nothing', async () => {
    const name = 'dgt-policy-templated-bind';
    services.push(name);
    const source = `${devRoot}/alice/.{{print}}.`;
    const r = await docker(ops, gw.port, ['service', 'create', '-d', '--no-resolve-image', '--name', name, '--mount', `type=bind,src=${source},dst=/h`, 'busybox', 'sleep', '600']);
    expect(r.code).toBe(1);
    // The reason quotes the Source cut to 80 characters: the scratch directory's name is long.
    expect(r.stderr).toContain('dockgate: denied ServiceCreate for ops (groups ops): TaskTemplate.ContainerSpec.Mounts[0].Source "/');
    expect(r.stderr).toContain(' holds a template ({{ }}), which the swarm agent expands on the node: what it names is not known here (rule "ops-services")');
    expect((await dockerDirect(socket, ['service', 'inspect', name])).code).not.toBe(0);
    const record = gw.stdout().split('\n').filter((l) => l.includes('"ServiceCreate"') && l.includes(name)).at(-1);
    expect(JSON.parse(record ?? '{}')).toMatchObject({ decision: 'deny', rule: 'ops-services', code: 'bind-mount', status: 403 });
  });

  it('a service on an overlay network is allowed and created on it', async () => {
    services.push('dgt-policy-overlay');
    const r = await docker(ops, gw.port, ['service', 'create', '-d', '--no-resolve-image', '--name', 'dgt-policy-overlay', '--network', 'dgt-policy-ov', 'busybox', 'sleep', '600']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = await dockerDirect(socket, ['network', 'inspect', '--format', '{{.Id}}', 'dgt-policy-ov']);
    const spec = await dockerDirect(socket, ['service', 'inspect', '--format', '{{range .Spec.TaskTemplate.Networks}}{{.Target}}{{end}}', 'dgt-policy-overlay']);
    expect(spec.stdout.trim()).toBe(id.stdout.trim());
  });
});
