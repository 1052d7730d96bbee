/** Which of a compiled policy's rules can apply to an identity at all: those whose `who` matches it. */
import type { Identity } from '../core/types.js';
import { effectiveGroups, whoMatch, type CompiledPolicy, type CompiledRule } from './compile.js';

/**
 * The rules whose `who` matches an identity, per compiled policy. An identity belongs to one
 * connection and never changes, so the 50-odd `who` tests run once per connection and policy
 * rather than once per request; both keys are weak, so a reload or a closed connection frees it.
 */
const rulesByIdentity = new WeakMap<CompiledPolicy, WeakMap<Identity, readonly CompiledRule[]>>();

/** The rules of `policy` whose `who` matches `identity`, in policy order; computed once per identity and policy. */
export function rulesFor(policy: CompiledPolicy, identity: Identity): readonly CompiledRule[] {
  let perPolicy = rulesByIdentity.get(policy);
  if (!perPolicy) {
    perPolicy = new WeakMap();
    rulesByIdentity.set(policy, perPolicy);
  }
  let rules = perPolicy.get(identity);
  if (!rules) {
    const groups = effectiveGroups(policy, identity);
    rules = policy.rules.filter((rule) => whoMatch(rule.who, identity, groups) !== undefined);
    perPolicy.set(identity, rules);
  }
  return rules;
}
