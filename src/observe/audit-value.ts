/**
 * The shapes an audit field takes (a scalar or a list of scalars, cut to size), and the
 * readers that reduce a body or query value to one without its secrets: names of `Env`
 * entries, keys of a map, one field of each object of a list, the names of build args.
 */
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import { truncate } from './escape.js';

/** A scalar or a list of scalars, the only shapes an audit field takes. */
export type AuditValue = string | number | boolean | (string | number | boolean)[];
/** Audit fields of one request, by name. */
export type AuditFields = Record<string, AuditValue>;

/** Longest list kept in an audit field (longer ones are cut, with a marker element). */
const MAX_LIST = 64;

/** A body value as an audit value: scalars and lists of scalars only; objects are dropped. */
export function auditValue(v: JsonValue | undefined): AuditValue | undefined {
  if (typeof v === 'string') return truncate(v);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (!Array.isArray(v)) return undefined;
  const out: (string | number | boolean)[] = [];
  for (const item of v.slice(0, MAX_LIST)) {
    if (typeof item === 'string') out.push(truncate(item));
    else if (typeof item === 'number' || typeof item === 'boolean') out.push(item);
  }
  if (v.length > MAX_LIST) out.push(`...[${v.length - MAX_LIST} more]`);
  return out;
}

/** Names of `NAME=value` entries: the values are never returned. */
export function envNames(env: JsonValue | undefined): string[] | undefined {
  if (typeof env === 'string') env = [env];
  if (!Array.isArray(env)) return undefined;
  const names: string[] = [];
  for (const entry of env.slice(0, MAX_LIST)) {
    if (typeof entry !== 'string') continue;
    const eq = entry.indexOf('=');
    names.push(truncate(eq === -1 ? entry : entry.slice(0, eq), 128));
  }
  return names;
}

/** Values of `key` in each object of a list (e.g. the `Source` of every mount). */
export function each(list: JsonValue | undefined, ...path: string[]): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const item of list.slice(0, MAX_LIST)) {
    const v = field(item, ...path);
    if (typeof v === 'string') out.push(truncate(v));
  }
  return out;
}

/** Keys of an object, never its values (driver options may carry passwords). */
export function keys(v: JsonValue | undefined): string[] | undefined {
  return isObject(v) ? Object.keys(v).slice(0, MAX_LIST).map((k) => truncate(k, 128)) : undefined;
}

/** Names of the build args in the `buildargs` query value (JSON), never their values. */
export function buildArgNames(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  try {
    return keys(JSON.parse(raw) as JsonValue) ?? [];
  } catch {
    return ['(unparsable)'];
  }
}
