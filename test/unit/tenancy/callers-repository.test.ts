/**
 * The caller's repository (repoown: a review of f6b439b found teams locked out of their own
 * repositories): a repository holding an image the caller may modify takes the caller's pulls,
 * lets the caller re-point and remove (rmi, without force, by reference) tags without an owner
 * in it, and lets the caller's owned tags join them; another tenant's repository takes neither
 * pulls nor tags, and a repository of unowned images only takes no owned tag. One table per
 * numbered rule of docs/sharing.md's Tags section, with the exact messages, admitted through
 * createTenancy().admit as the data path calls it.
 */
import { describe, expect, it } from 'vitest';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';
import { UNOWNED_REMOVAL_NOTE } from '../../../src/tenancy/unowned-removal.js';
import { madeByGateway } from './made-by-gateway.js';
import { answer, identity, spec } from './tag-admission.js';

const labels = (owner: string, team: string) => ({ 'dockgate.owner': owner, 'dockgate.team': team });
const U = `sha256:${'e'.repeat(64)}`;
const D = `sha256:${'d'.repeat(64)}`;
const image = (id: string, l: Record<string, string>, tags: string[], digests: string[] = []) => ({ Id: `sha256:${id.padEnd(64, '0')}`, RepoTags: tags, RepoDigests: digests, Config: { Labels: l } });
// web/app: alice's web image and an unowned pulled one (a tag and a digest); data/app: carol's;
// busybox: unowned only; amixed: alice's labelled with team data (the classic builder's between-steps image).
const webApp = image('a1', labels('alice', 'web'), ['web/app:1']);
const pulled = image('e1', {}, ['web/app:pulled'], [`web/app@${U}`]);
const dataApp = image('c1', labels('carol', 'data'), ['data/app:1']);
const busybox = image('b1', {}, ['busybox:latest']);
const amixed = image('a2', labels('alice', 'data'), ['amixed:1']);
const docs: Record<string, unknown> = {
  '/images/json': [webApp, pulled, dataApp, busybox, amixed],
  '/images/web/app:1/json': webApp,
  '/images/web/app:pulled/json': pulled,
  [`/images/web/app@${U}/json`]: pulled,
  '/images/e1/json': pulled,
  [`/images/${pulled.Id}/json`]: pulled,
  '/images/data/app:1/json': dataApp,
  '/images/busybox:latest/json': busybox,
  '/images/busybox/json': busybox,
  '/images/b1/json': busybox,
  '/images/sha256:a1/json': webApp,
  '/images/sha256:a10000000000/json': webApp,
  '/images/amixed:1/json': amixed,
  '/containers/a1/json': { Id: 'a1'.padEnd(64, '0'), Name: '/a1', Config: { Labels: labels('alice', 'web') }, State: { Running: true } },
  // root's own container, no labels; its environment gives X=dockgate (a LABEL ${X}.owner= change expands it).
  '/containers/r1/json': { Id: 'f1'.padEnd(64, '0'), Name: '/r1', Config: { Labels: {}, Env: ['X=dockgate'] }, State: { Running: true } },
};
const daemon: DaemonClient = madeByGateway({ get: (path) => Promise.resolve(docs[decodeURIComponent(path)] === undefined ? answer(404, { message: 'No such image' }) : answer(200, docs[decodeURIComponent(path)])) });
const tenancy = createTenancy({ daemon, spec: () => spec, groups: (id) => id.groups });

function admit(who: string, method: string, target: string): Promise<TenancyVerdict> {
  return tenancy.admit({ identity: identity(who), facts: buildFacts({ method, rawTarget: target, headers: {} }), method, target });
}

type Row = [name: string, who: string, method: string, target: string, refusal: string | undefined];

function check(rows: Row[]): void {
  it.each(rows)('%s', async (_name, who, method, target, refusal) => {
    const v = await admit(who, method, target);
    if (refusal === undefined) {
      expect(v.kind, JSON.stringify(v)).toBe('forward');
      if (v.kind === 'forward') v.release?.();
    } else {
      expect(v.kind === 'deny' && v.message).toBe(refusal);
    }
  });
}

const pull = (ref: string, tag: string) => `/v1.41/images/create?fromImage=${encodeURIComponent(ref)}&tag=${encodeURIComponent(tag)}`;
const PULL_OTHERS = "a pull may not add an image without an owner to another tenant's repository: pull it under a repository name that holds no other tenant's images";

describe('1. a pull is refused only by an image with an owner the caller may not modify', () => {
  check([
    ['bob pulls a second tag into the team\'s repository (it holds alice\'s image and a pulled one)', 'bob', 'POST', pull('web/app', '2'), undefined],
    ['alice pulls over her own tag (a pulled-back team image)', 'alice', 'POST', pull('web/app', '1'), undefined],
    ['bob pulls by digest into the team\'s repository', 'bob', 'POST', pull('web/app', D), undefined],
    ['alice pulls into a repository of unowned images only', 'alice', 'POST', pull('busybox', '1.36'), undefined],
    ['alice pulls into carol\'s repository', 'alice', 'POST', pull('data/app', 'zz'), `dockgate: denied ImageCreate for alice: tag "data/app:zz" would join a repository that holds another tenant's image (data/app:1): ${PULL_OTHERS}`],
    ['alice pulls by digest into carol\'s repository', 'alice', 'POST', pull('data/app', D), `dockgate: denied ImageCreate for alice: reference "data/app@${D}" would join a repository that holds another tenant's image (data/app:1): ${PULL_OTHERS}`],
    ['carol pulls into the web team\'s repository (the unowned image there does not make it hers)', 'carol', 'POST', pull('web/app', '2'), `dockgate: denied ImageCreate for carol: tag "web/app:2" would join a repository that holds another tenant's image (web/app:1): ${PULL_OTHERS}`],
    ['alice pulls into her image labelled with team data', 'alice', 'POST', pull('amixed', '2'), `dockgate: denied ImageCreate for alice: tag "amixed:2" would join a repository that holds an image labelled yours but with team "data", not your own team's label (amixed:1): ${PULL_OTHERS}`],
  ]);
});

describe('2. a tag naming an image without an owner may be re-pointed in the caller\'s repository only', () => {
  const ADMIN_PULL = "refreshing shared images is an admin's job: ask a tenancy admin to pull it";
  check([
    ['alice builds over the pulled tag (compose up --build after a pull)', 'alice', 'POST', '/v1.41/build?t=web/app:pulled', undefined],
    ['alice tags her image over it', 'alice', 'POST', '/v1.41/images/web/app:1/tag?repo=web/app&tag=pulled', undefined],
    ['alice commits over it', 'alice', 'POST', '/v1.41/commit?container=a1&repo=web/app&tag=pulled', undefined],
    ['alice imports over it', 'alice', 'POST', '/v1.41/images/create?fromSrc=-&repo=web/app&tag=pulled', undefined],
    ['bob pulls it again (a refresh)', 'bob', 'POST', pull('web/app', 'pulled'), undefined],
    ['carol builds over it (not her repository)', 'carol', 'POST', '/v1.41/build?t=web/app:pulled', 'dockgate: denied ImageBuild for carol: tag "web/app:pulled" names an image that has no owner, outside a repository of yours; a tenancy admin can remove or re-tag it'],
    ['carol pulls over it', 'carol', 'POST', pull('web/app', 'pulled'), `dockgate: denied ImageCreate for carol: tag "web/app:pulled" names an image that has no owner, outside a repository of yours; ${ADMIN_PULL}`],
    ['alice pulls over a public tag (busybox:latest)', 'alice', 'POST', pull('busybox', 'latest'), `dockgate: denied ImageCreate for alice: tag "busybox:latest" names an image that has no owner, outside a repository of yours; ${ADMIN_PULL}`],
    ['alice builds over it', 'alice', 'POST', '/v1.41/build?t=busybox', 'dockgate: denied ImageBuild for alice: tag "busybox:latest" names an image that has no owner, outside a repository of yours; a tenancy admin can remove or re-tag it'],
  ]);
});

describe('3. images without an owner do not stop an owned tag in the caller\'s repository; elsewhere every image the caller may not modify does', () => {
  check([
    ['alice builds a new tag into her repository holding a pulled image', 'alice', 'POST', '/v1.41/build?t=web/app:3', undefined],
    ['bob tags alice\'s image into it', 'bob', 'POST', '/v1.41/images/web/app:1/tag?repo=web/app&tag=bob', undefined],
    ['an admin tags an image without an owner into a repository of unowned images', 'root', 'POST', '/v1.41/images/busybox:latest/tag?repo=busybox&tag=mine', undefined],
    ['alice tags into a repository of unowned images only', 'alice', 'POST', '/v1.41/images/web/app:1/tag?repo=busybox&tag=mine', 'dockgate: denied ImageTag for alice: tag "busybox:mine" would join a repository that holds an image that has no owner (busybox:latest): a repository of images without an owner only takes no tags with an owner: tag into a repository of your own'],
    ['carol builds into the web team\'s repository', 'carol', 'POST', '/v1.41/build?t=web/app:3', 'dockgate: denied ImageBuild for carol: tag "web/app:3" would join a repository that holds another tenant\'s image (web/app:1): tag into a repository of your own'],
    ['alice builds into carol\'s repository', 'alice', 'POST', '/v1.41/build?t=data/app:2', 'dockgate: denied ImageBuild for alice: tag "data/app:2" would join a repository that holds another tenant\'s image (data/app:1): tag into a repository of your own'],
  ]);
});

describe('4. rmi by reference of an image without an owner in the caller\'s repository, without force', () => {
  const FORCED = 'has no owner: remove it from your repository without -f (force would also delete an image other tenants\' containers use)';
  const NOT_YOURS = (name: string) => `dockgate: denied ImageDelete for alice: image "${name}" has no owner: tenants may use it, not change or rename it; a tenancy admin can remove or re-tag it`;
  const BY_ID = (name: string) => `dockgate: denied ImageDelete for alice: image "${name}" has no owner: by ID dockerd would delete it with every tag it has; remove its reference in your repository by name instead (docker rmi web/app:pulled, without -f)`;
  check([
    ['by its tag', 'alice', 'DELETE', '/v1.41/images/web/app:pulled', undefined],
    ['by its tag, force=0', 'alice', 'DELETE', '/v1.41/images/web/app:pulled?force=0', undefined],
    ['by name@digest, by bob (the team\'s repository)', 'bob', 'DELETE', `/v1.41/images/web/app@${U}`, undefined],
    ['by its tag with force=1', 'alice', 'DELETE', '/v1.41/images/web/app:pulled?force=1', `dockgate: denied ImageDelete for alice: image "web/app:pulled" ${FORCED}`],
    ['by name@digest with force=true', 'alice', 'DELETE', `/v1.41/images/web/app@${U}?force=true`, `dockgate: denied ImageDelete for alice: image "web/app@${U}" ${FORCED}`],
    // rev-images F7: by ID it stays refused, saying the reference in her repository may go by name.
    ['by an ID prefix (dockerd deletes the image, every tag)', 'alice', 'DELETE', '/v1.41/images/e1', BY_ID('e1')],
    ['by its full ID', 'alice', 'DELETE', `/v1.41/images/${pulled.Id}`, BY_ID(pulled.Id)],
    ['by the ID of an image with no reference in her repository', 'alice', 'DELETE', '/v1.41/images/b1', NOT_YOURS('b1')],
    ['outside her repository (busybox:latest)', 'alice', 'DELETE', '/v1.41/images/busybox:latest', NOT_YOURS('busybox:latest')],
    ['by carol, from the web team\'s repository', 'carol', 'DELETE', '/v1.41/images/web/app:pulled', 'dockgate: denied ImageDelete for carol: image "web/app:pulled" has no owner: tenants may use it, not change or rename it; a tenancy admin can remove or re-tag it'],
  ]);
});

describe('4. the audit record tells a removal by rule 4 from an ordinary one (rev-images F7)', () => {
  it('a removal of an unowned tag in the caller\'s repository carries a note for the audit reason', async () => {
    const v = await admit('alice', 'DELETE', '/v1.41/images/web/app:pulled');
    expect(v.kind === 'forward' && v.note).toBe(UNOWNED_REMOVAL_NOTE);
  });
  it('the note says what was allowed, not that anything was removed: dockerd may still answer 409 (rev-day1 F2)', () => {
    expect(UNOWNED_REMOVAL_NOTE).toBe("allowed by Tags rule 4 of docs/sharing.md (an unowned image's reference in the caller's repository)");
    expect(UNOWNED_REMOVAL_NOTE).not.toMatch(/removed/);
  });
  it('a removal of one\'s own image carries none', async () => {
    const v = await admit('alice', 'DELETE', '/v1.41/images/web/app:1');
    expect(v.kind === 'forward' && v.note).toBeUndefined();
  });
});

describe('messages (rev-images F7)', () => {
  check([
    ['a pull of repo: (dockerd trims the colon and pulls every tag) gets the pull-all refusal', 'alice', 'POST', '/v1.41/images/create?fromImage=busybox%3A', 'dockgate: denied ImageCreate for alice: pulling every tag of a repository is not supported for tenants: name a tag'],
    ['a pull of repo: with a tag is that tag', 'alice', 'POST', '/v1.41/images/create?fromImage=web%2Fapp%3A&tag=2', undefined],
    ['a hex tag prefixing the caller\'s own image\'s ID says so', 'alice', 'POST', '/v1.41/images/web/app:1/tag?repo=a1', 'dockgate: denied ImageTag for alice: tag "a1:latest" could be read as the ID of an image of yours or your team\'s (a10000000000): give it a name that is not only hexadecimal digits'],
    ['one prefixing another tenant\'s image\'s ID', 'carol', 'POST', '/v1.41/images/data/app:1/tag?repo=a1', 'dockgate: denied ImageTag for carol: tag "a1:latest" could be read as the ID of another image: give it a name that is not only hexadecimal digits'],
    // rev-day1 F5: the 12-digit short ID `docker images` shows is looked up too.
    ['the caller\'s own image\'s 12-digit short ID says so', 'alice', 'POST', '/v1.41/images/web/app:1/tag?repo=a10000000000', 'dockgate: denied ImageTag for alice: tag "a10000000000:latest" could be read as the ID of an image of yours or your team\'s (a10000000000): give it a name that is not only hexadecimal digits'],
    ['another tenant\'s image\'s short ID', 'carol', 'POST', '/v1.41/images/data/app:1/tag?repo=a10000000000', 'dockgate: denied ImageTag for carol: tag "a10000000000:latest" could be read as the ID of another image: give it a name that is not only hexadecimal digits'],
    ['a short ID of no image is still refused', 'alice', 'POST', '/v1.41/images/web/app:1/tag?repo=f00000000000', 'dockgate: denied ImageTag for alice: tag "f00000000000:latest" could be read as the ID of another image: give it a name that is not only hexadecimal digits'],
  ]);
});

describe('5. save or push of a bare repository name holding images without an owner says how to go on', () => {
  const EVERY = '(web/app stands for every tag of the repository): save or push your tags by name, or remove the tags without an owner from your repository (rmi without -f)';
  check([
    ['save of the caller\'s repository', 'alice', 'GET', '/v1.41/images/get?names=web/app', `dockgate: denied ImageGetAll for alice: image "web/app:pulled" has no owner: tenants may use it, not export or push it ${EVERY}`],
    ['push of it (every tag)', 'bob', 'POST', '/v1.41/images/web/app/push?tag=', `dockgate: denied ImagePush for bob: image "web/app:pulled" has no owner: tenants may use it, not export or push it ${EVERY}`],
    ['save of one\'s own tag in it', 'alice', 'GET', '/v1.41/images/get?names=web/app:1', undefined],
    ['save of a repository of unowned images only', 'alice', 'GET', '/v1.41/images/get?names=busybox', 'dockgate: denied ImageGetAll for alice: image "busybox:latest" has no owner: tenants may use it, not export or push it; a tenancy admin can remove or re-tag it (busybox stands for every tag of the repository)'],
  ]);
});

// revown: in a tenant's repository, tags without an owner are the team's to re-point and remove,
// so an admin's image without an owner may not go there (admin-writes.ts).
const ADMIN_INTO = (op: string, repo: string, held: string) => `dockgate: denied ${op} for root: ${op} would put an image without an owner into repository "${repo}", which holds a tenant's image (${held}): there that tenant's team could re-point and remove it; write it under another repository name, or remove the tenant's images from the repository first`;

// rev-images F2: said as what the check can tell (see the rows at the end).
const UNKNOWN = (op: string, repo: string, held: string) => `dockgate: denied ${op} for root: ${op} with a change that could set a dockgate label (one naming it in any spelling, a LABEL with a variable, or a change that is not one plain instruction) writes an image whose owner the gateway cannot tell: it may only go into a new repository, and repository "${repo}" holds ${held}`;

describe('an admin\'s image without an owner may not go into a tenant\'s repository', () => {
  check([
    ['an admin pulls into carol\'s repository', 'root', 'POST', pull('data/app', 'zz'), ADMIN_INTO('ImageCreate', 'data/app', 'data/app:1')],
    ['an admin pulls by digest into the web team\'s repository', 'root', 'POST', pull('web/app', D), ADMIN_INTO('ImageCreate', 'web/app', 'web/app:1')],
    ['an admin tags busybox into carol\'s repository', 'root', 'POST', '/v1.41/images/busybox:latest/tag?repo=data%2Fapp&tag=base', ADMIN_INTO('ImageTag', 'data/app', 'data/app:1')],
    ['an admin builds into carol\'s repository without an owner label', 'root', 'POST', `/v1.41/build?t=${encodeURIComponent('data/app:2')}`, ADMIN_INTO('ImageBuild', 'data/app', 'data/app:1')],
    ['an admin imports into carol\'s repository', 'root', 'POST', '/v1.41/images/create?fromSrc=-&repo=data%2Fapp&tag=3', ADMIN_INTO('ImageCreate', 'data/app', 'data/app:1')],
    ['an admin pulls into a repository of unowned images only', 'root', 'POST', pull('busybox', '1.36'), undefined],
    ['an admin pulls into a new repository', 'root', 'POST', pull('shared/base', '1'), undefined],
    ['an admin tags carol\'s image within her repository (it has an owner)', 'root', 'POST', '/v1.41/images/data/app:1/tag?repo=data%2Fapp&tag=copy', undefined],
    ['an admin builds into carol\'s repository with her owner label', 'root', 'POST', `/v1.41/build?t=${encodeURIComponent('data/app:2')}&labels=${encodeURIComponent(JSON.stringify(labels('carol', 'data')))}`, undefined],
    ['an admin commits alice\'s container (its labels are hers) into the web team\'s repository', 'root', 'POST', '/v1.41/commit?container=a1&repo=web%2Fapp&tag=snap', undefined],
    ['an admin\'s other requests are not looked at', 'root', 'GET', '/v1.41/images/json', undefined],
    // revlast: the empty owner label is no owner, and a commit's changes or body may set labels.
    ['an admin builds into carol\'s repository with an empty owner label', 'root', 'POST', `/v1.41/build?t=${encodeURIComponent('data/app:2')}&labels=${encodeURIComponent(JSON.stringify({ 'dockgate.owner': '' }))}`, ADMIN_INTO('ImageBuild', 'data/app', 'data/app:1')],
    // revfinal: a change naming a dockgate label makes the owner unknown: a new repository only.
    ['an admin commits alice\'s container into the web team\'s repository with a LABEL change naming a dockgate label', 'root', 'POST', `/v1.41/commit?container=a1&repo=web%2Fapp&tag=snap&changes=${encodeURIComponent('LABEL dockgate.owner=')}`, UNKNOWN('ImageCommit', 'web/app', 'web/app:1')],
    ['the same into a new repository', 'root', 'POST', `/v1.41/commit?container=a1&repo=web%2Fnew&tag=snap&changes=${encodeURIComponent('LABEL dockgate.owner=')}`, undefined],
    // revfinal: other changes and body labels keep the container's labels (dockerd merges them).
    ['an admin commits alice\'s container with an ENV change into the shared busybox repository', 'root', 'POST', `/v1.41/commit?container=a1&repo=busybox&tag=snap&changes=${encodeURIComponent('ENV X=1')}`, 'dockgate: denied ImageCommit for root: ImageCommit would put an image of team "web" into repository "busybox", which holds an image without an owner (busybox:latest) and none of that team\'s: the repository would become theirs, and its tags without an owner theirs to re-point and remove; write it under another repository name'],
    ['an admin commits alice\'s container with a LABEL version change into the web team\'s repository', 'root', 'POST', `/v1.41/commit?container=a1&repo=web%2Fapp&tag=v2&changes=${encodeURIComponent('LABEL version=2')}`, undefined],
  ]);
});

// revlast: the other direction: an admin's image with an owner in a repository of images
// without one (or of another team's) made that repository, and its shared tags, the team's.
const ADMIN_OWNED = (repo: string, holds: string) => `dockgate: denied ImageTag for root: ImageTag would put an image of team "web" into repository "${repo}", which holds ${holds} and none of that team's: the repository would become theirs, and its tags without an owner theirs to re-point and remove; write it under another repository name`;

describe('an admin\'s image with an owner may not go into a repository of unowned images or another team\'s', () => {
  check([
    ['an admin tags alice\'s image into the shared busybox repository', 'root', 'POST', '/v1.41/images/web/app:1/tag?repo=busybox&tag=web', ADMIN_OWNED('busybox', 'an image without an owner (busybox:latest)')],
    ['an admin tags alice\'s image into carol\'s repository', 'root', 'POST', '/v1.41/images/web/app:1/tag?repo=data%2Fapp&tag=web', ADMIN_OWNED('data/app', "another team's image (data/app:1)")],
    ['an admin tags alice\'s image into the web team\'s repository (it holds a pulled tag too)', 'root', 'POST', '/v1.41/images/web/app:1/tag?repo=web%2Fapp&tag=copy', undefined],
    ['an admin tags alice\'s image into a new repository', 'root', 'POST', '/v1.41/images/web/app:1/tag?repo=web%2Fnew&tag=1', undefined],
  ]);
});

describe('an admin\'s commit body labels and build labels (revfinal)', () => {
  const admitBody = (target: string, body: unknown) => tenancy.admit({ identity: identity('root'), facts: buildFacts({ method: 'POST', rawTarget: target, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) }), method: 'POST', target, body: Buffer.from(JSON.stringify(body)) });
  it('a commit body\'s other labels keep the container\'s owner: refused into the shared busybox repository', async () => {
    const v = await admitBody('/v1.41/commit?container=a1&repo=busybox&tag=note', { Labels: { note: 'x' } });
    expect(v.kind === 'deny' && v.message).toContain('ImageCommit would put an image of team "web" into repository "busybox"');
  });
  it('a commit body clearing the owner label makes it an image without an owner: refused into the web team\'s repository', async () => {
    const v = await admitBody('/v1.41/commit?container=a1&repo=web%2Fapp&tag=x', { Labels: { 'dockgate.owner': '' } });
    expect(v.kind === 'deny' && v.message).toContain('ImageCommit would put an image without an owner into repository "web/app"');
  });
  it('a build naming no owner is sent with empty owner and team labels (its base image\'s would otherwise be inherited)', async () => {
    const v = await admit('root', 'POST', `/v1.41/build?t=${encodeURIComponent('shared/new:1')}&labels=${encodeURIComponent(JSON.stringify({ a: 'b' }))}`);
    expect(v.kind).toBe('forward');
    const target = v.kind === 'forward' ? v.target ?? '' : '';
    expect(JSON.parse(new URL(target, 'http://x').searchParams.get('labels') ?? '')).toEqual({ a: 'b', 'dockgate.owner': '', 'dockgate.team': '' });
  });
  it('a build naming an owner is sent as it is', async () => {
    const v = await admit('root', 'POST', `/v1.41/build?t=${encodeURIComponent('data/app:2')}&labels=${encodeURIComponent(JSON.stringify(labels('carol', 'data')))}`);
    expect(v.kind === 'forward' && v.target).toBeUndefined();
  });
});

// rev-images F1, F2: an admin's import applies its changes as a commit does, and a change can
// spell a dockgate label many ways dockerd reads as one (quotes, escapes, variables from an ENV
// change or the container's environment, a line continuation joining the next change): each
// makes the owner unknown, so such a write may only go into a new repository. Seen on dockerd
// 20.10: every refused spelling below set dockgate.owner=carol.
const changes = (...c: string[]) => c.map((x) => `&changes=${encodeURIComponent(x)}`).join('');
const importInto = (repo: string, ...c: string[]) => `/v1.41/images/create?fromSrc=-&repo=${encodeURIComponent(repo)}&tag=imported${changes(...c)}`;
const commitInto = (repo: string, ...c: string[]) => `/v1.41/commit?container=r1&repo=${encodeURIComponent(repo)}&tag=p${changes(...c)}`;

describe('an admin\'s import or commit whose changes could set a dockgate label goes into a new repository only (rev-images F1, F2)', () => {
  check([
    ['an import labelling carol\'s into the shared busybox repository', 'root', 'POST', importInto('busybox', 'LABEL dockgate.owner=carol dockgate.team=ops'), UNKNOWN('ImageCreate', 'busybox', 'busybox:latest')],
    ['an import with a variable LABEL key from its ENV change', 'root', 'POST', importInto('busybox', 'ENV X=dockgate', 'LABEL ${X}.owner=carol'), UNKNOWN('ImageCreate', 'busybox', 'busybox:latest')],
    ['the same import into a new repository', 'root', 'POST', importInto('shared/imported', 'LABEL dockgate.owner=carol'), undefined],
    ['an import with other changes into busybox (no owner)', 'root', 'POST', importInto('busybox', 'ENV A=1', 'LABEL version=2'), undefined],
    ['a commit with a quoted key', 'root', 'POST', commitInto('busybox', 'LABEL "dockgate"."owner"=carol "dockgate"."team"=ops'), UNKNOWN('ImageCommit', 'busybox', 'busybox:latest')],
    ['a commit with an escaped key', 'root', 'POST', commitInto('busybox', 'label dock\\gate\\.owner=carol'), UNKNOWN('ImageCommit', 'busybox', 'busybox:latest')],
    ['a commit with a variable key from an ENV change', 'root', 'POST', commitInto('busybox', 'ENV X=dockgate', 'LABEL ${X}.owner=carol ${X}.team=ops'), UNKNOWN('ImageCommit', 'busybox', 'busybox:latest')],
    ['a commit with a variable key from the container\'s environment', 'root', 'POST', commitInto('busybox', 'LABEL ${X}.owner=carol'), UNKNOWN('ImageCommit', 'busybox', 'busybox:latest')],
    ['a commit with any variable in a LABEL change (fails closed)', 'root', 'POST', commitInto('busybox', 'LABEL version=$V'), UNKNOWN('ImageCommit', 'busybox', 'busybox:latest')],
    ['a commit whose change continues into the next', 'root', 'POST', commitInto('busybox', 'LABEL a=1 dock\\', 'gate.owner=carol'), UNKNOWN('ImageCommit', 'busybox', 'busybox:latest')],
    ['a commit with a line break in a change', 'root', 'POST', commitInto('busybox', 'ENV A=1\nLABEL b=2'), UNKNOWN('ImageCommit', 'busybox', 'busybox:latest')],
    ['a commit with a parser directive', 'root', 'POST', commitInto('busybox', '# escape=`', 'LABEL a=1'), UNKNOWN('ImageCommit', 'busybox', 'busybox:latest')],
    ['a commit with an ENV using a variable and a plain LABEL into busybox (no owner)', 'root', 'POST', commitInto('busybox', 'ENV A=$PATH', 'LABEL version=2'), undefined],
    ['a quoted-key commit into a new repository', 'root', 'POST', commitInto('shared/committed', 'LABEL "dockgate"."owner"=carol'), undefined],
  ]);
});

// rev-images F3: a build's --label owner without a team label kept the base image's team.
describe('an admin\'s build is sent with the owner and team labels the check read (rev-images F3)', () => {
  const sent = async (l: Record<string, string>) => {
    const v = await admit('root', 'POST', `/v1.41/build?t=${encodeURIComponent('dave/app:2')}&labels=${encodeURIComponent(JSON.stringify(l))}`);
    expect(v.kind, JSON.stringify(v)).toBe('forward');
    const target = v.kind === 'forward' ? v.target : undefined;
    return target === undefined ? undefined : (JSON.parse(new URL(target, 'http://x').searchParams.get('labels') ?? '') as unknown);
  };
  it.each([
    ['an owner and no team: an empty team label added', { 'dockgate.owner': 'dave' }, { 'dockgate.owner': 'dave', 'dockgate.team': '' }],
    ['an owner and an empty team: as it is', { 'dockgate.owner': 'dave', 'dockgate.team': '' }, undefined],
    ['an owner and a team: as it is', { 'dockgate.owner': 'carol', 'dockgate.team': 'data' }, undefined],
    ['a team and no owner: no owner, so both emptied', { 'dockgate.team': 'data', a: 'b' }, { 'dockgate.owner': '', 'dockgate.team': '', a: 'b' }],
    ['an empty owner and a team: both emptied', { 'dockgate.owner': '', 'dockgate.team': 'data' }, { 'dockgate.owner': '', 'dockgate.team': '' }],
  ])('%s', async (_name, given, want) => {
    expect(await sent(given)).toEqual(want);
  });
});
