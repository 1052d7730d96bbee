import type { RequestFacts } from '../core/types.js';
import type { CompiledRule } from './compile.js';
import type { Violation } from './guards/index.js';

/**
 * A ServiceUpdate with `rollback=previous` (what `docker service rollback` sends): dockerd
 * ignores the body and applies the service's previous spec, which no guard sees, so a rule
 * whose guards inspect service updates refuses it. dockerd reads the first value (Go's
 * `Form.Get`) and compares it exactly: `""` and `none` apply the body (an ordinary update),
 * `previous` rolls back, anything else is refused by dockerd ("unrecognized rollback option"),
 * and is refused here too (fail closed, with that reason).
 */
export function rollbackViolation(rule: CompiledRule, op: string, facts: RequestFacts): Violation | undefined {
  const value = facts.query.rollback;
  if (op !== 'ServiceUpdate' || !value || value === 'none') return undefined;
  if (!rule.guards.some((g) => g.definition.operations.includes(op))) return undefined;
  const quoted = JSON.stringify(value).slice(0, 40);
  if (value !== 'previous') {
    return { code: 'service-rollback', reason: `rollback=${quoted} is not a rollback option dockerd knows (only "none" and "previous"); send an ordinary update` };
  }
  return {
    code: 'service-rollback',
    reason: `rollback=${quoted} makes dockerd apply the service's previous spec, which the guards cannot see (the body is ignored); send the previous spec as an ordinary update instead`,
  };
}
