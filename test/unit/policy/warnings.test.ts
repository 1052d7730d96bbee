import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { policyWarnings } from '../../../src/policy/warnings.js';

const policy = (rules: string) => loadPolicy(`version: 1\nrules:\n${rules}`);

describe('policyWarnings', () => {
  it.each([
    ['unguarded create', '  - name: dev\n    who: { groups: [dev] }\n    allow: [ContainerCreate]\n', ['rule "dev" allows ContainerCreate without guards']],
    ['unguarded section', '  - name: ops\n    who: { anyone: true }\n    allow: [section:exec]\n', ['rule "ops" allows ContainerExec']],
    ['guarded create', '  - name: dev\n    who: { groups: [dev] }\n    allow: [ContainerCreate]\n    guards: { privileged: false }\n', []],
    // power:read includes ContainerTop, whose ps_args the psArgs guard limits.
    ['read only without psArgs', '  - name: ro\n    who: { anyone: true }\n    allow: [power:read]\n', ['rule "ro" allows ContainerTop']],
    ['read only', '  - name: ro\n    who: { anyone: true }\n    allow: [power:read]\n    guards: { psArgs: false }\n', []],
    ['deny rule', '  - name: no\n    who: { anyone: true }\n    deny: [ContainerCreate]\n', []],
  ])('%s', (_name, rules, expected) => {
    const warnings = policyWarnings(policy(rules));
    expect(warnings).toHaveLength(expected.length);
    expected.forEach((text, i) => expect(warnings[i]).toContain(text));
  });
});
