/**
 * The repository of each tag being written is reserved too (found by a review: reservations
 * were per tag while the stranger-in-repository check is per repository, so `alice tag img
 * mix:a & carol tag img mix:b` both got in, and neither could save `mix` any more). The
 * reservation table, the repositories a request writes into, and admission through
 * createTenancy().admit as the data path calls it.
 */
import { describe, expect, it } from 'vitest';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { mayShareRepository, TagReservations, type TagHolder } from '../../../src/tenancy/tag-reservations.js';
import { writtenDigests, writtenRepositories, writtenTags } from '../../../src/tenancy/written-tags.js';
import { madeByGateway } from './made-by-gateway.js';
import { answer, forwarded, tenancyOn } from './tag-admission.js';

const bob: TagHolder = { tenant: 'bob', team: 'web', operation: 'ImageBuild' };
const alice: TagHolder = { tenant: 'alice', team: 'web', operation: 'ImageTag' };
const carol: TagHolder = { tenant: 'carol', team: 'data', operation: 'ImageTag' };
const dave: TagHolder = { tenant: 'dave', operation: 'ImageCommit' };
const pull = (h: TagHolder): TagHolder => ({ ...h, operation: 'ImageCreate', ownerless: true });

const one = (key: string) => new Map([[key, key]]);

describe('TagReservations: repositories', () => {
  it.each([
    ['the same tenant', bob, { ...bob, operation: 'ImageCommit' }, true],
    ['the same team', bob, alice, true],
    ['another team', bob, carol, false],
    ['a tenant without a team, and one with', dave, bob, false],
    ['two pulls of two teams (a pull\'s tag may join any repository)', pull(bob), pull(carol), true],
    ['a pull, and another team\'s write of its own images', pull(carol), bob, false],
    ['another team\'s write, and a pull', bob, pull(carol), false],
    // Sharers' pulls and owned writes go together: their repository takes both (repoown; f6b439b refused them).
    ['a pull, and the same team\'s write', pull(alice), bob, true],
    ['a pull, and a write of the same tenant', pull(bob), bob, true],
    ['a pull of a tenant without a team, and their own write', pull(dave), dave, true],
    ['a pull of a tenant without a team, and another\'s write', pull(dave), bob, false],
  ])('%s: may write into one repository at once: %s', (_name, holder, other, want) => {
    expect(mayShareRepository(holder, other)).toBe(want);
    expect(mayShareRepository(other, holder)).toBe(want);
    const r = new TagReservations();
    expect('release' in r.reserve(one('repo:1'), holder, one('repo'))).toBe(true);
    // Another tag of the same repository.
    const second = r.reserve(one('repo:2'), other, one('repo'));
    expect('release' in second).toBe(want);
    if ('conflict' in second) expect(second.conflict).toEqual({ repository: 'repo', holder });
  });

  it.each([
    ['another repository is free', [['a:1', 'a', bob]], [['b:1', 'b']], [['b', 'b']], undefined],
    ['all or none: one repository held refuses the lot, naming it', [['b:1', 'b', bob]], [['a:1', 'a'], ['b:2', 'b']], [['a', 'a'], ['b', 'shown-b']], { repository: 'shown-b', holder: bob }],
    ['the same tag held: the tag is named, not its repository', [['a:1', 'a', bob]], [['a:1', 'a:1']], [['a', 'a']], { tag: 'a:1', holder: bob }],
    ['held by the team twice, then someone else', [['a:1', 'a', bob], ['a:2', 'a', alice]], [['a:3', 'a:3']], [['a', 'a']], { repository: 'a', holder: bob }],
  ] as const)('%s', (_name, held, tags, repositories, conflict) => {
    const r = new TagReservations();
    for (const [tag, repo, holder] of held) expect('release' in r.reserve(one(tag), holder, one(repo))).toBe(true);
    const before = r.size();
    const got = r.reserve(new Map(tags), carol, new Map(repositories));
    expect('conflict' in got ? got.conflict : undefined).toEqual(conflict);
    // A refused reservation holds nothing.
    if ('conflict' in got) expect(r.size()).toBe(before);
  });

  it('a repository is free once every holder released it; a second release does nothing', () => {
    const r = new TagReservations();
    const first = r.reserve(one('repo:1'), bob, one('repo'));
    const second = r.reserve(one('repo:2'), alice, one('repo'));
    if (!('release' in first) || !('release' in second)) throw new Error('not reserved');
    first.release();
    first.release();
    expect('conflict' in r.reserve(one('repo:3'), carol, one('repo'))).toBe(true);
    second.release();
    expect(r.size()).toBe(0);
    expect('release' in r.reserve(one('repo:3'), carol, one('repo'))).toBe(true);
  });
});

/** A digest dockerd accepts, its colon escaped as in a query. */
const D = `sha256%3A${'ab'.repeat(32)}`;

describe('writtenRepositories: the repositories of the tags a request writes, as strangerInRepository compares them', () => {
  it.each([
    ['/v1.41/build?t=app:1&t=library/app:2&t=docker.io/library/app&t=other', { 'docker.io/library/app': 'app', 'docker.io/library/other': 'other' }],
    ['/v1.41/build', {}],
    ['/v1.41/images/create?fromImage=localhost:5000/app&tag=2', { 'localhost:5000/app': 'localhost:5000/app' }],
    ['/v1.41/images/create?fromImage=reg.invalid/https://SEKRET@x/app&tag=1', { 'reg.invalid/https://SEKRET': 'reg.invalid/https://***' }],
    ['/v1.41/commit?container=c1&repo=docker.io/library/app&tag=4', { 'docker.io/library/app': 'docker.io/library/app' }],
    ['/v1.41/images/mine/tag?repo=ghcr.io/o/app:5', { 'ghcr.io/o/app': 'ghcr.io/o/app' }],
    ['/v1.41/images/mine/tag?repo=app&tag=sha256:abc', {}],
    // A pull by digest tags nothing, but its digest joins the repository (pullrepo): reserved as a tag's.
    [`/v1.41/images/create?fromImage=app%40${D}`, { 'docker.io/library/app': 'app' }],
    [`/v1.41/images/create?fromImage=localhost:5000/app&tag=${D}`, { 'localhost:5000/app': 'localhost:5000/app' }],
    [`/v1.41/images/create?fromImage=library/app:1%40${D}`, { 'docker.io/library/app': 'library/app' }],
    [`/v1.41/images/create?fromImage=reg.invalid/https://SEKRET@x/app%40${D}`, { 'reg.invalid/https://SEKRET': 'reg.invalid/https://***' }],
    [`/v1.41/images/create?fromSrc=-&repo=app%40${D}`, {}],
  ])('%s', (target, want) => {
    const facts = buildFacts({ method: 'POST', rawTarget: target, headers: {} });
    expect(Object.fromEntries(writtenRepositories(writtenTags(facts), writtenDigests(facts)))).toEqual(want);
  });

  it('a pull by digest reserves its repository only, not a tag', () => {
    const facts = buildFacts({ method: 'POST', rawTarget: '/v1.41/images/create?fromImage=app&tag=sha256%3Aabc', headers: {} });
    expect(Object.fromEntries(writtenTags(facts))).toEqual({});
    expect(Object.fromEntries(writtenDigests(facts))).toEqual({ 'docker.io/library/app@sha256:abc': 'app@sha256:abc' });
  });
});

// ---- admission through createTenancy (as tag-reservations.test.ts does) ----

const carolLabels = { 'dockgate.owner': 'carol', 'dockgate.team': 'data' };
const aliceLabels = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };

/**
 * A daemon with carol's container c1 and image cimg:1, alice's image aimg:1, and, once
 * `landed()` says so, alice's mix:a (her tag written); `gate`, when set, holds every answer
 * until it resolves.
 */
function daemon(gate?: Promise<void>, landed = () => false): DaemonClient {
  return madeByGateway({
    async get(path) {
      await gate;
      const p = decodeURIComponent(path);
      const mixA = { Id: 'sha256:a', RepoTags: ['aimg:1', 'mix:a'], Labels: aliceLabels, Config: { Labels: aliceLabels } };
      if (p === '/containers/c1/json') return answer(200, { Id: 'c1'.padEnd(64, '0'), Name: '/c1', Config: { Labels: carolLabels } });
      if (p === '/images/cimg:1/json') return answer(200, { Id: 'sha256:c', RepoTags: ['cimg:1'], Config: { Labels: carolLabels } });
      if (p === '/images/aimg:1/json') return answer(200, landed() ? mixA : { ...mixA, RepoTags: ['aimg:1'] });
      if (p === '/images/mix:a/json' && landed()) return answer(200, mixA);
      if (p === '/images/json') return answer(200, landed() ? [mixA] : []);
      return answer(404, { message: 'No such image' });
    },
  });
}

function writingInto(v: TenancyVerdict, repository: string, by: string): void {
  expect(v).toMatchObject({ kind: 'deny', status: 409, code: 'tag-reserved' });
  if (v.kind === 'deny') expect(v.message).toContain(`repository "${repository}" is being written into by another tenant's ${by} still in progress`);
}

/** Every operation that writes tag `t` (given as `repo` and `tag`), for carol (who owns c1 and cimg:1). */
const writers = (repo: string, tag: string): [string, string][] => [
  ['build -t', `/v1.41/build?t=${repo}:${tag}`],
  ['build, the tag among others', `/v1.41/build?t=cnew:1&t=${repo}:${tag}`],
  ['tag', `/v1.41/images/cimg:1/tag?repo=${repo}&tag=${tag}`],
  ['commit', `/v1.41/commit?container=c1&repo=${repo}&tag=${tag}`],
  ['import', `/v1.41/images/create?fromSrc=-&repo=${repo}&tag=${tag}`],
  ['pull', `/v1.41/images/create?fromImage=${repo}&tag=${tag}`],
];

describe('admission: the repository of each tag being written is reserved until the exchange ends', () => {
  const spellings = [['app', '2'], ['library/app', 'latest'], ['docker.io/library/app', 'x']] as const;
  it.each(spellings.flatMap(([repo, tag]) => writers(repo, tag).map(([name, target]) => [name, repo, target] as const)))(
    '%s into %s by another team while bob\'s build of app:1 runs: 409, then allowed once it ended',
    async (_name, repo, target) => {
      const admit = tenancyOn(daemon());
      const release = forwarded(await admit('bob', '/v1.41/build?t=app:1'));
      writingInto(await admit('carol', target), repo, 'ImageBuild');
      release();
      forwarded(await admit('carol', target))();
    },
  );

  it.each([
    ['alice, of bob\'s team', 'alice', '/v1.41/build?t=app:2'],
    ['bob again', 'bob', '/v1.41/images/create?fromSrc=-&repo=app&tag=3'],
    ['an admin (admins bypass tenancy)', 'root', '/v1.41/build?t=app:2'],
    ['carol, another repository', 'carol', '/v1.41/build?t=apps:1'],
  ])('%s may write into it meanwhile', async (_name, who, target) => {
    const admit = tenancyOn(daemon());
    forwarded(await admit('bob', '/v1.41/build?t=app:1'));
    expect((await admit(who, target)).kind).toBe('forward');
  });

  it.each([
    ['two pulls of two teams: both go on', '/v1.41/images/create?fromImage=app&tag=1', '/v1.41/images/create?fromImage=app&tag=2', undefined],
    ['a pull, then another team\'s build', '/v1.41/images/create?fromImage=app&tag=1', '/v1.41/build?t=app:2', 'ImageCreate'],
    ['a commit, then another team\'s pull', '/v1.41/commit?container=c1&repo=app&tag=1', '/v1.41/images/create?fromImage=app&tag=2', 'ImageCommit'],
  ])('%s', async (_name, first, second, by) => {
    const admit = tenancyOn(daemon());
    forwarded(await admit('carol', first));
    const v = await admit('bob', second);
    if (by === undefined) forwarded(v);
    else writingInto(v, 'app', by);
  });

  const digestPull = (ref: string) => `/v1.41/images/create?fromImage=${encodeURIComponent(ref)}&tag=${encodeURIComponent(`sha256:${'d'.repeat(64)}`)}`;
  // A pull and another tenant's owned write: a retry would be refused too, so only another repository is advised (repoown).
  const mixed = "pulled images may not share a repository with another tenant's images: use another repository";
  const owners = "a repository may not hold two tenants' images: try again once it has ended, or use another repository";
  it.each([
    ['a digest pull, then another team\'s build', 'carol', digestPull('app'), 'bob', '/v1.41/build?t=app:2', 'ImageBuild', 'ImageCreate', mixed],
    ['a digest pull (fromImage=R@digest), then another team\'s tag', 'carol', `/v1.41/images/create?fromImage=app%40sha256%3A${'d'.repeat(64)}`, 'alice', '/v1.41/images/aimg:1/tag?repo=app&tag=2', 'ImageTag', 'ImageCreate', mixed],
    ['a build, then another team\'s digest pull', 'bob', '/v1.41/build?t=app:1', 'carol', digestPull('docker.io/library/app'), 'ImageCreate', 'ImageBuild', mixed],
    ['a tag pull, then another team\'s commit', 'bob', '/v1.41/images/create?fromImage=app&tag=1', 'carol', '/v1.41/commit?container=c1&repo=app&tag=2', 'ImageCommit', 'ImageCreate', mixed],
    ['a build, then another team\'s build (owned writes both: a retry may be let in if the first writes nothing)', 'bob', '/v1.41/build?t=app:1', 'carol', '/v1.41/build?t=app:2', 'ImageBuild', 'ImageBuild', owners],
  ])('%s: 409 while the first runs, then allowed', async (_name, first, firstTarget, second, secondTarget, op, by, why) => {
    const admit = tenancyOn(daemon());
    const release = forwarded(await admit(first, firstTarget));
    const v = await admit(second, secondTarget);
    expect(v).toMatchObject({ kind: 'deny', status: 409, code: 'tag-reserved' });
    const repo = secondTarget.includes('docker.io') ? 'docker.io/library/app' : 'app';
    if (v.kind === 'deny') expect(v.message).toBe(`dockgate: denied ${op} for ${second}: repository "${repo}" is being written into by another tenant's ${by} still in progress, and ${why}`);
    release();
    forwarded(await admit(second, secondTarget))();
  });

  it.each([
    ['a digest pull, then the team\'s build', 'alice', digestPull('app'), 'bob', '/v1.41/build?t=app:2'],
    ['one\'s own build, then one\'s own digest pull', 'bob', '/v1.41/build?t=app:1', 'bob', digestPull('app')],
    ['a tag pull, then the same tenant\'s build', 'bob', '/v1.41/images/create?fromImage=app&tag=1', 'bob', '/v1.41/build?t=app:2'],
    ['a build, then the team\'s tag pull', 'alice', '/v1.41/build?t=app:1', 'bob', '/v1.41/images/create?fromImage=app&tag=2'],
  ])('sharers: %s: both go on (f6b439b refused them 409)', async (_name, first, firstTarget, second, secondTarget) => {
    const admit = tenancyOn(daemon());
    const release = forwarded(await admit(first, firstTarget));
    forwarded(await admit(second, secondTarget))();
    release();
  });

  // Cases a mutation review found untested: an import sent with an empty fromImage is no pull,
  // and two teams' pulls share a repository but not a tag.
  it('an import with an empty fromImage (fromSrc=-) is an owned write: 409 beside another team\'s pull', async () => {
    const admit = tenancyOn(daemon());
    const release = forwarded(await admit('carol', '/v1.41/images/create?fromImage=app&tag=1'));
    const v = await admit('bob', '/v1.41/images/create?fromImage=&fromSrc=-&repo=app&tag=2');
    expect(v.kind === 'deny' && v.message).toBe(`dockgate: denied ImageCreate for bob: repository "app" is being written into by another tenant's ImageCreate still in progress, and ${mixed}`);
    release();
  });

  // rev-dos F5: the holder of a reservation was not named, so an admin could not tell whose
  // stalled build held a repository.
  it.each([
    ['another tag of the repository', '/v1.41/build?t=app:2', 'repository "app" is being written into by another tenant\'s ImageBuild still in progress (request f00d-1a), and'],
    ['the same tag', '/v1.41/build?t=app:1', 'tag "app:1" is reserved by another tenant\'s ImageBuild still in progress (request f00d-1a), which writes it when it ends'],
  ])('the 409 names the request id of the holder: %s', async (_name, target, want) => {
    const admit = tenancyOn(daemon());
    const release = forwarded(await admit('bob', '/v1.41/build?t=app:1', 'f00d-1a'));
    const v = await admit('carol', target, 'f00d-1b');
    expect(v).toMatchObject({ kind: 'deny', status: 409, code: 'tag-reserved' });
    expect(v.kind === 'deny' && v.message).toContain(want);
    expect(v.kind === 'deny' && v.message).not.toContain('f00d-1b');
    release();
  });

  it('two teams\' pulls of one tag: the second is refused while the first runs (they share the repository, not the tag)', async () => {
    const admit = tenancyOn(daemon());
    const release = forwarded(await admit('carol', '/v1.41/images/create?fromImage=app&tag=1'));
    const v = await admit('bob', '/v1.41/images/create?fromImage=app&tag=1');
    expect(v).toMatchObject({ kind: 'deny', status: 409, code: 'tag-reserved' });
    if (v.kind === 'deny') expect(v.message).toContain('tag "app:1" is reserved by another tenant\'s ImageCreate still in progress');
    release();
    forwarded(await admit('bob', '/v1.41/images/create?fromImage=app&tag=1'))();
  });

  it('two digest pulls of two teams into one repository both go on, and a digest pull of a tag pull\'s repository too', async () => {
    const admit = tenancyOn(daemon());
    forwarded(await admit('carol', digestPull('app')));
    forwarded(await admit('bob', digestPull('app')));
    forwarded(await admit('alice', '/v1.41/images/create?fromImage=app&tag=1'));
  });

  it('held by a tenant without a team, refused to every other tenant', async () => {
    const admit = tenancyOn(daemon());
    forwarded(await admit('dave', '/v1.41/build?t=app:1'));
    writingInto(await admit('bob', '/v1.41/build?t=app:2'), 'app', 'ImageBuild');
  });

  it('two tenants tagging two tags of one new repository, checked at once: one gets in, the other is refused (both got in)', async () => {
    let open!: () => void;
    const admit = tenancyOn(daemon(new Promise<void>((r) => (open = r))));
    const alices = admit('alice', '/v1.41/images/aimg:1/tag?repo=mix&tag=a');
    const carols = admit('carol', '/v1.41/images/cimg:1/tag?repo=mix&tag=b');
    open();
    const [a, c] = await Promise.all([alices, carols]);
    writingInto(c, 'mix', 'ImageTag');
    forwarded(a)();
  });

  it('checked again once reserved: a write into the repository that ended between the check and the reservation is seen on the daemon', async () => {
    let open!: () => void;
    let aliceWrote = false;
    const gate = new Promise<void>((r) => (open = r));
    let looks = 0;
    const admit = tenancyOn({
      async get(path) {
        // carol's first look at the repository waits for alice's whole tag to go through.
        if (decodeURIComponent(path) === '/images/json' && ++looks === 1) await gate;
        return daemon(undefined, () => aliceWrote).get(path);
      },
    });
    const carols = admit('carol', '/v1.41/images/cimg:1/tag?repo=mix&tag=b');
    await new Promise((r) => setTimeout(r, 0));
    const release = forwarded(await admit('alice', '/v1.41/images/aimg:1/tag?repo=mix&tag=a'));
    aliceWrote = true;
    release();
    open();
    const c = await carols;
    expect(c).toMatchObject({ kind: 'deny', status: 403, code: 'not-owner' });
    if (c.kind === 'deny') expect(c.message).toContain('tag "mix:b" would join a repository that holds another tenant\'s image');
  });
});
