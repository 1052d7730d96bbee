/**
 * Warnings about a valid policy that probably does not mean what it says: an allow rule that
 * selects operations whose bodies carry host power (container create, exec, volume create,
 * ...) but sets no guards lets its callers run privileged containers and bind-mount the host.
 */
import type { RequestFacts } from '../core/types.js';
import { OPERATIONS } from '../facts/operations.js';
import type { CompiledPolicy } from './compile.js';
import { GUARDS } from './guards/index.js';

/** Operations some guard inspects: allowing them unguarded grants what the guards would refuse. */
const GUARDED_OPERATIONS = OPERATIONS.filter((op) => GUARDS.some((g) => g.operations.includes(op.name)));

function factsFor(op: (typeof OPERATIONS)[number]): RequestFacts {
  return { method: op.method, rawTarget: op.pattern, path: op.pattern, operation: op, params: {}, query: {}, queryAll: {} };
}

/** One warning per allow rule without guards that selects guarded operations. */
export function policyWarnings(policy: CompiledPolicy): string[] {
  const warnings: string[] = [];
  for (const rule of policy.rules) {
    if (rule.effect !== 'allow' || rule.guards.length > 0) continue;
    const selected = GUARDED_OPERATIONS.filter((op) => rule.selectors.some((s) => s.test(factsFor(op)))).map((op) => op.name);
    if (selected.length === 0) continue;
    const shown = selected.length > 4 ? `${selected.slice(0, 4).join(', ')} and ${selected.length - 4} more` : selected.join(', ');
    warnings.push(`rule "${rule.name}" allows ${shown} without guards: whoever it matches may run privileged containers and mount the host (fine for admins; add guards otherwise)`);
  }
  return warnings;
}
