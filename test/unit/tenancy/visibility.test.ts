/**
 * The streaming pre-filter of list answers (src/tenancy/visibility.ts): another tenant's items
 * are dropped as they arrive, before they are held or counted against the answer cap (rev-dos
 * F1), for every kind, `unowned:` kinds included; the exact check after it (list-ops.ts) never
 * sees them.
 */
import { describe, expect, it } from 'vitest';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import { DROP } from '../../../src/tenancy/list-reader.js';
import type { Tenant } from '../../../src/tenancy/tenant.js';
import { visibleSelect } from '../../../src/tenancy/visibility.js';

const spec: TenancySpec = {
  admins: { users: ['root'], groups: [] },
  teams: ['web', 'data'],
  unowned: ['images', 'volumes'],
  shared: { networks: ['shared'], volumes: ['common'] },
  quotas: { default: {}, groups: {}, users: {} },
};
const alice: Tenant = { name: 'alice', team: 'web', admin: false, quota: {} };
const labels = (owner: string, team: string) => ({ 'dockgate.owner': owner, 'dockgate.team': team });
const ANON = 'a'.repeat(64);

type List = 'containers' | 'images' | 'volumes' | 'networks' | 'df';
/** [name, list, key the item is under, item, kept]. */
const cases: Array<[string, List, string | undefined, Record<string, unknown>, boolean]> = [
  // Under `unowned: [images, volumes]` an owned item is still only its owner's (and team's).
  ["another tenant's image", 'images', undefined, { Id: 'sha256:b', RepoTags: ['bob/app:1'], Labels: labels('bob', 'data') }, false],
  ["another tenant's image, its labels in Config", 'images', undefined, { Id: 'sha256:b', RepoTags: ['bob/app:1'], Config: { Labels: labels('bob', 'data') } }, false],
  ["another tenant's volume", 'volumes', 'Volumes', { Name: 'bobdata', Labels: labels('bob', 'data') }, false],
  ["another tenant's network", 'networks', undefined, { Id: 'n1', Name: 'bobnet', Labels: labels('bob', 'data') }, false],
  ["another tenant's container", 'containers', undefined, { Id: 'c1', Names: ['/bobc'], Labels: labels('bob', 'data') }, false],
  ["df: another tenant's image", 'df', 'Images', { Id: 'sha256:b', RepoTags: ['bob/app:1'], Labels: labels('bob', 'data') }, false],
  ["df: another tenant's volume", 'df', 'Volumes', { Name: 'bobdata', Labels: labels('bob', 'data') }, false],
  ["df: another tenant's container", 'df', 'Containers', { Id: 'c1', Names: ['/bobc'], Labels: labels('bob', 'data') }, false],
  ['df: build cache (no owner)', 'df', 'BuildCache', { ID: 'x' }, false],
  // What the tenant may see.
  ['own image', 'images', undefined, { Id: 'sha256:a', RepoTags: ['alice/app:1'], Labels: labels('alice', 'web') }, true],
  ["a team mate's image", 'images', undefined, { Id: 'sha256:c', RepoTags: ['carol/app:1'], Labels: labels('carol', 'web') }, true],
  ['an unowned tagged image', 'images', undefined, { Id: 'sha256:d', RepoTags: ['busybox:latest'] }, true],
  ['an unowned untagged image (a build step of anyone)', 'images', undefined, { Id: 'sha256:e', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] }, false],
  ['an unowned named volume', 'volumes', 'Volumes', { Name: 'base' }, true],
  ['an unowned anonymous volume', 'volumes', 'Volumes', { Name: ANON }, false],
  ["a shared volume of another tenant", 'volumes', 'Volumes', { Name: 'common', Labels: labels('bob', 'data') }, true],
  ['a shared network', 'networks', undefined, { Id: 'n2', Name: 'shared' }, true],
  ['an unowned network (networks not unowned)', 'networks', undefined, { Id: 'n3', Name: 'other' }, false],
  ['own container', 'containers', undefined, { Id: 'c2', Names: ['/alicec'], Labels: labels('alice', 'web') }, true],
  ['df: an unowned tagged image', 'df', 'Images', { Id: 'sha256:d', RepoTags: ['busybox:latest'] }, true],
  ['df: own volume', 'df', 'Volumes', { Name: 'mine', Labels: labels('alice', 'web') }, true],
  // Other lists in the answer are kept whole.
  ['a volume list\'s Warnings', 'volumes', 'Warnings', { x: 1 }, true],
];

describe('visibleSelect', () => {
  it.each(cases)('%s', (_name, object, key, item, kept) => {
    expect(visibleSelect(spec, alice, object)(key, item)).toBe(kept ? item : DROP);
  });
});
