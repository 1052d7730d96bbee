/** The ping warning's work on a big policy: it runs at every gateway start and reload. */
import { describe, expect, it } from 'vitest';
import { loadPolicy, type CompiledPolicy, type CompiledRule } from '../../../src/policy/compile.js';
import { pingGapWarnings } from '../../../src/policy/ping-warnings.js';

/** `policy` with each rule's `who` counting how often it is read (a `who` test reads `anyone` first). */
function counted(policy: CompiledPolicy): { policy: CompiledPolicy; reads: () => number } {
  let reads = 0;
  const rules: CompiledRule[] = policy.rules.map((rule) => ({
    ...rule,
    who: new Proxy(rule.who, {
      get(target, key, receiver) {
        if (key === 'anyone') reads += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    }),
  }));
  return { policy: { ...policy, rules }, reads: () => reads };
}

describe('pingGapWarnings on a policy of many one-user rules', () => {
  it.each([
    ['each rule allowing its user a ping', 'ContainerList, SystemPing', 0],
    ['no rule allowing a ping', 'ContainerList', 1],
  ])('%s: a few reads of each rule\'s who, not one per rule and caller', (_name, allow, warningsPerRule) => {
    const n = 400;
    const text = `version: 1\nrules:\n${Array.from({ length: n }, (_, i) => `  - name: r${i}\n    who: { users: [u${i}] }\n    allow: [${allow}]\n`).join('')}`;
    const { policy, reads } = counted(loadPolicy(text));
    expect(pingGapWarnings(policy).size).toBe(n * warningsPerRule);
    // Testing every rule's who for every caller reads it n * n times (160000 here).
    expect(reads()).toBeLessThan(10 * n);
  });
});
