/**
 * What the gateway adds to an admin's container create and service spec so that the image's
 * labels, which dockerd copies under the container's own, never make them a tenant's
 * (rev-seal2 F1, F2): admin-create.ts adminOwnerLabels, admin-services.ts
 * serviceSpecWithoutOwner. Pure tables.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { adminOwnerLabels } from '../../../src/tenancy/admin-create.js';
import { NO_ONES_TASK_LABELS, serviceSpecWithoutOwner } from '../../../src/tenancy/admin-services.js';
import { BodyShapeError } from '../../../src/tenancy/labels.js';

const EMPTY_BOTH = { 'dockgate.owner': '', 'dockgate.team': '' };
const EMPTY_TEAM = { 'dockgate.team': '' };

describe('adminOwnerLabels: the owner and team an admin container gets added', () => {
  it.each<[string, JsonValue | undefined, Record<string, string>]>([
    ['no Labels', undefined, EMPTY_BOTH],
    ['Labels null', null, EMPTY_BOTH],
    ['other labels only', { note: 'n' }, EMPTY_BOTH],
    ['an owner and a team', { 'dockgate.owner': 'alice', 'dockgate.team': 'web' }, {}],
    ['an owner and an empty team', { 'dockgate.owner': 'alice', 'dockgate.team': '' }, {}],
    ['an owner, no team key', { 'dockgate.owner': 'alice' }, EMPTY_TEAM],
    ['an owner, the team key in another case (a map key is exact)', { 'dockgate.owner': 'alice', 'Dockgate.Team': 'web' }, EMPTY_TEAM],
    ['a team, no owner', { 'dockgate.team': 'web' }, EMPTY_BOTH],
    ['an empty owner', { 'dockgate.owner': '', 'dockgate.team': 'web' }, EMPTY_BOTH],
    ['the owner key in another case', { 'Dockgate.Owner': 'alice' }, EMPTY_BOTH],
    ['an owner that is not a string (dockerd refuses it)', { 'dockgate.owner': 5 }, EMPTY_BOTH],
  ])('%s', (_name, given, want) => {
    expect(adminOwnerLabels(given)).toEqual(want);
  });
});

describe('serviceSpecWithoutOwner: an admin service spec, its task labels proving and naming no one', () => {
  const L = NO_ONES_TASK_LABELS;
  it.each<[string, JsonValue | undefined, JsonValue | undefined]>([
    ['no body', undefined, undefined],
    ['no TaskTemplate', { Name: 's' }, undefined],
    ['TaskTemplate null', { TaskTemplate: null }, undefined],
    ['no ContainerSpec (a plugin)', { TaskTemplate: { Runtime: 'plugin', PluginSpec: {} } }, undefined],
    ['ContainerSpec null', { TaskTemplate: { ContainerSpec: null } }, undefined],
    ['ContainerSpec without labels', { TaskTemplate: { ContainerSpec: { Image: 'busybox' } } }, { TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: L } } }],
    [
      "an admin's owner labels and a forged mark: all overwritten, other labels kept",
      { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'b', Labels: { 'dockgate.owner': 'alice', 'dockgate.team': 'web', 'dockgate.created': 'deadbeef', note: 'n' } } } },
      { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'b', Labels: { ...L, note: 'n' } } } },
    ],
    ['field names folded as Go does', { tasktemplate: { containerspec: { labels: { a: 'b' } } } }, { tasktemplate: { containerspec: { labels: { a: 'b', ...L } } } }],
    ['Labels null', { TaskTemplate: { ContainerSpec: { Labels: null } } }, { TaskTemplate: { ContainerSpec: { Labels: L } } }],
  ])('%s', (_name, body, want) => {
    expect(serviceSpecWithoutOwner(body)).toEqual(want);
  });

  it.each<[string, JsonValue]>([
    ['TaskTemplate a string', { TaskTemplate: 'x' }],
    ['ContainerSpec a list', { TaskTemplate: { ContainerSpec: [] } }],
    ['Labels a string', { TaskTemplate: { ContainerSpec: { Labels: 'x' } } }],
  ])('%s: a shape dockerd refuses throws', (_name, body) => {
    expect(() => serviceSpecWithoutOwner(body)).toThrow(BodyShapeError);
  });

  it('leaves the body it was given as it was', () => {
    const body = { TaskTemplate: { ContainerSpec: { Labels: { a: 'b' } } } };
    serviceSpecWithoutOwner(body);
    expect(body).toEqual({ TaskTemplate: { ContainerSpec: { Labels: { a: 'b' } } } });
  });
});
