/**
 * `policy explain`: the same evaluation as `decide`, with every rule considered, why it
 * matched or not, and each guard's result. Pure; `formatExplanation` renders it as text.
 */
import { escapeHidden } from '../core/hidden-characters.js';
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import { effectiveGroups, type CompiledPolicy } from './compile.js';
import { decideTraced, denyMessage } from './evaluate.js';
import { unversionedOnlyOperation } from '../facts/operations.js';
import type { RuleTrace } from './rule-trace.js';
import { tenantOf } from '../tenancy/tenant.js';

/** Everything `policy explain` prints. */
export interface Explanation {
  request: { method: string; path: string; apiVersion?: string };
  operation?: { name: string; section: string; power: string; method: string; pattern: string };
  /**
   * Without an operation, a versioned `GET /vX.YY/debug/...`: the operation its unversioned path
   * is. dockerd 28 and later serve the versioned form; the gateway has no route for it.
   */
  unversionedOnly?: string;
  /** The caller; `sans` are its subject alternative names of every type, as `sans:` rules match them. */
  identity: { name: string; groups: string[]; sans: string[] };
  policy: { version: string; source?: string; mode: string };
  rules: RuleTrace[];
  decision: Decision;
  /** The message a denied client would see; undefined when allowed. */
  message?: string;
  /**
   * With tenancy on, the caller as tenancy sees them: tenancy decides after the policy, on the
   * daemon's objects, which explain does not look at; undefined when tenancy is off.
   */
  tenancy?: { admin: boolean; team?: string };
}

/** Explain how `policy` decides this request. The decision equals `decide(policy, identity, facts)`. */
export function explain(policy: CompiledPolicy, identity: Identity, facts: RequestFacts): Explanation {
  const rules: RuleTrace[] = [];
  const decision = decideTraced(policy, identity, facts, rules);
  const out: Explanation = {
    request: { method: facts.method, path: facts.path },
    identity: { name: identity.name, groups: effectiveGroups(policy, identity), sans: [...identity.sans.dns, ...identity.sans.ip, ...identity.sans.email, ...identity.sans.uri] },
    policy: { version: policy.version, mode: policy.mode },
    rules,
    decision,
  };
  if (facts.apiVersion !== undefined) out.request.apiVersion = facts.apiVersion;
  if (policy.source !== undefined) out.policy.source = policy.source;
  const op = facts.operation;
  if (op) out.operation = { name: op.name, section: op.section, power: op.power, method: op.method, pattern: op.pattern };
  else if (facts.apiVersion !== undefined) {
    const unversioned = unversionedOnlyOperation(facts.method, facts.path);
    if (unversioned) out.unversionedOnly = unversioned.name;
  }
  if (decision.outcome !== 'allow') out.message = denyMessage(policy, identity, facts, decision);
  if (policy.tenancy) {
    const tenant = tenantOf(policy.tenancy, identity, out.identity.groups);
    out.tenancy = { admin: tenant.admin };
    if (tenant.team !== undefined) out.tenancy.team = tenant.team;
  }
  return out;
}

/**
 * Render an explanation for a terminal, one line per item: control, bidi, zero-width and other
 * hidden characters (hidden-characters.ts) written `\uXXXX`.
 */
export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  const version = e.request.apiVersion ? ` (API ${e.request.apiVersion})` : '';
  lines.push(`request:   ${e.request.method} ${e.request.path}${version}`);
  lines.push(`operation: ${operationText(e)}`);
  const sans = e.identity.sans.length ? `; sans ${e.identity.sans.join(',')}` : '';
  lines.push(`identity:  ${e.identity.name} (groups ${e.identity.groups.join(',') || 'none'}${sans})`);
  lines.push(`policy:    ${e.policy.source ?? '(inline)'} (version ${e.policy.version}, mode ${e.policy.mode})`);
  lines.push('rules:');
  if (e.rules.length === 0) lines.push('  (none considered)');
  const width = Math.max(0, ...e.rules.map((r) => r.rule.length));
  e.rules.forEach((r, i) => {
    const head = `  ${i + 1}. ${r.rule.padEnd(width)}  ${r.effect.padEnd(5)}  `;
    if (r.status === 'not-reached') lines.push(`${head}not reached`);
    else if (r.shadowed) lines.push(`${head}skipped: ${r.who}, selector ${JSON.stringify(r.selector)}, but an earlier rule in audit mode already gave the staged verdict`);
    else if (r.status === 'skipped') lines.push(`${head}skipped: ${r.who === undefined ? 'who does not match' : `${r.who} matches, no selector matches`}`);
    else if (r.status === 'audited') lines.push(`${head}audited: ${r.who}, selector ${JSON.stringify(r.selector)} (audit mode: recorded, not enforced)`);
    else lines.push(`${head}decided: ${r.who}, selector ${JSON.stringify(r.selector)}`);
    for (const g of r.guards) {
      const detail = g.result === 'fail' && g.violation ? `: ${g.violation.reason} (code ${g.violation.code})` : '';
      lines.push(`       guard ${g.guard}: ${g.result}${detail}`);
    }
  });
  const d = e.decision;
  lines.push(`decision:  ${d.outcome}${d.outcome === 'would-deny' ? ' (forwarded: audit mode)' : ''}, rule ${d.rule}, code ${d.code}: ${d.reason}`);
  if (e.message) lines.push(`message:   ${e.message}`);
  // What the gateway does next, which explain (pure) cannot: a service's networks on the daemon.
  // Those checks are the enforced rule's (not a staged one's, which a would-deny names).
  const by = JSON.stringify(d.enforcedRule ?? d.rule);
  if (d.networkLookups?.length) {
    const named = d.networkLookups.map((l) => `${l.path} ${JSON.stringify(l.target)}`).join(', ');
    lines.push(`then:      the gateway looks up ${named} on the daemon before forwarding: refused if one is the host network (code host-namespace) or cannot be checked (code network-unchecked), by rule ${by}`);
  }
  if (d.execStart) {
    lines.push(`then:      the gateway looks up exec ${JSON.stringify(d.execStart.execId)} on the daemon before forwarding and runs the exec guards of rule ${by} on it: refused if it runs as root or privileged where they refuse that (codes exec-root, privileged), or cannot be checked (code exec-unchecked)`);
  }
  if (e.tenancy && d.forward) lines.push(tenancyLine(e.identity.name, e.tenancy));
  // Names, groups, SANs, paths and body values are the caller's text: `--as $'\u202Eecila'`
  // would print as alice. Their hidden characters are written \uXXXX, as the audit log writes them.
  return `${lines.map(escapeHidden).join('\n')}\n`;
}

/** The operation line's text: the route, or why there is none. */
function operationText(e: Explanation): string {
  const op = e.operation;
  if (op) return `${op.name} (section ${op.section}, power ${op.power}, route ${op.method} ${op.pattern})`;
  if (e.unversionedOnly === undefined) return 'none (dockerd has no such route)';
  // "dockerd has no such route" would be false here: dockerd 28 and later serve it.
  return (
    'none (the gateway matches the /debug routes unversioned only and denies this versioned one whatever the policy allows, ' +
    `though dockerd 28 and later serve it; the unversioned ${e.request.method} ${e.request.path} is ${e.unversionedOnly}, decided by the policy)`
  );
}

/** The `then:` line saying that tenancy decides after the policy, and what explain leaves out of it. */
function tenancyLine(name: string, t: { admin: boolean; team?: string }): string {
  if (t.admin) {
    return `then:      tenancy: ${name} is a tenancy admin (ownership, visibility and quotas do not apply), but the gateway still checks an image write into a repository holding tenants' images on the daemon, and refuses a create or service body whose labels it cannot set (400 json-shape), which explain does not (a refusal comes under rule tenancy)`;
  }
  const team = t.team === undefined ? 'no team' : `team ${t.team}`;
  return `then:      tenancy checks the request for ${name} (${team}) before forwarding, which explain does not: who owns what it names, quotas and limits, reserved labels, operations for tenancy admins only; the gateway may still refuse it (rule tenancy)`;
}
