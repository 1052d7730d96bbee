/** The table runner the guard tests share: each case decided by a policy for one identity. */
import { expect, it } from 'vitest';
import type { Identity, RequestFacts } from '../../../src/core/types.js';
import type { CompiledPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';

/** [name, facts, expected code or undefined for allow, reason substring]. */
export type GuardCase = [string, RequestFacts, string | undefined, string?];

/**
 * One test per case: allowed when its code is undefined, else denied by the rule `guarded`
 * (fixtures.ts) with that code and, when given, a reason containing the substring.
 */
export function guardCases(policy: CompiledPolicy, who: Identity, cases: GuardCase[]): void {
  it.each(cases)('%s', (_name, facts, code, reason) => {
    const d = decide(policy, who, facts);
    if (code === undefined) expect(d).toMatchObject({ outcome: 'allow' });
    else {
      expect(d).toMatchObject({ outcome: 'deny', code, rule: 'guarded' });
      if (reason !== undefined) expect(d.reason).toContain(reason);
    }
  });
}
