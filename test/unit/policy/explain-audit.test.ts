/**
 * `policy explain` of a policy staging a change: rules in audit mode are traced as audited
 * (recorded, not enforced), the enforcing rule after them as decided, and the decision is the
 * one the gateway takes (decide()).
 */
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { explain, formatExplanation } from '../../../src/policy/explain.js';
import { identity, req } from './fixtures.js';

const policy = loadPolicy(`
version: 1
groups: { developers: [dave] }
rules:
  - name: stage-stricter
    who: { groups: [developers] }
    mode: audit
    allow: [ContainerCreate]
    guards: { privileged: false, binds: false, hostNamespaces: false }
  - name: stage-other
    who: { anyone: true }
    mode: audit
    deny: [ContainerCreate]
  - name: dev
    who: { groups: [developers] }
    allow: [ContainerCreate]
    guards: { privileged: false, binds: false }
  - name: later
    who: { anyone: true }
    allow: all
`);
const dave = identity('dave');

describe('explain with rules in audit mode', () => {
  it('traces the audited rule, the shadowed one and the enforcing rule that decides', () => {
    const facts = req('POST', '/containers/create', { Image: 'busybox', HostConfig: { PidMode: 'host' } });
    const e = explain(policy, dave, facts);
    expect(e.rules.map((r) => [r.rule, r.status, r.shadowed ?? false])).toEqual([
      ['stage-stricter', 'audited', false],
      ['stage-other', 'skipped', true],
      ['dev', 'decided', false],
      ['later', 'not-reached', false],
    ]);
    expect(e.decision).toEqual(decide(policy, dave, facts));
    expect(e.decision).toMatchObject({ outcome: 'would-deny', forward: true, rule: 'stage-stricter', code: 'host-namespace' });
    const text = formatExplanation(e);
    expect(text).toContain('1. stage-stricter  allow  audited: group developers, selector "ContainerCreate" (audit mode: recorded, not enforced)');
    expect(text).toContain('2. stage-other     deny   skipped: anyone, selector "ContainerCreate", but an earlier rule in audit mode already gave the staged verdict');
    expect(text).toContain('3. dev             allow  decided: group developers, selector "ContainerCreate"');
    expect(text).toContain('decision:  would-deny (forwarded: audit mode), rule stage-stricter');
    // The groups in the message are the policy's too (dave has none in his certificate).
    expect(text).toContain('message:   dockgate: denied ContainerCreate for dave (groups developers): ');
  });

  it('an enforcing refusal wins over an audited allow', () => {
    const facts = req('POST', '/containers/create', { Image: 'busybox', HostConfig: { Privileged: true } });
    const e = explain(policy, dave, facts);
    expect(e.decision).toMatchObject({ outcome: 'deny', forward: false, rule: 'dev', code: 'privileged' });
    expect(e.decision).toEqual(decide(policy, dave, facts));
  });
});

describe('explain of a service create whose networks the gateway resolves on the daemon', () => {
  const services = loadPolicy(`
version: 1
rules:
  - name: ops-services
    who: { users: [dave] }
    allow: [ServiceCreate]
    guards: { hostNamespaces: false }
`);
  it('says which networks are looked up, and that explain itself cannot', () => {
    const facts = req('POST', '/services/create', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Networks: [{ Target: 'ndt3lfz44ayh' }] } });
    const e = explain(services, dave, facts);
    expect(e.decision).toMatchObject({ outcome: 'allow', networkLookups: [{ path: 'TaskTemplate.Networks[0].Target', target: 'ndt3lfz44ayh' }] });
    expect(formatExplanation(e)).toContain('then:      the gateway looks up TaskTemplate.Networks[0].Target "ndt3lfz44ayh" on the daemon before forwarding: refused if one is the host network (code host-namespace) or cannot be checked (code network-unchecked)');
  });
  it('says nothing more for a service without networks', () => {
    const e = explain(services, dave, req('POST', '/services/create', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'busybox' } } }));
    expect(e.decision.outcome).toBe('allow');
    expect(formatExplanation(e)).not.toContain('then:');
  });
});
