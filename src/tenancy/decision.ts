/** How a tenancy refusal is recorded: as a deny by the `tenancy` rule, for the audit log and metrics. */
import type { Decision } from '../core/types.js';
import type { DenyVerdict } from './hook.js';

/**
 * The decision to record when tenancy refused a request the policy allowed; or, for a refusal by
 * the policy rule found on the daemon after tenancy (DenyVerdict.decision), that rule's.
 */
export function tenancyDecision(verdict: DenyVerdict): Decision {
  if (verdict.decision) return verdict.decision;
  return { forward: false, outcome: 'deny', rule: 'tenancy', code: verdict.code, reason: verdict.message };
}
