/**
 * A container's DNS names on networks the caller may not change (rev-names F1-F4,
 * src/tenancy/dns-names.ts): its hostname (an alias on each user network it joins), a name
 * with a dot (the DNS answers a whole dotted name first), a name differing only in case from
 * another container's (the DNS ignores case), an upper-case short ID; and endpoint links to
 * containers that do not exist yet on the caller's own networks. Tables for the pure parts,
 * then admissions against a fake daemon.
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import { caseFoldNameFilter, caseTwin, createHostname, goQuoteMeta, ownHostname } from '../../../src/tenancy/dns-names.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { containerNameKey } from '../../../src/tenancy/name-lock.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';
import { madeByGateway } from './made-by-gateway.js';

const ID = '51e05eec25e4'.padEnd(64, '0');

describe('pure parts', () => {
  it.each([
    [{ Hostname: 'web1' }, 'web1'],
    [{ hostname: 'db' }, 'db'],
    [{ Hostname: '' }, undefined],
    [{ Hostname: null }, undefined],
    [{ Hostname: 7 }, undefined],
    [{}, undefined],
  ] as const)('createHostname(%j) = %j', (body, want) => {
    expect(createHostname(body as never)).toBe(want);
  });

  it.each([
    [undefined, undefined, true],
    ['', undefined, true],
    // Not even its own name: a rename keeps the alias and frees the name (rev-fix-dns N1).
    ['web1', undefined, false],
    ['WEB1', undefined, false],
    ['51e05eec25e4', ID, true],
    ['51e05eec25e4', 'f'.repeat(64), false],
    ['51e05eec25e40', ID, false],
    ['web1.shared', undefined, false],
  ] as const)('ownHostname(%j, id) = %s', (hostname, id, want) => {
    expect(ownHostname(hostname, id)).toBe(want);
  });

  it.each([
    ['web1', 'web1'],
    ['a.b', 'a\\.b'],
    ['a+b*c?(d)|[e]{f}^g$\\', 'a\\+b\\*c\\?\\(d\\)\\|\\[e\\]\\{f\\}\\^g\\$\\\\'],
    ['a-b_c', 'a-b_c'],
  ])('goQuoteMeta(%j) = %j', (s, want) => {
    expect(goQuoteMeta(s)).toBe(want);
  });

  it.each([
    ['web1', '(?i)^/web1$'],
    ['/web1', '(?i)^/web1$'],
    ['WEB1.shared', '(?i)^/WEB1\\.shared$'],
    ['a', undefined],
    ['-x', undefined],
    ['a b', undefined],
    ['a(', undefined],
    ['', undefined],
  ])('caseFoldNameFilter(%j) names %j', (name, want) => {
    const f = caseFoldNameFilter(name);
    expect(f === undefined ? undefined : (JSON.parse(f) as { name: string[] }).name[0]).toBe(want);
  });

  const items = [
    { Id: 'a', Names: ['/web1'] },
    { Id: 'b', Names: ['/WEB1', '/other/web1'] },
    { Id: 'c', Names: ['/x/Db'] },
  ];
  it.each([
    ['Web1', undefined, 'web1'],
    ['web1', undefined, 'WEB1'],
    ['web1', 'b', undefined],
    ['WEB1', 'a', undefined],
    ['db', undefined, undefined],
    ['nothing', undefined, undefined],
  ])('caseTwin(items, %j, self %j) = %j', (name, self, want) => {
    expect(caseTwin(items, name, self)).toBe(want);
  });

  it.each([
    ['web1', 'web1'],
    ['/Web1', 'web1'],
    ['WEB1.Shared', 'web1.shared'],
  ])('containerNameKey(%j) = %j', (name, want) => {
    expect(containerNameKey(name)).toBe(want);
  });
});

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: ['shared'], volumes: [] },
  quotas: { default: {}, groups: {}, users: {} },
};

function identity(name: string, groups: string[]): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

function answer(status: number, json: unknown): DaemonAnswer {
  const raw = Buffer.from(JSON.stringify(json));
  return { status, json, raw, contentType: 'application/json' };
}

const SHARED = 's'.repeat(64);
const MINE = 'm'.repeat(64);
const CAROL = { 'dockgate.owner': 'carol', 'dockgate.team': 'data' };
const ALICE = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };

/** Containers of the fake: name, ID, labels, hostname, networks (name to ID). */
const containers = [
  { name: 'web1', id: ID, labels: ALICE, hostname: ID.slice(0, 12), networks: { shared: SHARED } },
  { name: 'own', id: 'c1'.padEnd(64, '0'), labels: CAROL, hostname: 'c1'.padEnd(12, '0'), networks: { mine: MINE } },
  { name: 'named', id: 'c2'.padEnd(64, '0'), labels: CAROL, hostname: 'named', networks: { mine: MINE } },
  { name: 'hosted', id: 'c3'.padEnd(64, '0'), labels: CAROL, hostname: 'web1', networks: { mine: MINE } },
  { name: 'dot.ted', id: 'c4'.padEnd(64, '0'), labels: CAROL, hostname: 'c4'.padEnd(12, '0'), networks: { mine: MINE } },
  { name: 'Web1x', id: 'c5'.padEnd(64, '0'), labels: CAROL, hostname: 'c5'.padEnd(12, '0'), networks: { mine: MINE } },
  { name: 'onshared', id: 'c6'.padEnd(64, '0'), labels: CAROL, hostname: 'c6'.padEnd(12, '0'), networks: { shared: SHARED } },
  { name: 'web1x', id: 'a2'.padEnd(64, '0'), labels: ALICE, hostname: 'a2'.padEnd(12, '0'), networks: { shared: SHARED } },
  { name: 'C7', id: 'c7'.padEnd(64, '0'), labels: CAROL, hostname: 'c7'.padEnd(12, '0'), networks: { mine: MINE } },
  { name: 'c8', id: 'c8'.padEnd(64, '0'), labels: CAROL, hostname: 'c8'.padEnd(12, '0'), networks: { mine: MINE } },
  { name: 'C2', id: 'c9'.padEnd(64, '0'), labels: CAROL, hostname: 'c9'.padEnd(12, '0'), networks: { mine: MINE } },
  // Created on the default bridge of a daemon that has none (`--bridge=none`), and on a network since removed.
  { name: 'bridged', id: 'ca'.padEnd(64, '0'), labels: CAROL, hostname: 'ca'.padEnd(12, '0'), networks: { bridge: '' } },
  { name: 'stranded', id: 'cb'.padEnd(64, '0'), labels: CAROL, hostname: 'cb'.padEnd(12, '0'), networks: { gone: '' } },
  // Created on a network since removed, named by its ID (rev-fix-stage R2).
  { name: 'orphan', id: 'cc'.padEnd(64, '0'), labels: CAROL, hostname: 'cc'.padEnd(12, '0'), networks: { gone: 'g'.repeat(64) } },
];

/** Every container list request the fake answered (its decoded filters). */
const lists: string[] = [];
let listFails = false;
let bridgeMissing = false;

const daemon: DaemonClient = madeByGateway({
  get(path) {
    const d = decodeURIComponent(path);
    if (d === '/images/busybox/json') return Promise.resolve(answer(200, { Id: 'sha256:b', RepoTags: ['busybox:latest'], Config: { Labels: {} } }));
    if (d === '/networks/shared' || d === `/networks/${SHARED}`) return Promise.resolve(answer(200, { Id: SHARED, Name: 'shared', Labels: { 'dockgate.owner': 'ops' } }));
    if (d === '/networks/mine' || d === `/networks/${MINE}`) return Promise.resolve(answer(200, { Id: MINE, Name: 'mine', Labels: CAROL }));
    if (d === '/networks/bridge' && bridgeMissing) return Promise.resolve(answer(404, { message: 'network bridge not found' }));
    if (d === '/networks/bridge') return Promise.resolve(answer(200, { Id: 'b'.repeat(64), Name: 'bridge', Labels: {} }));
    if (d.startsWith('/containers/json?')) {
      const filters = JSON.parse(d.slice(d.indexOf('filters=') + 'filters='.length)) as { name?: string[] };
      lists.push(JSON.stringify(filters));
      if (listFails) return Promise.resolve(answer(500, { message: 'boom' }));
      // dockerd's name filter: a Go regexp; `(?i)` is JavaScript's `i` flag for these names.
      const re = filters.name?.[0];
      if (re === undefined || !re.startsWith('(?i)')) return Promise.resolve(answer(200, []));
      const rx = new RegExp(re.slice(4), 'i');
      return Promise.resolve(answer(200, containers.filter((c) => rx.test(`/${c.name}`)).map((c) => ({ Id: c.id, Names: [`/${c.name}`], Labels: c.labels }))));
    }
    const m = /^\/containers\/([^/]+)\/json$/.exec(d);
    const c = m && containers.find((x) => x.name === m[1] || x.id === m[1] || (m[1] !== undefined && m[1].length >= 2 && /^[0-9a-f]+$/.test(m[1]) && x.id.startsWith(m[1])));
    if (c) {
      const networks = Object.fromEntries(Object.entries(c.networks).map(([k, v]) => [k, { NetworkID: v }]));
      return Promise.resolve(answer(200, { Id: c.id, Name: `/${c.name}`, Config: { Hostname: c.hostname, Labels: c.labels }, HostConfig: {}, NetworkSettings: { Networks: networks }, Mounts: [], State: { Running: true } }));
    }
    return Promise.resolve(answer(404, { message: `No such container: ${m?.[1] ?? d}` }));
  },
});

async function admit(method: string, target: string, body: unknown, who = 'carol'): Promise<TenancyVerdict> {
  const tenancy = createTenancy({ daemon, spec: () => spec, groups: (id) => id.groups });
  const raw = Buffer.from(JSON.stringify(body ?? {}));
  const facts = buildFacts({ method, rawTarget: target, headers: { 'content-type': 'application/json' }, body: raw });
  return tenancy.admit({ identity: identity(who, who === 'carol' ? ['data'] : who === 'ops' ? ['ops'] : []), facts, body: raw, method, target });
}

const create = (name: string | undefined, body: Record<string, unknown>) => admit('POST', `/v1.41/containers/create${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`, { Image: 'busybox', ...body });
const onShared = { HostConfig: { NetworkMode: 'shared' } };
const onMine = { HostConfig: { NetworkMode: 'mine' } };
const HOSTNAME = 'is not allowed: dockerd makes a container\'s hostname an alias';

describe('create joining a network the caller may not change', () => {
  it.each([
    ['a hostname of another container\'s name', 'h1', { Hostname: 'web1', ...onShared }, 'network-alias', `hostname "web1" on network "shared" ${HOSTNAME}`],
    ['a dotted hostname', 'h2', { Hostname: 'web1.shared', ...onShared }, 'network-alias', 'hostname "web1.shared"'],
    ['another container\'s short ID as hostname', 'h3', { Hostname: '51e05eec25e4', ...onShared }, 'network-alias', 'hostname "51e05eec25e4"'],
    ['a hostname without a name', undefined, { Hostname: 'db', ...onShared }, 'network-alias', 'hostname "db"'],
    ['a hostname of another case than the name', 'h4', { Hostname: 'H4', ...onShared }, 'network-alias', 'hostname "H4"'],
    ['a hostname on a shared endpoint (lower-case keys)', 'h5', { hostname: 'web1', networkingconfig: { endpointsconfig: { shared: {} } } }, 'network-alias', 'hostname "web1"'],
    ['a hostname with the shared network by endpoint NetworkID', 'h6', { Hostname: 'web1', NetworkingConfig: { EndpointsConfig: { mine: { NetworkID: SHARED } } } }, 'network-alias', 'hostname "web1"'],
    ['a dotted name', 'web1.shared', onShared, 'network-name', 'container name "web1.shared" on network "shared" is not allowed: it holds a dot'],
    ['a dotted name with its leading slash', '/db.shared', onShared, 'network-name', 'container name "db.shared"'],
    ['a name differing in case from another tenant\'s', 'WEB1', onShared, 'network-name', 'it differs only in case from container "web1"'],
    ['an upper-case short ID', '51E05EEC25E4', onShared, 'id-like-name', '(the DNS of a network others use ignores case)'],
    ['an upper-case ID prefix', '51E0', onShared, 'id-like-name', 'could be read as the ID of another container'],
    // A rename would keep the alias and free the name (rev-fix-dns N1).
    ['the hostname equal to the name', 'plain', { Hostname: 'plain', ...onShared }, 'network-alias', 'hostname "plain"'],
    ['the name with a leading slash and hostname equal to it', '/plain', { Hostname: 'plain', ...onShared }, 'network-alias', 'hostname "plain"'],
  ])('%s: refused', async (_t, name, body, code, text) => {
    const v = await create(name, body);
    expect(v).toMatchObject({ kind: 'deny', status: 403, code });
    expect((v as { message: string }).message).toContain(text);
  });

  it.each([
    ['no hostname', 'plain', onShared],
    ['an exact name of another container (dockerd answers its conflict)', 'web1', onShared],
    ['upper-case hex that prefixes no ID', 'CAFE', onShared],
    ['a hostname, a dotted name and another case on the caller\'s own network', 'WEB1.shared', { Hostname: 'web1', ...onMine }],
    ['a hostname on no network (default bridge)', 'x1', { Hostname: 'web1' }],
    ['a hostname on the default bridge by name', 'x2', { Hostname: 'web1', HostConfig: { NetworkMode: 'bridge' } }],
  ])('%s: forwarded', async (_t, name, body) => {
    expect((await create(name, body)).kind).toBe('forward');
  });

  it('an admin is not checked', async () => {
    expect((await admit('POST', '/v1.41/containers/create?name=WEB1.shared', { Image: 'busybox', Hostname: 'web1', ...onShared }, 'ops')).kind).toBe('forward');
  });

  it('the case look-up asks dockerd with an escaped, case-insensitive name filter, and fails closed', async () => {
    lists.length = 0;
    expect((await create('Some-Name_1', onShared)).kind).toBe('forward');
    expect(lists).toContain(JSON.stringify({ name: ['(?i)^/Some-Name_1$'] }));
    listFails = true;
    try {
      await expect(create('other', onShared)).rejects.toThrow(/daemon answered 500 when listing containers named like "other"/);
    } finally {
      listFails = false;
    }
  });
});

describe('rename of a container on a network the caller may not change', () => {
  const rename = (c: string, name: string) => admit('POST', `/v1.41/containers/${c}/rename?name=${encodeURIComponent(name)}`, undefined);
  it.each([
    ['onshared', 'web1.shared', 'network-name', 'it holds a dot'],
    ['onshared', 'WEB1', 'network-name', 'differs only in case from container "web1"'],
    ['onshared', '51E05EEC25E4', 'id-like-name', 'ignores case'],
  ])('%s to %s: refused', async (c, name, code, text) => {
    const v = await rename(c, name);
    expect(v).toMatchObject({ kind: 'deny', status: 403, code });
    expect((v as { message: string }).message).toContain(text);
  });

  it.each([
    ['onshared', 'fine'],
    ['own', 'WEB1.shared'],
  ])('%s to %s: forwarded', async (c, name) => {
    expect((await rename(c, name)).kind).toBe('forward');
  });
});

describe('rename of a container whose network cannot be looked up', () => {
  const rename = (c: string, name: string) => admit('POST', `/v1.41/containers/${c}/rename?name=${encodeURIComponent(name)}`, undefined);
  it('the default bridge missing (a daemon with --bridge=none) serves no names: forwarded', async () => {
    bridgeMissing = true;
    try {
      expect((await rename('bridged', 'cafe0ba5e')).kind).toBe('forward');
    } finally {
      bridgeMissing = false;
    }
  });
  it('a removed network the endpoint names by ID serves no names: forwarded', async () => {
    expect((await rename('orphan', 'fine')).kind).toBe('forward');
  });
  it('any other network missing, named only by name: refused (fail closed)', async () => {
    await expect(rename('stranded', 'fine')).rejects.toThrow(/daemon answered 404 when looking up network "gone" of a container/);
  });
});

describe('network connect to a network the caller may not change', () => {
  const connect = (net: string, c: string, endpoint: unknown = {}) => admit('POST', `/v1.41/networks/${net}/connect`, { Container: c, EndpointConfig: endpoint });
  it.each([
    ['a container whose hostname is another\'s name', 'hosted', 'network-alias', 'hostname "web1" on network "shared"'],
    ['a container whose hostname is its own name (a rename would keep the alias)', 'named', 'network-alias', 'hostname "named" on network "shared"'],
    ['a dotted name', 'dot.ted', 'network-name', 'it holds a dot'],
    ['a name differing in case from another tenant\'s', 'Web1x', 'network-name', 'differs only in case from container "web1x"'],
    ['an upper-case prefix of another container\'s ID', 'C2', 'id-like-name', 'container name "C2" could be read as the ID of another container'],
  ])('%s: refused', async (_t, c, code, text) => {
    const v = await connect('shared', c);
    expect(v).toMatchObject({ kind: 'deny', status: 403, code });
    expect((v as { message: string }).message).toContain(text);
  });

  it.each([
    ['a container whose hostname is its short ID', 'own'],
    ['an upper-case prefix of its own ID', 'C7'],
    ['a short lower-case hex name (checked at its create)', 'c8'],
  ])('%s: forwarded', async (_t, c) => {
    expect((await connect('shared', c)).kind).toBe('forward');
  });

  it('the same containers to the caller\'s own network or the default bridge: forwarded', async () => {
    for (const c of ['hosted', 'dot.ted', 'Web1x']) {
      expect((await connect('mine', c)).kind).toBe('forward');
      expect((await connect('bridge', c)).kind).toBe('forward');
    }
  });
});

describe('endpoint links to containers that do not exist yet (F4)', () => {
  it('create: on the caller\'s own network forwarded as written; on the default bridge, and HostConfig.Links, the daemon\'s 404', async () => {
    const v = await create('lk1', { HostConfig: { NetworkMode: 'mine' }, NetworkingConfig: { EndpointsConfig: { mine: { Links: ['future:fdb'] } } } });
    expect(v.kind).toBe('forward');
    const sent = JSON.parse(String((v as { body: Buffer }).body)) as { NetworkingConfig: { EndpointsConfig: { mine: { Links: string[] } } } };
    expect(sent.NetworkingConfig.EndpointsConfig.mine.Links).toEqual(['future:fdb']);
    expect(await create('lk2', { NetworkingConfig: { EndpointsConfig: { bridge: { Links: ['future:fdb'] } } } })).toMatchObject({ kind: 'respond', status: 404 });
    expect(await create('lk3', { HostConfig: { NetworkMode: 'mine', Links: ['future:fdb'] } })).toMatchObject({ kind: 'respond', status: 404 });
    // An endpoint whose key is the caller's network but whose NetworkID is the shared one: refused there.
    expect(await create('lk4', { NetworkingConfig: { EndpointsConfig: { mine: { NetworkID: SHARED, Links: ['future:fdb'] } } } })).toMatchObject({ kind: 'deny', code: 'network-alias' });
  });

  it('network connect --link: forwarded on the caller\'s own network; another tenant\'s container still refused', async () => {
    expect((await admit('POST', '/v1.41/networks/mine/connect', { Container: 'own', EndpointConfig: { Links: ['future:fdb'] } })).kind).toBe('forward');
    expect(await admit('POST', '/v1.41/networks/mine/connect', { Container: 'own', EndpointConfig: { Links: ['web1:w'] } })).toMatchObject({ kind: 'deny', code: 'not-owner' });
    expect(await admit('POST', '/v1.41/networks/shared/connect', { Container: 'own', EndpointConfig: { Links: ['future:fdb'] } })).toMatchObject({ kind: 'deny', code: 'network-alias' });
  });
});
