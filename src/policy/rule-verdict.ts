/**
 * What one matching rule says about a request, before its mode is applied: a deny rule denies; an
 * allow rule's guards may refuse, else it allows, with the body amendments, network lookups and
 * exec-start check its guards ask for. Pure.
 */
import type { BodyAmendment, ExecStartCheck, Identity, JsonObject, NetworkLookup, RequestFacts } from '../core/types.js';
import type { CompiledRule } from './compile.js';
import type { GuardContext, Violation } from './guards/index.js';
import { OP } from './guards/operations.js';
import { execCreateFacts, guardInspects } from './exec-start.js';
import type { RuleTrace } from './rule-trace.js';
import { rollbackViolation } from './service-rollback.js';

/** What a matching rule says about a request, before its mode is applied. */
export interface Verdict {
  allow: boolean;
  rule: string;
  code: string;
  reason: string;
  /** An allowing rule's guards' amendments (applied only when this rule is the enforced one). */
  amendments?: BodyAmendment[];
  /** An allowing rule's guards' networks to resolve on the daemon (only when this rule is the enforced one). */
  networkLookups?: NetworkLookup[];
  /** An allowing rule's check of the exec an exec start starts (only when this rule is the enforced one). */
  execStart?: ExecStartCheck;
}

/** The verdict of the rule that matched; with `entry`, every guard's result is traced, else the first failure decides. */
export function ruleVerdict(rule: CompiledRule, identity: Identity, facts: RequestFacts, entry?: RuleTrace): Verdict {
  const op = facts.operation?.name ?? '';
  if (rule.effect === 'deny') return { allow: false, rule: rule.name, code: 'rule-deny', reason: 'denied by policy' };
  const rollback = rollbackViolation(rule, op, facts);
  if (rollback) {
    entry?.guards.push({ guard: 'rollback', result: 'fail', violation: rollback });
    return { allow: false, rule: rule.name, code: rollback.code, reason: rollback.reason };
  }
  // One context for all the rule's guards: they read it and keep nothing of it.
  const ctx: GuardContext = { identity, facts, op };
  let failure: Violation | undefined;
  for (const { definition, config } of rule.guards) {
    if (!definition.operations.includes(op)) {
      entry?.guards.push({ guard: definition.key, result: 'not-applicable' });
      continue;
    }
    let violation: Violation | undefined;
    try {
      violation = definition.check(config, ctx);
    } catch {
      // A guard bug must not let a request through.
      violation = { code: 'guard-error', reason: `guard ${definition.key} could not evaluate the request` };
    }
    if (!entry) {
      if (violation) return { allow: false, rule: rule.name, code: violation.code, reason: violation.reason };
      continue;
    }
    entry.guards.push(violation ? { guard: definition.key, result: 'fail', violation } : { guard: definition.key, result: 'pass' });
    failure ??= violation;
  }
  if (failure) return { allow: false, rule: rule.name, code: failure.code, reason: failure.reason };
  const allowed: Verdict = { allow: true, rule: rule.name, code: 'allowed', reason: `allowed by rule "${rule.name}"` };
  let amendments: BodyAmendment[];
  let lookups: NetworkLookup[];
  try {
    amendments = guardAmendments(rule, ctx);
    lookups = guardNetworkLookups(rule, ctx);
  } catch {
    // Without the setting the guards rely on, the request is not what they allowed.
    return { allow: false, rule: rule.name, code: 'guard-error', reason: 'a guard could not complete the request body' };
  }
  let verdict: Verdict = lookups.length ? { ...allowed, networkLookups: lookups } : allowed;
  if (op === OP.execStart && rule.guards.some((g) => guardInspects(g.definition, op))) {
    verdict = { ...verdict, execStart: execStartCheck(rule, identity, facts.params.name ?? '') };
  }
  if (amendments.length === 0) return verdict;
  return { ...verdict, reason: `${allowed.reason}; ${amendments.map((a) => a.reason).join('; ')}`, amendments };
}

/**
 * The check of the exec an exec start starts: the rule's guards that inspect exec creates, run on
 * the exec-create request that would have made it (exec-start.ts), exactly as on a create.
 */
function execStartCheck(rule: CompiledRule, identity: Identity, execId: string): ExecStartCheck {
  return new RuleExecStartCheck(rule, identity, execId);
}

/**
 * A class, so that a decision stays data to compare and print: its one visible field is the exec
 * ID (decide and decideTraced give equal decisions); the rule and the identity are private.
 */
class RuleExecStartCheck implements ExecStartCheck {
  readonly #rule: CompiledRule;
  readonly #identity: Identity;
  readonly execId: string;

  constructor(rule: CompiledRule, identity: Identity, execId: string) {
    this.#rule = rule;
    this.#identity = identity;
    this.execId = execId;
  }

  check(containerId: string, body: JsonObject): { code: string; reason: string } | undefined {
    let facts: RequestFacts;
    try {
      facts = execCreateFacts(containerId, body);
    } catch {
      return { code: 'guard-error', reason: 'the exec instance could not be read as an exec create for the guards' };
    }
    const verdict = ruleVerdict(this.#rule, this.#identity, facts);
    return verdict.allow ? undefined : { code: verdict.code, reason: verdict.reason };
  }
}

/** The networks an allowing rule's guards that inspect `op` leave to the daemon to resolve. */
function guardNetworkLookups(rule: CompiledRule, ctx: GuardContext): NetworkLookup[] {
  const out: NetworkLookup[] = [];
  for (const { definition, config } of rule.guards) {
    if (!definition.networkLookups || !definition.operations.includes(ctx.op)) continue;
    out.push(...(definition.networkLookups(config, ctx) ?? []));
  }
  return out;
}

/** The amendments of an allowing rule's guards that inspect `op`. */
function guardAmendments(rule: CompiledRule, ctx: GuardContext): BodyAmendment[] {
  const out: BodyAmendment[] = [];
  for (const { definition, config } of rule.guards) {
    if (!definition.amend || !definition.operations.includes(ctx.op)) continue;
    const amendment = definition.amend(config, ctx);
    if (amendment) out.push(amendment);
  }
  return out;
}
