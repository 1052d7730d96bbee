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
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import { effectiveGroups, whoMatch, type CompiledPolicy } from './compile.js';
import { maskPathCredentials } from '../observe/url-credentials.js';
import type { RuleTrace } from './rule-trace.js';
import { rulesFor } from './rules-for-identity.js';
import { ruleVerdict, type Verdict } from './rule-verdict.js';

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

/**
 * Not a policy question: no route of the table matches, so we cannot tell what dockerd does with it
 * (it has no such route, or it is a versioned `/debug` path, which dockerd 28 and later serve and
 * the gateway matches unversioned only). Denied even in audit mode.
 */
function unknownRoute(facts: RequestFacts): Decision {
  return { forward: false, outcome: 'deny', rule: 'default', code: 'unknown-route', reason: `no Engine API route matches ${facts.method} ${pathAsSent(facts)}` };
}

/**
 * The path with the version prefix it was sent with: `/v1.41/debug/vars` has no route while
 * `/debug/vars` has one (the /debug routes are matched unversioned only), so a refusal quoting the path
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
 * The message a denied client sees (Docker's `{"message": ...}`):
 * `dockgate: denied ContainerCreate for alice (groups dev,ops): HostConfig.Privileged is not allowed (rule "dev")`.
 * The groups are those the policy matched on: the certificate's and the policy's `groups:`.
 */
export function denyMessage(policy: CompiledPolicy, identity: Identity, facts: RequestFacts, decision: Decision): string {
  const what = facts.operation?.name ?? `${facts.method} ${pathAsSent(facts)}`;
  const groups = effectiveGroups(policy, identity);
  return `dockgate: denied ${what} for ${identity.name} (groups ${groups.length ? groups.join(',') : 'none'}): ${decision.reason} (rule "${decision.rule}")`;
}
