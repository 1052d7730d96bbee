import { describe, expect, it } from 'vitest';
import type { Identity, RequestFacts } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import { accessTo, visibilityLabel, visibleTo, type ResolvedObject } from '../../../src/tenancy/access.js';
import { addLabelFilter, FilterError, parseFilters } from '../../../src/tenancy/filters.js';
import { BodyShapeError, goObjectAt, ownershipOf, reservedKeys, withOwnerLabels } from '../../../src/tenancy/labels.js';
import { applyLimits, bodySwapProblem, restartPolicyProblem } from '../../../src/tenancy/limits.js';
import { CLASSIFIED_OPERATIONS, OWNED_SECTIONS, planFor } from '../../../src/tenancy/operation-plans.js';
import { OPERATION_TABLE } from '../../../src/facts/operation-table.js';
import { createReferences, endpointLinkNames, endpointNames, parseLink } from '../../../src/tenancy/references.js';
import { rebuildTarget } from '../../../src/tenancy/target.js';
import { tenantOf } from '../../../src/tenancy/tenant.js';
import { TokenBuckets } from '../../../src/tenancy/token-bucket.js';
import { KeyedMutex, type LockKind } from '../../../src/tenancy/keyed-mutex.js';
import { isFree } from './lock-probe.js';
import { StreamCounter } from '../../../src/tenancy/stream-counter.js';
import { parseTenancy, type TenancySpec } from '../../../src/policy/tenancy-schema.js';
import { Problems } from '../../../src/policy/problems.js';
import type { JsonObject } from '../../../src/core/types.js';

const spec: TenancySpec = {
  admins: { users: ['root'], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: ['shared'], volumes: [] },
  quotas: { default: { containers: 5, memory: 64 * 2 ** 20 }, groups: { web: { containers: 10 } }, users: { alice: { running: 2 } } },
};

function identity(name: string, groups: string[] = []): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

function facts(method: string, target: string, body?: unknown): RequestFacts {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  return buildFacts({ method, rawTarget: target, headers, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });
}

describe('filters', () => {
  it.each([
    [undefined, '{"label":{"dockgate.owner=a":true}}'],
    ['', '{"label":{"dockgate.owner=a":true}}'],
    ['null', '{"label":{"dockgate.owner=a":true}}'],
    ['{"status":["exited"]}', '{"status":{"exited":true},"label":{"dockgate.owner=a":true}}'],
    ['{"label":["x=1"]}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"label":{"x=1":true}}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    // dockerd matches the keys whatever the boolean: a false value is still a filter.
    ['{"label":{"x=1":false}}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    // A client may not replace ours: the same key just stays set.
    ['{"label":{"dockgate.owner=a":false}}', '{"label":{"dockgate.owner=a":true}}'],
    // A name or value `__proto__` is a key like any other (rev-version F5): a plain `{}` made it the prototype.
    ['{"label":["__proto__"]}', '{"label":{"__proto__":true,"dockgate.owner=a":true}}'],
    ['{"label":{"__proto__":true}}', '{"label":{"__proto__":true,"dockgate.owner=a":true}}'],
    ['{"__proto__":{"x":true}}', '{"__proto__":{"x":true},"label":{"dockgate.owner=a":true}}'],
    ['{"__proto__":["x"],"label":["constructor"]}', '{"__proto__":{"x":true},"label":{"constructor":true,"dockgate.owner=a":true}}'],
    ['{"status":{"toString":true,"hasOwnProperty":false}}', '{"status":{"toString":true,"hasOwnProperty":true},"label":{"dockgate.owner=a":true}}'],
    // Go reads a null boolean as false and a null list element as "" (dockerd 20.10 accepts both).
    ['{"label":{"x=1":null}}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"label":[null,"x=1"]}', '{"label":{"":true,"x=1":true,"dockgate.owner=a":true}}'],
    // A name given twice: Go keeps the last occurrence (each decoded afresh, not merged), as
    // dockerd 20.10 lists it (seen on the daemon: docker ps with the filters below); forwarded once.
    ['{"label":["x=1"],"label":["y=2"]}', '{"label":{"y=2":true,"dockgate.owner=a":true}}'],
    ['{"label":{"x=1":true},"label":{"y=2":true}}', '{"label":{"y=2":true,"dockgate.owner=a":true}}'],
    ['{"status":["exited"],"label":["x=1"],"status":["created"]}', '{"status":{"created":true},"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"label":{"x=1":true,"x=1":false}}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    // null is a name with no values (Go's nil map or slice), in either form; a last null never
    // gets here (facts/panicking-filters.ts refuses it first: dockerd may add to that nil map).
    ['{"label":null}', '{"label":{"dockgate.owner=a":true}}'],
    ['{"status":null}', '{"status":{},"label":{"dockgate.owner=a":true}}'],
    ['{"label":null,"label":["x=1"]}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"label":["x=1"],"label":null}', '{"label":{"dockgate.owner=a":true}}'],
    ['{"status":null,"label":["x=1"]}', '{"status":{},"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"status":null,"label":{"x=1":true}}', '{"status":{},"label":{"x=1":true,"dockgate.owner=a":true}}'],
  ])('addLabelFilter(%s)', (raw, want) => {
    expect(addLabelFilter(raw, 'dockgate.owner=a')).toBe(want);
  });

  it.each([
    '{', '[]', '"x"', '{"label":"x"}', '{"label":[1]}', '{"label":{"x":1}}',
    // dockerd reads one form or the other, never a mix: it refuses these (400).
    '{"label":{"x":true},"driver":["local"]}', '{"label":["x"],"driver":{"local":true}}', '{"label":[],"driver":{}}',
    // A key twice: JSON.parse keeps the last, Go fails on a wrong type in any (rev-fix-proto F2).
    '{"label":["__proto__"],"label":{"constructor":true}}', '{"label":{"a":true},"label":["b"]}',
    '{"label":"x","label":["b"]}', '{"label":["b"],"label":1}', '{"label":{"a":1,"a":true}}', '{"label":[],"label":{"a":true}}',
    // null takes neither form: the others still may not mix.
    '{"label":null,"status":["x"],"driver":{"local":true}}',
  ])('refuses %s', (raw) => {
    expect(() => parseFilters(raw)).toThrow(FilterError);
  });

  // A refusal names the filter, never one of its values (a `token=<secret>` label: rev-secrets s27 F2).
  it.each([
    ['{"label":{"token=SEKRIT":1}}', 'filter "label" values must be booleans'],
    ['{"label":{"token=SEKRIT":true,"token=SEKRIT":"x"}}', 'filter "label" values must be booleans'],
    ['{"label":[{"token=SEKRIT":true}]}', 'filter "label" values must be strings'],
    ['{"label":["token=SEKRIT"],"label":{"token=SEKRIT":true}}', 'filters mixes the list form and the map form: dockerd reads neither'],
  ])('refuses %s in words', (raw, message) => {
    expect(() => parseFilters(raw)).toThrow(message);
    expect(() => parseFilters(raw)).not.toThrow(/SEKRIT/);
  });
});

describe('labels', () => {
  it.each([
    [{ Image: 'busybox' }, { Image: 'busybox', Labels: { 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }],
    [{ labels: { x: '1' } }, { labels: { x: '1', 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }],
    // Go folds the field name: the client's `LABELS` is the field dockerd fills, so ours goes there.
    [{ LABELS: null }, { LABELS: { 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }],
    [{ Labelſ: { x: '1' } }, { Labelſ: { x: '1', 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }],
  ])('withOwnerLabels %j', (body, want) => {
    expect(withOwnerLabels(body as JsonObject, ['Labels'], { 'dockgate.owner': 'alice', 'dockgate.team': 'web' })).toEqual(want);
  });

  it.each([
    [{ 'dockgate.owner': 'x' }, ['dockgate.owner']],
    [{ 'Dockgate.Team': 'x', other: 'y' }, ['Dockgate.Team']],
    [{ dockgate: 'x' }, []],
    // Only the prefix is reserved: a tenant's own namespace may hold the word.
    [{ 'com.example.dockgate.x': 'y', 'x.Dockgate.owner': 'z' }, []],
    [null, []],
  ])('reservedKeys %j', (labels, want) => {
    expect(reservedKeys(labels)).toEqual(want);
  });

  it('ownershipOf ignores empty and non-string values', () => {
    expect(ownershipOf({ 'dockgate.owner': 'a', 'dockgate.team': '' })).toEqual({ owner: 'a' });
    expect(ownershipOf({ 'dockgate.owner': 1 })).toEqual({});
  });

  // Labels that are no map (an image or volume without labels lists them as null): no owner.
  it.each([[null], [undefined], ['dockgate.owner'], [['dockgate.owner=a']]])('ownershipOf(%j) is unowned', (labels) => {
    expect(ownershipOf(labels as never)).toEqual({});
  });

  // A struct field holding a non-object is dockerd's refusal, never rewritten into an object.
  it.each([
    [{ HostConfig: 'x' }, ['HostConfig'], 'HostConfig is a string where dockerd reads an object'],
    [{ HostConfig: { LogConfig: [1] } }, ['HostConfig', 'LogConfig'], 'HostConfig.LogConfig is a list where dockerd reads an object'],
    [{ hostconfig: 5 }, ['HostConfig'], 'HostConfig is a number'],
  ])('goObjectAt(%j, %j) refuses', (body, path, message) => {
    const b = structuredClone(body) as JsonObject;
    expect(() => goObjectAt(b, ...path)).toThrow(BodyShapeError);
    expect(() => goObjectAt(b, ...path)).toThrow(message);
    expect(b).toEqual(body);
  });

  it.each([
    [{}, ['HostConfig'], { HostConfig: {} }],
    [{ HostConfig: null }, ['HostConfig', 'LogConfig'], { HostConfig: { LogConfig: {} } }],
    [{ hostconfig: { a: 1 } }, ['HostConfig'], { hostconfig: { a: 1 } }],
  ])('goObjectAt(%j, %j) finds or makes the object', (body, path, want) => {
    const b = structuredClone(body) as JsonObject;
    goObjectAt(b, ...path);
    expect(b).toEqual(want);
  });
});

describe('tenants and access', () => {
  const alice = tenantOf(spec, identity('alice', ['web']), ['web']);
  const carol = tenantOf(spec, identity('carol', ['data']), ['data']);
  const dave = tenantOf(spec, identity('dave'), []);
  const root = tenantOf(spec, identity('ops-person', ['ops']), ['ops']);

  it('a group or user named __proto__ gets its quota like any other (a policy mapping, as YAML and JSON give it)', () => {
    const problems = new Problems();
    const parsed = parseTenancy(JSON.parse('{"quotas":{"default":{"containers":9},"groups":{"__proto__":{"containers":1}},"users":{"__proto__":{"running":1}}}}'), problems);
    expect(problems.list).toEqual([]);
    if (!parsed) throw new Error('no spec');
    expect(tenantOf(parsed, identity('eve', ['__proto__']), ['__proto__']).quota).toEqual({ containers: 1 });
    expect(tenantOf(parsed, identity('__proto__'), []).quota).toEqual({ containers: 9, running: 1 });
    expect(tenantOf(parsed, identity('running'), []).quota).toEqual({ containers: 9 });
  });

  it('derives team, admin and merged quota', () => {
    expect(alice).toEqual({ name: 'alice', team: 'web', admin: false, quota: { containers: 10, memory: 64 * 2 ** 20, running: 2 } });
    expect(dave).toEqual({ name: 'dave', admin: false, quota: { containers: 5, memory: 64 * 2 ** 20 } });
    expect(root.admin).toBe(true);
  });

  // Mutation review s29: `admins.groups.some` read as `every` made everyone an admin under a
  // policy that names no admin group (the default), and no admin in one of two admin groups.
  it.each([
    ['no admins: section (the default): nobody is an admin', {}, ['web'], false],
    ['admin users only: a caller in any group is no admin', { admins: { users: ['root'] } }, ['web'], false],
    ['one of two admin groups is enough', { admins: { groups: ['ops', 'sec'] } }, ['sec'], true],
    ['a group outside the admin groups is not', { admins: { groups: ['ops', 'sec'] } }, ['web'], false],
  ])('admin: %s', (_name, tenancy, groups, want) => {
    const problems = new Problems();
    const parsed = parseTenancy(tenancy, problems);
    expect(problems.list).toEqual([]);
    if (!parsed) throw new Error('no spec');
    expect(tenantOf(parsed, identity('eve', groups), groups).admin).toBe(want);
  });

  const obj = (kind: ResolvedObject['kind'], ownership: ResolvedObject['ownership'], names: string[] = ['x']): ResolvedObject => ({ kind, id: 'id', names, ownership });
  it.each([
    ['own', alice, obj('containers', { owner: 'alice', team: 'web' }), 'modify', 'owner'],
    ['team member', alice, obj('containers', { owner: 'bob', team: 'web' }), 'modify', 'team'],
    ['other team', carol, obj('containers', { owner: 'bob', team: 'web' }), 'read', 'none'],
    ['no team: owner only', dave, obj('containers', { owner: 'bob' }), 'read', 'none'],
    ['team label without owner is not a team object', alice, obj('containers', { team: 'web' }), 'read', 'none'],
    ['unowned image read', carol, obj('images', {}), 'read', 'unowned'],
    ['unowned image modify', carol, obj('images', {}), 'modify', 'none'],
    ['unowned container', carol, obj('containers', {}), 'read', 'none'],
    ['shared network read', carol, obj('networks', { owner: 'root' }, ['shared']), 'read', 'shared'],
    ['shared network modify', carol, obj('networks', { owner: 'root' }, ['shared']), 'modify', 'none'],
    ['admin', root, obj('containers', { owner: 'bob' }), 'modify', 'admin'],
    // Images: the owner label gives `modify` only beside the owner's own team label. The
    // classic builder's intermediate image between the gateway's owner and team LABEL steps
    // has the caller as owner and the team the Dockerfile or base image gave it.
    ['own image', alice, obj('images', { owner: 'alice', team: 'web' }), 'modify', 'owner'],
    ['own image, another team\'s label (the owner step\'s image after a Dockerfile LABEL dockgate.team=web)', carol, obj('images', { owner: 'carol', team: 'web' }), 'modify', 'none'],
    ['own image, another team\'s label, read', carol, obj('images', { owner: 'carol', team: 'web' }), 'read', 'owner'],
    ['own image without a team label (the owner step\'s image of a FROM busybox build)', alice, obj('images', { owner: 'alice' }), 'modify', 'none'],
    ['own image without a team label, read', alice, obj('images', { owner: 'alice' }), 'read', 'owner'],
    ['no team: own image', dave, obj('images', { owner: 'dave' }), 'modify', 'owner'],
    ['no team: own image with a team label (FROM a web image)', dave, obj('images', { owner: 'dave', team: 'web' }), 'modify', 'none'],
    ['no team: own image with a team label, read', dave, obj('images', { owner: 'dave', team: 'web' }), 'read', 'owner'],
    ['own image from before a team change (the old team\'s)', alice, obj('images', { owner: 'alice', team: 'data' }), 'modify', 'none'],
    ['team: an image with the team\'s label is the team\'s whoever the owner', alice, obj('images', { owner: 'carol', team: 'web' }), 'modify', 'team'],
    ['admin: any image', root, obj('images', { owner: 'carol', team: 'web' }), 'modify', 'admin'],
    // Containers, volumes and networks get both labels in one create: the owner label suffices.
    ['own container, another team\'s label', alice, obj('containers', { owner: 'alice', team: 'data' }), 'modify', 'owner'],
    ['own volume without a team label', alice, obj('volumes', { owner: 'alice' }), 'modify', 'owner'],
    ['no team: own network with a team label', dave, obj('networks', { owner: 'dave', team: 'web' }), 'modify', 'owner'],
  ] as const)('%s', (_t, tenant, o, level, want) => {
    expect(accessTo(spec, tenant, o, level)).toBe(want);
  });

  // Visible in a list: whatever grants read access.
  it.each([
    ['own', alice, obj('containers', { owner: 'alice', team: 'web' }), true],
    ['team', alice, obj('containers', { owner: 'bob', team: 'web' }), true],
    ['unowned image', carol, obj('images', {}), true],
    ['shared network', carol, obj('networks', { owner: 'root' }, ['shared']), true],
    ['admin', root, obj('containers', { owner: 'bob' }), true],
    ['another team\'s', carol, obj('containers', { owner: 'bob', team: 'web' }), false],
    ['another tenant\'s image', dave, obj('images', { owner: 'bob', team: 'web' }), false],
    ['unowned container', carol, obj('containers', {}), false],
  ] as const)('visibleTo: %s', (_t, tenant, o, want) => {
    expect(visibleTo(spec, tenant, o)).toBe(want);
  });

  it.each([
    [alice, 'containers', 'dockgate.team=web'],
    [dave, 'volumes', 'dockgate.owner=dave'],
    // Images include unowned ones and networks a shared one: no single label selects them.
    [dave, 'images', undefined],
    [dave, 'networks', undefined],
  ] as const)('visibilityLabel %#', (tenant, kind, want) => {
    expect(visibilityLabel(spec, tenant, kind)).toBe(want);
  });

  // A shared volume has another owner: no single label selects it with the tenant's own.
  const sharedVolumes: TenancySpec = { ...spec, shared: { networks: [], volumes: ['cache'] } };
  it.each([
    [dave, 'volumes', undefined],
    [alice, 'volumes', undefined],
    [dave, 'networks', 'dockgate.owner=dave'],
    [alice, 'containers', 'dockgate.team=web'],
  ] as const)('visibilityLabel with shared volumes %#', (tenant, kind, want) => {
    expect(visibilityLabel(sharedVolumes, tenant, kind)).toBe(want);
  });
});

describe('operation plans', () => {
  it.each([
    ['ContainerStop', 'containers', 'object'],
    ['ExecStart', 'exec', 'object'],
    ['ContainerCreate', 'containers', 'create'],
    ['ContainerList', 'containers', 'list'],
    ['ContainerPrune', 'containers', 'prune'],
    ['ImageLoad', 'images', 'admin'],
    ['BuildPrune', 'build', 'none-owned'],
    ['BuildCancel', 'build', 'admin'],
    ['SomeFutureContainerRoute', 'containers', 'admin'],
    ['SystemInfo', 'system', 'pass'],
    ['ImageSearch', 'images', 'pass'],
    // Sections outside tenancy altogether: admins only, whatever the operation.
    ['ServiceCreate', 'services', 'admin'],
    ['ServiceList', 'services', 'admin'],
    ['SwarmInit', 'swarm', 'admin'],
    ['SwarmInspect', 'swarm', 'admin'],
    ['TaskList', 'tasks', 'admin'],
    ['NodeList', 'nodes', 'admin'],
    ['SecretCreate', 'secrets', 'admin'],
    ['ConfigList', 'configs', 'admin'],
    ['PluginPull', 'plugins', 'admin'],
    ['PluginList', 'plugins', 'admin'],
  ])('%s', (name, section, kind) => {
    expect(planFor(name, section).kind).toBe(kind);
  });

  it.each([
    ['SwarmInit', 'swarm', "swarm is outside tenancy's ownership checks, quotas and limits"],
    ['ServiceCreate', 'services', "services are outside tenancy's ownership checks, quotas and limits"],
    ['PluginList', 'plugins', "plugins are outside tenancy's ownership checks, quotas and limits"],
  ])('%s: the reason names the section', (name, section, reason) => {
    expect(planFor(name, section)).toEqual({ kind: 'admin', reason });
  });

  // The fallback (admin-only) is for routes added to the table later; every route known today
  // in an owned section is classified on purpose (ImageSearch fell to it and was refused to
  // tenants as "affects every tenant", rev-routes F1).
  it('every operation of an owned section in the operation table has a plan of its own', () => {
    const unclassified = OPERATION_TABLE.filter((op) => OWNED_SECTIONS.has(op.section) && !CLASSIFIED_OPERATIONS.has(op.name)).map((op) => op.name);
    expect(unclassified).toEqual([]);
  });
});

describe('references in a create body', () => {
  it('finds containers, volumes and networks, case-folded like Go', () => {
    const refs = createReferences({
      hostconfig: {
        VolumesFrom: ['a:ro'],
        NetworkMode: 'container:b',
        PidMode: 'container:c',
        Links: ['/d:/me/alias'],
        Binds: ['vol1:/data', '/host:/h', './rel:/r'],
        Mounts: [{ Type: 'volume', Source: 'vol2' }, { Type: 'bind', Source: '/x' }],
      },
      NetworkingConfig: { EndpointsConfig: { net1: {}, bridge: {} } },
    });
    expect(refs.map((r) => `${r.kind}:${r.name}`)).toEqual(['containers:a', 'containers:b', 'containers:c', 'containers:d', 'volumes:vol1', 'volumes:vol2', 'networks:net1']);
  });

  it('the legacy top-level copies of the HostConfig fields are references too (dockerd uses them without a HostConfig)', () => {
    const refs = createReferences({
      Image: 'busybox',
      VolumesFrom: ['a'],
      IpcMode: 'container:b',
      Links: ['c:alias'],
      Binds: ['vol1:/data'],
      Mounts: [{ Type: 'volume', Source: 'vol2' }],
      NetworkMode: 'net1',
    });
    expect(refs.map((r) => `${r.kind}:${r.name}:${r.where}`)).toEqual([
      'containers:a:VolumesFrom', 'networks:net1:NetworkMode', 'containers:b:IpcMode', 'containers:c:Links', 'volumes:vol1:Binds', 'volumes:vol2:Mounts',
    ]);
  });

  // Aliases or Links that are set (a non-empty list, or any other non-null value) give DNS names.
  it.each([
    [{ Aliases: ['a'] }, true],
    [{ Links: ['c:alias'] }, true],
    [{ Aliases: [], Links: ['c'] }, true],
    [{ Aliases: ['a'], Links: [] }, true],
    [{ aliases: 'x' }, true],
    [{ Aliases: [], Links: [] }, false],
    [{ Aliases: null, Links: null }, false],
    [{ IPAMConfig: {} }, false],
    [undefined, false],
  ])('endpointNames(%j)', (endpoint, want) => {
    expect(endpointNames(endpoint as never)).toBe(want);
  });

  it.each([
    ['c', { name: 'c', alias: 'c' }],
    ['/c', { name: 'c', alias: '/c' }],
    ['c:alias', { name: 'c', alias: 'alias' }],
    ['/c:/me/alias', { name: 'c', alias: 'alias' }],
    ['', undefined],
    ['a:b:c', undefined],
  ])('parseLink(%j)', (link, want) => {
    expect(parseLink(link)).toEqual(want);
  });

  it.each([
    [{ Links: ['c:alias', 'a:b:c', 'd'] }, ['c', 'd']],
    [{ Links: [] }, []],
    [{}, []],
  ])('endpointLinkNames(%j)', (endpoint, want) => {
    expect(endpointLinkNames(endpoint as never)).toEqual(want);
  });

  it('a user network in NetworkMode is a reference; built-in modes are not', () => {
    expect(createReferences({ HostConfig: { NetworkMode: 'mynet' } })).toEqual([{ kind: 'networks', name: 'mynet', where: 'HostConfig.NetworkMode' }]);
    expect(createReferences({ HostConfig: { NetworkMode: 'host' } })).toEqual([]);
  });
});

describe('limits', () => {
  const q = { memory: 100, defaultMemory: 50, cpus: 2, defaultCpus: 0.5 };
  it.each([
    [{}, { HostConfig: { Memory: 50, NanoCpus: 5e8 } }, undefined],
    [{ hostconfig: { memory: 80 } }, { hostconfig: { memory: 80, NanoCpus: 5e8 } }, undefined],
    [{ HostConfig: { Memory: 101 } }, undefined, 'exceeds your maximum'],
    [{ HostConfig: { NanoCpus: 3e9 } }, undefined, 'CPU limit 3 exceeds'],
    [{ HostConfig: { CpuQuota: 300000, CpuPeriod: 100000 } }, undefined, 'CPU limit 3 exceeds'],
    // A quota without a period: dockerd's default period of 100 ms.
    [{ HostConfig: { CpuQuota: 300000 } }, undefined, 'CPU limit 3 exceeds'],
    [{ HostConfig: { CpuQuota: 150000, Memory: 50 } }, { HostConfig: { CpuQuota: 150000, Memory: 50 } }, undefined],
    // Period set without quota: inject a quota (NanoCpus beside CpuPeriod is refused by dockerd).
    [{ HostConfig: { CpuPeriod: 50000 } }, { HostConfig: { CpuPeriod: 50000, Memory: 50, CpuQuota: 25000 } }, undefined],
  ])('create %j', (body, want, problem) => {
    const b = structuredClone(body) as JsonObject;
    const r = applyLimits(b, q, true, ['HostConfig']);
    if (problem) expect(r?.message).toContain(problem);
    else {
      expect(r).toBeUndefined();
      expect(b).toEqual(want);
    }
  });

  it('an update that sets nothing keeps the limits; one above the maximum is refused', () => {
    const b: JsonObject = { RestartPolicy: { Name: 'always' } };
    expect(applyLimits(b, q, false, [])).toBeUndefined();
    expect(b).toEqual({ RestartPolicy: { Name: 'always' } });
    expect(applyLimits({ Memory: 200 }, q, false, [])?.message).toContain('exceeds');
  });
});

describe('swap under a memory quota (rev-tenread F2)', () => {
  const q = { memory: 100 };
  it.each([
    ['not set', {}, undefined],
    ['0 (dockerd: as much swap as memory)', { HostConfig: { MemorySwap: 0 } }, undefined],
    ['-1 (unlimited swap)', { HostConfig: { MemorySwap: -1 } }, 'unlimited swap (MemorySwap -1) is not allowed under a memory quota'],
    ['-1, key in lower case', { hostconfig: { memoryswap: -1 } }, 'unlimited swap'],
    ['twice the maximum', { HostConfig: { MemorySwap: 200 } }, undefined],
    ['above twice the maximum', { HostConfig: { MemorySwap: 201 } }, 'exceeds twice your memory maximum'],
    // dockerd takes the legacy top-level MemorySwap when the HostConfig leaves it unset.
    ['-1 at the legacy top level beside a HostConfig', { MemorySwap: -1, HostConfig: {} }, 'unlimited swap'],
  ])('create, %s', (_n, body, problem) => {
    expect(bodySwapProblem(structuredClone(body) as JsonObject, q, [[], ['HostConfig']])?.message).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });
  it.each([
    ['not set: unchanged', {}, undefined],
    ['-1: refused', { MemorySwap: -1 }, 'unlimited swap'],
    ['above twice the maximum', { MemorySwap: 1000 }, 'exceeds twice'],
  ])('update, %s', (_n, body, problem) => {
    expect(bodySwapProblem(structuredClone(body) as JsonObject, q, [[]])?.message).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });
  it('a byte over is named in bytes, not rounded to the same MiB (rev-fix-cli F6)', () => {
    expect(bodySwapProblem({ HostConfig: { MemorySwap: 2 * 1048576 + 1 } }, { memory: 1048576 }, [['HostConfig']])?.message).toBe('memory plus swap limit 2097153 bytes (MemorySwap) exceeds twice your memory maximum, 2MiB');
  });
  it('without a memory quota swap is not looked at', () => {
    expect(bodySwapProblem({ HostConfig: { MemorySwap: -1 } }, { cpus: 1 }, [['HostConfig']])).toBeUndefined();
  });
});

describe('PIDs limit', () => {
  const q = { pids: 200 };
  it.each([
    ['none set: the maximum is injected', {}, { HostConfig: { PidsLimit: 200 } }, undefined],
    ['null: injected', { HostConfig: { PidsLimit: null } }, { HostConfig: { PidsLimit: 200 } }, undefined],
    ['0 (unlimited): injected', { HostConfig: { PidsLimit: 0 } }, { HostConfig: { PidsLimit: 200 } }, undefined],
    ['-1 (unlimited), key in lower case: injected into that key', { hostconfig: { pidslimit: -1 } }, { hostconfig: { pidslimit: 200 } }, undefined],
    ['below the maximum: kept', { HostConfig: { PidsLimit: 64 } }, { HostConfig: { PidsLimit: 64 } }, undefined],
    ['the maximum: kept', { HostConfig: { PidsLimit: 200 } }, { HostConfig: { PidsLimit: 200 } }, undefined],
    ['above the maximum: refused', { HostConfig: { PidsLimit: 201 } }, undefined, 'PIDs limit 201 exceeds your maximum of 200'],
  ])('create, %s', (_n, body, want, problem) => {
    const b = structuredClone(body) as JsonObject;
    const r = applyLimits(b, q, true, ['HostConfig']);
    if (problem) expect(r?.message).toBe(problem);
    else {
      expect(r).toBeUndefined();
      expect(b).toEqual(want);
    }
  });
  it.each([
    ['not set: unchanged', {}, undefined],
    ['null: unchanged (dockerd keeps the current value)', { PidsLimit: null }, undefined],
    ['lower: allowed', { PidsLimit: 100 }, undefined],
    ['0: refused (dockerd would lift the limit)', { PidsLimit: 0 }, 'removing the PIDs limit is not allowed'],
    ['-1: refused', { pidsLimit: -1 }, 'removing the PIDs limit is not allowed'],
    ['above the maximum: refused', { PidsLimit: 4096 }, 'PIDs limit 4096 exceeds your maximum of 200'],
  ])('update, %s', (_n, body, problem) => {
    expect(applyLimits(structuredClone(body) as JsonObject, q, false, [])?.message).toBe(problem);
  });
  it('without a pids quota nothing is injected', () => {
    const b: JsonObject = { HostConfig: {} };
    expect(applyLimits(b, { memory: 100 }, true, ['HostConfig'])).toBeUndefined();
    expect(b).toEqual({ HostConfig: { Memory: 100 } });
  });
});

describe('restart policies under a running quota', () => {
  const both = [[], ['HostConfig']] as const;
  it.each([
    ['no policy', {}, undefined],
    ['"no"', { HostConfig: { RestartPolicy: { Name: 'no' } } }, undefined],
    ['empty name', { HostConfig: { RestartPolicy: { Name: '', MaximumRetryCount: 0 } } }, undefined],
    ['null', { HostConfig: { RestartPolicy: null } }, undefined],
    ['always', { HostConfig: { RestartPolicy: { Name: 'always' } } }, 'restart policies are not allowed'],
    ['unless-stopped, keys in lower case', { hostconfig: { restartpolicy: { name: 'unless-stopped' } } }, 'restart policies are not allowed'],
    ['on-failure', { HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 1 } } }, 'restart policies are not allowed'],
    ['always at the legacy top level', { RestartPolicy: { Name: 'always' } }, 'restart policies are not allowed'],
    ['a name that is not a string', { HostConfig: { RestartPolicy: { Name: 1 } } }, 'restart policies are not allowed'],
  ])('create with %s', (_n, body, problem) => {
    expect(restartPolicyProblem(body as JsonObject, { running: 2 }, both)?.message).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });
  it('without a running quota any policy goes', () => {
    expect(restartPolicyProblem({ RestartPolicy: { Name: 'always' } }, { containers: 3 }, [[]])).toBeUndefined();
  });
});

describe('rebuildTarget', () => {
  it.each([
    ['GET', '/v1.41/containers/abc/json', { params: { name: 'f'.repeat(64) } }, `/v1.41/containers/${'f'.repeat(64)}/json`],
    ['POST', '/containers/ab%63/stop?t=1', { params: { name: 'ID' } }, '/containers/ID/stop?t=1'],
    ['GET', '/containers/json?all=1&filters=%7B%7D&filters=x', { query: { filters: '{"a":1}' } }, '/containers/json?all=1&filters=%7B%22a%22%3A1%7D'],
    ['POST', '/commit?container=x&changes=A&changes=B', { query: { container: 'ID' }, append: { changes: ['C'] } }, '/commit?changes=A&changes=B&container=ID&changes=C'],
    ['DELETE', '/images/library/busybox:latest', {}, '/images/library/busybox%3Alatest'],
  ])('%s %s', (method, target, change, want) => {
    expect(rebuildTarget(facts(method, target), change)).toBe(want);
  });
});

describe('token bucket with an injected clock', () => {
  it('allows the burst, refuses with Retry-After, refills over time', () => {
    let now = 0;
    const b = new TokenBuckets(() => now);
    expect([1, 2, 3].map(() => b.take('a', 0.5, 3).ok)).toEqual([true, true, true]);
    expect(b.take('a', 0.5, 3)).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(b.take('b', 0.5, 3).ok).toBe(true);
    now = 1000;
    expect(b.take('a', 0.5, 3)).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 2000;
    expect(b.take('a', 0.5, 3).ok).toBe(true);
    expect(b.take('a', 0.5, 3).ok).toBe(false);
  });

  it('a sweep judges each bucket by its own rate: a fast identity\'s traffic does not refill a slow one', () => {
    let now = 0;
    const b = new TokenBuckets(() => now);
    // bob: 0.2/s, burst 3, used up; carol: 100/s, burst 1000.
    expect([1, 2, 3, 4].map(() => b.take('bob', 0.2, 3).ok)).toEqual([true, true, true, false]);
    now = 1500;
    expect(b.take('carol', 100, 1000).ok).toBe(true);
    // Judged by carol's rate, bob's bucket (0.3 tokens now) looked full and was dropped.
    b.sweep();
    expect(b.take('bob', 0.2, 3)).toEqual({ ok: false, retryAfterSeconds: 4 });
    // Full buckets are forgotten: bob's after 15 s, carol's at once (999 of 1000 + refill).
    now = 20_000;
    b.sweep();
    expect([1, 2, 3, 4].map(() => b.take('bob', 0.2, 3).ok)).toEqual([true, true, true, false]);
  });
});

describe('keyed mutex and stream counter', () => {
  it('serialises one key and not others', async () => {
    const m = new KeyedMutex();
    const order: string[] = [];
    const r1 = await m.acquire('volume-name', 'a');
    const p2 = m.acquire('volume-name', 'a').then((r) => {
      order.push('a2');
      r();
    });
    const rb = await m.acquire('volume-name', 'b');
    order.push('b');
    rb();
    order.push('a1-release');
    r1();
    await p2;
    expect(order).toEqual(['b', 'a1-release', 'a2']);
  });

  // Names come from clients: a certificate named `container-name:web1` creating a container
  // `web1` waited under its quota lock for its own name lock, for good (rev-identity F1).
  it.each<[LockKind, string, LockKind, string]>([
    ['containers-quota', 'container-name:web1', 'container-name', 'web1'],
    ['containers-quota', 'volume-name:data', 'volume-name', 'data'],
    ['containers-quota', 'running:bob', 'running-quota', 'bob'],
    ['containers-quota', 'networks:bob', 'networks-quota', 'bob'],
    ['running-quota', 'bob', 'containers-quota', 'bob'],
    ['update', 'abc', 'container-name', 'abc'],
  ])('a %s lock on %j leaves the %s lock on %j free', async (heldKind, heldName, kind, name) => {
    const m = new KeyedMutex();
    const held = await m.acquire(heldKind, heldName);
    expect(await isFree(m, kind, name)).toBe(true);
    expect(await isFree(m, heldKind, heldName)).toBe(false);
    held();
    expect(await isFree(m, heldKind, heldName)).toBe(true);
  });

  it('counts open streams up to the maximum', () => {
    const s = new StreamCounter();
    const c1 = s.tryOpen('a', 2);
    const c2 = s.tryOpen('a', 2);
    expect(s.tryOpen('a', 2)).toBeUndefined();
    c1?.();
    c1?.();
    expect(s.count('a')).toBe(1);
    expect(s.tryOpen('a', 2)).toBeDefined();
    c2?.();
  });
});
