/**
 * The decision stage: a compiled policy evaluates identity x facts. Rules run in order; the
 * first whose `who` and selectors match decides; an allow rule's guards may still refuse;
 * no match denies. Audit mode forwards denies as `would-deny`. Pure.
 */
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import { effectiveGroups, whoMatch, type CompiledPolicy, type CompiledRule } from './compile.js';
import type { Violation } from './guards/index.js';
import type { PolicyMode } from './schema.js';

/** One guard's result, for `policy explain`. */
export interface GuardTrace {
  guard: string;
  result: 'pass' | 'fail' | 'not-applicable';
  violation?: Violation;
}

/** One rule's evaluation, for `policy explain`. */
export interface RuleTrace {
  rule: string;
  effect: 'allow' | 'deny';
  /** `decided`: this rule decided; `skipped`: who or operation did not match; `not-reached`: an earlier rule decided. */
  status: 'decided' | 'skipped' | 'not-reached';
  /** Why who matched (`group developers`) or undefined when it did not. */
  who?: string;
  /** The first selector that matched, if any. */
  selector?: string;
  guards: GuardTrace[];
}

/**
 * The rules whose `who` matches an identity, per compiled policy. An identity belongs to one
 * connection and never changes, so the 50-odd `who` tests run once per connection and policy
 * rather than once per request; both keys are weak, so a reload or a closed connection frees it.
 */
const rulesByIdentity = new WeakMap<CompiledPolicy, WeakMap<Identity, readonly CompiledRule[]>>();

function rulesFor(policy: CompiledPolicy, identity: Identity): readonly CompiledRule[] {
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

/**
 * Decide a request. Never throws. Same decision as {@link decideTraced} (test/unit/policy
 * checks both on every case), without building a trace: the request path calls this.
 */
export function decide(policy: CompiledPolicy, identity: Identity, facts: RequestFacts): Decision {
  if (!facts.operation) return unknownRoute(facts);
  for (const rule of rulesFor(policy, identity)) {
    if (rule.selectors.some((s) => s.test(facts))) return ruleDecision(rule, identity, facts);
  }
  return denied(policy.mode, 'default', 'no-rule', 'no rule allows it');
}

/** Not a policy question: dockerd has no such route and we cannot tell what it does. Denied even in audit mode. */
function unknownRoute(facts: RequestFacts): Decision {
  return { forward: false, outcome: 'deny', rule: 'default', code: 'unknown-route', reason: `no Engine API route matches ${facts.method} ${facts.path}` };
}

/** `decide`, recording each rule considered into `trace` when given. */
export function decideTraced(policy: CompiledPolicy, identity: Identity, facts: RequestFacts, trace?: RuleTrace[]): Decision {
  const op = facts.operation;
  if (!op) return unknownRoute(facts);
  const groups = effectiveGroups(policy, identity);
  let decision: Decision | undefined;
  for (const rule of policy.rules) {
    if (decision) {
      trace?.push({ rule: rule.name, effect: rule.effect, status: 'not-reached', guards: [] });
      continue;
    }
    const who = whoMatch(rule.who, identity, groups);
    const selector = who === undefined ? undefined : rule.selectors.find((s) => s.test(facts));
    const entry: RuleTrace = { rule: rule.name, effect: rule.effect, status: 'skipped', guards: [] };
    if (who !== undefined) entry.who = who;
    if (selector) entry.selector = selector.text;
    trace?.push(entry);
    if (who === undefined || !selector) continue;
    entry.status = 'decided';
    decision = ruleDecision(rule, identity, facts, entry);
  }
  return decision ?? denied(policy.mode, 'default', 'no-rule', 'no rule allows it');
}

/** The decision of the rule that matched; with `entry`, every guard's result is traced, else the first failure decides. */
function ruleDecision(rule: CompiledRule, identity: Identity, facts: RequestFacts, entry?: RuleTrace): Decision {
  const op = facts.operation?.name ?? '';
  if (rule.effect === 'deny') return denied(rule.mode, rule.name, 'rule-deny', 'denied by policy');
  let failure: Violation | undefined;
  for (const { definition, config } of rule.guards) {
    if (!definition.operations.includes(op)) {
      entry?.guards.push({ guard: definition.key, result: 'not-applicable' });
      continue;
    }
    let violation: Violation | undefined;
    try {
      violation = definition.check(config, { identity, facts, op });
    } catch {
      // A guard bug must not let a request through.
      violation = { code: 'guard-error', reason: `guard ${definition.key} could not evaluate the request` };
    }
    if (!entry) {
      if (violation) return denied(rule.mode, rule.name, violation.code, violation.reason);
      continue;
    }
    entry.guards.push(violation ? { guard: definition.key, result: 'fail', violation } : { guard: definition.key, result: 'pass' });
    failure ??= violation;
  }
  if (failure) return denied(rule.mode, rule.name, failure.code, failure.reason);
  return { forward: true, outcome: 'allow', rule: rule.name, code: 'allowed', reason: `allowed by rule "${rule.name}"` };
}

function denied(mode: PolicyMode, rule: string, code: string, reason: string): Decision {
  if (mode === 'audit') return { forward: true, outcome: 'would-deny', rule, code, reason };
  return { forward: false, outcome: 'deny', rule, code, reason };
}

/**
 * The message a denied client sees (Docker's `{"message": ...}`):
 * `dockgate: denied ContainerCreate for alice (groups dev,ops): HostConfig.Privileged is not allowed (rule "dev")`.
 */
export function denyMessage(identity: Identity, facts: RequestFacts, decision: Decision): string {
  const what = facts.operation?.name ?? `${facts.method} ${facts.path}`;
  const groups = identity.groups.length ? identity.groups.join(',') : 'none';
  return `dockgate: denied ${what} for ${identity.name} (groups ${groups}): ${decision.reason} (rule "${decision.rule}")`;
}
