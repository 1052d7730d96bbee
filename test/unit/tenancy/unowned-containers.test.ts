/**
 * Containers without an owner, with `containers` in `unowned:` (rev-objects F3): tenants may
 * read them only. Exec, attach, start and every reference in a create (`--volumes-from`,
 * `--link`, `container:<x>`) need the caller's own or team's container, and the refusals say
 * so (the exec refusal said "tenants may use it" while refusing a use; a reference's said only
 * "has no owner"). Also: `HostConfig.Cgroup: container:<x>` is a reference like the namespace
 * modes (F4), and the swarm refusal's grammar (F5).
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { planFor } from '../../../src/tenancy/operation-plans.js';
import { createReferences } from '../../../src/tenancy/references.js';
import { madeByGateway } from './made-by-gateway.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images', 'containers', 'volumes', 'networks'],
  shared: { networks: [], volumes: [] },
  quotas: { default: {}, groups: {}, users: {} },
};

const UC = 'u0c0'.padEnd(64, '0');
const DC = 'dave0c'.padEnd(64, '0');

const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });

/** The daemon: busybox (no owner) and container `unownedc` (no owner), nothing else. */
const daemon: DaemonClient = madeByGateway({
  get(path) {
    const decoded = decodeURIComponent(path);
    if (decoded === '/images/busybox/json') return Promise.resolve(answer(200, { Id: 'sha256:b', RepoTags: ['busybox:latest'], Config: { Labels: {} } }));
    if (decoded === '/containers/unownedc/json' || decoded === `/containers/${UC}/json`) {
      return Promise.resolve(answer(200, { Id: UC, Name: '/unownedc', Config: { Labels: {} }, HostConfig: {}, Mounts: [], State: { Running: true } }));
    }
    if (decoded === '/containers/davec/json' || decoded === `/containers/${DC}/json`) {
      return Promise.resolve(answer(200, { Id: DC, Name: '/davec', Config: { Labels: { 'dockgate.owner': 'dave', 'dockgate.team': 'data' } }, HostConfig: {}, Mounts: [], State: { Running: true } }));
    }
    if (decoded.startsWith('/containers/json?')) return Promise.resolve(answer(200, []));
    return Promise.resolve(answer(404, { message: `No such object: ${decoded}` }));
  },
});

function identity(name: string, groups: string[]): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

async function admit(method: string, target: string, body?: unknown): Promise<TenancyVerdict> {
  const tenancy = createTenancy({ daemon, spec: () => spec, groups: (id) => id.groups });
  const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const facts = buildFacts({ method, rawTarget: target, headers: raw ? { 'content-type': 'application/json' } : {}, body: raw });
  return tenancy.admit({ identity: identity('dave', ['data']), facts, body: raw, method, target });
}

const READ_ONLY = "has no owner: tenants may only read it (inspect, logs, top, stats, changes, wait); exec, attach and everything else need your own or your team's container";
const REFERENCE = "has no owner: only your own or your team's containers may be referenced";

describe('a container without an owner, with containers in unowned:, is read only', () => {
  it.each([
    ['inspect', 'GET', '/v1.41/containers/unownedc/json'],
    ['logs', 'GET', '/v1.41/containers/unownedc/logs?stdout=1'],
    ['top', 'GET', '/v1.41/containers/unownedc/top'],
  ])('%s is forwarded', async (_, method, target) => {
    expect((await admit(method, target)).kind).toBe('forward');
  });

  it.each([
    ['exec', 'POST', '/v1.41/containers/unownedc/exec', { Cmd: ['true'] }, 'ContainerExec'],
    ['attach', 'POST', '/v1.41/containers/unownedc/attach?stream=1', undefined, 'ContainerAttach'],
    ['start', 'POST', '/v1.41/containers/unownedc/start', undefined, 'ContainerStart'],
    ['rename', 'POST', '/v1.41/containers/unownedc/rename?name=x', undefined, 'ContainerRename'],
  ])('%s is refused, saying what tenants may do with it', async (_, method, target, body, op) => {
    const v = await admit(method, target, body);
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'not-owner', message: `dockgate: denied ${op} for dave: container "unownedc" ${READ_ONLY}` });
  });

  it.each([
    ['--volumes-from', { VolumesFrom: ['unownedc:ro'] }, 'HostConfig.VolumesFrom'],
    ['--link', { Links: ['unownedc:db'] }, 'HostConfig.Links'],
    ['--network container:', { NetworkMode: 'container:unownedc' }, 'HostConfig.NetworkMode'],
    ['--pid container:', { PidMode: 'container:unownedc' }, 'HostConfig.PidMode'],
  ])('a reference (%s) is refused: references need your own or your team\'s container', async (_, hostConfig, where) => {
    const v = await admit('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: hostConfig });
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'not-owner', message: `dockgate: denied ContainerCreate for dave: container "unownedc" (${where}) ${REFERENCE}` });
  });
});

describe('HostConfig.Cgroup container:<x> is a container reference (F4)', () => {
  it.each<[unknown, unknown[]]>([
    [{ HostConfig: { Cgroup: 'container:etl1' } }, [{ kind: 'containers', name: 'etl1', where: 'HostConfig.Cgroup' }]],
    [{ HostConfig: { cgroup: 'container:etl1' } }, [{ kind: 'containers', name: 'etl1', where: 'HostConfig.Cgroup' }]],
    [{ Cgroup: 'container:etl1' }, [{ kind: 'containers', name: 'etl1', where: 'Cgroup' }]],
    [{ HostConfig: { Cgroup: 'host' } }, []],
    [{ HostConfig: { Cgroup: '' } }, []],
  ])('createReferences(%j)', (body, refs) => {
    expect(createReferences(body as never)).toEqual(refs);
  });

  it('to a container without an owner: refused', async () => {
    const v = await admit('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Cgroup: 'container:unownedc' } });
    expect(v).toMatchObject({ kind: 'deny', code: 'not-owner', message: `dockgate: denied ContainerCreate for dave: container "unownedc" (HostConfig.Cgroup) ${REFERENCE}` });
  });

  it('to a missing container: the daemon\'s 404, nothing forwarded', async () => {
    expect(await admit('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Cgroup: 'container:nosuch' } })).toMatchObject({ kind: 'respond', status: 404 });
  });

  it('to the caller\'s own container: forwarded, pinned to its ID', async () => {
    const v = await admit('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Cgroup: 'container:davec' } });
    if (v.kind !== 'forward' || !v.body) throw new Error(JSON.stringify(v));
    expect((JSON.parse(v.body.toString('utf8')) as { HostConfig: { Cgroup: string } }).HostConfig.Cgroup).toBe(`container:${DC}`);
  });
});

describe('refusals of admin-only sections read as English (F5)', () => {
  it.each([
    ['SwarmInspect', 'swarm', 'swarm is outside tenancy\'s ownership checks, quotas and limits'],
    ['ServiceList', 'services', 'services are outside tenancy\'s ownership checks, quotas and limits'],
    ['NodeList', 'nodes', 'nodes are outside tenancy\'s ownership checks, quotas and limits'],
  ])('%s', (name, section, reason) => {
    expect(planFor(name, section)).toEqual({ kind: 'admin', reason });
  });
});
