/**
 * Other containers' aliases on a network the caller may not change (src/tenancy/network-aliases.ts):
 * a tenant's container name (create, rename, network connect) must not equal, ignoring case, an
 * alias, hostname or short ID of another container there, running or not; and a rename and a
 * network connect of one container run one after another (name-lock.ts). Tables for the pure
 * parts, then admissions against a fake daemon that counts its look-ups.
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { aliasClash, endpointDnsNames, networkFilter } from '../../../src/tenancy/network-aliases.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';
import { madeByGateway } from './made-by-gateway.js';

const SHARED = 's'.repeat(64);
const MINE = 'm'.repeat(64);
const OTHER = 'o'.repeat(64);
const shared = { name: 'shared', id: SHARED };
const other = { name: 'other', id: OTHER };

/** An inspect answer: ID, hostname, endpoints (network name to NetworkID and aliases). */
function doc(id: string, hostname: string, endpoints: Record<string, { id: string; aliases?: string[] | null }>): Record<string, unknown> {
  const networks = Object.fromEntries(Object.entries(endpoints).map(([k, v]) => [k, { NetworkID: v.id, Aliases: v.aliases ?? null }]));
  return { Id: id, Config: { Hostname: hostname }, NetworkSettings: { Networks: networks } };
}

const ADMIN_DB = 'ad'.padEnd(64, '1');
const IDLE = 'ae'.padEnd(64, '2');
const docs = [
  doc(ADMIN_DB, 'ad1111111111', { shared: { id: SHARED, aliases: ['db', 'ad1111111111', '\u212Atore', '\u0130x'] } }),
  // Created, never started: the endpoint names the network by name only, no short ID alias yet.
  doc(IDLE, 'cachehost', { shared: { id: '', aliases: ['cache'] } }),
  doc('af'.padEnd(64, '3'), 'af3333333333', { other: { id: OTHER, aliases: ['queue'] } }),
];

describe('pure parts', () => {
  it.each([
    [[shared], { network: ['shared', SHARED] }],
    [[shared, other], { network: ['shared', SHARED, 'other', OTHER] }],
    [[{ name: 'x', id: '' }], { network: ['x'] }],
  ])('networkFilter(%j)', (networks, want) => {
    expect(JSON.parse(networkFilter(networks))).toEqual(want);
  });

  it.each([
    ['a running endpoint: aliases, hostname, short ID', docs[0], shared, ['db', 'ad1111111111', '\u212Atore', '\u0130x', 'ad1111111111', 'ad1111111111']],
    ['a created endpoint by name only: its create-time alias, the hostname it gets at start', docs[1], shared, ['cache', 'cachehost', 'ae2222222222']],
    ['an endpoint matched by NetworkID under another key', doc('b'.repeat(64), 'h', { renamed: { id: SHARED, aliases: ['x'] } }), shared, ['x', 'h', 'bbbbbbbbbbbb']],
    ['not attached', docs[2], shared, []],
    ['no networks', { Id: 'c'.repeat(64) }, shared, []],
    ['aliases null', doc('d'.repeat(64), '', { shared: { id: SHARED, aliases: null } }), shared, ['dddddddddddd']],
    // `docker create --network <ID prefix>` keeps the prefix as the key until the first start (rev-fix-ten F1).
    ['a created endpoint under a prefix of the network\'s ID', doc('e'.repeat(64), 'h', { [SHARED.slice(0, 6)]: { id: '', aliases: ['pfx1'] } }), shared, ['pfx1', 'h', 'eeeeeeeeeeee']],
    ['a created endpoint under a prefix of another network\'s ID', doc('e'.repeat(64), 'h', { [OTHER.slice(0, 6)]: { id: '', aliases: ['pfx1'] } }), shared, []],
    // A create's NetworkID is kept as sent until the first start, a name or an ID prefix too (rev-fix-proto F1).
    ['a created endpoint whose NetworkID is the network\'s name, under another key', doc('e'.repeat(64), 'h', { other: { id: 'shared', aliases: ['dbx'] } }), shared, ['dbx', 'h', 'eeeeeeeeeeee']],
    ['a created endpoint whose NetworkID is a prefix of the network\'s ID', doc('e'.repeat(64), 'h', { shared: { id: SHARED.slice(0, 6), aliases: ['dbx'] } }), shared, ['dbx', 'h', 'eeeeeeeeeeee']],
    // A network removed and made again under its name: the old endpoint cannot start there (rev-fix-ten F3).
    ['an endpoint under the name whose NetworkID is a removed network\'s', doc('f'.repeat(64), 'h', { shared: { id: 'x'.repeat(64), aliases: ['stale'] } }), shared, []],
  ])('endpointDnsNames: %s', (_t, d, network, want) => {
    expect(endpointDnsNames(d as Record<string, unknown>, network)).toEqual(want);
  });

  it.each([
    ['db', undefined, { alias: 'db', network: 'shared' }],
    ['DB', undefined, { alias: 'db', network: 'shared' }],
    ['/Db', undefined, { alias: 'db', network: 'shared' }],
    ['CACHE', undefined, { alias: 'cache', network: 'shared' }],
    ['CacheHost', undefined, { alias: 'cachehost', network: 'shared' }],
    ['ae2222222222', undefined, { alias: 'ae2222222222', network: 'shared' }],
    ['db', ADMIN_DB, undefined],
    ['queue', undefined, undefined],
    ['dbx', undefined, undefined],
    // dockerd's DNS folds as Go's strings.ToLower (rev-fix-ten F2): U+212A KELVIN SIGN is k, U+0130 is i.
    ['ktore', undefined, { alias: '\u212Atore', network: 'shared' }],
    ['ix', undefined, { alias: '\u0130x', network: 'shared' }],
    ['', undefined, undefined],
  ])('aliasClash(docs, %j, [shared], self %j)', (name, self, want) => {
    expect(aliasClash(docs, name, [shared], self)).toEqual(want);
  });

  it('aliasClash over several networks names the one with the alias', () => {
    expect(aliasClash(docs, 'QUEUE', [shared, other])).toEqual({ alias: 'queue', network: 'other' });
  });
});

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: ['shared', 'other'], volumes: [] },
  quotas: { default: {}, groups: {}, users: {} },
};

function identity(name: string, groups: string[]): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

function answer(status: number, json: unknown): DaemonAnswer {
  return { status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' };
}

const CAROL = { 'dockgate.owner': 'carol', 'dockgate.team': 'data' };
const ADMIN = {};

/** A container of the fake: name, ID, labels, hostname, endpoints. */
interface FakeContainer {
  name: string;
  id: string;
  labels: Record<string, string>;
  hostname: string;
  endpoints: Record<string, { id: string; aliases?: string[] }>;
}

const containers: FakeContainer[] = [
  { name: 'naadm_db_1', id: ADMIN_DB, labels: ADMIN, hostname: ADMIN_DB.slice(0, 12), endpoints: { shared: { id: SHARED, aliases: ['db', ADMIN_DB.slice(0, 12)] } } },
  { name: 'idle', id: IDLE, labels: ADMIN, hostname: 'cachehost', endpoints: { shared: { id: '', aliases: ['cache', 'queue'] } } },
  { name: 'etl', id: 'c1'.padEnd(64, '0'), labels: CAROL, hostname: 'c10000000000', endpoints: { shared: { id: SHARED, aliases: ['c10000000000'] } } },
  { name: 'Queue', id: 'c2'.padEnd(64, '0'), labels: CAROL, hostname: 'c20000000000', endpoints: { mine: { id: MINE } } },
  { name: 'web', id: 'c3'.padEnd(64, '0'), labels: CAROL, hostname: 'c30000000000', endpoints: { mine: { id: MINE } } },
];

const calls: string[] = [];
let fail: 'list' | 'inspect' | 'gone' | undefined;

const daemon: DaemonClient = madeByGateway({
  get(path) {
    const d = decodeURIComponent(path);
    calls.push(d);
    if (d === '/images/busybox/json') return Promise.resolve(answer(200, { Id: 'sha256:b', RepoTags: ['busybox:latest'], Config: { Labels: {} } }));
    if (d === '/networks/shared' || d === `/networks/${SHARED}`) return Promise.resolve(answer(200, { Id: SHARED, Name: 'shared', Labels: {} }));
    if (d === '/networks/mine' || d === `/networks/${MINE}`) return Promise.resolve(answer(200, { Id: MINE, Name: 'mine', Labels: CAROL }));
    if (d.startsWith('/containers/json?')) {
      const filters = JSON.parse(d.slice(d.indexOf('filters=') + 'filters='.length)) as { name?: string[]; network?: string[]; status?: string[] };
      // Created, never started: every endpoint without a NetworkID.
      // Their list entries carry the endpoints' keys, as dockerd's list does.
      if (filters.status?.[0] === 'created') return Promise.resolve(answer(200, containers.filter((c) => Object.values(c.endpoints).every((e) => e.id === '')).map((c) => ({ Id: c.id, Names: [`/${c.name}`], Labels: c.labels, NetworkSettings: { Networks: Object.fromEntries(Object.entries(c.endpoints).map(([k, e]) => [k, { NetworkID: e.id }])) } }))));
      if (filters.network) {
        if (fail === 'list') return Promise.resolve(answer(500, { message: 'boom' }));
        // dockerd's network filter: an endpoint's key, or a prefix of its NetworkID.
        const on = containers.filter((c) => Object.entries(c.endpoints).some(([k, e]) => filters.network?.some((v) => k === v || (e.id !== '' && e.id.startsWith(v)))));
        return Promise.resolve(answer(200, on.map((c) => ({ Id: c.id, Names: [`/${c.name}`], Labels: c.labels }))));
      }
      const rx = new RegExp((filters.name?.[0] ?? '^$').replace('(?i)', ''), 'i');
      return Promise.resolve(answer(200, containers.filter((c) => rx.test(`/${c.name}`)).map((c) => ({ Id: c.id, Names: [`/${c.name}`], Labels: c.labels }))));
    }
    const m = /^\/containers\/([^/]+)\/json$/.exec(d);
    const c = m && containers.find((x) => x.name === m[1] || x.id === m[1]);
    if (c) {
      if (fail === 'inspect' && c.id === IDLE) return Promise.resolve(answer(500, { message: 'boom' }));
      if (fail === 'gone' && c.id === IDLE) return Promise.resolve(answer(404, { message: `No such container: ${c.id}` }));
      const raw = doc(c.id, c.hostname, c.endpoints);
      return Promise.resolve(answer(200, { ...raw, Name: `/${c.name}`, Config: { Hostname: c.hostname, Labels: c.labels }, HostConfig: {}, Mounts: [], State: { Running: true } }));
    }
    return Promise.resolve(answer(404, { message: `No such container: ${m?.[1] ?? d}` }));
  },
});

const tenancy = createTenancy({ daemon, spec: () => spec, groups: (id) => id.groups });

function admit(method: string, target: string, body: unknown, who = 'carol'): Promise<TenancyVerdict> {
  const raw = Buffer.from(JSON.stringify(body ?? {}));
  const facts = buildFacts({ method, rawTarget: target, headers: { 'content-type': 'application/json' }, body: raw });
  return tenancy.admit({ identity: identity(who, who === 'carol' ? ['data'] : ['ops']), facts, body: raw, method, target });
}

const create = (name: string, network: string, who = 'carol') => admit('POST', `/v1.41/containers/create?name=${encodeURIComponent(name)}`, { Image: 'busybox', HostConfig: { NetworkMode: network } }, who);
const rename = (c: string, name: string) => admit('POST', `/v1.41/containers/${c}/rename?name=${encodeURIComponent(name)}`, undefined);
const connect = (net: string, c: string) => admit('POST', `/v1.41/networks/${net}/connect`, { Container: c, EndpointConfig: {} });
const ALIAS = 'an alias, hostname or short ID another container on that network answers to';

function release(v: TenancyVerdict): void {
  if (v.kind === 'forward') v.release?.();
}

function expectAliasRefusal(v: TenancyVerdict, name: string, alias: string): void {
  // A forward (the check missing) keeps its locks until released: released, so it fails alone.
  release(v);
  expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'network-name' });
  const message = (v as { message: string }).message;
  expect(message).toContain(`container name "${name}" on network "shared" is not allowed: it equals (DNS names ignore case) "${alias}", ${ALIAS}`);
  // The alias, not the container that has it.
  expect(message).not.toContain('naadm_db_1');
  expect(message).not.toContain(ADMIN_DB.slice(0, 12));
}


describe('create, rename and network connect on a network the caller may not change', () => {
  it.each([
    ['db', 'db'],
    ['DB', 'db'],
    ['Cache', 'cache'],
    ['CACHEHOST', 'cachehost'],
  ])('create --name %s on shared: refused (alias %s)', async (name, alias) => {
    expectAliasRefusal(await create(name, 'shared'), name, alias);
  });

  it.each([['etl', 'db'], ['etl', 'CACHE']])('rename %s to %s: refused', async (c, name) => {
    expectAliasRefusal(await rename(c, name), name, asciiLowerOf(name));
  });

  it('network connect of carol\'s container named Queue to shared: refused; to her own network: forwarded', async () => {
    expectAliasRefusal(await connect('shared', 'Queue'), 'Queue', 'queue');
    const v = await connect('mine', 'Queue');
    expect(v.kind).toBe('forward');
    release(v);
  });

  it.each([
    ['a name that is no one\'s alias on shared', () => create('dbx', 'shared')],
    ['an alias\'s name on carol\'s own network', () => create('CACHE', 'mine')],
    ['an admin\'s create of db on shared', () => create('db', 'shared', 'ops')],
    ['a rename to a name that is no one\'s alias', () => rename('etl', 'etl2')],
    ['a rename of a container only on carol\'s own network to an alias on shared', () => rename('web', 'cache')],
  ])('%s: forwarded', async (_t, run) => {
    const v = await run();
    expect(v.kind).toBe('forward');
    release(v);
  });

  // Mutation review s29: a created container that names shared by an ID prefix (docker create
  // --network <prefix>) and was also connected to another network is found by the created list
  // only; one endpoint on shared is enough for its aliases to count.
  it('a created container on shared (by an ID prefix) and on another network: its alias is refused', async () => {
    containers.push({ name: 'books', id: 'ag'.padEnd(64, '4'), labels: ADMIN, hostname: 'ledgerhost', endpoints: { [SHARED.slice(0, 12)]: { id: '', aliases: ['ledger'] }, other: { id: '' } } });
    try {
      expectAliasRefusal(await create('Ledger', 'shared'), 'Ledger', 'ledger');
    } finally {
      containers.pop();
    }
  });

  it('a create on a network with N other containers: two lists (the network\'s, the created ones) and N inspects', async () => {
    calls.length = 0;
    const v = await create('fresh', 'shared');
    expect(v.kind).toBe('forward');
    release(v);
    const lists = calls.filter((c) => c.startsWith('/containers/json?') && c.includes('"network"'));
    expect(lists).toEqual([`/containers/json?all=1&filters=${JSON.stringify({ network: ['shared', SHARED] })}`]);
    expect(calls.filter((c) => c.startsWith('/containers/json?') && c.includes('"status"'))).toEqual([`/containers/json?all=1&filters=${JSON.stringify({ status: ['created'] })}`]);
    const inspects = calls.filter((c) => /^\/containers\/[^/?]+\/json$/.test(c));
    expect(inspects.sort()).toEqual([ADMIN_DB, IDLE, 'c1'.padEnd(64, '0')].map((id) => `/containers/${id}/json`).sort());
  });

  it('fails closed: a failed list or inspect throws (refused, 502); a container removed in between is skipped', async () => {
    for (const f of ['list', 'inspect'] as const) {
      fail = f;
      try {
        await expect(create('fresh', 'shared')).rejects.toThrow(f === 'list' ? /daemon answered 500 when listing the containers on network "shared"/ : /^daemon answered 500 when inspecting a container on the network for its aliases$/);
      } finally {
        fail = undefined;
      }
    }
    fail = 'gone';
    try {
      const v = await create('cache', 'shared');
      expect(v.kind).toBe('forward');
      release(v);
    } finally {
      fail = undefined;
    }
  });
});

describe('a rename and a network connect of one container run one after another', () => {
  it('a connect of a container whose rename is being forwarded waits until dockerd answered the rename', async () => {
    const renamed = await rename('web', 'web2');
    expect(renamed.kind).toBe('forward');
    const order: string[] = [];
    const connected = connect('mine', 'web').then((v) => {
      order.push('connect admitted');
      return v;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push('rename answered');
    release(renamed);
    release(await connected);
    expect(order).toEqual(['rename answered', 'connect admitted']);
  });

  it('and a rename waits for a connect; other containers do not wait', async () => {
    const connected = await connect('mine', 'web');
    expect(connected.kind).toBe('forward');
    const order: string[] = [];
    const renamed = rename('web', 'web3').then((v) => {
      order.push('rename admitted');
      return v;
    });
    const otherOne = await rename('etl', 'etl3');
    expect(otherOne.kind).toBe('forward');
    release(otherOne);
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push('connect answered');
    release(connected);
    release(await renamed);
    expect(order).toEqual(['connect answered', 'rename admitted']);
  });

  it('a container gone while its lock was awaited is answered as dockerd answers the reference', async () => {
    const renamed = await rename('web', 'web4');
    const waiting = connect('mine', 'web');
    // Found (before the lock), then removed while the rename holds it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const idx = containers.findIndex((c) => c.name === 'web');
    const [gone] = containers.splice(idx, 1);
    try {
      release(renamed);
      const v = await waiting;
      expect(v).toMatchObject({ kind: 'respond', status: 404 });
      expect(String((v as { body: Buffer }).body)).toContain('No such container: web');
      expect(String((v as { body: Buffer }).body)).not.toContain('c3');
    } finally {
      if (gone) containers.splice(idx, 0, gone);
    }
  });
});

function asciiLowerOf(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
