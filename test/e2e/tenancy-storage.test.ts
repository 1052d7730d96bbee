/**
 * Tenancy of volumes and networks (rev-storage findings 1-4), against a real dockerd with the
 * docker CLIs 28 and 20.10 and docker-compose v1 over mutual TLS:
 * 1. with `unowned: [volumes]`, another tenant's anonymous volume (`-v /data`, an image's
 *    `VOLUME`) was listed, inspected and mounted read-write: it is never "unowned" now, only
 *    its users' (compose's recreate of one's own still works);
 * 2. a local `type=tmpfs` volume held memory outside every container's limit: refused under a
 *    memory quota (volume create, compose `driver_opts`, a `--mount` that makes one);
 * 3. `--ip` / `--mac-address` / `network connect --ip` on a shared network took another
 *    tenant's address: refused there, allowed on one's own network;
 * 4. `network connect --link` to another tenant's container was not checked: refused now.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, run, startGateway, tlsArgs, type RunResult, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { expectLastRecord } from './support/audit-records.js';
import { envWithoutCaBundles, guidePolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
const CLI20 = '/usr/bin/docker';
const CLI28 = 'docker';
let pki: TestPki;
let gw: TestGateway;

/** docs/sharing.md's example policy, with `volumes` in `unowned:` (as an operator adds it for admins' data volumes). */
function policy(): string {
  return guidePolicy([/unowned: \[images\]/, 'unowned: [images, volumes]']);
}

const as = (who: string, args: string[], cli = CLI28): Promise<RunResult> => docker(pki.bundle(who), gw.port, args, { timeoutMs: 60_000, cli });
const direct = (args: string[]): Promise<RunResult> => dockerDirect(socket, args);

const env = (): NodeJS.ProcessEnv => envWithoutCaBundles();

function compose(who: string, dir: string, project: string, args: string[]): Promise<RunResult> {
  return run('docker-compose', [...tlsArgs(pki.bundle(who), gw.port), '-p', project, '-f', join(dir, 'docker-compose.yml'), ...args], { env: env(), timeoutMs: 90_000 });
}

/** Wait for the newest audit record of `op` to carry `want`, then check it. */
const expectRecord = (op: string, want: Record<string, unknown>): Promise<void> => expectLastRecord(gw, op, want);

/**
 * A network of `owner` (team `team`) with an explicit subnet, made on the daemon: tenants may
 * not set subnets (the networkSubnets guard), and the default pools are shared with every
 * bridge on the host, which other daemons' networks can use up.
 */
async function tenantNetwork(name: string, subnet: string, owner: string, team: string): Promise<void> {
  if ((await direct(['network', 'inspect', name])).code === 0) return;
  const r = await direct(['network', 'create', '--subnet', subnet, '--label', `dockgate.owner=${owner}`, '--label', `dockgate.team=${team}`, name]);
  expect(r.code, r.stderr).toBe(0);
}

/** The anonymous volume mounted at `dst` by container `name` (read on the daemon). */
async function volumeAt(name: string, dst: string): Promise<string> {
  const r = await direct(['inspect', '-f', `{{range .Mounts}}{{if eq .Destination "${dst}"}}{{.Name}}{{end}}{{end}}`, name]);
  const v = r.stdout.trim();
  expect(v).toMatch(/^[0-9a-f]{64}$/);
  return v;
}

let anon = '';
let imageVolume = '';
let volumesBefore: string[] = [];

async function volumeNames(): Promise<string[]> {
  return (await direct(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  volumesBefore = await volumeNames();
  pki = await makePki({ alice: ['web'], carol: ['data'], ops: ['ops'] });
  const file = join(pki.dir, 'storage-policy.yaml');
  writeFileSync(file, policy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${file}\n`));
  // alice: a `-v /data` volume and an image VOLUME, with data in them.
  const a = await as('alice', ['run', '-d', '--name', 'st-anon', '--network', 'none', '-v', '/data', 'busybox', 'sh', '-c', 'echo alice-secret > /data/pw; sleep 1d']);
  expect(a.code, a.stderr).toBe(0);
  const ctx = scratchDir('st-img-');
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nVOLUME /var/lib/db\n');
  const b = await run(CLI28, [...tlsArgs(pki.bundle('alice'), gw.port), 'build', '-q', '-t', 'alice/db:1', ctx], { env: { ...env(), DOCKER_BUILDKIT: '0' }, timeoutMs: 90_000 });
  expect(b.code, b.stderr).toBe(0);
  const d = await as('alice', ['run', '-d', '--name', 'st-db', '--network', 'none', 'alice/db:1', 'sh', '-c', 'echo db-row-42 > /var/lib/db/table; sleep 1d']);
  expect(d.code, d.stderr).toBe(0);
  anon = await volumeAt('st-anon', '/data');
  imageVolume = await volumeAt('st-db', '/var/lib/db');
  // An admin's shared network with a subnet, and an admin-made data volume without an owner.
  expect((await as('ops', ['network', 'create', '--subnet', '10.239.0.0/24', 'shared'])).code).toBe(0);
  expect((await as('ops', ['volume', 'create', 'st-opsdata'])).code).toBe(0);
}, 180_000);

afterAll(async () => {
  for (const who of ['alice', 'carol']) {
    const ids = (await direct(['ps', '-aq', '--filter', `label=dockgate.owner=${who}`])).stdout.split('\n').filter(Boolean);
    if (ids.length) await direct(['rm', '-f', '-v', ...ids]);
  }
  await direct(['network', 'rm', 'shared', 'st-cnet', 'st-anet', 'st-anet0', 'st-mem_default', 'st-own_default']);
  const made = (await volumeNames()).filter((v) => !volumesBefore.includes(v));
  if (made.length) await direct(['volume', 'rm', ...made]);
  await direct(['rmi', 'alice/db:1']);
  await gw?.stop();
});

describe('anonymous volumes are never unowned (rev-storage F1)', () => {
  it.each([CLI28, CLI20])('%s: another tenant cannot mount them by name (-v and --mount), nothing is created', async (cli) => {
    for (const [vol, dst] of [[anon, '/steal'], [imageVolume, '/db']] as const) {
      const r = await as('carol', ['run', '--rm', '--network', 'none', '-v', `${vol}:${dst}`, 'busybox', 'cat', `${dst}/pw`], cli);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(`volume "${vol}" (HostConfig.Binds) has no owner and is not only yours`);
      const m = await as('carol', ['run', '--rm', '--network', 'none', '--mount', `type=volume,src=${vol},dst=${dst}`, 'busybox', 'true'], cli);
      expect(m.code).toBe(125);
      expect(m.stderr).toContain(`volume "${vol}" (HostConfig.Mounts) has no owner and is not only yours`);
    }
    await expectRecord('ContainerCreate', { decision: 'deny', status: 403, code: 'not-owner' });
    expect((await direct(['ps', '-aq', '--filter', 'label=dockgate.owner=carol'])).stdout.trim()).toBe('');
    expect((await direct(['exec', 'st-anon', 'cat', '/data/pw'])).stdout).toBe('alice-secret\n');
  });

  it('another tenant does not see them in volume ls, volume inspect or system df -v; an admin\'s unowned volume stays visible', async () => {
    const ls = await as('carol', ['volume', 'ls', '-q']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout.split('\n')).not.toContain(anon);
    expect(ls.stdout.split('\n')).not.toContain(imageVolume);
    expect(ls.stdout.split('\n')).toContain('st-opsdata');
    const inspect = await as('carol', ['volume', 'inspect', anon]);
    expect(inspect.code).not.toBe(0);
    expect(inspect.stderr).toContain(`volume "${anon}" has no owner`);
    const df = await as('carol', ['system', 'df', '-v']);
    expect(df.code, df.stderr).toBe(0);
    expect(df.stdout).not.toContain(anon);
    expect(df.stdout).not.toContain(imageVolume);
    // The admin's named volume without an owner is what `unowned: [volumes]` is for.
    expect((await as('carol', ['run', '--rm', '--network', 'none', '-v', 'st-opsdata:/x', 'busybox', 'true'])).code).toBe(0);
  });

  it('their user may still name them in a create (what docker-compose does over a recreate)', async () => {
    const r = await as('alice', ['run', '--rm', '--network', 'none', '-v', `${anon}:/again`, 'busybox', 'cat', '/again/pw']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('alice-secret\n');
  });

  it('docker-compose: a service\'s anonymous volume is carried over a recreate', async () => {
    const dir = scratchDir('st-own-');
    writeFileSync(join(dir, 'docker-compose.yml'), 'version: "2.4"\nservices:\n  db:\n    image: busybox\n    network_mode: none\n    command: ["sh", "-c", "test -f /data/keep || echo first > /data/keep; sleep 1d"]\n    volumes: ["/data"]\n');
    const up = await compose('alice', dir, 'st-own', ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    const recreate = await compose('alice', dir, 'st-own', ['up', '-d', '--force-recreate']);
    expect(recreate.code, recreate.stderr).toBe(0);
    const names = (await direct(['ps', '-q', '--filter', 'label=com.docker.compose.project=st-own'])).stdout.trim();
    expect((await direct(['exec', names, 'cat', '/data/keep'])).stdout).toBe('first\n');
    expect((await compose('alice', dir, 'st-own', ['down', '-t', '1'])).code).toBe(0);
  });
});

describe('volumes in memory under a memory quota (rev-storage F4)', () => {
  const REFUSED = 'is refused under your memory quota: dockerd keeps it mounted outside every container';

  it.each([CLI28, CLI20])('%s: volume create -o type=tmpfs is refused, nothing created', async (cli) => {
    const r = await as('carol', ['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=200m', 'st-tmem'], cli);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`a volume in memory (local driver, type=tmpfs or ramfs, DriverOpts) ${REFUSED}`);
    await expectRecord('VolumeCreate', { decision: 'deny', status: 403, code: 'tmpfs-volume' });
    expect((await direct(['volume', 'inspect', 'st-tmem'])).code).not.toBe(0);
  });

  it('a --mount that makes one (volume-opt=type=tmpfs) is refused; --tmpfs and --mount type=tmpfs are allowed', async () => {
    const r = await as('carol', ['run', '--rm', '--network', 'none', '--mount', 'type=volume,dst=/m,volume-opt=type=tmpfs,volume-opt=device=tmpfs', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`a volume in memory (local driver, type=tmpfs or ramfs, HostConfig.Mounts[0].VolumeOptions.DriverConfig) ${REFUSED}`);
    expect((await as('carol', ['run', '--rm', '--network', 'none', '--tmpfs', '/t', 'busybox', 'true'])).code).toBe(0);
    expect((await as('carol', ['run', '--rm', '--network', 'none', '--mount', 'type=tmpfs,dst=/t', 'busybox', 'true'])).code).toBe(0);
  });

  it('docker-compose: a volume with driver_opts type: tmpfs is refused, a plain one is not', async () => {
    const dir = scratchDir('st-mem-');
    writeFileSync(join(dir, 'docker-compose.yml'), 'version: "2.4"\nservices:\n  s:\n    image: busybox\n    network_mode: none\n    command: ["true"]\n    volumes: ["mem:/m"]\nvolumes:\n  mem:\n    driver_opts: { type: tmpfs, device: tmpfs, o: size=64m }\n');
    const up = await compose('carol', dir, 'st-mem', ['up', '-d']);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toContain(REFUSED);
    expect((await direct(['volume', 'inspect', 'st-mem_mem'])).code).not.toBe(0);
  });
});

describe('fixed MAC and IP addresses on a shared network (rev-storage F2)', () => {
  const REFUSED = (where: string) => `a fixed MAC or IP address (${where}) on network "shared" is not allowed: other tenants use it`;

  it.each([CLI28, CLI20])('%s: run --ip / --mac-address on the shared network is refused; plain use is allowed', async (cli) => {
    const ip = await as('carol', ['run', '-d', '--network', 'shared', '--ip', '10.239.0.10', 'busybox', 'sleep', '1d'], cli);
    expect(ip.code).toBe(125);
    expect(ip.stderr).toContain(REFUSED('NetworkingConfig.EndpointsConfig'));
    const mac = await as('carol', ['run', '-d', '--network', 'shared', '--mac-address', '02:42:c0:a8:00:02', 'busybox', 'sleep', '1d'], cli);
    expect(mac.code).toBe(125);
    // CLI 28 sends a MAC address per network only, which needs API 1.44: it refuses by itself against dockerd 20.10.
    if (cli === CLI20) expect(mac.stderr).toContain(REFUSED('HostConfig.NetworkMode'));
    else expect(mac.stderr).toContain('requires API version 1.44');
    await expectRecord('ContainerCreate', { decision: 'deny', status: 403, code: 'network-address' });
    expect((await direct(['ps', '-aq', '--filter', 'label=dockgate.owner=carol'])).stdout.trim()).toBe('');
    const plain = await as('carol', ['run', '--rm', '--network', 'shared', 'busybox', 'true'], cli);
    expect(plain.code, plain.stderr).toBe(0);
  });

  it('on the caller\'s own network --ip and --mac-address are allowed', async () => {
    await tenantNetwork('st-cnet', '10.239.1.0/24', 'carol', 'data');
    const r = await as('carol', ['run', '-d', '--name', 'st-cip', '--network', 'st-cnet', '--ip', '10.239.1.77', '--mac-address', '02:42:ac:1f:00:77', 'busybox', 'sleep', '1d'], CLI20);
    expect(r.code, r.stderr).toBe(0);
    const got = (await direct(['inspect', '-f', '{{with index .NetworkSettings.Networks "st-cnet"}}{{.IPAddress}} {{.MacAddress}}{{end}}', 'st-cip'])).stdout.trim();
    expect(got).toBe('10.239.1.77 02:42:ac:1f:00:77');
  });

  it('network connect --ip to the shared network is refused; without it the connect is allowed', async () => {
    const r = await as('carol', ['network', 'connect', '--ip', '10.239.0.10', 'shared', 'st-cip']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(REFUSED('EndpointConfig'));
    await expectRecord('NetworkConnect', { decision: 'deny', status: 403, code: 'network-address' });
    expect((await direct(['inspect', '-f', '{{with index .NetworkSettings.Networks "shared"}}joined{{end}}', 'st-cip'])).stdout.trim()).toBe('');
    expect((await as('carol', ['network', 'connect', 'shared', 'st-cip'])).code).toBe(0);
    expect((await as('carol', ['network', 'disconnect', 'shared', 'st-cip'])).code).toBe(0);
  });
});

describe('network connect --link is checked like a create\'s links (rev-storage F3)', () => {
  it.each([CLI28, CLI20])('%s: a link to another tenant\'s container is refused, to one\'s own allowed', async (cli) => {
    const net = 'st-anet';
    await tenantNetwork('st-anet0', '10.239.2.0/24', 'alice', 'web');
    await tenantNetwork(net, '10.239.3.0/24', 'alice', 'web');
    const name = `st-al-${cli.length}`;
    expect((await as('alice', ['run', '-d', '--name', name, '--network', 'st-anet0', 'busybox', 'sleep', '1d'])).code).toBe(0);
    const r = await as('alice', ['network', 'connect', '--link', 'st-cip:web', net, name], cli);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('container "st-cip" (EndpointConfig.Links) belongs to another tenant');
    await expectRecord('NetworkConnect', { decision: 'deny', status: 403, code: 'not-owner' });
    expect((await direct(['inspect', '-f', `{{with index .NetworkSettings.Networks "${net}"}}joined{{end}}`, name])).stdout.trim()).toBe('');
    const own = await as('alice', ['network', 'connect', '--link', 'st-anon:db', net, name], cli);
    expect(own.code, own.stderr).toBe(0);
    expect((await direct(['inspect', '-f', `{{with index .NetworkSettings.Networks "${net}"}}{{.Links}}{{end}}`, name])).stdout.trim()).toBe('[st-anon:db]');
  });
});
