/**
 * Callers an allow rule serves who get no ping: the docker CLI asks `/_ping` which API version
 * to speak (`HEAD` first, `GET` when that fails: SystemPingHead, then SystemPing). With neither
 * forwarded, the 28.x CLI speaks its own newest version (1.50 for 28.2), which a daemon serving less
 * refuses before the policy (code `api-version`), so every command fails, those the policy
 * allows too (`docker run` prints the ping's denial instead). The 20.10 CLI falls back to API
 * 1.24 and carries on.
 *
 * Asked of the real evaluator: for each `who` entry of an enforcing allow rule, the holders it
 * stands for send both pings, and {@link decide} says whether either is forwarded (`would-deny`
 * in audit mode is). A user entry stands for a certificate with that name and no OU; a group,
 * for one with that OU and a name no rule names, and for each member the policy's `groups:`
 * gives it; a SAN, for one with that SAN; `anyone`, for one no rule names. So a user who would
 * get the ping through a certificate OU is still warned about: the warning errs towards being
 * shown. An audit-mode allow rule allows nothing yet, and a rule selecting only the pings no
 * command: neither is asked about.
 */
import type { Identity, RequestFacts } from '../core/types.js';
import { buildFacts } from '../facts/build-facts.js';
import { effectiveGroups, type CompiledPolicy, type CompiledRule } from './compile.js';
import { decide } from './evaluate.js';
import { listed } from './listed.js';
import { sanKind } from './san-kind.js';
import { standInIdentity } from './stand-in-identity.js';

/** The docker CLI's pings, in the order it sends them: either answered is enough. */
const PINGS: readonly RequestFacts[] = ['HEAD', 'GET'].map((method) => buildFacts({ method, rawTarget: '/_ping', headers: {} }));

/**
 * A certificate holder an entry of a rule's `who` stands for, how a warning names it, and a key
 * equal for equal holders (the same holder stands for entries of many rules: asked once).
 */
interface Caller {
  label: string;
  key: string;
  identity: () => Identity;
}

/** A common name no rule and no `groups:` list names: someone the policy knows nothing else of. */
function strangerName(policy: CompiledPolicy): string {
  const named = new Set<string>(policy.extraGroups.keys());
  for (const rule of policy.rules) for (const user of rule.who.users) named.add(user);
  let name = 'someone';
  while (named.has(name)) name += "'";
  return name;
}

/** The members the policy's `groups:` gives each group. */
function membersByGroup(policy: CompiledPolicy): ReadonlyMap<string, readonly string[]> {
  const members = new Map<string, string[]>();
  for (const [user, groups] of policy.extraGroups) {
    for (const group of groups) {
      const list = members.get(group);
      if (list) list.push(user);
      else members.set(group, [user]);
    }
  }
  return members;
}

/** The callers each entry of `rule`'s `who` stands for, in the order written. */
function callersOf(rule: CompiledRule, members: ReadonlyMap<string, readonly string[]>, stranger: string): Caller[] {
  const { who } = rule;
  const callers: Caller[] = [];
  if (who.anyone) callers.push({ label: 'every certificate holder', key: 'anyone', identity: () => standInIdentity(stranger) });
  for (const user of who.users) callers.push({ label: `user ${user}`, key: `user ${user}`, identity: () => standInIdentity(user) });
  for (const group of who.groups) {
    callers.push({ label: `group ${group}`, key: `group ${group}`, identity: () => standInIdentity(stranger, [group]) });
    for (const user of members.get(group) ?? []) callers.push({ label: `user ${user} (group ${group})`, key: `user ${user}`, identity: () => standInIdentity(user) });
  }
  for (const san of who.sans) callers.push({ label: `SAN ${san}`, key: `SAN ${san}`, identity: () => standInIdentity(stranger, [], { [sanKind(san)]: [san] }) });
  return callers;
}

/** Whether `rule` selects either ping. */
function selectsPing(rule: CompiledRule): boolean {
  return rule.selectors.some((s) => PINGS.some((facts) => s.test(facts)));
}

/**
 * The rules of `rules` (those selecting a ping) a caller's `who` may match, in policy order: a
 * superset of those it matches, looked up by name, group and SAN rather than tested one by one,
 * so a policy of thousands of one-user rules, each allowing a ping, costs thousands of lookups,
 * not millions of `who` tests (decide() then tests the few left).
 */
function candidateRules(policy: CompiledPolicy, rules: readonly CompiledRule[]): (identity: Identity) => CompiledPolicy {
  const order = new Map(rules.map((rule, i) => [rule, i]));
  const anyone: CompiledRule[] = [];
  const withSans: CompiledRule[] = [];
  const byName = new Map<string, CompiledRule[]>();
  const add = (index: Map<string, CompiledRule[]>, key: string, rule: CompiledRule) => {
    const list = index.get(key);
    if (list) list.push(rule);
    else index.set(key, [rule]);
  };
  for (const rule of rules) {
    if (rule.who.anyone) anyone.push(rule);
    if (rule.who.sans.length > 0) withSans.push(rule);
    for (const user of rule.who.users) add(byName, `user ${user}`, rule);
    for (const group of rule.who.groups) add(byName, `group ${group}`, rule);
  }
  return (identity) => {
    const hasSan = Object.values(identity.sans).some((list) => list.length > 0);
    const found = new Set<CompiledRule>([...anyone, ...(hasSan ? withSans : []), ...(byName.get(`user ${identity.name}`) ?? [])]);
    for (const group of effectiveGroups(policy, identity)) for (const rule of byName.get(`group ${group}`) ?? []) found.add(rule);
    return { ...policy, rules: [...found].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)) };
  };
}

/** Whether `rule` selects nothing but the pings: it allows its callers no command to fail. */
function pingsOnly(rule: CompiledRule): boolean {
  return rule.selectors.every((s) => [...s.routes].every((op) => PINGS.some((facts) => facts.operation === op)));
}

/** At most this many callers are named in a warning; the rest are counted. */
const NAMED = 6;

/**
 * The warning for each enforcing allow rule naming callers no rule forwards a ping for, by
 * rule (none for a policy in audit mode: it forwards every ping, its rules deciding or not; a
 * policy in enforce mode whose rules are all in audit mode gets none either, as it allows nothing).
 */
export function pingGapWarnings(policy: CompiledPolicy): ReadonlyMap<CompiledRule, string> {
  const warnings = new Map<CompiledRule, string>();
  // decide() passes over a rule that selects neither ping, and one whose `who` does not match:
  // the same decisions without them, and a policy of thousands of names asked in a moment.
  const pingRulesFor = candidateRules(policy, policy.rules.filter(selectsPing));
  const stranger = strangerName(policy);
  const members = membersByGroup(policy);
  const forwarded = new Map<string, boolean>();
  const pinged = (caller: Caller): boolean => {
    let yes = forwarded.get(caller.key);
    if (yes === undefined) {
      const identity = caller.identity();
      const pingRules = pingRulesFor(identity);
      yes = PINGS.some((facts) => decide(pingRules, identity, facts).forward);
      forwarded.set(caller.key, yes);
    }
    return yes;
  };
  for (const rule of policy.rules) {
    if (rule.effect !== 'allow' || rule.mode !== 'enforce' || pingsOnly(rule)) continue;
    // One holder named once: alice listed by name and as a member of dev is `user alice`.
    const seen = new Set<string>();
    const callers = callersOf(rule, members, stranger).filter((c) => !seen.has(c.key) && seen.add(c.key));
    const left = callers.filter((c) => !pinged(c)).map((c) => c.label);
    if (left.length === 0) continue;
    warnings.set(
      rule,
      `rule "${rule.name}" allows operations to ${listed(left, NAMED)}, but no rule forwards a ping to them (SystemPingHead or SystemPing: HEAD or GET /_ping): the 28.x docker CLI then speaks its own newest API version (1.50 for 28.2), which a daemon serving less refuses as too new (code api-version), so every command of theirs fails, also what this rule allows (allow SystemPing and SystemPingHead to them)`,
    );
  }
  return warnings;
}
