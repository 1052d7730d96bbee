/**
 * Mapping keys YAML reads as something other than a string (rev-config F1): `0042:` under
 * `tenancy.quotas.users` was the number 42, so the quota applied to a user "42" and not to 0042;
 * `007:` under `groups:` made a group "7", and a deny rule for group "007" applied to nobody.
 * Every such key is refused, with the key as written, its line and the hint to quote it.
 */
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/policy/load.js';
import { problems } from './fixtures.js';

const RULES = 'rules:\n  - { name: r, who: { anyone: true }, allow: [ContainerList] }\n';
const tenancy = (quotas: string) => `version: 1\n${RULES}tenancy:\n  unowned: [images]\n  quotas:\n${quotas}`;

describe('keys that name groups and users must be strings', () => {
  it.each([
    ['groups: 007', `version: 1\ngroups:\n  007: [alice]\n${RULES}`, 3, 'key 007 is read by YAML as the number 7, not a name: quote it ("007")'],
    ['groups: 1.10', `version: 1\ngroups:\n  1.10: [bob]\n${RULES}`, 3, 'key 1.10 is read by YAML as the number 1.1, not a name: quote it ("1.10")'],
    ['groups: 1e3', `version: 1\ngroups: { 1e3: [bob] }\n${RULES}`, 2, 'key 1e3 is read by YAML as the number 1000, not a name: quote it ("1e3")'],
    ['groups: 0x1F', `version: 1\ngroups: { 0x1F: [bob] }\n${RULES}`, 2, 'key 0x1F is read by YAML as the number 31, not a name: quote it ("0x1F")'],
    ['groups: +7', `version: 1\ngroups: { +7: [bob] }\n${RULES}`, 2, 'key +7 is read by YAML as the number 7, not a name: quote it ("+7")'],
    ['groups: TRUE', `version: 1\ngroups: { TRUE: [bob] }\n${RULES}`, 2, 'key TRUE is read by YAML as the boolean true, not a name: quote it ("TRUE")'],
    ['groups: ~', `version: 1\ngroups: { ~: [bob] }\n${RULES}`, 2, 'key ~ is read by YAML as null, not a name: quote it ("~")'],
    ['groups: null', `version: 1\ngroups: { null: [bob] }\n${RULES}`, 2, 'key null is read by YAML as null, not a name: quote it ("null")'],
    ['groups: empty key', `version: 1\ngroups:\n  ? \n  : [bob]\n${RULES}`, 3, 'a key left empty is read by YAML as null, not a name: write the name'],
    ['groups: a list as key', `version: 1\ngroups: { [a, b]: [bob] }\n${RULES}`, 2, 'a key must be a name, not a list or a mapping'],
    ['quotas.users: 0042', tenancy('    users: { 0042: { containers: 1 } }\n'), 7, 'key 0042 is read by YAML as the number 42, not a name: quote it ("0042")'],
    ['quotas.groups: 007', tenancy('    groups:\n      007: { containers: 1 }\n'), 8, 'key 007 is read by YAML as the number 7, not a name: quote it ("007")'],
    ['YAML 1.1 timestamp', `%YAML 1.1\n---\nversion: 1\ngroups: { 2024-10-01: [bob] }\n${RULES}`, 4, 'key 2024-10-01 is read by YAML as a timestamp, not a name: quote it ("2024-10-01")'],
    ['YAML 1.1 yes', `%YAML 1.1\n---\nversion: 1\ngroups: { yes: [bob] }\n${RULES}`, 4, 'key yes is read by YAML as the boolean true, not a name: quote it ("yes")'],
    ['an alias to a number', `version: 1\nx: &n 42\ngroups: { *n : [bob] }\n${RULES}`, 3, 'key 42 is read by YAML as the number 42, not a name: quote it ("42")'],
  ])('%s', (_name, text, line, message) => {
    expect(problems(text)).toContainEqual({ path: '', line, message });
  });

  it('quoted, and words that are strings in YAML 1.2, load as the names written', () => {
    const p = parsePolicy(
      `version: 1\ngroups: { "007": [alice], '1.10': [bob], yes: [carol], off: [dave], !!str 0042: [erin] }\n${RULES}` +
        'tenancy:\n  unowned: [images]\n  quotas:\n    users: { "0042": { containers: 1 } }\n    groups: { "007": { containers: 2 } }\n',
    );
    expect(Object.keys(p.groups).sort()).toEqual(['0042', '007', '1.10', 'off', 'yes']);
    expect(Object.keys(p.tenancy?.quotas.users ?? {})).toEqual(['0042']);
    expect(Object.keys(p.tenancy?.quotas.groups ?? {})).toEqual(['007']);
  });

  it('YAML 1.1 merge keys are not names and still merge', () => {
    const p = parsePolicy(`%YAML 1.1\n---\nversion: 1\ngroups: { <<: { ops: [alice] }, dev: [bob] }\n${RULES}`);
    expect(Object.keys(p.groups).sort()).toEqual(['dev', 'ops']);
  });

  it('a name in a list that YAML reads as a number says so', () => {
    expect(problems(`version: 1\nrules:\n  - { name: r, who: { users: [0042] }, allow: [ContainerList] }\n`)).toContainEqual({
      path: 'rules[0].who.users[0]',
      line: 3,
      message: 'must be a non-empty string (YAML read the number 42 here: quote it)',
    });
  });
});

describe('key and list-item messages say what YAML read (rev-fix-config R5)', () => {
  it.each([
    ['!!int on a quoted key', `version: 1\ngroups:\n  !!int "007": [alice]\n${RULES}`, 3, 'key 007 is read by YAML as the number 7 (its tag !!int makes it one), not a name: drop the tag'],
    ['!!binary key', `version: 1\ngroups:\n  !!binary aGk=: [alice]\n${RULES}`, 3, 'key aGk= is read by YAML as a binary value (its tag !!binary makes it one), not a name: drop the tag'],
  ])('%s', (_name, text, line, message) => {
    expect(problems(text)).toContainEqual({ path: '', line, message });
  });

  it('a list or mapping as a key is refused without the YAML library\'s process warning', () => {
    const warnings: unknown[] = [];
    const onWarning = (w: unknown) => warnings.push(w);
    const emit = process.emitWarning;
    process.emitWarning = ((w: unknown) => onWarning(w)) as typeof process.emitWarning;
    try {
      expect(problems(tenancy('    users:\n      ? [a, b]\n      : { containers: 1 }\n'))).toContainEqual({ path: '', line: 8, message: 'a key must be a name, not a list or a mapping' });
    } finally {
      process.emitWarning = emit;
    }
    expect(warnings).toEqual([]);
  });

  it.each([
    ['null', '~', 'must be a non-empty string (YAML read null here: write the name, quoted)'],
    ['a YAML 1.1 timestamp', '2001-01-01', 'must be a non-empty string (YAML read a timestamp here: quote it)'],
  ])('a list item YAML reads as %s says so', (_name, item, message) => {
    const text = `%YAML 1.1\n---\nversion: 1\nrules:\n  - { name: r, who: { users: [${item}] }, allow: [ContainerList] }\n`;
    expect(problems(text)).toEqual([{ path: 'rules[0].who.users[0]', line: 5, message }]);
  });

  it('who entries all refused as invalid do not also get "names nobody"', () => {
    expect(problems(`version: 1\nrules:\n  - { name: r, who: { users: [~], groups: [1] }, allow: [ContainerList] }\n`).map((p) => p.message)).toEqual([
      'must be a non-empty string (YAML read null here: write the name, quoted)',
      'must be a non-empty string (YAML read the number 1 here: quote it)',
    ]);
  });

  it('a who with no lists still names nobody', () => {
    expect(problems(`version: 1\nrules:\n  - { name: r, who: { users: [] }, allow: [ContainerList] }\n`).map((p) => p.message)).toContain('names nobody: give users, groups, sans or anyone: true');
  });
});
