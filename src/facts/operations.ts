/**
 * Route matching exactly as dockerd's gorilla/mux router does it: routes tried in
 * registration order, each first with the `/v{version:[0-9.]+}` prefix and then bare, a
 * plain `{var}` matching `[^/]+`, `{var:.*}` greedy across `/`, anchored at both ends, and
 * the method compared case-sensitively. A path that only matches with another method gets
 * no operation (dockerd answers 404 for both cases).
 */
import type { Operation } from '../core/types.js';
import { NO_VALUES } from './no-values.js';
import { ANY_METHOD, OPERATION_TABLE } from './operation-table.js';

/** Every operation dockerd registers, in matching order. */
export const OPERATIONS: readonly Operation[] = OPERATION_TABLE;

/** The API sections operations belong to, in table order without duplicates. */
export const SECTIONS: readonly string[] = Object.freeze([...new Set(OPERATIONS.map((op) => op.section))]);

/** What `matchOperation` found: the route, its decoded path variables and the `/vX.YY` version. */
export interface OperationMatch {
  operation: Operation;
  /** Path variables by name (`name`, `id`, `checkpoint`, ...), without `version`. */
  params: Record<string, string>;
  /** The version prefix as written (e.g. `1.041`), when the path had one. */
  apiVersion?: string;
}

/** mux's version prefix: `/v{version:[0-9.]+}`. */
const VERSION_PREFIX = '/v(?<version>[0-9.]+)';

/**
 * Translate a Go regexp fragment of a route variable to JavaScript: Go's `.` matches
 * anything but `\n` (JavaScript's also stops at `\r`, U+2028 and U+2029).
 */
function goRegexFragment(re: string): string {
  let out = '';
  let inClass = false;
  for (const ch of re) {
    if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    out += ch === '.' && !inClass ? '[^\\n]' : ch;
  }
  return out;
}

function escapeLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compile a mux path template (`/containers/{name:.*}/json`) to an unanchored regexp source. */
export function compileMuxPattern(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf('{', i);
    if (open < 0) {
      out += escapeLiteral(pattern.slice(i));
      break;
    }
    const close = pattern.indexOf('}', open);
    if (close < 0) throw new Error(`unbalanced braces in route ${pattern}`);
    out += escapeLiteral(pattern.slice(i, open));
    const variable = pattern.slice(open + 1, close);
    const colon = variable.indexOf(':');
    const name = colon < 0 ? variable : variable.slice(0, colon);
    const re = colon < 0 ? '[^/]+' : goRegexFragment(variable.slice(colon + 1));
    out += `(?<${name}>${re})`;
    i = close + 1;
  }
  return out;
}

interface CompiledRoute {
  operation: Operation;
  /**
   * The template's text before its first variable: a path the route matches starts with it
   * (after the version prefix, for the versioned form), so other routes are skipped unread.
   */
  literal: string;
  /**
   * Undefined for the `/debug/*` routes, matched bare only: dockerd up to 27 registers them
   * bare only. Later dockerd also answers `/vX.YY/debug/...`; the gateway finds no route for
   * those and denies them (`unknown-route`), which fails closed.
   */
  versioned?: RegExp;
  bare: RegExp;
}

const COMPILED: readonly CompiledRoute[] = OPERATIONS.map((operation) => {
  // afterVersion relies on it; a template without it would fail to load, never mismatch.
  if (!operation.pattern.startsWith('/')) throw new Error(`route ${operation.pattern} does not start with /`);
  const source = compileMuxPattern(operation.pattern);
  const bare = new RegExp(`^${source}$`, 'u');
  const brace = operation.pattern.indexOf('{');
  const literal = brace < 0 ? operation.pattern : operation.pattern.slice(0, brace);
  if (operation.method === ANY_METHOD) return { operation, literal, bare };
  return { operation, literal, versioned: new RegExp(`^${VERSION_PREFIX}${source}$`, 'u'), bare };
});

/**
 * The path after a `/vX.YY` prefix, or undefined without one. Every route template starts
 * with `/`, which `[0-9.]+` cannot match, so the versioned form of any route can only match
 * with the version ending right before the first `/` after `/v`.
 */
function afterVersion(path: string): string | undefined {
  if (!path.startsWith('/v')) return undefined;
  let i = 2;
  while (i < path.length) {
    const c = path.charCodeAt(i);
    if (c !== 0x2e && (c < 0x30 || c > 0x39)) break;
    i += 1;
  }
  return i > 2 && path.charCodeAt(i) === 0x2f ? path.slice(i) : undefined;
}

function toMatch(operation: Operation, groups: Record<string, string> | undefined): OperationMatch {
  // A route without parameters (`/events`, `/_ping`, most lists) shares the frozen empty record.
  let params: Record<string, string> = NO_VALUES;
  let apiVersion: string | undefined;
  for (const [key, value] of Object.entries(groups ?? {})) {
    if (key === 'version') apiVersion = value;
    else {
      if (params === NO_VALUES) params = Object.create(null) as Record<string, string>;
      params[key] = value;
    }
  }
  return apiVersion === undefined ? { operation, params } : { operation, params, apiVersion };
}

/**
 * Find the operation dockerd would run for `method` on a clean, percent-decoded path
 * (see `normalizePath`), or undefined when dockerd would answer 404.
 */
export function matchOperation(method: string, cleanPath: string): OperationMatch | undefined {
  const rest = afterVersion(cleanPath);
  for (const route of COMPILED) {
    const op = route.operation;
    if (op.method !== ANY_METHOD && op.method !== method) continue;
    const m =
      (route.versioned && rest?.startsWith(route.literal) ? route.versioned.exec(cleanPath) : null) ??
      (cleanPath.startsWith(route.literal) ? route.bare.exec(cleanPath) : null);
    if (m) return toMatch(op, m.groups);
  }
  return undefined;
}

/**
 * The `/debug` operation whose unversioned route a versioned `GET /vX.YY/debug/...` would be:
 * dockerd 28 and later serve that request, the gateway matches no route for it (see
 * `CompiledRoute.versioned`) and denies it. Undefined for every other request, including a
 * versioned `/debug` path with another method, which no dockerd serves. `unversionedPath` is
 * the clean path after its `/vX.YY` prefix; the caller knows there was one. For `policy explain`
 * to say why such a request has no operation; the decision does not use it.
 */
export function unversionedOnlyOperation(method: string, unversionedPath: string): Operation | undefined {
  if (method !== 'GET') return undefined;
  const operation = matchOperation(method, unversionedPath)?.operation;
  return operation?.method === ANY_METHOD ? operation : undefined;
}

const BY_NAME: ReadonlyMap<string, Operation> = new Map(
  [...OPERATIONS].reverse().map((op) => [op.name, op] as const),
);

/** The first operation with this name (`NetworkList` has two routes), or undefined. */
export function operationByName(name: string): Operation | undefined {
  return BY_NAME.get(name);
}

export { ANY_METHOD };
