/**
 * Containers without an owner, with `containers` in `unowned:` (rev-objects F3): tenants may
 * read them only. Exec, attach, start and every reference in a create (`--volumes-from`,
 * `--link`, `container:<x>`) need the caller's own or team's container, and the refusals say
 * so (the exec refusal said "tenants may use it" while refusing a use; a reference's said only
 * "has no owner"). Also: the swarm refusal's grammar (F5).
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { planFor } from '../../../src/tenancy/operation-plans.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images', 'containers', 'volumes', 'networks'],
  shared: { networks: [], volumes: [] },
  quotas: { default: {}, groups: {}, users: {} },
};

const UC = 'u0c0'.padEnd(64, '0');

const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });

/** The daemon: busybox (no owner) and container `unownedc` (no owner), nothing else. */
const daemon: DaemonClient = {
  get(path) {
    const decoded = decodeURIComponent(path);
    if (decoded === '/images/busybox/json') return Promise.resolve(answer(200, { Id: 'sha256:b', RepoTags: ['busybox:latest'], Config: { Labels: {} } }));
    if (decoded === '/containers/unownedc/json' || decoded === `/containers/${UC}/json`) {
      return Promise.resolve(answer(200, { Id: UC, Name: '/unownedc', Config: { Labels: {} }, HostConfig: {}, Mounts: [], State: { Running: true } }));
    }
    if (decoded.startsWith('/containers/json?')) return Promise.resolve(answer(200, []));
    return Promise.resolve(answer(404, { message: `No such object: ${decoded}` }));
  },
};

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
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'not-owner', message: `dockgate: ${op} denied for dave: container "unownedc" ${READ_ONLY}` });
  });

  it.each([
    ['--volumes-from', { VolumesFrom: ['unownedc:ro'] }, 'HostConfig.VolumesFrom'],
    ['--link', { Links: ['unownedc:db'] }, 'HostConfig.Links'],
    ['--network container:', { NetworkMode: 'container:unownedc' }, 'HostConfig.NetworkMode'],
    ['--pid container:', { PidMode: 'container:unownedc' }, 'HostConfig.PidMode'],
  ])('a reference (%s) is refused: references need your own or your team\'s container', async (_, hostConfig, where) => {
    const v = await admit('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: hostConfig });
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'not-owner', message: `dockgate: ContainerCreate denied for dave: container "unownedc" (${where}) ${REFERENCE}` });
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
