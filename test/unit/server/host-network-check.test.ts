/**
 * The look-up of a service's networks on the daemon (src/server/host-network-check.ts), with a
 * fake daemon client answering as dockerd 20.10 did in the svcfuzz review (`GET /networks/{id}`
 * gave Name "host", Driver "host" for the swarm host network's ID, an ID prefix and the local
 * host network's ID).
 */
import { describe, expect, it } from 'vitest';
import type { NetworkLookup } from '../../../src/core/types.js';
import { hostNetworkViolation, MAX_NETWORK_LOOKUPS, refusedAfterLookup } from '../../../src/server/host-network-check.js';
import type { DaemonAnswer } from '../../../src/tenancy/daemon-client.js';
import { json, scriptedDaemon } from './scripted-daemon.js';

const HOST = { Name: 'host', Id: 'ndt3lfz44ayh1jtzaakw6fg99', Driver: 'host', Scope: 'swarm' };
const OVERLAY = { Name: 'ov', Id: '4c5jq2w', Driver: 'overlay', Scope: 'swarm' };

const daemon = (answers: Record<string, DaemonAnswer | Error>) => scriptedDaemon(answers, (path) => `network ${path} not found`);

const at = (target: string, i = 0): NetworkLookup => ({ path: `TaskTemplate.Networks[${i}].Target`, target });

describe('hostNetworkViolation', () => {
  it.each([
    ['the swarm host network by ID: refused', [at(HOST.Id)], { [`/networks/${HOST.Id}`]: json(200, HOST) }, 'host-namespace', 'TaskTemplate.Networks[0].Target "ndt3lfz44ayh1jtzaakw6fg99" is the host network, which is not allowed'],
    ['an ID prefix of it: refused', [at('ndt3l')], { '/networks/ndt3l': json(200, HOST) }, 'host-namespace', '"ndt3l" is the host network'],
    ['the local host network by ID (driver host): refused', [at('5cbcfb1b9224')], { '/networks/5cbcfb1b9224': json(200, { Name: 'host', Driver: 'host', Scope: 'local' }) }, 'host-namespace', '"5cbcfb1b9224" is the host network'],
    ['named host, another driver: refused', [at('h')], { '/networks/h': json(200, { Name: 'host', Driver: 'null' }) }, 'host-namespace', undefined],
    ['driver host, another name: refused', [at('h')], { '/networks/h': json(200, { Name: 'hostish', Driver: 'host' }) }, 'host-namespace', undefined],
    ['the second of two: refused, naming it', [at('ov'), at(HOST.Id, 1)], { '/networks/ov': json(200, OVERLAY), [`/networks/${HOST.Id}`]: json(200, HOST) }, 'host-namespace', 'TaskTemplate.Networks[1].Target'],
    ['an overlay network: forwarded', [at('ov')], { '/networks/ov': json(200, OVERLAY) }, undefined, undefined],
    ['the bridge network: forwarded (dockerd decides)', [at('bridge')], { '/networks/bridge': json(200, { Name: 'bridge', Driver: 'bridge' }) }, undefined, undefined],
    ['a network the daemon does not know (404): forwarded (dockerd refuses the create)', [at('nope')], {}, undefined, undefined],
    ['the daemon answers 500: refused', [at('ov')], { '/networks/ov': json(500, { message: 'boom' }) }, 'network-unchecked', 'TaskTemplate.Networks[0].Target "ov" could not be checked for the host network: the daemon answered its look-up with 500'],
    ['an ambiguous prefix (400): refused', [at('a')], { '/networks/a': json(400, { message: 'network a is ambiguous (2 matches found based on ID prefix)' }) }, 'network-unchecked', 'answered its look-up with 400'],
    ['a 200 that is no network (a list): refused', [at('ov')], { '/networks/ov': json(200, [OVERLAY]) }, 'network-unchecked', undefined],
    ['a 200 that is not JSON: refused', [at('ov')], { '/networks/ov': { status: 200, json: undefined, raw: Buffer.from('x'), contentType: 'text/plain' } }, 'network-unchecked', undefined],
    ['an empty target (the path would be the list): refused unasked', [at('')], {}, 'network-unchecked', 'cannot be looked up'],
    ['".." (not one path segment): refused unasked', [at('..')], {}, 'network-unchecked', 'cannot be looked up'],
  ] as const)('%s', async (_name, lookups, answers, code, reason) => {
    const v = await hostNetworkViolation(daemon(answers), lookups);
    expect(v?.code).toBe(code);
    if (reason) expect(v?.reason).toContain(reason);
  });

  it.each([
    ['times out', new Error('daemon lookup /networks/ov timed out')],
    ['cannot reach the daemon', new Error('connect ECONNREFUSED /run/docker.sock')],
  ])('a look-up that %s is a daemon failure (502 upstream-failed), not a refusal by the guard', async (_name, error) => {
    const failed = hostNetworkViolation(daemon({ '/networks/ov': error }), [at('ov')]);
    await expect(failed).rejects.toMatchObject({ code: 'upstream-failed', status: 502 });
    await expect(failed).rejects.toThrow(`dockgate: TaskTemplate.Networks[0].Target "ov" could not be checked for the host network: the look-up on the daemon failed (${error.message})`);
  });

  it('looks each target up once, URL-encoded as one path segment', async () => {
    const d = daemon({ '/networks/a%2Fb%3Fc%20d': json(200, OVERLAY) });
    expect(await hostNetworkViolation(d, [at('a/b?c d'), at('x'), at('a/b?c d', 2), at('x', 3)])).toBeUndefined();
    expect(d.paths).toEqual(['/networks/a%2Fb%3Fc%20d', '/networks/x']);
  });

  it('stops at the first refusal', async () => {
    const d = daemon({ '/networks/h': json(200, HOST) });
    expect((await hostNetworkViolation(d, [at('h'), at('ov', 1)]))?.code).toBe('host-namespace');
    expect(d.paths).toEqual(['/networks/h']);
  });

  it(`refuses more than ${MAX_NETWORK_LOOKUPS} distinct networks without asking the daemon`, async () => {
    const d = daemon({});
    const many = Array.from({ length: MAX_NETWORK_LOOKUPS + 1 }, (_, i) => at(`n${i}`, i));
    expect((await hostNetworkViolation(d, many))?.code).toBe('network-unchecked');
    expect(d.paths).toEqual([]);
    expect(await hostNetworkViolation(d, many.slice(0, MAX_NETWORK_LOOKUPS))).toBeUndefined();
  });
});

describe('refusedAfterLookup', () => {
  it.each([
    ['an allow: the rule that decided', { forward: true, outcome: 'allow', rule: 'svc', code: 'allowed', reason: 'allowed by rule "svc"', networkLookups: [at('h')] }, 'svc'],
    // rev-interplay F1: the look-up is the enforced rule's, never the audit-mode rule's, which made none.
    ['a would-deny: the enforced rule, not the staged one recorded', { forward: true, outcome: 'would-deny', rule: 'staged', enforcedRule: 'svc', code: 'rule-deny', reason: 'denied by policy', networkLookups: [at('h')] }, 'svc'],
  ] as const)('records the refusal as the enforced rule\'s guard refusal: %s', (_n, decision, rule) => {
    expect(refusedAfterLookup(decision, { code: 'host-namespace', reason: 'r' })).toEqual({ forward: false, outcome: 'deny', rule, code: 'host-namespace', reason: 'r' });
  });
  // rev-fix-stage R3: as a denial by the enforced rule says which audit-mode rule would allow it.
  it('an allow an audit-mode rule made first: the refusal says it would allow it', () => {
    const decision = { forward: true, outcome: 'allow', rule: 'svc', stagedAllowRule: 'stage-all', code: 'allowed', reason: 'allowed by rule "svc"', networkLookups: [at('h')] } as const;
    expect(refusedAfterLookup(decision, { code: 'host-namespace', reason: 'r' }).reason).toBe('r; the audit-mode rule "stage-all" would allow it');
  });
});
