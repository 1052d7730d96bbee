/**
 * The decision stage: a compiled policy evaluates identity x facts. Rules run in order; the
 * first whose `who` and selectors match decides; an allow rule's guards may still refuse;
 * no match denies. Pure.
 *
 * A rule in audit mode enforces nothing: it is a staged rule whose verdict is recorded. What is
 * enforced is the first matching rule in enforce mode (no match: denied, unless the policy
 * itself is in audit mode, a dry run that forwards everything). What is recorded besides is the
 * staged verdict, the first matching rule of any mode: a request the enforced rules let through
 * but the staged verdict refuses is forwarded as `would-deny`.
 */
import type { BodyAmendment, Decision, ExecStartCheck, Identity, JsonObject, NetworkLookup, RequestFacts } from '../core/types.js';
import { effectiveGroups, whoMatch, type CompiledPolicy, type CompiledRule } from './compile.js';
import type { Violation } from './guards/index.js';
import { maskPathCredentials } from '../observe/url-credentials.js';
import { OP } from './guards/operations.js';
import { execCreateFacts, guardInspects } from './exec-start.js';

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
  /**
   * `decided`: this rule's verdict is enforced; `audited`: a rule in audit mode matched first,
   * its verdict is recorded, not enforced; `skipped`: who or operation did not match, or (with
   * `shadowed`) a later rule in audit mode matched after the audited one; `not-reached`: an
   * earlier rule decided.
   */
  status: 'decided' | 'audited' | 'skipped' | 'not-reached';
  /** Skipped although it matched: a rule in audit mode after the one already audited. */
  shadowed?: boolean;
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

/** What a matching rule says about a request, before its mode is applied. */
interface Verdict {
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

const NO_RULE: Verdict = { allow: false, rule: 'default', code: 'no-rule', reason: 'no rule allows it' };

/**
 * Decide a request. Never throws. Same decision as {@link decideTraced} (test/unit/policy
 * checks both on every case), without building a trace: the request path calls this.
 */
export function decide(policy: CompiledPolicy, identity: Identity, facts: RequestFacts): Decision {
  if (!facts.operation) return unknownRoute(facts);
  let staged: Verdict | undefined;
  for (const rule of rulesFor(policy, identity)) {
    // Only the first match gives the staged verdict: later audit-mode rules change nothing.
    if (staged && rule.mode === 'audit') continue;
    if (!rule.selectors.some((s) => s.test(facts))) continue;
    const verdict = ruleVerdict(rule, identity, facts);
    if (rule.mode === 'enforce') return combine(policy, staged ?? verdict, verdict);
    staged = verdict;
  }
  return combine(policy, staged ?? NO_RULE, undefined);
}

/**
 * The decision on a request whatever its body, where there is one: the policy is in enforce
 * mode and none of the identity's rules selects the route (selectors see the operation, the
 * method and the path, never the body), so the default denies it, as {@link decide} would with
 * any body. Undefined otherwise. The request and upgrade paths ask this before reading a body
 * when the body budget is under pressure (src/server/body-budget.ts), when the client waits for
 * a 100 Continue, and for a large body (src/server/denied-before-body.ts).
 */
export function denialWhateverTheBody(policy: CompiledPolicy, identity: Identity, facts: RequestFacts): Decision | undefined {
  if (!facts.operation || policy.mode !== 'enforce') return undefined;
  for (const rule of rulesFor(policy, identity)) {
    if (rule.selectors.some((s) => s.test(facts))) return undefined;
  }
  return combine(policy, NO_RULE, undefined);
}

/**
 * The decision from the staged verdict (first matching rule) and the enforced one (first
 * matching rule in enforce mode; undefined when none matched).
 */
function combine(policy: CompiledPolicy, staged: Verdict, enforced: Verdict | undefined): Decision {
  if (enforced ? !enforced.allow : policy.mode === 'enforce') {
    const by = enforced ?? NO_RULE;
    const note = staged.allow ? `; the audit-mode rule "${staged.rule}" would allow it` : '';
    return { forward: false, outcome: 'deny', rule: by.rule, code: by.code, reason: by.reason + note };
  }
  // Only the enforced rule changes a body or has it checked on the daemon: a policy in audit mode
  // (no enforced rule) forwards as sent.
  const amendments = enforced?.amendments ? { amendments: enforced.amendments } : {};
  const lookups = enforced?.networkLookups ? { networkLookups: enforced.networkLookups } : {};
  const execStart = enforced?.execStart ? { execStart: enforced.execStart } : {};
  if (!staged.allow) {
    // The record names the staged rule; what the enforced rule still does is its own: its name for
    // the refusals after the policy, and what it wrote into the body in the reason.
    const written = enforced?.amendments?.map((a) => `; ${a.reason}`).join('') ?? '';
    const enforcedRule = enforced ? { enforcedRule: enforced.rule } : {};
    return { forward: true, outcome: 'would-deny', rule: staged.rule, code: staged.code, reason: staged.reason + written, ...enforcedRule, ...amendments, ...lookups, ...execStart };
  }
  const by = enforced ?? staged;
  // An audit-mode rule allowed it first: named by a refusal after the policy, unless it would
  // make such a check itself.
  const stagedAllow = enforced && staged !== enforced && !staged.execStart && !staged.networkLookups ? { stagedAllowRule: staged.rule } : {};
  return { forward: true, outcome: 'allow', rule: by.rule, code: by.code, reason: by.reason, ...stagedAllow, ...amendments, ...lookups, ...execStart };
}

/** Not a policy question: dockerd has no such route and we cannot tell what it does. Denied even in audit mode. */
function unknownRoute(facts: RequestFacts): Decision {
  return { forward: false, outcome: 'deny', rule: 'default', code: 'unknown-route', reason: `no Engine API route matches ${facts.method} ${pathAsSent(facts)}` };
}

/**
 * The path with the version prefix it was sent with: `/v1.41/debug/vars` has no route while
 * `/debug/vars` has one (dockerd serves /debug unversioned only), so a refusal quoting the path
 * without its prefix read as if a route had been refused as unknown. Its userinfo is masked, as
 * the record's `path` is (`/nosuch/***@host`).
 */
function pathAsSent(facts: RequestFacts): string {
  return maskPathCredentials(facts.apiVersion === undefined ? facts.path : `/v${facts.apiVersion}${facts.path}`);
}

/** `decide`, recording each rule considered into `trace` when given. */
export function decideTraced(policy: CompiledPolicy, identity: Identity, facts: RequestFacts, trace?: RuleTrace[]): Decision {
  const op = facts.operation;
  if (!op) return unknownRoute(facts);
  const groups = effectiveGroups(policy, identity);
  let staged: Verdict | undefined;
  let enforced: Verdict | undefined;
  for (const rule of policy.rules) {
    if (enforced) {
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
    if (staged && rule.mode === 'audit') {
      entry.shadowed = true;
      continue;
    }
    const verdict = ruleVerdict(rule, identity, facts, entry);
    if (rule.mode === 'enforce') {
      entry.status = 'decided';
      enforced = verdict;
      staged ??= verdict;
    } else {
      entry.status = 'audited';
      staged = verdict;
    }
  }
  return combine(policy, staged ?? NO_RULE, enforced);
}

/**
 * A ServiceUpdate with `rollback=previous` (what `docker service rollback` sends): dockerd
 * ignores the body and applies the service's previous spec, which no guard sees, so a rule
 * whose guards inspect service updates refuses it. dockerd reads the first value (Go's
 * `Form.Get`) and compares it exactly: `""` and `none` apply the body (an ordinary update),
 * `previous` rolls back, anything else is refused by dockerd ("unrecognized rollback option"),
 * and is refused here too (fail closed, with that reason).
 */
function rollbackViolation(rule: CompiledRule, op: string, facts: RequestFacts): Violation | undefined {
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

/** The verdict of the rule that matched; with `entry`, every guard's result is traced, else the first failure decides. */
function ruleVerdict(rule: CompiledRule, identity: Identity, facts: RequestFacts, entry?: RuleTrace): Verdict {
  const op = facts.operation?.name ?? '';
  if (rule.effect === 'deny') return { allow: false, rule: rule.name, code: 'rule-deny', reason: 'denied by policy' };
  const rollback = rollbackViolation(rule, op, facts);
  if (rollback) {
    entry?.guards.push({ guard: 'rollback', result: 'fail', violation: rollback });
    return { allow: false, rule: rule.name, code: rollback.code, reason: rollback.reason };
  }
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
    amendments = guardAmendments(rule, identity, facts, op);
    lookups = guardNetworkLookups(rule, identity, facts, op);
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
function guardNetworkLookups(rule: CompiledRule, identity: Identity, facts: RequestFacts, op: string): NetworkLookup[] {
  const out: NetworkLookup[] = [];
  for (const { definition, config } of rule.guards) {
    if (!definition.networkLookups || !definition.operations.includes(op)) continue;
    out.push(...(definition.networkLookups(config, { identity, facts, op }) ?? []));
  }
  return out;
}

/** The amendments of an allowing rule's guards that inspect `op`. */
function guardAmendments(rule: CompiledRule, identity: Identity, facts: RequestFacts, op: string): BodyAmendment[] {
  const out: BodyAmendment[] = [];
  for (const { definition, config } of rule.guards) {
    if (!definition.amend || !definition.operations.includes(op)) continue;
    const amendment = definition.amend(config, { identity, facts, op });
    if (amendment) out.push(amendment);
  }
  return out;
}

/**
 * The message a denied client sees (Docker's `{"message": ...}`):
 * `dockgate: denied ContainerCreate for alice (groups dev,ops): HostConfig.Privileged is not allowed (rule "dev")`.
 * The groups are those the policy matched on: the certificate's and the policy's `groups:`.
 */
export function denyMessage(policy: CompiledPolicy, identity: Identity, facts: RequestFacts, decision: Decision): string {
  const what = facts.operation?.name ?? `${facts.method} ${pathAsSent(facts)}`;
  const groups = effectiveGroups(policy, identity);
  return `dockgate: denied ${what} for ${identity.name} (groups ${groups.length ? groups.join(',') : 'none'}): ${decision.reason} (rule "${decision.rule}")`;
}
