import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { identity, problems, req } from './fixtures.js';


/** Nested aliases: 8 levels of 10, so a naive expansion holds 10^8 strings. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= 8; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\nversion: 1\nrules: []\n`;
}

describe('YAML library failures are policy errors (L3)', () => {
  it.each([
    ['alias bomb', aliasBomb(), 'the YAML cannot be read: Excessive alias count indicates a resource exhaustion attack (at most 100 aliases are expanded)'],
    ['YAML 1.1 merge of a scalar', '%YAML 1.1\n---\nversion: 1\nrules:\n  - { name: x, who: { anyone: true }, allow: all, guards: { <<: 1 } }\n', 'the YAML cannot be read: Merge sources must be maps or map aliases'],
  ])('%s', (_name, text, message) => {
    expect(problems(text)).toEqual([{ path: '', message }]);
  });

  it('the error names the file', () => {
    expect(() => loadPolicy(aliasBomb(), 'bomb.yaml')).toThrow(/^invalid policy bomb\.yaml: 1 problem\n {2}\(file\): the YAML cannot be read: Excessive alias count/);
  });
});

describe('YAML 1.1 and tags', () => {
  it('%YAML 1.1 turns on merge keys and yes/no booleans', () => {
    const p = loadPolicy(
      '%YAML 1.1\n---\nversion: 1\nrules:\n  - name: a\n    who: { anyone: true }\n    allow: [ContainerExec]\n    guards: &g { privileged: no, execRoot: no }\n' +
        '  - name: b\n    who: { anyone: true }\n    allow: [ContainerCreate]\n    guards: { <<: *g, binds: no }\n',
    );
    expect(p.rules.map((r) => r.guards.map((g) => [g.definition.key, g.config]))).toEqual([
      [['privileged', { refuse: true }], ['execRoot', { refuse: true }]],
      [['privileged', { refuse: true }], ['binds', { any: false, allow: [] }], ['execRoot', { refuse: true }]],
    ]);
  });

  it('without it, << is a key and no is a string', () => {
    expect(problems('version: 1\nrules:\n  - { name: a, who: { anyone: true }, allow: all, guards: { <<: { privileged: false }, execRoot: no } }\n').map((p) => p.message)).toEqual([
      expect.stringMatching(/^unknown guard "<<"/),
      'must be true (permit) or false (refuse)',
    ]);
  });

  // A Set, Map or Date has no own keys: read as a mapping it looked empty, so these guards vanished.
  it.each([
    ['guards: !!set { privileged, binds }', 'rules[0].guards', 'must be a mapping of guard settings'],
    ['guards: !!omap [ { privileged: false } ]', 'rules[0].guards', 'must be a mapping of guard settings'],
    ['who: !!set { anyone }', 'rules[0].who', 'must be a mapping: { users: [...] }, { groups: [...] } or { anyone: true }'],
  ])('%s is refused', (line, path, message) => {
    const text = `version: 1\nrules:\n  - name: a\n    allow: [ContainerCreate]\n    ${line}\n${line.startsWith('who') ? '' : '    who: { anyone: true }\n'}`;
    expect(problems(text)).toContainEqual({ path, line: 5, message });
  });
});

describe('policy groups', () => {
  it('a group named __proto__ holds its members like any other', () => {
    const p = loadPolicy('version: 1\ngroups: { __proto__: [mallory] }\nrules:\n  - { name: g, who: { groups: [__proto__] }, allow: [ContainerList] }\n');
    expect(decide(p, identity('mallory'), req('GET', '/containers/json'))).toMatchObject({ outcome: 'allow', rule: 'g' });
    expect(decide(p, identity('bob'), req('GET', '/containers/json'))).toMatchObject({ outcome: 'deny', rule: 'default' });
  });

  it('names are exact and case-sensitive', () => {
    const p = loadPolicy('version: 1\ngroups: { devs: [alice] }\nrules:\n  - { name: g, who: { users: [ALICE], groups: [Devs] }, allow: [ContainerList] }\n');
    expect(decide(p, identity('Alice', ['devs']), req('GET', '/containers/json'))).toMatchObject({ outcome: 'deny' });
    expect(decide(p, identity('alice'), req('GET', '/containers/json'))).toMatchObject({ outcome: 'deny' });
  });
});
