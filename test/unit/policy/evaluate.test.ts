import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide, denyMessage } from '../../../src/policy/evaluate.js';
import { alice, identity, req } from './fixtures.js';

const policy = loadPolicy(`
version: 1
groups:
  ops: [carol]
rules:
  - name: admins-anything
    who: { groups: [admin] }
    allow: all
  - name: no-plugins-or-swarm
    who: { anyone: true }
    deny: [section:plugins, section:swarm]
  - name: dev-containers
    who: { groups: [developers] }
    allow: [power:read, ContainerCreate, "POST /containers/{name:.*}/kill", section:exec]
    guards:
      privileged: false
  - name: ops-ci-containers
    who: { groups: [ops] }
    allow: ["DELETE /containers/ci-*", "GET /containers/**"]
  - name: by-san
    who: { sans: [spiffe://example.org/robot] }
    allow: [SystemInfo]
  - name: bob-only
    who: { users: [bob] }
    allow: [SystemVersion]
`);

const admin = identity('root', ['admin']);
const bob = identity('bob');
const carol = identity('carol');
const robot = identity('robot', [], { uri: ['spiffe://example.org/robot'] });

describe('decide: rule order, selectors, default deny', () => {
  it.each([
    ['admin anything', admin, 'POST', '/v1.45/plugins/pull?remote=x', 'allow', 'admins-anything', 'allowed'],
    ['deny rule before allow', alice, 'POST', '/plugins/pull?remote=x', 'deny', 'no-plugins-or-swarm', 'rule-deny'],
    ['deny section swarm', alice, 'GET', '/swarm', 'deny', 'no-plugins-or-swarm', 'rule-deny'],
    ['power:read', alice, 'GET', '/containers/json', 'allow', 'dev-containers', 'allowed'],
    ['power:read excludes exfiltrate', alice, 'GET', '/containers/abc/export', 'deny', 'default', 'no-rule'],
    ['name selector', alice, 'POST', '/containers/create', 'allow', 'dev-containers', 'allowed'],
    ['route pattern selector', alice, 'POST', '/v1.41/containers/a/b/kill', 'allow', 'dev-containers', 'allowed'],
    ['route pattern needs its method', alice, 'POST', '/containers/abc/stop', 'deny', 'default', 'no-rule'],
    ['section selector', alice, 'POST', '/exec/123/resize', 'allow', 'dev-containers', 'allowed'],
    ['policy groups', carol, 'DELETE', '/containers/ci-42', 'allow', 'ops-ci-containers', 'allowed'],
    ['glob within a segment', carol, 'DELETE', '/containers/prod-1', 'deny', 'default', 'no-rule'],
    ['** crosses segments', carol, 'GET', '/containers/x/json', 'allow', 'ops-ci-containers', 'allowed'],
    ['san', robot, 'GET', '/info', 'allow', 'by-san', 'allowed'],
    ['user', bob, 'GET', '/version', 'allow', 'bob-only', 'allowed'],
    ['user is not someone else', alice, 'GET', '/version', 'allow', 'dev-containers', 'allowed'],
    ['no rule', bob, 'GET', '/info', 'deny', 'default', 'no-rule'],
    ['unknown route', admin, 'GET', '/nope', 'deny', 'default', 'unknown-route'],
  ])('%s', (_name, who, method, target, outcome, rule, code) => {
    const d = decide(policy, who, req(method, target));
    expect([d.outcome, d.rule, d.code, d.forward]).toEqual([outcome, rule, code, outcome === 'allow']);
  });

  it('guard failure on the first matching rule denies with the guard code and reason', () => {
    const d = decide(policy, alice, req('POST', '/containers/create', { Image: 'busybox', HostConfig: { Privileged: true } }));
    expect(d).toEqual({ forward: false, outcome: 'deny', rule: 'dev-containers', code: 'privileged', reason: 'HostConfig.Privileged is not allowed' });
  });

  it('admins skip guards (no guards on the rule)', () => {
    expect(decide(policy, admin, req('POST', '/containers/create', { HostConfig: { Privileged: true } })).outcome).toBe('allow');
  });
});

describe('audit mode', () => {
  const audit = loadPolicy(`
version: 1
mode: audit
rules:
  - name: strict
    who: { users: [alice] }
    mode: enforce
    deny: [ContainerDelete]
  - name: guarded
    who: { anyone: true }
    allow: [ContainerCreate]
    guards: { privileged: false }
`);
  const enforce = loadPolicy(`
version: 1
rules:
  - name: staged
    who: { anyone: true }
    mode: audit
    allow: [ContainerCreate]
    guards: { privileged: false }
`);
  it.each([
    ['policy audit: no rule', audit, alice, 'GET', '/info', undefined, 'would-deny', true, 'no-rule'],
    ['policy audit: guard', audit, bob, 'POST', '/containers/create', { Privileged: true }, 'would-deny', true, 'privileged'],
    ['rule enforce overrides policy audit', audit, alice, 'DELETE', '/containers/x', undefined, 'deny', false, 'rule-deny'],
    ['rule audit in enforcing policy', enforce, bob, 'POST', '/containers/create', { HostConfig: { Privileged: true } }, 'would-deny', true, 'privileged'],
    ['enforcing policy default deny', enforce, bob, 'GET', '/info', undefined, 'deny', false, 'no-rule'],
    ['unknown routes stay denied in audit', audit, bob, 'GET', '/nope', undefined, 'deny', false, 'unknown-route'],
    ['audit allows stay allow', audit, bob, 'POST', '/containers/create', { Image: 'x' }, 'allow', true, 'allowed'],
  ])('%s', (_n, pol, who, method, target, body, outcome, forward, code) => {
    const d = decide(pol, who, req(method, target, body));
    expect([d.outcome, d.forward, d.code]).toEqual([outcome, forward, code]);
  });
});

describe('denyMessage', () => {
  it('names who, what, why and the rule', () => {
    const who = identity('alice', ['developers', 'ops']);
    const facts = req('POST', '/containers/create', { HostConfig: { Privileged: true } });
    expect(denyMessage(who, facts, decide(policy, who, facts))).toBe(
      'dockgate: denied ContainerCreate for alice (groups developers,ops): HostConfig.Privileged is not allowed (rule "dev-containers")',
    );
  });
  it('no-rule', () => {
    const facts = req('GET', '/info');
    expect(denyMessage(bob, facts, decide(policy, bob, facts))).toBe('dockgate: denied SystemInfo for bob (groups none): no rule allows it (rule "default")');
  });
  it('unknown route names method and path', () => {
    const facts = req('GET', '/nope');
    expect(denyMessage(bob, facts, decide(policy, bob, facts))).toBe('dockgate: denied GET /nope for bob (groups none): no Engine API route matches GET /nope (rule "default")');
  });
});

describe('version', () => {
  it('is the first 12 hex digits of the content sha256 and changes with the content', () => {
    const a = loadPolicy('version: 1\nrules: []\n');
    const b = loadPolicy('version: 1\nrules: [] # changed\n');
    expect(a.version).toBe(createHash('sha256').update('version: 1\nrules: []\n').digest('hex').slice(0, 12));
    expect(a.version).not.toBe(b.version);
  });
});
