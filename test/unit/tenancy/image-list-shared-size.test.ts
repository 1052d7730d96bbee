/**
 * A tenant's image list never tells an image's `SharedSize` (src/tenancy/shared-size.ts):
 * dockerd (API 1.42 and later) computes it on `?shared-size=1` over every image of the daemon,
 * another tenant's included. Both paths of list-ops.ts are driven through createTenancy().admit:
 * the label-filtered forward (images not `unowned:`) and the fetched, filtered answer.
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';
import { withoutSharedSize } from '../../../src/tenancy/shared-size.js';

const base: Omit<TenancySpec, 'unowned'> = {
  admins: { users: ['root'], groups: [] },
  teams: ['web', 'data'],
  shared: { networks: [], volumes: [] },
  quotas: { default: {}, groups: {}, users: {} },
};
const alice = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };

function identity(name: string, groups: string[]): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

/** A daemon answering every GET with `list`, recording the paths asked for. */
function daemonAnswering(list: unknown[]): DaemonClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    get(path: string) {
      paths.push(path);
      return Promise.resolve({ status: 200, json: list, raw: Buffer.from(JSON.stringify(list)), contentType: 'application/json' });
    },
  };
}

async function admit(spec: TenancySpec, target: string, daemon: DaemonClient, user = 'alice'): Promise<TenancyVerdict> {
  const tenancy = createTenancy({ daemon, spec: () => spec, groups: (id) => id.groups });
  const facts = buildFacts({ method: 'GET', rawTarget: target, headers: {}, body: undefined });
  return tenancy.admit({ identity: identity(user, user === 'root' ? [] : ['web']), facts, body: undefined, method: 'GET', target });
}

/** The query of a path as dockerd reads it. */
function query(path: string): URLSearchParams {
  return new URL(path, 'http://d').searchParams;
}

// [case, target the client sent]
const asked: Array<[string, string]> = [
  ['shared-size=1 (API 1.43)', '/v1.43/images/json?shared-size=1'],
  ['shared-size=true, with all=1 and a filter', '/v1.47/images/json?all=1&shared-size=true&filters=%7B%22reference%22%3A%5B%22busybox%22%5D%7D'],
  ['shared-size given twice', '/v1.45/images/json?shared-size=0&shared-size=1'],
  ['unversioned', '/images/json?shared-size=1'],
  ['API 1.41 (dockerd ignores it)', '/v1.41/images/json?shared-size=1'],
  ['not asked', '/v1.43/images/json'],
];

describe('image list of a tenant, fetched and filtered (images unowned)', () => {
  const spec: TenancySpec = { ...base, unowned: ['images'] };
  // What a daemon that computed SharedSize answers: alice's image shares its base with others.
  const list = [
    { Id: 'sha256:a', RepoTags: ['alice/app:1'], Labels: alice, Size: 500, SharedSize: 300, Containers: -1 },
    { Id: 'sha256:b', RepoTags: ['busybox:latest'], Labels: null, Size: 300, SharedSize: 300, Containers: -1 },
    { Id: 'sha256:c', RepoTags: ['bob/app:1'], Labels: { 'dockgate.owner': 'bob', 'dockgate.team': 'data' }, Size: 900, SharedSize: 300, Containers: -1 },
  ];
  it.each(asked)('%s: dockerd is not asked, each SharedSize is answered -1', async (_name, target) => {
    const daemon = daemonAnswering(list);
    const v = await admit(spec, target, daemon);
    expect(v.kind, JSON.stringify(v)).toBe('respond');
    if (v.kind !== 'respond') return;
    const body = JSON.parse(v.body.toString('utf8')) as Array<{ Id: string; Size: number; SharedSize: number }>;
    expect(body.map((i) => [i.Id, i.Size, i.SharedSize])).toEqual([['sha256:a', 500, -1], ['sha256:b', 300, -1]]);
    expect(daemon.paths).toHaveLength(1);
    const sent = query(daemon.paths[0] as string);
    expect(sent.has('shared-size')).toBe(false);
    // The client's other parameters go on unchanged.
    const client = query(target);
    client.delete('shared-size');
    expect([...sent.entries()]).toEqual([...client.entries()]);
  });
});

describe('image list of a tenant, forwarded with its team label (images not unowned)', () => {
  const spec: TenancySpec = { ...base, unowned: [] };
  it.each(asked)('%s: forwarded without shared-size', async (_name, target) => {
    const daemon = daemonAnswering([]);
    const v = await admit(spec, target, daemon);
    expect(v.kind, JSON.stringify(v)).toBe('forward');
    if (v.kind !== 'forward') return;
    expect(v.target).toBeDefined();
    const sent = query(v.target as string);
    expect(sent.has('shared-size')).toBe(false);
    expect(JSON.parse(sent.get('filters') ?? '{}')).toMatchObject({ label: { 'dockgate.team=web': true } });
    expect(sent.get('all')).toBe(query(target).get('all'));
    expect(daemon.paths).toEqual([]);
  });
});

describe('withoutSharedSize', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    // [case, image summary as dockerd answers it, its SharedSize after]
    ['a computed shared size (maybe another tenant\'s image) is not told', { Id: 'i', Size: 500, SharedSize: 300 }, -1],
    ['no shared layer', { Id: 'i', Size: 500, SharedSize: 0 }, -1],
    ['already not computed', { Id: 'i', Size: 500, SharedSize: -1 }, -1],
    ['a summary without SharedSize gets none', { Id: 'i', Size: 500 }, undefined],
  ])('%s', (_name, image, shared) => {
    const out = withoutSharedSize(image);
    expect(out.SharedSize).toBe(shared);
    expect('SharedSize' in out).toBe(shared !== undefined);
    expect({ ...out, SharedSize: undefined }).toEqual({ ...image, SharedSize: undefined });
  });
});
