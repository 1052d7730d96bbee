/**
 * Operation selectors of a rule's `allow:` / `deny:` list, compiled to predicates:
 *
 * - `all`: every operation;
 * - `ContainerCreate`: an operation name from the operation table;
 * - `section:exec`: every operation of an API section;
 * - `power:read` | `power:write` | `power:exfiltrate`: every operation of that power;
 * - `POST /containers/{name:.*}/kill`: a route as registered (a pattern with `{...}` must be
 *   exactly one of the table's patterns, registered for that method; the method is the
 *   request's, `*` for any);
 * - `DELETE /containers/ci-*`: a glob on the clean, percent-decoded path without the
 *   version prefix (`*` within one segment, `**` across segments). Globs see the name the
 *   client typed (a name or an ID), so they suit allow rules, not deny rules meant to hold.
 *
 * A selector that can never select a request is an error, not a rule that silently does
 * nothing (in a deny rule that would fail open).
 */
import type { Operation, Power, RequestFacts } from '../core/types.js';
import { ANY_METHOD, OPERATIONS, SECTIONS } from '../facts/operations.js';
import { globSteps, overlaps, routeSteps } from './route-language.js';
import { compilePathGlob } from './path-glob.js';

/** A compiled selector. */
export interface Selector {
  /** The selector as written. */
  text: string;
  /** True when the (routed) request is selected. */
  test(facts: RequestFacts): boolean;
  /**
   * The routes (entries of OPERATIONS) whose requests it may select. Exact for every form but
   * globs, for which it may hold routes the glob never reaches (see route-language.ts).
   */
  routes: ReadonlySet<Operation>;
  /** The routes it selects every request of: a subset of `routes`, empty for globs. */
  wholeRoutes: ReadonlySet<Operation>;
}

const POWERS: readonly Power[] = ['read', 'write', 'exfiltrate'];
const OPERATION_NAMES: ReadonlySet<string> = new Set(OPERATIONS.map((o) => o.name));
const PATTERNS: ReadonlySet<string> = new Set(OPERATIONS.map((o) => o.pattern));
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', '*']);
const ROUTE_STEPS: ReadonlyMap<Operation, ReturnType<typeof routeSteps>> = new Map(OPERATIONS.map((op) => [op, routeSteps(op.pattern)]));

/** Compile one selector, or return the reason it is invalid. */
export function compileSelector(text: string): Selector | { error: string } {
  const compiled = compileOne(text);
  if ('error' in compiled && text.includes(',')) {
    const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    return { error: `${compiled.error}; a selector is one string: for several, write a YAML list: [${items.join(', ')}]` };
  }
  return compiled;
}

function byOperation(text: string, pick: (op: Operation) => boolean): Selector {
  const routes = new Set(OPERATIONS.filter(pick));
  return { text, test: (f) => f.operation !== undefined && pick(f.operation), routes, wholeRoutes: routes };
}

function compileOne(text: string): Selector | { error: string } {
  const s = text.trim();
  if (s === 'all') return byOperation(text, () => true);
  if (s.startsWith('section:')) {
    const section = s.slice('section:'.length);
    if (!SECTIONS.includes(section)) return { error: `unknown section "${section}" (sections: ${SECTIONS.join(', ')})` };
    return byOperation(text, (op) => op.section === section);
  }
  if (s.startsWith('power:')) {
    const power = s.slice('power:'.length) as Power;
    if (!POWERS.includes(power)) return { error: `unknown power "${power}" (read, write or exfiltrate)` };
    return byOperation(text, (op) => op.power === power);
  }
  const space = s.indexOf(' ');
  if (space > 0) {
    const method = s.slice(0, space).toUpperCase();
    const path = s.slice(space + 1).trim();
    if (!METHODS.has(method)) {
      // `"docker ps"`: no route at all (rev-newuser F8); `"FETCH /x"`: a route with a bad method.
      if (!path.startsWith('/')) return { error: `${JSON.stringify(s)} is no selector: selectors are operation names (ContainerList), all, section:NAME, power:NAME or "METHOD /path" routes` };
      return { error: `unknown HTTP method "${s.slice(0, space)}"` };
    }
    if (!path.startsWith('/')) return { error: `path "${path}" must start with /` };
    return path.includes('{') ? compilePattern(text, method, path) : compileGlob(text, method, path);
  }
  if (OPERATION_NAMES.has(s)) return byOperation(text, (op) => op.name === s);
  return { error: `unknown operation "${s}" (see the operation names in docs/policy.md)` };
}

/** The request's method may be `method` on this route (`*` selects any; `/debug` routes take any). */
function methodFits(method: string, op: Operation): boolean {
  return method === '*' || op.method === ANY_METHOD || op.method === method;
}

function compilePattern(text: string, method: string, path: string): Selector | { error: string } {
  if (!PATTERNS.has(path)) return { error: `"${path}" is not a route pattern of the operation table (write it as the table does, e.g. /containers/{name:.*}/json, or use a glob)` };
  const routes = new Set(OPERATIONS.filter((op) => op.pattern === path && methodFits(method, op)));
  if (routes.size === 0) {
    const methods = [...new Set(OPERATIONS.filter((op) => op.pattern === path).map((op) => op.method))].join(', ');
    return { error: `selector "${text.trim()}" never matches: route ${path} is registered for ${methods} only` };
  }
  // On a /debug route (any method) a method other than `*` selects only part of its requests.
  const wholeRoutes = new Set([...routes].filter((op) => method === '*' || op.method === method));
  return { text, test: (f) => (method === '*' || f.method === method) && f.operation?.pattern === path, routes, wholeRoutes };
}

/** Why a glob can never match a clean request path, or undefined. */
function unmatchableGlob(path: string): string | undefined {
  if (path.includes('?')) return 'a glob matches the path only, never the query string (drop the "?..." part; guards check query values)';
  const segments = path.slice(1).split('/');
  // A trailing slash leaves an empty last segment: that one is checked against the routes.
  if (segments.slice(0, -1).includes('')) {
    return 'a request path never holds "//" (dockerd redirects such paths and the gateway refuses them)';
  }
  if (segments.some((seg) => seg === '.' || seg === '..')) return 'a request path never holds "." or ".." segments (the gateway refuses them)';
  return undefined;
}

function compileGlob(text: string, method: string, path: string): Selector | { error: string } {
  const never = (why: string) => ({ error: `selector "${text.trim()}" never matches: ${why}` });
  // Refused although a CORS preflight (`OPTIONS /v1.41`, routed by dockerd's catch-all) could
  // match it: no other request can, so it is a mistake, and in a deny rule it would refuse nothing.
  const version = /^\/v[0-9.]+(?=\/|$)/.exec(path);
  if (version) {
    return { error: `selector "${text.trim()}" has an API version prefix, which globs never see: write ${path.slice(version[0].length) || '/'} (it matches every version)` };
  }
  const why = unmatchableGlob(path);
  if (why) return never(why);
  const steps = globSteps(path);
  const candidates = OPERATIONS.filter((op) => methodFits(method, op) && overlaps(steps, ROUTE_STEPS.get(op) ?? []));
  // The facts stage refuses a trailing slash except on the routes written with one (`/networks/`).
  const trailing = path.length > 1 && path.endsWith('/');
  const routes = new Set(trailing ? candidates.filter((op) => op.pattern.endsWith('/')) : candidates);
  if (routes.size === 0) {
    if (trailing && candidates.length > 0) return never('a path ending in "/" is refused unless its route ends in one (only /networks/ and /debug/pprof/ do): drop the trailing "/"');
    return never(`it matches no ${method === '*' ? '' : `${method} `}route of the operation table (see the routes in docs/policy.md)`);
  }
  const matchesPath = compilePathGlob(path);
  return {
    text,
    test: (f) => f.operation !== undefined && (method === '*' || f.method === method) && matchesPath(f.path),
    routes,
    wholeRoutes: new Set(),
  };
}

