import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { problems } from './fixtures.js';

describe('policy load errors', () => {
  it('reports every problem at once, in file order, each with its path and line', () => {
    const text = [
      'version: 2', //                                1
      'mode: loud', //                                2
      'colour: blue', //                              3
      'groups:', //                                   4
      '  devs: alice', //                             5
      'rules:', //                                    6
      '  - name: a', //                               7
      '    who: { groups: [devs] }', //               8
      '    allow: [ContainerCreat, section:nope]', // 9
      '    guards:', //                               10
      '      privileged: no-thanks', //               11
      '      binds: { allow: [relative/path] }', //   12
      '      teleport: false', //                     13
      '  - name: a', //                               14
      '    who: { everyone: true }', //               15
      '    deny: all', //                             16
      '    guards: { privileged: false }', //         17
      '  - name: b', //                               18
      '    allow: [power:admin, "FETCH /x", "GET /containers/{id}/json"]', // 19
      '  - who: { anyone: true }', //                 20
      '    allow: all', //                            21
      '    deny: all', //                             22
      '', //
    ].join('\n');
    expect(problems(text)).toEqual([
      { path: 'version', line: 1, message: 'version must be 1' },
      { path: 'mode', line: 2, message: 'mode must be "enforce" or "audit"' },
      { path: 'colour', line: 3, message: 'unknown key "colour" (expected one of: version, mode, description, groups, rules, tenancy)' },
      { path: 'groups.devs', line: 5, message: 'must be a list of strings' },
      { path: 'rules[0].allow[0]', line: 9, message: 'unknown operation "ContainerCreat" (see the operation names in docs/policy.md)' },
      { path: 'rules[0].allow[1]', line: 9, message: expect.stringMatching(/^unknown section "nope" \(sections: checkpoints, containers, /) },
      { path: 'rules[0].guards.privileged', line: 11, message: 'must be true (permit) or false (refuse)' },
      { path: 'rules[0].guards.binds.allow[0]', line: 12, message: 'host path prefix "relative/path" must be absolute' },
      { path: 'rules[0].guards.teleport', line: 13, message: expect.stringMatching(/^unknown guard "teleport" \(guards: privileged, hostNamespaces, /) },
      { path: 'rules[1].name', line: 14, message: 'duplicate rule name "a" (also rules[0])' },
      { path: 'rules[1].who.everyone', line: 15, message: 'unknown key "everyone" (expected one of: anyone, users, groups, sans)' },
      { path: 'rules[1].guards', line: 17, message: 'guards belong to allow rules (a deny rule refuses outright)' },
      { path: 'rules[2].who', line: 18, message: 'missing required key "who" (users, groups, sans or anyone: true)' },
      { path: 'rules[2].allow[0]', line: 19, message: 'unknown power "admin" (read, write or exfiltrate)' },
      { path: 'rules[2].allow[1]', line: 19, message: 'unknown HTTP method "FETCH"' },
      { path: 'rules[2].allow[2]', line: 19, message: expect.stringContaining('"/containers/{id}/json" is not a route pattern') },
      { path: 'rules[3].name', line: 20, message: 'missing required key "name"' },
      { path: 'rules[3]', line: 20, message: 'a rule has either "allow" or "deny", not both' },
    ]);
  });

  it.each([
    ['not a mapping', '- 1\n', '', 'a policy must be a mapping with version and rules'],
    ['missing version and rules', 'mode: audit\n', 'version', 'missing required key "version" (use version: 1)'],
    ['rules not a list', 'version: 1\nrules: {}\n', 'rules', 'must be a list of rules'],
    // Mutation review s29: these problems had no row (dropping any of them survived every unit test).
    ['missing rules', 'version: 1\n', 'rules', 'missing required key "rules" (a list; with no rules everything is denied)'],
    ['description not a string', 'version: 1\ndescription: 5\nrules: []\n', 'description', 'must be a string'],
    ['groups a list, not a mapping', 'version: 1\ngroups: [devs]\nrules: []\n', 'groups', 'must be a mapping of group name to a list of user names'],
    ['a rule that is no mapping', 'version: 1\nrules:\n  - deny-everyone\n', 'rules[0]', 'a rule must be a mapping with name, who and allow or deny'],
    ['a rule description not a string', 'version: 1\nrules:\n  - { name: x, description: [a], who: { anyone: true }, allow: all }\n', 'rules[0].description', 'must be a string'],
    ['a selector that is no string', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, deny: [5] }\n', 'rules[0].deny[0]', 'a selector must be a string'],
    ['anyone with users', 'version: 1\nrules:\n  - { name: x, who: { anyone: true, users: [bob] }, deny: all }\n', 'rules[0].who', expect.stringContaining('anyone: true cannot be combined with users')],
    ['who names nobody', 'version: 1\nrules:\n  - { name: x, who: {}, allow: all }\n', 'rules[0].who', 'names nobody: give users, groups, sans or anyone: true'],
    ['anyone false', 'version: 1\nrules:\n  - { name: x, who: { anyone: false }, allow: all }\n', 'rules[0].who.anyone', 'anyone must be true (leave it out otherwise)'],
    ['empty selector list', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: [] }\n', 'rules[0].allow', 'must be "all" or a non-empty list of selectors'],
    ['reserved rule name', 'version: 1\nrules:\n  - { name: default, who: { anyone: true }, allow: all }\n', 'rules[0].name', expect.stringContaining('not "default"')],
    ['capability typo', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { capabilities: { allow: ["SYS ADMIN"] } } }\n', 'rules[0].guards.capabilities.allow[0]', '"SYS ADMIN" is not a capability name'],
    ['tenancy not a mapping', 'version: 1\nrules: []\ntenancy: 5\n', 'tenancy', 'must be a mapping (enabled, admins, teams, unowned, shared, quotas, buildkit)'],
    ['allow-list shape', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { images: [busybox] } }\n', 'rules[0].guards.images', 'must be true, false or { allow: [...] }'],
    ['binds prefix written as a glob', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { binds: { allow: [/srv/dev/**] } } }\n', 'rules[0].guards.binds.allow[0]', 'host path prefix "/srv/dev/**" holds "*", which a prefix may not hold: a prefix is a directory, allowing everything under it, not a pattern (the one placeholder is {user})'],
    ['binds prefix with a glob inside', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { binds: { allow: ["/data/*/cache"] } } }\n', 'rules[0].guards.binds.allow[0]', 'host path prefix "/data/*/cache" holds "*", which a prefix may not hold: a prefix is a directory, allowing everything under it, not a pattern (the one placeholder is {user})'],
    ['binds prefix of a glob at the root', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { binds: { allow: ["/?"] } } }\n', 'rules[0].guards.binds.allow[0]', 'host path prefix "/?" holds "?", which a prefix may not hold: a prefix is a directory, allowing everything under it, not a pattern (the one placeholder is {user})'],
    ['binds prefix with a character class (rev-fix-seal N4)', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { binds: { allow: ["/srv/[ab]"] } } }\n', 'rules[0].guards.binds.allow[0]', 'host path prefix "/srv/[ab]" holds "[", which a prefix may not hold: a prefix is a directory, allowing everything under it, not a pattern (the one placeholder is {user})'],
    ['binds prefix with braces', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { binds: { allow: ["/srv/{a,b}"] } } }\n', 'rules[0].guards.binds.allow[0]', 'host path prefix "/srv/{a,b}" holds "{", which a prefix may not hold: a prefix is a directory, allowing everything under it, not a pattern (the one placeholder is {user})'],
    ['binds prefix {USER} (the placeholder is {user})', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { binds: { allow: ["/srv/{USER}"] } } }\n', 'rules[0].guards.binds.allow[0]', 'host path prefix "/srv/{USER}" holds "{", which a prefix may not hold: a prefix is a directory, allowing everything under it, not a pattern (the one placeholder is {user})'],
    ['binds prefix {user} then a glob', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { binds: { allow: ["/srv/{user}/*"] } } }\n', 'rules[0].guards.binds.allow[0]', 'host path prefix "/srv/{user}/*" holds "*", which a prefix may not hold: a prefix is a directory, allowing everything under it, not a pattern (the one placeholder is {user})'],
    ['binds prefix {user}/.. (the same directory for everyone)', 'version: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { binds: { allow: ["/srv/{user}/.."] } } }\n', 'rules[0].guards.binds.allow[0]', 'host path prefix "/srv/{user}/.." must not hold "..": write the directory it means (with {user}, ".." after it allows the same directory to every user)'],
  ])('%s', (_name, text, path, message) => {
    expect(problems(text)).toContainEqual(expect.objectContaining({ path, message }));
  });

  it('YAML syntax errors carry their line', () => {
    const p = problems('version: 1\nrules:\n  - name: x\n    who: { anyone: true\n');
    expect(p.length).toBeGreaterThan(0);
    expect(p[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('duplicate keys are errors, named, with the line of the second', () => {
    expect(problems('version: 1\nversion: 1\nrules: []\n')[0]).toMatchObject({ line: 2, message: 'duplicate key "version"' });
    expect(problems('version: 1\nrules:\n  - name: a\n    who: { anyone: true }\n    allow: [SystemPing]\n    name: b\n')[0]).toMatchObject({ line: 6, message: 'duplicate key "name"' });
  });

  it('40 000 keys in one mapping are checked for duplicates in one pass (the library\'s check was quadratic: 22 s)', () => {
    const groups = Array.from({ length: 40_000 }, (_, i) => `  g${i}: [u${i}]`).join('\n');
    // Found at the end, after every other key was checked: a quadratic check takes many seconds here.
    expect(problems(`version: 1\ngroups:\n${groups}\n  g7: [x]\nrules: []\n`)).toEqual([{ path: '', message: 'duplicate key "g7"', line: 40_003 }]);
  });

  it('a rule with both allow and deny still has both lists and its guards checked', () => {
    const found = problems('version: 1\nrules:\n  - name: r\n    who: { anyone: true }\n    allow: [NoSuchOp, "GET /nope/{x}"]\n    deny: [AlsoNoSuch]\n    guards: { nope: 1 }\n');
    expect(found.map((p) => p.message)).toEqual([
      'a rule has either "allow" or "deny", not both',
      expect.stringContaining('unknown operation "NoSuchOp"'),
      expect.stringContaining('"/nope/{x}" is not a route pattern'),
      expect.stringContaining('unknown operation "AlsoNoSuch"'),
      expect.stringContaining('unknown guard "nope"'),
    ]);
  });

  it('an unresolved tag is a problem, not a string', () => {
    expect(problems('version: 1\ndescription: !!js/function "function(){}"\nrules: []\n')[0]).toMatchObject({ line: 2, message: expect.stringContaining('Unresolved tag') });
  });

  it('the error message lists every problem with its place', () => {
    try {
      loadPolicy('version: 1\nrules:\n  - name: a\n    who: { anyone: true }\n    allow: [Nope]\n', 'p.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe('invalid policy p.yaml: 1 problem\n  rules[0].allow[0] (line 5): unknown operation "Nope" (see the operation names in docs/policy.md)');
    }
  });

  it('a valid policy compiles to rules in order with their modes', () => {
    const p = loadPolicy('version: 1\nmode: audit\nrules:\n  - { name: a, who: { anyone: true }, allow: all, mode: enforce }\n  - { name: b, who: { users: [x] }, deny: ContainerList }\n');
    expect(p.rules.map((r) => [r.name, r.effect, r.mode, r.selectors.map((s) => s.text)])).toEqual([
      ['a', 'allow', 'enforce', ['all']],
      ['b', 'deny', 'audit', ['ContainerList']],
    ]);
    expect(Object.isFrozen(p)).toBe(true);
  });
});
