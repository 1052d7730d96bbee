/**
 * Operation selectors of a rule's `allow:` / `deny:` list, compiled to predicates:
 *
 * - `all`: every operation;
 * - `ContainerCreate`: an operation name from the operation table;
 * - `section:exec`: every operation of an API section;
 * - `power:read` | `power:write` | `power:exfiltrate`: every operation of that power;
 * - `POST /containers/{name:.*}/kill`: a route as registered (a pattern with `{...}` must be
 *   exactly one of the table's patterns; the method is the request's, `*` for any);
 * - `DELETE /containers/ci-*`: a glob on the clean, percent-decoded path without the
 *   version prefix (`*` within one segment, `**` across segments). Globs see the name the
 *   client typed (a name or an ID), so they suit allow rules, not deny rules meant to hold.
 */
import type { Power, RequestFacts } from '../core/types.js';
import { OPERATIONS, SECTIONS } from '../facts/operations.js';

/** A compiled selector. */
export interface Selector {
  /** The selector as written. */
  text: string;
  /** True when the (routed) request is selected. */
  test(facts: RequestFacts): boolean;
}

const POWERS: readonly Power[] = ['read', 'write', 'exfiltrate'];
const OPERATION_NAMES: ReadonlySet<string> = new Set(OPERATIONS.map((o) => o.name));
const PATTERNS: ReadonlySet<string> = new Set(OPERATIONS.map((o) => o.pattern));
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', '*']);

/** Compile one selector, or return the reason it is invalid. */
export function compileSelector(text: string): Selector | { error: string } {
  const s = text.trim();
  if (s === 'all') return { text, test: (f) => f.operation !== undefined };
  if (s.startsWith('section:')) {
    const section = s.slice('section:'.length);
    if (!SECTIONS.includes(section)) return { error: `unknown section "${section}" (sections: ${SECTIONS.join(', ')})` };
    return { text, test: (f) => f.operation?.section === section };
  }
  if (s.startsWith('power:')) {
    const power = s.slice('power:'.length) as Power;
    if (!POWERS.includes(power)) return { error: `unknown power "${power}" (read, write or exfiltrate)` };
    return { text, test: (f) => f.operation?.power === power };
  }
  const space = s.indexOf(' ');
  if (space > 0) {
    const method = s.slice(0, space).toUpperCase();
    const path = s.slice(space + 1).trim();
    if (!METHODS.has(method)) return { error: `unknown HTTP method "${s.slice(0, space)}"` };
    if (!path.startsWith('/')) return { error: `path "${path}" must start with /` };
    const methodOk = (f: RequestFacts) => method === '*' || f.method === method;
    if (path.includes('{')) {
      if (!PATTERNS.has(path)) return { error: `"${path}" is not a route pattern of the operation table (write it as the table does, e.g. /containers/{name:.*}/json, or use a glob)` };
      return { text, test: (f) => methodOk(f) && f.operation?.pattern === path };
    }
    const re = globToRegExp(path);
    return { text, test: (f) => f.operation !== undefined && methodOk(f) && re.test(f.path) };
  }
  if (OPERATION_NAMES.has(s)) return { text, test: (f) => f.operation?.name === s };
  return { error: `unknown operation "${s}" (see the operation names in docs/policy.md)` };
}

/** `*` matches within a path segment, `**` across segments; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (ch === '*') out += '[^/]*';
    else out += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
