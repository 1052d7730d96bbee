/**
 * `policy explain` of a policy with a `tenancy:` section: the policy's decision is followed by a
 * `then:` line saying that tenancy checks the forwarded request on the daemon's objects, which
 * explain does not, so an operator does not read "allow" as the gateway's last word (the live
 * gateway refused `docker inspect` of another tenant's container that explain allowed).
 */
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { explain, formatExplanation } from '../../../src/policy/explain.js';
import { identity, req } from './fixtures.js';

const rules = `
version: 1
rules:
  - name: ops
    who: { groups: [ops] }
    allow: all
  - name: everyone
    who: { anyone: true }
    allow: [power:read, ContainerCreate]
    guards: { privileged: false, hostNamespaces: false, binds: false, capabilities: false, devices: false,
      securityOptions: false, maskedPaths: false, sysctls: false, cgroupParent: false, oomProtection: false,
      cpuRealtime: false, runtimes: false, logDrivers: false, logOptions: false, volumeDrivers: false,
      publishedPorts: false, psArgs: false }
`;
const withTenancy = loadPolicy(`${rules}tenancy:\n  admins: { groups: [ops] }\n  teams: [web]\n`);
const withoutTenancy = loadPolicy(rules);

const tenantLine = 'then:      tenancy checks the request for erin (team web) before forwarding, which explain does not';
const loneTenantLine = 'then:      tenancy checks the request for dave (no team) before forwarding, which explain does not';
const adminLine = 'then:      tenancy: ops1 is a tenancy admin (ownership, visibility and quotas do not apply)';

describe('explain with tenancy', () => {
  it.each([
    // [policy, who, groups, method, path, body, expected tenancy line or undefined]
    ['tenancy', 'erin', ['web'], 'GET', '/containers/c1/json', undefined, tenantLine],
    ['tenancy', 'dave', [], 'POST', '/containers/create', { Image: 'busybox', Labels: { 'dockgate.owner': 'x' } }, loneTenantLine],
    ['tenancy', 'ops1', ['ops'], 'DELETE', '/containers/c1', undefined, adminLine],
    // Denied by the policy: tenancy never sees it, so no line.
    ['tenancy', 'erin', ['web'], 'POST', '/containers/create', { Image: 'busybox', HostConfig: { Privileged: true } }, undefined],
    ['tenancy', 'erin', ['web'], 'DELETE', '/containers/c1', undefined, undefined],
    // Tenancy off: no line.
    ['none', 'erin', ['web'], 'GET', '/containers/c1/json', undefined, undefined],
  ] as const)('%s: %s %s %s %s', (which, who, groups, method, path, body, line) => {
    const policy = which === 'tenancy' ? withTenancy : withoutTenancy;
    const text = formatExplanation(explain(policy, identity(who, [...groups]), req(method, path, body)));
    const thenTenancy = text.split('\n').filter((l) => l.startsWith('then:') && l.includes('tenancy'));
    if (line === undefined) expect(thenTenancy).toEqual([]);
    else {
      expect(thenTenancy).toHaveLength(1);
      expect(thenTenancy[0]).toContain(line);
    }
  });

  it("names what tenancy still checks of an admin's request: image writes and body shape", () => {
    const text = formatExplanation(explain(withTenancy, identity('ops1', ['ops']), req('DELETE', '/containers/c1', undefined)));
    const line = text.split('\n').find((l) => l.startsWith(adminLine)) ?? '';
    expect(line).toContain("an image write into a repository holding tenants' images");
    expect(line).toContain('(400 json-shape)');
  });

  it('records the caller as tenancy sees them', () => {
    expect(explain(withTenancy, identity('erin', ['web']), req('GET', '/_ping')).tenancy).toEqual({ admin: false, team: 'web' });
    expect(explain(withTenancy, identity('ops1', ['ops']), req('GET', '/_ping')).tenancy).toEqual({ admin: true });
    expect(explain(withoutTenancy, identity('erin', ['web']), req('GET', '/_ping')).tenancy).toBeUndefined();
  });
});
