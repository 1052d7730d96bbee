/**
 * Tenancy admission against a scripted daemon: each case is a hole a review found (its number
 * in the review), driven through createTenancy().admit as the data path calls it. The daemon
 * fake answers inspects and container lists from a table, as dockerd would.
 */
import { describe, expect, it } from 'vitest';
import type { Identity, JsonObject } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import { unsafeChange } from '../../../src/tenancy/label-changes.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { buildLimits, classicRemoval, FORCED_REMOVAL_NOTE, goInt64 } from '../../../src/tenancy/build-ops.js';
import { applyLimits } from '../../../src/tenancy/limits.js';
import { tagReference } from '../../../src/tenancy/image-set.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';
import { madeByGateway } from './made-by-gateway.js';

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: ['shared'], volumes: ['shared-vol'] },
  quotas: { default: { running: 2, memory: 256 * 2 ** 20, defaultMemory: 64 * 2 ** 20, cpus: 1, defaultCpus: 0.5 }, groups: {}, users: {} },
};

const carol = { 'dockgate.owner': 'carol', 'dockgate.team': 'data' };
const alice = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };
const CNET = 'c0ffee'.padEnd(64, '1');
const ANET = 'a11ce0'.padEnd(64, '2');
const BRIDGE = 'b41d9e'.padEnd(64, '3');

interface Container {
  id: string;
  labels: Record<string, string>;
  status: 'running' | 'paused' | 'exited';
  hostConfig?: JsonObject;
  /** Volumes it uses, for the daemon's `volume` list filter. */
  volumes?: string[];
  /** Its mount points, as inspect lists them (what a `VolumesFrom` of it copies). */
  mounts?: JsonObject[];
}

/** The daemon's objects by inspect path (decoded), and its containers for lists. */
function daemonWith(containers: Container[] = [], extra: Record<string, unknown> = {}): DaemonClient & { paths: string[] } {
  const image = (labels: Record<string, string>, tags: string[]) => ({ Id: `sha256:${tags[0]}`, RepoTags: tags, Config: { Labels: labels } });
  const network = (name: string, id: string, labels: Record<string, string>) => ({ Name: name, Id: id, Labels: labels });
  const docs: Record<string, unknown> = {
    '/images/cimg/json': image(carol, ['cimg:latest']),
    '/images/cimg:latest/json': image(carol, ['cimg:latest']),
    '/images/aimg:1/json': image(alice, ['aimg:1']),
    '/images/busybox/json': image({}, ['busybox:latest']),
    '/images/busybox:latest/json': image({}, ['busybox:latest']),
    '/networks/cnet': network('cnet', CNET, carol),
    [`/networks/${CNET}`]: network('cnet', CNET, carol),
    [`/networks/${CNET.slice(0, 12)}`]: network('cnet', CNET, carol),
    '/networks/anet': network('anet', ANET, alice),
    [`/networks/${ANET}`]: network('anet', ANET, alice),
    [`/networks/${ANET.slice(0, 6)}`]: network('anet', ANET, alice),
    '/networks/none': network('none', 'n0'.padEnd(64, '0'), {}),
    [`/networks/${BRIDGE}`]: network('bridge', BRIDGE, {}),
    '/images/json': [image(carol, ['cimg:latest']), image(alice, ['aimg:1']), image({}, ['busybox:latest'])],
    ...extra,
  };
  for (const c of containers) {
    const doc = {
      Id: c.id.padEnd(64, '0'), Name: `/${c.id}`, Config: { Labels: c.labels }, HostConfig: c.hostConfig ?? {}, Mounts: c.mounts ?? [],
      State: { Running: c.status !== 'exited', Paused: c.status === 'paused' },
    };
    // By name, and by full ID (what the gateway reads again once it has resolved a name).
    docs[`/containers/${c.id}/json`] = doc;
    docs[`/containers/${doc.Id}/json`] = doc;
  }
  const paths: string[] = [];
  const answer = (status: number, json: unknown): DaemonAnswer => {
    const raw = Buffer.from(JSON.stringify(json));
    return { status, json, raw, contentType: 'application/json' };
  };
  return madeByGateway({
    paths,
    get(path: string) {
      paths.push(path);
      const decoded = decodeURIComponent(path);
      if (decoded.startsWith('/images/broken')) return Promise.resolve(answer(500, { message: 'boom' }));
      if (decoded.startsWith('/containers/json?')) {
        const filters = JSON.parse(decoded.slice(decoded.indexOf('filters=') + 'filters='.length)) as { label?: string[]; status?: string[]; volume?: string[] };
        if (filters.volume) {
          const all = /[?&]all=(1|true)(&|$)/.test(decoded);
          const users = containers.filter((c) => (all || c.status !== 'exited') && c.volumes?.includes(filters.volume?.[0] ?? ''));
          return Promise.resolve(answer(200, users.map((c) => ({ Id: c.id, Names: [`/${c.id}`], Labels: c.labels }))));
        }
        const owner = filters.label?.[0]?.split('=')[1];
        const list = containers.filter((c) => c.labels['dockgate.owner'] === owner && (!filters.status || filters.status.includes(c.status)));
        return Promise.resolve(answer(200, list.map((c) => ({ Id: c.id.padEnd(64, '0'), Labels: c.labels }))));
      }
      const doc = docs[decoded];
      return Promise.resolve(doc === undefined ? answer(404, { message: `No such object: ${decoded}` }) : answer(200, doc));
    },
  });
}

function identity(name: string, groups: string[]): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

const who: Record<string, string[]> = { alice: ['web'], bob: ['web'], carol: ['data'], root: ['ops'] };

async function admit(user: string, method: string, target: string, body?: unknown, daemon: DaemonClient = daemonWith(), tenancy = createTenancy({ daemon, spec: () => spec, groups: (id) => id.groups })): Promise<TenancyVerdict> {
  const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = raw === undefined ? {} : { 'content-type': 'application/json' };
  const facts = buildFacts({ method, rawTarget: target, headers, body: raw });
  return tenancy.admit({ identity: identity(user, who[user] ?? []), facts, body: raw, method, target });
}

function denied(v: TenancyVerdict, text: string): void {
  expect(v.kind, JSON.stringify(v)).toBe('deny');
  if (v.kind === 'deny') expect(v.message).toContain(text);
}

function forwardedBody(v: TenancyVerdict): JsonObject {
  expect(v.kind, JSON.stringify(v)).toBe('forward');
  if (v.kind !== 'forward' || !v.body) throw new Error('no body forwarded');
  return JSON.parse(v.body.toString('utf8')) as JsonObject;
}

describe('#11 swarm, services, tasks, nodes, secrets, configs and plugins are admin-only', () => {
  it.each([
    ['POST', '/v1.41/swarm/init', { ListenAddr: '127.0.0.1:2377' }],
    ['POST', '/v1.41/swarm/join', { RemoteAddrs: ['10.0.0.1'] }],
    ['POST', '/v1.41/swarm/update?version=1', {}],
    ['POST', '/v1.41/swarm/leave', undefined],
    ['POST', '/v1.41/services/create', { Name: 'svc', TaskTemplate: { ContainerSpec: { Image: 'busybox' } } }],
    ['POST', '/v1.41/services/svc/update?version=1', { Name: 'svc' }],
    ['GET', '/v1.41/services/svc/logs?stdout=1', undefined],
    ['GET', '/v1.41/tasks', undefined],
    ['POST', '/v1.41/secrets/create', { Name: 's', Data: '' }],
    ['POST', '/v1.41/plugins/x/enable', undefined],
  ])('%s %s', async (method, target, body) => {
    denied(await admit('alice', method, target, body), 'only tenancy admins may run it');
    expect((await admit('root', method, target, body)).kind).toBe('forward');
  });
});

describe('#7 an endpoint NetworkID is a network reference', () => {
  it('create: another tenant\'s NetworkID under one\'s own network key is refused', async () => {
    const body = { Image: 'busybox', HostConfig: { NetworkMode: 'anet' }, NetworkingConfig: { EndpointsConfig: { anet: { NetworkID: CNET } } } };
    denied(await admit('alice', 'POST', '/v1.41/containers/create', body), `network "${CNET}" (NetworkingConfig.EndpointsConfig.anet.NetworkID) belongs to another tenant`);
  });

  it('create: one\'s own NetworkID (a prefix) is allowed and pinned to the full ID; a predefined network\'s ID is allowed', async () => {
    const body = { Image: 'busybox', NetworkingConfig: { EndpointsConfig: { anet: { NetworkID: ANET.slice(0, 6) }, bridge: { NetworkID: BRIDGE } } } };
    const out = forwardedBody(await admit('alice', 'POST', '/v1.41/containers/create', body));
    expect(out.NetworkingConfig).toEqual({ EndpointsConfig: { anet: { NetworkID: ANET }, bridge: { NetworkID: BRIDGE } } });
  });

  it('connect: EndpointConfig.NetworkID must be the network in the path', async () => {
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'running' }]);
    denied(await admit('alice', 'POST', '/v1.41/networks/anet/connect', { Container: 'a1', EndpointConfig: { NetworkID: CNET } }, d), 'EndpointConfig.NetworkID must be empty or the full ID');
    expect((await admit('alice', 'POST', '/v1.41/networks/anet/connect', { Container: 'a1', EndpointConfig: { NetworkID: ANET } }, d)).kind).toBe('forward');
    expect((await admit('alice', 'POST', '/v1.41/networks/anet/connect', { Container: 'a1' }, d)).kind).toBe('forward');
  });

  it('#16 connect and disconnect of one\'s own container to a predefined network are allowed', async () => {
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'running' }, { id: 'c1', labels: carol, status: 'running' }]);
    expect((await admit('alice', 'POST', '/v1.41/networks/none/disconnect', { Container: 'a1' }, d)).kind).toBe('forward');
    denied(await admit('alice', 'POST', '/v1.41/networks/none/disconnect', { Container: 'c1' }, d), 'container "c1" belongs to another tenant');
    denied(await admit('alice', 'DELETE', '/v1.41/networks/none', undefined, d), 'network "none" has no owner');
  });
});

describe('container references dockerd looks up again by name are pinned to the ID checked', () => {
  const A1 = 'a1'.padEnd(64, '0');
  it('connect and disconnect: the Container in the body (any key spelling) becomes the full ID', async () => {
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'running' }]);
    for (const op of ['connect', 'disconnect']) {
      const out = forwardedBody(await admit('alice', 'POST', `/v1.41/networks/anet/${op}`, { container: 'a1', Force: false }, d));
      expect(out).toEqual({ container: A1, Force: false });
    }
  });

  it('create: Links in every form are pinned to <id>:<alias>, keeping the alias dockerd would take', async () => {
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'running' }]);
    const body = { Image: 'busybox', HostConfig: { Links: ['a1:db', '/a1:/me/cache', 'a1'] } };
    const out = forwardedBody(await admit('alice', 'POST', '/v1.41/containers/create', body, d));
    expect((out.HostConfig as JsonObject).Links).toEqual([`${A1}:db`, `${A1}:cache`, `${A1}:a1`]);
  });

  it('create with a legacy top-level HostConfig (API < 1.24): its fields move into the HostConfig tenancy adds, references pinned there', async () => {
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'running' }]);
    const body = { Image: 'busybox', Cmd: ['true'], VolumesFrom: ['a1:ro'], Links: ['a1:db'], PidMode: 'container:a1', CapAdd: ['NET_ADMIN'], Memory: 128 * 2 ** 20 };
    const out = forwardedBody(await admit('alice', 'POST', '/v1.41/containers/create', body, d));
    // Without the move, dockerd would read only this HostConfig and drop the legacy fields.
    expect(out.HostConfig).toEqual({ VolumesFrom: [`${A1}:ro`], Links: [`${A1}:db`], PidMode: `container:${A1}`, CapAdd: ['NET_ADMIN'], Memory: 128 * 2 ** 20, NanoCpus: 0.5e9 });
    expect(out.Image).toBe('busybox');
  });

  it('create without a HostConfig: the one tenancy adds for its limits gets IpcMode private below API 1.40, CgroupnsMode private below 1.41, and the top-level Cpuset dockerd ignored goes', async () => {
    const body = { Image: 'busybox', Cpuset: '0' };
    const low = forwardedBody(await admit('alice', 'POST', '/v1.39/containers/create', body));
    expect(low.HostConfig).toEqual({ Memory: 64 * 2 ** 20, NanoCpus: 0.5e9, IpcMode: 'private', CgroupnsMode: 'private' });
    // rev-interplay F4: an unknown top-level key is no legacy host field (dockerd still has no HostConfig).
    const unknown = forwardedBody(await admit('alice', 'POST', '/v1.39/containers/create', { ...body, Foo: 1 }));
    expect(unknown.HostConfig).toEqual({ Memory: 64 * 2 ** 20, NanoCpus: 0.5e9, IpcMode: 'private', CgroupnsMode: 'private' });
    expect([unknown.Cpuset, unknown.Foo]).toEqual([undefined, 1]);
    expect(low.Cpuset).toBeUndefined();
    const high = forwardedBody(await admit('alice', 'POST', '/v1.41/containers/create', body));
    expect(high.HostConfig).toEqual({ Memory: 64 * 2 ** 20, NanoCpus: 0.5e9 });
    expect(high.Cpuset).toBeUndefined();
    // The client's HostConfig: dockerd forces shareable and reads Cpuset itself, as it would have.
    const own = forwardedBody(await admit('alice', 'POST', '/v1.39/containers/create', { ...body, HostConfig: {} }));
    expect(own).toMatchObject({ Cpuset: '0', HostConfig: { Memory: 64 * 2 ** 20, NanoCpus: 0.5e9 } });
    expect((own.HostConfig as JsonObject).IpcMode).toBeUndefined();
  });

  it('create with a legacy top-level Memory over the maximum is refused (it is the HostConfig dockerd would use)', async () => {
    denied(await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', Memory: 2 ** 30, HostConfig: null }, daemonWith()), 'memory limit 1024MiB exceeds your maximum of 256MiB');
  });

  it('create: a link to another tenant\'s container is refused', async () => {
    const d = daemonWith([{ id: 'c1', labels: carol, status: 'running' }]);
    denied(await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Links: ['c1:db'] } }, d), 'container "c1" (HostConfig.Links) belongs to another tenant');
  });
});

describe('a volume create of an existing name answers with that volume: only one\'s own', () => {
  const d = () => daemonWith([], {
    '/volumes/cvol': { Name: 'cvol', Labels: carol, Options: { type: 'cifs', o: 'username=c,password=secret' } },
    '/volumes/avol': { Name: 'avol', Labels: alice },
    '/volumes/old': { Name: 'old', Labels: null },
  });
  it.each([
    ['another tenant\'s volume', { Name: 'cvol' }, 'volume "cvol" already exists and belongs to another tenant'],
    ['with the key spelled in lower case', { name: 'cvol' }, 'belongs to another tenant'],
    ['an unowned volume', { Name: 'old' }, 'volume "old" already exists and belongs to another tenant'],
  ])('%s is refused', async (_n, body, message) => {
    denied(await admit('alice', 'POST', '/v1.41/volumes/create', body, d()), message);
  });
  it.each([
    ['one\'s own existing volume', { Name: 'avol' }],
    ['a new name', { Name: 'fresh' }],
    ['an anonymous volume', {}],
  ])('%s is created (or answered) with the caller\'s labels', async (_n, body) => {
    expect(forwardedBody(await admit('alice', 'POST', '/v1.41/volumes/create', body, d())).Labels).toEqual(alice);
  });
});

describe('volume lists show the shared volumes', () => {
  const root = { 'dockgate.owner': 'root' };
  const doc = {
    Volumes: [
      { Name: 'avol', Labels: alice },
      { Name: 'cvol', Labels: carol },
      { Name: 'shared-vol', Labels: root },
      { Name: 'old', Labels: null },
    ],
    Warnings: ['w'],
  };
  it('the gateway fetches the list and keeps one\'s own and the shared ones', async () => {
    const paths: string[] = [];
    const daemon: DaemonClient = {
      get(path) {
        paths.push(path);
        return Promise.resolve({ status: 200, json: doc, raw: Buffer.from(JSON.stringify(doc)), contentType: 'application/json' });
      },
    };
    const v = await admit('alice', 'GET', '/v1.41/volumes', undefined, daemon);
    expect(v.kind, JSON.stringify(v)).toBe('respond');
    if (v.kind !== 'respond') return;
    expect(paths).toHaveLength(1);
    expect(JSON.parse(v.body.toString())).toEqual({ Volumes: [{ Name: 'avol', Labels: alice }, { Name: 'shared-vol', Labels: root }], Warnings: ['w'] });
  });
});

describe('#6 volumes created by Mounts get the caller\'s owner labels', () => {
  it.each([
    [{ HostConfig: { Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { Labels: carol } }] } }],
    [{ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { Labels: { 'DockGate.Owner': 'carol' } } }] }],
    [{ hostconfig: { mounts: [{ type: 'volume', target: '/x', volumeoptions: { labels: { 'dockgate.team': 'data' } } }] } }],
  ])('reserved keys in VolumeOptions.Labels are refused: %j', async (body) => {
    denied(await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', ...body }), 'is reserved');
  });

  it('an anonymous volume mount carries the caller\'s owner labels', async () => {
    const body = { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { Labels: { mine: '1' } } }, { Type: 'volume', Target: '/y' }] } };
    const out = forwardedBody(await admit('alice', 'POST', '/v1.41/containers/create', body));
    expect(out.HostConfig).toMatchObject({
      Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { Labels: { mine: '1', ...alice } } }, { Type: 'volume', Target: '/y', VolumeOptions: { Labels: alice } }],
    });
  });
});

describe('#5 commit and import changes cannot forge or swallow the owner LABEL', () => {
  const d = () => daemonWith([{ id: 'a1', labels: alice, status: 'running' }]);
  const commit = (changes: string[]) => `/v1.41/commit?container=a1&repo=spoof&tag=1${changes.map((c) => `&changes=${encodeURIComponent(c)}`).join('')}`;
  it.each([
    ['ENV swallow \\'],
    ['ENV swallow \\  '],
    ['# escape=`'],
    ['ENV swallow `'],
    ['LABEL a=1\nENV b \\'],
    ['LABEL "dock"gate.owner=carol'],
    ['LABEL dock\\gate.owner=carol'],
    ["LABEL 'DOCK'GATE.team=data"],
  ])('commit refuses %j', async (change) => {
    const v = await admit('alice', 'POST', commit([change]), undefined, d());
    expect(v.kind).toBe('deny');
    if (v.kind === 'deny') expect(['unsafe-change', 'reserved-label']).toContain(v.code);
  });

  it('import refuses the same', async () => {
    denied(await admit('alice', 'POST', `/v1.41/images/create?fromSrc=-&repo=spoof4&tag=1&changes=${encodeURIComponent('LABEL dock\\gate.owner=carol')}&changes=${encodeURIComponent('ENV swallow \\')}`), 'refused');
  });

  it('plain changes pass and the gateway\'s LABEL comes last', async () => {
    const v = await admit('alice', 'POST', commit(['ENV a=b', 'CMD ["sh"]']), undefined, d());
    expect(v.kind).toBe('forward');
    if (v.kind !== 'forward') return;
    const changes = new URL(v.target ?? '', 'http://x').searchParams.getAll('changes');
    expect(changes).toEqual(['ENV a=b', 'CMD ["sh"]', 'LABEL "dockgate.owner"="alice" "dockgate.team"="web" "dockgate.created"=""']);
  });

  // Probe s31 F1: `LABEL ${Y}=abc` with `Y=dockgate.created` in the container's environment gave
  // the image `dockgate.created=abc`: the gateway's last LABEL sets or clears every label it reads.
  const LAST = 'LABEL "dockgate.owner"="alice" "dockgate.team"="web" "dockgate.created"=""';
  it.each([
    ['commit', ['LABEL ${Y}=abc']],
    ['commit', ['ENV X=dockgate', 'LABEL ${X}.created=abc ${X}.owner=carol']],
    ['commit', []],
    ['import', ['ENV X=dockgate', 'LABEL ${X}.created=abc']],
    ['import', []],
  ])('%s with %j: the gateway\'s last LABEL sets owner and team and clears dockgate.created', async (kind, changes) => {
    const query = changes.map((c) => `&changes=${encodeURIComponent(c)}`).join('');
    const target = kind === 'commit' ? commit(changes) : `/v1.41/images/create?fromSrc=-&repo=spoof6&tag=1${query}`;
    const v = await admit('alice', 'POST', target, undefined, d());
    expect(v.kind).toBe('forward');
    if (v.kind !== 'forward') return;
    expect(new URL(v.target ?? '', 'http://x').searchParams.getAll('changes')).toEqual([...changes, LAST]);
  });

  // A refused change is named by position and instruction, never quoted: changes hold ENV values.
  const SECRET = 'Hunter2-CHANGE-SECRET';
  it.each([
    ['commit', [`ENV A=1\nENV API_TOKEN=${SECRET}`], 'change #1 (ENV) is refused'],
    ['commit', ['CMD ["sh"]', `ENV DB_PASSWORD=${SECRET} \\`], 'change #2 (ENV) is refused'],
    ['commit', ['ENV a=b', `  env TOKEN=${SECRET}\r`], 'change #2 (ENV) is refused'],
    ['commit', [`LABEL token=${SECRET} \``], 'change #1 (LABEL) is refused'],
    ['commit', [`# ${SECRET}`], 'change #1 (comment) is refused'],
    ['commit', [`${SECRET}=1 \\`], 'change #1 is refused'],
    ['commit', [`ENVX ${SECRET}\n`], 'change #1 is refused'],
    ['import', ['ENV A=1', `ENV API_TOKEN=${SECRET}\nENV B=2`], 'change #2 (ENV) is refused'],
  ])('%s: %j is refused as %j, without its text', async (kind, changes, text) => {
    const query = changes.map((c) => `&changes=${encodeURIComponent(c)}`).join('');
    const target = kind === 'commit' ? commit(changes) : `/v1.41/images/create?fromSrc=-&repo=spoof5&tag=1${query}`;
    const v = await admit('alice', 'POST', target, undefined, d());
    denied(v, text);
    expect(JSON.stringify(v)).not.toContain(SECRET);
  });

  it('unsafeChange', () => {
    expect(unsafeChange('ENV path=C:\\dir')).toBe(false);
    expect(unsafeChange('ENV a \\')).toBe(true);
    expect(unsafeChange('  #comment')).toBe(true);
  });
});

describe('#10 CPU limits cannot be lifted', () => {
  const q = { memory: 100, defaultMemory: 50, cpus: 1, defaultCpus: 0.5 };
  it.each([
    [{ HostConfig: { CpuQuota: -1 } }, 'negative CpuQuota'],
    [{ HostConfig: { CpuPeriod: -5 } }, 'negative CpuPeriod'],
    [{ HostConfig: { NanoCpus: 5e8, CpuQuota: 50000 } }, 'cannot be combined'],
  ])('create %j is refused', (body, problem) => {
    expect(applyLimits(structuredClone(body) as JsonObject, q, true, ['HostConfig'])?.message).toContain(problem);
  });

  it.each([
    [{ CpuQuota: -1 }, { NanoCpus: 5e8 }, 'negative CpuQuota'],
    [{ CpuPeriod: 1000 }, { CpuQuota: 100000, CpuPeriod: 100000 }, 'CPU limit 100 exceeds'],
    [{ CpuQuota: 200000 }, { CpuQuota: 50000, CpuPeriod: 100000 }, 'CPU limit 2 exceeds'],
  ])('update %j over %j is refused', (body, current, problem) => {
    expect(applyLimits(body as JsonObject, q, false, [], current)?.message).toContain(problem);
  });

  it('an update within the maximum, judged with the current values, passes', () => {
    expect(applyLimits({ CpuPeriod: 200000 }, q, false, [], { CpuQuota: 100000, CpuPeriod: 100000 })).toBeUndefined();
  });

  it('two updates at once are judged one after the other, each on the settings the other left', async () => {
    const hostConfig = { CpuQuota: 1000, CpuPeriod: 100000 };
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'running', hostConfig }]);
    // One gateway (one tenancy) receives both.
    const gateway = createTenancy({ daemon: d, spec: () => spec, groups: (id) => id.groups });
    const quota = admit('alice', 'POST', '/v1.41/containers/a1/update', { CpuQuota: 100000 }, d, gateway);
    const period = admit('alice', 'POST', '/v1.41/containers/a1/update', { CpuPeriod: 1000 }, d, gateway);
    const first = await quota;
    expect(first.kind).toBe('forward');
    // The daemon applies the first update before the second is judged.
    let secondDecided = false;
    void period.then(() => (secondDecided = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(secondDecided).toBe(false);
    hostConfig.CpuQuota = 100000;
    if (first.kind === 'forward') first.release?.();
    denied(await period, 'CPU limit 100 exceeds your maximum of 1');
  });

  it('through admission: an update with only CpuPeriod is judged against the container\'s quota', async () => {
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'running', hostConfig: { CpuQuota: 100000, CpuPeriod: 100000 } }]);
    denied(await admit('alice', 'POST', '/v1.41/containers/a1/update', { CpuPeriod: 1000 }, d), 'CPU limit 100 exceeds your maximum of 1');
  });
});

describe('#14 paused containers count against the running quota', () => {
  it('a start is refused when running plus paused reach the quota; unpausing is not a new start', async () => {
    const d = daemonWith([
      { id: 'a1', labels: alice, status: 'running' },
      { id: 'a2', labels: alice, status: 'paused' },
      { id: 'a3', labels: alice, status: 'exited' },
    ]);
    denied(await admit('alice', 'POST', '/v1.41/containers/a3/start', undefined, d), 'running-container quota reached (2 of 2 running)');
    expect((await admit('alice', 'POST', '/v1.41/containers/a2/unpause', undefined, d)).kind).toBe('forward');
  });

  it.each([
    // a2 is running: restarting it stops and starts it again, counted besides a1 (1 of 2).
    ['a2/restart', 'forward'],
    ['a2/start', 'forward'],
    ['a2/unpause', 'forward'],
    ['a3/restart', 'deny'],
    ['a3/start', 'deny'],
  ] as const)('%s is counted whatever the state (%s)', async (path, kind) => {
    const d = daemonWith([
      { id: 'a1', labels: alice, status: 'running' },
      { id: 'a2', labels: alice, status: 'running' },
      { id: 'a3', labels: alice, status: 'exited' },
    ]);
    expect((await admit('alice', 'POST', `/v1.41/containers/${path}`, undefined, d)).kind).toBe(kind);
  });

  it('a restart keeps its container counted until the daemon has answered, without holding the owner\'s lock meanwhile', async () => {
    const running = daemonWith([{ id: 'a1', labels: alice, status: 'running' }, { id: 'a2', labels: alice, status: 'running' }, { id: 'a3', labels: alice, status: 'exited' }]);
    // a1 between the restart's stop and its start, as the daemon lists it then.
    const stopped = daemonWith([{ id: 'a1', labels: alice, status: 'exited' }, { id: 'a2', labels: alice, status: 'running' }, { id: 'a3', labels: alice, status: 'exited' }]);
    let current: DaemonClient = running;
    const d: DaemonClient = { get: (path) => current.get(path) };
    const tenancy = createTenancy({ daemon: d, spec: () => spec, groups: (id) => id.groups });
    const restart = await admit('alice', 'POST', '/v1.41/containers/a1/restart', undefined, d, tenancy);
    if (restart.kind !== 'forward') throw new Error(JSON.stringify(restart));
    current = stopped;
    // Answered at once (no lock to wait for), and a1 still counts.
    denied(await admit('alice', 'POST', '/v1.41/containers/a3/start', undefined, d, tenancy), 'running-container quota reached (2 of 2 running)');
    restart.release?.();
    expect((await admit('alice', 'POST', '/v1.41/containers/a3/start', undefined, d, tenancy)).kind).toBe('forward');
  });

  it('an owner over the quota may still restart, start and unpause a container already live', async () => {
    const d = daemonWith([
      { id: 'a1', labels: alice, status: 'running' },
      { id: 'a2', labels: alice, status: 'paused' },
      { id: 'a4', labels: alice, status: 'running' },
    ]);
    for (const path of ['a1/restart', 'a1/start', 'a2/unpause']) {
      expect((await admit('alice', 'POST', `/v1.41/containers/${path}`, undefined, d)).kind, path).toBe('forward');
    }
  });

  it('a teammate\'s start counts against the container owner\'s running containers', async () => {
    const bob = { 'dockgate.owner': 'bob', 'dockgate.team': 'web' };
    const d = daemonWith([
      { id: 'b1', labels: bob, status: 'running' },
      { id: 'b2', labels: bob, status: 'running' },
      { id: 'b3', labels: bob, status: 'exited' },
      { id: 'a3', labels: alice, status: 'exited' },
    ]);
    denied(await admit('alice', 'POST', '/v1.41/containers/b3/start', undefined, d), 'running-container quota reached for bob, the container\'s owner (2 running; your running quota, the limit a start of yours is held to, is 2)');
    // alice's own count is untouched by bob's containers.
    expect((await admit('alice', 'POST', '/v1.41/containers/a3/start', undefined, d)).kind).toBe('forward');
  });
});

describe('#15 shared names are the admins\' to create', () => {
  it('volume and network creates of a shared name are refused; other networks get CheckDuplicate', async () => {
    denied(await admit('alice', 'POST', '/v1.41/volumes/create', { Name: 'shared-vol' }), '"shared-vol" is a shared name');
    denied(await admit('alice', 'POST', '/v1.41/networks/create', { Name: 'shared', CheckDuplicate: false }), '"shared" is a shared name');
    expect((await admit('root', 'POST', '/v1.41/networks/create', { Name: 'shared' })).kind).toBe('forward');
    const out = forwardedBody(await admit('alice', 'POST', '/v1.41/networks/create', { Name: 'mine', CheckDuplicate: false }));
    expect(out).toMatchObject({ Name: 'mine', CheckDuplicate: true, Labels: alice });
  });
});

describe('#1 container create checks the image like image inspect', () => {
  it('another tenant\'s image is refused; unowned and own images pass; a missing one gets dockerd\'s 404', async () => {
    denied(await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'cimg' }), 'image "cimg" belongs to another tenant');
    expect((await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox' })).kind).toBe('forward');
    expect((await admit('alice', 'POST', '/v1.41/containers/create', { image: 'aimg:1' })).kind).toBe('forward');
    const missing = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'nosuch' });
    expect(missing.kind === 'respond' && missing.status).toBe(404);
  });
  it('an image without an owner, when unowned: lists no images, is refused as having none (it said "belongs to another tenant")', async () => {
    const daemon = daemonWith();
    const noImages: TenancySpec = { ...spec, unowned: [] };
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox' }, daemon, createTenancy({ daemon, spec: () => noImages, groups: (id) => id.groups }));
    denied(v, 'image "busybox" has no owner, and tenancy lists no images in unowned: (images without an owner are usable by admins only)');
  });
});

describe('volumes without an owner (an image\'s VOLUME), named in binds as docker-compose does to recreate a service', () => {
  // dockerd names an anonymous volume with 64 hex digits; only such a volume is the caller's by use.
  const anon = (tag: string) => tag.padEnd(64, 'f');
  const [A, AB, AC, C, ADMIN, NONE] = ['a', 'ab', 'ac', 'c', 'ad', 'e'].map(anon) as [string, string, string, string, string, string];
  const d = () =>
    daemonWith(
      [
        { id: 'a1', labels: alice, status: 'exited', volumes: [A, 'ops-vol'] },
        { id: 'b1', labels: { 'dockgate.owner': 'bob', 'dockgate.team': 'web' }, status: 'exited', volumes: [AB] },
        { id: 'a2', labels: alice, status: 'exited', volumes: [AB, AC] },
        { id: 'c1', labels: carol, status: 'exited', volumes: [AC, C] },
        { id: 'r1', labels: {}, status: 'exited', volumes: [ADMIN] },
      ],
      Object.fromEntries([A, AB, AC, C, ADMIN, NONE, 'ops-vol'].map((v) => [`/volumes/${v}`, { Name: v, Labels: null }])),
    );
  it.each([
    ['used only by the caller\'s container', A, undefined],
    ['used by the caller\'s and a teammate\'s', AB, undefined],
    ['used by the caller\'s and another tenant\'s', AC, 'has no owner and is not only yours'],
    ['used only by another tenant\'s', C, 'has no owner and is not only yours'],
    ['used by a container without an owner (an admin\'s)', ADMIN, 'has no owner and is not only yours'],
    ['used by no container', NONE, 'has no owner and is not only yours'],
    // An admin's volume dropped from shared.volumes, still mounted by the caller's container.
    ['a named volume, used only by the caller\'s container', 'ops-vol', 'has no owner and is not shared'],
  ])('%s', async (_name, volume, refused) => {
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Binds: [`${volume}:/var/lib/data:rw`] } }, d());
    if (refused === undefined) expect(v.kind).toBe('forward');
    else denied(v, `volume "${volume}" (HostConfig.Binds) ${refused}`);
  });
  it('with unowned containers readable (unowned: [containers]), a volume an admin\'s container uses is still not the caller\'s', async () => {
    const daemon = d();
    const s2: TenancySpec = { ...spec, unowned: ['images', 'containers'] };
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Binds: [`${ADMIN}:/data`] } }, daemon, createTenancy({ daemon, spec: () => s2, groups: (id) => id.groups }));
    denied(v, `volume "${ADMIN}" (HostConfig.Binds) has no owner and is not only yours`);
  });
  it('a list the daemon refuses refuses the create with its answer', async () => {
    const base = d();
    const failing: DaemonClient = { get: (path) => (path.startsWith('/containers/json?') ? Promise.resolve({ status: 500, json: { message: 'boom' }, raw: Buffer.from('{"message":"boom"}'), contentType: 'application/json' }) : base.get(path)) };
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Binds: [`${A}:/data`] } }, failing);
    expect(v.kind === 'respond' && v.status).toBe(500);
  });
  it('a volume named many times is looked up once, and its users listed once', async () => {
    const daemon = d();
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Binds: [`${A}:/x`, `${A}:/y`], Mounts: [{ Type: 'volume', Source: A, Target: '/z' }] } }, daemon);
    expect(v.kind).toBe('forward');
    expect(daemon.paths.filter((p) => p.includes(A))).toHaveLength(2);
  });
});

describe('VolumesFrom: each named volume the source container mounts is checked as a -v of it would be', () => {
  const bob = { 'dockgate.owner': 'bob', 'dockgate.team': 'web' };
  const ANON = 'a0'.padEnd(64, 'f');
  const volume = (name: string) => ({ Type: 'volume', Name: name, Source: `/var/lib/docker/volumes/${name}/_data`, Destination: `/m/${name}` });
  const many = Array.from({ length: 300 }, (_, i) => `many-${i}`);
  const d = () =>
    daemonWith(
      [
        { id: 'a-own', labels: alice, status: 'exited', mounts: [volume('avol'), { Type: 'bind', Source: '/etc', Destination: '/e' }] },
        { id: 'a-own2', labels: alice, status: 'exited', mounts: [volume('avol')] },
        { id: 'a-shared', labels: alice, status: 'exited', mounts: [volume('shared-vol')] },
        { id: 'a-anon', labels: alice, status: 'exited', volumes: [ANON], mounts: [volume(ANON)] },
        { id: 'a-carol', labels: alice, status: 'exited', mounts: [volume('avol'), volume('cvol')] },
        { id: 'a-named', labels: alice, status: 'exited', volumes: ['ops-vol'], mounts: [volume('ops-vol')] },
        { id: 'a-many', labels: alice, status: 'exited', mounts: many.map(volume) },
        { id: 'b-alice', labels: bob, status: 'exited', mounts: [volume('avol')] },
      ],
      {
        '/volumes/avol': { Name: 'avol', Labels: alice },
        '/volumes/cvol': { Name: 'cvol', Labels: carol },
        '/volumes/shared-vol': { Name: 'shared-vol', Labels: null },
        '/volumes/ops-vol': { Name: 'ops-vol', Labels: null },
        [`/volumes/${ANON}`]: { Name: ANON, Labels: null },
        ...Object.fromEntries(many.map((v) => [`/volumes/${v}`, { Name: v, Labels: alice }])),
      },
    );
  // bob taken out of team web by a reload: his container still mounts alice's volume.
  const noWeb: TenancySpec = { ...spec, teams: ['data'] };
  const create = (user: string, volumesFrom: string[], legacy = false, s = spec) => {
    const daemon = d();
    const body = legacy ? { Image: 'busybox', VolumesFrom: volumesFrom } : { Image: 'busybox', HostConfig: { VolumesFrom: volumesFrom } };
    return admit(user, 'POST', '/v1.41/containers/create', body, daemon, createTenancy({ daemon, spec: () => s, groups: (id) => id.groups }));
  };
  it.each([
    ['own volumes (a bind beside them is left to the binds guard)', 'alice', ['a-own'], undefined],
    ['a shared volume', 'alice', ['a-shared:ro'], undefined],
    ['an anonymous volume only the caller\'s containers use', 'alice', ['a-anon'], undefined],
    ['a teammate\'s container mounting the team\'s volume', 'bob', ['a-own'], undefined],
    ['another tenant\'s volume, beside an own one', 'alice', ['a-carol'], 'volume "cvol" (mounted by container "a-carol" of HostConfig.VolumesFrom) belongs to another tenant'],
    ['an unowned named volume (an admin\'s, no longer shared)', 'alice', ['a-named'], 'volume "ops-vol" (mounted by container "a-named" of HostConfig.VolumesFrom) has no owner and is not shared'],
    ['one bad source among good ones', 'alice', ['a-own', 'a-carol:rw'], 'volume "cvol" (mounted by container "a-carol" of HostConfig.VolumesFrom) belongs to another tenant'],
  ])('%s', async (_name, user, from, refused) => {
    const v = await create(user, from);
    if (refused === undefined) expect(v.kind, JSON.stringify(v)).toBe('forward');
    else denied(v, refused);
  });
  it('a Links / PidMode reference to one\'s own container is not a VolumesFrom: its volumes are not checked', async () => {
    const daemon = d();
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Links: ['a-carol:db'], PidMode: 'container:a-carol' } }, daemon);
    expect(v.kind).toBe('forward');
  });
  it('the legacy top-level VolumesFrom (API < 1.24) is checked the same way', async () => {
    denied(await create('alice', ['a-carol'], true), 'volume "cvol" (mounted by container "a-carol" of VolumesFrom) belongs to another tenant');
  });
  it('after a reload took the team away, one\'s own old container no longer passes on the teammate\'s volume', async () => {
    expect((await create('bob', ['b-alice'])).kind).toBe('forward');
    denied(await create('bob', ['b-alice'], false, noWeb), 'volume "avol" (mounted by container "b-alice" of HostConfig.VolumesFrom) belongs to another tenant');
  });
  it('the look-ups stay bounded: sources\' volumes count towards the 256 distinct objects, each looked up once', async () => {
    const v = await create('alice', ['a-many']);
    expect(v.kind === 'deny' && [v.status, v.code]).toEqual([400, 'too-many-references']);
    denied(v, 'the body and the containers of its VolumesFrom name 301 containers, volumes and networks; at most 256 are checked');
    const daemon = d();
    expect((await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { VolumesFrom: ['a-own', 'a-own2'], Binds: ['avol:/x'] } }, daemon)).kind).toBe('forward');
    expect(daemon.paths.filter((p) => p === '/volumes/avol')).toHaveLength(1);
  });
});

describe('#2 #3 #4 tags owned by others cannot be re-pointed', () => {
  const d = () => daemonWith([{ id: 'a1', labels: alice, status: 'running' }]);
  it.each([
    ['tag with the tag inside repo', 'POST', '/v1.41/images/aimg:1/tag?repo=cimg:latest'],
    ['tag with an empty tag', 'POST', '/v1.41/images/aimg:1/tag?repo=cimg&tag='],
    ['tag replacing the tag in repo', 'POST', '/v1.41/images/aimg:1/tag?repo=cimg:other&tag=latest'],
    ['build -t', 'POST', '/v1.41/build?t=mine:1&t=cimg:latest'],
    ['build -t without a tag', 'POST', '/v1.41/build?t=cimg'],
    ['commit repo/tag', 'POST', '/v1.41/commit?container=a1&repo=cimg&tag=latest'],
    ['commit repo:tag', 'POST', '/v1.41/commit?container=a1&repo=cimg:latest'],
    ['import repo:tag', 'POST', '/v1.41/images/create?fromSrc=-&repo=cimg:latest'],
    ['import with an empty fromImage', 'POST', '/v1.41/images/create?fromImage=&fromSrc=-&repo=cimg&tag=latest'],
    ['build over an unowned base image', 'POST', '/v1.41/build?t=busybox:latest'],
  ])('%s', async (name, method, target) => {
    denied(await admit('alice', method, target, undefined, d()), name.includes('unowned') ? 'names an image that has no owner, outside a repository of yours; a tenancy admin can remove or re-tag it' : 'belongs to another tenant');
  });

  it('own and new tags pass; a lookup that is not a clean 404 refuses; pulling every tag is refused', async () => {
    expect((await admit('alice', 'POST', '/v1.41/images/aimg:1/tag?repo=aimg&tag=1', undefined, d())).kind).toBe('forward');
    expect((await admit('alice', 'POST', '/v1.41/commit?container=a1&repo=newimg', undefined, d())).kind).toBe('forward');
    denied(await admit('alice', 'POST', '/v1.41/images/aimg:1/tag?repo=broken&tag=1', undefined, d()), 'cannot check who owns tag "broken:1" (the daemon answered 500)');
    denied(await admit('alice', 'POST', '/v1.41/images/create?fromImage=busybox', undefined, d()), 'name a tag');
  });

  it.each([
    ['tag into another tenant\'s repository', 'POST', '/v1.41/images/aimg:1/tag?repo=cimg&tag=zz', "another tenant's image (cimg:latest): tag into a repository of your own"],
    ['commit into it', 'POST', '/v1.41/commit?container=a1&repo=cimg:zz', "another tenant's image (cimg:latest)"],
    ['import into it', 'POST', '/v1.41/images/create?fromSrc=-&repo=docker.io/library/cimg&tag=zz', "another tenant's image (cimg:latest)"],
    ['build into it', 'POST', '/v1.41/build?t=aimg:2&t=cimg:zz', "another tenant's image (cimg:latest)"],
    // Said as what it is (revten F2): the image is nobody's, not another tenant's.
    ['tag into an unowned repository', 'POST', '/v1.41/images/aimg:1/tag?repo=busybox&tag=mine', 'an image that has no owner (busybox:latest): a repository of images without an owner only takes no tags with an owner: tag into a repository of your own'],
  ])('%s: a new tag may not join a repository holding an image the caller may not change', async (_name, method, target, stranger) => {
    denied(await admit('alice', method, target, undefined, d()), `would join a repository that holds ${stranger}`);
  });

  it('a new tag may join a repository of one\'s own or the team\'s; a pull\'s tag (no owner) may join unowned images; a list that fails refuses', async () => {
    expect((await admit('alice', 'POST', '/v1.41/images/aimg:1/tag?repo=aimg&tag=2', undefined, d())).kind).toBe('forward');
    expect((await admit('bob', 'POST', '/v1.41/images/aimg:1/tag?repo=aimg&tag=bob', undefined, d())).kind).toBe('forward');
    expect((await admit('alice', 'POST', '/v1.41/images/create?fromImage=busybox&tag=1.36', undefined, d())).kind).toBe('forward');
    const failing: DaemonClient = { get: (path) => (path === '/images/json' ? Promise.resolve({ status: 500, json: {}, raw: Buffer.from('{}'), contentType: 'application/json' }) : d().get(path)) };
    denied(await admit('alice', 'POST', '/v1.41/images/aimg:1/tag?repo=aimg&tag=2', undefined, failing), 'cannot check who owns the repository of tag "aimg:2" (the daemon answered 500)');
  });

  it('a refused tag is quoted without URL credentials or query values (the reason is audited)', async () => {
    for (const [target, shown] of [
      ['/v1.41/images/aimg:1/tag?repo=broken%3Ftoken%3DSEKRET30&tag=1', 'broken?token=***:1'],
      ['/v1.41/images/aimg:1/tag?repo=broken&tag=1%3Fsig%3DSEKRET31', 'broken:1?sig=***'],
      ['/v1.41/images/create?fromImage=broken/https://SEKRET32@registry.invalid/img&tag=v1', 'broken/https://***:v1'],
    ] as const) {
      const v = await admit('alice', 'POST', target, undefined, d());
      denied(v, `cannot check who owns tag "${shown}"`);
      expect(JSON.stringify(v)).not.toContain('SEKRET');
    }
  });

  it.each([
    ['cimg', undefined, 'cimg:latest'],
    ['cimg:1', '', 'cimg:1'],
    ['cimg:1', '2', 'cimg:2'],
    ['localhost:5000/x', undefined, 'localhost:5000/x:latest'],
    ['localhost:5000/x:3', undefined, 'localhost:5000/x:3'],
    ['x@sha256:abc', '', undefined],
    ['x', 'sha256:abc', undefined],
    ['', 'latest', undefined],
  ])('tagReference(%j, %j)', (repo, tag, want) => {
    expect(tagReference(repo, tag)).toBe(want);
  });
});

describe('revten F2, pullrepo, repoown: a pull (its image has no owner) may not join a repository holding an image with an owner the caller may not change, by tag or by digest', () => {
  const REG = '127.0.0.1:42412/carolapp';
  const D = `sha256:${'d'.repeat(64)}`;
  const image = (labels: Record<string, string>, tags: string[], digests: string[] = []) => ({ Id: `sha256:${tags[0] ?? digests[0]}`, RepoTags: tags, RepoDigests: digests, Config: { Labels: labels } });
  const d = () => daemonWith([], {
    '/images/json': [
      image(carol, ['cimg:latest']),
      image(alice, ['aimg:1']),
      image({}, ['busybox:latest']),
      image(carol, [`${REG}:v1`]),
      // Labelled alice's with team data: the classic builder's between-steps image, or made before a team change.
      image({ 'dockgate.owner': 'alice', 'dockgate.team': 'data' }, ['amixed:1']),
      // A repository holding only images pulled before (a tag and a digest, no owner).
      image({}, ['pulled:1'], [`pulled@sha256:${'e'.repeat(64)}`]),
    ],
  });
  const pull = (ref: string, tag: string) => `/v1.41/images/create?fromImage=${encodeURIComponent(ref)}&tag=${tag}`;
  const others = "a pull may not add an image without an owner to another tenant's repository: pull it under a repository name that holds no other tenant's images";
  it.each([
    ['alice into carol\'s registry repository', 'alice', pull(REG, 'zz'), `tag "${REG}:zz" would join a repository that holds another tenant's image (${REG}:v1): ${others}`],
    ['alice into carol\'s local repository, named in full', 'alice', pull('docker.io/library/cimg', 'zz'), "would join a repository that holds another tenant's image (cimg:latest)"],
    ['bob into it (another team\'s)', 'bob', pull('cimg', '2'), "would join a repository that holds another tenant's image (cimg:latest)"],
    ['carol into alice\'s repository', 'carol', pull('aimg', '2'), "would join a repository that holds another tenant's image (aimg:1)"],
    ['alice into her image labelled with another team', 'alice', pull('amixed', '2'), 'would join a repository that holds an image labelled yours but with team "data", not your own team\'s label (amixed:1)'],
    // A pull by digest tags nothing but adds name@digest, which puts the image in the repository (imgday F1, diffrev F1).
    ['alice by digest into carol\'s repository (fromImage=R@digest)', 'alice', pull(`${REG}@${D}`, ''), `reference "${REG}@${D}" would join a repository that holds another tenant's image (${REG}:v1): ${others}`],
    ['alice by digest into it (tag=digest, as docker pull R@digest sends it)', 'alice', pull(REG, D), `reference "${REG}@${D}" would join a repository that holds another tenant's image (${REG}:v1): ${others}`],
    ['alice by digest into it (fromImage=R:tag@digest)', 'alice', pull(`${REG}:v9@${D}`, ''), `reference "${REG}@${D}" would join a repository that holds another tenant's image (${REG}:v1)`],
    ['bob by digest into cimg, named in full', 'bob', pull('docker.io/library/cimg', D), "reference \"docker.io/library/cimg@" + D + "\" would join a repository that holds another tenant's image (cimg:latest)"],
  ])('%s: refused', async (_name, user, target, text) => {
    const v = await admit(user, 'POST', target, undefined, d());
    expect(v.kind === 'deny' && [v.status, v.code]).toEqual([403, 'not-owner']);
    denied(v, text);
  });
  it.each([
    ['into a repository of unowned images (pulls of a public image go together)', 'alice', pull('busybox', '1.36')],
    ['into a repository of pulled tags and digests only', 'carol', pull('pulled', '2')],
    ['by digest into a repository of unowned images', 'alice', pull('busybox', D)],
    ['by digest into a repository of pulled tags and digests only', 'alice', pull(`pulled@${D}`, '')],
    ['into a new repository', 'alice', pull(`127.0.0.1:42412/aliceapp`, 'v1')],
    ['by digest into a new repository (fromImage=R@digest)', 'alice', pull(`127.0.0.1:42412/aliceapp@${D}`, '')],
    ['by digest into a new repository (tag=digest)', 'alice', pull('127.0.0.1:42412/aliceapp', D)],
    // The caller's own and the team's images never stop a pull (repoown: f6b439b refused them, locking teams out of pulling their pushed images back).
    ['carol into her own repository', 'carol', pull(REG, 'v2')],
    ['bob into the team\'s repository', 'bob', pull('aimg', '2')],
    ['alice over her own tag', 'alice', pull('aimg', '1')],
    ['carol by digest into her own repository', 'carol', pull(REG, D)],
    ['by an admin, into a new repository', 'root', pull('127.0.0.1:42412/adminapp', 'zz')],
    ['by an admin, by digest, into a repository of unowned images', 'root', pull('busybox', D)],
  ])('%s: forwarded', async (_name, user, target) => {
    expect((await admit(user, 'POST', target, undefined, d())).kind).toBe('forward');
  });
  it('a digest pull whose repository cannot be listed is refused, its reference shown without URL credentials (the reason is audited)', async () => {
    const failing: DaemonClient = { get: (path) => (path === '/images/json' ? Promise.resolve({ status: 500, json: {}, raw: Buffer.from('{}'), contentType: 'application/json' }) : d().get(path)) };
    denied(await admit('alice', 'POST', pull('app', D), undefined, failing), `cannot check who owns the repository of reference "app@${D}" (the daemon answered 500)`);
    const v = await admit('alice', 'POST', pull(`broken/https://SEKRET40@registry.invalid/img@${D}`, ''), undefined, failing);
    denied(v, 'cannot check who owns the repository of reference "broken/https://***');
    expect(JSON.stringify(v)).not.toContain('SEKRET');
  });
});

describe('revten F1: an import from a URL is an admin\'s (dockerd downloads it with no way to cancel, holding its tag)', () => {
  it.each([
    ['an http URL', '/v1.41/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A42411%2Fy.tar&repo=redis&tag=7'],
    ['a URL without a scheme (dockerd adds http://), with a token', '/v1.41/images/create?fromSrc=x.invalid%2Fa.tar%3Ftoken%3DSEKRET40&repo=squat&tag=1'],
    ['an empty fromImage beside it', '/v1.41/images/create?fromImage=&fromSrc=https%3A%2F%2FSEKRET41%40example.invalid%2Fi.tar&repo=app'],
    ['no fromSrc (dockerd fetches http://)', '/v1.41/images/create?repo=app&tag=1'],
    ['an empty fromSrc', '/v1.41/images/create?fromSrc=&repo=app&tag=1'],
    ['a URL whose userinfo is a dash (dockerd fetches http://-@host/...)', '/v1.41/images/create?fromSrc=-%40x.invalid%2Fi.tar&repo=app&tag=1'],
    ['a second fromSrc=- after a URL (the first counts, as in Go)', '/v1.41/images/create?fromSrc=http%3A%2F%2Fx.invalid%2Fi.tar&fromSrc=-&repo=app'],
  ])('%s: refused to a tenant, without quoting it', async (_name, target) => {
    const v = await admit('alice', 'POST', target);
    expect(v.kind === 'deny' && [v.status, v.code]).toEqual([403, 'admin-only']);
    denied(v, 'an import from a URL (fromSrc other than "-") is refused: dockerd downloads it with no way to cancel it');
    expect(JSON.stringify(v)).not.toContain('SEKRET');
  });
  it.each([
    ['an upload by a tenant', 'alice', '/v1.41/images/create?fromSrc=-&repo=app&tag=1'],
    ['a URL import by an admin', 'root', '/v1.41/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A42411%2Fy.tar&repo=redis&tag=7'],
    ['a pull with a stray fromSrc (dockerd pulls and ignores it)', 'alice', '/v1.41/images/create?fromImage=busybox&tag=1.36&fromSrc=http%3A%2F%2Fx.invalid%2Fi.tar'],
  ])('%s: forwarded', async (_name, user, target) => {
    expect((await admit(user, 'POST', target)).kind).toBe('forward');
  });
});

describe('#8 network references are pinned to the IDs they resolved to', () => {
  it.each([
    [{ HostConfig: { NetworkMode: 'anet' } }, { anet: { NetworkID: ANET } }],
    // A name that is an ID prefix today may name another network at start: pinned.
    [{ HostConfig: { NetworkMode: ANET.slice(0, 6) } }, { [ANET.slice(0, 6)]: { NetworkID: ANET } }],
    [{ HostConfig: { NetworkMode: 'anet' }, NetworkingConfig: { EndpointsConfig: { anet: { Aliases: ['web'] } } } }, { anet: { Aliases: ['web'], NetworkID: ANET } }],
    [{ NetworkingConfig: { EndpointsConfig: { anet: {} } } }, { anet: { NetworkID: ANET } }],
  ])('%j', async (body, endpoints) => {
    const out = forwardedBody(await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', ...body }));
    expect(out.NetworkingConfig).toEqual({ EndpointsConfig: endpoints });
  });
});

describe('#9 builds: networkmode and limits', () => {
  const d = () => daemonWith([{ id: 'c1', labels: carol, status: 'running' }, { id: 'a1', labels: alice, status: 'running' }]);
  it.each([
    ['/v1.41/build?networkmode=cnet', 'network "cnet" (networkmode) belongs to another tenant'],
    ['/v1.41/build?networkmode=container:c1', 'container "c1" (networkmode) belongs to another tenant'],
    ['/v1.41/build?networkmode=host', 'host network'],
    ['/v1.41/build?memory=8589934592', 'build memory limit 8589934592 bytes exceeds'],
    ['/v1.41/build?cpuquota=-1', 'negative cpuquota'],
    ['/v1.41/build?cpuquota=100000&cpuperiod=1000', 'build CPU limit 100 exceeds'],
    ['/v1.41/build?pull=1&t=mine:1', 'docker build --pull with the classic builder re-tags'],
    ['/v1.41/build?pull=true&version=1', 'docker build --pull with the classic builder re-tags'],
    ['/v1.41/build?pull=%C2%A0no', 'the value of "pull"'],
  ])('%s is refused', async (target, text) => {
    denied(await admit('alice', 'POST', target, undefined, d()), text);
  });

  it.each([['/v1.41/build?pull=0&t=mine:1'], ['/v1.41/build?pull=false']])('%s (no classic-builder pull) is forwarded', async (target) => {
    expect((await admit('alice', 'POST', target, undefined, d())).kind).toBe('forward');
  });

  it('BuildKit only with buildkit: true, and then no exporter that names images', async () => {
    denied(await admit('alice', 'POST', '/v1.41/build?version=2&t=mine:1', undefined, d()), 'BuildKit builds are not allowed for tenants here');
    const daemon = d();
    const withBuildkit = createTenancy({ daemon, spec: () => ({ ...spec, buildkit: true }), groups: (id) => id.groups });
    const as = (target: string) => admit('alice', 'POST', target, undefined, daemon, withBuildkit);
    expect((await as('/v1.41/build?version=2&pull=1&t=mine:1')).kind).toBe('forward');
    const outputs = (o: unknown) => `/v1.41/build?version=2&outputs=${encodeURIComponent(JSON.stringify(o))}`;
    denied(await as(outputs([{ Type: 'moby', Attrs: { name: 'cimg:latest' } }])), 'query outputs[0] type "moby" would name or push images');
    denied(await as(outputs([{ type: 'image', attrs: { name: 'busybox:latest', push: 'true' } }])), 'would name or push images');
    expect((await as(outputs([{ Type: 'local', Attrs: { dest: '/out' } }]))).kind).toBe('forward');
  });

  // squash makes dockerd write a second image the result check could miss (rev-fix-lists F2):
  // refused for BuildKit builds, as dockerd's BoolValue reads it; classic builds unchanged.
  it.each([
    ['/v1.41/build?version=2&squash=1&t=mine:1', 'build-squash'],
    ['/v1.41/build?version=2&squash=true', 'build-squash'],
    ['/v1.41/build?version=2&squash=%20Yes%20', 'build-squash'],
    ['/v1.41/build?version=2&squash=1&squash=0', 'build-squash'],
    ['/v1.29/build?version=2&squash=1', 'build-squash'],
    ['/v1.41/build?version=2&squash=%C3%A9', 'bad-query'],
    ['/v1.41/build?version=2&squash=0&squash=1', 'forward'],
    ['/v1.41/build?version=2&squash=false', 'forward'],
    ['/v1.41/build?version=2&squash=', 'forward'],
    ['/v1.41/build?squash=1&t=mine:1', 'forward'],
  ])('BuildKit squash: %s -> %s', async (target, want) => {
    const daemon = d();
    const withBuildkit = createTenancy({ daemon, spec: () => ({ ...spec, buildkit: true }), groups: (id) => id.groups });
    const v = await admit('alice', 'POST', target, undefined, daemon, withBuildkit);
    if (want === 'forward') expect(v.kind, JSON.stringify(v)).toBe('forward');
    else expect(v).toMatchObject({ kind: 'deny', status: want === 'bad-query' ? 400 : 403, code: want });
  });

  it('own networks and containers are pinned; defaults are injected', async () => {
    const v = await admit('alice', 'POST', '/v1.41/build?networkmode=anet&t=mine:1', undefined, d());
    expect(v.kind).toBe('forward');
    const q = new URL(v.kind === 'forward' ? (v.target ?? '') : '', 'http://x').searchParams;
    expect([q.get('networkmode'), q.get('memory'), q.get('cpuquota')]).toEqual([ANET, String(64 * 2 ** 20), '50000']);
    const c = await admit('alice', 'POST', '/v1.41/build?networkmode=container:a1&memory=1000000&cpuquota=20000', undefined, d());
    const qc = new URL(c.kind === 'forward' ? (c.target ?? '') : '', 'http://x').searchParams;
    expect([qc.get('networkmode'), qc.get('memory'), qc.get('cpuquota')]).toEqual([`container:${'a1'.padEnd(64, '0')}`, '1000000', '20000']);
  });

  it('query integers are read as dockerd reads them (unparseable = 0 = unlimited, so the default applies)', () => {
    expect(goInt64('+5')).toBe(5);
    expect(goInt64('0x10')).toBe(0);
    // int64's range, exactly (rev-fix-cli F7): 2^63 is out of it, and 0 for dockerd.
    expect(goInt64('9223372036854775807')).toBe(2 ** 63);
    expect(goInt64('9223372036854775808')).toBe(0);
    expect(goInt64('-9223372036854775808')).toBe(-(2 ** 63));
    expect(goInt64('-9223372036854775809')).toBe(0);
    expect(buildLimits({ memswap: '9223372036854775808' }, { memory: 100 })).toHaveProperty('query');
    expect(goInt64(' 5')).toBe(0);
    expect(buildLimits({ memory: '1e12' }, { memory: 100, defaultMemory: 50 })).toEqual({ query: { memory: '50' } });
  });

  // --memory-swap of a build: memory plus swap for each RUN step (rev-tenread F2).
  it.each([
    ['not set', {}, undefined],
    ['-1 (unlimited swap)', { memswap: '-1' }, 'unlimited swap (build memswap -1) is not allowed under a memory quota'],
    ['twice the maximum', { memswap: '200' }, undefined],
    ['above twice the maximum', { memswap: '201' }, 'exceeds twice your memory maximum'],
    ['unparseable: 0 for dockerd, its default', { memswap: '-1x' }, undefined],
  ])('build memswap %s', (_n, query, problem) => {
    const r = buildLimits(query, { memory: 100 });
    if (problem) expect('problem' in r ? r.problem : '').toContain(problem);
    else expect(r).toHaveProperty('query');
  });
});

describe('a tenant\'s classic build removes its RUN containers, a failed step\'s included (rev-build F4)', () => {
  const FORCED = { rm: '1', forcerm: '1' };
  it.each([
    // dockerd reads forcerm with BoolValue: first value, trimmed, lower-cased.
    ['nothing sent', {}, FORCED_REMOVAL_NOTE],
    ['the CLI default (rm=1, forcerm=0)', { rm: '1', forcerm: '0' }, FORCED_REMOVAL_NOTE],
    ['--rm=false --force-rm=false', { rm: '0', forcerm: '0' }, FORCED_REMOVAL_NOTE],
    ['forcerm=false', { forcerm: 'false' }, FORCED_REMOVAL_NOTE],
    ['forcerm=" None "', { forcerm: ' None ' }, FORCED_REMOVAL_NOTE],
    ['forcerm empty', { forcerm: '' }, FORCED_REMOVAL_NOTE],
    ['forcerm=1', { rm: '0', forcerm: '1' }, undefined],
    ['forcerm=" TRUE "', { forcerm: ' TRUE ' }, undefined],
    ['forcerm=anything', { forcerm: 'x' }, undefined],
  ])('%s', (_name, query, note) => {
    expect(classicRemoval(query)).toEqual(note === undefined ? { query: FORCED } : { query: FORCED, note });
  });

  const formAdmit = (target: string, form: string) => {
    const raw = Buffer.from(form);
    const facts = buildFacts({ method: 'POST', rawTarget: target, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: raw });
    const daemon = daemonWith();
    return createTenancy({ daemon, spec: () => spec, groups: (id) => id.groups }).admit({ identity: identity('alice', ['web']), facts, body: raw, method: 'POST', target });
  };
  const forwarded = async (target: string, form?: string) => {
    const v = form === undefined ? await admit('alice', 'POST', target, undefined, daemonWith()) : await formAdmit(target, form);
    expect(v.kind).toBe('forward');
    if (v.kind !== 'forward') throw new Error('not forwarded');
    const q = new URL(v.target ?? '', 'http://x').searchParams;
    return { rm: q.getAll('rm'), forcerm: q.getAll('forcerm'), note: v.note };
  };
  it.each([
    ['/v1.41/build?t=mine:1&rm=1&forcerm=0'],
    ['/v1.41/build?rm=0&forcerm=0'],
    // Repeated keys: dockerd reads the first; every value is replaced.
    ['/v1.41/build?forcerm=0&forcerm=1&rm=false&rm=1'],
    ['/v1.41/build?version=1&rm=0'],
    ['/v1.41/build?networkmode=none&rm=0&forcerm=0'],
  ])('%s is forwarded with rm=1 and forcerm=1 only, and the record says so', async (target) => {
    expect(await forwarded(target)).toEqual({ rm: ['1'], forcerm: ['1'], note: FORCED_REMOVAL_NOTE });
  });
  it('a build that forces removal itself has no note', async () => {
    expect(await forwarded('/v1.41/build?rm=0&forcerm=1')).toEqual({ rm: ['1'], forcerm: ['1'], note: undefined });
  });
  it('form-body values are replaced too', async () => {
    expect(await forwarded('/v1.41/build?t=mine:1', 'rm=0&forcerm=0')).toEqual({ rm: ['1'], forcerm: ['1'], note: FORCED_REMOVAL_NOTE });
    // ... and the form body is forwarded empty, so it cannot override the query.
    const v = await formAdmit('/v1.41/build?t=mine:1', 'forcerm=0');
    expect(v.kind === 'forward' ? v.body?.length : undefined).toBe(0);
  });
  it('a BuildKit build (which makes no RUN containers) is not changed', async () => {
    const daemon = daemonWith();
    const withBuildkit = createTenancy({ daemon, spec: () => ({ ...spec, buildkit: true }), groups: (id) => id.groups });
    const v = await admit('alice', 'POST', '/v1.41/build?version=2&rm=0&forcerm=0', undefined, daemon, withBuildkit);
    expect(v.kind).toBe('forward');
    if (v.kind !== 'forward') return;
    const q = new URL(v.target ?? '', 'http://x').searchParams;
    expect([q.getAll('rm'), q.getAll('forcerm'), v.note]).toEqual([['0'], ['0'], undefined]);
  });
  it('an admin\'s build is forwarded unchanged', async () => {
    const v = await admit('root', 'POST', '/v1.41/build?rm=0&forcerm=0');
    expect(v.kind).toBe('forward');
    if (v.kind === 'forward') expect(v.target).toBeUndefined();
  });
});

describe('the classic --pull refusal points only to what the policy allows (review3 F4)', () => {
  const withSpec = (buildkit: boolean | undefined) => {
    const daemon = daemonWith();
    const tenancy = createTenancy({ daemon, spec: () => (buildkit === undefined ? spec : { ...spec, buildkit }), groups: (id) => id.groups });
    return (target: string) => admit('alice', 'POST', target, undefined, daemon, tenancy);
  };
  const REFUSAL = 'docker build --pull with the classic builder re-tags the base images it pulls, over tags that may be another tenant\'s: ';
  it.each([
    ['buildkit unset', undefined, '/v1.41/build?pull=1&t=mine:1', 'build without --pull (missing base images are still pulled; refreshing one that exists is an admin\'s job)'],
    ['buildkit: false', false, '/v1.41/build?pull=true&version=1', 'build without --pull (missing base images are still pulled; refreshing one that exists is an admin\'s job)'],
    ['buildkit: true', true, '/v1.41/build?pull=1', 'build without --pull (missing base images are still pulled), or with BuildKit (DOCKER_BUILDKIT=1), which tags nothing it pulls'],
  ])('%s', async (_name, buildkit, target, instead) => {
    const v = await withSpec(buildkit)(target);
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'build-pull' });
    if (v.kind !== 'deny') return;
    expect(v.message).toBe(`dockgate: denied ImageBuild for alice: ${REFUSAL}${instead}`);
    if (buildkit !== true) expect(v.message).not.toMatch(/BuildKit|docker pull/);
  });
});

describe('a tenant\'s build-cache prune is answered by the gateway: nothing of theirs to remove (review3 F5)', () => {
  it.each([
    ['docker system prune (28.x)', '/v1.41/build/prune?filters=%7B%7D'],
    ['docker builder prune -a', '/v1.41/build/prune?all=1'],
    ['with filters', '/v1.41/build/prune?filters=%7B%22until%22%3A%5B%2224h%22%5D%7D'],
  ])('%s', async (_name, target) => {
    const d = daemonWith();
    const v = await admit('alice', 'POST', target, undefined, d);
    expect(v.kind).toBe('respond');
    if (v.kind !== 'respond') return;
    // What dockerd answers when it deleted nothing (Go encodes the nil slice as null).
    expect(v.status).toBe(200);
    expect(v.body.toString()).toBe('{"CachesDeleted":null,"SpaceReclaimed":0}\n');
    expect(v.headers).toEqual({ 'Content-Type': 'application/json', 'Content-Length': String(v.body.length) });
    expect(d.paths).toEqual([]);
    // The audit record must not read as if the daemon pruned anything.
    expect(v.note).toBe("answered by the gateway, not forwarded: the build cache is no tenant's, nothing was deleted");
  });

  it('an admin\'s prune is forwarded; cancelling a build stays admin-only', async () => {
    expect((await admit('root', 'POST', '/v1.41/build/prune')).kind).toBe('forward');
    denied(await admit('alice', 'POST', '/v1.41/build/cancel?id=x'), 'BuildCancel affects every tenant: only tenancy admins may run it');
    denied(await admit('alice', 'POST', '/v1.41/images/load'), 'ImageLoad affects every tenant: only tenancy admins may run it; ask a tenancy admin to load it, or push and pull it through a registry');
  });
});

describe('save and push act on every image the name stands for', () => {
  // alice has myapp:latest, carol myapp:v1 in the same repository; busybox is unowned.
  const mine = { Id: 'sha256:aa', RepoTags: ['myapp:latest'], RepoDigests: [], Labels: alice };
  const hers = { Id: 'sha256:cc', RepoTags: ['myapp:v1'], RepoDigests: ['myapp@sha256:' + 'c'.repeat(64)], Labels: carol };
  const base = { Id: 'sha256:bb', RepoTags: ['busybox:latest'], RepoDigests: [], Labels: null };
  const layer = { Id: 'sha256:dd', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Labels: alice };
  const d = () =>
    daemonWith([], {
      '/images/json': [mine, hers, base, layer],
      '/images/myapp/json': { ...mine, Config: { Labels: alice } },
      '/images/myapp:latest/json': { ...mine, Config: { Labels: alice } },
      '/images/myapp:v1/json': { ...hers, Config: { Labels: carol } },
      '/images/solo/json': { Id: 'sha256:ee', RepoTags: ['solo:latest'], Config: { Labels: alice } },
    });
  const every = '(myapp stands for every tag of the repository)';
  it.each([
    ['save of a bare name', 'GET', '/v1.41/images/get?names=myapp', `image "myapp:v1" belongs to another tenant ${every}`],
    ['image get of a bare name', 'GET', '/v1.41/images/myapp/get', `image "myapp:v1" belongs to another tenant ${every}`],
    ['save of the same repository spelled in full', 'GET', '/v1.41/images/get?names=solo&names=docker.io/library/myapp', 'image "myapp:v1" belongs to another tenant'],
    ['push of one of one\'s own tags with ?tag= naming another tenant\'s', 'POST', '/v1.41/images/myapp:latest/push?tag=v1', 'image "myapp:v1" belongs to another tenant'],
    ['push of a bare name (every tag)', 'POST', '/v1.41/images/myapp/push?tag=', `image "myapp:v1" belongs to another tenant ${every}`],
    ['push of an unowned base', 'POST', '/v1.41/images/busybox/push?tag=latest', 'image "busybox:latest" has no owner: tenants may use it, not export or push it; a tenancy admin can remove or re-tag it'],
  ])('%s is refused', async (_name, method, target, message) => {
    denied(await admit('alice', method, target, undefined, d()), message);
  });
  it.each([
    ['save of one\'s own tag', 'GET', '/v1.41/images/get?names=myapp:latest'],
    ['image get of one\'s own tag', 'GET', '/v1.41/images/myapp:latest/get'],
    ['push of one\'s own tag', 'POST', '/v1.41/images/myapp/push?tag=latest'],
    ['save of a repository that is all one\'s own', 'GET', '/v1.41/images/get?names=solo'],
  ])('%s is forwarded', async (_name, method, target) => {
    expect((await admit('alice', method, target, undefined, d())).kind).toBe('forward');
  });
  it('carol may save the repository only once it holds nothing of alice\'s', async () => {
    denied(await admit('carol', 'GET', '/v1.41/images/get?names=myapp', undefined, d()), 'image "myapp:latest" belongs to another tenant');
    expect((await admit('carol', 'GET', '/v1.41/images/get?names=myapp:v1', undefined, d())).kind).toBe('forward');
  });
  it('a name with no tags in the list is looked up as dockerd does (an ID prefix): the daemon\'s 404 passes on', async () => {
    const v = await admit('alice', 'GET', '/v1.41/images/get?names=nothere', undefined, d());
    expect(v.kind === 'respond' && v.status).toBe(404);
  });
});

describe('new names go only to one\'s own images', () => {
  it('an unowned image (a pulled base) cannot be tagged: the name would be what others run', async () => {
    denied(await admit('alice', 'POST', '/v1.41/images/busybox/tag?repo=postgres&tag=16'), 'image "busybox" has no owner: tenants may use it, not change or rename it; a tenancy admin can remove or re-tag it');
    denied(await admit('alice', 'POST', '/v1.41/images/cimg/tag?repo=mine&tag=1'), 'image "cimg" belongs to another tenant');
    expect((await admit('alice', 'POST', '/v1.41/images/aimg:1/tag?repo=anew&tag=1')).kind).toBe('forward');
    // Using it stays allowed.
    expect((await admit('alice', 'GET', '/v1.41/images/busybox/json')).kind).toBe('forward');
  });
});

describe('#12 untagged, unlabelled images (build layers) are not unowned', () => {
  const layer = { Id: 'sha256:fef3938f085e', RepoTags: [], RepoDigests: [], Config: { Labels: null } };
  const pinned = { Id: 'sha256:0123456789ab', RepoTags: [], RepoDigests: ['busybox@sha256:abcd'], Config: { Labels: null } };
  const d = () => daemonWith([], { '/images/fef3938f085e/json': layer, '/images/0123456789ab/json': pinned });
  it('a build layer can be neither run nor inspected; an image pulled by digest can', async () => {
    denied(await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'fef3938f085e' }, d()), 'image "fef3938f085e" has no owner and no tag (a build\'s intermediate image, or one whose tag was moved): usable by admins only');
    denied(await admit('alice', 'GET', '/v1.41/images/fef3938f085e/json', undefined, d()), 'image "fef3938f085e" has no owner');
    expect((await admit('alice', 'POST', '/v1.41/containers/create', { Image: '0123456789ab' }, d())).kind).toBe('forward');
  });

  it('image lists hide them (dockerd lists them as <none>:<none>)', async () => {
    const list = [
      { Id: 'sha256:1', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Labels: null },
      { Id: 'sha256:2', RepoTags: ['busybox:latest'], RepoDigests: [], Labels: null },
    ];
    const daemon: DaemonClient = { get: () => Promise.resolve({ status: 200, json: list, raw: Buffer.from(JSON.stringify(list)), contentType: 'application/json' }) };
    const v = await admit('alice', 'GET', '/v1.41/images/json?all=1', undefined, daemon);
    expect(v.kind === 'respond' && JSON.parse(v.body.toString()).map((i: { Id: string }) => i.Id)).toEqual(['sha256:2']);
  });
});

describe('docker rm --link: the link is removed from the parent, found by its exact name', () => {
  const A1 = 'a1'.padEnd(64, '0');
  const d = () => daemonWith([{ id: 'a1', labels: alice, status: 'running' }, { id: 'c1', labels: carol, status: 'running' }]);
  it.each([
    ['a1/db'],
    ['a1/db?link=yes&force=1'],
  ])('unlinking from one\'s own container (%s) goes on unchanged', async (name) => {
    const target = `/v1.41/containers/${name.includes('?') ? name : `${name}?link=1`}`;
    const v = await admit('alice', 'DELETE', target, undefined, d());
    expect(v.kind, JSON.stringify(v)).toBe('forward');
    if (v.kind === 'forward') expect(v.target).toBeUndefined();
  });
  it.each([
    ['another tenant\'s parent', 'c1/db?link=1', 'link "c1/db" belongs to container "c1" of another tenant'],
    ['a parent that does not exist', 'x9/db?link=true', 'no container named "x9" of yours'],
    ['a parent named by an ID prefix, which dockerd does not look up', `${A1.slice(0, 12)}/db?link=1`, `no container named "${A1.slice(0, 12)}" of yours`],
  ])('%s is refused', async (_n, rest, message) => {
    denied(await admit('alice', 'DELETE', `/v1.41/containers/${rest}`, undefined, d()), message);
  });
  // Before tenancy: the facts stage refuses a link name unless `link` reads as true (rev-redteam F2, link-name.ts).
  it('a link value read differently with Unicode trimming is refused before tenancy, as a link name', async () => {
    await expect(admit('alice', 'DELETE', '/v1.41/containers/a1/db?link=%C2%A0no', undefined, d())).rejects.toMatchObject({ code: 'link-name' });
  });
  it.each([
    ['link=0', 'a1?link=0'],
    ['no link', 'a1'],
    ['link=1 of a plain name (dockerd refuses it)', 'a1?link=1'],
  ])('a container delete (%s) is pinned to the ID as before', async (_n, rest) => {
    const v = await admit('alice', 'DELETE', `/v1.41/containers/${rest}`, undefined, d());
    expect(v.kind, JSON.stringify(v)).toBe('forward');
    if (v.kind === 'forward') expect(v.target).toMatch(new RegExp(`^/v1.41/containers/${A1}(\\?|$)`));
  });
  it('deleting a container through a link name without link is refused before tenancy, as a link name', async () => {
    const daemon = daemonWith([{ id: 'c1', labels: carol, status: 'running' }], { '/containers/a1/db/json': { Id: 'c1'.padEnd(64, '0'), Name: '/c1', Config: { Labels: carol } } });
    await expect(admit('alice', 'DELETE', '/v1.41/containers/a1/db?force=1', undefined, daemon)).rejects.toMatchObject({ code: 'link-name' });
  });
});

describe('aliases and links only on one\'s own (or the team\'s) networks', () => {
  const SHARED = '5ba4ed'.padEnd(64, '4');
  const d = () => daemonWith([{ id: 'a1', labels: alice, status: 'running' }], {
    '/networks/shared': { Name: 'shared', Id: SHARED, Labels: {} },
    [`/networks/${SHARED}`]: { Name: 'shared', Id: SHARED, Labels: {} },
  });
  const create = (endpoints: JsonObject) => ({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: endpoints } });
  it.each([
    ['an alias on a shared network', create({ shared: { Aliases: ['cdb'] } })],
    ['an alias, key spelled in lower case', create({ shared: { aliases: ['cdb'] } })],
    ['a link on a shared network', create({ shared: { Links: ['a1:db'] } })],
    ['an alias on an endpoint whose NetworkID is the shared network', create({ anet: { NetworkID: SHARED, Aliases: ['cdb'] } })],
  ])('create: %s is refused', async (_n, body) => {
    denied(await admit('alice', 'POST', '/v1.41/containers/create', body, d()), 'aliases and links on network');
  });
  it.each([
    ['a shared network without aliases', create({ shared: {} })],
    ['an empty alias list on a shared network', create({ shared: { Aliases: [] } })],
    ['an alias on one\'s own network', create({ anet: { Aliases: ['db'] } })],
  ])('create: %s is allowed', async (_n, body) => {
    expect((await admit('alice', 'POST', '/v1.41/containers/create', body, d())).kind).toBe('forward');
  });
  it('connect: an alias on a shared network is refused; without one it is allowed; on one\'s own network it is allowed', async () => {
    denied(await admit('alice', 'POST', '/v1.41/networks/shared/connect', { Container: 'a1', EndpointConfig: { Aliases: ['cdb'] } }, d()), 'aliases and links on network "shared"');
    expect((await admit('alice', 'POST', '/v1.41/networks/shared/connect', { Container: 'a1' }, d())).kind).toBe('forward');
    expect((await admit('alice', 'POST', '/v1.41/networks/anet/connect', { Container: 'a1', EndpointConfig: { Aliases: ['db'] } }, d())).kind).toBe('forward');
  });
});

describe('create bodies: one look-up per distinct object, and a cap', () => {
  it('300 binds of one volume cost one look-up', async () => {
    const daemon = daemonWith([], { '/volumes/avol': { Name: 'avol', Labels: alice } });
    const binds = Array.from({ length: 300 }, (_, i) => `avol:/m${i}`);
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Binds: binds } }, daemon);
    expect(v.kind, JSON.stringify(v)).toBe('forward');
    expect(daemon.paths.filter((p) => p.startsWith('/volumes/'))).toEqual(['/volumes/avol']);
  });
  it('more than 256 distinct objects are refused before any look-up', async () => {
    const daemon = daemonWith();
    const binds = Array.from({ length: 257 }, (_, i) => `v${i}:/m${i}`);
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Binds: binds } }, daemon);
    denied(v, 'the body names 257 containers, volumes and networks; at most 256 are checked');
    expect(v.kind === 'deny' && v.status).toBe(400);
    expect(daemon.paths.filter((p) => p.startsWith('/volumes/'))).toEqual([]);
  });
});

describe('the networks quota', () => {
  const withQuota = (daemon: DaemonClient) => createTenancy({ daemon, spec: () => ({ ...spec, quotas: { ...spec.quotas, default: { ...spec.quotas.default, networks: 2 } } }), groups: (id) => id.groups });
  const listing = (n: number) => ({ [`/networks?filters=${JSON.stringify({ label: ['dockgate.owner=alice'] })}`]: Array.from({ length: n }, (_, i) => ({ Name: `n${i}` })) });
  it('a create under the quota is forwarded (holding the lock until the daemon answers); at the quota it is refused', async () => {
    const under = daemonWith([], listing(1));
    const v = await admit('alice', 'POST', '/v1.41/networks/create', { Name: 'mine' }, under, withQuota(under));
    expect(v.kind, JSON.stringify(v)).toBe('forward');
    if (v.kind === 'forward') {
      expect(typeof v.release).toBe('function');
      v.release?.();
    }
    const at = daemonWith([], listing(2));
    denied(await admit('alice', 'POST', '/v1.41/networks/create', { Name: 'more' }, at, withQuota(at)), 'network quota reached (2 of 2)');
  });
  it('without a networks quota nothing is counted', async () => {
    const daemon = daemonWith();
    expect((await admit('alice', 'POST', '/v1.41/networks/create', { Name: 'mine' }, daemon)).kind).toBe('forward');
    expect(daemon.paths.filter((p) => p.startsWith('/networks?'))).toEqual([]);
  });
});

describe('what a create holds until the daemon has answered it (found by a mutation review)', () => {
  /** Whether `p` settles within an event-loop turn (the fake daemon answers at once). */
  async function settlesNow(p: Promise<unknown>): Promise<boolean> {
    let settled = false;
    void p.then(() => (settled = true), () => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    return settled;
  }

  it('a second tenant\'s create of a volume name waits for the first create of that name to be answered', async () => {
    const d = daemonWith();
    const tenancy = createTenancy({ daemon: d, spec: () => spec, groups: (id) => id.groups });
    const first = await admit('alice', 'POST', '/v1.41/volumes/create', { Name: 'data' }, d, tenancy);
    expect(first.kind).toBe('forward');
    const second = admit('carol', 'POST', '/v1.41/volumes/create', { Name: 'data' }, d, tenancy);
    expect(await settlesNow(second)).toBe(false);
    if (first.kind === 'forward') first.release?.();
    expect((await second).kind).toBe('forward');
  });

  it('a start does not wait for a container create of its owner that the daemon has not answered yet', async () => {
    const withContainers: TenancySpec = { ...spec, quotas: { ...spec.quotas, default: { ...spec.quotas.default, containers: 5 } } };
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'exited' }]);
    const tenancy = createTenancy({ daemon: d, spec: () => withContainers, groups: (id) => id.groups });
    const create = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox' }, d, tenancy);
    expect(create.kind).toBe('forward');
    const start = admit('alice', 'POST', '/v1.41/containers/a1/start', undefined, d, tenancy);
    expect(await settlesNow(start)).toBe(true);
    expect((await start).kind).toBe('forward');
    if (create.kind === 'forward') create.release?.();
  });
});

describe('version-dependent fields dockerd 20.10 ignores (rev-version F2, F4)', () => {
  const pidsSpec: TenancySpec = { ...spec, quotas: { ...spec.quotas, default: { ...spec.quotas.default, pids: 200 } } };
  it.each([
    // postContainerUpdate sets PidsLimit to nil below 1.40: nothing changes, nothing to judge.
    ['/v1.39/containers/a1/update', { PidsLimit: 0 }, undefined],
    ['/v1.39/containers/a1/update', { pidslimit: -1 }, undefined],
    ['/v1.24/containers/a1/update', { PidsLimit: 99999 }, undefined],
    ['/v1.039/containers/a1/update', { PidsLimit: 0 }, undefined],
    // The rest of the update is still judged.
    ['/v1.39/containers/a1/update', { PidsLimit: 0, CpuQuota: -1 }, 'negative CpuQuota'],
    ['/v1.40/containers/a1/update', { PidsLimit: 0 }, 'removing the PIDs limit is not allowed'],
    ['/v1.40.0/containers/a1/update', { PidsLimit: 99999 }, 'PIDs limit 99999 exceeds your maximum of 200'],
    ['/containers/a1/update', { PidsLimit: 0 }, 'removing the PIDs limit is not allowed'],
  ])('%s %j -> %s', async (target, body, problem) => {
    const d = daemonWith([{ id: 'a1', labels: alice, status: 'running', hostConfig: { PidsLimit: 100 } }]);
    const v = await admit('alice', 'POST', target, body, d, createTenancy({ daemon: d, spec: () => pidsSpec, groups: (id) => id.groups }));
    if (problem === undefined) {
      expect(v.kind, JSON.stringify(v)).toBe('forward');
      // Forwarded as sent: dockerd ignores the field itself.
      if (v.kind === 'forward') expect(v.body).toBeUndefined();
    } else {
      denied(v, problem);
    }
  });

  it.each([
    // newImageBuildOptions honours `pull` only from 1.16: below, a classic build pulls nothing.
    ['/v1.15/build?pull=1', 'forward'],
    ['/v1.12/build?pull=true', 'forward'],
    ['/v1.15/build?pull=%C3%A9', 'forward'],
    ['/v1.16/build?pull=%C3%A9', 'bad-query'],
    ['/v1.16/build?pull=1', 'build-pull'],
    ['/v1.016/build?pull=1', 'build-pull'],
    ['/build?pull=1', 'build-pull'],
  ])('%s -> %s', async (target, want) => {
    const v = await admit('alice', 'POST', target);
    if (want === 'forward') expect(v.kind, JSON.stringify(v)).toBe('forward');
    else expect(v).toMatchObject({ kind: 'deny', code: want });
  });
});
