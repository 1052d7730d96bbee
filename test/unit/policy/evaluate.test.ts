import { createHash } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { effectiveGroups, loadPolicy, type CompiledPolicy } from '../../../src/policy/compile.js';
import { decide, decideTraced, denialWhateverTheBody, denyMessage } from '../../../src/policy/evaluate.js';
import type { GuardContext } from '../../../src/policy/guards/index.js';
import type { RuleTrace } from '../../../src/policy/rule-trace.js';
import { alice, guarded, identity, req } from './fixtures.js';

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
// A certificate whose CN is the SAN a rule names, without that SAN: `sans:` must not match it.
const cnLikeSan = identity('spiffe://example.org/robot');

describe('decide: rule order, selectors, default deny', () => {
  it.each([
    ['admin anything', admin, 'POST', '/v1.45/plugins/pull?remote=x', 'allow', 'admins-anything', 'allowed'],
    ['deny rule before allow', alice, 'POST', '/plugins/pull?remote=x', 'deny', 'no-plugins-or-swarm', 'rule-deny'],
    ['deny section swarm', alice, 'GET', '/swarm', 'deny', 'no-plugins-or-swarm', 'rule-deny'],
    ['power:read', alice, 'GET', '/containers/json', 'allow', 'dev-containers', 'allowed'],
    ['power:read excludes exfiltrate', alice, 'GET', '/containers/abc/export', 'deny', 'default', 'no-rule'],
    ['power:read excludes the debug routes', alice, 'GET', '/debug/vars', 'deny', 'default', 'no-rule'],
    ['power:read excludes the profiler', alice, 'GET', '/debug/pprof/heap', 'deny', 'default', 'no-rule'],
    ['name selector', alice, 'POST', '/containers/create', 'allow', 'dev-containers', 'allowed'],
    ['route pattern selector', alice, 'POST', '/v1.41/containers/a.b/kill', 'allow', 'dev-containers', 'allowed'],
    ['route pattern needs its method', alice, 'POST', '/containers/abc/stop', 'deny', 'default', 'no-rule'],
    ['section selector', alice, 'POST', '/exec/123/resize', 'allow', 'dev-containers', 'allowed'],
    ['policy groups', carol, 'DELETE', '/containers/ci-42', 'allow', 'ops-ci-containers', 'allowed'],
    ['glob within a segment', carol, 'DELETE', '/containers/prod-1', 'deny', 'default', 'no-rule'],
    ['** crosses segments', carol, 'GET', '/containers/x/json', 'allow', 'ops-ci-containers', 'allowed'],
    ['san', robot, 'GET', '/info', 'allow', 'by-san', 'allowed'],
    ['sans never match the CN', cnLikeSan, 'GET', '/info', 'deny', 'default', 'no-rule'],
    ['user', bob, 'GET', '/version', 'allow', 'bob-only', 'allowed'],
    ['user is not someone else', alice, 'GET', '/version', 'allow', 'dev-containers', 'allowed'],
    ['no rule', bob, 'GET', '/info', 'deny', 'default', 'no-rule'],
    ['unknown route', admin, 'GET', '/nope', 'deny', 'default', 'unknown-route'],
  ])('%s', (_name, who, method, target, outcome, rule, code) => {
    for (const d of [decide(policy, who, req(method, target)), decideTraced(policy, who, req(method, target)), decideTraced(policy, who, req(method, target), [])]) {
      expect([d.outcome, d.rule, d.code, d.forward]).toEqual([outcome, rule, code, outcome === 'allow']);
    }
  });

  it('guard failure on the first matching rule denies with the guard code and reason', () => {
    const d = decide(policy, alice, req('POST', '/containers/create', { Image: 'busybox', HostConfig: { Privileged: true } }));
    expect(d).toEqual({ forward: false, outcome: 'deny', rule: 'dev-containers', code: 'privileged', reason: 'HostConfig.Privileged is not allowed' });
  });

  it('admins skip guards (no guards on the rule)', () => {
    expect(decide(policy, admin, req('POST', '/containers/create', { HostConfig: { Privileged: true } })).outcome).toBe('allow');
  });
});

describe('who: sans and policy groups', () => {
  const bySan = loadPolicy(`
version: 1
rules:
  - name: dns-san
    who: { sans: [robot.example, 10.0.0.7, ops@example.org, 'spiffe://example.org/ci', '0:0:0:0:0:0:0:1'] }
    allow: [SystemInfo]
`);
  it.each([
    ['DNS SAN', identity('x', [], { dns: ['robot.example'] }), 'allow'],
    ['IP SAN', identity('x', [], { ip: ['10.0.0.7'] }), 'allow'],
    ['email SAN', identity('x', [], { email: ['ops@example.org'] }), 'allow'],
    ['CN equal to a listed DNS name, no SAN', identity('robot.example'), 'deny'],
    ['CN equal to a listed IP, no SAN', identity('10.0.0.7'), 'deny'],
    ['CN equal to a listed email, other SANs', identity('ops@example.org', [], { dns: ['other.example'] }), 'deny'],
    ['URI SAN', identity('x', [], { uri: ['spiffe://example.org/ci'] }), 'allow'],
    ['IPv6 SAN', identity('x', [], { ip: ['0:0:0:0:0:0:0:1'] }), 'allow'],
    // A SAN of another kind spelled as a listed one is not it: the rule names a URI, an IP, ...
    ['DNS SAN spelled as the listed URI', identity('x', [], { dns: ['spiffe://example.org/ci'] }), 'deny'],
    ['email SAN spelled as the listed URI', identity('x', [], { email: ['spiffe://example.org/ci'] }), 'deny'],
    ['DNS SAN spelled as the listed IP', identity('x', [], { dns: ['10.0.0.7'] }), 'deny'],
    ['URI SAN spelled as the listed IPv6', identity('x', [], { uri: ['0:0:0:0:0:0:0:1'] }), 'deny'],
    ['DNS SAN spelled as the listed email', identity('x', [], { dns: ['ops@example.org'] }), 'deny'],
    ['URI SAN spelled as the listed DNS name', identity('x', [], { uri: ['robot.example'] }), 'deny'],
  ])('%s', (_n, who, outcome) => {
    expect(decide(bySan, who, req('GET', '/info')).outcome).toBe(outcome);
    expect(decideTraced(bySan, who, req('GET', '/info')).outcome).toBe(outcome);
  });

  // IPv6 entries in any spelling name the address (they matched nothing unless written as Node
  // prints SANs, so a deny rule written `::1` let the certificate through to the next rule).
  const denyIpv6 = loadPolicy(`
version: 1
rules:
  - name: no-loopback-robots
    who: { sans: ['::1', 'fe80::1', '::ffff:10.0.0.1', '2001:DB8::0005'] }
    deny: all
  - name: everyone
    who: { anyone: true }
    allow: [SystemInfo]
`);
  it.each([
    ['::1 as Node prints it', '0:0:0:0:0:0:0:1', 'deny'],
    ['fe80::1 as Node prints it', 'FE80:0:0:0:0:0:0:1', 'deny'],
    ['an IPv4-mapped address as Node prints it', '0:0:0:0:0:FFFF:A00:1', 'deny'],
    ['leading zeros and case', '2001:db8:0:0:0:0:0:5', 'deny'],
    ['another address', '0:0:0:0:0:0:0:2', 'allow'],
    ['the IPv4 address of a mapped entry is another SAN', '10.0.0.1', 'allow'],
  ])('deny sans, IPv6 entry: %s', (_n, ip, outcome) => {
    expect(decide(denyIpv6, identity('x', [], { ip: [ip] }), req('GET', '/info')).outcome).toBe(outcome);
    expect(decideTraced(denyIpv6, identity('x', [], { ip: [ip] }), req('GET', '/info')).outcome).toBe(outcome);
  });

  // A user listed in two groups is in both: a deny rule on either applies.
  const twoGroups = (order: string) =>
    loadPolicy(`
version: 1
groups:
${order}
rules:
  - name: restricted-no-exec
    who: { groups: [restricted] }
    deny: [ContainerExec]
  - name: dev
    who: { groups: [dev] }
    allow: [power:read, ContainerExec]
`);
  const dave = identity('dave');
  it.each([
    ['restricted listed first', '  restricted: [dave]\n  dev: [dave]'],
    ['restricted listed last', '  dev: [dave]\n  restricted: [dave]'],
    ['among other users', '  restricted: [erin, dave, frank]\n  dev: [frank, dave]'],
  ])('%s', (_n, order) => {
    const policy = twoGroups(order);
    expect([...effectiveGroups(policy, dave)].sort()).toEqual(['dev', 'restricted']);
    for (const d of [decide(policy, dave, req('POST', '/containers/c1/exec', { Cmd: ['sh'] })), decideTraced(policy, dave, req('POST', '/containers/c1/exec', { Cmd: ['sh'] }))]) {
      expect([d.outcome, d.rule, d.code]).toEqual(['deny', 'restricted-no-exec', 'rule-deny']);
    }
    expect(decide(policy, dave, req('GET', '/containers/json'))).toMatchObject({ outcome: 'allow', rule: 'dev' });
  });
});

describe('a guard that throws denies (fail closed)', () => {
  // No real guard throws (guards.test: odd body shapes); a stand-in for one that would.
  const base = guarded('privileged: false');
  const rule = base.rules[0]!;
  const original = rule.guards[0]!;
  const throwing: CompiledPolicy = {
    ...base,
    rules: [
      {
        ...rule,
        guards: [
          {
            config: original.config,
            definition: {
              ...original.definition,
              check: () => {
                throw new TypeError('boom');
              },
            },
          },
        ],
      },
    ],
  };
  const create = () => req('POST', '/containers/create', { Image: 'busybox' });
  it('decide', () => {
    expect(decide(base, alice, create()).outcome).toBe('allow');
    expect(decide(throwing, alice, create())).toEqual({
      forward: false,
      outcome: 'deny',
      rule: 'guarded',
      code: 'guard-error',
      reason: 'guard privileged could not evaluate the request',
    });
  });
  it('decideTraced, with and without a trace', () => {
    const trace: RuleTrace[] = [];
    for (const d of [decideTraced(throwing, alice, create()), decideTraced(throwing, alice, create(), trace)]) {
      expect(d).toMatchObject({ forward: false, outcome: 'deny', rule: 'guarded', code: 'guard-error' });
    }
    expect(trace[0]?.guards).toEqual([{ guard: 'privileged', result: 'fail', violation: { code: 'guard-error', reason: 'guard privileged could not evaluate the request' } }]);
  });
  it('an operation the guard does not inspect is not run through it', () => {
    expect(decide(throwing, alice, req('GET', '/containers/json')).outcome).toBe('allow');
  });
});

describe('denialWhateverTheBody: a default deny no body can change', () => {
  const audit = loadPolicy('version: 1\nmode: audit\nrules:\n  - name: r\n    who: { anyone: true }\n    allow: [SystemInfo]\n');
  it.each([
    ['no rule of the identity selects the route', policy, bob, 'POST', '/containers/create', 'no-rule'],
    ['a rule with several selectors selects it by one', policy, alice, 'POST', '/containers/create', undefined],
    ['a rule selects it (guards still to run on the body)', policy, alice, 'POST', '/containers/x/kill', undefined],
    ['a deny rule selects it: decided on the full request', policy, alice, 'POST', '/plugins/pull?remote=x', undefined],
    ['an unknown route: left to decide', policy, bob, 'POST', '/nope', undefined],
    ['a policy in audit mode never denies early', audit, bob, 'POST', '/containers/create', undefined],
  ] as const)('%s', (_n, pol, who, method, target, code) => {
    const d = denialWhateverTheBody(pol, who, req(method, target));
    expect(d?.code).toBe(code);
    if (d) expect(d).toEqual(decide(pol, who, req(method, target, { Image: 'busybox' })));
  });
});

describe('service rollback: one guard inspecting service updates refuses it, whatever the others', () => {
  const rollback = req('POST', '/v1.41/services/abc/update?version=7&rollback=previous', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'busybox' } } });
  it.each([
    ['publishedPorts: false\nexecRoot: false', 'service-rollback'],
    ['execRoot: false\npublishedPorts: false', 'service-rollback'],
    ['execRoot: false', 'allowed'],
  ])('%j', (guards, code) => {
    const pol = guarded(guards);
    for (const d of [decide(pol, alice, rollback), decideTraced(pol, alice, rollback, [])]) {
      expect([d.rule, d.code]).toEqual(['guarded', code]);
    }
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
  // Staging as docs/policy.md describes it: the new rules in audit mode before the rules in force.
  const staged = loadPolicy(`
version: 1
rules:
  - name: stage-no-create
    who: { groups: [developers] }
    mode: audit
    deny: [ContainerCreate]
  - name: stage-stricter-dev
    who: { groups: [developers] }
    mode: audit
    allow: [power:read, ContainerCreate, ContainerKill]
    guards: { privileged: false, binds: false, hostNamespaces: false }
  - name: dev
    who: { groups: [developers] }
    allow: [power:read, ContainerCreate]
    guards: { privileged: false, binds: false }
  - name: stage-more-for-bob
    who: { users: [bob] }
    mode: audit
    allow: [SystemInfo]
`);
  const onlyStaged = loadPolicy(`
version: 1
rules:
  - name: staged
    who: { anyone: true }
    mode: audit
    allow: [ContainerCreate]
    guards: { privileged: false }
`);
  const dev = identity('dave', ['developers']);
  const hostRoot = { Image: 'busybox', HostConfig: { Binds: ['/:/host'], PidMode: 'host' } };
  it.each([
    ['policy audit: no rule is a dry run', audit, alice, 'GET', '/info', undefined, 'would-deny', true, 'default', 'no-rule'],
    ['policy audit: guard', audit, bob, 'POST', '/containers/create', { Privileged: true }, 'would-deny', true, 'guarded', 'privileged'],
    ['rule enforce overrides policy audit', audit, alice, 'DELETE', '/containers/x', undefined, 'deny', false, 'strict', 'rule-deny'],
    ['unknown routes stay denied in audit', audit, bob, 'GET', '/nope', undefined, 'deny', false, 'default', 'unknown-route'],
    ['audit allows stay allow', audit, bob, 'POST', '/containers/create', { Image: 'x' }, 'allow', true, 'guarded', 'allowed'],
    // A rule in audit mode enforces nothing: the enforcing rules after it still decide.
    ['staged deny before an enforcing guarded rule: its guards still refuse', staged, dev, 'POST', '/containers/create', hostRoot, 'deny', false, 'dev', 'bind-mount'],
    ['staged deny, enforcing rule allows: forwarded as would-deny', staged, dev, 'POST', '/containers/create', { Image: 'busybox' }, 'would-deny', true, 'stage-no-create', 'rule-deny'],
    ['staged allow of what is in force allowed: allow by the enforcing rule', staged, dev, 'GET', '/containers/json', undefined, 'allow', true, 'dev', 'allowed'],
    ['staged allow of what no enforcing rule allows: denied', staged, dev, 'POST', '/containers/x/kill', undefined, 'deny', false, 'default', 'no-rule'],
    ['staged allow for bob, nothing in force: denied', staged, bob, 'GET', '/info', undefined, 'deny', false, 'default', 'no-rule'],
    ['a lone audit rule in an enforcing policy enforces nothing: guard', onlyStaged, bob, 'POST', '/containers/create', { HostConfig: { Privileged: true } }, 'deny', false, 'default', 'no-rule'],
    ['a lone audit rule in an enforcing policy enforces nothing: allow', onlyStaged, bob, 'POST', '/containers/create', { Image: 'x' }, 'deny', false, 'default', 'no-rule'],
    ['enforcing policy default deny', onlyStaged, bob, 'GET', '/info', undefined, 'deny', false, 'default', 'no-rule'],
  ])('%s', (_n, pol, who, method, target, body, outcome, forward, rule, code) => {
    // decide and decideTraced (with and without a trace) give the same decision on every case.
    for (const d of [decide(pol, who, req(method, target, body)), decideTraced(pol, who, req(method, target, body)), decideTraced(pol, who, req(method, target, body), [])]) {
      expect([d.outcome, d.forward, d.rule, d.code]).toEqual([outcome, forward, rule, code]);
    }
  });

  // What the enforced rule still does on a would-deny is its own (rev-interplay F1, F2): its name
  // for the refusals after the policy, and its body change in the recorded reason.
  const stagedOverGuards = loadPolicy(`
version: 1
rules:
  - name: stage-no-exec-start
    who: { anyone: true }
    mode: audit
    deny: [ExecStart, ContainerCreate, ServiceCreate]
  - name: tenants
    who: { anyone: true }
    allow: [ExecStart, ContainerCreate, ServiceCreate, SystemInfo]
    guards: { execRoot: false, hostNamespaces: false }
`);
  const stagedAllow = loadPolicy(`
version: 1
rules:
  - name: stage-allow
    who: { anyone: true }
    mode: audit
    allow: [ExecStart]
  - name: tenants
    who: { anyone: true }
    allow: [ExecStart]
    guards: { execRoot: false }
`);
  const cgroupnsNote = 'HostConfig.CgroupnsMode set to "private" (with API 1.40 and none given, dockerd would use the host\'s cgroup namespace on a cgroup v1 host)';
  it.each([
    ['would-deny exec start: the check is the enforced rule\'s, and named', stagedOverGuards, 'POST', '/v1.41/exec/e1/start', {}, 'would-deny', 'stage-no-exec-start', 'tenants', 'denied by policy', 'exec'],
    ['would-deny service create: the look-ups are the enforced rule\'s, and named', stagedOverGuards, 'POST', '/v1.41/services/create', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'b' }, Networks: [{ Target: 'abc' }] } }, 'would-deny', 'stage-no-exec-start', 'tenants', 'denied by policy', 'lookups'],
    ['would-deny create below 1.41: the reason says what the enforced rule wrote', stagedOverGuards, 'POST', '/v1.40/containers/create', { Image: 'b', HostConfig: {} }, 'would-deny', 'stage-no-exec-start', 'tenants', `denied by policy; ${cgroupnsNote}`, 'amendment'],
    ['would-deny create at 1.41: nothing written, nothing added', stagedOverGuards, 'POST', '/v1.41/containers/create', { Image: 'b', HostConfig: {} }, 'would-deny', 'stage-no-exec-start', 'tenants', 'denied by policy', undefined],
    ['allow create below 1.41: the note as before, no enforcedRule (rule is the enforced one)', guarded('hostNamespaces: false'), 'POST', '/v1.40/containers/create', { Image: 'b', HostConfig: {} }, 'allow', 'guarded', undefined, `allowed by rule "guarded"; ${cgroupnsNote}`, 'amendment'],
    ['allow after a staged allow: rule is the enforced one', stagedAllow, 'POST', '/v1.41/exec/e1/start', {}, 'allow', 'tenants', undefined, 'allowed by rule "tenants"', 'exec'],
    ['a route the enforced rule does not select: no enforced rule, no enforcedRule', stagedOverGuards, 'GET', '/v1.41/info', undefined, 'allow', 'tenants', undefined, 'allowed by rule "tenants"', undefined],
    ['policy in audit mode, guard: a dry run has no enforced rule', audit, bob, 'POST', '/containers/create', { Privileged: true }, 'would-deny', 'guarded', undefined, 'Privileged is not allowed', undefined],
  ].map((c) => (c.length === 11 ? c : [c[0], c[1], alice, ...c.slice(2)])) as Array<[string, CompiledPolicy, typeof alice, string, string, unknown, string, string, string | undefined, string, string | undefined]>)(
    '%s',
    (_n, pol, who, method, target, body, outcome, rule, enforcedRule, reason, carries) => {
      for (const d of [decide(pol, who, req(method, target, body)), decideTraced(pol, who, req(method, target, body))]) {
        expect([d.outcome, d.rule, d.enforcedRule, d.reason]).toEqual([outcome, rule, enforcedRule, reason]);
        expect([d.execStart !== undefined, d.networkLookups !== undefined, d.amendments !== undefined]).toEqual([carries === 'exec', carries === 'lookups', carries === 'amendment']);
      }
    },
  );

  it('an allow after a staged allow names the audit-mode rule for refusals after the policy, unless it checks on the daemon itself (rev-fix-stage R3)', () => {
    expect(decide(stagedAllow, alice, req('POST', '/v1.41/exec/e1/start', {})).stagedAllowRule).toBe('stage-allow');
    const stagedGuarded = loadPolicy(`
version: 1
rules:
  - name: stage-guarded
    who: { anyone: true }
    mode: audit
    allow: [ExecStart]
    guards: { execRoot: false }
  - name: tenants
    who: { anyone: true }
    allow: [ExecStart]
    guards: { execRoot: false }
`);
    expect(decide(stagedGuarded, alice, req('POST', '/v1.41/exec/e1/start', {})).stagedAllowRule).toBeUndefined();
    expect(decide(guarded('hostNamespaces: false'), alice, req('POST', '/v1.40/containers/create', { Image: 'b', HostConfig: {} })).stagedAllowRule).toBeUndefined();
  });

  it('a denial says which rule in audit mode would allow the request', () => {
    expect(decide(staged, bob, req('GET', '/info')).reason).toBe('no rule allows it; the audit-mode rule "stage-more-for-bob" would allow it');
    expect(decide(onlyStaged, bob, req('POST', '/containers/create', { HostConfig: { Privileged: true } })).reason).toBe('no rule allows it');
  });
});

describe('denyMessage', () => {
  it('names who, what, why and the rule', () => {
    const who = identity('alice', ['developers', 'ops']);
    const facts = req('POST', '/containers/create', { HostConfig: { Privileged: true } });
    expect(denyMessage(policy, who, facts, decide(policy, who, facts))).toBe(
      'dockgate: denied ContainerCreate for alice (groups developers,ops): HostConfig.Privileged is not allowed (rule "dev-containers")',
    );
  });
  it("names the policy's groups too, the ones the rules matched on", () => {
    const facts = req('POST', '/plugins/pull?remote=x');
    expect(denyMessage(policy, carol, facts, decide(policy, carol, facts))).toBe('dockgate: denied PluginPull for carol (groups ops): denied by policy (rule "no-plugins-or-swarm")');
  });
  it('no-rule', () => {
    const facts = req('GET', '/info');
    expect(denyMessage(policy, bob, facts, decide(policy, bob, facts))).toBe('dockgate: denied SystemInfo for bob (groups none): no rule allows it (rule "default")');
  });
  it('unknown route names method and path', () => {
    const facts = req('GET', '/nope');
    expect(denyMessage(policy, bob, facts, decide(policy, bob, facts))).toBe('dockgate: denied GET /nope for bob (groups none): no Engine API route matches GET /nope (rule "default")');
  });
  it('an unknown route is quoted with the version prefix it was sent with (/debug is served unversioned only)', () => {
    const facts = req('POST', '/v1.41/debug/vars');
    expect(denyMessage(policy, bob, facts, decide(policy, bob, facts))).toBe('dockgate: denied POST /v1.41/debug/vars for bob (groups none): no Engine API route matches POST /v1.41/debug/vars (rule "default")');
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

describe('the guard context', () => {
  // ruleVerdict hands one context to all of a rule's guards: a guard writing a field of it would
  // change what the next guard judges. Checked by tsc (the type is compared, readonly included).
  it('is read-only to guards', () => {
    expectTypeOf<GuardContext>().toEqualTypeOf<Readonly<GuardContext>>();
  });
});
