/**
 * Tenancy end to end, networks and volumes named in creates, connects and builds: another
 * tenant's network by endpoint NetworkID or by an ID-prefix name, shared networks (no aliases,
 * no shared names), anonymous volumes (their owner, their reuse, --volumes-from after a
 * reload), on the real daemon with the real docker CLI (support/tenancy-suite.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { docker, dockerDirect } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';
import { TENANCY_POLICY, tenancySuite } from './support/tenancy-suite.js';

const socket = inject('dockerSocket');
const ten = tenancySuite(['alice', 'bob', 'carol', 'root']);
const { as, api, classicBuild } = ten;

/** alice's own network `ten-na`, made through the gateway (its owner labels are the gateway's). */
beforeAll(async () => {
  const net = await as('alice', ['network', 'create', 'ten-na']);
  expect(net.stderr).toBe('');
  expect(net.code).toBe(0);
});

describe('review fixes, on the real daemon', () => {
  it('#7 an endpoint NetworkID naming another tenant\'s network is refused; one\'s own is pinned to the full ID', async () => {
    expect((await as('carol', ['network', 'create', 'ten-nc'])).code).toBe(0);
    const carolNet = (await dockerDirect(socket, ['network', 'inspect', '-f', '{{.Id}}', 'ten-nc'])).stdout.trim();
    const aliceNet = (await dockerDirect(socket, ['network', 'inspect', '-f', '{{.Id}}', 'ten-na'])).stdout.trim();
    const steal = await api('alice', 'POST', '/containers/create?name=ten-nid', {
      Image: 'busybox', Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'ten-na' }, NetworkingConfig: { EndpointsConfig: { 'ten-na': { NetworkID: carolNet } } },
    });
    expect(steal.status).toBe(403);
    expect(String(steal.json.message)).toContain('belongs to another tenant');
    const own = await api('alice', 'POST', '/containers/create?name=ten-nid2', {
      Image: 'busybox', Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'ten-na' }, NetworkingConfig: { EndpointsConfig: { 'ten-na': { NetworkID: aliceNet.slice(0, 10) } } },
    });
    expect(own.status, JSON.stringify(own.json)).toBe(201);
    expect((await as('alice', ['start', 'ten-nid2'])).code).toBe(0);
    const joined = await dockerDirect(socket, ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.NetworkID}}{{end}}', 'ten-nid2']);
    expect(joined.stdout.trim()).toBe(aliceNet);
    const connect = await api('alice', 'POST', '/networks/ten-na/connect', { Container: 'ten-a1', EndpointConfig: { NetworkID: carolNet } });
    expect(connect.status).toBe(403);
    const onCarols = await dockerDirect(socket, ['network', 'inspect', '-f', '{{len .Containers}}', 'ten-nc']);
    expect(onCarols.stdout.trim()).toBe('0');
  });

  it('#6 an anonymous volume made through Mounts belongs to the caller; forged labels there are refused', async () => {
    const forged = await api('alice', 'POST', '/containers/create?name=ten-anonv', {
      Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { Labels: { 'dockgate.owner': 'carol', 'dockgate.team': 'data' } } }] },
    });
    expect(forged.status).toBe(403);
    const ok = await api('alice', 'POST', '/containers/create?name=ten-anonv2', { Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'volume', Target: '/x' }] } });
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    const vol = (await dockerDirect(socket, ['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', 'ten-anonv2'])).stdout.trim();
    const labels = await dockerDirect(socket, ['volume', 'inspect', '-f', '{{index .Labels "dockgate.owner"}}/{{index .Labels "dockgate.team"}}', vol]);
    expect(labels.stdout.trim()).toBe('alice/web');
  });

  it('on a shared network a tenant may not take aliases (another container\'s name) or links; plain use works with both CLIs', async () => {
    expect((await as('root', ['network', 'create', 'ten-shared-dns'])).code).toBe(0);
    try {
      // Shared for this test only: the gateway reads the policy's shared list, so use a policy reload.
      writeFileSync(ten.policyFile, TENANCY_POLICY.replace('networks: [ten-shared]', 'networks: [ten-shared, ten-shared-dns]'));
      await until(async () => (await as('alice', ['network', 'inspect', 'ten-shared-dns'])).code === 0, 15_000, 'the reloaded policy sharing ten-shared-dns');
      expect((await as('carol', ['create', '--name', 'ten-c-db', '--network', 'ten-shared-dns', 'busybox', 'true'])).code).toBe(0);
      const alias = await as('alice', ['create', '--network', 'ten-shared-dns', '--network-alias', 'ten-c-db', 'busybox', 'true']);
      expect(alias.stderr).toContain('aliases and links on network "ten-shared-dns" are not allowed');
      for (const cli of ['/usr/local/bin/docker', '/usr/bin/docker']) {
        const plain = await docker(ten.pki.bundle('alice'), ten.gw.port, ['create', '--network', 'ten-shared-dns', 'busybox', 'true'], { cli });
        expect(plain.stderr, cli).toBe('');
        expect(plain.code, cli).toBe(0);
      }
      expect((await as('alice', ['create', '--name', 'ten-a-dns', 'busybox', 'true'])).code).toBe(0);
      const connect = await as('alice', ['network', 'connect', '--alias', 'ten-c-db', 'ten-shared-dns', 'ten-a-dns']);
      expect(connect.stderr).toContain('aliases and links on network "ten-shared-dns" are not allowed');
      const networks = await dockerDirect(socket, ['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'ten-a-dns']);
      expect(networks.code).toBe(0);
      expect(networks.stdout).not.toContain('ten-shared-dns');
    } finally {
      writeFileSync(ten.policyFile, TENANCY_POLICY);
      // The next tests run under the file's policy again (reloads wait for a quiet file).
      await until(async () => (await as('alice', ['network', 'inspect', 'ten-shared-dns'])).code !== 0, 15_000, 'the policy restored');
    }
  });

  it('#15 a tenant may not create a network with a shared name', async () => {
    const r = await as('alice', ['network', 'create', 'ten-shared']);
    expect(r.stderr).toContain('"ten-shared" is a shared name');
    expect((await dockerDirect(socket, ['network', 'inspect', 'ten-shared'])).code).not.toBe(0);
  });

  it('an anonymous volume (no owner) may be named again by its user, as docker-compose does to recreate a service; not by another tenant', async () => {
    const first = await as('alice', ['create', '--name', 'ten-anon-1', '-v', '/var/lib/data', 'busybox', 'true']);
    expect(first.code, first.stderr).toBe(0);
    const volume = (await dockerDirect(socket, ['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', 'ten-anon-1'])).stdout.trim();
    expect(volume).toMatch(/^[0-9a-f]{64}$/);
    expect((await dockerDirect(socket, ['volume', 'inspect', '-f', '{{json .Labels}}', volume])).stdout.trim()).toBe('null');
    const again = await as('alice', ['create', '--name', 'ten-anon-2', '-v', `${volume}:/var/lib/data:rw`, 'busybox', 'true']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const other = await as('carol', ['create', '--name', 'ten-anon-c', '-v', `${volume}:/var/lib/data`, 'busybox', 'true']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain(`volume "${volume}" (HostConfig.Binds) has no owner and is not only yours`);
    expect((await as('alice', ['rm', 'ten-anon-1', 'ten-anon-2'])).code).toBe(0);
    await dockerDirect(socket, ['volume', 'rm', volume]);
  });

  it('--volumes-from passes on only volumes the caller may still mount: not one a reload dropped from shared.volumes, nor another tenant\'s', async () => {
    const policyFile = ten.policyFile;
    expect((await as('root', ['volume', 'create', 'ten-opsvol'])).code).toBe(0);
    expect((await as('carol', ['volume', 'create', 'ten-cvol'])).code).toBe(0);
    try {
      // Shared while alice makes a container on it; the reload then takes it back.
      writeFileSync(policyFile, TENANCY_POLICY.replace('shared: { networks: [ten-shared] }', 'shared: { networks: [ten-shared], volumes: [ten-opsvol] }'));
      await until(async () => (await as('alice', ['volume', 'inspect', 'ten-opsvol'])).code === 0, 15_000, 'the reloaded policy sharing ten-opsvol');
      const holder = await as('alice', ['create', '--name', 'ten-vf-holder', '-v', 'ten-opsvol:/v', 'busybox', 'true']);
      expect(holder.stderr).toBe('');
      expect(holder.code).toBe(0);
    } finally {
      writeFileSync(policyFile, TENANCY_POLICY);
      await until(async () => (await as('alice', ['volume', 'inspect', 'ten-opsvol'])).code !== 0, 15_000, 'the policy restored');
    }
    try {
      // The used-only-by-you rule is for anonymous volumes: a named one without an owner is not hers by use.
      const named = await as('alice', ['run', '--rm', '-v', 'ten-opsvol:/v', 'busybox', 'true']);
      expect(named.stderr).toContain('volume "ten-opsvol" (HostConfig.Binds) has no owner and is not shared');
      const from = await as('alice', ['run', '--rm', '--volumes-from', 'ten-vf-holder', 'busybox', 'true']);
      expect(from.stderr).toContain('volume "ten-opsvol" (mounted by container "ten-vf-holder" of HostConfig.VolumesFrom) has no owner and is not shared');
      // A container of alice's with carol's volume, made by an admin for her (through the gateway:
      // made on the socket, it would have no dockgate.created label, so no owner).
      const planted = await as('root', ['create', '--name', 'ten-vf-planted', '--label', 'dockgate.owner=alice', '--label', 'dockgate.team=web', '-v', 'ten-cvol:/c', 'busybox', 'true']);
      expect(planted.code, planted.stderr).toBe(0);
      const team = await as('bob', ['run', '--rm', '--volumes-from', 'ten-vf-planted', 'busybox', 'true']);
      expect(team.stderr).toContain('volume "ten-cvol" (mounted by container "ten-vf-planted" of HostConfig.VolumesFrom) belongs to another tenant');
      // An own container's anonymous volume still passes, to its owner and to the team.
      expect((await as('alice', ['create', '--name', 'ten-vf-anon', '-v', '/data', 'busybox', 'true'])).code).toBe(0);
      for (const who of ['alice', 'bob']) {
        const anon = await as(who, ['run', '--rm', '--volumes-from', 'ten-vf-anon', 'busybox', 'test', '-d', '/data']);
        expect(anon.stderr, who).toBe('');
        expect(anon.code, who).toBe(0);
      }
    } finally {
      await dockerDirect(socket, ['rm', '-f', '-v', 'ten-vf-holder', 'ten-vf-planted', 'ten-vf-anon']);
      await dockerDirect(socket, ['volume', 'rm', '-f', 'ten-opsvol', 'ten-cvol']);
    }
  });

  it('#16 a tenant may disconnect its own container from a predefined network', async () => {
    expect((await as('alice', ['run', '-d', '--name', 'ten-a-none', '--network', 'none', 'busybox', 'sleep', '600'])).code).toBe(0);
    const r = await as('alice', ['network', 'disconnect', 'none', 'ten-a-none']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('#8 a network name that is a prefix of another tenant\'s network ID cannot redirect a container at start', async () => {
    const carolNet = (await dockerDirect(socket, ['network', 'inspect', '-f', '{{.Id}}', 'ten-nc'])).stdout.trim();
    const squat = carolNet.slice(0, 8);
    // Such a name is refused outright (id-like-name). It can still arise (a short hex name that
    // a later network's ID starts with), so the pinning of network references is checked with
    // one made for alice on the daemon, carrying her owner labels.
    const refused = await as('alice', ['network', 'create', squat]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('could be read as the ID of another network');
    expect((await dockerDirect(socket, ['network', 'create', '--label', 'dockgate.owner=alice', '--label', 'dockgate.team=web', squat])).code).toBe(0);
    try {
      expect((await as('alice', ['create', '--name', 'ten-netx', '--network', squat, 'busybox', 'sleep', '600'])).code).toBe(0);
    } finally {
      expect((await dockerDirect(socket, ['network', 'rm', squat])).code).toBe(0);
    }
    const start = await as('alice', ['start', 'ten-netx']);
    expect(start.code).not.toBe(0);
    const onCarols = await dockerDirect(socket, ['network', 'inspect', '-f', '{{len .Containers}}', 'ten-nc']);
    expect(onCarols.stdout.trim()).toBe('0');
  });

  it('#9 a build may not join another tenant\'s network, and its RUN steps get the default memory limit', async () => {
    const dir = scratchDir('ten-build-lim-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes\n');
    const net = await classicBuild('alice', ['--no-cache', '--network', 'ten-nc', dir]);
    expect(net.code).not.toBe(0);
    expect(net.stderr).toContain('network "ten-nc" (networkmode) belongs to another tenant');
    const built = await classicBuild('alice', ['--no-cache', '-t', 'ten-built-lim', dir]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toContain(String(32 * 1024 * 1024));
  });
});
