/**
 * Deny rules no request reaches: the first matching rule decides, so a deny rule after an
 * enforcing rule that matches everyone it names, for every request it denies, never applies
 * (after an allow rule, what it means to refuse is allowed). Only certain cases are reported:
 * the earlier rule's `who` is `anyone: true` or holds every user, group and SAN of the later
 * one, and its selectors take whole routes (`all`, `section:`, `power:`, names, route
 * patterns; never globs, which take part of a route).
 */
import type { Operation } from '../core/types.js';
import type { CompiledPolicy, CompiledRule } from './compile.js';
import type { WhoSpec } from './schema.js';

/** True when everyone `later` names is also named by `earlier`. */
function whoCovers(earlier: WhoSpec, later: WhoSpec): boolean {
  if (earlier.anyone) return true;
  if (later.anyone) return false;
  return (
    later.users.every((u) => earlier.users.includes(u)) &&
    later.groups.every((g) => earlier.groups.includes(g)) &&
    later.sans.every((s) => earlier.sans.includes(s))
  );
}

/** True when every request `later`'s selectors may select, `earlier`'s surely select. */
function selectorsCover(earlier: CompiledRule, later: CompiledRule): boolean {
  const whole = new Set<Operation>();
  for (const s of earlier.selectors) for (const op of s.wholeRoutes) whole.add(op);
  return later.selectors.every((s) => s.routes.size > 0 && [...s.routes].every((op) => whole.has(op)));
}

/** One warning per deny rule an earlier enforcing rule always decides before. */
export function shadowedRuleWarnings(policy: CompiledPolicy): string[] {
  const warnings: string[] = [];
  policy.rules.forEach((rule, i) => {
    if (rule.effect !== 'deny') return;
    // An audit rule is no decision to rely on; only an enforcing one certainly ends evaluation.
    const before = policy.rules.slice(0, i).find((e) => e.mode === 'enforce' && whoCovers(e.who, rule.who) && selectorsCover(e, rule));
    if (!before) return;
    const outcome = before.effect === 'allow' ? `allows (subject to its guards) what it would deny: move "${rule.name}" above it` : 'already denies all of it';
    warnings.push(`rule "${rule.name}" is never reached: the earlier rule "${before.name}" matches everyone it names for every operation it denies, and ${outcome}`);
  });
  return warnings;
}
