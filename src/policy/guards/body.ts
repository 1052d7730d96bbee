/**
 * Reading request bodies the way dockerd's Go decoder does: every field lookup goes through
 * `field()` (case-insensitive with Go's Unicode folding), and container fields are read from
 * every place dockerd accepts them.
 */
import type { JsonValue, RequestFacts } from '../../core/types.js';
import { field, fieldAt, fieldPath, isObject, type FieldName } from '../../facts/go-fold.js';

/** A present (non-null) field value and the path to name in messages. */
export interface Found {
  path: string;
  value: JsonValue;
}

/**
 * What a guard found in a body where nothing was present: shared, so a miss allocates nothing.
 * Readonly by its type, not frozen: V8 iterates a frozen array on a slow path that allocates
 * for every step of a `for...of`.
 */
const NOTHING: readonly Found[] = [];

/**
 * A HostConfig field as `hostConfigField` looks it up on every request: its name and both its
 * paths, folded and spelled out, made once by `hostConfigName` when a guard's module loads.
 */
export interface HostConfigName {
  /** The field's name, which is also the path of its legacy top-level copy, e.g. `Privileged`. */
  readonly name: string;
  /** `HostConfig.<name>`, the path named in messages. */
  readonly path: string;
  /** The legacy top-level copy, prepared for `fieldAt`. */
  readonly topLevel: readonly FieldName[];
  /** The copy in `HostConfig`, prepared for `fieldAt`. */
  readonly inHostConfig: readonly FieldName[];
}

/** Prepare a HostConfig field for `hostConfigField`; call it at module load, never per request. */
export function hostConfigName(name: string): HostConfigName {
  return { name, path: `HostConfig.${name}`, topLevel: fieldPath(name), inHostConfig: fieldPath('HostConfig', name) };
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
 * Every guard looks up its fields on every create, most of them absent: a miss allocates nothing.
 */
export function hostConfigField(facts: RequestFacts, wanted: HostConfigName): readonly Found[] {
  const op = facts.operation?.name;
  if (op === 'ContainerCreate' || op === 'ContainerStart') {
    return found(wanted.path, fieldAt(facts.body, wanted.inHostConfig), wanted.name, fieldAt(facts.body, wanted.topLevel));
  }
  if (op === 'ContainerUpdate') return found(wanted.name, fieldAt(facts.body, wanted.topLevel));
  return NOTHING;
}

/** Service create/update: `TaskTemplate.ContainerSpec.X`. */
export function containerSpecField(facts: RequestFacts, name: string): readonly Found[] {
  if (!isServiceWrite(facts)) return NOTHING;
  return found(`TaskTemplate.ContainerSpec.${name}`, field(facts.body, 'TaskTemplate', 'ContainerSpec', name));
}

/** A body field by path, as a Found list (empty when absent or null). */
export function bodyField(facts: RequestFacts, ...path: string[]): readonly Found[] {
  return found(path.join('.'), field(facts.body, ...path));
}

/** True for ServiceCreate and ServiceUpdate. */
export function isServiceWrite(facts: RequestFacts): boolean {
  const op = facts.operation?.name;
  return op === 'ServiceCreate' || op === 'ServiceUpdate';
}

/** The present (non-null) values among one or two look-ups, each with its path, in that order. */
function found(path: string, value: JsonValue | undefined, path2?: string, value2?: JsonValue): readonly Found[] {
  const present = value !== undefined && value !== null;
  const present2 = path2 !== undefined && value2 !== undefined && value2 !== null;
  if (!present && !present2) return NOTHING;
  const out: Found[] = [];
  if (present) out.push({ path, value });
  if (present2) out.push({ path: path2, value: value2 });
  return out;
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
