/**
 * Edges of the caller's repository rules (docs/sharing.md, Tags, rule 4) and of an admin's
 * writes that the tables of callers-repository.test.ts leave open (found by a mutation review):
 * an rmi by a name that is also the image's ID prefix deletes the image (every tag), not one
 * reference; an image another tenant owns is not removable for standing in the caller's
 * repository; a force value the gateway cannot read as dockerd does is refused; a daemon that cannot list the
 * repository refuses; an admin's write compares owners without a team one by one, counts an
 * owner without a team as a tenant, and rewrites a build's labels when `labels` is empty but
 * not when it is no JSON object (dockerd refuses that build).
 */
import { describe, expect, it } from 'vitest';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';
import { answer, identity, spec } from './tag-admission.js';

const labels = (owner: string, team?: string) => ({ 'dockgate.owner': owner, ...(team === undefined ? {} : { 'dockgate.team': team }) });
const image = (id: string, l: Record<string, string>, tags: string[]) => ({ Id: `sha256:${id.padEnd(64, '0')}`, RepoTags: tags, RepoDigests: [], Config: { Labels: l } });
// ab: alice's ab:1 and an unowned image whose ID starts with its name (ab:latest);
// mix: alice's mix:1 and carol's mix:2; dave/app and erin/app: owners without a team.
const abAlice = image('a3', labels('alice', 'web'), ['ab:1']);
const abUnowned = image('ab', {}, ['ab:latest', 'busybox:ab']);
const mixAlice = image('a4', labels('alice', 'web'), ['mix:1']);
const mixCarol = image('c2', labels('carol', 'data'), ['mix:2']);
const daveApp = image('d1', labels('dave'), ['dave/app:1']);
const erinApp = image('f1', labels('erin'), ['erin/app:1']);
const dataApp = image('c1', labels('carol', 'data'), ['data/app:1']);
const all = [abAlice, abUnowned, mixAlice, mixCarol, daveApp, erinApp, dataApp];
const docs: Record<string, unknown> = {
  '/images/json': all,
  '/images/ab/json': abUnowned,
  '/images/ab:latest/json': abUnowned,
  '/images/mix:2/json': mixCarol,
  '/images/dave/app:1/json': daveApp,
  '/containers/a1/json': { Id: 'a1'.padEnd(64, '0'), Name: '/a1', Config: { Labels: labels('alice', 'web') }, State: { Running: true } },
};
const serve = (listing: boolean): DaemonClient => ({
  get: (path) => {
    const p = decodeURIComponent(path);
    if (p === '/images/json' && !listing) return Promise.resolve(answer(500, { message: 'boom' }));
    return Promise.resolve(docs[p] === undefined ? answer(404, { message: 'No such image' }) : answer(200, docs[p]));
  },
});
const tenancies = { up: createTenancy({ daemon: serve(true), spec: () => spec, groups: (id) => id.groups }), noList: createTenancy({ daemon: serve(false), spec: () => spec, groups: (id) => id.groups }) };

function admit(who: string, method: string, target: string, daemon: keyof typeof tenancies = 'up'): Promise<TenancyVerdict> {
  return tenancies[daemon].admit({ identity: identity(who), facts: buildFacts({ method, rawTarget: target, headers: {} }), method, target });
}

/** [name, who, method, target, daemon, want: 'forward' or `status code`]. */
type Row = [string, string, string, string, keyof typeof tenancies, string];

describe('rule 4 edges and admin writes', () => {
  it.each<Row>([
    ['rmi by a name that is also the unowned image\'s ID prefix (dockerd deletes every tag)', 'alice', 'DELETE', '/v1.41/images/ab', 'up', '403 not-owner'],
    ['rmi of the same image by its tag in her repository', 'alice', 'DELETE', '/v1.41/images/ab:latest', 'up', 'forward'],
    ['rmi of carol\'s image standing in alice\'s repository', 'alice', 'DELETE', '/v1.41/images/mix:2', 'up', '403 not-owner'],
    ['rmi with a force value dockerd reads as true', 'alice', 'DELETE', '/v1.41/images/ab:latest?force=maybe', 'up', '403 not-owner'],
    ['rmi with a force value whose reading depends on Go\'s Unicode trimming', 'alice', 'DELETE', `/v1.41/images/ab:latest?force=${encodeURIComponent('\u00a0no')}`, 'up', '400 bad-query'],
    ['rmi when the daemon cannot list the repository', 'alice', 'DELETE', '/v1.41/images/ab:latest', 'noList', '403 tag-unchecked'],
    ['an admin pulls into the repository of an owner without a team', 'root', 'POST', '/v1.41/images/create?fromImage=dave%2Fapp&tag=2', 'up', '403 not-owner'],
    ['an admin tags dave\'s image (no team) into erin\'s repository (no team)', 'root', 'POST', '/v1.41/images/dave/app:1/tag?repo=erin%2Fapp&tag=2', 'up', '403 not-owner'],
    ['an admin tags dave\'s image within his repository', 'root', 'POST', '/v1.41/images/dave/app:1/tag?repo=dave%2Fapp&tag=2', 'up', 'forward'],
    ['an admin commits with a dockgate LABEL change into a repository of one image', 'root', 'POST', `/v1.41/commit?container=a1&repo=data%2Fapp&tag=x&changes=${encodeURIComponent('LABEL dockgate.owner=')}`, 'up', '403 not-owner'],
    ['an admin\'s write when the daemon cannot list the repository', 'root', 'POST', '/v1.41/images/create?fromImage=shared%2Fbase&tag=1', 'noList', '403 tag-unchecked'],
  ])('%s', async (_name, who, method, target, daemon, want) => {
    const v = await admit(who, method, target, daemon);
    if (v.kind === 'forward') v.release?.();
    expect(v.kind === 'deny' ? `${v.status} ${v.code}` : v.kind, JSON.stringify(v)).toBe(want);
  });

  it.each<[string, string, string | undefined]>([
    ['empty labels: sent with empty owner and team labels', '', JSON.stringify({ 'dockgate.owner': '', 'dockgate.team': '' })],
    ['labels that are no JSON object: sent as they are (dockerd refuses the build)', '["a"]', undefined],
  ])('an admin\'s build with %s', async (_name, raw, want) => {
    const v = await admit('root', 'POST', `/v1.41/build?t=${encodeURIComponent('shared/new:1')}&labels=${encodeURIComponent(raw)}`);
    expect(v.kind).toBe('forward');
    if (v.kind !== 'forward') return;
    v.release?.();
    const sent = v.target === undefined ? undefined : new URL(v.target, 'http://x').searchParams.get('labels');
    expect(sent ?? undefined).toBe(want);
  });
});
