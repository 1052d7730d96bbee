/**
 * Tenancy end to end, ownership and visibility: alice and bob (team `web`), carol (team `data`)
 * and root (an admin) share one real dockerd through the gateway with the real docker CLI
 * (support/tenancy-suite.ts). Each tenant sees its own and its team's containers, volumes,
 * networks, events and images; another tenant's are refused by ID, name and ID prefix, and
 * names that dockerd would read as IDs are refused; the owner labels cannot be forged; all of
 * it holds across a gateway restart. Every check is also made on the daemon.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { background, killAll, type Background } from './support/background.js';
import { docker, dockerDirect, tlsArgs } from './support/gateway.js';
import { openStreams } from './support/open-streams.js';
import { tenancySuite } from './support/tenancy-suite.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const ten = tenancySuite(['alice', 'bob', 'carol', 'root']);
const { as, api, names } = ten;

describe('ownership and visibility', () => {
  it('the owner label is on the daemon', async () => {
    const r = await dockerDirect(socket, ['inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}/{{index .Config.Labels "dockgate.team"}}', 'ten-a1', 'ten-c1']);
    expect(r.stdout.trim().split('\n')).toEqual(['alice/web', 'carol/data']);
  });

  it('ps -a shows each tenant its own and its team\'s containers; the admin sees all', async () => {
    expect(await names('alice', ['ps', '-a', '--format', '{{.Names}}'])).toEqual(['ten-a1', 'ten-b1']);
    expect(await names('bob', ['ps', '-a', '--format', '{{.Names}}'])).toEqual(['ten-a1', 'ten-b1']);
    expect(await names('carol', ['ps', '-a', '--format', '{{.Names}}'])).toEqual(['ten-c1']);
    const all = await names('root', ['ps', '-a', '--format', '{{.Names}}']);
    expect(all).toEqual(expect.arrayContaining(['ten-a1', 'ten-b1', 'ten-c1']));
  });

  it('a client filter is ANDed with the tenant filter', async () => {
    expect(await names('alice', ['ps', '-a', '--filter', 'name=ten-b1', '--format', '{{.Names}}'])).toEqual(['ten-b1']);
    expect(await names('carol', ['ps', '-a', '--filter', 'name=ten-a1', '--format', '{{.Names}}'])).toEqual([]);
  });

  it('volume ls and network ls are filtered', async () => {
    expect((await as('alice', ['volume', 'create', 'ten-va'])).code).toBe(0);
    expect((await as('carol', ['volume', 'create', 'ten-vc'])).code).toBe(0);
    expect(await names('alice', ['volume', 'ls', '--format', '{{.Name}}'])).toEqual(['ten-va']);
    expect(await names('carol', ['volume', 'ls', '--format', '{{.Name}}'])).toEqual(['ten-vc']);
    const net = await as('alice', ['network', 'create', 'ten-na']);
    expect(net.stderr).toBe('');
    expect(await names('alice', ['network', 'ls', '--format', '{{.Name}}'])).toEqual(['ten-na']);
    expect(await names('carol', ['network', 'ls', '--format', '{{.Name}}'])).toEqual([]);
    const direct = await dockerDirect(socket, ['network', 'inspect', '-f', '{{index .Labels "dockgate.owner"}}', 'ten-na']);
    expect(direct.stdout.trim()).toBe('alice');
  });

  it('events: each tenant sees only its own world while others start containers; the admin sees all', async () => {
    const since = String(Math.floor(Date.now() / 1000));
    const started: ChildProcessWithoutNullStreams[] = [];
    const watch = (who: string): Background => background(started, 'docker', [...tlsArgs(ten.pki.bundle(who), ten.gw.port), 'events', '--since', since, '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}}']);
    const seen = (w: Background): string[] => w.out().split('\n').filter(Boolean);
    try {
      const before = await openStreams(ten.gw);
      const [carol, alice, root] = [watch('carol'), watch('alice'), watch('root')];
      // The streams are open before the containers start, so the starts come to them live.
      await until(async () => (await openStreams(ten.gw)) >= before + 3, 10_000, 'the three event streams to be open');
      expect((await as('alice', ['run', '-d', '--name', 'ten-ev-a', 'busybox', 'true'])).code).toBe(0);
      expect((await as('carol', ['run', '-d', '--name', 'ten-ev-c', 'busybox', 'true'])).code).toBe(0);
      expect((await as('alice', ['run', '-d', '--name', 'ten-ev-a2', 'busybox', 'true'])).code).toBe(0);
      // A stream gives events in the order they happened: once carol's shows ten-ev-c and alice's
      // ten-ev-a2, a start each must not see (ten-ev-a, ten-ev-c: earlier) would have come before.
      await until(() => seen(carol).includes('ten-ev-c'), 30_000, 'carol\'s stream to show ten-ev-c');
      await until(() => seen(alice).includes('ten-ev-a2'), 30_000, 'alice\'s stream to show ten-ev-a2');
      await until(() => ['ten-ev-a', 'ten-ev-c', 'ten-ev-a2'].every((n) => seen(root).includes(n)), 30_000, 'the admin\'s stream to show all three');
      expect(seen(carol)).not.toContain('ten-ev-a');
      expect(seen(alice)).toContain('ten-ev-a');
      expect(seen(alice)).not.toContain('ten-ev-c');
    } finally {
      killAll(started);
    }
  });

  it('images: unowned base images for all, committed images for their owner', async () => {
    const c = await as('alice', ['commit', 'ten-a1', 'ten-img-a']);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-img-a']);
    expect(owner.stdout.trim()).toBe('alice');
    // Other suites leave unowned images on the shared daemon: look only at busybox and ours.
    const ours = (list: string[]) => list.filter((n) => n === 'busybox' || n.startsWith('ten-'));
    expect(ours(await names('alice', ['images', '--format', '{{.Repository}}']))).toEqual(['busybox', 'ten-img-a']);
    expect(ours(await names('carol', ['images', '--format', '{{.Repository}}']))).toEqual(['busybox']);
    const rmi = await as('carol', ['rmi', 'ten-img-a']);
    expect(rmi.code).not.toBe(0);
    expect(rmi.stderr).toContain('belongs to another tenant');
  });
});

describe('cross-owner access is denied by id, name and id prefix', () => {
  const refs = (): string[] => [ten.a1Id, 'ten-a1', ten.a1Id.slice(0, 5)];
  const cases: [string, (ref: string) => string[]][] = [
    ['inspect', (r) => ['inspect', r]],
    ['logs', (r) => ['logs', r]],
    ['exec', (r) => ['exec', r, 'true']],
    ['cp', (r) => ['cp', `${r}:/etc/hostname`, '/tmp/ten-cp-out']],
    ['attach', (r) => ['attach', '--no-stdin', r]],
    ['commit', (r) => ['commit', r, 'ten-stolen']],
    ['stop', (r) => ['stop', '-t', '1', r]],
    ['rm', (r) => ['rm', '-f', r]],
  ];
  for (const [name, args] of cases) {
    it(`carol: docker ${name}`, async () => {
      for (const ref of refs()) {
        const r = await as('carol', args(ref), 20_000);
        expect(r.code, `${name} ${ref}`).not.toBe(0);
        expect(r.stderr, `${name} ${ref}`).toContain('belongs to another tenant');
      }
    });
  }

  it('the container is untouched on the daemon', async () => {
    const r = await dockerDirect(socket, ['inspect', '-f', '{{.State.Running}}', 'ten-a1']);
    expect(r.stdout.trim()).toBe('true');
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-stolen'])).code).not.toBe(0);
  });

  it('a team member may act on the team\'s container', async () => {
    const r = await as('bob', ['exec', 'ten-a1', 'echo', 'team-ok']);
    expect(r.stdout.trim()).toBe('team-ok');
  });

  it('a reference written /name is the container of that name, as dockerd reads it (never an ID prefix)', async () => {
    const own = await as('bob', ['run', '--rm', '--volumes-from', '/ten-a1', '--pid', 'container:/ten-a1', 'busybox', 'true']);
    expect(own.stderr).toBe('');
    expect(own.code).toBe(0);
    expect((await as('carol', ['run', '--rm', '--volumes-from', '/ten-a1', 'busybox', 'true'])).stderr).toContain('belongs to another tenant');
    // `/` and ten-a1's short ID: dockerd looks for a container of that name, and finds none.
    const byId = await api('bob', 'POST', '/containers/create', { Image: 'busybox', HostConfig: { VolumesFrom: [`/${ten.a1Id.slice(0, 12)}`] } });
    expect(byId).toEqual({ status: 404, json: { message: `No such container: /${ten.a1Id.slice(0, 12)}` } });
  });

  it('a create body may not reference another tenant\'s objects', async () => {
    const vf = await as('carol', ['run', '--rm', '--volumes-from', 'ten-a1', 'busybox', 'true']);
    expect(vf.stderr).toContain('belongs to another tenant');
    const vol = await as('carol', ['run', '--rm', '-v', 'ten-va:/data', 'busybox', 'true']);
    expect(vol.stderr).toContain('belongs to another tenant');
    const ns = await as('carol', ['run', '--rm', '--pid', 'container:ten-a1', 'busybox', 'true']);
    expect(ns.stderr).toContain('belongs to another tenant');
  });
});

describe('names that read as IDs', () => {
  // dockerd resolves a reference by full ID, then by exact name, then by ID prefix: carol's
  // container named with ten-a1's short ID would take every later reference to that short ID.
  const shortId = (): string => ten.a1Id.slice(0, 12);

  it('a tenant may not name or rename a container with a short ID or a prefix of an existing ID', async () => {
    for (const name of [shortId(), `/${shortId()}`, ten.a1Id.slice(0, 4), 'c0ffee0c0ffee0c0ffee']) {
      const r = await api('carol', 'POST', `/containers/create?name=${encodeURIComponent(name)}`, { Image: 'busybox', Cmd: ['true'] });
      expect(r.status, name).toBe(403);
      expect(String(r.json.message), name).toContain('could be read as the ID of another container');
    }
    expect((await as('carol', ['create', '--name', 'ten-c-idlike', 'busybox', 'true'])).code).toBe(0);
    const renamed = await as('carol', ['rename', 'ten-c-idlike', shortId()]);
    expect(renamed.code).not.toBe(0);
    expect(renamed.stderr).toContain('could be read as the ID of another container');
    // The short ID still reaches alice's container, for the admin and for alice.
    expect((await as('root', ['inspect', '-f', '{{.Name}}', shortId()])).stdout.trim()).toBe('/ten-a1');
    expect((await as('alice', ['inspect', '-f', '{{.Name}}', shortId()])).stdout.trim()).toBe('/ten-a1');
    // A hexadecimal name that prefixes no ID and is shorter than a short ID is a name like any other.
    const hexName = 'cafe0ba5e';
    expect((await as('carol', ['rename', 'ten-c-idlike', hexName])).code).toBe(0);
    expect((await dockerDirect(socket, ['inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', hexName])).stdout.trim()).toBe('carol');
    expect((await as('carol', ['rm', hexName])).code).toBe(0);
  });

  it('nor a network', async () => {
    const net = await as('carol', ['network', 'create', 'abcdef0123456789']);
    expect(net.code).not.toBe(0);
    expect(net.stderr).toContain('could be read as the ID of another network');
    expect((await dockerDirect(socket, ['network', 'inspect', 'abcdef0123456789'])).code).not.toBe(0);
  });

  it('nor an image tag: dockerd reads <hex> (as <hex>:latest) and sha256:<hex> as tags before ID prefixes', async () => {
    expect((await as('alice', ['commit', 'ten-a1', 'ten-idimg-a'])).code).toBe(0);
    const imageId = (await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', 'ten-idimg-a'])).stdout.trim().replace('sha256:', '');
    const short = imageId.slice(0, 12);
    expect((await as('carol', ['commit', 'ten-c1', 'ten-idimg-c'])).code).toBe(0);
    const attempts: string[][] = [
      ['tag', 'ten-idimg-c', short],
      ['tag', 'ten-idimg-c', `${short}:latest`],
      ['tag', 'ten-idimg-c', `sha256:${short}`],
      ['tag', 'ten-idimg-c', imageId.slice(0, 5)],
      ['commit', 'ten-c1', short],
    ];
    for (const args of attempts) {
      const r = await as('carol', args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toContain('could be read as the ID of another image');
    }
    // rev-day1 F5: alice's own image's 12-digit short ID is refused too, saying it is hers.
    const ownShort = await as('alice', ['tag', 'ten-idimg-a', short]);
    expect(ownShort.code).not.toBe(0);
    expect(ownShort.stderr).toContain(`could be read as the ID of an image of yours or your team's (${short})`);
    // The short ID still means alice's image, for the admin and for alice.
    expect((await as('root', ['image', 'inspect', '-f', '{{.Id}}', short])).stdout.trim()).toBe(`sha256:${imageId}`);
    expect((await as('alice', ['image', 'inspect', '-f', '{{.Id}}', `sha256:${short}`])).stdout.trim()).toBe(`sha256:${imageId}`);
    // A tag other than latest is no ID, and a short hex name that prefixes no image ID is a name.
    const ids = (await dockerDirect(socket, ['images', '-aq', '--no-trunc'])).stdout;
    const free = ['cafe0ba5e', 'beefcafe1', 'facade0d1'].find((n) => !ids.includes(`sha256:${n}`)) as string;
    for (const tag of [`${short}:v1`, free]) {
      expect((await as('carol', ['tag', 'ten-idimg-c', tag])).code, tag).toBe(0);
      expect((await dockerDirect(socket, ['rmi', tag])).code, tag).toBe(0);
    }
  });

  it('a tenancy admin may', async () => {
    const r = await api('root', 'POST', '/containers/create?name=c0ffee0c0ffee0c0ffee', { Image: 'busybox', Cmd: ['true'] });
    expect(r.status).toBe(201);
    expect((await dockerDirect(socket, ['rm', 'c0ffee0c0ffee0c0ffee'])).code).toBe(0);
  });
});

describe('docker rm --link', () => {
  it('removes the link from one\'s own container; another tenant cannot; the linked container stays', async () => {
    expect((await as('alice', ['create', '--name', 'ten-link-db', 'busybox', 'true'])).code).toBe(0);
    expect((await as('alice', ['create', '--name', 'ten-link-web', '--link', 'ten-link-db:db', '--link', 'ten-link-db:cache', 'busybox', 'true'])).code).toBe(0);
    const links = async () => (await dockerDirect(socket, ['inspect', '-f', '{{json .HostConfig.Links}}', 'ten-link-web'])).stdout.trim();
    expect(JSON.parse(await links())).toEqual(expect.arrayContaining(['/ten-link-db:/ten-link-web/db', '/ten-link-db:/ten-link-web/cache']));

    const carol = await as('carol', ['rm', '--link', 'ten-link-web/db']);
    expect(carol.code).not.toBe(0);
    expect(carol.stderr).toContain('link "ten-link-web/db" belongs to container "ten-link-web" of another tenant');
    expect(await links()).toContain('/ten-link-web/db');

    // Both CLIs, each removing one of the two links (the 28.x one with the leading slash).
    for (const [cli, link] of [['/usr/local/bin/docker', '/ten-link-web/db'], ['/usr/bin/docker', 'ten-link-web/cache']] as const) {
      const r = await docker(ten.pki.bundle('alice'), ten.gw.port, ['rm', '--link', link], { cli });
      expect(r.stderr, cli).toBe('');
      expect(r.code, cli).toBe(0);
    }
    expect(await links()).toMatch(/^(null|\[\])$/);
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.Name}}', 'ten-link-db'])).stdout.trim()).toBe('/ten-link-db');
  });
});

describe('prune, limits, labels', () => {
  it('container prune removes only the caller\'s own containers', async () => {
    expect((await as('alice', ['create', '--name', 'ten-a-stopped', 'busybox', 'true'])).code).toBe(0);
    expect((await as('carol', ['create', '--name', 'ten-c-stopped', 'busybox', 'true'])).code).toBe(0);
    const p = await as('carol', ['container', 'prune', '-f']);
    expect(p.code).toBe(0);
    expect((await dockerDirect(socket, ['inspect', 'ten-c-stopped'])).code).not.toBe(0);
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.Name}}', 'ten-a-stopped'])).stdout.trim()).toBe('/ten-a-stopped');
  });

  it('a client-supplied owner label is rejected', async () => {
    const r = await as('carol', ['run', '-d', '--label', 'dockgate.owner=alice', 'busybox', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"dockgate.owner" is reserved');
    const v = await as('carol', ['volume', 'create', '--label', 'Dockgate.Team=web', 'ten-forged']);
    expect(v.stderr).toContain('is reserved');
    expect((await dockerDirect(socket, ['volume', 'inspect', 'ten-forged'])).code).not.toBe(0);
  });

  it('system df counts only the caller\'s containers; the admin counts all', async () => {
    const count = async (who: string) => Number((await as(who, ['system', 'df', '--format', '{{if eq .Type "Containers"}}{{.TotalCount}}{{end}}'])).stdout.trim());
    const mine = (await names('carol', ['ps', '-aq'])).length;
    expect(await count('carol')).toBe(mine);
    const all = (await dockerDirect(socket, ['ps', '-aq'])).stdout.split('\n').filter(Boolean).length;
    expect(await count('root')).toBe(all);
    expect(mine).toBeLessThan(all);
  });
});

describe('restart', () => {
  it('ownership and visibility survive a gateway restart', async () => {
    await ten.restartGateway();
    expect(await names('carol', ['ps', '-a', '--format', '{{.Names}}'])).toEqual(['ten-c1']);
    expect(await names('alice', ['volume', 'ls', '--format', '{{.Name}}'])).toEqual(['ten-va']);
    const r = await as('carol', ['stop', 'ten-a1']);
    expect(r.stderr).toContain('belongs to another tenant');
  }, 60_000);
});
