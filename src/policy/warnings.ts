/**
 * Warnings about a valid policy that probably does not mean what it says, for `policy check`:
 *
 * - an allow rule that selects operations the guards inspect but leaves out guards that
 *   inspect them: a guard left out permits what it would refuse (an unguarded
 *   `ContainerCreate` is root on the host). One warning per rule, naming what is missing
 *   (`oomProtection`, `cpuRealtime` and `logOptions` only with tenancy on: TENANTS_ONLY);
 * - a guard that inspects none of the operations its rule selects (it does nothing there);
 * - a guarded rule that allows BuildKit's gRPC API, which no guard inspects;
 * - a rule that allows the swarm's keys to the host (join tokens, unlock key, promotion), unless
 *   the first warning already says it can get root on the host;
 * - an image pattern with a `*` in its registry part (it matches every registry);
 * - a deny rule an earlier rule always decides before (see shadowed-rules.ts);
 * - a policy with no rules at all: it denies every request (`no-rule`);
 * - a `who` entry written as a pattern, a network or with surrounding spaces (who-warnings.ts);
 * - an enforcing allow rule serving callers no rule forwards a ping for: the 28.x docker CLI
 *   then fails every command (ping-warnings.ts).
 *
 * Which operations a rule selects is read generously (a path glob selects every route it
 * overlaps), so a warning errs towards being shown.
 */
import type { Operation } from '../core/types.js';
import type { CompiledPolicy, CompiledRule } from './compile.js';
import { starInRegistry } from './guards/image-reference.js';
import { GUARDS } from './guards/index.js';
import { ANY_METHOD } from '../facts/operations.js';
import { guardInspects } from './exec-start.js';
import { listed } from './listed.js';
import { pingGapWarnings } from './ping-warnings.js';
import { shadowedRuleWarnings } from './shadowed-rules.js';
import { nameListWarnings, whoWarnings } from './who-warnings.js';

/**
 * Guards that do not stand between a caller and the host, so leaving them out is a choice,
 * not a gap: `images` says which content may run or be named (see "Images" in docs/policy.md).
 */
const NOT_HOST_POWER: ReadonlySet<string> = new Set(['images']);

/**
 * Operations whose guarded fields never reach dockerd, whatever the rule: the facts stage
 * refuses a ContainerStart body (API < 1.24 HostConfig) for everyone, before the policy.
 */
const BODY_REFUSED: ReadonlySet<string> = new Set(['ContainerStart']);

/**
 * Guards whose only reach beyond the caller's own containers is into other people's: exec as
 * root, another container's volumes, and a link's copy of another container's environment.
 * With tenancy on, exec, `--volumes-from` and `--link` reach only
 * the caller's own and team's containers, also with `containers` in `unowned:` (that lets
 * tenants read such containers, never exec into or reference them), which the caller's team
 * could have created with the same user and volumes, so leaving these out grants nothing more.
 */
const OTHER_CONTAINERS: ReadonlySet<string> = new Set(['execRoot', 'volumesFrom', 'links']);

/**
 * Guards against a container taking the host's memory, CPU or disk from other people's in ways
 * no quota covers (sparing itself from the OOM killer, real-time CPU time, unbounded logs). Asked for only with
 * tenancy on: without it, whoever may create containers may also stop or remove everyone's,
 * so these would withhold nothing more.
 */
const TENANTS_ONLY: ReadonlySet<string> = new Set(['oomProtection', 'cpuRealtime', 'logOptions']);

/** Guards whose absence on an operation they inspect hands out root on the host outright. */
const ROOT_GUARDS: ReadonlySet<string> = new Set(['privileged', 'binds', 'volumesFrom', 'capabilities', 'devices', 'plugins']);

/**
 * dockerd's update applies only resources and the restart policy; the container guards check
 * its body anyway (fail closed), so a gap there is named, but not as root on the host. The
 * guards of the LogConfig (logDrivers, logOptions) leave updates alone: dockerd ignores it there.
 * A secret create (plugins) can only use a secret-driver plugin already installed: a gap, not root.
 */
const NO_ROOT_OPS: ReadonlySet<string> = new Set(['ContainerUpdate', 'SecretCreate']);

/** Every guard that should be set on a rule that allows `op`, in the guard table's order. */
function neededGuards(op: string, ownContainersOnly: boolean): string[] {
  if (BODY_REFUSED.has(op)) return [];
  return GUARDS.filter(
    (g) => guardInspects(g, op) && !NOT_HOST_POWER.has(g.key) && !(ownContainersOnly && OTHER_CONTAINERS.has(g.key)) && (ownContainersOnly || !TENANTS_ONLY.has(g.key)),
  ).map((g) => g.key);
}

/** The operation names a rule may select, in table order without duplicates. */
function selectedOperations(rule: CompiledRule): string[] {
  const routes = new Set<Operation>();
  for (const s of rule.selectors) for (const op of s.routes) routes.add(op);
  return [...new Set([...routes].map((op) => op.name))];
}

/** The warning for guards an allow rule leaves out (and whether it says root on the host), or undefined. */
function guardGapWarning(rule: CompiledRule, ops: readonly string[], ownContainersOnly: boolean): { text: string; root: boolean } | undefined {
  const set = new Set(rule.guards.map((g) => g.definition.key));
  const gaps: { op: string; left: string[]; root: boolean }[] = [];
  for (const op of ops) {
    const left = neededGuards(op, ownContainersOnly).filter((key) => !set.has(key));
    if (left.length > 0) gaps.push({ op, left, root: !NO_ROOT_OPS.has(op) && left.some((key) => ROOT_GUARDS.has(key)) });
  }
  if (gaps.length === 0) return undefined;
  // The operations that hand out root first: they are what the reader must see.
  gaps.sort((a, b) => Number(b.root) - Number(a.root));
  const who = rule.who.anyone ? 'every certificate holder' : 'whoever it matches';
  const missing = GUARDS.map((g) => g.key).filter((key) => gaps.some((gap) => gap.left.includes(key)));
  const consequence = gaps[0]?.root ? `${who} can get root on the host` : `${who} gets what ${missing.join(', ')} would refuse`;
  const gapOps = gaps.map((gap) => gap.op);
  const root = gaps[0]?.root ?? false;
  if (set.size === 0) {
    const advice = rule.who.anyone ? 'add guards' : 'fine for admins; add guards otherwise';
    return { text: `rule "${rule.name}" allows ${listed(gapOps, 4)} without guards: ${consequence} (${advice})`, root };
  }
  // Operations leaving out the same guards share one clause; past three clauses, one for all.
  const clauses = new Map<string, string[]>();
  for (const gap of gaps) clauses.set(gap.left.join(', '), [...(clauses.get(gap.left.join(', ')) ?? []), gap.op]);
  const what = clauses.size <= 3 ? [...clauses].map(([left, opsOf]) => `${opsOf.join(', ')} without ${left}`).join('; ') : `${listed(gapOps, 4)} without ${missing.join(', ')}`;
  return { text: `rule "${rule.name}" allows ${what}: ${consequence} (a guard left out permits what it would refuse)`, root };
}

/** The warning for guards that inspect none of the rule's operations, or undefined. */
function idleGuardWarning(rule: CompiledRule, ops: readonly string[]): string | undefined {
  const idle = rule.guards.filter((g) => !ops.some((op) => guardInspects(g.definition, op)));
  if (idle.length === 0) return undefined;
  const where = idle.map((g) => `${g.definition.key}: ${listed(g.definition.operations, 3)}`).join('; ');
  return `rule "${rule.name}" sets ${idle.map((g) => g.definition.key).join(', ')}, which inspect${idle.length === 1 ? 's' : ''} none of the operations it allows (${where}): check its allow list`;
}

/**
 * The warning for a guarded rule that allows BuildKit's gRPC API (`POST /grpc`, what buildx's
 * docker driver speaks): the whole build request goes through it, where no guard sees it, and
 * dockerd grants builds the `network.host` entitlement unless its daemon.json turns it off.
 * A rule without guards gets the broader warning already.
 */
function grpcWarning(rule: CompiledRule, ops: readonly string[], tenancy: boolean): string | undefined {
  // With tenancy on, /grpc is for tenancy admins only (src/tenancy/operation-plans.ts).
  if (tenancy || rule.guards.length === 0 || !ops.includes('Grpc')) return undefined;
  return `rule "${rule.name}" allows Grpc (BuildKit's gRPC API): no guard sees the builds sent through it, and dockerd lets them run steps on the host's network unless daemon.json sets "builder": {"entitlements": {"network-host": false}}`;
}

/** What each operation that hands over control of the swarm gives away. */
const SWARM_CONTROL: ReadonlyMap<string, string> = new Map([
  ['SwarmInspect', 'SwarmInspect answers with the manager join token'],
  ['SwarmUnlockkey', 'SwarmUnlockkey with the key that unlocks the swarm'],
  ['NodeUpdate', 'NodeUpdate promotes a node to manager'],
]);

/**
 * The warning for a guarded rule that allows an operation handing over control of the swarm:
 * a manager joined or promoted with it schedules services on this host (host binds, host
 * network) through its own swarm API, which never passes the gateway. No guard inspects these
 * operations.
 */
function swarmControlWarning(rule: CompiledRule, ops: readonly string[], tenancy: boolean, rootWarned: boolean): string | undefined {
  // With tenancy on, the swarm and nodes sections are for tenancy admins only. A rule already
  // warned to hand out root on the host (an admin rule without guards) needs no second one.
  if (tenancy || rootWarned) return undefined;
  const given = [...SWARM_CONTROL].filter(([op]) => ops.includes(op)).map(([, what]) => what);
  if (given.length === 0) return undefined;
  return `rule "${rule.name}" allows the swarm's keys to this host (${given.join('; ')}): a manager joined or promoted with them runs services here through its own swarm API, past the gateway and its guards (allow them to admins only)`;
}

/** Warnings for image patterns whose `*` reaches into the registry part. */
function imagePatternWarnings(rule: CompiledRule): string[] {
  const images = rule.guards.find((g) => g.definition.key === 'images');
  const allow = (images?.config as { allow?: unknown } | undefined)?.allow;
  if (!Array.isArray(allow)) return [];
  return allow
    .filter((p): p is string => typeof p === 'string' && starInRegistry(p))
    .map((p) => `rule "${rule.name}": image pattern "${p}" has a * in its registry part, and * also matches "/": it allows images from any registry (name the registry exactly, as in registry.example.com/*)`);
}

/**
 * Warnings for a deny rule's selectors that name one method on a route dockerd answers on any
 * method (the `/debug` routes): the other methods reach the same handler and stay allowed
 * wherever a later rule allows them (`POST /debug/vars` answered as `GET` does).
 */
function partialDenyWarnings(rule: CompiledRule): string[] {
  const out: string[] = [];
  for (const s of rule.selectors) {
    const method = /^\s*([A-Za-z]+)\s+\//.exec(s.text)?.[1];
    if (method === undefined) continue;
    const anyMethod = [...s.routes].filter((op) => op.method === ANY_METHOD);
    if (anyMethod.length === 0) continue;
    out.push(`rule "${rule.name}" denies ${JSON.stringify(s.text.trim())} for ${method.toUpperCase()} only, but dockerd answers ${listed(anyMethod.map((op) => op.pattern), 3)} on every method: the others stay allowed where a later rule allows them (deny "* ${s.text.trim().slice(method.length).trim()}" or ${listed(anyMethod.map((op) => op.name), 3)})`);
  }
  return out;
}

/**
 * The warning for a policy without rules (`rules: []`): valid, and fail closed, but every
 * request is denied with `no-rule`, which puzzles whoever meant to start small. With
 * `mode: audit` nothing is denied: every request is forwarded and recorded as would-deny.
 */
function noRulesWarning(policy: CompiledPolicy): string | undefined {
  if (policy.rules.length > 0) return undefined;
  return policy.mode === 'audit' ? 'no rules: every request would be denied (mode audit: each is forwarded and recorded as would-deny)' : 'no rules: every request is denied';
}

/** Every warning for a valid policy: no rules, then per rule in rule order, then the unreachable deny rules. */
export function policyWarnings(policy: CompiledPolicy): string[] {
  const warnings: string[] = [];
  const empty = noRulesWarning(policy);
  if (empty) warnings.push(empty);
  warnings.push(...nameListWarnings(policy));
  const ownContainersOnly = policy.tenancy !== undefined;
  const pingGaps = pingGapWarnings(policy);
  for (const rule of policy.rules) {
    warnings.push(...whoWarnings(rule));
    if (rule.effect === 'deny') warnings.push(...partialDenyWarnings(rule));
    if (rule.effect !== 'allow') continue;
    const ops = selectedOperations(rule);
    const gap = guardGapWarning(rule, ops, ownContainersOnly);
    for (const w of [gap?.text, idleGuardWarning(rule, ops), grpcWarning(rule, ops, policy.tenancy !== undefined), swarmControlWarning(rule, ops, policy.tenancy !== undefined, gap?.root ?? false), ...imagePatternWarnings(rule), pingGaps.get(rule)]) if (w) warnings.push(w);
  }
  return [...warnings, ...shadowedRuleWarnings(policy)];
}
