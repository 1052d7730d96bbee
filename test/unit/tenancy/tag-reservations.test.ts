/**
 * Tags being written are reserved for the whole exchange (found by a review: bob's slow build
 * checked `webapp:prod` while it was free, carol built it meanwhile, and bob's build re-pointed
 * carol's tag when it ended). The reservation table, the tags each operation writes, and
 * admission through createTenancy().admit as the data path calls it.
 */
import { describe, expect, it } from 'vitest';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { mayShare, TagReservations, type TagHolder } from '../../../src/tenancy/tag-reservations.js';
import { writtenTags } from '../../../src/tenancy/written-tags.js';
import { madeByGateway } from './made-by-gateway.js';
import { answer, forwarded, tenancyOn } from './tag-admission.js';

const bob: TagHolder = { tenant: 'bob', team: 'web', operation: 'ImageBuild' };
const alice: TagHolder = { tenant: 'alice', team: 'web', operation: 'ImageTag' };
const carol: TagHolder = { tenant: 'carol', team: 'data', operation: 'ImageCommit' };
const dave: TagHolder = { tenant: 'dave', operation: 'ImageCreate' };
const erin: TagHolder = { tenant: 'erin', operation: 'ImageCreate' };

const one = (key: string) => new Map([[key, key]]);

describe('TagReservations', () => {
  it.each([
    ['the same tenant', bob, { ...bob, operation: 'ImageCommit' }, true],
    ['the same team', bob, alice, true],
    ['another team', bob, carol, false],
    ['a tenant without a team, and one with', dave, bob, false],
    ['two tenants without a team', dave, erin, false],
    ['the same tenant without a team', dave, dave, true],
  ])('%s: may share a tag: %s', (_name, holder, other, want) => {
    expect(mayShare(holder, other)).toBe(want);
    expect(mayShare(other, holder)).toBe(want);
    const r = new TagReservations();
    expect('release' in r.reserve(one('t'), holder)).toBe(true);
    const second = r.reserve(one('t'), other);
    expect('release' in second).toBe(want);
    if ('conflict' in second) expect(second.conflict).toEqual({ tag: 't', holder });
  });

  it.each([
    ['another key is free', [['a', bob]], [['b', 'b']], carol, undefined],
    ['all or none: one key held refuses the lot, naming it', [['b', bob]], [['a', 'a'], ['b', 'app:b']], carol, 'app:b'],
    ['held by the team twice, then someone else', [['a', bob], ['a', alice]], [['a', 'a']], carol, 'a'],
  ] as const)('%s', (_name, held, want, who, conflict) => {
    const r = new TagReservations();
    for (const [key, holder] of held) expect('release' in r.reserve(one(key), holder)).toBe(true);
    const got = r.reserve(new Map(want), who);
    expect('conflict' in got ? got.conflict.tag : undefined).toBe(conflict);
    // A refused reservation holds nothing.
    if ('conflict' in got) expect(r.size()).toBe(new Set(held.map(([k]) => k)).size);
  });

  it('a tag is free once every holder released it; a second release does nothing', () => {
    const r = new TagReservations();
    const first = r.reserve(one('t'), bob);
    const second = r.reserve(one('t'), bob);
    if (!('release' in first) || !('release' in second)) throw new Error('not reserved');
    first.release();
    first.release();
    expect('conflict' in r.reserve(one('t'), carol)).toBe(true);
    second.release();
    expect(r.size()).toBe(0);
    expect('release' in r.reserve(one('t'), carol)).toBe(true);
  });
});

describe('writtenTags: what each operation writes, as dockerd reads repo and tag', () => {
  it.each([
    ['/v1.41/build?t=app:1&t=library/app:1&t=docker.io/library/app:1&t=other', { 'docker.io/library/app:1': 'app:1', 'docker.io/library/other:latest': 'other:latest' }],
    ['/v1.41/build', {}],
    ['/v1.41/images/create?fromImage=app&tag=2', { 'docker.io/library/app:2': 'app:2' }],
    ['/v1.41/images/create?fromImage=localhost:5000/app@sha256:abc', {}],
    ['/v1.41/images/create?fromImage=&fromSrc=-&repo=app&tag=3', { 'docker.io/library/app:3': 'app:3' }],
    ['/v1.41/images/create?fromSrc=-', {}],
    ['/v1.41/images/create?fromImage=reg.invalid/https://SEKRET@x/app&tag=1', { 'reg.invalid/https://SEKRET:1': 'reg.invalid/https://***:1' }],
    ['/v1.41/commit?container=c1&repo=app&tag=4', { 'docker.io/library/app:4': 'app:4' }],
    ['/v1.41/commit?container=c1', {}],
    ['/v1.41/images/mine/tag?repo=ghcr.io/o/app:5', { 'ghcr.io/o/app:5': 'ghcr.io/o/app:5' }],
    ['/v1.41/images/mine/tag?repo=app&tag=sha256:abc', {}],
    ['/v1.41/images/app:1/json', {}],
  ])('%s', (target, want) => {
    expect(Object.fromEntries(writtenTags(buildFacts({ method: target.endsWith('/json') ? 'GET' : 'POST', rawTarget: target, headers: {} })))).toEqual(want);
  });
});

/**
 * A daemon with carol's container c1 and image cimg:1 and bob's image bimg:1, and no other
 * image; `gate`, when set, holds every answer until it resolves; a path starting with
 * `/images/broken` fails (the daemon cannot be asked).
 */
function daemon(gate?: Promise<void>): DaemonClient {
  const carolLabels = { 'dockgate.owner': 'carol', 'dockgate.team': 'data' };
  const docs: Record<string, unknown> = {
    '/containers/c1/json': { Id: 'c1'.padEnd(64, '0'), Name: '/c1', Config: { Labels: carolLabels } },
    '/images/cimg:1/json': { Id: 'sha256:c', RepoTags: ['cimg:1'], Config: { Labels: carolLabels } },
    '/images/bimg:1/json': { Id: 'sha256:b', RepoTags: ['bimg:1'], Config: { Labels: { 'dockgate.owner': 'bob', 'dockgate.team': 'web' } } },
    '/images/json': [],
  };
  return madeByGateway({
    async get(path) {
      await gate;
      const decoded = decodeURIComponent(path);
      if (decoded.startsWith('/images/broken')) throw new Error('daemon gone');
      const doc = docs[decoded];
      return doc === undefined ? answer(404, { message: 'No such image' }) : answer(200, doc);
    },
  });
}

function reserved(v: TenancyVerdict, tag: string, by = 'ImageBuild'): void {
  expect(v).toMatchObject({ kind: 'deny', status: 409, code: 'tag-reserved' });
  if (v.kind === 'deny') expect(v.message).toContain(`tag "${tag}" is reserved by another tenant's ${by} still in progress`);
}

/** Every operation that writes tag `t`, for carol (who owns c1 and cimg:1). */
const writers = (t: string): [string, string][] => [
  ['build -t', `/v1.41/build?t=${t}`],
  ['build, the tag among others', `/v1.41/build?t=cnew:1&t=${t}`],
  ['tag', `/v1.41/images/cimg:1/tag?repo=${t}`],
  ['commit', `/v1.41/commit?container=c1&repo=${t}`],
  ['import', `/v1.41/images/create?fromSrc=-&repo=${t}`],
  ['pull', `/v1.41/images/create?fromImage=${t.replace(/:.*/, '')}&tag=${t.replace(/.*:/, '')}`],
];

describe('admission: the tags an operation writes are reserved until its exchange ends', () => {
  it.each(writers('docker.io/library/app:1'))('%s by another team while bob\'s build of app:1 runs: 409, then allowed once it ended', async (_name, target) => {
    const admit = tenancyOn(daemon());
    const release = forwarded(await admit('bob', '/v1.41/build?t=app:1'));
    reserved(await admit('carol', target), 'docker.io/library/app:1');
    release();
    forwarded(await admit('carol', target))();
  });

  it.each([
    ['bob again (two builds of one tenant: dockerd\'s last one wins, as without the gateway)', 'bob', '/v1.41/build?t=app:1'],
    ['alice, of bob\'s team', 'alice', '/v1.41/build?t=app:1'],
    ['an admin (admins bypass tenancy)', 'root', '/v1.41/build?t=app:1'],
    ['carol, a tag of another repository', 'carol', '/v1.41/build?t=other:1'],
  ])('%s may write it meanwhile', async (_name, who, target) => {
    const admit = tenancyOn(daemon());
    forwarded(await admit('bob', '/v1.41/build?t=app:1'));
    expect((await admit(who, target)).kind).toBe('forward');
  });

  it('held by a tenant without a team, refused to every other tenant; named by the holder\'s operation', async () => {
    const admit = tenancyOn(daemon());
    forwarded(await admit('dave', '/v1.41/images/create?fromImage=app&tag=1'));
    reserved(await admit('bob', '/v1.41/build?t=app:1'), 'app:1', 'ImageCreate');
  });

  it('two tenants checked at once: the first to pass its checks holds the tag, the other is refused', async () => {
    let open!: () => void;
    const admit = tenancyOn(daemon(new Promise<void>((r) => (open = r))));
    const bobs = admit('bob', '/v1.41/build?t=app:1');
    const carols = admit('carol', '/v1.41/images/cimg:1/tag?repo=app&tag=1');
    open();
    const [bob, carol] = await Promise.all([bobs, carols]);
    reserved(carol, 'app:1', 'ImageBuild');
    forwarded(bob)();
  });

  it('a request its checks refuse reserves nothing: carol\'s refused builds of bob\'s tag do not hold it from bob', async () => {
    let open!: () => void;
    const admit = tenancyOn(daemon(new Promise<void>((r) => (open = r))));
    // Carol's build names bob's image (refused, not-owner) while bob re-tags it.
    const carols = admit('carol', '/v1.41/build?t=bimg:1');
    const bobs = admit('bob', '/v1.41/images/bimg:1/tag?repo=bimg&tag=1');
    open();
    expect(await carols).toMatchObject({ kind: 'deny', code: 'not-owner' });
    forwarded(await bobs)();
  });

  it('checked again once reserved: a tag another tenant wrote between the check and the reservation is refused, and released', async () => {
    const base = daemon();
    let looks = 0;
    // app:1 is free at the first look, and bob's (his commit landed) at every later one.
    const admit = tenancyOn({
      async get(path) {
        if (decodeURIComponent(path) !== '/images/app:1/json') return base.get(path);
        looks += 1;
        return looks === 1 ? answer(404, { message: 'No such image' }) : answer(200, { Id: 'sha256:a', RepoTags: ['app:1'], Config: { Labels: { 'dockgate.owner': 'bob', 'dockgate.team': 'web' } } });
      },
    });
    expect(await admit('carol', '/v1.41/build?t=app:1')).toMatchObject({ kind: 'deny', code: 'not-owner' });
    expect(looks).toBe(2);
    // Released: bob (the owner) is not refused as reserved.
    forwarded(await admit('bob', '/v1.41/build?t=app:1'))();
  });

  it.each([
    ['a refusal (a tag over carol\'s image)', '/v1.41/build?t=app:1&t=cimg:1', 'deny'],
    ['a daemon answer (commit of a missing container)', '/v1.41/commit?container=gone&repo=app:1', 'respond'],
  ])('%s releases what was reserved at once', async (_name, target, kind) => {
    const admit = tenancyOn(daemon());
    expect((await admit('bob', target)).kind).toBe(kind);
    forwarded(await admit('carol', '/v1.41/build?t=app:1'));
  });

  it('a failed daemon look-up releases too', async () => {
    const admit = tenancyOn(daemon());
    await expect(admit('bob', '/v1.41/build?t=app:1&t=broken:1')).rejects.toThrow('daemon gone');
    forwarded(await admit('carol', '/v1.41/build?t=app:1'));
  });

  it('a release called twice (after the daemon answered, and when the exchange ends) frees no other reservation', async () => {
    const admit = tenancyOn(daemon());
    const first = forwarded(await admit('bob', '/v1.41/build?t=app:1'));
    forwarded(await admit('bob', '/v1.41/build?t=app:1'));
    first();
    first();
    reserved(await admit('carol', '/v1.41/build?t=app:1'), 'app:1');
  });
});
