/**
 * A `--rm` container whose start tenancy refused is removed, as dockerd removes one whose start
 * failed (auto-remove.ts; the docker CLI 28 waits for that removal after a failed start and
 * hung forever). Driven through createTenancy().admit against a scripted daemon that records
 * the DELETEs it gets.
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import { autoRemoves, removalNote } from '../../../src/tenancy/auto-remove.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { madeByGateway } from './made-by-gateway.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: [], volumes: [] },
  quotas: { default: { running: 1 }, groups: {}, users: {} },
};

const labels = (owner: string, team: string) => ({ 'dockgate.owner': owner, 'dockgate.team': team });

/** alice has `live` running; `rm1` (--rm) and `plain` are hers and created, `crm` is carol's (--rm). */
const CONTAINERS = [
  { name: 'live', labels: labels('alice', 'web'), running: true, autoRemove: false },
  { name: 'rm1', labels: labels('alice', 'web'), running: false, autoRemove: true },
  { name: 'plain', labels: labels('alice', 'web'), running: false, autoRemove: false },
  { name: 'crm', labels: labels('carol', 'data'), running: false, autoRemove: true },
];
const fullId = (name: string) => name.padEnd(64, '0');

const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json ?? '')), contentType: 'application/json' });

type Deleter = (path: string) => Promise<DaemonAnswer>;

/** The daemon: inspects and owner-label lists of CONTAINERS; DELETEs recorded and answered by `del` (null: a client without DELETE). */
function daemon(del: Deleter | null = () => Promise.resolve(answer(204, undefined))): DaemonClient & { deletes: string[] } {
  const deletes: string[] = [];
  const client: DaemonClient & { deletes: string[] } = {
    deletes,
    get(path) {
      const decoded = decodeURIComponent(path);
      if (decoded.startsWith('/containers/json?')) {
        const filters = JSON.parse(decoded.slice(decoded.indexOf('filters=') + 'filters='.length)) as { label?: string[]; status?: string[] };
        const owner = filters.label?.[0]?.split('=')[1];
        const list = CONTAINERS.filter((c) => c.labels['dockgate.owner'] === owner && (!filters.status || c.running));
        return Promise.resolve(answer(200, list.map((c) => ({ Id: fullId(c.name), Labels: c.labels }))));
      }
      const c = CONTAINERS.find((x) => decoded === `/containers/${x.name}/json` || decoded === `/containers/${fullId(x.name)}/json`);
      if (!c) return Promise.resolve(answer(404, { message: `No such container: ${decoded}` }));
      return Promise.resolve(answer(200, { Id: fullId(c.name), Name: `/${c.name}`, Config: { Labels: c.labels }, HostConfig: { AutoRemove: c.autoRemove }, State: { Running: c.running } }));
    },
  };
  if (del) {
    client.delete = (path) => {
      deletes.push(path);
      return del(path);
    };
  }
  return madeByGateway(client);
}

function identity(name: string, groups: string[]): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

interface Warned {
  obj: object;
  msg: string;
}

async function admit(user: string, target: string, d: DaemonClient, warned: Warned[] = []): Promise<TenancyVerdict> {
  const log = { info: () => undefined, error: () => undefined, warn: (obj: object, msg: string) => void warned.push({ obj, msg }) };
  const tenancy = createTenancy({ daemon: d, spec: () => spec, groups: (id) => id.groups, log });
  const facts = buildFacts({ method: 'POST', rawTarget: target, headers: {}, body: undefined });
  const groups: Record<string, string[]> = { alice: ['web'], bob: ['web'], carol: ['data'] };
  return tenancy.admit({ identity: identity(user, groups[user] ?? []), facts, method: 'POST', target });
}

const QUOTA = 'running-container quota reached (1 of 1 running)';
const REMOVED = `${QUOTA}; the container was created with --rm (AutoRemove), so it was removed with its anonymous volumes, as dockerd removes one whose start failed`;

describe('a refused start of a --rm container removes it, as dockerd does after a failed start', () => {
  it.each<[string, string, string, string, string[]]>([
    // [who, request, verdict, message ends with, DELETEs sent]
    ['alice', '/v1.41/containers/rm1/start', 'deny', REMOVED, [`/containers/${fullId('rm1')}?v=1`]],
    // A teammate's refused start removes nothing: the policy never judged a removal for bob, and the quota is his.
    ['bob', '/v1.41/containers/rm1/start', 'deny', `running-container quota reached for alice, the container's owner (1 running; your running quota, the limit a start of yours is held to, is 1); the container was created with --rm (AutoRemove) by its owner and is left as it is (only a start by its owner that tenancy refuses removes it): docker rm it, or stop the --rm client waiting for it`, []],
    ['alice', '/v1.41/containers/plain/start', 'deny', `dockgate: denied ContainerStart for alice: ${QUOTA}`, []],
    ['alice', '/v1.41/containers/rm1/restart', 'deny', `dockgate: denied ContainerRestart for alice: ${QUOTA}`, []],
    ['alice', '/v1.41/containers/live/start', 'forward', '', []],
    ['alice', '/v1.41/containers/crm/start', 'deny', 'container "crm" belongs to another tenant', []],
  ])('%s %s: %s', async (who, target, kind, text, deletes) => {
    const d = daemon();
    const v = await admit(who, target, d);
    expect(v.kind, JSON.stringify(v)).toBe(kind);
    if (v.kind === 'deny') {
      expect(v.status).toBe(403);
      expect(v.message.endsWith(text) || v.message.includes(text), v.message).toBe(true);
      if (text === REMOVED) expect(v.message).toBe(`dockgate: denied ContainerStart for alice: ${REMOVED}`);
    }
    expect(d.deletes).toEqual(deletes);
  });

  it.each<[string, Deleter | null, string]>([
    ['a 409 (started in between)', () => Promise.resolve(answer(409, { message: 'You cannot remove a running container' })), 'could not be removed (the daemon answered 409: You cannot remove a running container); docker rm it'],
    ['a 500 without a message', () => Promise.resolve(answer(500, undefined)), 'could not be removed (the daemon answered 500); docker rm it'],
    ['a failed request', () => Promise.reject(new Error('socket hang up')), 'could not be removed (the daemon request failed: socket hang up); docker rm it'],
    ['a client without DELETE', null, 'could not be removed (the gateway cannot remove containers here); docker rm it'],
  ])('a removal that fails (%s) leaves the quota refusal as it is, says so, and is logged', async (_, del, text) => {
    const warned: Warned[] = [];
    const v = await admit('alice', '/v1.41/containers/rm1/start', daemon(del), warned);
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'quota' });
    if (v.kind === 'deny') expect(v.message).toBe(`dockgate: denied ContainerStart for alice: ${QUOTA}; the container was created with --rm (AutoRemove) but ${text}`);
    expect(warned).toHaveLength(1);
    expect(warned[0]?.obj).toMatchObject({ event: 'tenancy-auto-remove', container: fullId('rm1'), tenant: 'alice' });
  });

  it('a 404 counts as removed: the container is gone either way', async () => {
    const v = await admit('alice', '/v1.41/containers/rm1/start', daemon(() => Promise.resolve(answer(404, { message: 'No such container' }))));
    if (v.kind !== 'deny') throw new Error(JSON.stringify(v));
    expect(v.message).toContain('so it was removed');
  });
});

describe('autoRemoves and removalNote', () => {
  it.each<[unknown, boolean]>([
    [{ HostConfig: { AutoRemove: true } }, true],
    [{ HostConfig: { AutoRemove: false } }, false],
    [{ HostConfig: { AutoRemove: 'true' } }, false],
    [{ HostConfig: null }, false],
    [{}, false],
  ])('%j -> %s', (raw, want) => {
    expect(autoRemoves(raw as Record<string, unknown>)).toBe(want);
  });

  it('says what became of the container', () => {
    expect(removalNote({ removed: true })).toContain('so it was removed with its anonymous volumes');
    expect(removalNote({ removed: false, why: 'x' })).toBe('the container was created with --rm (AutoRemove) but could not be removed (x); docker rm it');
  });
});
