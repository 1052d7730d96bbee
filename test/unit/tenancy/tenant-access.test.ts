/** A caller's tenant (tenant.ts: team, admin, quota) and its access to objects (access.ts: level, visibility in lists). */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { parseTenancy, type TenancySpec } from '../../../src/policy/tenancy-schema.js';
import { Problems } from '../../../src/policy/problems.js';
import { accessTo, visibilityLabel, visibleTo, type ResolvedObject } from '../../../src/tenancy/access.js';
import { tenantOf } from '../../../src/tenancy/tenant.js';

const spec: TenancySpec = {
  admins: { users: ['root'], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: ['shared'], volumes: [] },
  quotas: { default: { containers: 5, memory: 64 * 2 ** 20 }, groups: { web: { containers: 10 } }, users: { alice: { running: 2 } } },
};

function identity(name: string, groups: string[] = []): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

describe('tenants and access', () => {
  const alice = tenantOf(spec, identity('alice', ['web']), ['web']);
  const carol = tenantOf(spec, identity('carol', ['data']), ['data']);
  const dave = tenantOf(spec, identity('dave'), []);
  const root = tenantOf(spec, identity('ops-person', ['ops']), ['ops']);

  it('a group or user named __proto__ gets its quota like any other (a policy mapping, as YAML and JSON give it)', () => {
    const problems = new Problems();
    const parsed = parseTenancy(JSON.parse('{"quotas":{"default":{"containers":9},"groups":{"__proto__":{"containers":1}},"users":{"__proto__":{"running":1}}}}'), problems);
    expect(problems.list).toEqual([]);
    if (!parsed) throw new Error('no spec');
    expect(tenantOf(parsed, identity('eve', ['__proto__']), ['__proto__']).quota).toEqual({ containers: 1 });
    expect(tenantOf(parsed, identity('__proto__'), []).quota).toEqual({ containers: 9, running: 1 });
    expect(tenantOf(parsed, identity('running'), []).quota).toEqual({ containers: 9 });
  });

  it('derives team, admin and merged quota', () => {
    expect(alice).toEqual({ name: 'alice', team: 'web', admin: false, quota: { containers: 10, memory: 64 * 2 ** 20, running: 2 } });
    expect(dave).toEqual({ name: 'dave', admin: false, quota: { containers: 5, memory: 64 * 2 ** 20 } });
    expect(root.admin).toBe(true);
  });

  // Mutation review s29: `admins.groups.some` read as `every` made everyone an admin under a
  // policy that names no admin group (the default), and no admin in one of two admin groups.
  it.each([
    ['no admins: section (the default): nobody is an admin', {}, ['web'], false],
    ['admin users only: a caller in any group is no admin', { admins: { users: ['root'] } }, ['web'], false],
    ['one of two admin groups is enough', { admins: { groups: ['ops', 'sec'] } }, ['sec'], true],
    ['a group outside the admin groups is not', { admins: { groups: ['ops', 'sec'] } }, ['web'], false],
  ])('admin: %s', (_name, tenancy, groups, want) => {
    const problems = new Problems();
    const parsed = parseTenancy(tenancy, problems);
    expect(problems.list).toEqual([]);
    if (!parsed) throw new Error('no spec');
    expect(tenantOf(parsed, identity('eve', groups), groups).admin).toBe(want);
  });

  const obj = (kind: ResolvedObject['kind'], ownership: ResolvedObject['ownership'], names: string[] = ['x']): ResolvedObject => ({ kind, id: 'id', names, ownership });
  it.each([
    ['own', alice, obj('containers', { owner: 'alice', team: 'web' }), 'modify', 'owner'],
    ['team member', alice, obj('containers', { owner: 'bob', team: 'web' }), 'modify', 'team'],
    ['other team', carol, obj('containers', { owner: 'bob', team: 'web' }), 'read', 'none'],
    ['no team: owner only', dave, obj('containers', { owner: 'bob' }), 'read', 'none'],
    ['team label without owner is not a team object', alice, obj('containers', { team: 'web' }), 'read', 'none'],
    ['unowned image read', carol, obj('images', {}), 'read', 'unowned'],
    ['unowned image modify', carol, obj('images', {}), 'modify', 'none'],
    ['unowned container', carol, obj('containers', {}), 'read', 'none'],
    ['shared network read', carol, obj('networks', { owner: 'root' }, ['shared']), 'read', 'shared'],
    ['shared network modify', carol, obj('networks', { owner: 'root' }, ['shared']), 'modify', 'none'],
    ['admin', root, obj('containers', { owner: 'bob' }), 'modify', 'admin'],
    // Images: the owner label gives `modify` only beside the owner's own team label. The
    // classic builder's intermediate image between the gateway's owner and team LABEL steps
    // has the caller as owner and the team the Dockerfile or base image gave it.
    ['own image', alice, obj('images', { owner: 'alice', team: 'web' }), 'modify', 'owner'],
    ['own image, another team\'s label (the owner step\'s image after a Dockerfile LABEL dockgate.team=web)', carol, obj('images', { owner: 'carol', team: 'web' }), 'modify', 'none'],
    ['own image, another team\'s label, read', carol, obj('images', { owner: 'carol', team: 'web' }), 'read', 'owner'],
    ['own image without a team label (the owner step\'s image of a FROM busybox build)', alice, obj('images', { owner: 'alice' }), 'modify', 'none'],
    ['own image without a team label, read', alice, obj('images', { owner: 'alice' }), 'read', 'owner'],
    ['no team: own image', dave, obj('images', { owner: 'dave' }), 'modify', 'owner'],
    ['no team: own image with a team label (FROM a web image)', dave, obj('images', { owner: 'dave', team: 'web' }), 'modify', 'none'],
    ['no team: own image with a team label, read', dave, obj('images', { owner: 'dave', team: 'web' }), 'read', 'owner'],
    ['own image from before a team change (the old team\'s)', alice, obj('images', { owner: 'alice', team: 'data' }), 'modify', 'none'],
    ['team: an image with the team\'s label is the team\'s whoever the owner', alice, obj('images', { owner: 'carol', team: 'web' }), 'modify', 'team'],
    ['admin: any image', root, obj('images', { owner: 'carol', team: 'web' }), 'modify', 'admin'],
    // Containers, volumes and networks get both labels in one create: the owner label suffices.
    ['own container, another team\'s label', alice, obj('containers', { owner: 'alice', team: 'data' }), 'modify', 'owner'],
    ['own volume without a team label', alice, obj('volumes', { owner: 'alice' }), 'modify', 'owner'],
    ['no team: own network with a team label', dave, obj('networks', { owner: 'dave', team: 'web' }), 'modify', 'owner'],
  ] as const)('%s', (_t, tenant, o, level, want) => {
    expect(accessTo(spec, tenant, o, level)).toBe(want);
  });

  // Visible in a list: whatever grants read access.
  it.each([
    ['own', alice, obj('containers', { owner: 'alice', team: 'web' }), true],
    ['team', alice, obj('containers', { owner: 'bob', team: 'web' }), true],
    ['unowned image', carol, obj('images', {}), true],
    ['shared network', carol, obj('networks', { owner: 'root' }, ['shared']), true],
    ['admin', root, obj('containers', { owner: 'bob' }), true],
    ['another team\'s', carol, obj('containers', { owner: 'bob', team: 'web' }), false],
    ['another tenant\'s image', dave, obj('images', { owner: 'bob', team: 'web' }), false],
    ['unowned container', carol, obj('containers', {}), false],
  ] as const)('visibleTo: %s', (_t, tenant, o, want) => {
    expect(visibleTo(spec, tenant, o)).toBe(want);
  });

  it.each([
    [alice, 'containers', 'dockgate.team=web'],
    [dave, 'volumes', 'dockgate.owner=dave'],
    // Images include unowned ones and networks a shared one: no single label selects them.
    [dave, 'images', undefined],
    [dave, 'networks', undefined],
  ] as const)('visibilityLabel %#', (tenant, kind, want) => {
    expect(visibilityLabel(spec, tenant, kind)).toBe(want);
  });

  // A shared volume has another owner: no single label selects it with the tenant's own.
  const sharedVolumes: TenancySpec = { ...spec, shared: { networks: [], volumes: ['cache'] } };
  it.each([
    [dave, 'volumes', undefined],
    [alice, 'volumes', undefined],
    [dave, 'networks', 'dockgate.owner=dave'],
    [alice, 'containers', 'dockgate.team=web'],
  ] as const)('visibilityLabel with shared volumes %#', (tenant, kind, want) => {
    expect(visibilityLabel(sharedVolumes, tenant, kind)).toBe(want);
  });
});
