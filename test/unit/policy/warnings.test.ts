import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { policyWarnings } from '../../../src/policy/warnings.js';

/** Every certificate holder may ping, last: without it, each allow rule also gets the ping warning (its own table below). */
const PING_RULE = '  - name: ping\n    who: { anyone: true }\n    allow: [SystemPing, SystemPingHead]\n';
const policy = (rules: string, extra = '') => loadPolicy(`version: 1\n${extra}rules:\n${rules}${PING_RULE}`);

/** Every guard of ContainerCreate but `images`: what a non-admin create rule must set. */
const CREATE_GUARDS =
  'privileged: false, hostNamespaces: false, binds: false, volumesFrom: false, links: false, capabilities: false, devices: false, securityOptions: false, ' +
  'maskedPaths: false, sysctls: false, cgroupParent: false, runtimes: false, logDrivers: false, volumeDrivers: false, publishedPorts: false';

const rule = (name: string, who: string, allow: string, guards?: string) =>
  `  - name: ${name}\n    who: ${who}\n    allow: ${allow}\n${guards === undefined ? '' : `    guards: { ${guards} }\n`}`;

describe('policyWarnings: guards an allow rule leaves out (M1)', () => {
  it.each([
    ['no guards on create', rule('dev', '{ groups: [dev] }', '[ContainerCreate]'), ['rule "dev" allows ContainerCreate without guards: whoever it matches can get root on the host (fine for admins; add guards otherwise)']],
    ['no guards on a section', rule('ops', '{ groups: [ops] }', '[section:exec]'), ['rule "ops" allows ContainerExec, ExecStart without guards: whoever it matches can get root on the host']],
    // Today's wording claimed "privileged containers and mount the host" for ContainerTop alone.
    ['power:read without psArgs', rule('ro', '{ anyone: true }', '[power:read]'), ['rule "ro" allows ContainerTop without guards: every certificate holder gets what psArgs would refuse (add guards)']],
    ['power:read with psArgs', rule('ro', '{ anyone: true }', '[power:read]', 'psArgs: false'), []],
    // One guard used to silence the warning; now the ones left out are named.
    [
      'create with privileged only',
      rule('dev', '{ groups: [dev] }', '[ContainerCreate]', 'privileged: false'),
      ['rule "dev" allows ContainerCreate without hostNamespaces, binds, volumesFrom, links, capabilities, devices, securityOptions, maskedPaths, sysctls, cgroupParent, runtimes, logDrivers, volumeDrivers, publishedPorts: whoever it matches can get root on the host (a guard left out permits what it would refuse)'],
    ],
    ['create with every host guard', rule('dev', '{ groups: [dev] }', '[ContainerCreate]', CREATE_GUARDS), []],
    // `true` is a choice written down, not a guard left out.
    ['create with logDrivers: true', rule('dev', '{ groups: [dev] }', '[ContainerCreate]', CREATE_GUARDS.replace('logDrivers: false', 'logDrivers: true')), []],
    [
      'create without a non-root guard',
      rule('dev', '{ groups: [dev] }', '[ContainerCreate]', CREATE_GUARDS.replace('logDrivers: false, ', '')),
      ['rule "dev" allows ContainerCreate without logDrivers: whoever it matches gets what logDrivers would refuse (a guard left out permits what it would refuse)'],
    ],
    // The review's dev-run: only execRoot and psArgs; create, and exec through a glob, unguarded.
    [
      'review dev-run',
      rule('dev-run', '{ groups: [developers] }', '[power:read, ContainerCreate, ContainerStart, ContainerWait, ContainerAttach, ContainerDelete, "POST /containers/dev-*/exec", "POST /exec/*/start"]', 'execRoot: false, psArgs: false'),
      ['rule "dev-run" allows ContainerCreate without privileged, hostNamespaces, binds, volumesFrom, links, capabilities, devices, securityOptions, maskedPaths, sysctls, cgroupParent, runtimes, logDrivers, volumeDrivers, publishedPorts; ContainerExec, ExecStart without privileged: whoever it matches can get root on the host'],
    ],
    ['allow all for anyone with psArgs only', rule('all', '{ anyone: true }', 'all', 'psArgs: false'), [expect.stringMatching(/^rule "all" allows ContainerCreate, ContainerExec, ExecStart, VolumeCreate and \d+ more without privileged, .*plugins.*: every certificate holder can get root on the host/), expect.stringMatching(/^rule "all" allows Grpc \(BuildKit's gRPC API\)/)]],
    ['admin rule', rule('admins', '{ groups: [admin] }', 'all'), [expect.stringMatching(/^rule "admins" allows ContainerCreate, .* without guards: whoever it matches can get root on the host \(fine for admins; add guards otherwise\)$/)]],
    // A start body is refused before the policy for everyone: start carries no power.
    // dockerd's update applies resources and the restart policy only: named, not called root.
    ['update only', rule('ops', '{ groups: [ops] }', '[ContainerUpdate]'), [expect.stringMatching(/^rule "ops" allows ContainerUpdate without guards: whoever it matches gets what privileged, hostNamespaces, .*volumeDrivers, publishedPorts would refuse \(fine for admins/)]],
    // A secret create can only use a secret-driver plugin already installed: named, not called root.
    ['secret create only', rule('ops', '{ groups: [ops] }', '[SecretCreate]'), ['rule "ops" allows SecretCreate without guards: whoever it matches gets what plugins would refuse (fine for admins; add guards otherwise)']],
    ['start and stop only', rule('ops', '{ groups: [ops] }', '[ContainerStart, ContainerStop, ContainerKill]'), []],
    ['images is not host power', rule('ci', '{ groups: [ci] }', '[ImageTag, ImagePush]'), []],
    ['exec with privileged and execRoot', rule('x', '{ groups: [dev] }', '[ContainerExec, ExecStart]', 'privileged: false, execRoot: false'), []],
    ['deny rule', '  - name: no\n    who: { anyone: true }\n    deny: [ContainerCreate]\n', []],
  ])('%s', (_name, rules, expected) => {
    const warnings = policyWarnings(policy(rules));
    expect(warnings).toEqual(expected.map((e) => (typeof e === 'string' ? expect.stringContaining(e) : e)));
  });

  it('with tenancy, execRoot and volumesFrom reach only own containers and are not asked for', () => {
    const rules = rule('everyone', '{ anyone: true }', '[ContainerCreate, ContainerExec]', `${CREATE_GUARDS.replace('volumesFrom: false, ', '')}, oomProtection: false, cpuRealtime: false, logOptions: { maxSize: 10m }`);
    expect(policyWarnings(policy(rules, 'tenancy: { admins: { users: [admin] } }\n'))).toEqual([]);
    expect(policyWarnings(policy(rules))).toEqual([expect.stringContaining('ContainerCreate without volumesFrom; ContainerExec without execRoot: every certificate holder can get root on the host')]);
    // Unowned containers (made on the socket, an admin's included) may be read, never exec'd
    // into or named in --volumes-from (rev-objects F3): still nothing to ask for.
    expect(policyWarnings(policy(rules, 'tenancy: { unowned: [containers] }\n'))).toEqual([]);
  });

  it('with tenancy, oomProtection, cpuRealtime and logOptions are asked for (probe s31 F2); without it they are not', () => {
    const rules = rule('everyone', '{ anyone: true }', '[ContainerCreate]', CREATE_GUARDS);
    expect(policyWarnings(policy(rules))).toEqual([]);
    expect(policyWarnings(policy(rules, 'tenancy: { admins: { users: [admin] } }\n'))).toEqual([
      'rule "everyone" allows ContainerCreate without oomProtection, cpuRealtime, logOptions: every certificate holder gets what oomProtection, cpuRealtime, logOptions would refuse (a guard left out permits what it would refuse)',
    ]);
  });

  it('with tenancy, a rule allowing only ContainerUpdate is not asked for logOptions: dockerd ignores an update body\'s LogConfig', () => {
    const rules = rule('everyone', '{ anyone: true }', '[ContainerUpdate]', CREATE_GUARDS);
    // (links and runtimes inspect no update: that rule's other warning, M1 below.)
    expect(policyWarnings(policy(rules, 'tenancy: { admins: { users: [admin] } }\n')).filter((w) => w.includes(' without '))).toEqual([
      'rule "everyone" allows ContainerUpdate without oomProtection, cpuRealtime: every certificate holder gets what oomProtection, cpuRealtime would refuse (a guard left out permits what it would refuse)',
    ]);
  });
});

describe('policyWarnings: guards that inspect none of the rule operations (M1)', () => {
  it.each([
    ['review: create with execRoot and buildOptions', '[ContainerCreate]', `${CREATE_GUARDS}, execRoot: false, buildOptions: false`, 'rule "x" sets execRoot, buildOptions, which inspect none of the operations it allows (execRoot: ContainerExec; buildOptions: ImageBuild): check its allow list'],
    ['psArgs on a write rule', '[ContainerKill]', 'psArgs: false', 'rule "x" sets psArgs, which inspects none of the operations it allows (psArgs: ContainerTop): check its allow list'],
    ['a glob reaching the guarded route counts', '["GET /containers/web-*/top"]', 'psArgs: false', undefined],
    ['runtimes on start', '[ContainerStart]', 'runtimes: false', undefined],
    // The exec guards also judge the exec an exec start starts (src/policy/exec-start.ts).
    ['exec guards on a rule that only starts execs', '[ExecStart, ExecResize]', 'execRoot: false, privileged: false', undefined],
  ])('%s', (_name, allow, guards, expected) => {
    const warnings = policyWarnings(policy(rule('x', '{ groups: [dev] }', allow, guards)));
    expect(warnings).toEqual(expected === undefined ? [] : [expected]);
  });
});

describe('policyWarnings: path globs select what they can match (M2)', () => {
  it.each([
    // The review's policy: no warning before, although exec and update were unguarded.
    ['review globs', '["POST /containers/dev-*/exec", "POST /containers/dev-*/update", "POST /images/busybox*/tag", "POST /networks/dev-*/connect"]', 'ContainerExec, ContainerUpdate, NetworkConnect without guards'],
    ['top by glob', '["GET /containers/web-*/top"]', 'ContainerTop without guards'],
    ['any method, across segments', '["* /containers/**"]', 'allows ContainerCreate, ContainerExec, ContainerTop, ContainerUpdate without guards'],
    ['create by glob', '["POST /containers/create"]', 'ContainerCreate without guards'],
    ['the create glob does not select exec', '["POST /containers/*/exec"]', 'allows ContainerExec without guards'],
    // rev-fix-exec F1: the exec guards run at ExecStart only as the rule allowing it sets them.
    ['exec start in a rule of its own', '[ExecStart]', 'allows ExecStart without guards'],
  ])('%s', (_name, allow, expected) => {
    const warnings = policyWarnings(policy(rule('a', '{ groups: [dev] }', allow)));
    expect(warnings).toEqual([expect.stringContaining(expected)]);
  });

  it('a glob that reaches no guarded route gets no warning', () => {
    expect(policyWarnings(policy(rule('a', '{ groups: [dev] }', '["DELETE /containers/dev-*", "GET /containers/*/json"]')))).toEqual([]);
  });
});

describe('policyWarnings: image patterns with a * in the registry part (L1)', () => {
  it.each([
    ['*.example.com/*', true],
    ['registry.example.com*/app', true],
    ['reg*:5000/app', true],
    ['registry.example.com/*', false],
    ['*/app', false], // docker.io/*/app: Docker Hub only
    ['busybox*', false],
    ['*', false], // every image, and says so
  ])('%s: %s', (pattern, warns) => {
    const rules = rule('ci', '{ groups: [ci] }', '[ImageCreate]', `importUrls: false, images: { allow: ["${pattern}"] }`);
    expect(policyWarnings(policy(rules))).toEqual(
      warns ? [`rule "ci": image pattern "${pattern}" has a * in its registry part, and * also matches "/": it allows images from any registry (name the registry exactly, as in registry.example.com/*)`] : [],
    );
  });
});

describe('policyWarnings: deny rules an earlier rule always decides (L5)', () => {
  const deny = (name: string, who: string, sel: string, mode = '') => `  - name: ${name}\n    who: ${who}\n    deny: ${sel}\n${mode ? `    mode: ${mode}\n` : ''}`;
  const readers = rule('readers', '{ anyone: true }', 'power:read', 'psArgs: false');
  it.each([
    // The review's case: bob's list is allowed by "readers" first.
    ['anyone + power:read before a deny', readers + deny('no-bob-list', '{ users: [bob] }', 'ContainerList'), ['rule "no-bob-list" is never reached: the earlier rule "readers" matches everyone it names for every operation it denies, and allows (subject to its guards) what it would deny: move "no-bob-list" above it']],
    ['a deny glob within the routes', readers + deny('no-bob-glob', '{ users: [bob] }', '"GET /containers/json"'), [expect.stringContaining('rule "no-bob-glob" is never reached')]],
    ['a group list that holds the later one', rule('devs', '{ groups: [dev, ops] }', 'section:exec', 'privileged: false, execRoot: false') + deny('no-exec', '{ groups: [dev] }', 'ContainerExec'), [expect.stringContaining('rule "no-exec" is never reached: the earlier rule "devs"')]],
    ['deny after deny', deny('d1', '{ groups: [dev] }', 'all') + deny('d2', '{ groups: [dev] }', 'section:exec'), ['rule "d2" is never reached: the earlier rule "d1" matches everyone it names for every operation it denies, and already denies all of it']],
    ['a deny outside the earlier selectors', readers + deny('no-create', '{ users: [bob] }', 'ContainerCreate'), []],
    ['part of the later selectors outside', readers + deny('mixed', '{ users: [bob] }', '[ContainerList, ContainerCreate]'), []],
    ['the deny rule first', deny('no-bob-list', '{ users: [bob] }', 'ContainerList') + readers, []],
    ['an earlier rule naming fewer people', rule('bob-reads', '{ users: [bob] }', 'power:read', 'psArgs: false') + deny('no-list', '{ users: [bob, carol] }', 'ContainerList'), []],
    ['a later anyone after a list', rule('bob-reads', '{ users: [bob] }', 'power:read', 'psArgs: false') + deny('no-list', '{ anyone: true }', 'ContainerList'), []],
    // A glob takes part of a route only: never certain.
    ['an earlier glob', rule('g', '{ anyone: true }', '["GET /containers/**"]') + deny('no-list', '{ users: [bob] }', 'ContainerList'), [expect.stringContaining('rule "g" allows ContainerTop')]],
    // An audit rule is not relied on to decide.
    ['an earlier audit rule', `${readers}    mode: audit\n${deny('no-bob-list', '{ users: [bob] }', 'ContainerList')}`, []],
  ])('%s', (_name, rules, expected) => {
    expect(policyWarnings(policy(rules))).toEqual(expected);
  });
});

describe('policyWarnings: a deny of one method on a route dockerd answers on any method', () => {
  const deny = (sel: string) => `  - name: nodebug\n    who: { anyone: true }\n    deny: ${sel}\n`;
  it.each([
    ['one /debug route for GET', deny('["GET /debug/vars"]'), ['rule "nodebug" denies "GET /debug/vars" for GET only, but dockerd answers /debug/vars on every method: the others stay allowed where a later rule allows them (deny "* /debug/vars" or DebugVars)']],
    ['a glob over /debug for POST', deny('["post /debug/**"]'), [expect.stringContaining('rule "nodebug" denies "post /debug/**" for POST only, but dockerd answers /debug/vars, /debug/pprof/, /debug/pprof/cmdline and 4 more on every method')]],
    ['every method', deny('["* /debug/vars"]'), []],
    ['by operation name', deny('[DebugVars, section:debug]'), []],
    ['a route registered for one method', deny('["GET /containers/json"]'), []],
  ])('%s', (_name, rules, expected) => {
    expect(policyWarnings(policy(rules))).toEqual(expected);
  });
});

describe('shipped presets and the policy guide examples', () => {
  /** Only admin rules (`allow: all` without guards) may warn, with the admin wording. */
  const adminOnly = (warnings: string[]) => warnings.every((w) => /^rule "[^"]+" allows .* without guards: whoever it matches can get root on the host \(fine for admins; add guards otherwise\)$/.test(w));

  it.each(readdirSync('config/policies'))('config/policies/%s', (file) => {
    const p = loadPolicy(readFileSync(`config/policies/${file}`, 'utf8'));
    const warnings = policyWarnings(p);
    expect(adminOnly(warnings), warnings.join('\n')).toBe(true);
    expect(warnings).toHaveLength(p.rules.filter((r) => r.selectors.some((s) => s.text === 'all') && r.guards.length === 0).length);
  });

  const examples = [...readFileSync('docs/policy.md', 'utf8').matchAll(/```yaml\n(version: 1[\s\S]*?)```/g)].map((m) => m[1] as string);
  it('the guide has its examples', () => expect(examples.length).toBeGreaterThanOrEqual(5));
  it.each(examples.map((text, i) => [i + 1, text]))('docs/policy.md example %i', (_i, text) => {
    const warnings = policyWarnings(loadPolicy(text as string));
    expect(adminOnly(warnings), warnings.join('\n')).toBe(true);
  });
});

describe("policyWarnings: the swarm's keys to the host", () => {
  const swarm = (rules: string, extra = '') => policyWarnings(policy(rules, extra)).filter((w) => w.includes("the swarm's keys"));
  it.each([
    ['a guarded rule with section:swarm', rule('s', '{ groups: [ops] }', '[section:swarm]', 'swarm: false'), ['rule "s" allows the swarm\'s keys to this host (SwarmInspect answers with the manager join token; SwarmUnlockkey with the key that unlocks the swarm): a manager joined or promoted with them runs services here through its own swarm API, past the gateway and its guards (allow them to admins only)']],
    ['node promotion by name', rule('n', '{ groups: [ops] }', '[NodeUpdate, ServiceCreate]', `${CREATE_GUARDS}, plugins: false`), [expect.stringContaining('(NodeUpdate promotes a node to manager)')]],
    ['through power:exfiltrate', rule('e', '{ groups: [audit] }', '[power:exfiltrate]', 'psArgs: false'), [expect.stringContaining('SwarmInspect answers with the manager join token; SwarmUnlockkey')]],
    ['swarm reads without the keys', rule('r', '{ groups: [ops] }', '[NodeList, NodeInspect, ServiceList]', 'psArgs: false'), []],
    // A rule already warned to hand out root on the host (fine for admins) does not get this one.
    ['a rule without guards, warned of root already', rule('a', '{ groups: [admin] }', 'all'), []],
    // Warned only that it leaves out the swarm guard: the keys are named too.
    ['a rule without guards for the swarm sections', rule('a', '{ groups: [ops] }', '[section:swarm, section:nodes]'), [expect.stringContaining('rule "a" allows the swarm\'s keys to this host (SwarmInspect answers with the manager join token; SwarmUnlockkey with the key that unlocks the swarm; NodeUpdate promotes a node to manager)')]],
    // One the broader warning does not reach still gets it (rev-fix-cli F1).
    ['a rule without guards for everyone, exfiltrate only', rule('o', '{ anyone: true }', '[power:exfiltrate]'), [expect.stringContaining('rule "o" allows the swarm\'s keys to this host (SwarmInspect answers with the manager join token; SwarmUnlockkey')]],
    // Warned for psArgs, which is no root on the host: the swarm's keys are named too.
    ['observers without guards, reads and exfiltrate', rule('o', '{ groups: [observers] }', '[power:read, power:exfiltrate]'), [expect.stringContaining('rule "o" allows the swarm\'s keys to this host (SwarmInspect answers with the manager join token; SwarmUnlockkey')]],
    ['a rule without guards naming NodeUpdate alone', rule('n', '{ groups: [ops] }', '[NodeUpdate]'), [expect.stringContaining('(NodeUpdate promotes a node to manager)')]],
  ])('%s', (_name, rules, expected) => {
    expect(swarm(rules)).toEqual(expected);
  });
  it('not with tenancy on: the swarm and nodes sections are then for tenancy admins only', () => {
    expect(swarm(rule('s', '{ groups: [ops] }', '[section:swarm, section:nodes]', 'swarm: false'), 'tenancy:\n  admins: { users: [root] }\n')).toEqual([]);
  });
});

describe("policyWarnings: BuildKit's gRPC API", () => {
  const grpc = 'rule "b" allows Grpc (BuildKit\'s gRPC API): no guard sees the builds sent through it, and dockerd lets them run steps on the host\'s network unless daemon.json sets "builder": {"entitlements": {"network-host": false}}';
  it.each([
    ['a guarded rule selecting it by section', rule('b', '{ groups: [ci] }', '[section:build]', 'buildOptions: false'), true],
    ['by name', rule('b', '{ groups: [ci] }', '[ImageBuild, Grpc]', 'buildOptions: false'), true],
    ['through power:write', rule('b', '{ groups: [ci] }', '[power:write]', `${CREATE_GUARDS}, buildOptions: false`), true],
    ['a build rule without it', rule('b', '{ groups: [ci] }', '[ImageBuild, Session]', 'buildOptions: false'), false],
  ])('%s', (_name, rules, warned) => {
    expect(policyWarnings(policy(rules)).includes(grpc)).toBe(warned);
  });
  it('not with tenancy on: /grpc is then for tenancy admins only', () => {
    const tenancy = 'tenancy:\n  admins: { users: [root] }\n';
    expect(policyWarnings(policy(rule('b', '{ groups: [ci] }', '[section:build]', 'buildOptions: false'), tenancy)).filter((x) => x.includes('Grpc (BuildKit'))).toEqual([]);
  });
  it('a rule without guards gets only the broader warning', () => {
    const w = policyWarnings(policy(rule('b', '{ users: [admin] }', 'all')));
    expect(w.filter((x) => x.includes('Grpc (BuildKit'))).toEqual([]);
    expect(w).toHaveLength(1);
  });
});

describe('policyWarnings: a policy with no rules (rev-front F6)', () => {
  it.each([
    ['rules: []', 'version: 1\nrules: []\n', ['no rules: every request is denied']],
    ['mode audit', 'version: 1\nmode: audit\nrules: []\n', ['no rules: every request would be denied (mode audit: each is forwarded and recorded as would-deny)']],
    ['one rule', `version: 1\nrules:\n${rule('ro', '{ anyone: true }', '[power:read]', 'psArgs: false')}`, []],
  ])('%s', (_name, text, expected) => {
    expect(policyWarnings(loadPolicy(text))).toEqual(expected);
  });
});

describe('policyWarnings: callers allowed operations but no ping (probe s33)', () => {
  /** The warning for rule `name` naming `who`, as the gateway and `policy check` print it. */
  const noPing = (name: string, who: string) =>
    `rule "${name}" allows operations to ${who}, but no rule forwards a ping to them (SystemPingHead or SystemPing: HEAD or GET /_ping): the 28.x docker CLI then speaks its own newest API version (1.50 for 28.2), which a daemon serving less refuses as too new (code api-version), so every command of theirs fails, also what this rule allows (allow SystemPing and SystemPingHead to them)`;
  const allow = (name: string, who: string, sel: string, mode = '') => `  - name: ${name}\n    who: ${who}\n    allow: ${sel}\n${mode ? `    mode: ${mode}\n` : ''}`;
  const deny = (name: string, who: string, sel: string, mode = '') => `  - name: ${name}\n    who: ${who}\n    deny: ${sel}\n${mode ? `    mode: ${mode}\n` : ''}`;
  const pings = (who: string, sel = '[SystemPing, SystemPingHead]') => allow('ping', who, sel);
  it.each([
    ['no ping at all, by group', allow('dev', '{ groups: [dev] }', '[ContainerList]'), [noPing('dev', 'group dev')]],
    ['no ping, by user', allow('dev', '{ users: [alice] }', '[ContainerList]'), [noPing('dev', 'user alice')]],
    ['no ping, anyone', allow('dev', '{ anyone: true }', '[ContainerList]'), [noPing('dev', 'every certificate holder')]],
    ['no ping, by DNS and IP SAN', allow('ci', '{ sans: [ci.example.com, "10.0.0.7"] }', '[ContainerList]'), [noPing('ci', 'SAN ci.example.com, SAN 10.0.0.7')]],
    ['both pings in the rule itself', allow('dev', '{ groups: [dev] }', '[ContainerList, SystemPing, SystemPingHead]'), []],
    // The 28.x CLI sends HEAD /_ping, then GET when HEAD fails: either one is enough.
    ['HEAD only', allow('dev', '{ groups: [dev] }', '[ContainerList, SystemPingHead]'), []],
    ['GET only', allow('dev', '{ groups: [dev] }', '[ContainerList, SystemPing]'), []],
    ['by route', allow('dev', '{ groups: [dev] }', '[ContainerList, "HEAD /_ping"]'), []],
    ['through power:read', allow('dev', '{ groups: [dev] }', '[power:read]') + '    guards: { psArgs: false }\n', []],
    ['a ping rule for anyone after it', allow('dev', '{ groups: [dev] }', '[ContainerList]') + pings('{ anyone: true }'), []],
    ['a ping rule for the same group', allow('dev', '{ groups: [dev] }', '[ContainerList]') + pings('{ groups: [dev] }'), []],
    ['a ping rule for another group', allow('dev', '{ groups: [dev] }', '[ContainerList]') + pings('{ groups: [ops] }'), [noPing('dev', 'group dev')]],
    ['only the entries left without', allow('dev', '{ users: [alice, bob], groups: [dev], sans: [ci.example.com] }', '[ContainerList]') + pings('{ users: [bob], sans: [ci.example.com] }'), [noPing('dev', 'user alice, group dev')]],
    ['past six callers, the rest counted', allow('many', '{ users: [a, b, c, d, e, f, g, h] }', '[ContainerList]'), [noPing('many', 'user a, user b, user c, user d, user e, user f and 2 more')]],
    ['a ping rule for a user, an anyone rule', allow('all', '{ anyone: true }', '[ContainerList]') + pings('{ users: [alice] }'), [noPing('all', 'every certificate holder')]],
    // A deny rule for the pings before: its callers are left without, the others not.
    ['a ping deny before, for one user', deny('no-ping', '{ users: [alice] }', '[SystemPing, SystemPingHead]') + allow('dev', '{ users: [alice, bob] }', '[ContainerList]') + pings('{ anyone: true }'), [noPing('dev', 'user alice')]],
    ['a ping deny before, for HEAD only', deny('no-head', '{ anyone: true }', '[SystemPingHead]') + allow('dev', '{ users: [alice] }', '[ContainerList, SystemPing, SystemPingHead]'), []],
    ['a ping deny before, for anyone', deny('no-ping', '{ anyone: true }', '["* /_ping"]') + allow('dev', '{ groups: [dev] }', '[ContainerList, SystemPing, SystemPingHead]'), [noPing('dev', 'group dev')]],
    // An audit-mode deny decides nothing: the pings are denied by default, or forwarded as
    // would-deny by a later allow rule.
    ['a ping deny before, in audit mode', deny('no-ping', '{ anyone: true }', '[SystemPing, SystemPingHead]', 'audit') + allow('dev', '{ groups: [dev] }', '[ContainerList]'), [noPing('dev', 'group dev')]],
    ['a ping deny before in audit mode, a ping allow after', deny('no-ping', '{ anyone: true }', '[SystemPing, SystemPingHead]', 'audit') + allow('dev', '{ groups: [dev] }', '[ContainerList]') + pings('{ anyone: true }'), []],
    // An audit-mode allow rule allows nothing yet.
    ['an audit-mode allow rule', allow('dev', '{ groups: [dev] }', '[ContainerList]', 'audit'), []],
    ['deny rules only', deny('no', '{ groups: [dev] }', '[ContainerList]'), []],
    // A rule allowing only the pings allows no command: its callers denied them lose nothing more.
    ['a ping rule its caller is denied', deny('no-ping', '{ users: [alice] }', '[SystemPing, SystemPingHead]') + pings('{ users: [alice] }') + allow('ping-dev', '{ groups: [dev] }', '["* /_ping"]'), []],
  ])('%s', (_name, rules, expected) => {
    expect(policyWarnings(loadPolicy(`version: 1\nrules:\n${rules}`))).toEqual(expected);
  });

  it('a policy in audit mode forwards every ping: no warning', () => {
    expect(policyWarnings(loadPolicy(`version: 1\nmode: audit\nrules:\n${deny('no-ping', '{ anyone: true }', '[SystemPing, SystemPingHead]')}${allow('dev', '{ groups: [dev] }', '[ContainerList]')}`))).toEqual([]);
  });

  it.each([
    // The policy's groups: lists make alice a member of dev: a ping rule for dev reaches her.
    ['a ping rule for the group reaches its members', '{ groups: [dev] }', [] as string[]],
    // Pings for alice by name only: a certificate with OU dev and another name has none.
    ['a ping rule for the member only', '{ users: [alice] }', [noPing('dev', 'group dev')]],
    ['a ping rule for the certificate group only, the member denied', '{ groups: [dev] }', [noPing('dev', 'user alice (group dev)')], deny('alice-no-ping', '{ users: [alice] }', '[SystemPingHead, SystemPing]')],
  ])('groups: members, %s', (_name, pingWho, expected, before = '') => {
    const text = `version: 1\ngroups:\n  dev: [alice]\nrules:\n${before}${allow('dev', '{ groups: [dev] }', '[ContainerList]')}${pings(pingWho)}`;
    expect(policyWarnings(loadPolicy(text))).toEqual(expected);
  });

  it.each([
    // alice is one holder however the rule reaches her: named once, as first reached.
    ['by name and through her group', 'dev: [alice]', '{ users: [alice], groups: [dev] }', 'user alice, group dev'],
    ['through two groups', 'dev: [alice]\n  ops: [alice]', '{ groups: [dev, ops] }', 'group dev, user alice (group dev), group ops'],
  ])('groups: members, a holder the rule reaches twice: %s', (_name, groups, who, named) => {
    const text = `version: 1\ngroups:\n  ${groups}\nrules:\n${allow('dev', who, '[ContainerList]')}`;
    expect(policyWarnings(loadPolicy(text))).toEqual([noPing('dev', named)]);
  });
});
