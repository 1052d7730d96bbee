/**
 * Names a tenant may not give a container or network because dockerd could read them as
 * another object's ID (src/tenancy/id-like-name.ts), against a scripted daemon that answers
 * inspects from a table (404 for anything else) and records what it was asked.
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { TenancyContext } from '../../../src/tenancy/context.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import { idLikeName, idLikeTag, SHORT_ID_LENGTH } from '../../../src/tenancy/id-like-name.js';
import { KeyedMutex } from '../../../src/tenancy/keyed-mutex.js';
import { LiveSlots } from '../../../src/tenancy/live-slots.js';
import { tenantOf } from '../../../src/tenancy/tenant.js';

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web'],
  unowned: [],
  shared: { networks: [], volumes: [] },
  quotas: { default: {}, groups: {}, users: {} },
};

const C1 = 'c0ffee'.padEnd(64, '1');
const N1 = 'abc123'.padEnd(64, '2');

/** Inspect paths the daemon answers, with their status (200 answers carry the object). */
const OBJECTS: Record<string, number> = {
  [`/containers/${C1.slice(0, 1)}/json`]: 200,
  [`/containers/${C1.slice(0, 6)}/json`]: 200,
  [`/containers/${C1.slice(0, 11)}/json`]: 200,
  [`/networks/${N1.slice(0, 3)}`]: 200,
  '/containers/dead/json': 409, // an ambiguous prefix
  '/networks/bad': 500,
};

function daemon(): DaemonClient & { paths: string[] } {
  const paths: string[] = [];
  const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });
  return {
    paths,
    get(path: string) {
      paths.push(path);
      const status = OBJECTS[path] ?? 404;
      if (status !== 200) return Promise.resolve(answer(status, { message: `status ${status} for ${path}` }));
      const id = path.startsWith('/networks/') ? N1 : C1;
      return Promise.resolve(answer(200, { Id: id, Name: '/other', Config: { Labels: { 'dockgate.owner': 'carol' } }, Labels: { 'dockgate.owner': 'carol' } }));
    },
  };
}

function context(d: DaemonClient): TenancyContext {
  const identity: Identity = { name: 'alice', groups: ['web'], organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
  const target = '/v1.41/containers/create';
  const facts = buildFacts({ method: 'POST', rawTarget: target, headers: {} });
  return { spec, tenant: tenantOf(spec, identity, identity.groups), daemon: d, req: { identity, facts, method: 'POST', target }, locks: new KeyedMutex(), starting: new LiveSlots() };
}

type Kind = 'containers' | 'networks';

/** [case, kind, name, refused as (the name quoted) or undefined, inspect paths asked]. */
type Case = [string, Kind, string | undefined, string | undefined, string[]];

describe('idLikeName', () => {
  it('short IDs are 12 hex digits', () => {
    expect(SHORT_ID_LENGTH).toBe(12);
  });

  const cases: Case[] = [
    // Not only lowercase hex: a name dockerd never reads as an ID; no look-up.
    ['no name', 'containers', undefined, undefined, []],
    ['a name with a letter past f', 'containers', 'web1', undefined, []],
    ['a name with a dash', 'networks', 'abc-123', undefined, []],
    ['upper-case hex (IDs are lower-case)', 'containers', 'ABCDEF123456', undefined, []],
    ['upper-case hex, short', 'networks', 'CAFE', undefined, []],
    ['mixed case, 64 long', 'containers', `A${C1.slice(1)}`, undefined, []],
    // As long as a short ID or longer: refused whatever exists (a future object's prefix too).
    ['12 hex digits that prefix nothing', 'containers', '0123456789ab', '0123456789ab', []],
    ['12 hex digits, network', 'networks', 'ffffffffffff', 'ffffffffffff', []],
    ['13 hex digits', 'containers', '0123456789abc', '0123456789abc', []],
    ['a full ID', 'networks', N1, N1, []],
    // Shorter: looked up as dockerd would; refused when it names an object (or cannot tell).
    ['1 hex digit prefixing a container', 'containers', 'c', 'c', ['/containers/c/json']],
    ['6 hex digits prefixing a container', 'containers', 'c0ffee', 'c0ffee', ['/containers/c0ffee/json']],
    ['11 hex digits prefixing a container', 'containers', C1.slice(0, 11), C1.slice(0, 11), [`/containers/${C1.slice(0, 11)}/json`]],
    ['3 hex digits prefixing a network', 'networks', 'abc', 'abc', ['/networks/abc']],
    ['an ambiguous prefix (409)', 'containers', 'dead', 'dead', ['/containers/dead/json']],
    ['a daemon error (500)', 'networks', 'bad', 'bad', ['/networks/bad']],
    ['1 hex digit prefixing nothing', 'containers', 'a', undefined, ['/containers/a/json']],
    ['11 hex digits prefixing nothing', 'networks', '0123456789a', undefined, ['/networks/0123456789a']],
    ['a word of hex letters prefixing nothing', 'containers', 'cafe', undefined, ['/containers/cafe/json']],
    // dockerd stores a container name without its one leading slash.
    ['container name with a leading slash, short and prefixing', 'containers', '/c0ffee', 'c0ffee', ['/containers/c0ffee/json']],
    ['container name with a leading slash, 12 digits', 'containers', '/0123456789ab', '0123456789ab', []],
    ['container name with a leading slash, prefixing nothing', 'containers', '/cafe', undefined, ['/containers/cafe/json']],
    ['network name with a leading slash is no hex name', 'networks', '/abc', undefined, []],
    ['container name with two leading slashes (dockerd refuses the name)', 'containers', '//c0ffee', undefined, []],
  ];
  it.each(cases)('%s', async (_name, kind, name, refused, asked) => {
    const d = daemon();
    const ctx = context(d);
    const v = await idLikeName(ctx, kind, name);
    expect(d.paths).toEqual(asked);
    if (refused === undefined) {
      expect(v).toBeUndefined();
      return;
    }
    const what = kind === 'containers' ? 'container' : 'network';
    expect(v).toEqual({
      kind: 'deny',
      status: 403,
      code: 'id-like-name',
      message: `dockgate: denied ContainerCreate for alice: ${what} name "${refused}" could be read as the ID of another ${what}: give it a name that is not only hexadecimal digits`,
    });
  });
});

describe('idLikeTag: the image ID prefix a tag would answer for, as dockerd looks references up', () => {
  const cases: [string, string | undefined][] = [
    ['805a4daf44c0', '805a4daf44c0'],
    ['805a4daf44c0:latest', '805a4daf44c0'],
    ['library/805a4daf44c0', '805a4daf44c0'],
    ['docker.io/library/805a4daf44c0:latest', '805a4daf44c0'],
    ['index.docker.io/805a4daf44c0', '805a4daf44c0'],
    ['cafe', 'cafe'],
    ['sha256:805a4daf44c0', '805a4daf44c0'],
    ['docker.io/library/sha256:cafe', 'cafe'],
    // Another tag, another repository, or not only lowercase hex: no ID reads as it.
    ['805a4daf44c0:v1', undefined],
    ['alice/805a4daf44c0', undefined],
    ['registry.example.com/805a4daf44c0', undefined],
    ['805A4DAF44C0', undefined],
    ['web1', undefined],
    ['sha256:v1', undefined],
    ['sha512:cafe', undefined],
    ['805a4daf44c0@sha256:' + 'a'.repeat(64), undefined],
    ['', undefined],
  ];
  it.each(cases)('%s', (ref, prefix) => {
    expect(idLikeTag(ref)).toBe(prefix);
  });
});
