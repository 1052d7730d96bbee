/**
 * Volumes and networks (rev-storage findings 1-4): anonymous volumes are never `unowned`
 * (access.ts), volumes in memory under a memory quota (tmpfs-volumes.ts), fixed MAC and IP
 * addresses on networks the caller may not change (endpoint-addresses.ts), and the links of a
 * network connect and of a create's endpoints (references.ts). Tables for the pure parts, then
 * admissions against a fake daemon.
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import { accessTo, visibilityLabel, type ResolvedObject } from '../../../src/tenancy/access.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import { addressOnPredefinedNetwork, endpointAddresses, macAddressSet } from '../../../src/tenancy/endpoint-addresses.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { createReferences, endpointLinkNames } from '../../../src/tenancy/references.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';
import { tenantOf } from '../../../src/tenancy/tenant.js';
import { memoryVolume, memoryVolumeMount } from '../../../src/tenancy/tmpfs-volumes.js';
import { madeByGateway } from './made-by-gateway.js';

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images', 'volumes', 'networks'],
  shared: { networks: ['shared'], volumes: [] },
  quotas: { default: { memory: 64 * 2 ** 20 }, groups: {}, users: { free: { containers: 5 } } },
};
const noMemory: TenancySpec = { ...spec, quotas: { default: {}, groups: {}, users: {} } };

function identity(name: string, groups: string[] = []): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

const HEX = 'c7555c6e'.padEnd(64, '0');

describe('an anonymous volume is never unowned, whatever unowned: lists (F1)', () => {
  const carol = tenantOf(spec, identity('carol', ['data']), ['data']);
  const vol = (id: string, ownership: ResolvedObject['ownership'] = {}): ResolvedObject => ({ kind: 'volumes', id, names: [id], ownership });
  it.each([
    ['an anonymous volume, read', vol(HEX), 'read', 'none'],
    ['an anonymous volume, modify', vol(HEX), 'modify', 'none'],
    ['a named volume without an owner, read', vol('opsdata'), 'read', 'unowned'],
    ['65 hex digits: a name', vol(`${HEX}0`), 'read', 'unowned'],
    ['upper-case hex: a name dockerd never makes', vol(HEX.toUpperCase()), 'read', 'unowned'],
    ['an anonymous volume with the caller\'s labels (--mount type=volume)', vol(HEX, { owner: 'carol', team: 'data' }), 'modify', 'owner'],
    ['a network with a 64-hex ID is not a volume', { kind: 'networks', id: HEX, names: ['n'], ownership: {} } as ResolvedObject, 'read', 'unowned'],
  ] as const)('%s', (_t, o, level, want) => {
    expect(accessTo(spec, carol, o, level)).toBe(want);
  });

  it('a 64-hex name listed in shared.volumes is shared (the admin named it)', () => {
    expect(accessTo({ ...spec, shared: { networks: [], volumes: [HEX] } }, carol, vol(HEX), 'read')).toBe('shared');
  });

  it('lists are filtered one by one with volumes in unowned: (no single label)', () => {
    expect(visibilityLabel(spec, carol, 'volumes')).toBeUndefined();
  });
});

describe('volumes in memory (F4)', () => {
  it.each([
    [undefined, { type: 'tmpfs', device: 'tmpfs' }, true],
    ['local', { type: 'tmpfs' }, true],
    ['', { type: 'ramfs' }, true],
    [' LOCAL ', { type: ' TmpFS ' }, true],
    ['local', { Type: 'tmpfs' }, true],
    [null, { type: 'tmpfs' }, true],
    ['local', { type: 'none', o: 'bind', device: '/srv' }, false],
    ['local', {}, false],
    ['local', undefined, false],
    ['local', { type: 7 }, false],
    ['someplugin', { type: 'tmpfs' }, false],
  ] as const)('memoryVolume(%j, %j) = %s', (driver, opts, want) => {
    expect(memoryVolume(driver as never, opts as never)).toBe(want);
  });

  it.each([
    [{ HostConfig: { Mounts: [{ Type: 'volume', Target: '/m', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'tmpfs' } } } }] } }, 'HostConfig.Mounts[0].VolumeOptions.DriverConfig'],
    [{ HostConfig: { Mounts: [{ Type: 'tmpfs', Target: '/t' }, { type: 'Volume', Source: 'v', volumeoptions: { driverconfig: { options: { type: 'tmpfs' } } } }] } }, 'HostConfig.Mounts[1].VolumeOptions.DriverConfig'],
    [{ Mounts: [{ Type: 'volume', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs' } } } }] }, 'Mounts[0].VolumeOptions.DriverConfig'],
    [{ HostConfig: { Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1 } }], Tmpfs: { '/x': '' } } }, undefined],
    [{ HostConfig: { Mounts: [{ Type: 'volume', Source: 'v', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind' } } } }] } }, undefined],
  ])('memoryVolumeMount(%j)', (body, want) => {
    expect(memoryVolumeMount(body as never)).toBe(want);
  });
});

describe('fixed addresses (F2)', () => {
  it.each([
    [{ IPAMConfig: { IPv4Address: '10.0.0.9' } }, true],
    [{ ipamconfig: { ipv6address: 'fd00::9' } }, true],
    [{ IPAMConfig: { LinkLocalIPs: ['169.254.0.9'] } }, true],
    [{ MacAddress: '02:42:00:00:00:09' }, true],
    [{ IPAMConfig: { IPv4Address: '', IPv6Address: null, LinkLocalIPs: [] }, MacAddress: '' }, false],
    [{ IPAMConfig: null }, false],
    [{ Aliases: ['a'] }, false],
    [undefined, false],
  ])('endpointAddresses(%j) = %s', (endpoint, want) => {
    expect(endpointAddresses(endpoint as never)).toBe(want);
  });

  it.each([
    [{ MacAddress: '02:42:00:00:00:09' }, true],
    [{ macaddress: '02:42:00:00:00:09' }, true],
    [{ MacAddress: '' }, false],
    [{}, false],
  ])('macAddressSet(%j) = %s', (body, want) => {
    expect(macAddressSet(body as never)).toBe(want);
  });

  it.each([
    ['MAC, no network mode: the default bridge', { MacAddress: 'm' }, { where: 'MacAddress', network: 'bridge' }],
    ['MAC, HostConfig without a NetworkMode', { MacAddress: 'm', HostConfig: {} }, { where: 'MacAddress', network: 'bridge' }],
    ['MAC, NetworkMode default', { MacAddress: 'm', HostConfig: { NetworkMode: 'default' } }, { where: 'MacAddress', network: 'bridge' }],
    ['MAC, legacy top-level NetworkMode bridge (no HostConfig)', { MacAddress: 'm', NetworkMode: 'bridge' }, { where: 'MacAddress', network: 'bridge' }],
    ['MAC, HostConfig null: the legacy top level is read', { MacAddress: 'm', HostConfig: null, NetworkMode: 'mine' }, undefined],
    ['MAC on a user network (a reference, checked there)', { MacAddress: 'm', HostConfig: { NetworkMode: 'mine' } }, undefined],
    ['MAC with the legacy mode ignored beside a HostConfig', { MacAddress: 'm', HostConfig: { NetworkMode: 'mine' }, NetworkMode: 'bridge' }, undefined],
    ['an IP on the bridge endpoint', { NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: { IPv4Address: '172.17.0.9' } } } } }, { where: 'NetworkingConfig.EndpointsConfig.bridge', network: 'bridge' }],
    ['no address', { HostConfig: { NetworkMode: 'bridge' }, NetworkingConfig: { EndpointsConfig: { bridge: {} } } }, undefined],
  ])('addressOnPredefinedNetwork: %s', (_t, body, want) => {
    expect(addressOnPredefinedNetwork(body as never)).toEqual(want);
  });

  it('createReferences marks the networks on which an address is fixed, and finds endpoint links', () => {
    const refs = createReferences({
      MacAddress: '02:42:00:00:00:09',
      HostConfig: { NetworkMode: 'shared' },
      NetworkingConfig: { EndpointsConfig: { shared: { IPAMConfig: { IPv4Address: '10.0.0.9' }, Links: ['web:w', 'a:b:c'] }, other: {} } },
    });
    expect(refs).toEqual([
      { kind: 'networks', name: 'shared', where: 'HostConfig.NetworkMode', fixesAddress: true },
      { kind: 'networks', name: 'shared', where: 'NetworkingConfig.EndpointsConfig', namesOnNetwork: true, fixesAddress: true, endpoint: 'shared' },
      { kind: 'containers', name: 'web', where: 'NetworkingConfig.EndpointsConfig.shared.Links', endpoint: 'shared' },
      { kind: 'networks', name: 'other', where: 'NetworkingConfig.EndpointsConfig', namesOnNetwork: false, endpoint: 'other' },
    ]);
  });

  it.each([
    [{ Links: ['web:w', '/db:/me/db', 'plain', 'a:b:c', 7] }, ['web', 'db', 'plain']],
    [{ links: ['x'] }, ['x']],
    [{}, []],
  ])('endpointLinkNames(%j)', (endpoint, want) => {
    expect(endpointLinkNames(endpoint as never)).toEqual(want);
  });
});

const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });
const SHARED = 's'.repeat(64);
const MINE = 'm'.repeat(64);
const CAROLC = 'c0'.padEnd(64, '0');
const ALICEC = 'a0'.padEnd(64, '0');

const daemon: DaemonClient = madeByGateway({
  get(path) {
    const d = decodeURIComponent(path);
    if (d === '/images/busybox/json') return Promise.resolve(answer(200, { Id: 'sha256:b', RepoTags: ['busybox:latest'], Config: { Labels: {} } }));
    if (d === '/networks/shared' || d === `/networks/${SHARED}`) return Promise.resolve(answer(200, { Id: SHARED, Name: 'shared', Labels: { 'dockgate.owner': 'ops' } }));
    if (d === '/networks/mine' || d === `/networks/${MINE}`) return Promise.resolve(answer(200, { Id: MINE, Name: 'mine', Labels: { 'dockgate.owner': 'carol', 'dockgate.team': 'data' } }));
    if (d === '/networks/bridge') return Promise.resolve(answer(200, { Id: 'b'.repeat(64), Name: 'bridge', Labels: {} }));
    if (d === '/containers/carolc/json' || d === `/containers/${CAROLC}/json`) {
      return Promise.resolve(answer(200, { Id: CAROLC, Name: '/carolc', Config: { Labels: { 'dockgate.owner': 'carol', 'dockgate.team': 'data' } }, HostConfig: {}, Mounts: [], State: { Running: true } }));
    }
    if (d === '/containers/alicec/json' || d === `/containers/${ALICEC}/json`) {
      return Promise.resolve(answer(200, { Id: ALICEC, Name: '/alicec', Config: { Labels: { 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }, HostConfig: {}, Mounts: [], State: { Running: true } }));
    }
    if (d.startsWith('/containers/json?')) return Promise.resolve(answer(200, []));
    return Promise.resolve(answer(404, { message: `No such object: ${d}` }));
  },
});

async function admit(method: string, target: string, body: unknown, who = 'carol', policy = spec): Promise<TenancyVerdict> {
  const tenancy = createTenancy({ daemon, spec: () => policy, groups: (id) => id.groups });
  const raw = Buffer.from(JSON.stringify(body));
  const facts = buildFacts({ method, rawTarget: target, headers: { 'content-type': 'application/json' }, body: raw });
  return tenancy.admit({ identity: identity(who, who === 'carol' ? ['data'] : []), facts, body: raw, method, target });
}

const CREATE = '/v1.41/containers/create';
const TMPFS = 'a volume in memory (local driver, type=tmpfs or ramfs,';

describe('admission: volumes in memory under a memory quota (F4)', () => {
  it('volume create with type=tmpfs: refused under a memory quota', async () => {
    const v = await admit('POST', '/v1.41/volumes/create', { Name: 'tmem', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=200m' } });
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'tmpfs-volume' });
    expect((v as { message: string }).message).toContain(`${TMPFS} DriverOpts) is refused under your memory quota`);
  });

  it('an unnamed volume create too', async () => {
    expect(await admit('POST', '/v1.41/volumes/create', { DriverOpts: { type: 'tmpfs' } })).toMatchObject({ kind: 'deny', code: 'tmpfs-volume' });
  });

  it('without a memory quota: forwarded (nothing to bypass)', async () => {
    expect((await admit('POST', '/v1.41/volumes/create', { Name: 'tmem', DriverOpts: { type: 'tmpfs' } }, 'carol', noMemory)).kind).toBe('forward');
  });

  it('a plain volume: forwarded', async () => {
    expect((await admit('POST', '/v1.41/volumes/create', { Name: 'plain' })).kind).toBe('forward');
  });

  it('a create whose anonymous --mount makes one: refused; --tmpfs forwarded', async () => {
    const mount = { Type: 'volume', Target: '/m', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs' } } } };
    expect(await admit('POST', CREATE, { Image: 'busybox', HostConfig: { Mounts: [mount] } })).toMatchObject({ kind: 'deny', code: 'tmpfs-volume' });
    expect((await admit('POST', CREATE, { Image: 'busybox', HostConfig: { Tmpfs: { '/t': 'size=1m' }, Mounts: [{ Type: 'tmpfs', Target: '/u' }] } })).kind).toBe('forward');
  });
});

describe('admission: fixed addresses and links (F2, F3)', () => {
  const ADDRESS = (where: string, net: string) => `a fixed MAC or IP address (${where}) on network "${net}" is not allowed`;
  const deny = async (target: string, body: unknown, code: string, text: string) => {
    const v = await admit('POST', target, body);
    expect(v).toMatchObject({ kind: 'deny', status: 403, code });
    expect((v as { message: string }).message).toContain(text);
  };

  it.each([
    ['--ip on the shared network', { Image: 'busybox', HostConfig: { NetworkMode: 'shared' }, NetworkingConfig: { EndpointsConfig: { shared: { IPAMConfig: { IPv4Address: '10.0.0.9' } } } } }, ADDRESS('NetworkingConfig.EndpointsConfig', 'shared')],
    ['--mac-address on the shared network (API < 1.44)', { Image: 'busybox', MacAddress: '02:42:00:00:00:09', HostConfig: { NetworkMode: 'shared' } }, ADDRESS('HostConfig.NetworkMode', 'shared')],
    ['a MAC address in the shared endpoint (API 1.44)', { Image: 'busybox', HostConfig: { NetworkMode: 'shared' }, NetworkingConfig: { EndpointsConfig: { shared: { MacAddress: '02:42:00:00:00:09' } } } }, ADDRESS('NetworkingConfig.EndpointsConfig', 'shared')],
    ['an endpoint NetworkID of the shared network under the key of an own one', { Image: 'busybox', NetworkingConfig: { EndpointsConfig: { mine: { NetworkID: SHARED, IPAMConfig: { IPv4Address: '10.0.0.9' } } } } }, ADDRESS('NetworkingConfig.EndpointsConfig.mine.NetworkID', SHARED)],
    ['--mac-address on the default bridge', { Image: 'busybox', MacAddress: '02:42:00:00:00:09' }, ADDRESS('MacAddress', 'bridge')],
    ['a legacy body: top-level NetworkMode shared and MacAddress', { Image: 'busybox', MacAddress: '02:42:00:00:00:09', NetworkMode: 'shared' }, ADDRESS('NetworkMode', 'shared')],
  ])('create: %s is refused', async (_t, body, text) => {
    await deny(CREATE, body, 'network-address', text);
  });

  it.each([
    ['--ip and --mac-address on the caller\'s team network', { Image: 'busybox', MacAddress: '02:42:00:00:00:09', HostConfig: { NetworkMode: 'mine' }, NetworkingConfig: { EndpointsConfig: { mine: { IPAMConfig: { IPv4Address: '10.1.0.9' } } } } }],
    ['the shared network without addresses', { Image: 'busybox', HostConfig: { NetworkMode: 'shared' }, NetworkingConfig: { EndpointsConfig: { shared: { IPAMConfig: { IPv4Address: '' } } } } }],
  ])('create: %s is forwarded', async (_t, body) => {
    expect((await admit('POST', CREATE, body)).kind).toBe('forward');
  });

  it('network connect --ip to the shared network: refused; to the own network: forwarded', async () => {
    await deny('/v1.41/networks/shared/connect', { Container: 'carolc', EndpointConfig: { IPAMConfig: { IPv4Address: '10.0.0.9' } } }, 'network-address', ADDRESS('EndpointConfig', 'shared'));
    await deny('/v1.41/networks/bridge/connect', { Container: 'carolc', EndpointConfig: { MacAddress: '02:42:00:00:00:09' } }, 'network-address', ADDRESS('EndpointConfig', 'bridge'));
    expect((await admit('POST', '/v1.41/networks/mine/connect', { Container: 'carolc', EndpointConfig: { IPAMConfig: { IPv4Address: '10.1.0.9' } } })).kind).toBe('forward');
    expect((await admit('POST', '/v1.41/networks/shared/connect', { Container: 'carolc', EndpointConfig: {} })).kind).toBe('forward');
  });

  it('network connect --link: another tenant\'s container refused, a missing one forwarded (dockerd accepts it; own network, rev-names F4), one\'s own forwarded', async () => {
    await deny('/v1.41/networks/mine/connect', { Container: 'carolc', EndpointConfig: { Links: ['alicec:web'] } }, 'not-owner', 'container "alicec" (EndpointConfig.Links) belongs to another tenant');
    expect((await admit('POST', '/v1.41/networks/mine/connect', { Container: 'carolc', EndpointConfig: { Links: ['nosuch:x'] } })).kind).toBe('forward');
    expect((await admit('POST', '/v1.41/networks/mine/connect', { Container: 'carolc', EndpointConfig: { Links: ['carolc:self'] } })).kind).toBe('forward');
  });

  it('create: an endpoint link to another tenant\'s container is refused, one\'s own kept as written', async () => {
    await deny(CREATE, { Image: 'busybox', HostConfig: { NetworkMode: 'mine' }, NetworkingConfig: { EndpointsConfig: { mine: { Links: ['alicec:web'] } } } }, 'not-owner', 'container "alicec" (NetworkingConfig.EndpointsConfig.mine.Links) belongs to another tenant');
    const v = await admit('POST', CREATE, { Image: 'busybox', HostConfig: { NetworkMode: 'mine' }, NetworkingConfig: { EndpointsConfig: { mine: { Links: ['carolc:db'] } } } });
    expect(v.kind).toBe('forward');
    const sent = JSON.parse(String((v as { body: Buffer }).body)) as { NetworkingConfig: { EndpointsConfig: { mine: { Links: string[] } } } };
    expect(sent.NetworkingConfig.EndpointsConfig.mine.Links).toEqual(['carolc:db']);
  });
});

describe('a create holds the names of the volumes it mounts until dockerd answered (note 5)', () => {
  const withVolume: DaemonClient = {
    get(path) {
      const d = decodeURIComponent(path);
      if (d === '/volumes/data') return Promise.resolve(answer(200, { Name: 'data', Labels: { 'dockgate.owner': 'carol', 'dockgate.team': 'data' } }));
      if (d === '/volumes/cache') return Promise.resolve(answer(200, { Name: 'cache', Labels: {} }));
      return daemon.get(path);
    },
  } as DaemonClient;
  const policy: TenancySpec = { ...spec, shared: { networks: [], volumes: ['cache'] } };
  const tenancy = createTenancy({ daemon: withVolume, spec: () => policy, groups: (id) => id.groups });
  const request = (who: string, method: string, target: string, body?: unknown) => {
    const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const facts = buildFacts({ method, rawTarget: target, headers: raw ? { 'content-type': 'application/json' } : {}, body: raw });
    return tenancy.admit({ identity: identity(who, who === 'carol' ? ['data'] : []), facts, body: raw, method, target });
  };
  const settled = async (p: Promise<unknown>): Promise<boolean> => {
    let done = false;
    void p.then(() => (done = true));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    return done;
  };

  it.each([
    ['another tenant\'s volume create of the name', 'dave', 'POST', '/v1.41/volumes/create', { Name: 'data' }],
    ['the owner\'s volume remove', 'carol', 'DELETE', '/v1.41/volumes/data', undefined],
  ])('%s waits for the create\'s daemon answer', async (_t, who, method, target, body) => {
    const create = await request('carol', 'POST', CREATE, { Image: 'busybox', HostConfig: { Binds: ['data:/d'], NetworkMode: 'none' } });
    expect(create.kind).toBe('forward');
    const second = request(who, method, target, body);
    expect(await settled(second)).toBe(false);
    if (create.kind === 'forward') create.release?.();
    expect(await settled(second)).toBe(true);
    const v = await second;
    if (v.kind === 'forward') v.release?.();
  });

  it('a refused create frees the names at once; a shared name is not held', async () => {
    const refused = await request('carol', 'POST', CREATE, { Image: 'busybox', HostConfig: { Binds: ['data:/d'], NetworkMode: 'none', Memory: 2 ** 40 } });
    expect(refused.kind).toBe('deny');
    expect(await settled(request('carol', 'DELETE', '/v1.41/volumes/data'))).toBe(true);
    const shared = await request('carol', 'POST', CREATE, { Image: 'busybox', HostConfig: { Binds: ['cache:/c'], NetworkMode: 'none' } });
    expect(shared.kind).toBe('forward');
    expect(await settled(request('dave', 'POST', CREATE, { Image: 'busybox', HostConfig: { Binds: ['cache:/c'], NetworkMode: 'none' } }))).toBe(true);
    if (shared.kind === 'forward') shared.release?.();
  });
});
