/**
 * Reading request bodies the way dockerd's Go decoder does: every field lookup goes through
 * `field()` (case-insensitive with Go's Unicode folding), and container fields are read from
 * every place dockerd accepts them.
 */
import type { JsonValue, RequestFacts } from '../../core/types.js';
import { field, isObject } from '../../facts/go-fold.js';

/** A present (non-null) field value and the path to name in messages. */
export interface Found {
  path: string;
  value: JsonValue;
}

/**
 * Every copy of a HostConfig field dockerd may act on.
 * ContainerCreate: `HostConfig.X`, and the legacy top-level `X` (API < 1.24 clients put host
 * config fields at the top level; dockerd still decodes them into an embedded HostConfig and
 * uses it when `HostConfig` is absent, merging some fields otherwise). We check the union,
 * so neither copy can smuggle a value past a guard.
 * ContainerStart (API < 1.24, dockerd 20.10): dockerd decodes the body as a create body and
 * takes its `HostConfig` when present, else the top-level fields, so both copies, as for a create.
 * ContainerUpdate: the body is an UpdateConfig whose fields are top-level.
 */
export function hostConfigField(facts: RequestFacts, name: string): Found[] {
  const op = facts.operation?.name;
  const out: Found[] = [];
  if (op === 'ContainerCreate' || op === 'ContainerStart') {
    push(out, `HostConfig.${name}`, field(facts.body, 'HostConfig', name));
    push(out, name, field(facts.body, name));
  } else if (op === 'ContainerUpdate') {
    push(out, name, field(facts.body, name));
  }
  return out;
}

/** Service create/update: `TaskTemplate.ContainerSpec.X`. */
export function containerSpecField(facts: RequestFacts, name: string): Found[] {
  const out: Found[] = [];
  if (isServiceWrite(facts)) push(out, `TaskTemplate.ContainerSpec.${name}`, field(facts.body, 'TaskTemplate', 'ContainerSpec', name));
  return out;
}

/** A body field by path, as a Found list (empty when absent or null). */
export function bodyField(facts: RequestFacts, ...path: string[]): Found[] {
  const out: Found[] = [];
  push(out, path.join('.'), field(facts.body, ...path));
  return out;
}

/** True for ServiceCreate and ServiceUpdate. */
export function isServiceWrite(facts: RequestFacts): boolean {
  const op = facts.operation?.name;
  return op === 'ServiceCreate' || op === 'ServiceUpdate';
}

function push(out: Found[], path: string, value: JsonValue | undefined): void {
  if (value !== undefined && value !== null) out.push({ path, value });
}

/**
 * A JSON value as a list of items: arrays as they are, anything else (which Go would refuse
 * for a slice field) as a one-item list so guards still see and refuse it.
 */
export function items(value: JsonValue): { value: JsonValue; suffix: string }[] {
  if (Array.isArray(value)) return value.map((v, i) => ({ value: v, suffix: `[${i}]` }));
  return [{ value, suffix: '' }];
}

/**
 * A network create's `ConfigFrom` when it takes another network's settings (a config-only
 * network's driver and addresses, which the request does not carry): set and not
 * `{"Network": ""}`; any odd shape counts (fail closed). Undefined otherwise.
 */
export function configFrom(facts: RequestFacts): JsonValue | undefined {
  const value = field(facts.body, 'ConfigFrom');
  return isSet(value) && !(isObject(value) && !field(value, 'Network')) ? value : undefined;
}

/** True unless the value is absent, null or `false` (fail closed on odd types: Go would refuse them). */
export function isSet(value: JsonValue | undefined): boolean {
  return value !== undefined && value !== null && value !== false;
}

/** True for a value that carries something: non-empty string, array or object, `true`, a number. */
export function isNonEmpty(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Short rendering of a value for reasons: strings quoted, long values cut. */
export function show(value: JsonValue | undefined): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * A value's JSON type for reasons about a value that may hold a secret (driver options):
 * `a string`, `a number`, `a boolean`, `null`, `a list` or `a map`, never the value itself.
 */
export function typeName(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}
