/**
 * Compile a validated policy once into predicates. Everything that can be wrong with a rule
 * fails here (a PolicyError), never while deciding a request.
 */
import { textDigest } from '../core/text-digest.js';
import type { Identity } from '../core/types.js';
import { PolicyError, type PolicyProblem } from './errors.js';
import { GUARDS, GUARDS_BY_KEY, type GuardDefinition } from './guards/index.js';
import { parsePolicy } from './load.js';
import type { PolicyMode, PolicySpec, RuleSpec, WhoSpec } from './schema.js';
import { compileSelector, type Selector } from './selectors.js';
import type { TenancySpec } from './tenancy-schema.js';
import { hasSan } from './san-kind.js';

/** A guard of a rule with its parsed settings. */
export interface CompiledGuard {
  definition: GuardDefinition<unknown>;
  config: unknown;
}

/** A rule ready to run. */
export interface CompiledRule {
  name: string;
  description?: string;
  effect: 'allow' | 'deny';
  /** The rule's own mode, else the policy's: `audit` rules are recorded, not enforced (evaluate.ts). */
  mode: PolicyMode;
  who: WhoSpec;
  selectors: readonly Selector[];
  guards: readonly CompiledGuard[];
}

/** A compiled, frozen policy. */
export interface CompiledPolicy {
  /** sha256 of the file content, first 12 hex digits: identifies the policy in audit records. */
  version: string;
  /** Where it came from (a file path or `built-in default`), for messages. */
  source?: string;
  mode: PolicyMode;
  rules: readonly CompiledRule[];
  /** User name -> groups the policy's `groups:` adds. */
  extraGroups: ReadonlyMap<string, readonly string[]>;
  /** The validated `tenancy:` section; absent when tenancy is off. */
  tenancy?: TenancySpec;
}

/** Parse, validate and compile policy text. Throws PolicyError with every problem. */
export function loadPolicy(text: string, source?: string): CompiledPolicy {
  return compilePolicy(parsePolicy(text, source), text, source);
}

/** Compile a validated spec; `text` is the file content the version is computed from. */
export function compilePolicy(spec: PolicySpec, text: string, source?: string): CompiledPolicy {
  const problems: PolicyProblem[] = [];
  const rules = spec.rules.map((r) => compileRule(r, spec.mode, problems));
  if (problems.length) throw new PolicyError(problems, source);
  const extraGroups = new Map<string, string[]>();
  for (const [group, users] of Object.entries(spec.groups)) {
    for (const user of users) extraGroups.set(user, [...(extraGroups.get(user) ?? []), group]);
  }
  const policy: CompiledPolicy = {
    version: textDigest(text).slice(0, 12),
    mode: spec.mode,
    rules,
    extraGroups,
  };
  if (source !== undefined) policy.source = source;
  if (spec.tenancy) policy.tenancy = spec.tenancy;
  return Object.freeze(policy);
}

function compileRule(r: RuleSpec, policyMode: PolicyMode, problems: PolicyProblem[]): CompiledRule {
  const at = `rules[${r.index}]`;
  const selectors: Selector[] = [];
  for (const text of r.selectors) {
    const s = compileSelector(text);
    if ('error' in s) problems.push({ path: `${at}.${r.effect}`, message: s.error });
    else selectors.push(s);
  }
  const guards: CompiledGuard[] = [];
  for (const [key, config] of Object.entries(r.guards)) {
    const definition = GUARDS_BY_KEY.get(key);
    if (!definition) problems.push({ path: `${at}.guards.${key}`, message: `unknown guard "${key}"` });
    else guards.push({ definition, config });
  }
  // Evaluate in the guard table's order, so the reported violation does not depend on key order.
  guards.sort((a, b) => GUARDS.indexOf(a.definition) - GUARDS.indexOf(b.definition));
  const rule: CompiledRule = { name: r.name, effect: r.effect, mode: r.mode ?? policyMode, who: r.who, selectors, guards };
  if (r.description !== undefined) rule.description = r.description;
  return Object.freeze(rule);
}

/** The caller's groups: certificate OU values plus the policy's `groups:` lists. */
export function effectiveGroups(policy: CompiledPolicy, identity: Identity): string[] {
  const extra = policy.extraGroups.get(identity.name) ?? [];
  return [...new Set([...identity.groups, ...extra])];
}

/** Why `who` matches, or undefined when it does not. */
export function whoMatch(who: WhoSpec, identity: Identity, groups: readonly string[]): string | undefined {
  if (who.anyone) return 'anyone';
  if (who.users.includes(identity.name)) return `user ${identity.name}`;
  const group = who.groups.find((g) => groups.includes(g));
  if (group !== undefined) return `group ${group}`;
  const san = who.sans.find((s) => hasSan(identity, s));
  if (san !== undefined) return `SAN ${san}`;
  return undefined;
}
