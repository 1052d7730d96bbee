/**
 * Which service networks the enforced rule's hostNamespaces guard leaves to the daemon to resolve
 * (src/policy/guards/service-networks.ts, host-namespaces.ts networkLookups, evaluate.ts combine),
 * found by the svcfuzz review: `docker service create --network host` sends the swarm host
 * network's ID, which the name check let through.
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/core/types.js';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide, decideTraced } from '../../../src/policy/evaluate.js';
import { alice, guarded, req } from './fixtures.js';

const refuse = guarded('hostNamespaces: false');
const spec = (extra: Record<string, unknown> = {}, template: Record<string, unknown> = {}) => ({ Name: 's', TaskTemplate: { ContainerSpec: { Image: 'busybox' }, ...template }, ...extra });
const create = (body: unknown) => req('POST', '/v1.41/services/create', body);
const update = (body: unknown, query = 'version=1') => req('POST', `/v1.41/services/s1/update?${query}`, body);
const ID = 'ndt3lfz44ayh1jtzaakw6fg99';

describe('the networks a service body names, looked up under hostNamespaces: false', () => {
  it.each([
    ['CLI create: the ID in TaskTemplate.Networks', create(spec({}, { Networks: [{ Target: ID }] })), 'allow', [{ path: 'TaskTemplate.Networks[0].Target', target: ID }]],
    ['an ID prefix and a name, in body order', create(spec({}, { Networks: [{ Target: 'ndt3l' }, { Target: 'web', Aliases: ['a'] }] })), 'allow', [{ path: 'TaskTemplate.Networks[0].Target', target: 'ndt3l' }, { path: 'TaskTemplate.Networks[1].Target', target: 'web' }]],
    ['the legacy top-level Networks', create(spec({ Networks: [{ Target: ID }] })), 'allow', [{ path: 'Networks[0].Target', target: ID }]],
    ['both lists (dockerd takes one; both are looked up)', create(spec({ Networks: [{ Target: 'b' }] }, { Networks: [{ Target: 'a' }] })), 'allow', [{ path: 'TaskTemplate.Networks[0].Target', target: 'a' }, { path: 'Networks[0].Target', target: 'b' }]],
    ['keys folded as Go does', create({ name: 's', tasktemplate: { containerspec: { image: 'busybox' }, NETWORKS: [{ tArGeT: ID }] } }), 'allow', [{ path: 'TaskTemplate.Networks[0].Target', target: ID }]],
    ['an ordinary update', update(spec({}, { Networks: [{ Target: ID }] })), 'allow', [{ path: 'TaskTemplate.Networks[0].Target', target: ID }]],
    ['an empty target (looked up: refused there)', create(spec({}, { Networks: [{ Target: '' }] })), 'allow', [{ path: 'TaskTemplate.Networks[0].Target', target: '' }]],
    ['null and absent targets are skipped', create(spec({}, { Networks: [{ Target: null }, {}, { Target: 'x' }] })), 'allow', [{ path: 'TaskTemplate.Networks[2].Target', target: 'x' }]],
    ['no networks: nothing to look up', create(spec()), 'allow', undefined],
    ['empty lists', create(spec({ Networks: [] }, { Networks: [] })), 'allow', undefined],
    ['Networks that is no list (dockerd refuses the body)', create(spec({}, { Networks: { Target: ID } })), 'allow', undefined],
    ['host by name: refused by the guard, nothing looked up', create(spec({}, { Networks: [{ Target: 'Host' }] })), 'deny', undefined],
    ['a target that is no string: refused', create(spec({}, { Networks: [{ Target: 5 }] })), 'deny', undefined],
    ['docker service rollback: refused before any look-up', update(spec({}, { Networks: [{ Target: ID }] }), 'version=1&rollback=previous'), 'deny', undefined],
    ['a container create by network ID is not looked up', req('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: '5cbcfb1b9224' } }), 'allow', undefined],
  ] as const)('%s', (_name, facts, outcome, lookups) => {
    for (const fn of [decide, decideTraced]) {
      const d: Decision = fn(refuse, alice, facts);
      expect(d.outcome).toBe(outcome);
      expect(d.networkLookups).toEqual(lookups);
    }
  });
});

describe('only an enforced rule with hostNamespaces: false asks for look-ups', () => {
  const body = create(spec({}, { Networks: [{ Target: ID }] }));
  it.each([
    ['hostNamespaces: true', guarded('hostNamespaces: true'), 'allow', false],
    ['a rule without the guard', guarded('privileged: false'), 'allow', false],
    ['a policy in audit mode (a dry run forwards as sent)', loadPolicy(`
version: 1
mode: audit
rules:
  - name: svc
    who: { anyone: true }
    allow: [ServiceCreate]
    guards: { hostNamespaces: false }
`), 'allow', false],
    ['the guard on a rule in audit mode only, another rule enforced', loadPolicy(`
version: 1
rules:
  - name: staged
    who: { anyone: true }
    mode: audit
    allow: [ServiceCreate]
    guards: { hostNamespaces: false }
  - name: svc
    who: { anyone: true }
    allow: [ServiceCreate]
`), 'allow', false],
    ['a rule in audit mode would deny, the enforced one has the guard', loadPolicy(`
version: 1
rules:
  - name: staged
    who: { anyone: true }
    mode: audit
    deny: [ServiceCreate]
  - name: svc
    who: { anyone: true }
    allow: [ServiceCreate]
    guards: { hostNamespaces: false }
`), 'would-deny', true],
  ] as const)('%s', (_name, policy, outcome, looked) => {
    for (const fn of [decide, decideTraced]) {
      const d = fn(policy, alice, body);
      expect(d.outcome).toBe(outcome);
      expect(d.networkLookups).toEqual(looked ? [{ path: 'TaskTemplate.Networks[0].Target', target: ID }] : undefined);
    }
  });
});
