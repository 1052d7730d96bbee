/**
 * Rebuilding a request target after the gateway changed it (an object name replaced by the
 * ID it resolved to, a query value replaced). The result is canonical: the `/vX.YY` prefix
 * the client used, the operation's pattern with its parameters, and every query pair
 * percent-encoded, so the daemon reads exactly what the gateway decided on. Pure.
 */
import type { RequestFacts } from '../core/types.js';

/** How to change a target: parameter values and query keys to replace (undefined removes). */
export interface TargetChange {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  /** Values appended to a (possibly repeated) query key, after the client's. */
  append?: Record<string, string[]>;
}

function encodeSegment(s: string): string {
  return encodeURIComponent(s);
}

/** Fill a mux pattern (`/containers/{name:.*}/json`) with parameter values. */
export function fillPattern(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/\{([A-Za-z]+)(?::[^}]*)?\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no value for path parameter ${name}`);
    // A greedy parameter may hold slashes (image names): keep them as separators.
    return v.split('/').map(encodeSegment).join('/');
  });
}

/**
 * The target for `facts` with `change` applied. Query pairs keep Go's order (form values
 * first, then the query string: the caller forwards no form body afterwards).
 */
export function rebuildTarget(facts: RequestFacts, change: TargetChange): string {
  const op = facts.operation;
  if (!op) throw new Error('cannot rebuild the target of an unknown route');
  const path = fillPattern(op.pattern, { ...facts.params, ...(change.params ?? {}) });
  const prefix = facts.apiVersion === undefined ? '' : `/v${facts.apiVersion}`;
  const pairs: string[] = [];
  const replaced = change.query ?? {};
  for (const [key, values] of Object.entries(facts.queryAll)) {
    if (Object.prototype.hasOwnProperty.call(replaced, key)) continue;
    for (const v of values) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
  }
  for (const [key, v] of Object.entries(replaced)) {
    if (v !== undefined) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
  }
  for (const [key, values] of Object.entries(change.append ?? {})) {
    for (const v of values) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
  }
  return prefix + path + (pairs.length ? `?${pairs.join('&')}` : '');
}
