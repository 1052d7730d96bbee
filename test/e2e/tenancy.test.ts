/**
 * Tenancy end to end: four identities share one real dockerd through the gateway with the
 * real docker CLI. alice and bob are team `web`, carol is team `data`, root is an admin;
 * erin has a container quota of 5, dave a rate limit. Every check is also made on the daemon.
 * The concurrency cases make dockerd slow on purpose (hundreds of anonymous volumes in a create,
 * a restart of a container that ignores SIGTERM) and wait for the daemon to be at work.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, run, startGateway, type TestGateway, type TestPki, tlsArgs } from './support/gateway.js';
import { httpRequest, jsonRequest, RawConnection } from './support/raw-tls.js';
import { startBusyboxRegistry, type TestRegistry } from './support/registry.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';
import { processWith } from './support/processes.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
let yaml: string;
const as = (who: string, args: string[], timeoutMs = 60_000) => docker(pki.bundle(who), gw.port, args, { timeoutMs });

const POLICY = `version: 1
rules:
  - name: everyone
    who: { anyone: true }
    allow: all
tenancy:
  admins: { groups: [ops] }
  teams: [web, data]
  unowned: [images]
  shared: { networks: [ten-shared] }
  buildkit: true
  quotas:
    default: { memory: 64m, defaultMemory: 32m }
    users:
      gina: { cpus: 1, defaultCpus: 0.5, pids: 64 }
      hank: { running: 1 }
      erin: { containers: 5 }
      dave: { rate: { perSecond: 0.2, burst: 3 } }
      frank: { running: 1, streams: 1 }
      ivan: { running: 2, networks: 1 }
      kate: { containers: 1 }
      jack: { running: 2 }
      'volume-name:ten-lkv': { containers: 2 }
`;

let a1Id = '';

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], bob: ['web'], carol: ['data'], root: ['ops'], erin: ['qa'], dave: [], frank: ['qa'], gina: ['qa'], hank: ['qa'], ivan: ['qa'], kate: ['qa'], jack: ['qa'], 'volume-name:ten-lkv': ['qa'] });
  const policyFile = join(pki.dir, 'tenancy-policy.yaml');
  writeFileSync(policyFile, POLICY);
  yaml = configYaml(pki, socket, `policy: ${policyFile}\n`);
  gw = await startGateway(pki.dir, yaml);
  for (const [who, name] of [['alice', 'ten-a1'], ['bob', 'ten-b1'], ['carol', 'ten-c1']] as const) {
    const r = await as(who, ['run', '-d', '--name', name, 'busybox', 'sleep', '600']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    if (who === 'alice') a1Id = r.stdout.trim();
  }
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, 'label=dockgate.owner');
  await dockerDirect(socket, ['volume', 'rm', '-f', 'ten-va', 'ten-vc']);
  const vols = await dockerDirect(socket, ['volume', 'ls', '-q', '--filter', 'label=dockgate.owner']);
  const volList = vols.stdout.split('\n').filter(Boolean);
  if (volList.length) await dockerDirect(socket, ['volume', 'rm', '-f', ...volList]);
  await dockerDirect(socket, ['network', 'rm', 'ten-na', 'ten-nc', 'ten-shared-dns', 'ten-i-net1', 'ten-i-net2']);
  await dockerDirect(socket, ['rmi', '-f', 'ten-img-a', 'ten-built-a', 'ten-img-c', 'ten-img-chg', 'ten-spoof:1', 'ten-built-c', 'ten-built-lim', 'ten-built-bk', 'ten-idimg-a', 'ten-idimg-c', 'ten-repo-a:1', 'ten-repo-a:bob', 'ten-repo-c', 'ten-race-0:1', 'ten-race-1:1', 'ten-imp:1', 'ten-imp-c:1', 'ten-race-left:1', 'ten-df-a', 'ten-df-c', 'ten-ss-a']);
  await gw?.stop();
});

/** A raw API call through the gateway as `who`: status and parsed JSON body. */
async function api(who: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const b = pki.bundle(who);
  const args = ['-s', '-X', method, '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem')];
  if (body !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body));
  const r = await run('curl', [...args, `https://127.0.0.1:${gw.port}/v1.41${path}`]);
  const lines = r.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(lines.join('\n')) as Record<string, unknown>;
  } catch {
    json = { raw: lines.join('\n') };
  }
  return { status, json };
}

async function names(who: string, args: string[]): Promise<string[]> {
  const r = await as(who, args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

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
    const watch = (who: string) => as(who, ['events', '--since', since, '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}}'], 9_000);
    const watching = [watch('carol'), watch('alice'), watch('root')];
    await new Promise((r) => setTimeout(r, 1500));
    expect((await as('alice', ['run', '-d', '--name', 'ten-ev-a', 'busybox', 'true'])).code).toBe(0);
    expect((await as('carol', ['run', '-d', '--name', 'ten-ev-c', 'busybox', 'true'])).code).toBe(0);
    const [carol, alice, root] = (await Promise.all(watching)).map((r) => r.stdout.split('\n').filter(Boolean));
    expect(carol).toContain('ten-ev-c');
    expect(carol).not.toContain('ten-ev-a');
    expect(alice).toContain('ten-ev-a');
    expect(alice).not.toContain('ten-ev-c');
    expect(root).toEqual(expect.arrayContaining(['ten-ev-a', 'ten-ev-c']));
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
  const refs = (): string[] => [a1Id, 'ten-a1', a1Id.slice(0, 5)];
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
    const byId = await api('bob', 'POST', '/containers/create', { Image: 'busybox', HostConfig: { VolumesFrom: [`/${a1Id.slice(0, 12)}`] } });
    expect(byId).toEqual({ status: 404, json: { message: `No such container: /${a1Id.slice(0, 12)}` } });
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
  const shortId = (): string => a1Id.slice(0, 12);

  it('a tenant may not name or rename a container with a short ID or a prefix of an existing ID', async () => {
    for (const name of [shortId(), `/${shortId()}`, a1Id.slice(0, 4), 'c0ffee0c0ffee0c0ffee']) {
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
      const r = await docker(pki.bundle('alice'), gw.port, ['rm', '--link', link], { cli });
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

  it('the default memory limit is injected and the maximum enforced', async () => {
    const r = await as('carol', ['inspect', '-f', '{{.HostConfig.Memory}}', 'ten-c1']);
    expect(r.stdout.trim()).toBe(String(32 * 1024 * 1024));
    const big = await as('carol', ['run', '-d', '--memory', '1g', 'busybox', 'true']);
    expect(big.code).not.toBe(0);
    expect(big.stderr).toContain('exceeds your maximum of 64MiB');
  });

  it('swap is bounded under the memory quota: no unlimited swap, at most twice the maximum (rev-tenread F2)', async () => {
    const unlimited = await as('carol', ['run', '-d', '--memory', '32m', '--memory-swap', '-1', 'busybox', 'true']);
    expect(unlimited.code).not.toBe(0);
    expect(unlimited.stderr).toContain('unlimited swap (MemorySwap -1) is not allowed under a memory quota');
    const above = await as('carol', ['create', '--memory', '32m', '--memory-swap', '129m', 'busybox', 'true']);
    expect(above.stderr).toContain('exceeds twice your memory maximum, 128MiB');
    const within = await as('carol', ['create', '--name', 'ten-c-swap', '--memory', '32m', '--memory-swap', '128m', 'busybox', 'true']);
    expect(within.stderr).toBe('');
    const before = (await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.MemorySwap}}', 'ten-c-swap'])).stdout.trim();
    const lift = await as('carol', ['update', '--memory-swap', '-1', 'ten-c-swap']);
    expect(lift.stderr).toContain('unlimited swap (MemorySwap -1)');
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.MemorySwap}}', 'ten-c-swap'])).stdout.trim()).toBe(before);
    expect((await as('carol', ['rm', 'ten-c-swap'])).code).toBe(0);
  });

  it('a client-supplied owner label is rejected', async () => {
    const r = await as('carol', ['run', '-d', '--label', 'dockgate.owner=alice', 'busybox', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"dockgate.owner" is reserved');
    const v = await as('carol', ['volume', 'create', '--label', 'Dockgate.Team=web', 'ten-forged']);
    expect(v.stderr).toContain('is reserved');
    expect((await dockerDirect(socket, ['volume', 'inspect', 'ten-forged'])).code).not.toBe(0);
  });

  it('the running-container quota: the second start is refused, the first keeps running', async () => {
    expect((await as('frank', ['run', '-d', '--name', 'ten-f1', 'busybox', 'sleep', '600'])).code).toBe(0);
    const second = await as('frank', ['run', '-d', '--name', 'ten-f2', 'busybox', 'sleep', '600']);
    expect(second.code).toBe(125);
    expect(second.stderr).toContain('running-container quota reached (1 of 1 running)');
    const running = await dockerDirect(socket, ['ps', '-q', '--filter', 'label=dockgate.owner=frank']);
    expect(running.stdout.split('\n').filter(Boolean).length).toBe(1);
  });

  it('the streams quota: a second concurrent stream gets 429 while the first stays open', async () => {
    const first = as('frank', ['logs', '-f', 'ten-f1'], 6_000);
    await new Promise((r) => setTimeout(r, 1500));
    const second = await as('frank', ['events', '--since', '0', '--until', '1']);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('1 concurrent streams already open');
    await first;
    // The first stream was closed (by the test's timeout): the slot is free again.
    await new Promise((r) => setTimeout(r, 500));
    const third = await as('frank', ['events', '--since', '0', '--until', '1']);
    expect(third.code).toBe(0);
  });

  it('system df counts only the caller\'s containers; the admin counts all', async () => {
    const count = async (who: string) => Number((await as(who, ['system', 'df', '--format', '{{if eq .Type "Containers"}}{{.TotalCount}}{{end}}'])).stdout.trim());
    const mine = (await names('carol', ['ps', '-aq'])).length;
    expect(await count('carol')).toBe(mine);
    const all = (await dockerDirect(socket, ['ps', '-aq'])).stdout.split('\n').filter(Boolean).length;
    expect(await count('root')).toBe(all);
    expect(mine).toBeLessThan(all);
  });

  it('images built through the gateway are owned: others may not remove or tag over them', async () => {
    const dir = scratchDir('ten-build-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo built > /built\n');
    const built = await run('docker', [...tlsArgs(pki.bundle('alice'), gw.port), 'build', '-t', 'ten-built-a', dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
    expect(built.code, built.stderr).toBe(0);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-built-a']);
    expect(owner.stdout.trim()).toBe('alice');
    const rmi = await as('carol', ['rmi', 'ten-built-a']);
    expect(rmi.code).not.toBe(0);
    const tag = await as('carol', ['tag', 'busybox', 'ten-built-a']);
    expect(tag.code).not.toBe(0);
    const still = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-built-a']);
    expect(still.stdout.trim()).toBe('alice');
  });

  it('20 concurrent docker run -d: exactly the quota of 5 succeed', async () => {
    const runs = await Promise.all(Array.from({ length: 20 }, () => as('erin', ['run', '-d', 'busybox', 'sleep', '600'], 120_000)));
    const ok = runs.filter((r) => r.code === 0);
    expect(ok.length).toBe(5);
    expect(runs.filter((r) => r.stderr.includes('container quota reached')).length).toBe(15);
    const direct = await dockerDirect(socket, ['ps', '-aq', '--filter', 'label=dockgate.owner=erin']);
    expect(direct.stdout.split('\n').filter(Boolean).length).toBe(5);
  }, 180_000);

  it('a tenant whose certificate name spells another lock\'s key (volume-name:ten-lkv) creates with a volume of that name (rev-identity F1)', async () => {
    // The containers-quota lock was keyed by the bare tenant name, the volume-name locks by
    // `volume-name:<name>`: this tenant's create mounting ten-lkv took the volume's lock, then
    // waited for its own quota lock, the same key, for good, and every use of ten-lkv after it.
    const who = 'volume-name:ten-lkv';
    expect((await as(who, ['volume', 'create', 'ten-lkv'], 30_000)).code).toBe(0);
    const made = await as(who, ['run', '--name', 'ten-lk1', '-v', 'ten-lkv:/d', 'busybox', 'true'], 30_000);
    expect([made.code, made.stderr]).toEqual([0, '']);
    const again = await as(who, ['create', '--name', 'ten-lk2', '-v', 'ten-lkv:/d', 'busybox', 'true'], 30_000);
    expect([again.code, again.stderr]).toEqual([0, '']);
    const rm = await as(who, ['rm', '-v', 'ten-lk1', 'ten-lk2'], 30_000);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await as(who, ['volume', 'rm', 'ten-lkv'], 30_000)).code).toBe(0);
  }, 120_000);

  it('the rate limit answers 429 and the CLI shows the message', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await as('dave', ['volume', 'ls', '-q']));
    const limited = results.find((r) => r.code !== 0);
    expect(limited?.stderr).toContain('rate limit of 0.2 requests/s exceeded');
    const curl = await import('./support/gateway.js').then((m) =>
      m.run('curl', ['-s', '-i', '--cacert', join(pki.bundle('dave'), 'ca.pem'), '--cert', join(pki.bundle('dave'), 'cert.pem'), '--key', join(pki.bundle('dave'), 'key.pem'), `https://127.0.0.1:${gw.port}/volumes`]),
    );
    expect(curl.stdout).toMatch(/^HTTP\/1\.1 429/);
    expect(curl.stdout).toMatch(/Retry-After: \d+/i);
    expect(curl.stdout).toContain('Content-Type: application/json');
  });
});

describe('restart', () => {
  it('ownership and visibility survive a gateway restart', async () => {
    await gw.stop();
    gw = await startGateway(pki.dir, yaml);
    expect(await names('carol', ['ps', '-a', '--format', '{{.Names}}'])).toEqual(['ten-c1']);
    expect(await names('alice', ['volume', 'ls', '--format', '{{.Name}}'])).toEqual(['ten-va']);
    const r = await as('carol', ['stop', 'ten-a1']);
    expect(r.stderr).toContain('belongs to another tenant');
  }, 60_000);
});

describe('review fixes, on the real daemon', () => {
  it('#11 services are refused to tenants with a clear message', async () => {
    const r = await as('alice', ['service', 'create', '--no-resolve-image', '--name', 'ten-svc', 'busybox', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('only tenancy admins may run it');
  });

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

  it('a legacy top-level HostConfig (API < 1.24) keeps its settings: tenancy moves them into the HostConfig it adds', async () => {
    const r = await api('alice', 'POST', '/containers/create?name=ten-legacy', { Image: 'busybox', Cmd: ['true'], ReadonlyRootfs: true, ShmSize: 8388608 });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const host = await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.ReadonlyRootfs}}/{{.HostConfig.ShmSize}}/{{.HostConfig.Memory}}', 'ten-legacy']);
    expect(host.stdout.trim()).toBe(`true/8388608/${32 * 1024 * 1024}`);
  });

  it('#5 commit changes cannot swallow the owner LABEL; plain changes still work', async () => {
    const swallow = await api('alice', 'POST', `/commit?container=ten-a1&repo=ten-spoof&tag=1&changes=${encodeURIComponent('ENV swallow \\')}`);
    expect(swallow.status).toBe(403);
    const quoted = await api('alice', 'POST', `/commit?container=ten-a1&repo=ten-spoof&tag=1&changes=${encodeURIComponent('LABEL "dock"gate.owner=carol')}`);
    expect(quoted.status).toBe(403);
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-spoof:1'])).code).not.toBe(0);
    const c = await as('alice', ['commit', '--change', 'ENV a=b', 'ten-a1', 'ten-img-chg']);
    expect(c.stderr).toBe('');
    const img = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}} {{.Config.Env}}', 'ten-img-chg']);
    expect(img.stdout).toContain('alice');
    expect(img.stdout).toContain('a=b');
  });

  it('#10 CpuQuota -1 and an update of CpuPeriod alone cannot lift the CPU limit', async () => {
    const unlimited = await as('gina', ['run', '-d', '--cpu-quota', '-1', 'busybox', 'true']);
    expect(unlimited.stderr).toContain('negative CpuQuota');
    expect((await as('gina', ['run', '-d', '--name', 'ten-g1', '--cpu-period', '100000', '--cpu-quota', '100000', 'busybox', 'sleep', '600'])).code).toBe(0);
    const raise = await as('gina', ['update', '--cpu-period', '1000', 'ten-g1']);
    expect(raise.stderr).toContain('CPU limit 100 exceeds your maximum of 1');
    const lift = await as('gina', ['update', '--cpu-quota', '-1', 'ten-g1']);
    expect(lift.stderr).toContain('negative CpuQuota');
    const hc = await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.CpuQuota}}/{{.HostConfig.CpuPeriod}}', 'ten-g1']);
    expect(hc.stdout.trim()).toBe('100000/100000');
  });

  it('#14 a paused container counts against the running quota', async () => {
    expect((await as('hank', ['run', '-d', '--name', 'ten-h1', 'busybox', 'sleep', '600'])).code).toBe(0);
    expect((await as('hank', ['pause', 'ten-h1'])).code).toBe(0);
    const second = await as('hank', ['run', '-d', '--name', 'ten-h2', 'busybox', 'sleep', '600']);
    expect(second.stderr).toContain('running-container quota reached (1 of 1 running)');
    expect((await as('hank', ['unpause', 'ten-h1'])).code).toBe(0);
  });

  it('the PIDs quota is injected into the container\'s cgroup, and cannot be raised or lifted', async () => {
    // cgroup v2 or v1, whichever the host has.
    const pidsMax = ['sh', '-c', 'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max'];
    const inside = await as('gina', ['run', '--rm', 'busybox', ...pidsMax]);
    expect(inside.stderr).toBe('');
    expect(inside.stdout.trim()).toBe('64');
    const lower = await as('gina', ['run', '--rm', '--pids-limit', '32', 'busybox', ...pidsMax]);
    expect(lower.stdout.trim()).toBe('32');
    const above = await as('gina', ['run', '--rm', '--pids-limit', '1000', 'busybox', 'true']);
    expect(above.stderr).toContain('PIDs limit 1000 exceeds your maximum of 64');
    expect((await as('gina', ['create', '--name', 'ten-g-pids', 'busybox', 'true'])).code).toBe(0);
    const lift = await as('gina', ['update', '--pids-limit', '-1', 'ten-g-pids']);
    expect(lift.stderr).toContain('removing the PIDs limit is not allowed');
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.PidsLimit}}', 'ten-g-pids'])).stdout.trim()).toBe('64');
  });

  it('with a running quota, restart policies are refused at create and update (dockerd restarts such containers by itself)', async () => {
    for (const policy of ['always', 'unless-stopped', 'on-failure:3']) {
      const r = await as('hank', ['create', '--restart', policy, 'busybox', 'true']);
      expect(r.code, policy).not.toBe(0);
      expect(r.stderr, policy).toContain('restart policies are not allowed with a running-container quota');
    }
    expect((await as('hank', ['create', '--name', 'ten-h-restart', '--restart', 'no', 'busybox', 'true'])).code).toBe(0);
    const update = await as('hank', ['update', '--restart', 'always', 'ten-h-restart']);
    expect(update.stderr).toContain('restart policies are not allowed');
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', 'ten-h-restart'])).stdout.trim()).toBe('no');
    // Without a running quota a restart policy is fine.
    expect((await as('gina', ['create', '--name', 'ten-g-restart', '--restart', 'always', 'busybox', 'true'])).code).toBe(0);
  });

  it('on a shared network a tenant may not take aliases (another container\'s name) or links; plain use works with both CLIs', async () => {
    expect((await as('root', ['network', 'create', 'ten-shared-dns'])).code).toBe(0);
    try {
      // Shared for this test only: the gateway reads the policy's shared list, so use a policy reload.
      writeFileSync(join(pki.dir, 'tenancy-policy.yaml'), POLICY.replace('networks: [ten-shared]', 'networks: [ten-shared, ten-shared-dns]'));
      await until(async () => (await as('alice', ['network', 'inspect', 'ten-shared-dns'])).code === 0, 15_000, 'the reloaded policy sharing ten-shared-dns');
      expect((await as('carol', ['create', '--name', 'ten-c-db', '--network', 'ten-shared-dns', 'busybox', 'true'])).code).toBe(0);
      const alias = await as('alice', ['create', '--network', 'ten-shared-dns', '--network-alias', 'ten-c-db', 'busybox', 'true']);
      expect(alias.stderr).toContain('aliases and links on network "ten-shared-dns" are not allowed');
      for (const cli of ['/usr/local/bin/docker', '/usr/bin/docker']) {
        const plain = await docker(pki.bundle('alice'), gw.port, ['create', '--network', 'ten-shared-dns', 'busybox', 'true'], { cli });
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
      writeFileSync(join(pki.dir, 'tenancy-policy.yaml'), POLICY);
      // The next tests run under the file's policy again (reloads wait for a quiet file).
      await until(async () => (await as('alice', ['network', 'inspect', 'ten-shared-dns'])).code !== 0, 15_000, 'the policy restored');
    }
  });

  it('a start pipelined behind a stream (its answer never read) does not keep the owner\'s quota lock', async () => {
    for (const name of ['ten-i1', 'ten-i2']) expect((await as('ivan', ['create', '--name', name, 'busybox', 'sleep', '600'])).code).toBe(0);
    const conn = await RawConnection.tls(pki.bundle('ivan'), gw.port);
    try {
      conn.write('GET /v1.41/events HTTP/1.1\r\nHost: docker\r\n\r\nPOST /v1.41/containers/ten-i1/start HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n');
      await until(async () => (await dockerDirect(socket, ['inspect', '-f', '{{.State.Running}}', 'ten-i1'])).stdout.trim() === 'true', 15_000, 'the pipelined start');
      // The start's answer waits behind /events; the running-quota lock must not wait with it.
      const second = await as('ivan', ['start', 'ten-i2'], 15_000);
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
    } finally {
      conn.close();
    }
  });

  it.each([
    ['', false],
    [' behind an allowed Expect upload', true],
  ])('a create pipelined behind an Expect upload tenancy refuses after a daemon look-up%s is not run (the refusal closes the connection)', async (_name, leading) => {
    const tar = Buffer.alloc(2048);
    const upload = (container: string): Buffer => Buffer.concat([
      Buffer.from(`PUT /v1.41/containers/${container}/archive?path=/tmp HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\nExpect: 100-continue\r\nContent-Length: ${tar.length}\r\n\r\n`),
      tar,
    ]);
    // Unnamed: tenancy forwards it without a daemon look-up, well before the upload's refusal.
    const vol = JSON.stringify({ Labels: { 'ten-after-close': '1' } });
    const conn = await RawConnection.tls(pki.bundle('carol'), gw.port);
    try {
      conn.write(Buffer.concat([...(leading ? [upload('ten-c1')] : []), upload('ten-a1'), jsonRequest('POST', '/v1.41/volumes/create', vol)]));
      // Her own container's upload (an empty archive) is answered first.
      if (leading) {
        let own = await conn.response();
        while (own.status === 100) own = await conn.response();
        expect(own.status).toBe(200);
      }
      const refused = await conn.response();
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('belongs to another tenant');
      await conn.closed;
    } finally {
      conn.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await dockerDirect(socket, ['volume', 'ls', '-q', '--filter', 'label=ten-after-close'])).stdout.trim()).toBe('');
    expect(gw.stdout().split('\n').some((l) => l.includes('"cn":"carol"') && l.includes('/volumes/create') && l.includes('after-close'))).toBe(true);
  });

  it('the networks quota: the second network is refused, and nothing is created', async () => {
    expect((await as('ivan', ['network', 'create', 'ten-i-net1'])).code).toBe(0);
    const second = await as('ivan', ['network', 'create', 'ten-i-net2']);
    expect(second.stderr).toContain('network quota reached (1 of 1)');
    expect((await dockerDirect(socket, ['network', 'inspect', 'ten-i-net2'])).code).not.toBe(0);
  });

  it('#15 a tenant may not create a network with a shared name', async () => {
    const r = await as('alice', ['network', 'create', 'ten-shared']);
    expect(r.stderr).toContain('"ten-shared" is a shared name');
    expect((await dockerDirect(socket, ['network', 'inspect', 'ten-shared'])).code).not.toBe(0);
  });

  it('#1 #3 #4 another tenant\'s image can be neither run nor tagged over by commit or tag', async () => {
    expect((await as('carol', ['commit', 'ten-c1', 'ten-img-c'])).code).toBe(0);
    const runIt = await as('alice', ['run', '--rm', 'ten-img-c', 'true']);
    expect(runIt.stderr).toContain('image "ten-img-c" belongs to another tenant');
    const commit = await as('alice', ['commit', 'ten-a1', 'ten-img-c']);
    expect(commit.stderr).toContain('belongs to another tenant');
    const tag = await api('alice', 'POST', '/images/ten-img-a/tag?repo=ten-img-c:latest');
    expect(tag.status).toBe(403);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-img-c']);
    expect(owner.stdout.trim()).toBe('carol');
  });

  it('a tenant may not add a tag to another tenant\'s repository (it broke the owner\'s docker save of the repository); a teammate may', async () => {
    expect((await as('alice', ['commit', 'ten-a1', 'ten-repo-a:1'])).code).toBe(0);
    expect((await as('carol', ['commit', 'ten-c1', 'ten-repo-c'])).code).toBe(0);
    const planted = await as('carol', ['tag', 'ten-repo-c', 'ten-repo-a:zz']);
    expect(planted.code).not.toBe(0);
    expect(planted.stderr).toContain('would join a repository that holds another tenant\'s image (ten-repo-a:1)');
    const committed = await as('carol', ['commit', 'ten-c1', 'ten-repo-a:zz']);
    expect(committed.stderr).toContain('would join a repository');
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-repo-a:zz'])).code).not.toBe(0);
    expect((await as('bob', ['tag', 'ten-repo-a:1', 'ten-repo-a:bob'])).code).toBe(0);
    const saved = await as('alice', ['save', '-o', join(scratchDir('ten-save-'), 'repo.tar'), 'ten-repo-a']);
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);
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
    const policyFile = join(pki.dir, 'tenancy-policy.yaml');
    expect((await as('root', ['volume', 'create', 'ten-opsvol'])).code).toBe(0);
    expect((await as('carol', ['volume', 'create', 'ten-cvol'])).code).toBe(0);
    try {
      // Shared while alice makes a container on it; the reload then takes it back.
      writeFileSync(policyFile, POLICY.replace('shared: { networks: [ten-shared] }', 'shared: { networks: [ten-shared], volumes: [ten-opsvol] }'));
      await until(async () => (await as('alice', ['volume', 'inspect', 'ten-opsvol'])).code === 0, 15_000, 'the reloaded policy sharing ten-opsvol');
      const holder = await as('alice', ['create', '--name', 'ten-vf-holder', '-v', 'ten-opsvol:/v', 'busybox', 'true']);
      expect(holder.stderr).toBe('');
      expect(holder.code).toBe(0);
    } finally {
      writeFileSync(policyFile, POLICY);
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

  it('system df counts, per image, only the containers the caller may see', async () => {
    const df = await api('carol', 'GET', '/system/df');
    expect(df.status).toBe(200);
    const containers = df.json.Containers as { ImageID: string }[];
    const images = df.json.Images as { Id: string; Containers: number }[];
    const busyboxId = (await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
    const seen = images.find((i) => i.Id === busyboxId);
    expect(seen?.Containers).toBe(containers.filter((c) => c.ImageID === busyboxId).length);
    const all = (await dockerDirect(socket, ['ps', '-aq', '--filter', 'ancestor=busybox'])).stdout.split('\n').filter(Boolean).length;
    expect(seen?.Containers).toBeLessThan(all);
  });

  it('system df answers each image\'s SharedSize as not computed: on the daemon it showed carol that alice built on her image', async () => {
    const sharedOnDaemon = async (id: string) => {
      const direct = await run('curl', ['-s', '--unix-socket', socket, 'http://localhost/v1.41/system/df']);
      const image = (JSON.parse(direct.stdout) as { Images: { Id: string; Size: number; SharedSize: number }[] }).Images.find((i) => i.Id === id);
      return { size: image?.Size ?? -2, shared: image?.SharedSize ?? -2 };
    };
    // carol's own image, with a layer of its own (a file written in the container she commits).
    expect((await as('carol', ['run', '--name', 'ten-df-src', 'busybox', 'sh', '-c', 'head -c 100000 /dev/urandom > /f'])).code).toBe(0);
    expect((await as('carol', ['commit', 'ten-df-src', 'ten-df-c'])).code).toBe(0);
    const carolImage = (await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', 'ten-df-c'])).stdout.trim();
    const before = await sharedOnDaemon(carolImage);
    expect(before.shared).toBeLessThan(before.size);
    // alice builds FROM it by ID (docs/sharing.md, Known limits): every layer of carol's is now shared.
    const dir = scratchDir('ten-df-');
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${carolImage}\nLABEL x=1\n`);
    const built = await run('docker', [...tlsArgs(pki.bundle('alice'), gw.port), 'build', '-q', '-t', 'ten-df-a', dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
    expect(built.code, built.stderr).toBe(0);
    const after = await sharedOnDaemon(carolImage);
    expect(after.shared).toBe(after.size);
    // Through the gateway carol sees no shared size, before or after: nothing tells her of alice's image.
    const df = await api('carol', 'GET', '/system/df');
    expect(df.status).toBe(200);
    const images = df.json.Images as { Id: string; SharedSize: number }[];
    expect(images.find((i) => i.Id === carolImage)?.SharedSize).toBe(-1);
    expect(images.filter((i) => i.SharedSize !== -1)).toEqual([]);
    const cli = await as('carol', ['system', 'df', '-v', '--format', '{{range .Images}}{{if eq .Repository "ten-df-c"}}{{.SharedSize}}{{end}}{{end}}']);
    expect(cli.stdout.trim()).toBe('N/A');
  });

  it('an image list asked for shared-size still answers, each SharedSize as not computed (-1), on both paths: filtered here, label-forwarded where images are not unowned', async () => {
    type Summary = { Id: string; RepoTags: string[] | null; SharedSize: number };
    const list = async (port: number, who: string, query: string): Promise<{ status: number; images: Summary[] }> => {
      const b = pki.bundle(who);
      // Sent raw: the docker CLI never asks for shared-size, SDK clients (ImageListOptions.SharedSize) do.
      const r = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), `https://127.0.0.1:${port}/v1.41/images/json${query}`]);
      const lines = r.stdout.trimEnd().split('\n');
      const status = Number(lines.pop());
      return { status, images: status === 200 ? (JSON.parse(lines.join('\n')) as Summary[]) : [] };
    };
    const ids = (images: Summary[]) => images.map((i) => i.Id).sort();
    expect((await as('alice', ['commit', 'ten-a1', 'ten-ss-a'])).code).toBe(0);
    // The suite's gateway (unowned: [images]): the list is fetched and filtered.
    const plain = await list(gw.port, 'alice', '');
    for (const query of ['?shared-size=1', '?shared-size=true&all=1', '?shared-size=0&shared-size=1']) {
      const asked = await list(gw.port, 'alice', query);
      expect([query, asked.status]).toEqual([query, 200]);
      expect(asked.images.some((i) => i.RepoTags?.includes('busybox:latest'))).toBe(true);
      expect(asked.images.filter((i) => i.SharedSize !== -1)).toEqual([]);
      if (!query.includes('all=1')) expect(ids(asked.images)).toEqual(ids(plain.images));
    }
    // Images not unowned: the request is forwarded with alice's team label.
    const policyFile = join(pki.dir, 'tenancy-owned-images.yaml');
    writeFileSync(policyFile, `version: 1
rules:
  - name: everyone
    who: { anyone: true }
    allow: all
tenancy:
  admins: { groups: [ops] }
  teams: [web, data]
`);
    const own = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
    try {
      const asked = await list(own.port, 'alice', '?shared-size=1');
      expect(asked.status).toBe(200);
      expect(asked.images.some((i) => i.RepoTags?.includes('ten-ss-a:latest'))).toBe(true);
      expect(asked.images.some((i) => i.RepoTags?.includes('busybox:latest'))).toBe(false);
      expect(asked.images.filter((i) => i.SharedSize !== -1)).toEqual([]);
      expect(ids(asked.images)).toEqual(ids((await list(own.port, 'alice', '')).images));
    } finally {
      await own.stop();
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

  const classicBuild = (who: string, args: string[]) =>
    run('docker', [...tlsArgs(pki.bundle(who), gw.port), 'build', ...args], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });

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

  it('a classic build with --pull is refused (it would re-tag the base images over others\' tags)', async () => {
    const dir = scratchDir('ten-build-pull-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\n');
    const pulled = await classicBuild('alice', ['--pull', '-t', 'ten-built-pull', dir]);
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr).toContain('docker build --pull with the classic builder re-tags');
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-built-pull'])).code).not.toBe(0);
  });

  it('#12 another tenant\'s build layers are not unowned images', async () => {
    const dir = scratchDir('ten-build-c-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo carol-secret > /secret\n');
    const built = await classicBuild('carol', ['-t', 'ten-built-c', dir]);
    expect(built.code, built.stderr).toBe(0);
    const layers = (await dockerDirect(socket, ['history', '-q', 'ten-built-c'])).stdout.split('\n').filter((l) => /^[0-9a-f]{12}$/.test(l));
    // The build's own intermediate images: untagged, without owner labels (busybox's are tagged).
    const hidden: string[] = [];
    for (const l of layers) {
      const doc = await dockerDirect(socket, ['image', 'inspect', '-f', '{{len .RepoTags}}/{{index .Config.Labels "dockgate.owner"}}', l]);
      if (doc.stdout.trim() === '0/') hidden.push(l);
    }
    expect(hidden.length).toBeGreaterThan(0);
    for (const layer of hidden) {
      const r = await as('alice', ['image', 'inspect', layer]);
      expect(r.stderr, layer).toContain('has no owner');
    }
    const listed = await as('alice', ['images', '-a', '-q']);
    for (const layer of hidden) expect(listed.stdout).not.toContain(layer);
  });

  /** The image the classic builder left after the gateway's `LABEL dockgate.owner=<who>` step. */
  function ownerStepImage(who: string, out: string): string {
    const lines = out.split('\n');
    const step = lines.findIndex((l) => l.includes(`LABEL dockgate.owner=${who}`));
    const id = lines.slice(step + 1).map((l) => /^ ---> ([0-9a-f]{12})$/.exec(l)?.[1]).find((x) => x !== undefined);
    if (step < 0 || id === undefined) throw new Error(`no owner LABEL step in the build output:\n${out}`);
    return id;
  }

  const labelsOf = async (ref: string) => (await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}/{{index .Config.Labels "dockgate.team"}}', ref])).stdout.trim();

  it('the image between the gateway\'s owner and team LABEL steps is not its owner\'s to tag: a Dockerfile LABEL dockgate.team=web planted no image for team web', async () => {
    const dir = scratchDir('ten-plant-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo planted-by-carol > /planted\nLABEL dockgate.team=web\n');
    const built = await classicBuild('carol', ['--no-cache', '-t', 'ten-plant-c:1', dir]);
    expect(built.code, built.stderr).toBe(0);
    // The classic builder applies the build labels one LABEL step per key, the owner's first.
    const between = ownerStepImage('carol', built.stdout);
    expect(await labelsOf(between)).toBe('carol/web');
    try {
      const tag = await as('carol', ['tag', between, 'ten-webtools:latest']);
      expect(tag.code).not.toBe(0);
      expect(tag.stderr).toContain(`dockgate: denied ImageTag for carol: image "${between}" is labelled yours but with team "web", not your own team's label`);
      expect((await dockerDirect(socket, ['image', 'inspect', 'ten-webtools'])).code).not.toBe(0);
      expect((await as('bob', ['images', '-q', 'ten-webtools'])).stdout).toBe('');
      // Still carol's to look at and run.
      const ran = await as('carol', ['run', '--rm', '--network', 'none', between, 'cat', '/planted']);
      expect(ran.stdout).toBe('planted-by-carol\n');
      // The build's image carries both of carol's labels: hers to tag and remove as before.
      expect(await labelsOf('ten-plant-c:1')).toBe('carol/data');
      expect((await as('carol', ['tag', 'ten-plant-c:1', 'ten-plant-c:2'])).code).toBe(0);
      expect((await as('carol', ['rmi', 'ten-plant-c:2'])).code).toBe(0);
      const rmi = await as('carol', ['rmi', 'ten-plant-c:1']);
      expect(rmi.code, rmi.stderr).toBe(0);
      expect(rmi.stdout).toContain(`Deleted: sha256:${between}`);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'ten-webtools', 'ten-plant-c:1', 'ten-plant-c:2']);
    }
  });

  // jack's group (qa) is no team; dave, also teamless, has a rate limit here.
  it('a tenant without a team building FROM a team\'s image may not tag the image between the LABEL steps (it has the base\'s team label)', async () => {
    const base = scratchDir('ten-web-base-');
    writeFileSync(join(base, 'Dockerfile'), 'FROM busybox\nRUN echo web > /base\n');
    const dir = scratchDir('ten-from-web-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM ten-web-base:1\nRUN echo jack > /jack\n');
    try {
      const webBuilt = await classicBuild('alice', ['-t', 'ten-web-base:1', base]);
      expect(webBuilt.code, webBuilt.stderr).toBe(0);
      const built = await classicBuild('jack', ['--no-cache', '-t', 'ten-jack-app:1', dir]);
      expect(built.code, built.stderr).toBe(0);
      const between = ownerStepImage('jack', built.stdout);
      expect(await labelsOf(between)).toBe('jack/web');
      const tag = await as('jack', ['tag', between, 'ten-web-helper:latest']);
      expect(tag.stderr).toContain(`dockgate: denied ImageTag for jack: image "${between}" is labelled yours but with team "web", not your own team's label`);
      expect((await dockerDirect(socket, ['image', 'inspect', 'ten-web-helper'])).code).not.toBe(0);
      // jack's build (team label empty) is his to tag, save and remove.
      expect(await labelsOf('ten-jack-app:1')).toBe('jack/');
      expect((await as('jack', ['tag', 'ten-jack-app:1', 'ten-jack-app:2'])).code).toBe(0);
      expect((await as('jack', ['save', '-o', join(dir, 'app.tar'), 'ten-jack-app'])).code).toBe(0);
      expect((await as('jack', ['rmi', 'ten-jack-app:1', 'ten-jack-app:2'])).code).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'ten-web-helper', 'ten-jack-app:1', 'ten-jack-app:2', 'ten-web-base:1']);
    }
  });

  it('docker image prune -a removes the caller\'s images that carry their team label, not ones of theirs labelled with another team', async () => {
    expect((await dockerDirect(socket, ['create', '--name', 'ten-prune-src', 'busybox', 'true'])).code).toBe(0);
    try {
      // Made on the socket, with a label of the test's own so that the prune leaves carol's other images.
      for (const [tag, labels] of [['ten-prune-own:1', 'dockgate.owner=carol dockgate.team=data'], ['ten-prune-web:1', 'dockgate.owner=carol dockgate.team=web']] as const) {
        expect((await dockerDirect(socket, ['commit', '-c', `LABEL ten-prune=1 ${labels}`, 'ten-prune-src', tag])).code).toBe(0);
      }
      const pruned = await as('carol', ['image', 'prune', '-a', '-f', '--filter', 'label=ten-prune=1']);
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(pruned.stdout).toContain('untagged: ten-prune-own:1');
      expect(pruned.stdout).not.toContain('ten-prune-web');
      expect((await dockerDirect(socket, ['image', 'inspect', 'ten-prune-web:1'])).code).toBe(0);
    } finally {
      await dockerDirect(socket, ['rm', '-f', 'ten-prune-src']);
      await dockerDirect(socket, ['rmi', '-f', 'ten-prune-own:1', 'ten-prune-web:1']);
    }
  });

  it('#9 a BuildKit build still works with the injected limits (BuildKit does not apply them: see Known limits)', async () => {
    const dir = scratchDir('ten-build-bk-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo bk > /bk\n');
    // The docker CLI here has no buildx: send the context as a tar body with version=2
    // (networkmode=none: the test daemon runs with --bridge=none).
    const tarFile = join(scratchDir('ten-bk-tar-'), 'context.tar');
    const tar = await run('tar', ['-C', dir, '-cf', tarFile, '.']);
    expect(tar.code).toBe(0);
    const b = pki.bundle('alice');
    const built = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
      '-H', 'Content-Type: application/x-tar', '--data-binary', `@${tarFile}`, `https://127.0.0.1:${gw.port}/v1.41/build?version=2&networkmode=none&t=ten-built-bk`], { timeoutMs: 120_000 });
    expect(built.stdout.trim().split('\n').pop(), built.stdout).toBe('200');
    expect(built.stdout).not.toContain('"error"');
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-built-bk']);
    expect(owner.stdout.trim()).toBe('alice');

    // Without `buildkit: true` (the default) the same build is refused, and so is a BuildKit
    // exporter naming an image with it.
    const outputs = encodeURIComponent(JSON.stringify([{ Type: 'moby', Attrs: { name: 'ten-c1-img:latest' } }]));
    const viaOutputs = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
      '-H', 'Content-Type: application/x-tar', '--data-binary', `@${tarFile}`, `https://127.0.0.1:${gw.port}/v1.41/build?version=2&networkmode=none&outputs=${outputs}`], { timeoutMs: 120_000 });
    expect(viaOutputs.stdout).toContain('would name or push images');
    expect(viaOutputs.stdout.trim().split('\n').pop()).toBe('403');
    try {
      writeFileSync(join(pki.dir, 'tenancy-policy.yaml'), POLICY.replace('  buildkit: true\n', ''));
      const build = (query: string) => run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
        '-H', 'Content-Type: application/x-tar', '--data-binary', `@${tarFile}`, `https://127.0.0.1:${gw.port}/v1.41/build?version=2&networkmode=none${query}`], { timeoutMs: 120_000 });
      // Probed untagged until the reload is in force, then once with a tag.
      await until(async () => (await build('')).stdout.includes('BuildKit builds are not allowed'), 15_000, 'the reloaded policy without buildkit');
      const refused = await build('&t=ten-built-bk2');
      expect(refused.stdout).toContain('cache mounts are shared by every tenant');
      expect((await dockerDirect(socket, ['image', 'inspect', 'ten-built-bk2'])).code).not.toBe(0);
    } finally {
      writeFileSync(join(pki.dir, 'tenancy-policy.yaml'), POLICY);
    }
  });
});


describe('imports from a URL and pulls into others\' repositories (found by the revten review), with a stand-in registry on loopback', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startBusyboxRegistry(socket);
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
  });

  it('a tenant\'s import from a URL is refused before dockerd fetches anything (its download cannot be cancelled, and held the tag); an admin\'s goes through', async () => {
    const url = `http://${reg.host}/rootfs.tar`;
    const refused = await as('alice', ['import', url, 'ten-url-imp:1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('denied ImageCreate for alice: an import from a URL (fromSrc other than "-") is refused: dockerd downloads it with no way to cancel it');
    expect(reg.requests).not.toContain('GET /rootfs.tar');
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-url-imp:1'])).code).not.toBe(0);
    const admin = await as('root', ['import', url, 'ten-url-imp:2']);
    expect(admin.stderr).toBe('');
    expect(admin.code).toBe(0);
    expect(reg.requests).toContain('GET /rootfs.tar');
    await dockerDirect(socket, ['rmi', '-f', 'ten-url-imp:2']);
  });

  it('a pull may not add a tag to another tenant\'s repository (it left carol unable to save, tag into or clean her repository); pulls into new or own repositories work', async () => {
    const carolapp = `${reg.host}/ten-carolapp`;
    try {
      expect((await as('carol', ['commit', 'ten-c1', `${carolapp}:v1`])).code).toBe(0);
      const planted = await as('alice', ['pull', `${carolapp}:zz`]);
      expect(planted.code).not.toBe(0);
      expect(planted.stderr).toContain(`tag "${carolapp}:zz" would join a repository that holds another tenant's image (${carolapp}:v1): a pull may not add an image without an owner to another tenant's repository: pull it under a repository name that holds no other tenant's images`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${carolapp}:zz`])).code).not.toBe(0);
      const saved = await as('carol', ['save', '-o', join(scratchDir('ten-pullsave-'), 'repo.tar'), carolapp]);
      expect(saved.stderr).toBe('');
      expect(saved.code).toBe(0);
      // The registry answers: a pull into a new repository works, carol's into her own too (f6b439b refused it).
      const own = await as('alice', ['pull', `${reg.host}/ten-aliceapp:1`]);
      expect(own.code, own.stderr).toBe(0);
      const carols = await as('carol', ['pull', `${carolapp}:v2`]);
      expect(carols.code, carols.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${carolapp}:v1`, `${carolapp}:v2`, `${carolapp}:zz`, `${reg.host}/ten-aliceapp:1`]);
    }
  });

  it('a pull by digest into another tenant\'s repository is refused too; a digest pull into a new repository works', async () => {
    const carolapp = `${reg.host}/ten-caroldig`;
    const fresh = `${reg.host}/ten-alicedig`;
    try {
      expect((await as('carol', ['commit', 'ten-c1', `${carolapp}:v1`])).code).toBe(0);
      const planted = await as('alice', ['pull', `${carolapp}@${reg.digest}`]);
      expect(planted.code).not.toBe(0);
      expect(planted.stderr).toContain(`reference "${carolapp}@${reg.digest}" would join a repository that holds another tenant's image (${carolapp}:v1): a pull may not add an image without an owner to another tenant's repository: pull it under a repository name that holds no other tenant's images`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${carolapp}@${reg.digest}`])).code).not.toBe(0);
      const saved = await as('carol', ['save', '-o', join(scratchDir('ten-digestsave-'), 'repo.tar'), carolapp]);
      expect(saved.stderr).toBe('');
      expect(saved.code).toBe(0);
      const digest = await as('alice', ['pull', `${fresh}@${reg.digest}`]);
      expect(digest.code, digest.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${carolapp}:v1`, `${carolapp}@${reg.digest}`, `${fresh}@${reg.digest}`]);
    }
  });

  const classicBuild = (who: string, tag: string, dockerfile: string) => {
    const dir = scratchDir('ten-repoown-');
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    return run('docker', [...tlsArgs(pki.bundle(who), gw.port), 'build', '--network', 'none', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
  };

  it('a team pulls its own pushed images back, every tag: they keep their owner labels through a registry, and f6b439b refused every pull after the first', async () => {
    const webapp = `${reg.host}/ten-webapp`;
    try {
      const built = await classicBuild('alice', `${webapp}:1`, 'FROM busybox\nRUN echo web > /web\n');
      expect(built.code, built.stderr).toBe(0);
      const digest = await reg.serve('ten-webapp', `${webapp}:1`);
      expect((await dockerDirect(socket, ['rmi', `${webapp}:1`])).code).toBe(0);
      const first = await as('bob', ['pull', `${webapp}:1`]);
      expect(first.code, first.stderr).toBe(0);
      const labels = await dockerDirect(socket, ['image', 'inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}/{{index .Config.Labels "dockgate.team"}}', `${webapp}:1`]);
      expect(labels.stdout.trim()).toBe('alice/web');
      for (const [who, ref] of [['bob', `${webapp}:2`], ['alice', `${webapp}:1`], ['alice', `${webapp}@${digest}`]] as const) {
        const r = await as(who, ['pull', ref]);
        expect(r.code, `${who} pull ${ref}: ${r.stderr}`).toBe(0);
      }
      const saved = await as('bob', ['save', '-o', join(scratchDir('ten-webappsave-'), 'repo.tar'), webapp]);
      expect(saved.code, saved.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${webapp}:1`, `${webapp}:2`]);
    }
  });

  it('in one\'s own repository a pulled (unowned) tag may be pulled, built over and removed with rmi, not rmi -f; a bare save says how to go on', async () => {
    const aliceown = `${reg.host}/ten-aliceown`;
    try {
      expect((await as('alice', ['commit', 'ten-a1', `${aliceown}:1`])).code).toBe(0);
      for (const [who, ref] of [['alice', `${aliceown}:2`], ['alice', `${aliceown}:3`], ['bob', `${aliceown}@${reg.digest}`]] as const) {
        const r = await as(who, ['pull', ref]);
        expect(r.code, `${who} pull ${ref}: ${r.stderr}`).toBe(0);
      }
      // compose's `up --build` after a pull: the build re-points the pulled tag.
      const built = await classicBuild('alice', `${aliceown}:2`, 'FROM busybox\nRUN echo own > /own\n');
      expect(built.code, built.stderr).toBe(0);
      const owner = await dockerDirect(socket, ['image', 'inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', `${aliceown}:2`]);
      expect(owner.stdout.trim()).toBe('alice');
      const save = await as('alice', ['save', '-o', join(scratchDir('ten-ownsave-'), 'repo.tar'), aliceown]);
      expect(save.code).not.toBe(0);
      expect(save.stderr).toContain(`has no owner: tenants may use it, not export or push it (${aliceown} stands for every tag of the repository): save or push your tags by name, or remove the tags without an owner from your repository (rmi without -f)`);
      const forced = await as('alice', ['rmi', '-f', `${aliceown}:3`]);
      expect(forced.code).not.toBe(0);
      expect(forced.stderr).toContain(`denied ImageDelete for alice: image "${aliceown}:3" has no owner: remove it from your repository without -f (force would also delete an image other tenants' containers use)`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${aliceown}:3`])).code).toBe(0);
      const removed = await as('alice', ['rmi', `${aliceown}:3`]);
      expect(removed.code, removed.stderr).toBe(0);
      // busybox, the same image, stays.
      expect((await dockerDirect(socket, ['image', 'inspect', 'busybox:latest'])).code).toBe(0);
      const left = await dockerDirect(socket, ['image', 'ls', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}', aliceown]);
      expect(left.stdout.trim().split('\n').sort()).toEqual([`${aliceown}:1 <none>`, `${aliceown}:2 <none>`]);
      const saved = await as('alice', ['save', '-o', join(scratchDir('ten-ownsave-'), 'repo.tar'), aliceown]);
      expect(saved.code, saved.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${aliceown}:1`, `${aliceown}:2`, `${aliceown}:3`]);
    }
  });

  it('a tag the classic builder\'s FROM pull put into another team\'s repository (unchecked) can be removed by that team with rmi, after which its save works again', async () => {
    const cdig = `${reg.host}/ten-cfrom`;
    try {
      expect((await as('carol', ['commit', 'ten-c1', `${cdig}:v1`])).code).toBe(0);
      const built = await classicBuild('alice', 'ten-from-a:1', `FROM ${cdig}:v9\nRUN echo a > /a\n`);
      expect(built.code, built.stderr).toBe(0);
      expect((await dockerDirect(socket, ['image', 'inspect', `${cdig}:v9`])).code).toBe(0);
      const blocked = await as('carol', ['save', '-o', join(scratchDir('ten-fromsave-'), 'repo.tar'), cdig]);
      expect(blocked.stderr).toContain(`(${cdig} stands for every tag of the repository): save or push your tags by name, or remove the tags without an owner from your repository (rmi without -f)`);
      const removed = await as('carol', ['rmi', `${cdig}:v9`]);
      expect(removed.code, removed.stderr).toBe(0);
      const saved = await as('carol', ['save', '-o', join(scratchDir('ten-fromsave-'), 'repo.tar'), cdig]);
      expect(saved.code, saved.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${cdig}:v1`, `${cdig}:v9`, 'ten-from-a:1']);
    }
  });

  // revown: a tenant who wrote first into a repository name re-pointed and removed the admin's
  // pulls into it (rules 2 and 4 of the caller's repository): an admin's image without an
  // owner may not go into a tenant's repository.
  it('an admin\'s pull into a repository a tenant wrote first is refused (there the tenant could re-point or remove it); into a new one it works', async () => {
    const shared = `${reg.host}/ten-shared`;
    try {
      expect((await as('carol', ['commit', 'ten-c1', `${shared}:carol`])).code).toBe(0);
      const admin = await as('root', ['pull', `${shared}:1`]);
      expect(admin.code).not.toBe(0);
      expect(admin.stderr).toContain(`denied ImageCreate for root: ImageCreate would put an image without an owner into repository "${shared}", which holds a tenant's image (${shared}:carol): there that tenant's team could re-point and remove it; write it under another repository name, or remove the tenant's images from the repository first`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${shared}:1`])).code).not.toBe(0);
      const fresh = await as('root', ['pull', `${reg.host}/ten-shared-admin:1`]);
      expect(fresh.code, fresh.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${shared}:carol`, `${shared}:1`, `${reg.host}/ten-shared-admin:1`]);
    }
  });

  // revlast: the other direction: an admin's tag of a team's image into the shared repository
  // it pre-pulled made that repository, and its shared tags, the team's.
  it('an admin\'s tag of a team\'s image into a repository of pulled images is refused', async () => {
    const shared = `${reg.host}/ten-adminpre`;
    try {
      const pulled = await as('root', ['pull', `${shared}:1`]);
      expect(pulled.code, pulled.stderr).toBe(0);
      expect((await as('alice', ['commit', 'ten-a1', 'ten-adminpre-a:1'])).code).toBe(0);
      const tagged = await as('root', ['tag', 'ten-adminpre-a:1', `${shared}:web`]);
      expect(tagged.code).not.toBe(0);
      expect(tagged.stderr).toContain(`denied ImageTag for root: ImageTag would put an image of team "web" into repository "${shared}", which holds an image without an owner (${shared}:1) and none of that team's: the repository would become theirs, and its tags without an owner theirs to re-point and remove; write it under another repository name`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${shared}:web`])).code).not.toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${shared}:1`, `${shared}:web`, 'ten-adminpre-a:1']);
    }
  });

  // revfinal: an admin's build FROM a team's image inherited its owner labels, so the check
  // (which reads only --label) took an image of team web for one without an owner.
  it('an admin\'s build naming no owner gets empty owner labels, whatever its base image carries', async () => {
    try {
      expect((await as('alice', ['commit', 'ten-a1', 'ten-adminbase-a:1'])).code).toBe(0);
      const built = await classicBuild('root', 'ten-adminbuilt:1', 'FROM ten-adminbase-a:1\nRUN echo admin > /admin\n');
      expect(built.code, built.stderr).toBe(0);
      const owner = await dockerDirect(socket, ['image', 'inspect', '--format', '{{printf "%q" (index .Config.Labels "dockgate.owner")}}/{{printf "%q" (index .Config.Labels "dockgate.team")}}', 'ten-adminbuilt:1']);
      expect(owner.stdout.trim()).toBe('""/""');
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'ten-adminbuilt:1', 'ten-adminbase-a:1']);
    }
  });

  it('a repository of pulled images only takes no tag with an owner (no tenant may claim a public repository); a pull over its tag is an admin\'s', async () => {
    const pub = `${reg.host}/ten-pubonly`;
    try {
      const pulled = await as('alice', ['pull', `${pub}:1`]);
      expect(pulled.code, pulled.stderr).toBe(0);
      const committed = await as('alice', ['commit', 'ten-a1', `${pub}:2`]);
      expect(committed.code).not.toBe(0);
      expect(committed.stderr).toContain(`tag "${pub}:2" would join a repository that holds an image that has no owner (${pub}:1): a repository of images without an owner only takes no tags with an owner: tag into a repository of your own`);
      const refresh = await as('bob', ['pull', `${pub}:1`]);
      expect(refresh.code).not.toBe(0);
      expect(refresh.stderr).toContain(`tag "${pub}:1" names an image that has no owner, outside a repository of yours; refreshing shared images is an admin's job: ask a tenancy admin to pull it`);
      const removed = await as('alice', ['rmi', `${pub}:1`]);
      expect(removed.code).not.toBe(0);
      expect((await dockerDirect(socket, ['image', 'inspect', `${pub}:2`])).code).not.toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${pub}:1`, `${pub}:2`]);
    }
  });
});

describe('a build\'s tags are reserved until it ends (dockerd writes them at the end)', () => {
  it.each([
    ['the classic builder, docker 28 CLI', 'docker', '0'],
    ['BuildKit, docker 20.10 CLI', '/usr/bin/docker', '1'],
  ])('%s: while bob\'s slow build runs, carol (another team) may not build or commit the same tag; bob\'s image gets it', async (_name, cli, buildkit) => {
    const tag = `ten-race-${buildkit}:1`;
    const marker = `ten-race-${buildkit}-${Date.now()}`;
    const slow = scratchDir('ten-race-bob-');
    writeFileSync(join(slow, 'Dockerfile'), `FROM busybox\nRUN sleep 12 && echo ${marker} > /owner\n`);
    const quick = scratchDir('ten-race-carol-');
    writeFileSync(join(quick, 'Dockerfile'), `FROM busybox\nRUN echo carol-${marker} > /owner\n`);
    // networkmode none: the test daemon runs with --bridge=none.
    const build = (who: string, dir: string) => run(cli, [...tlsArgs(pki.bundle(who), gw.port), 'build', '--network', 'none', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: buildkit }, timeoutMs: 120_000 });

    const logFrom = gw.stdout().length;
    const bobs = build('bob', slow);
    await until(() => processWith(marker), 60_000, 'bob\'s RUN step to be running');
    const reserved = (shown: string) => `tag "${shown}" is reserved by another tenant's ImageBuild still in progress`;
    const carols = await build('carol', quick);
    expect(carols.stderr).toContain(reserved(tag));
    expect(carols.code).not.toBe(0);
    const commit = await as('carol', ['commit', 'ten-c1', tag]);
    // The CLI sends a commit's repository fully qualified.
    expect(commit.stderr).toContain(reserved(`docker.io/library/${tag}`));
    expect(commit.code).not.toBe(0);
    // The audit line is written after the answer: wait for the records of carol's build and
    // commit (a BuildKit build's may come after the commit's: the CLI closes its session later).
    const records = await until(() => {
      const lines = gw.stdout().slice(logFrom).split('\n').filter((l) => l.includes('"tag-reserved"') && l.includes('"cn":"carol"'));
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const last = (op: string) => parsed.filter((r) => r.operation === op).at(-1);
      const build = last('ImageBuild');
      const commit = last('ImageCommit');
      return build && commit && [build, commit];
    }, 10_000, 'the audit records of carol\'s build and commit');
    expect(records).toMatchObject([
      { operation: 'ImageBuild', decision: 'deny', code: 'tag-reserved', status: 409, identity: { cn: 'carol' } },
      { operation: 'ImageCommit', decision: 'deny', code: 'tag-reserved', status: 409, identity: { cn: 'carol' } },
    ]);

    const bob = await bobs;
    expect(bob.code, bob.stderr).toBe(0);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', tag]);
    expect(owner.stdout.trim()).toBe('bob');
    const bobsOwn = await as('bob', ['run', '--rm', '--network', 'none', tag, 'cat', '/owner']);
    expect(bobsOwn.stdout).toBe(`${marker}\n`);
    // Once the build has ended the tag is bob's: the ownership check refuses carol as before.
    const after = await build('carol', quick);
    expect(after.stderr).toContain(`tag "${tag}" names an image that belongs to another tenant`);
  });

  it('a build whose client leaves is still cancelled by dockerd (its daemon connection is half-closed), and its tag is free once dockerd has answered', async () => {
    const tag = 'ten-race-left:1';
    const marker = `ten-race-left-${Date.now()}`;
    const dir = scratchDir('ten-race-left-');
    writeFileSync(join(dir, 'Dockerfile'), `FROM busybox\nRUN sleep 120 && echo ${marker} > /owner\n`);
    const cli = spawn('docker', [...tlsArgs(pki.bundle('bob'), gw.port), 'build', '--network', 'none', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'ignore' });
    try {
      await until(() => processWith(marker), 60_000, 'bob\'s RUN step to be running');
    } finally {
      cli.kill('SIGKILL');
    }
    // dockerd sees the client go, kills the step and ends the build (it would run two minutes).
    await until(() => !processWith(marker), 60_000, 'dockerd cancelling the build');
    // The tag stays reserved until the gateway has read dockerd's answer to its end; the build's
    // record is written once it has (after the reservation is freed: exchange.ts).
    const record = await until(() => gw.stdout().split('\n').find((l) => l.includes('"cn":"bob"') && l.includes('"operation":"ImageBuild"') && l.includes('the client left')), 30_000, 'the audit record of the build');
    expect(record).toContain('the client left before the end of the answer; the daemon answered 200, read to its end (discarded)');
    expect((await as('carol', ['commit', 'ten-c1', tag])).code).toBe(0);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', tag]);
    expect(owner.stdout.trim()).toBe('carol');
    await dockerDirect(socket, ['rmi', tag]);
  }, 180_000);
});

/**
 * Writes to argv[1] a tar holding one file of argv[2] zero bytes, as concatenated bzip2 streams
 * (dockerd reads them as one): a tiny upload that takes dockerd seconds to unpack.
 */
const ZEROS_TAR_BZ2 = `
import bz2, sys, tarfile
size, piece = int(sys.argv[2]), 16 << 20
info = tarfile.TarInfo("zeros"); info.size = size
head = bz2.compress(info.tobuf(tarfile.USTAR_FORMAT) + bytes(piece - 512))
open(sys.argv[1], "wb").write(head + bz2.compress(bytes(piece)) * (size // piece + 1))
`;

/**
 * alice imports 1.3 KB of bzip2 (streams of zeros, concatenated) into `ten-imp:1`, labelled
 * `ten-imp=<marker>`, and closes the connection right after her last byte, once dockerd has
 * begun: it unpacks the 400 MB file for seconds after that, and finishes though she has gone.
 */
async function importAndLeave(port: number, marker: string): Promise<void> {
  const dir = scratchDir('ten-imp-');
  const made = await run('python3', ['-c', ZEROS_TAR_BZ2, join(dir, 'zeros.tar.bz2'), String(400 << 20)]);
  expect(made.code, made.stderr).toBe(0);
  const body = readFileSync(join(dir, 'zeros.tar.bz2'));
  // dockerd makes the layer's directory once it has begun reading the body.
  const layers = join(inject('daemonRoot'), 'data', 'overlay2');
  const before = readdirSync(layers).length;
  const conn = await RawConnection.tls(pki.bundle('alice'), port);
  try {
    const target = `/v1.41/images/create?fromSrc=-&repo=ten-imp&tag=1&changes=${encodeURIComponent(`LABEL ten-imp=${marker}`)}`;
    conn.write(httpRequest({ method: 'POST', target, headers: [['Content-Type', 'application/x-tar'], ['Content-Length', String(body.length)]], body }));
    await until(() => readdirSync(layers).length > before, 30_000, 'dockerd unpacking the import');
  } finally {
    conn.close();
  }
}

/** The audit record line of alice's import into ten-imp. */
const importRecord = (out: string): string | undefined => out.split('\n').find((l) => l.includes('"cn":"alice"') && l.includes('"fromSrc":"-","repo":"ten-imp"'));

describe('locks held until dockerd has acted (found by the tenancy concurrency review)', () => {
  it('a create whose client leaves keeps the containers quota lock until dockerd has made the container; the audit record says so', async () => {
    // dockerd makes the anonymous volumes one by one before it registers the container: 3000 of
    // them, so that it is still at it when the test, polling for the first, closes the connection.
    const mounts = Array.from({ length: 3000 }, (_, i) => ({ Type: 'volume', Target: `/v${i}` }));
    const conn = await RawConnection.tls(pki.bundle('kate'), gw.port);
    try {
      conn.write(jsonRequest('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: mounts } })));
      await until(async () => (await dockerDirect(socket, ['volume', 'ls', '-q', '--filter', 'label=dockgate.owner=kate'])).stdout.trim() !== '', 30_000, 'dockerd making the volumes');
    } finally {
      conn.close();
    }
    // Counted after the create the client left: refused (it was counted as 0 and made a second).
    const second = await as('kate', ['create', 'busybox', 'true']);
    expect(second.stderr).toContain('container quota reached (1 of 1)');
    const made = await dockerDirect(socket, ['ps', '-aq', '--filter', 'label=dockgate.owner=kate']);
    expect(made.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    const record = await until(() => gw.stdout().split('\n').find((l) => l.includes('"cn":"kate"') && l.includes('/containers/create') && l.includes('the client left')), 10_000, 'the audit record of the create');
    expect(record).toContain('the client left before the answer; the daemon answered 201 (discarded)');
    await dockerDirect(socket, ['rm', '-f', '-v', ...made.stdout.split('\n').filter(Boolean)]);
  });

  it('a gateway shutting down lets a create whose client left finish within its grace period, and records what the daemon answered', async () => {
    // A grace period well beyond the seconds dockerd takes for the 3000 volumes.
    const own = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${join(pki.dir, 'tenancy-policy.yaml')}\nlimits:\n  shutdownGraceMs: 60000\n`));
    const mounts = Array.from({ length: 3000 }, (_, i) => ({ Type: 'volume', Target: `/v${i}` }));
    const conn = await RawConnection.tls(pki.bundle('kate'), own.port);
    try {
      conn.write(jsonRequest('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: mounts } })));
      await until(async () => (await dockerDirect(socket, ['volume', 'ls', '-q', '--filter', 'label=dockgate.owner=kate'])).stdout.trim() !== '', 30_000, 'dockerd making the volumes');
    } finally {
      conn.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    // SIGTERM while dockerd still makes the volumes: closing the daemon side at once recorded
    // "the daemon request failed" for a container dockerd made anyway.
    expect(await own.stop()).toBe(0);
    const record = own.stdout().split('\n').find((l) => l.includes('"cn":"kate"') && l.includes('/containers/create'));
    expect(record).toContain('the client left before the answer; the daemon answered 201 (discarded)');
    const made = await dockerDirect(socket, ['ps', '-aq', '--filter', 'label=dockgate.owner=kate']);
    expect(made.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    await dockerDirect(socket, ['rm', '-f', '-v', ...made.stdout.split('\n').filter(Boolean)]);
  });

  it('an import whose client leaves right after its last byte keeps its tag reserved until dockerd has written it: another tenant\'s tag of that name is refused meanwhile, never re-pointed (found by the images review)', async () => {
    expect((await as('carol', ['commit', 'ten-c1', 'ten-imp-c:1'])).code).toBe(0);
    const marker = `ten-imp-${Date.now()}`;
    const imported = async () => (await dockerDirect(socket, ['images', '-q', '--filter', `label=ten-imp=${marker}`])).stdout.trim() !== '';
    await importAndLeave(gw.port, marker);
    // carol tags her own image with that name until dockerd has imported alice's: with the
    // reservation freed when alice left, her tag got in and dockerd then re-pointed it.
    const statuses: number[] = [];
    while (!(await imported())) statuses.push((await api('carol', 'POST', '/images/ten-imp-c:1/tag?repo=ten-imp&tag=1')).status);
    // 409 tag-reserved while dockerd works; 403 (the tag names alice's image) once it has
    // written the tag and before its answer has ended; never a 201.
    expect(statuses.join(' ')).toMatch(/^(409 )*409( 403)*$/);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}} {{index .Config.Labels "ten-imp"}}', 'ten-imp:1']);
    expect(owner.stdout.trim()).toBe(`alice ${marker}`);
    const record = await until(() => importRecord(gw.stdout()), 10_000, 'the audit record of the import');
    expect(record).toContain('the client left before the end of the answer; the daemon answered 200, read to its end (discarded)');
    // Now the tag is alice's: the ownership check refuses carol.
    expect((await api('carol', 'POST', '/images/ten-imp-c:1/tag?repo=ten-imp&tag=1')).status).toBe(403);
    await dockerDirect(socket, ['rmi', 'ten-imp:1', 'ten-imp-c:1', 'ten-race-left:1']);
  }, 120_000);

  it('a gateway shutting down waits, within its grace period, for such an import to end, and records that dockerd finished it', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${join(pki.dir, 'tenancy-policy.yaml')}\nlimits:\n  shutdownGraceMs: 60000\n`));
    const marker = `ten-imp-${Date.now()}`;
    await importAndLeave(own.port, marker);
    // SIGTERM while dockerd still unpacks: the gateway waits for its answer.
    expect(await own.stop()).toBe(0);
    expect(importRecord(own.stdout())).toContain('the client left before the end of the answer; the daemon answered 200, read to its end (discarded)');
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "ten-imp"}}', 'ten-imp:1']);
    expect(owner.stdout.trim()).toBe(marker);
    await dockerDirect(socket, ['rmi', 'ten-imp:1']);
  }, 120_000);

  it('a restart keeps its container counted until dockerd has started it again, and holds up no other start meanwhile', async () => {
    for (const name of ['ten-j1', 'ten-j2']) expect((await as('jack', ['run', '-d', '--name', name, 'busybox', 'sleep', '600'])).code).toBe(0);
    expect((await as('jack', ['create', '--name', 'ten-j3', 'busybox', 'sleep', '600'])).code).toBe(0);
    const since = String(Math.floor(Date.now() / 1000) - 1);
    // sleep as PID 1 ignores SIGTERM: dockerd waits the 3 s of -t, kills it and starts it again.
    let restartDone = false;
    const restart = as('jack', ['restart', '-t', '3', 'ten-j1']).then((r) => ((restartDone = true), r));
    await until(async () => (await dockerDirect(socket, ['events', '--since', since, '--until', String(Date.now() / 1000), '--filter', 'container=ten-j1', '--filter', 'event=kill'])).stdout.trim() !== '', 15_000, 'the restart stopping ten-j1');
    // ten-j1 still counts while it is stopped (in that window a start got in), and the start is
    // answered at once rather than after the restart (it waited out the stop timeout, endless with -t -1).
    const start = await as('jack', ['start', 'ten-j3']);
    expect(start.stderr).toContain('running-container quota reached (2 of 2 running)');
    expect(restartDone).toBe(false);
    expect((await restart).code).toBe(0);
    const running = await dockerDirect(socket, ['ps', '-q', '--filter', 'label=dockgate.owner=jack']);
    expect(running.stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('two tenants creating one volume name, or one network name, at once: one gets it, the other is refused', async () => {
    const at = async (who: string): Promise<RawConnection> => RawConnection.tls(pki.bundle(who), gw.port);
    for (let i = 0; i < 15; i++) {
      for (const [kind, path, name] of [['volume', '/v1.41/volumes/create', `ten-vrace-${i}`], ['network', '/v1.41/networks/create', `ten-nrace-${i}`]] as const) {
        const conns = [await at('alice'), await at('carol')];
        try {
          // Both written in one turn: the gateway reads them at once.
          for (const c of conns) c.write(jsonRequest('POST', path, JSON.stringify({ Name: name })));
          const [a, c] = await Promise.all(conns.map((conn) => conn.response()));
          const got = [a, c].map((r) => r?.status);
          expect([kind, got.filter((s) => s === 201).length], `${name}: ${a?.text} ${c?.text}`).toEqual([kind, 1]);
          if (kind === 'volume') {
            // The one answered 201 got its own volume, never the other tenant's.
            const [winner, who] = a?.status === 201 ? [a, 'alice'] : [c, 'carol'];
            expect((JSON.parse(winner?.text ?? '{}') as { Labels?: Record<string, string> }).Labels?.['dockgate.owner']).toBe(who);
          }
        } finally {
          for (const conn of conns) conn.close();
        }
      }
      await dockerDirect(socket, ['network', 'rm', `ten-nrace-${i}`]);
    }
    expect((await dockerDirect(socket, ['network', 'ls', '-q', '--filter', 'name=ten-nrace-'])).stdout.trim()).toBe('');
  });
});

describe('hostNamespaces: false with tenancy limits', () => {
  it('a create below API 1.41 without a HostConfig gets a private cgroup namespace, though tenancy adds a HostConfig for its memory limit', async () => {
    const policyFile = join(pki.dir, 'tenancy-cgroupns.yaml');
    writeFileSync(policyFile, `version: 1
rules:
  - name: everyone
    who: { anyone: true }
    allow: all
    guards: { hostNamespaces: false }
tenancy:
  teams: [web, data]
  unowned: [images]
  quotas:
    default: { containers: 20, memory: 64m, defaultMemory: 32m }
`);
    const own = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
    try {
      const b = pki.bundle('carol');
      for (const body of [{ Image: 'busybox', Cmd: ['true'] }, { Image: 'busybox', Cmd: ['true'], HostConfig: null }]) {
        const r = await run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), `https://127.0.0.1:${own.port}/v1.40/containers/create`]);
        const id = (JSON.parse(r.stdout) as { Id?: string }).Id;
        expect(id, r.stdout).toMatch(/^[0-9a-f]{64}$/);
        const seen = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}} {{.HostConfig.Memory}}', id as string]);
        expect(seen.stdout.trim()).toBe(`private ${32 * 1024 * 1024}`);
      }
      // And under a policy without the guard (the suite's gateway: allow all, no guards; rev-interplay F3):
      // the HostConfig tenancy adds must not make dockerd force the host's cgroup namespace, which a
      // body without one would not have got (dockerd gives it the daemon's default-cgroupns-mode).
      for (const version of ['1.39', '1.40']) {
        for (const body of [{ Image: 'busybox', Cmd: ['true'] }, { Image: 'busybox', Cmd: ['true'], HostConfig: null }]) {
          const r = await run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), `https://127.0.0.1:${gw.port}/v${version}/containers/create`]);
          const id = (JSON.parse(r.stdout) as { Id?: string }).Id;
          expect(id, r.stdout).toMatch(/^[0-9a-f]{64}$/);
          const seen = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}} {{.HostConfig.Memory}}', id as string]);
          expect([version, body, seen.stdout.trim()]).toEqual([version, body, `private ${32 * 1024 * 1024}`]);
        }
      }
      // The client's own empty HostConfig is left alone: dockerd does with it what it would have done (cgroup v1 here: host).
      const ownHost = await run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', '{"Image":"busybox","Cmd":["true"],"HostConfig":{}}', `https://127.0.0.1:${gw.port}/v1.40/containers/create`]);
      const direct = await run('curl', ['-s', '--unix-socket', socket, '-H', 'Content-Type: application/json', '--data-binary', '{"Image":"busybox","Cmd":["true"],"HostConfig":{}}', 'http://d/v1.40/containers/create']);
      const modes = [];
      for (const out of [ownHost.stdout, direct.stdout]) {
        const id = (JSON.parse(out) as { Id?: string }).Id;
        expect(id, out).toMatch(/^[0-9a-f]{64}$/);
        modes.push((await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}}', id as string])).stdout.trim());
        if (out === direct.stdout) await dockerDirect(socket, ['rm', '-f', id as string]);
      }
      expect(modes[0]).toBe(modes[1]);
      // A HostConfig dockerd cannot decode is refused, not replaced by tenancy's (which made a container).
      const bad = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', '{"Image":"busybox","HostConfig":"x"}', `https://127.0.0.1:${own.port}/v1.40/containers/create`]);
      expect(bad.stdout).toMatch(/HostConfig is a string where dockerd reads an object: dockerd refuses the body"}\n+400$/);
      // Types dockerd cannot decode, and a whole number written as a float (Go refuses 5e8 in
      // an int64): refused, not rewritten into a body dockerd accepts (each made a container).
      for (const raw of ['{"Image":"busybox","HostConfig":{"Memory":"x"}}', '{"Image":"busybox","HostConfig":{"NanoCpus":5e8}}']) {
        const r = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', raw, `https://127.0.0.1:${own.port}/v1.41/containers/create`]);
        expect(r.stdout).toMatch(/\n+400$/);
      }
      // The refusals freed the quota's lock: the tenant's next create is answered (it waited for good).
      const next = await run('curl', ['-s', '-m', '20', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', '{"Image":"busybox","Cmd":["true"]}', `https://127.0.0.1:${own.port}/v1.41/containers/create`]);
      expect(next.stdout).toMatch(/\n+201$/);
    } finally {
      await own.stop();
    }
  });

  it('a HostConfig the gateway adds to a create without one changes nothing else: below API 1.40 no shareable IPC namespace, and no CPUs pinned by a top-level Cpuset dockerd ignored', async () => {
    const policyFile = join(pki.dir, 'tenancy-added-hostconfig.yaml');
    writeFileSync(policyFile, `version: 1
rules:
  - name: everyone
    who: { anyone: true }
    allow: all
    guards: { hostNamespaces: false }
tenancy:
  admins: { groups: [ops] }
  teams: [web, data]
  unowned: [images]
  quotas:
    default: { containers: 20, memory: 64m, defaultMemory: 32m }
`);
    const own = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
    const create = async (who: string, port: number, version: string, body: unknown): Promise<string> => {
      const b = pki.bundle(who);
      const r = await run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), `https://127.0.0.1:${port}/v${version}/containers/create`]);
      const id = (JSON.parse(r.stdout) as { Id?: string }).Id;
      expect(id, r.stdout).toMatch(/^[0-9a-f]{64}$/);
      const seen = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.IpcMode}} cpuset={{.HostConfig.CpusetCpus}} {{.HostConfig.CgroupnsMode}} {{.HostConfig.Memory}}', id as string]);
      if (who === 'root') await dockerDirect(socket, ['rm', '-f', id as string]);
      return seen.stdout.trim();
    };
    const body = { Image: 'busybox', Cmd: ['true'], Cpuset: '0' };
    const mem = 32 * 1024 * 1024;
    try {
      // Directly on the socket, as dockerd treats the client's body: private, the Cpuset ignored.
      const direct = await run('curl', ['-s', '--unix-socket', socket, '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), 'http://d/v1.39/containers/create']);
      const directId = (JSON.parse(direct.stdout) as { Id: string }).Id;
      expect((await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.IpcMode}} cpuset={{.HostConfig.CpusetCpus}}', directId])).stdout.trim()).toBe('private cpuset=');
      await dockerDirect(socket, ['rm', '-f', directId]);
      // The cgroupns amendment alone (an admin: no tenancy), then with tenancy's memory limit.
      expect(await create('root', own.port, '1.39', body)).toBe('private cpuset= private 0');
      expect(await create('carol', own.port, '1.39', body)).toBe(`private cpuset= private ${mem}`);
      // An unknown top-level key is no legacy host field: dockerd still decodes no HostConfig (rev-interplay F4).
      expect(await create('carol', own.port, '1.39', { ...body, Foo: 1 })).toBe(`private cpuset= private ${mem}`);
      // Tenancy's limits alone: below 1.40 through the gateway without the guard (the cgroup namespace private all the same), and at 1.41 (no amendment).
      expect(await create('carol', gw.port, '1.39', body)).toBe(`private cpuset= private ${mem}`);
      expect(await create('carol', own.port, '1.41', { Image: 'busybox', Cmd: ['true'], CPUSET: '0' })).toMatch(new RegExp(`^private cpuset= \\S+ ${mem}$`));
      // The client's own HostConfig: dockerd forces shareable and reads the Cpuset, as it would have.
      expect(await create('carol', gw.port, '1.39', { ...body, HostConfig: {} })).toMatch(new RegExp(`^shareable cpuset=0 \\S+ ${mem}$`));
    } finally {
      await own.stop();
    }
  });
});
