/**
 * Tag reservations over their whole life: every holder and every tag of a multi-tag build
 * counts, the second check sees what changed, and every path releases (from a mutation review).
 */
import { describe, expect, it } from 'vitest';
import { TagReservations, type TagHolder } from '../../../src/tenancy/tag-reservations.js';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';
import { writtenTags } from '../../../src/tenancy/written-tags.js';
import { KeyedMutex } from '../../../src/tenancy/keyed-mutex.js';
import { LiveSlots } from '../../../src/tenancy/live-slots.js';
import { withTagsReserved } from '../../../src/tenancy/written-tags.js';
import { madeByGateway } from './made-by-gateway.js';
import type { TenancyContext } from '../../../src/tenancy/context.js';

const bob: TagHolder = { tenant: 'bob', team: 'web', operation: 'ImageBuild' };
const alice: TagHolder = { tenant: 'alice', team: 'web', operation: 'ImageTag' };
const carol: TagHolder = { tenant: 'carol', team: 'data', operation: 'ImageCommit' };
const one = (key: string) => new Map([[key, key]]);

function held(r: ReturnType<TagReservations['reserve']>): () => void {
  if (!('release' in r)) throw new Error(`not reserved: ${JSON.stringify(r)}`);
  return r.release;
}

describe('TagReservations: every holder counts, every key is held', () => {
  it('the second holder released first: the first still holds the tag', () => {
    const r = new TagReservations();
    held(r.reserve(one('t'), bob));
    const second = held(r.reserve(one('t'), alice));
    second();
    const got = r.reserve(one('t'), carol);
    expect('conflict' in got).toBe(true);
    if ('conflict' in got) expect(got.conflict.holder).toEqual(bob);
  });

  it('the same tenant twice, the later released first: still held', () => {
    const r = new TagReservations();
    held(r.reserve(one('t'), bob));
    held(r.reserve(one('t'), bob))();
    expect('conflict' in r.reserve(one('t'), carol)).toBe(true);
    expect(r.size()).toBe(1);
  });

  it('a reservation of several keys holds each of them', () => {
    const r = new TagReservations();
    const release = held(r.reserve(new Map([['a', 'a'], ['b', 'b'], ['c', 'c']]), bob));
    expect(r.size()).toBe(3);
    for (const k of ['a', 'b', 'c']) expect('conflict' in r.reserve(one(k), carol), k).toBe(true);
    release();
    expect(r.size()).toBe(0);
  });
});

// ---- admission through createTenancy (as test/unit/tenancy/tag-reservations.test.ts does) ----

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: [], volumes: [] },
  quotas: { default: {}, groups: {}, users: {} },
};
const groups: Record<string, string[]> = { alice: ['web'], bob: ['web'], carol: ['data'] };
function identity(name: string): Identity {
  return { name, groups: groups[name] ?? [], organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}
function answer(status: number, json: unknown): DaemonAnswer {
  return { status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' };
}
const carolLabels = { 'dockgate.owner': 'carol', 'dockgate.team': 'data' };
const bobLabels = { 'dockgate.owner': 'bob', 'dockgate.team': 'web' };
function tenancyOn(get: DaemonClient['get']) {
  const tenancy = createTenancy({ daemon: madeByGateway({ get }), spec: () => spec, groups: (id) => id.groups });
  return (who: string, target: string): Promise<TenancyVerdict> => tenancy.admit({ identity: identity(who), facts: buildFacts({ method: 'POST', rawTarget: target, headers: {} }), method: 'POST', target });
}
const base: DaemonClient['get'] = async (path) => {
  const p = decodeURIComponent(path);
  if (p === '/containers/c1/json') return answer(200, { Id: 'c1'.padEnd(64, '0'), Name: '/c1', Config: { Labels: carolLabels } });
  if (p === '/images/json') return answer(200, []);
  return answer(404, { message: 'No such image' });
};

describe('admission: reservations of multi-tag builds, and the second check', () => {
  it("bob's build of two tags holds the second one too", async () => {
    const admit = tenancyOn(base);
    const v = await admit('bob', '/v1.41/build?t=other:1&t=app:1');
    expect(v.kind).toBe('forward');
    expect(await admit('carol', '/v1.41/build?t=app:1')).toMatchObject({ kind: 'deny', status: 409, code: 'tag-reserved' });
  });

  it('the check made again once reserved looks at the repository too (a stranger\'s image that joined it meanwhile)', async () => {
    let lists = 0;
    const admit = tenancyOn(async (path) => {
      if (decodeURIComponent(path) !== '/images/json') return base(path);
      lists += 1;
      // Empty at carol's first check; bob's app:2 landed before the second.
      return answer(200, lists === 1 ? [] : [{ Id: 'sha256:b', RepoTags: ['app:2'], Labels: bobLabels }]);
    });
    const v = await admit('carol', '/v1.41/commit?container=c1&repo=app&tag=1');
    expect(v).toMatchObject({ kind: 'deny', code: 'not-owner' });
    expect(lists).toBe(2);
  });
});

describe('writtenTags: an empty or unusable t does not hide the ones after it', () => {
  it.each([
    ['/v1.41/build?t=&t=app:1', { 'docker.io/library/app:1': 'app:1' }],
    ['/v1.41/build?t=app@sha256:abc&t=app:1', { 'docker.io/library/app:1': 'app:1' }],
  ])('%s', (target, want) => {
    expect(Object.fromEntries(writtenTags(buildFacts({ method: 'POST', rawTarget: target, headers: {} })))).toEqual(want);
  });
});

describe('withTagsReserved releases on every path', () => {
  it('a daemon look-up failing at the second check releases the reservation (else the tag stays reserved until restart)', async () => {
    let looks = 0;
    const admit = tenancyOn(async (path) => {
      if (decodeURIComponent(path) === '/images/app:1/json') {
        looks += 1;
        if (looks === 2) throw new Error('daemon gone');
      }
      return base(path);
    });
    await expect(admit('bob', '/v1.41/build?t=app:1')).rejects.toThrow('daemon gone');
    expect(looks).toBe(2);
    // Nothing holds app:1 now: carol (another team) is not refused as reserved.
    const v = await admit('carol', '/v1.41/build?t=app:1');
    expect(v.kind, JSON.stringify(v)).toBe('forward');
  });
});

/** A context for withTagsReserved with a daemon where nothing exists (every check passes) or that fails. */
function ctxFor(tenant: string, team: string | undefined, target: string, get: DaemonClient['get'] = base): TenancyContext {
  const facts = buildFacts({ method: 'POST', rawTarget: target, headers: {} });
  return {
    spec,
    tenant: { name: tenant, ...(team !== undefined ? { team } : {}), quota: {} } as TenancyContext['tenant'],
    daemon: madeByGateway({ get }),
    req: { identity: identity(tenant), facts, method: 'POST', target },
    locks: new KeyedMutex(), starting: new LiveSlots(),
  };
}

describe("withTagsReserved calls the admitted verdict's own release whatever happens next", () => {
  const admitted = () => {
    let calls = 0;
    const admit = async (): Promise<TenancyVerdict> => ({ kind: 'forward', release: () => (calls += 1) }) as TenancyVerdict;
    return { admit, calls: () => calls };
  };

  it('on a reservation conflict', async () => {
    const r = new TagReservations();
    held(r.reserve(new Map([['docker.io/library/app:1', 'app:1']]), bob));
    const a = admitted();
    const v = await withTagsReserved(ctxFor('carol', 'data', '/v1.41/build?t=app:1'), r, a.admit);
    expect(v).toMatchObject({ kind: 'deny', status: 409, code: 'tag-reserved' });
    expect(a.calls()).toBe(1);
  });

  it('when the second check refuses', async () => {
    const r = new TagReservations();
    let looks = 0;
    const get: DaemonClient['get'] = async (path) => {
      if (decodeURIComponent(path) === '/images/app:1/json' && ++looks > 1) return answer(200, { Id: 'sha256:a', RepoTags: ['app:1'], Config: { Labels: bobLabels } });
      return base(path);
    };
    const a = admitted();
    // The admit callback does no check of its own here: the first look is the second check's.
    looks = 1;
    const v = await withTagsReserved(ctxFor('carol', 'data', '/v1.41/build?t=app:1', get), r, a.admit);
    expect(v).toMatchObject({ kind: 'deny', code: 'not-owner' });
    expect(a.calls()).toBe(1);
    expect(r.size()).toBe(0);
  });

  it('when the second check throws', async () => {
    const r = new TagReservations();
    const a = admitted();
    await expect(withTagsReserved(ctxFor('carol', 'data', '/v1.41/build?t=app:1', async () => { throw new Error('gone'); }), r, a.admit)).rejects.toThrow('gone');
    expect(a.calls()).toBe(1);
    expect(r.size()).toBe(0);
  });

  it('when the exchange ends: both the inner release and the reservation', async () => {
    const r = new TagReservations();
    const a = admitted();
    const v = await withTagsReserved(ctxFor('carol', 'data', '/v1.41/build?t=app:1'), r, a.admit);
    expect(v.kind).toBe('forward');
    // The tag and its repository.
    expect(r.size()).toBe(2);
    if (v.kind === 'forward') v.release?.();
    expect(a.calls()).toBe(1);
    expect(r.size()).toBe(0);
  });

  it('the holder is the tenant with its team (a teammate may share it)', async () => {
    const r = new TagReservations();
    const a = admitted();
    await withTagsReserved(ctxFor('bob', 'web', '/v1.41/build?t=app:1'), r, a.admit);
    expect('release' in r.reserve(new Map([['docker.io/library/app:1', 'app:1']]), alice)).toBe(true);
  });
});
